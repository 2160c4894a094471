"""The agenda: items by section, their numbering and sponsors; after publication every change
is an amendment with a reason in the public change log."""

import string

from flask_babel import gettext as _
from sqlalchemy import select

from app.bodies.models import Member, Membership
from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.matters import second_reading
from app.matters import services as matters
from app.matters.models import Matter, MatterActionKind
from app.meetings import events
from app.meetings.lifecycle import log_change
from app.meetings.matter_link import matter_type_for
from app.meetings.models import (
    AgendaItem,
    AgendaItemType,
    CommentExemption,
    Meeting,
    MeetingChangeKind,
    MeetingKind,
    MeetingStatus,
)

S = MeetingStatus


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
    """The ``n``-th letters from 0, as spreadsheet columns go: A ... Z, AA ... ZZ, AAA ... (a section of more than
    702 items, as a big city's consent agenda may have, goes on to three letters)."""
    letters = string.ascii_uppercase
    text = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        text = letters[rest] + text
    return text


def require_editable_agenda(meeting: Meeting, reason: str | None) -> str | None:
    if meeting.status in (S.adjourned, S.cancelled):
        raise DomainError(
            _("The agenda of a meeting that is “%(status)s” can no longer change.", status=meeting.status.label)
        )
    reason = clean_text(reason, multiline=True)
    if meeting.agenda_is_published and not reason:
        raise DomainError(
            _("The agenda is published: give the reason for this amendment. It appears in the public change log."),
            field="amendment_reason",
        )
    return reason or None


def record_amendment(meeting, summary, reason, actor, data=None):
    if meeting.agenda_is_published:
        log_change(meeting, MeetingChangeKind.agenda_amended, summary, reason=reason, actor=actor, data=data)
        events.agenda_amended.send(meeting, actor=actor)


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
    matter: Matter | None = None,
    reading: str = "",
    refuse_early_reading: bool = True,
    actor,
) -> AgendaItem:
    """Add an item: a new matter with the next file number of the year (never reused, even if it is withdrawn), or
    a new appearance of ``matter`` (an item brought back, or carried forward after a deferral).

    On a special or emergency meeting an item outside the purpose stated in the call is refused until the
    clerk confirms it; it is then recorded on the item and in the public change log (R3).

    An ordinance placed for its second reading on a meeting that can no longer be lawful (app.matters.second_reading
    .placement_problem) is refused with the reason and the earliest date, unless ``refuse_early_reading`` is False
    (a deferral carried forward by a vote: the item goes on the agenda and the agenda warns)."""
    reason = require_editable_agenda(meeting, amendment_reason)
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
    if reading not in READINGS or (reading and item_type != AgendaItemType.ordinance):
        raise DomainError(_("Only an ordinance has a first or second reading."), field="reading")
    if matter is None:
        matter = matters.open_matter(
            title=title,
            matter_type=matter_type_for(item_type, agreement_category),
            body_id=meeting.body_id,
            actor=actor,
            summary=body_md,
        )
    elif any(i.matter_id == matter.id and not i.is_withdrawn for i in meeting.items):
        raise DomainError(
            _("Matter %(number)s is already on this agenda.", number=matter.file_number), field="file_number"
        )
    if reading == "second" and refuse_early_reading:
        problem = second_reading.placement_problem(matter, to_local(meeting.start_at).date(), to_local(utcnow()).date())
        if problem:
            raise DomainError(problem, field="reading")
    item = AgendaItem(
        meeting_id=meeting.id,
        meeting=meeting,
        section=section,
        position=10**6,
        title=title,
        body_md=clean_text(body_md, multiline=True),
        item_type=item_type,
        matter_id=matter.id,
        matter=matter,
        file_number=matter.file_number,
        reading=reading,
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
    record_amendment(
        meeting,
        f"Item {item.label} '{title}' added",
        reason,
        actor,
        {"event": "item_added", "item_id": item.id, "label": item.label, "title": title},
    )
    if outside:
        log_change(
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
    matters.record_action(
        matter, MatterActionKind.placed_on_agenda, actor=actor, meeting_id=meeting.id, agenda_item_id=item.id
    )
    db.session.flush()
    return item


READINGS = ("", "first", "second")


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
    reason = require_editable_agenda(meeting, amendment_reason)
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
        record_amendment(
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
    reason = require_editable_agenda(meeting, amendment_reason)
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
    record_amendment(
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
    reason = require_editable_agenda(meeting, amendment_reason)
    _section_index(meeting, section)
    if section == item.section:
        raise DomainError(_("The item is already in that section."), field="section")
    old_label, old_section = item.label, item.section
    item.section, item.position = section, 10**6
    renumber(meeting)
    record_amendment(
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
            _("The agenda of a meeting that is “%(status)s” can no longer change.", status=meeting.status.label)
        )
    if not reason:
        raise DomainError(_("Give the reason for withdrawing the item."), field="reason")
    item.withdrawn_at, item.withdrawn_reason = utcnow(), reason
    label = item.label
    renumber(meeting)
    record_amendment(
        meeting,
        f"Item {label} '{item.title}' withdrawn",
        reason,
        actor,
        {"event": "item_withdrawn", "item_id": item.id, "label": label, "title": item.title},
    )
    audit.record(
        "agenda_item.withdraw", item, f"Withdrew item {label} '{item.title}'", actor=actor, data={"reason": reason}
    )
    matters.record_action(
        item.matter,
        MatterActionKind.withdrawn,
        actor=actor,
        meeting_id=meeting.id,
        agenda_item_id=item.id,
        note=reason,
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
    log_change(
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
    events.agenda_published.send(meeting, actor=actor)
