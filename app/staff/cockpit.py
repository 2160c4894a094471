"""The clerk's cockpit (``/staff/meetings/<id>/live``): one screen to run the meeting, the next step as the primary
button, every action a plain form that comes back here (no script needed), kept current by the live stream.

Each action calls the same service as the feature's own page (``app.meetings``, ``app.public_comment``,
``app.votes``), so the record is the same whichever page the clerk used. Routes of the ``meetings`` blueprint.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import editor_required, staff_required
from app.auth.forms import EmptyForm
from app.bodies.models import Member
from app.core import live
from app.core.actions import attempt
from app.core.errors import DomainError
from app.core.loaders import get_or_404
from app.core.text import clean_text
from app.core.timeutil import utcnow
from app.extensions import db
from app.live.cockpit import cockpit
from app.live.labels import labels as live_labels
from app.meetings import attendance, floor, lifecycle
from app.meetings.models import AgendaItem, AttendanceStatus, LogKind, Meeting, MeetingStatus
from app.public_comment import queue as speaker_queue
from app.public_comment import registration as speaker_registration
from app.public_comment.models import SpeakerRequest
from app.public_comment.policy import effective_policy
from app.staff.meetings import bp
from app.votes import motions as motion_service
from app.votes import roll_call
from app.votes.models import Motion, MotionKind, VoteChoice


def _meeting(meeting_id: int) -> Meeting:
    meeting = get_or_404(Meeting, meeting_id)
    if not meeting.is_public:
        abort(404)
    return meeting


@bp.route("/meetings/<id:meeting_id>/live")
@staff_required
def cockpit_page(meeting_id: int):
    meeting = _meeting(meeting_id)
    state = cockpit(meeting)
    version, payload = live.latest(meeting.id) or ("", "{}")
    template = "live/_cockpit_main.html" if request.args.get("part") == "main" else "live/cockpit.html"
    present = [
        m.member for m in state.seats if state.attendance.get(m.member_id) and state.attendance[m.member_id].is_present
    ]
    started = floor.first_moment(meeting, LogKind.called_to_order) if state.seats else None
    return render_template(
        template,
        meeting=meeting,
        c=state,
        now=utcnow(),
        early=meeting.status in (MeetingStatus.noticed, MeetingStatus.rescheduled) and utcnow() < meeting.start_at,
        meeting_started=started or meeting.start_at,
        present_members=present,
        ceding=effective_policy(meeting).ceding_allowed,
        version=version,
        payload=payload,
        labels=live_labels(),
        members={m.member_id: m.member for m in state.seats},
        editor=current_user.is_editor,
        choices=[VoteChoice.yes, VoteChoice.no, VoteChoice.abstain],
        statuses=list(AttendanceStatus),
    )


def _back(meeting: Meeting, anchor: str = "cockpit-main"):
    return redirect(url_for("meetings.cockpit_page", meeting_id=meeting.id) + f"#{anchor}")


def _int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def _in(meeting: Meeting, model, object_id: int | None):
    """An object of this meeting named by the form, or a clear refusal (never another meeting's)."""
    found = db.session.get(model, object_id) if object_id else None
    if found is None or getattr(found, "meeting_id", None) != meeting.id:
        raise DomainError(_("That is not part of this meeting; reload the page."))
    return found


def _speaker(meeting: Meeting) -> SpeakerRequest:
    return _in(meeting, SpeakerRequest, _int("target_id"))


def _at_place(meeting: Meeting, field: str) -> SpeakerRequest | None:
    item = floor.current_item(meeting)
    return speaker_queue.at_place(item, _int(field)) if item else None


def _speaker_at(meeting: Meeting, field: str) -> SpeakerRequest:
    """A speaker of the current queue by place number (the cede dialog works by number, not a menu per row)."""
    found = _at_place(meeting, field)
    if found is None:
        raise DomainError(_("No speaker has place %(place)s on this item.", place=request.form.get(field, "")[:12]))
    return found


def _member(meeting: Meeting) -> Member:
    member_id = _int("member_id")
    seated = next((m.member for m in attendance.roll(meeting) if m.member_id == member_id), None)
    if seated is None:
        raise DomainError(_("Choose a member of this body."))
    return seated


def _roll(meeting: Meeting):
    statuses = {m.member_id: request.form.get(f"status-{m.member_id}", "") for m in attendance.roll(meeting)}
    return attendance.take_roll(meeting, statuses, actor=current_user)


def _call_to_order(meeting: Meeting):
    check = lifecycle.start_meeting(meeting, actor=current_user, early_reason=request.form.get("early_reason", ""))
    if check.late:
        flash(check.late_message(), "warning")


def _take_motion(meeting: Meeting):
    item = _in(meeting, AgendaItem, _int("target_id"))
    return motion_service.make_motion(
        meeting,
        kind=MotionKind.main,
        text=clean_text(request.form.get("text", ""), multiline=True)[:20_000],
        item=item,
        mover_id=_int("mover_id"),
        seconder_id=_int("seconder_id"),
        actor=current_user,
    )


def _record_vote(meeting: Meeting):
    motion = _in(meeting, Motion, _int("target_id"))
    try:
        choice = VoteChoice(request.form.get("choice", ""))
    except ValueError:
        raise DomainError(_("Choose yes, no or abstain.")) from None
    return roll_call.record_vote(motion, _int("member_id") or 0, choice, actor=current_user)


#: What the "act on a speaker by place" dialog may do.
BY_PLACE = {
    "call": speaker_queue.call_speaker,
    "check_in": speaker_queue.check_in,
    "no_show": speaker_queue.mark_no_show,
    "withdraw": speaker_registration.withdraw_request,
}


def _by_place(meeting: Meeting):
    what = request.form.get("what", "")
    if what not in BY_PLACE:
        raise DomainError(_("Choose what to do."))
    return BY_PLACE[what](_speaker_at(meeting, "place"), actor=current_user)


def _cede(meeting: Meeting):
    donor, recipient = _speaker_at(meeting, "from_place"), _speaker_at(meeting, "to_place")
    return speaker_queue.cede_time(donor, to=recipient, actor=current_user)


def _grant(meeting: Meeting):
    member = _member(meeting)
    return floor.grant_floor(meeting, member.id, member.full_name, actor=current_user)


#: action -> (what it does, the message once done). Each takes the meeting; the form names its object.
ACTIONS = {
    "call_to_order": (_call_to_order, lambda: _("Meeting called to order.")),
    "all_present": (
        lambda m: attendance.all_present(m, actor=current_user),
        lambda: _("Roll taken: every member present."),
    ),
    "roll": (_roll, lambda: _("Roll taken.")),
    "arrive": (
        lambda m: attendance.record_arrival(
            m, _int("member_id") or 0, remote=request.form.get("remote") == "yes", actor=current_user
        ),
        lambda: _("Arrival recorded."),
    ),
    "depart": (
        lambda m: attendance.record_departure(m, _int("member_id") or 0, actor=current_user),
        lambda: _("Departure recorded."),
    ),
    "take_up": (
        lambda m: floor.take_up(_in(m, AgendaItem, _int("target_id")), actor=current_user),
        lambda: _("Item taken up."),
    ),
    "finish": (lambda m: floor.finish(m, actor=current_user), lambda: _("Item finished.")),
    "open_comment": (
        lambda m: speaker_queue.open_period(_in(m, AgendaItem, _int("target_id")), actor=current_user),
        lambda: _("Public comment is open on this item."),
    ),
    "close_comment": (
        lambda m: speaker_queue.close_period(_in(m, AgendaItem, _int("target_id")), actor=current_user),
        lambda: _("Public comment is closed on this item."),
    ),
    "call_next": (
        lambda m: speaker_queue.call_next(_in(m, AgendaItem, _int("target_id")), actor=current_user),
        lambda: _("Next speaker called."),
    ),
    "call": (lambda m: speaker_queue.call_speaker(_speaker(m), actor=current_user), lambda: _("Speaker called.")),
    "check_in": (lambda m: speaker_queue.check_in(_speaker(m), actor=current_user), lambda: _("Checked in.")),
    "start": (lambda m: speaker_queue.start_timer(_speaker(m), actor=current_user), lambda: _("Timer started.")),
    "pause": (lambda m: speaker_queue.pause_timer(_speaker(m), actor=current_user), lambda: _("Timer paused.")),
    "spoke": (lambda m: speaker_queue.mark_spoke(_speaker(m), actor=current_user), lambda: _("Marked as spoke.")),
    "no_show": (
        lambda m: speaker_queue.mark_no_show(_speaker(m), actor=current_user),
        lambda: _("Marked as a no-show."),
    ),
    "withdraw": (
        lambda m: speaker_registration.withdraw_request(_speaker(m), actor=current_user),
        lambda: _("Request withdrawn."),
    ),
    "cede": (_cede, lambda: _("Time ceded.")),
    "by_place": (_by_place, lambda: _("Done.")),
    "take_motion": (_take_motion, lambda: _("Motion recorded.")),
    "open_vote": (
        lambda m: roll_call.open_vote(_in(m, Motion, _int("target_id")), actor=current_user),
        lambda: _("Vote open. Members can vote from their seats."),
    ),
    "vote": (_record_vote, lambda: _("Vote recorded.")),
    "close_vote": (
        lambda m: roll_call.close_vote(_in(m, Motion, _int("target_id")), actor=current_user),
        lambda: _("Vote closed."),
    ),
    "grant_floor": (_grant, lambda: _("Member recognized.")),
}


def _needs_confirmation(meeting: Meeting, action: str) -> SpeakerRequest | None:
    """A no-show is irreversible: it asks once (the same POST again with confirm=yes), when the service would
    accept it (a refusal needs no confirmation)."""
    if request.form.get("confirm") == "yes":
        return None
    if action == "no_show":
        speaker = db.session.get(SpeakerRequest, _int("target_id") or 0)
    elif action == "by_place" and request.form.get("what") == "no_show":
        speaker = _at_place(meeting, "place")
    else:
        return None
    if speaker is None or speaker.meeting_id != meeting.id or not speaker_queue.can_mark_no_show(speaker):
        return None
    return speaker


@bp.route("/meetings/<id:meeting_id>/live/<action>", methods=["POST"])
@editor_required
def cockpit_action(meeting_id: int, action: str):
    meeting = _meeting(meeting_id)
    if action == "adjourn":
        return _adjourn(meeting)
    if action not in ACTIONS:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    speaker = _needs_confirmation(meeting, action)
    if speaker is not None:
        fields = {k: v for k, v in request.form.items() if k not in ("csrf_token", "confirm")}
        return render_template(
            "public_comment/no_show_confirm.html",
            meeting=meeting,
            speaker=speaker,
            item=speaker.item,
            action=action,
            fields=fields,
            post_to=url_for("meetings.cockpit_action", meeting_id=meeting.id, action=action),
            back=url_for("meetings.cockpit_page", meeting_id=meeting.id),
        )
    operation, message = ACTIONS[action]
    with attempt() as done:
        operation(meeting)
    if done:
        flash(message(), "success")
    return _back(meeting)


def _adjourn(meeting: Meeting):
    if not EmptyForm().validate_on_submit():
        abort(400)
    with attempt(flash_error=False) as done:
        lifecycle.adjourn_meeting(meeting, actor=current_user, confirm_open_items=request.form.get("confirm") == "yes")
    if done:
        flash(_("Meeting adjourned."), "success")
        return _back(meeting)
    if isinstance(done.error, lifecycle.OpenItemsRemain):
        return render_template(
            "meetings/adjourn.html",
            meeting=meeting,
            items=done.error.items,
            action=url_for("meetings.cockpit_action", meeting_id=meeting.id, action="adjourn"),
            back=url_for("meetings.cockpit_page", meeting_id=meeting.id),
        ), 409
    flash(done.error.message, "error")
    return _back(meeting)
