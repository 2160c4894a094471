"""Meetings, notices, agendas and minutes. Every change is checked here and written to the audit log."""

import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.bodies.models import Body, Member, Membership
from app.core import audit
from app.core.errors import DomainError
from app.core.sequences import format_file_number, next_number
from app.core.text import clean_text
from app.core.timeutil import to_local, utcnow
from app.core.uploads import validate_and_store
from app.extensions import db
from app.meetings.models import (
    AgendaItem,
    AgendaItemType,
    Attachment,
    CommentExemption,
    Meeting,
    MeetingChange,
    MeetingChangeKind,
    MeetingKind,
    MeetingStatus,
    Minutes,
    MinutesStatus,
)

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


#: One place for the words shown for each stored value: forms, staff pages and public pages use these.
STATUS_LABELS = {
    S.draft: _l("Draft"),
    S.noticed: _l("Noticed"),
    S.rescheduled: _l("Rescheduled"),
    S.in_progress: _l("In progress"),
    S.adjourned: _l("Adjourned"),
    S.cancelled: _l("Cancelled"),
}
KIND_LABELS = {
    MeetingKind.regular: _l("Regular meeting"),
    MeetingKind.special: _l("Special meeting"),
    MeetingKind.emergency: _l("Emergency meeting"),
    MeetingKind.workshop: _l("Workshop"),
}
ITEM_TYPE_LABELS = {
    AgendaItemType.resolution: _l("Resolution"),
    AgendaItemType.ordinance: _l("Ordinance"),
    AgendaItemType.motion: _l("Motion"),
    AgendaItemType.presentation: _l("Presentation"),
    AgendaItemType.report: _l("Report"),
    AgendaItemType.ministerial: _l("Ministerial"),
}
EXEMPTION_LABELS = {
    CommentExemption.emergency: _l("Emergency act (unreasonable delay)"),
    CommentExemption.ministerial: _l("Ministerial act (e.g. approving minutes, proclamations)"),
    CommentExemption.exempt_meeting: _l("Meeting exempt from F.S. 286.011"),
    CommentExemption.quasi_judicial: _l("Quasi-judicial proceeding"),
}


def status_label(status: MeetingStatus) -> str:
    return str(STATUS_LABELS[status])


def kind_label(kind: MeetingKind) -> str:
    return str(KIND_LABELS[kind])


def item_type_label(item_type: AgendaItemType) -> str:
    return str(ITEM_TYPE_LABELS[item_type])


def exemption_label(exemption: CommentExemption) -> str:
    return str(EXEMPTION_LABELS[exemption])


def _check_transition(meeting: Meeting, target: MeetingStatus) -> None:
    if target not in TRANSITIONS[meeting.status]:
        raise DomainError(
            _(
                "A meeting that is “%(current)s” cannot become “%(target)s”.",
                current=status_label(meeting.status),
                target=status_label(target),
            )
        )


def _transition(meeting: Meeting, target: MeetingStatus) -> None:
    _check_transition(meeting, target)
    meeting.status = target
    meeting.updated_at = utcnow()


def _log_change(meeting, kind, summary, *, reason=None, actor=None, data=None) -> MeetingChange:
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


# --- notice rules (R2) -------------------------------------------------------------------------


@dataclass
class NoticeCheck:
    level: str  # "ok", "warn" or "block"
    message: str
    lead: timedelta


def _hours(lead: timedelta) -> str:
    hours = lead.total_seconds() / 3600
    return f"{hours:.1f}".rstrip("0").rstrip(".")


def check_notice(meeting: Meeting, *, at: datetime | None = None) -> NoticeCheck:
    """The meeting's notice, measured from its first publication (or from ``at``/now before it has one)."""
    return notice_check(
        meeting.kind, meeting.body, meeting.start_at, published=meeting.first_published_at or at or utcnow()
    )


