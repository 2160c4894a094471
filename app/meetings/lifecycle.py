"""A meeting's lifecycle: schedule, edit, publish the notice, reschedule, cancel, call to order, adjourn.

Every change is checked here, logged publicly as a meeting change when the public can see it, and audited.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _

from app.bodies.models import Body
from app.core import audit, live
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.meetings import floor
from app.meetings.events import meeting_adjourned, meeting_adjourning, notice_published
from app.meetings.models import (
    AgendaItem,
    LogKind,
    Meeting,
    MeetingChange,
    MeetingChangeKind,
    MeetingKind,
    MeetingStatus,
)
from app.meetings.notice import NoticeCheck, check_notice, lead_hours, notice_check

S = MeetingStatus

#: The lifecycle. Anything not listed is refused with a message naming both states.
TRANSITIONS = {
    S.draft: {S.noticed, S.cancelled},
    S.noticed: {S.in_progress, S.rescheduled, S.cancelled},
    S.rescheduled: {S.in_progress, S.rescheduled, S.cancelled},
    S.in_progress: {S.adjourned},
    S.adjourned: set(),
    S.cancelled: set(),
}


def _check_transition(meeting: Meeting, target: MeetingStatus) -> None:
    if target not in TRANSITIONS[meeting.status]:
        raise DomainError(
            _(
                "A meeting that is “%(current)s” cannot become “%(target)s”.",
                current=meeting.status.label,
                target=target.label,
            )
        )


def _transition(meeting: Meeting, target: MeetingStatus) -> None:
    _check_transition(meeting, target)
    meeting.status = target
    meeting.updated_at = utcnow()
    live.touch(meeting.id)


def log_change(meeting, kind, summary, *, reason=None, actor=None, data=None) -> MeetingChange:
    change = MeetingChange(
        meeting_id=meeting.id,
        kind=kind,
        summary=summary,
        reason=reason,
        data=data or {},
        actor_id=actor.id if actor else None,
        created_at=utcnow(),
    )
    db.session.add(change)
    return change


def _fmt(when: datetime) -> str:
    return to_local(when).strftime("%Y-%m-%d %H:%M %Z")


def _check_meeting_fields(kind, title, start_at, end_at, location, purpose):
    if not title:
        raise DomainError(_("Enter a title."), field="title")
    if not location:
        raise DomainError(_("Enter the place: the chamber's address or how the public can attend."), field="location")
    if end_at is not None and end_at <= start_at:
        raise DomainError(_("The expected end must be after the start."), field="end_local")
    if kind in (MeetingKind.special, MeetingKind.emergency) and not purpose:
        raise DomainError(_("A special or emergency meeting needs the purpose stated in the call."), field="purpose")


def schedule_meeting(
    *,
    body: Body,
    kind: MeetingKind,
    title: str,
    start_at: datetime,
    end_at: datetime | None,
    location: str,
    remote_url: str | None,
    purpose: str | None,
    actor,
) -> Meeting:
    title, location, purpose = clean_text(title), clean_text(location), clean_text(purpose, multiline=True)
    _check_meeting_fields(kind, title, start_at, end_at, location, purpose)
    require_body_meets(body, start_at)
    meeting = Meeting(
        body_id=body.id,
        body=body,
        kind=kind,
        title=title,
        start_at=start_at,
        end_at=end_at,
        location=location,
        remote_url=remote_url or None,
        purpose=purpose or None,
        status=S.draft,
        sequence=0,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "meeting.schedule",
        meeting,
        f"Scheduled {kind.value} meeting '{title}' for {_fmt(start_at)}",
        actor=actor,
        data={"after": _meeting_snapshot(meeting)},
    )
    return meeting


def _meeting_snapshot(m: Meeting) -> dict:
    return {
        "kind": m.kind.value,
        "title": m.title,
        "start_at": m.start_at.isoformat(),
        "end_at": m.end_at.isoformat() if m.end_at else None,
        "location": m.location,
        "remote_url": m.remote_url,
        "purpose": m.purpose,
        "status": m.status.value,
    }


def require_body_meets(body: Body, start_at: datetime, field: str = "body_id") -> None:
    """A retired body holds no meeting on or after the day it retired (scheduled, edited, noticed or moved)."""
    if body.retired_on is not None and to_local(start_at).date() >= body.retired_on:
        raise DomainError(_("%(body)s is retired and holds no more meetings.", body=body.name), field=field)


def update_meeting(
    meeting: Meeting, *, kind, title, start_at, end_at, location, remote_url, purpose, reason, actor
) -> Meeting:
    """Edit a meeting. Before the notice anything may change; after it, the time changes only by
    rescheduling, the kind and purpose (the call) not at all, and a new place needs a reason and is
    shown in the public change log."""
    title, location = clean_text(title), clean_text(location)
    purpose, reason = clean_text(purpose, multiline=True), clean_text(reason, multiline=True)
    before = _meeting_snapshot(meeting)
    if meeting.status in (S.in_progress, S.adjourned, S.cancelled):
        raise DomainError(_("A meeting that is “%(status)s” can no longer be edited.", status=meeting.status.label))
    _check_meeting_fields(kind, title, start_at, end_at, location, purpose)
    require_body_meets(meeting.body, start_at, "start_local")
    if meeting.status != S.draft:
        if start_at != meeting.start_at:
            raise DomainError(_("The notice is published: change the time with “Reschedule”."), field="start_local")
        if kind != meeting.kind or (purpose or None) != meeting.purpose:
            raise DomainError(
                _(
                    "The notice is published: the kind of meeting and the purpose in the call cannot "
                    "change. Cancel and notice a new meeting instead."
                ),
                field="purpose",
            )
        place_changed = location != meeting.location or (remote_url or None) != meeting.remote_url
        if place_changed and not reason:
            raise DomainError(
                _("Give the reason for the change of place; it is shown on the public notice."), field="reason"
            )
    else:
        place_changed = False
    meeting.kind, meeting.title, meeting.start_at, meeting.end_at = kind, title, start_at, end_at
    meeting.location, meeting.remote_url, meeting.purpose = location, remote_url or None, purpose or None
    meeting.updated_at = utcnow()
    if place_changed:
        meeting.sequence += 1
        log_change(
            meeting,
            MeetingChangeKind.relocated,
            f"Place changed from '{before['location']}' to '{location}'",
            reason=reason,
            actor=actor,
            data={"before": before["location"], "after": location},
        )
    after = _meeting_snapshot(meeting)
    if after != before:
        audit.record(
            "meeting.update",
            meeting,
            f"Edited meeting '{title}'",
            actor=actor,
            data={"before": before, "after": after, "reason": reason or None},
        )
    db.session.flush()
    return meeting


def publish_meeting(
    meeting: Meeting, *, actor, override_reason: str | None = None, emergency_justification: str | None = None
) -> NoticeCheck:
    """Publish the notice (R2, R3). Stamps the first-publication time, which never changes afterwards.

    A special meeting under the body's minimum lead time is refused unless the clerk gives an override
    reason (logged, and shown on the notice); an emergency meeting needs a written justification.
    """
    override_reason = clean_text(override_reason, multiline=True)
    emergency_justification = clean_text(emergency_justification, multiline=True)
    if meeting.status != S.draft:
        raise DomainError(_("The notice of this meeting is already published."))
    require_body_meets(meeting.body, meeting.start_at)
    now = utcnow()
    check = check_notice(meeting, at=now)
    if meeting.start_at <= now:
        raise DomainError(_("The meeting's start time has passed; a notice can no longer be given for it."))
    if meeting.kind == MeetingKind.emergency and not (emergency_justification or meeting.emergency_justification):
        raise DomainError(
            _("An emergency meeting needs a written justification of the emergency."), field="emergency_justification"
        )
    if check.level == "block" and not override_reason:
        raise DomainError(
            check.message
            + " "
            + _("To publish anyway, give a reason; it will be logged and shown on the public notice."),
            field="override_reason",
        )
    if emergency_justification:
        meeting.emergency_justification = emergency_justification
    if check.level == "block":
        meeting.notice_override_reason = override_reason
    _transition(meeting, S.noticed)
    meeting.first_published_at = now
    meeting.stamp_rules()
    notice_published.send(meeting)
    meeting.sequence += 1
    log_change(
        meeting,
        MeetingChangeKind.published,
        f"Notice published ({lead_hours(check.lead)} hours before the start)",
        reason=override_reason if check.level == "block" else None,
        actor=actor,
        data={"level": check.level, "lead_hours": check.lead.total_seconds() / 3600},
    )
    audit.record(
        "meeting.publish",
        meeting,
        f"Published notice of '{meeting.title}'",
        actor=actor,
        data={
            "check": check.level,
            "message": check.message,
            "override_reason": override_reason or None,
            "emergency_justification": meeting.emergency_justification,
        },
    )
    db.session.flush()
    return check


def reschedule_meeting(
    meeting: Meeting,
    *,
    start_at: datetime,
    end_at: datetime | None,
    reason: str,
    override_reason: str | None = None,
    actor,
) -> NoticeCheck:
    """Move a noticed meeting to a new time: same meeting (same id and calendar UID), change logged and shown.

    The new time is checked like a new notice, measured from now.
    """
    reason, override_reason = clean_text(reason, multiline=True), clean_text(override_reason, multiline=True)
    if not reason:
        raise DomainError(_("Give the reason for rescheduling; it is shown on the public notice."), field="reason")
    _check_transition(meeting, S.rescheduled)
    if end_at is not None and end_at <= start_at:
        raise DomainError(_("The expected end must be after the start."), field="end_local")
    if start_at == meeting.start_at:
        raise DomainError(_("The new start is the same as the current one."), field="start_local")
    require_body_meets(meeting.body, start_at, "start_local")
    now = utcnow()
    check = notice_check(meeting.kind, meeting.rules, start_at, published=now)
    if start_at <= now:
        raise DomainError(_("The new start time is in the past."), field="start_local")
    if check.level == "block" and not override_reason:
        raise DomainError(
            check.message + " " + _("To reschedule anyway, give an override reason."), field="override_reason"
        )
    before = (meeting.start_at, meeting.end_at)
    _transition(meeting, S.rescheduled)
    meeting.start_at, meeting.end_at = start_at, end_at
    meeting.sequence += 1
    summary = f"Rescheduled from {_fmt(before[0])} to {_fmt(start_at)}"
    log_change(
        meeting,
        MeetingChangeKind.rescheduled,
        summary,
        reason=reason,
        actor=actor,
        data={"from": before[0].isoformat(), "to": start_at.isoformat(), "override_reason": override_reason},
    )
    audit.record(
        "meeting.reschedule",
        meeting,
        summary,
        actor=actor,
        data={
            "before": {"start_at": before[0].isoformat()},
            "after": {"start_at": start_at.isoformat()},
            "reason": reason,
            "override_reason": override_reason or None,
        },
    )
    db.session.flush()
    return check


def cancel_meeting(meeting: Meeting, *, reason: str, actor) -> None:
    reason = clean_text(reason, multiline=True)
    if not reason:
        raise DomainError(_("Give the reason for cancelling; it stays on the public record."), field="reason")
    _transition(meeting, S.cancelled)
    meeting.cancelled_reason, meeting.cancelled_at = reason, utcnow()
    meeting.sequence += 1
    log_change(meeting, MeetingChangeKind.cancelled, "Meeting cancelled", reason=reason, actor=actor)
    audit.record("meeting.cancel", meeting, f"Cancelled '{meeting.title}'", actor=actor, data={"reason": reason})
    db.session.flush()


#: Called to order this long after the noticed time, the meeting may still start, with a warning: the public
#: who came at the noticed time may have left (R1).
LATE_WARNING = timedelta(hours=2)


@dataclass(frozen=True)
class CallToOrder:
    """Where now stands against the noticed time: before it a reason is required; long after it, a warning."""

    noticed_at: datetime
    at: datetime

    @property
    def early(self) -> bool:
        return self.at < self.noticed_at

    @property
    def late(self) -> bool:
        return self.at - self.noticed_at > LATE_WARNING

    def early_message(self) -> str:
        return _(
            "The notice gives %(noticed)s as the start; it is now %(now)s. To call the meeting to order before the "
            "noticed time, give the reason: it is recorded and shown in the public change log.",
            noticed=_fmt(self.noticed_at),
            now=_fmt(self.at),
        )

    def late_message(self) -> str:
        return _(
            "The notice gave %(noticed)s as the start; it is now %(now)s, more than two hours later. Members of "
            "the public who came at the noticed time may have left: record the reason for the delay in the minutes.",
            noticed=_fmt(self.noticed_at),
            now=_fmt(self.at),
        )


def call_to_order_check(meeting: Meeting, at: datetime | None = None) -> CallToOrder:
    return CallToOrder(noticed_at=meeting.start_at, at=at or utcnow())


def start_meeting(meeting: Meeting, *, actor, early_reason: str | None = None) -> CallToOrder:
    """R1: only a noticed meeting can be called to order, and not before the noticed time unless the clerk gives
    a reason, which is audited and shown in the public change log. Returns the check, whose ``late`` the view
    turns into a warning. What is decided at the meeting is dated by the time it actually happens (a roll call's
    ``closed_at``), never by the noticed time."""
    early_reason = clean_text(early_reason, multiline=True)
    _check_transition(meeting, S.in_progress)
    check = call_to_order_check(meeting)
    if check.early and not early_reason:
        raise DomainError(check.early_message(), field="early_reason")
    _transition(meeting, S.in_progress)
    meeting.sequence += 1
    facts = {"noticed_at": check.noticed_at.isoformat(), "called_at": check.at.isoformat()}
    if check.early:
        log_change(
            meeting,
            MeetingChangeKind.called_early,
            f"Called to order at {_fmt(check.at)}, before the noticed time {_fmt(check.noticed_at)}",
            reason=early_reason,
            actor=actor,
            data=facts,
        )
    floor.stamp(meeting, LogKind.called_to_order, f"Called to order at {_fmt(check.at)}", actor=actor, at=check.at)
    audit.record(
        "meeting.start",
        meeting,
        f"Called '{meeting.title}' to order",
        actor=actor,
        data={**facts, "early": check.early, "late": check.late, "early_reason": early_reason or None},
    )
    db.session.flush()
    return check


class OpenItemsRemain(DomainError):
    """Adjourning would leave these items undecided; the clerk is shown them (each with why it is open) and
    confirms once."""

    def __init__(self, items: list[tuple[AgendaItem, str]]):
        super().__init__(_("Some items are still open. Adjourning leaves them undecided; confirm to adjourn anyway."))
        self.items = items


def adjourn_meeting(meeting: Meeting, *, actor, confirm_open_items: bool = False) -> None:
    """Adjourn. The features above may refuse (``meeting_adjourning``): an open roll call always, items left
    undecided unless ``confirm_open_items`` (the clerk saw the list and confirmed)."""
    _check_transition(meeting, S.adjourned)
    meeting_adjourning.send(meeting, confirmed=confirm_open_items, actor=actor)
    if floor.current_item_id(meeting.id) is not None:
        floor.finish(meeting, actor=actor)
    _transition(meeting, S.adjourned)
    floor.stamp(meeting, LogKind.adjourned, f"Adjourned at {_fmt(utcnow())}", actor=actor)
    meeting.sequence += 1
    audit.record(
        "meeting.adjourn",
        meeting,
        f"Adjourned '{meeting.title}'",
        actor=actor,
        data={"open_items_confirmed": confirm_open_items} if confirm_open_items else None,
    )
    db.session.flush()
    meeting_adjourned.send(meeting, actor=actor)
