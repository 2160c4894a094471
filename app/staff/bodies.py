from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import editor_required, login_gate
from app.bodies.forms import BodySettingsForm
from app.bodies.models import Body
from app.core.actions import attempt
from app.core.loaders import get_or_404
from app.meetings.settings import update_body_settings

bp = Blueprint("bodies", __name__, url_prefix="/staff/bodies")
bp.before_request(login_gate())


@bp.route("/<id:body_id>/settings", methods=["GET", "POST"])
@editor_required
def settings(body_id: int):
    body = get_or_404(Body, body_id)
    form = BodySettingsForm(obj=body)
    if request.method == "GET":
        form.agenda_sections.data = "\n".join(body.agenda_sections)
    if form.validate_on_submit():
        with attempt(form) as done:
            update_body_settings(
                body,
                notice_special_block_hours=form.notice_special_block_hours.data,
                notice_special_warn_hours=form.notice_special_warn_hours.data,
                notice_regular_warn_hours=form.notice_regular_warn_hours.data,
                agenda_sections=(form.agenda_sections.data or "").splitlines(),
                actor=current_user,
            )
        if done:
            flash(_("Settings of %(body)s saved.", body=body.name), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("bodies/settings.html", form=form, body=body), 422 if form.errors else 200