def notice_check(kind: MeetingKind, body: Body, start_at: datetime, *, published: datetime) -> NoticeCheck:
    """Lead time from publication to the start, checked against the body's settings.

    Both ends are instants in UTC, so a day that has 23 or 25 hours because of daylight saving is
    measured as exactly that: "24 hours' notice" means 24 real hours.
    """
    lead = start_at - published
    hours = _hours(lead)
    if lead <= timedelta(0):
        return NoticeCheck("block", _("The meeting starts before the notice would be published."), lead)
    if kind == MeetingKind.emergency:
        return NoticeCheck(
            "ok",
            _(
                "Emergency meeting: allowed at any lead time with a written justification (%(hours)s hours' notice).",
                hours=hours,
            ),
            lead,
        )
    if kind == MeetingKind.special:
        if lead < timedelta(hours=body.notice_special_block_hours):
            return NoticeCheck(
                "block",
                _(
                    "Only %(hours)s hours' notice: a special meeting needs at least %(min)d hours.",
                    hours=hours,
                    min=body.notice_special_block_hours,
                ),
                lead,
            )
        if lead < timedelta(hours=body.notice_special_warn_hours):
            return NoticeCheck(
                "warn",
                _(
                    "Only %(hours)s hours' notice: %(pref)d hours or more is recommended for a special meeting.",
                    hours=hours,
                    pref=body.notice_special_warn_hours,
                ),
                lead,
            )
        return NoticeCheck("ok", _("%(hours)s hours' notice.", hours=hours), lead)
    if lead < timedelta(hours=body.notice_regular_warn_hours):
        return NoticeCheck(
            "warn",
            _(
                "Only %(hours)s hours' notice: at least %(days)d days is recommended.",
                hours=hours,
                days=body.notice_regular_warn_hours // 24,
            ),
            lead,
        )
    return NoticeCheck("ok", _("%(hours)s hours' notice.", hours=hours), lead)


