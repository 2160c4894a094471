"""The clerk's side of public comment: the comment policy, the speaker queue and timer, written comments."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.decorators import editor_required, login_gate, staff_required
from app.auth.forms import EmptyForm
from app.bodies.models import Body
from app.core.actions import attempt
from app.core.forms import options
from app.core.loaders import get_or_404
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.meetings.models import AgendaItem, Meeting
from app.public_comment import forms, privacy
from app.public_comment import policy as comment_policy
from app.public_comment import queue as speaker_queue
from app.public_comment import registration as speaker_registration
from app.public_comment import tallies as comment_tallies
from app.public_comment import written as written_comments
from app.public_comment.models import SpeakerRequest, TimeExtension, WrittenComment

bp = Blueprint("public_comment", __name__, url_prefix="/staff")
bp.before_request(login_gate())


# --- policy -----------------------------------------------------------------------------------------


@bp.route("/bodies/<id:body_id>/comment-policy", methods=["GET", "POST"])
@editor_required
def policy(body_id: int):
    body = get_or_404(Body, body_id)
    versions = comment_policy.policies(body)
    form = forms.PolicyForm()
    if request.method == "GET":
        current = versions[0] if versions else comment_policy.default_policy(body)
        form.adopted_on.data = to_local(utcnow()).date()
        form.adopted_by.data = ""
        form.speaker_minutes.data, form.speaker_extra_seconds.data = divmod(current.speaker_seconds, 60)
        form.group_minutes.data = current.group_seconds // 60
        form.item_cap_minutes.data = current.item_cap_minutes
        form.signup_closes_minutes.data = current.signup_closes_minutes
        form.written_accepted.data = current.written_accepted
        form.written_max_chars.data = current.written_max_chars
        form.ceding_allowed.data = current.ceding_allowed
    if form.validate_on_submit():
        with attempt(form, fields={"speaker_seconds": "speaker_minutes", "group_seconds": "group_minutes"}) as done:
            adopted = comment_policy.adopt_policy(
                body,
                adopted_on=form.adopted_on.data,
                adopted_by=form.adopted_by.data,
                speaker_seconds=form.speaker_minutes.data * 60 + (form.speaker_extra_seconds.data or 0),
                group_seconds=form.group_minutes.data * 60,
                item_cap_minutes=form.item_cap_minutes.data,
                signup_closes_minutes=form.signup_closes_minutes.data,
                written_accepted=form.written_accepted.data,
                written_max_chars=form.written_max_chars.data,
                ceding_allowed=form.ceding_allowed.data,
                actor=current_user,
            )
        if done:
            flash(
                _(
                    "Comment policy version %(version)d adopted. Meetings already noticed keep their version.",
                    version=adopted.version,
                ),
                "success",
            )
            return redirect(url_for("public_comment.policy", body_id=body.id))
    return render_template(
        "public_comment/policy.html", body=body, form=form, versions=versions, today=date.today()
    ), 422 if form.errors else 200


# --- the queue --------------------------------------------------------------------------------------


def _queue_redirect(item_id: int):
    return redirect(url_for("public_comment.queue", item_id=item_id) + "#current")


def _cede_form(speakers) -> forms.CedeBetweenForm:
    form = forms.CedeBetweenForm(prefix="cede")
    form.donor_id.choices = options(
        [("", _("Choose a speaker"))]
        + [(s.id, f"{s.queue_position}. {s.name}") for s in speakers if s.status.value in ("waiting", "checked_in")]
    )
    form.recipient_id.choices = options(
        [("", _("Choose a speaker"))]
        + [
            (s.id, f"{s.queue_position}. {s.name}")
            for s in speakers
            if s.status.value in ("waiting", "checked_in", "called")
        ]
    )
    return form


def _me():
    return current_user._get_current_object()


def _queue_page(item: AgendaItem, *, walk_in_form=None, extend_form=None, status=200):
    meeting = item.meeting
    speakers = speaker_queue.queue(item)
    waiting = [s for s in speakers if s.status.value in ("waiting", "checked_in")]
    current = speaker_queue.current_speaker(meeting, with_extensions=True)
    cede_form = _cede_form(speakers)
    written = db.session.scalars(
        select(WrittenComment).where(WrittenComment.agenda_item_id == item.id).order_by(WrittenComment.created_at)
    ).all()
    written_only = db.session.scalars(
        select(SpeakerRequest)
        .where(SpeakerRequest.agenda_item_id == item.id, SpeakerRequest.queue_position.is_(None))
        .order_by(SpeakerRequest.created_at)
    ).all()
    policy = comment_policy.effective_policy(meeting)
    if current_user.can("see_contacts"):
        with attempt():
            privacy.record_contact_view(
                item, speakers=[*speakers, *written_only], written=written, page="queue", actor=_me()
            )
    extensions = db.session.scalars(
        select(TimeExtension)
        .join(SpeakerRequest, TimeExtension.request_id == SpeakerRequest.id)
        .where(SpeakerRequest.agenda_item_id == item.id)
        .order_by(TimeExtension.id)
    ).all()
    return render_template(
        "public_comment/queue.html",
        extensions=extensions,
        item=item,
        meeting=meeting,
        speakers=speakers,
        waiting=waiting,
        current=current,
        period=speaker_registration.find_period(item),
        policy=policy,
        now=utcnow(),
        written=written,
        written_only=written_only,
        walk_in_form=walk_in_form or forms.WalkInForm(prefix="walkin"),
        extend_form=extend_form or forms.ExtendForm(prefix="extend"),
        cede_form=cede_form,
        action_form=EmptyForm(),
        used=speaker_queue.period_used_seconds(item),
        tally=comment_tallies.tallies(meeting.id).get(item.id),
    ), status


@bp.route("/items/<id:item_id>/queue")
@staff_required
def queue(item_id: int):
    item = get_or_404(AgendaItem, item_id)
    if not item.meeting.is_public:
        abort(404)
    return _queue_page(item)


@bp.route("/items/<id:item_id>/queue/walk-in", methods=["POST"])
@editor_required
def walk_in(item_id: int):
    item = get_or_404(AgendaItem, item_id)
    form = forms.WalkInForm(prefix="walkin")
    if form.validate_on_submit():
        with attempt(form) as done:
            speaker = speaker_queue.add_walk_in(item, actor=current_user, name=form.name.data, **form.card_data())
        if done:
            flash(
                _(
                    "%(name)s added to the queue (place %(place)s).",
                    name=speaker.name,
                    place=speaker.queue_position or "-",
                ),
                "success",
            )
            return redirect(url_for("public_comment.queue", item_id=item.id))
    return _queue_page(item, walk_in_form=form, status=422)


@bp.route("/items/<id:item_id>/queue/next", methods=["POST"])
@editor_required
def call_next(item_id: int):
    item = get_or_404(AgendaItem, item_id)
    return _act(
        lambda: speaker_queue.call_next(item, actor=current_user),
        item.id,
        lambda speaker: _("%(name)s called to speak.", name=speaker.name),
    )


PERIOD_ACTIONS = {"open": speaker_queue.open_period, "close": speaker_queue.close_period}


@bp.route("/items/<id:item_id>/comment-period/<action>", methods=["POST"])
@editor_required
def period(item_id: int, action: str):
    item = get_or_404(AgendaItem, item_id)
    if action not in PERIOD_ACTIONS:
        abort(404)
    messages = {"open": _("Public comment is open on this item."), "close": _("Public comment is closed on this item.")}
    return _act(lambda: PERIOD_ACTIONS[action](item, actor=current_user), item.id, lambda _r: messages[action])


def _act(operation, item_id: int, success):
    if not EmptyForm().validate_on_submit():
        abort(400)
    with attempt() as done:
        result = operation()
    if done:
        flash(success(result), "success")
    return _queue_redirect(item_id)


SPEAKER_ACTIONS = {
    "check-in": speaker_queue.check_in,
    "call": speaker_queue.call_speaker,
    "start": speaker_queue.start_timer,
    "pause": speaker_queue.pause_timer,
    "stop": speaker_queue.stop_timer,
    "spoke": speaker_queue.mark_spoke,
    "no-show": speaker_queue.mark_no_show,
    "withdraw": speaker_registration.withdraw_request,
}


def _action_message(action: str, speaker: SpeakerRequest) -> str:
    return {
        "check-in": _("%(name)s checked in.", name=speaker.name),
        "call": _("%(name)s called to speak.", name=speaker.name),
        "start": _("Timer started for %(name)s.", name=speaker.name),
        "pause": _("Timer paused for %(name)s.", name=speaker.name),
        "stop": _("Timer stopped for %(name)s.", name=speaker.name),
        "spoke": _("%(name)s marked as spoke.", name=speaker.name),
        "no-show": _("%(name)s marked as a no-show.", name=speaker.name),
        "withdraw": _("The request of %(name)s is withdrawn.", name=speaker.name),
    }[action]


#: Irreversible actions that ask once: a first POST without ``confirm=yes`` shows a confirmation page (no script
#: needed) when the service would accept; the page's button sends the same POST with ``confirm=yes``.
CONFIRMED_ACTIONS = {"no-show": ("public_comment/no_show_confirm.html", speaker_queue.can_mark_no_show)}


def _confirm_page(action: str, speaker: SpeakerRequest):
    if not EmptyForm().validate_on_submit():
        abort(400)
    return render_template(
        CONFIRMED_ACTIONS[action][0],
        action=action,
        speaker=speaker,
        item=speaker.item,
        meeting=speaker.meeting,
    )


@bp.route("/speakers/<id:request_id>/<action>", methods=["POST"])
@editor_required
def speaker_action(request_id: int, action: str):
    speaker = get_or_404(SpeakerRequest, request_id)
    if action not in SPEAKER_ACTIONS:
        abort(404)
    confirm = CONFIRMED_ACTIONS.get(action)
    if confirm and request.form.get("confirm") != "yes" and confirm[1](speaker):
        return _confirm_page(action, speaker)
    return _act(
        lambda: SPEAKER_ACTIONS[action](speaker, actor=current_user),
        speaker.agenda_item_id,
        lambda _r: _action_message(action, speaker),
    )


@bp.route("/speakers/<id:request_id>/extend", methods=["POST"])
@editor_required
def extend(request_id: int):
    speaker = get_or_404(SpeakerRequest, request_id)
    form = forms.ExtendForm(prefix="extend")
    if form.validate_on_submit():
        with attempt(form) as done:
            speaker_queue.add_time(speaker, seconds=form.seconds.data, reason=form.reason.data, actor=current_user)
        if done:
            flash(_("%(seconds)d seconds added for %(name)s.", seconds=form.seconds.data, name=speaker.name), "success")
            return _queue_redirect(speaker.agenda_item_id)
    return _queue_page(speaker.item, extend_form=form, status=422)


@bp.route("/speakers/<id:request_id>/cede", methods=["POST"])
@editor_required
def cede(request_id: int):
    donor = get_or_404(SpeakerRequest, request_id)
    form = forms.CedeForm()
    form.recipient_id.choices = options([(s.id, s.name) for s in speaker_queue.queue(donor.item) if s.id != donor.id])
    if not form.validate_on_submit():
        flash(_("Choose the speaker who receives the time."), "error")
        return _queue_redirect(donor.agenda_item_id)
    recipient = db.session.get(SpeakerRequest, form.recipient_id.data)
    return _act(
        lambda: speaker_queue.cede_time(donor, to=recipient, actor=current_user),
        donor.agenda_item_id,
        lambda _r: _("%(donor)s ceded their time to %(to)s.", donor=donor.name, to=recipient.name),
    )


@bp.route("/items/<id:item_id>/queue/cede", methods=["POST"])
@editor_required
def cede_between(item_id: int):
    item = get_or_404(AgendaItem, item_id)
    form = _cede_form(speaker_queue.queue(item))
    if not form.validate_on_submit():
        flash(_("Choose the speaker who gives their time and the one who receives it."), "error")
        return _queue_redirect(item.id)
    donor = db.session.get(SpeakerRequest, form.donor_id.data)
    recipient = db.session.get(SpeakerRequest, form.recipient_id.data)
    return _act(
        lambda: speaker_queue.cede_time(donor, to=recipient, actor=current_user),
        item.id,
        lambda _r: _("%(donor)s ceded their time to %(to)s.", donor=donor.name, to=recipient.name),
    )


# --- written comments and the meeting overview ------------------------------------------------------


@bp.route("/written/<id:comment_id>/publish", methods=["POST"])
@editor_required
def publish_written(comment_id: int):
    written = get_or_404(WrittenComment, comment_id)
    return _act(
        lambda: written_comments.publish_written_comment(written, actor=current_user),
        written.agenda_item_id,
        lambda _r: _("The comment of %(name)s is published.", name=written.name),
    )


@bp.route("/written/<id:comment_id>/hide", methods=["POST"])
@editor_required
def hide_written(comment_id: int):
    written = get_or_404(WrittenComment, comment_id)
    form = forms.HideForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for hiding this comment (for example the statutory exemption)."), "error")
        return _queue_redirect(written.agenda_item_id)
    return _act(
        lambda: written_comments.hide_written_comment(written, reason=form.reason.data, actor=current_user),
        written.agenda_item_id,
        lambda _r: _("The comment of %(name)s is hidden.", name=written.name),
    )


@bp.route("/meetings/<id:meeting_id>/speakers")
@staff_required
def meeting_speakers(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    requests = db.session.scalars(
        select(SpeakerRequest)
        .where(SpeakerRequest.meeting_id == meeting.id)
        .order_by(SpeakerRequest.agenda_item_id, SpeakerRequest.created_at)
    ).all()
    needs = [r for r in requests if (r.interpreter_language or r.accommodation) and r.status.value != "withdrawn"]
    pending = db.session.scalars(
        select(WrittenComment).where(WrittenComment.meeting_id == meeting.id, WrittenComment.status == "submitted")
    ).all()
    if needs and current_user.can("see_contacts"):
        with attempt():
            privacy.record_contact_view(meeting, speakers=needs, page="speakers", actor=_me())
    return render_template(
        "public_comment/meeting.html",
        meeting=meeting,
        requests=requests,
        needs=needs,
        pending=pending,
        tallies=comment_tallies.tallies(meeting.id),
        items=comment_policy.commentable_items(meeting),
        window=comment_policy.signup_window(meeting),
    )
