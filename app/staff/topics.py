"""Keeping the list of topics (issue 19): create, rename, describe, retire and restore. Editors only."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import editor_required, login_gate
from app.auth.forms import EmptyForm
from app.core.actions import attempt
from app.core.loaders import get_or_404
from app.topics import services
from app.topics.forms import TopicForm
from app.topics.models import Topic

bp = Blueprint("topics", __name__, url_prefix="/staff/topics")
bp.before_request(login_gate())


def _index(form: TopicForm, status: int = 200):
    topics = services.all_topics()
    counts = services.tag_counts()
    rows = [(t, counts.get(t.id, (0, 0, 0))) for t in topics]
    return render_template("topics/index.html", rows=rows, form=form, action_form=EmptyForm()), status


@bp.route("/", methods=["GET", "POST"])
@editor_required
def index():
    form = TopicForm(prefix="new")
    if form.validate_on_submit():
        with attempt(form) as done:
            topic = services.create_topic(form.name.data, form.description.data or "", actor=current_user)
        if done:
            flash(_("Topic “%(name)s” created.", name=topic.name), "success")
            return redirect(url_for("topics.index"))
    return _index(form, 422 if form.errors else 200)


@bp.route("/<id:topic_id>", methods=["GET", "POST"])
@editor_required
def edit(topic_id: int):
    topic = get_or_404(Topic, topic_id)
    form = TopicForm(obj=topic)
    if form.validate_on_submit():
        with attempt(form) as done:
            services.edit_topic(topic, form.name.data, form.description.data or "", actor=current_user)
        if done:
            flash(_("Topic “%(name)s” saved.", name=topic.name), "success")
            return redirect(url_for("topics.index"))
    return render_template("topics/edit.html", topic=topic, form=form, action_form=EmptyForm()), (
        422 if form.errors else 200
    )


@bp.route("/<id:topic_id>/retire", methods=["POST"])
@editor_required
def retire(topic_id: int):
    topic = get_or_404(Topic, topic_id)
    if EmptyForm().validate_on_submit():
        with attempt() as done:
            services.retire_topic(topic, actor=current_user)
        if done:
            flash(
                _("Topic “%(name)s” retired: no longer offered for tagging; its page stays.", name=topic.name),
                "success",
            )
    else:
        flash(_("Nothing was changed: send the form again."), "error")
    return redirect(url_for("topics.index"))


@bp.route("/<id:topic_id>/restore", methods=["POST"])
@editor_required
def restore(topic_id: int):
    topic = get_or_404(Topic, topic_id)
    if EmptyForm().validate_on_submit():
        with attempt() as done:
            services.restore_topic(topic, actor=current_user)
        if done:
            flash(_("Topic “%(name)s” restored.", name=topic.name), "success")
    else:
        flash(_("Nothing was changed: send the form again."), "error")
    return redirect(url_for("topics.index"))