# --- meetings ----------------------------------------------------------------------------------


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
        raise DomainError(
            _("A meeting that is “%(status)s” can no longer be edited.", status=status_label(meeting.status))
        )
    _check_meeting_fields(kind, title, start_at, end_at, location, purpose)
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
        _log_change(
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
    from app.public_comment.services import stamp_policy

    stamp_policy(meeting)
    meeting.sequence += 1
    _log_change(
        meeting,
        MeetingChangeKind.published,
        f"Notice published ({_hours(check.lead)} hours before the start)",
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
    now = utcnow()
    check = notice_check(meeting.kind, meeting.body, start_at, published=now)
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
    _log_change(
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
    _log_change(meeting, MeetingChangeKind.cancelled, "Meeting cancelled", reason=reason, actor=actor)
    audit.record("meeting.cancel", meeting, f"Cancelled '{meeting.title}'", actor=actor, data={"reason": reason})
    db.session.flush()


def start_meeting(meeting: Meeting, *, actor) -> None:
    """R1: only a noticed meeting can be called to order."""
    _transition(meeting, S.in_progress)
    meeting.sequence += 1
    audit.record("meeting.start", meeting, f"Called '{meeting.title}' to order", actor=actor)
    db.session.flush()


def adjourn_meeting(meeting: Meeting, *, actor) -> None:
    _transition(meeting, S.adjourned)
    meeting.sequence += 1
    audit.record("meeting.adjourn", meeting, f"Adjourned '{meeting.title}'", actor=actor)
    db.session.flush()


# --- agenda ------------------------------------------------------------------------------------


def _section_index(meeting: Meeting, section: str) -> int:
    try:
        return meeting.body.agenda_sections.index(section)
    except ValueError:
        raise DomainError(_("Choose one of this body's agenda sections."), field="section") from None


def renumber(meeting: Meeting) -> None:
    """Give active items gap-free positions and labels "5.A", "5.B"... by section order (5 = fifth section).
    Withdrawn items keep the label they had."""
    sections = meeting.body.agenda_sections
    items = sorted(meeting.items, key=lambda i: (_safe_index(sections, i.section), i.position, i.id or 0))
    by_section: dict[str, list[AgendaItem]] = {}
    for item in items:
        if not item.is_withdrawn:
            by_section.setdefault(item.section, []).append(item)
    position = 0
    for section in sections:
        for n, item in enumerate(by_section.get(section, [])):
            position += 1
            item.position = position
            item.label = f"{sections.index(section) + 1}.{_letters(n)}"
    for item in items:
        if item.is_withdrawn:
            position += 1
            item.position = position


def _safe_index(sections, section):
    return sections.index(section) if section in sections else len(sections)


def _letters(n: int) -> str:
    letters = string.ascii_uppercase
    return letters[n] if n < 26 else letters[n // 26 - 1] + letters[n % 26]


def _require_editable_agenda(meeting: Meeting, reason: str | None) -> str | None:
    if meeting.status in (S.adjourned, S.cancelled):
        raise DomainError(
            _("The agenda of a meeting that is “%(status)s” can no longer change.", status=status_label(meeting.status))
        )
    reason = clean_text(reason, multiline=True)
    if meeting.agenda_is_published and not reason:
        raise DomainError(
            _("The agenda is published: give the reason for this amendment. It appears in the public change log."),
            field="amendment_reason",
        )
    return reason or None


def _amendment(meeting, summary, reason, actor, data=None):
    if meeting.agenda_is_published:
        _log_change(meeting, MeetingChangeKind.agenda_amended, summary, reason=reason, actor=actor, data=data)


def _sponsors(meeting: Meeting, sponsor_ids) -> list[Member]:
    ids = {int(i) for i in sponsor_ids or []}
    if not ids:
        return []
    on = to_local(meeting.start_at).date()
    seats = db.session.scalars(
        select(Membership).where(Membership.body_id == meeting.body_id, Membership.member_id.in_(ids))
    ).all()
    valid = {m.member_id for m in seats if m.is_current(on)}
    if valid != ids:
        raise DomainError(
            _("Sponsors must be members of %(body)s on the meeting date.", body=meeting.body.name), field="sponsor_ids"
        )
    return list(db.session.scalars(select(Member).where(Member.id.in_(ids))))


def _check_comment(required: bool, exemption: CommentExemption | None):
    if not required and exemption is None:
        raise DomainError(
            _(
                "An item without public comment needs the reason: emergency, ministerial, exempt meeting "
                "or quasi-judicial (F.S. 286.0114(3))."
            ),
            field="comment_exemption",
        )
    return None if required else exemption


def add_item(
    meeting: Meeting,
    *,
    section: str,
    title: str,
    body_md: str,
    item_type: AgendaItemType,
    sponsor_ids=(),
    fiscal_impact: str = "",
    public_comment_required: bool = True,
    comment_exemption: CommentExemption | None = None,
    agreement_category: str | None = None,
    within_purpose: bool = True,
    confirm_outside_purpose: bool = False,
    amendment_reason: str | None = None,
    actor,
) -> AgendaItem:
    """Add an item and give it the next file number of the year (never reused, even if it is withdrawn).

    On a special or emergency meeting an item outside the purpose stated in the call is refused until the
    clerk confirms it; it is then recorded on the item and in the public change log (R3)."""
    reason = _require_editable_agenda(meeting, amendment_reason)
    title = clean_text(title)
    if not title:
        raise DomainError(_("Enter a title."), field="title")
    _section_index(meeting, section)
    exemption = _check_comment(public_comment_required, comment_exemption)
    sponsors = _sponsors(meeting, sponsor_ids)
    outside = meeting.kind in (MeetingKind.special, MeetingKind.emergency) and not within_purpose
    if outside and not confirm_outside_purpose:
        raise DomainError(
            _(
                "This meeting was called for: “%(purpose)s”. Action on business outside the call is at "
                "the Commission's risk. Tick the confirmation to add the item anyway; it will be recorded "
                "on the public change log.",
                purpose=meeting.purpose or "",
            ),
            field="confirm_outside_purpose",
        )
    year = to_local(utcnow()).year
    item = AgendaItem(
        meeting_id=meeting.id,
        meeting=meeting,
        section=section,
        position=10**6,
        title=title,
        body_md=clean_text(body_md, multiline=True),
        item_type=item_type,
        file_number=format_file_number(year, next_number("file", year)),
        fiscal_impact=clean_text(fiscal_impact, multiline=True),
        public_comment_required=public_comment_required,
        comment_exemption=exemption,
        created_at=utcnow(),
        agreement_category=clean_text(agreement_category or "")[:120] or None,
        outside_purpose_note=("Added outside the stated purpose of the special meeting" if outside else None),
    )
    item.sponsors = sponsors
    db.session.add(item)
    db.session.flush()
    renumber(meeting)
    db.session.flush()
    _amendment(
        meeting,
        f"Item {item.label} '{title}' added",
        reason,
        actor,
        {"event": "item_added", "item_id": item.id, "label": item.label, "title": title},
    )
    if outside:
        _log_change(
            meeting,
            MeetingChangeKind.outside_purpose,
            f"Item {item.label} '{title}' added outside the purpose stated in the call",
            actor=actor,
            reason=reason,
            data={"item_id": item.id, "label": item.label, "title": title},
        )
    audit.record(
        "agenda_item.add",
        item,
        f"Added item {item.label} '{title}' ({item.file_number})",
        actor=actor,
        data={"after": _item_snapshot(item), "amendment_reason": reason, "outside_purpose": outside},
    )
    db.session.flush()
    return item


def _item_snapshot(item: AgendaItem) -> dict:
    return {
        "label": item.label,
        "section": item.section,
        "title": item.title,
        "body_md": item.body_md,
        "item_type": item.item_type.value,
        "fiscal_impact": item.fiscal_impact,
        "public_comment_required": item.public_comment_required,
        "comment_exemption": item.comment_exemption.value if item.comment_exemption else None,
        "sponsor_ids": sorted(m.id for m in item.sponsors),
        "file_number": item.file_number,
        "agreement_category": item.agreement_category,
    }


def update_item(
    item: AgendaItem,
    *,
    title: str,
    body_md: str,
    item_type: AgendaItemType,
    sponsor_ids=(),
    fiscal_impact: str = "",
    public_comment_required: bool = True,
    comment_exemption: CommentExemption | None = None,
    agreement_category: str | None = None,
    amendment_reason: str | None = None,
    actor,
) -> AgendaItem:
    meeting = item.meeting
    if item.is_withdrawn:
        raise DomainError(_("A withdrawn item cannot be edited."))
    reason = _require_editable_agenda(meeting, amendment_reason)
    title = clean_text(title)
    if not title:
        raise DomainError(_("Enter a title."), field="title")
    before = _item_snapshot(item)
    item.title, item.body_md, item.item_type = title, clean_text(body_md, multiline=True), item_type
    item.fiscal_impact = clean_text(fiscal_impact, multiline=True)
    item.public_comment_required = public_comment_required
    item.comment_exemption = _check_comment(public_comment_required, comment_exemption)
    item.agreement_category = clean_text(agreement_category or "")[:120] or None
    item.sponsors = _sponsors(meeting, sponsor_ids)
    after = _item_snapshot(item)
    changed = sorted(k for k in after if after[k] != before[k])
    if changed:
        _amendment(
            meeting,
            f"Item {item.label} '{title}' changed ({', '.join(changed)})",
            reason,
            actor,
            {"event": "item_changed", "item_id": item.id, "label": item.label, "title": title, "fields": changed},
        )
        audit.record(
            "agenda_item.update",
            item,
            f"Edited item {item.label}",
            actor=actor,
            data={"before": before, "after": after, "amendment_reason": reason},
        )
    db.session.flush()
    return item


def move_item(item: AgendaItem, *, direction: str, amendment_reason: str | None = None, actor) -> None:
    """Move an item one place up or down within its section (keyboard-friendly reordering)."""
    meeting = item.meeting
    if item.is_withdrawn:
        raise DomainError(_("A withdrawn item cannot be moved."))
    reason = _require_editable_agenda(meeting, amendment_reason)
    siblings = [i for i in meeting.items if i.section == item.section and not i.is_withdrawn]
    siblings.sort(key=lambda i: i.position)
    index = siblings.index(item)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(siblings):
        raise DomainError(
            _(
                "Item %(label)s is already at the %(end)s of its section.",
                label=item.label,
                end=_("top") if direction == "up" else _("bottom"),
            )
        )
    other = siblings[target]
    old_label = item.label
    item.position, other.position = other.position, item.position
    renumber(meeting)
    _amendment(
        meeting,
        f"Item {old_label} '{item.title}' moved to {item.label}",
        reason,
        actor,
        {"event": "item_moved", "item_id": item.id, "label": old_label, "title": item.title, "new_label": item.label},
    )
    audit.record(
        "agenda_item.move",
        item,
        f"Moved item {old_label} to {item.label}",
        actor=actor,
        data={"before": old_label, "after": item.label, "amendment_reason": reason},
    )
    db.session.flush()


def move_item_to_section(item: AgendaItem, *, section: str, amendment_reason: str | None = None, actor) -> None:
    meeting = item.meeting
    if item.is_withdrawn:
        raise DomainError(_("A withdrawn item cannot be moved."))
    reason = _require_editable_agenda(meeting, amendment_reason)
    _section_index(meeting, section)
    if section == item.section:
        raise DomainError(_("The item is already in that section."), field="section")
    old_label, old_section = item.label, item.section
    item.section, item.position = section, 10**6
    renumber(meeting)
    _amendment(
        meeting,
        f"Item {old_label} '{item.title}' moved to {section} as {item.label}",
        reason,
        actor,
        {
            "event": "item_moved_section",
            "item_id": item.id,
            "label": old_label,
            "title": item.title,
            "section": section,
            "new_label": item.label,
        },
    )
    audit.record(
        "agenda_item.move",
        item,
        f"Moved item {old_label} from {old_section} to {section} ({item.label})",
        actor=actor,
        data={"before": old_section, "after": section, "amendment_reason": reason},
    )
    db.session.flush()


def withdraw_item(item: AgendaItem, *, reason: str, actor) -> None:
    """Withdraw an item; it stays on the record, struck through, and its file number is never reused."""
    meeting = item.meeting
    reason = clean_text(reason, multiline=True)
    if item.is_withdrawn:
        raise DomainError(_("This item is already withdrawn."))
    if meeting.status in (S.adjourned, S.cancelled):
        raise DomainError(
            _("The agenda of a meeting that is “%(status)s” can no longer change.", status=status_label(meeting.status))
        )
    if not reason:
        raise DomainError(_("Give the reason for withdrawing the item."), field="reason")
    item.withdrawn_at, item.withdrawn_reason = utcnow(), reason
    label = item.label
    renumber(meeting)
    _amendment(
        meeting,
        f"Item {label} '{item.title}' withdrawn",
        reason,
        actor,
        {"event": "item_withdrawn", "item_id": item.id, "label": label, "title": item.title},
    )
    audit.record(
        "agenda_item.withdraw", item, f"Withdrew item {label} '{item.title}'", actor=actor, data={"reason": reason}
    )
    db.session.flush()


def publish_agenda(meeting: Meeting, *, actor) -> None:
    """Freeze the agenda: from now on every change is an amendment with a reason in the public log."""
    if meeting.agenda_is_published:
        raise DomainError(_("The agenda is already published."))
    if meeting.status not in (S.noticed, S.rescheduled):
        raise DomainError(_("Publish the meeting notice before the agenda."))
    if not meeting.active_items:
        raise DomainError(_("The agenda has no items yet."))
    meeting.agenda_published_at = utcnow()
    _log_change(
        meeting,
        MeetingChangeKind.agenda_published,
        f"Agenda published with {len(meeting.active_items)} items",
        actor=actor,
        data={"items": len(meeting.active_items)},
    )
    audit.record(
        "meeting.publish_agenda",
        meeting,
        f"Published the agenda of '{meeting.title}'",
        actor=actor,
        data={"items": [i.label + " " + i.title for i in meeting.active_items]},
    )
    db.session.flush()


def add_attachment(
    item: AgendaItem, *, filename: str | None, stream, amendment_reason: str | None = None, actor
) -> Attachment:
    if item.is_withdrawn:
        raise DomainError(_("A withdrawn item cannot take attachments."))
    reason = _require_editable_agenda(item.meeting, amendment_reason)
    stored = validate_and_store(filename, stream)
    attachment = Attachment(
        agenda_item_id=item.id,
        original_filename=stored.original_filename,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=actor.id if actor else None,
        created_at=utcnow(),
    )
    db.session.add(attachment)
    db.session.flush()
    _amendment(
        item.meeting,
        f"Document '{stored.original_filename}' attached to item {item.label}",
        reason,
        actor,
        {
            "event": "document_attached",
            "item_id": item.id,
            "attachment_id": attachment.id,
            "label": item.label,
            "filename": stored.original_filename,
        },
    )
    audit.record(
        "attachment.add",
        attachment,
        f"Attached '{stored.original_filename}' to item {item.label}",
        actor=actor,
        data={"sha256": stored.sha256, "size": stored.size, "content_type": stored.content_type},
    )
    db.session.flush()
    return attachment


# --- minutes -----------------------------------------------------------------------------------


def draft_minutes_text(meeting: Meeting) -> str:
    """A summary of what was done, from the record (minutes are not a transcript)."""
    local = to_local(meeting.start_at)
    lines = [
        f"**Minutes: {meeting.title}**",
        "",
        f"{meeting.body.name}, {meeting.kind.value} meeting, {local:%A, %B %-d, %Y}, {local:%-I:%M %p %Z}, "
        f"{meeting.location}.",
        "",
    ]
    if meeting.purpose:
        lines += [f"Purpose stated in the call: {meeting.purpose}", ""]
    if meeting.status == S.cancelled:
        lines += [f"The meeting was cancelled. Reason: {meeting.cancelled_reason}", ""]
    from app.meetings.attendance import status_label
    from app.votes.services import minutes_lines

    if meeting.attendances:
        lines += ["### Attendance", ""]
        for row in sorted(meeting.attendances, key=lambda a: a.member.sort_name):
            left = f", left {to_local(row.departed_at):%-I:%M %p}" if row.departed_at else ""
            lines.append(f"- {row.member.full_name}: {status_label(row.status).lower()}{left}")
        lines.append("")
    lines += ["### Items", ""]
    from app.public_comment.services import comment_summary

    summaries = comment_summary(meeting)
    recorded = minutes_lines(meeting)
    for item in meeting.ordered_items:
        if item.is_withdrawn:
            lines.append(f"- {item.label} {item.title} ({item.file_number}): withdrawn. {item.withdrawn_reason}")
        else:
            lines.append(f"- {item.label} {item.title} ({item.file_number})")
            lines += [f"    - {line}" for line in summaries.get(item.id, []) + recorded.get(item.id, [])]
    return "\n".join(lines) + "\n"


def generate_minutes(meeting: Meeting, *, actor, replace: bool = False) -> Minutes:
    if meeting.status == S.draft:
        raise DomainError(_("Minutes are kept for meetings whose notice is published."))
    minutes = meeting.minutes
    if minutes is not None and minutes.is_locked:
        raise DomainError(_("These minutes are approved and locked."))
    if minutes is not None and not replace:
        raise DomainError(
            _("Draft minutes already exist. Tick “replace” to regenerate them from the record."), field="replace"
        )
    text = draft_minutes_text(meeting)
    if minutes is None:
        minutes = Minutes(
            meeting_id=meeting.id, body_md=text, status=MinutesStatus.draft, created_at=utcnow(), updated_at=utcnow()
        )
        db.session.add(minutes)
        meeting.minutes = minutes
    else:
        minutes.body_md, minutes.updated_at = text, utcnow()
    db.session.flush()
    audit.record("minutes.generate", minutes, f"Generated draft minutes of '{meeting.title}'", actor=actor)
    return minutes


def update_minutes(minutes: Minutes, *, body_md: str, actor) -> None:
    if minutes.is_locked:
        raise DomainError(_("These minutes are approved and locked."))
    before = minutes.body_md
    minutes.body_md, minutes.updated_at = clean_text(body_md, multiline=True), utcnow()
    if before != minutes.body_md:
        audit.record(
            "minutes.update",
            minutes,
            "Edited draft minutes",
            actor=actor,
            data={"before": before, "after": minutes.body_md},
        )
    db.session.flush()


def approve_minutes(minutes: Minutes, *, approved_at_meeting: Meeting | None, actor) -> None:
    """Approval locks the minutes for good (normally done at a later meeting of the body)."""
    if minutes.is_locked:
        raise DomainError(_("These minutes are already approved."))
    if approved_at_meeting is not None:
        if approved_at_meeting.body_id != minutes.meeting.body_id or approved_at_meeting.id == minutes.meeting_id:
            raise DomainError(_("Choose a later meeting of the same body."), field="approved_at_meeting_id")
        if approved_at_meeting.start_at <= minutes.meeting.start_at:
            raise DomainError(_("Choose a later meeting of the same body."), field="approved_at_meeting_id")
    minutes.status = MinutesStatus.approved
    minutes.approved_at = utcnow()
    minutes.approved_at_meeting_id = approved_at_meeting.id if approved_at_meeting else None
    minutes.approved_by_id = actor.id if actor else None
    audit.record(
        "minutes.approve",
        minutes,
        f"Approved minutes of '{minutes.meeting.title}'",
        actor=actor,
        data={"approved_at_meeting_id": minutes.approved_at_meeting_id},
    )
    db.session.flush()
