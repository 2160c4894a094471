"""Deferred and continued matters come back by themselves: a new item of the same matter on the draft agenda of
the body's meeting on the day named, with its sponsors, topics and documents (issue 20).

If that agenda is already published, the item is added through the amendment path, with the deferral as the
reason (it shows in the public change log). If there is no meeting of the body on that day yet, or the meeting
cannot take the item (cancelled, adjourned, a special meeting's call), the deferral stays on the matter's record
with the day and no placement: when a meeting of the body on that day is scheduled later, ``place_waiting`` puts
the matter on its agenda; the clerk can also bring it back from the add-item form by its file number."""

import io
from datetime import date, timedelta

from sqlalchemy import select

from app.core.errors import DomainError
from app.core.storage import storage
from app.core.timeutil import local_bounds, to_local
from app.extensions import db
from app.matters import services as matters
from app.matters.models import Matter, MatterAction, MatterActionKind, MatterStatus
from app.meetings.agenda import add_item
from app.meetings.documents import add_attachment
from app.meetings.models import AgendaItem, Meeting, MeetingStatus


def meeting_on(body_id: int, day: date) -> Meeting | None:
    start, end = local_bounds(day, day + timedelta(days=1))
    return db.session.scalar(
        select(Meeting)
        .where(
            Meeting.body_id == body_id,
            Meeting.start_at >= start,
            Meeting.start_at < end,
            Meeting.status.not_in([MeetingStatus.cancelled, MeetingStatus.adjourned, MeetingStatus.in_progress]),
        )
        .order_by(Meeting.start_at)
        .limit(1)
    )


def carry_forward(item: AgendaItem, day: date, *, why: str, actor) -> tuple[Meeting | None, AgendaItem | None, str]:
    """Place ``item``'s matter on the body's meeting on ``day``. Returns (meeting, new item, note for the record)."""
    source = item.meeting
    target = meeting_on(source.body_id, day)
    if target is None or target.id == source.id:
        return None, None, f"No meeting of {source.body.name} on {day.isoformat()} yet: not placed on an agenda"
    sections = list(target.body.agenda_sections)
    section = item.section if item.section in sections else (sections[-1] if sections else item.section)
    on = to_local(target.start_at).date()
    sponsor_ids = [
        m.id for m in item.sponsors if any(s.is_current(on) for s in m.memberships if s.body_id == target.body_id)
    ]
    reason = f"{why} from {source.title} ({to_local(source.start_at).date().isoformat()}), item {item.label}"
    try:
        with db.session.begin_nested():
            new = add_item(
                target,
                section=section,
                title=item.title,
                body_md=item.body_md,
                item_type=item.item_type,
                sponsor_ids=sponsor_ids,
                fiscal_impact=item.fiscal_impact,
                public_comment_required=item.public_comment_required,
                comment_exemption=item.comment_exemption,
                agreement_category=item.agreement_category,
                amendment_reason=reason if target.agenda_is_published else None,
                matter=item.matter,
                reading=item.reading,
                refuse_early_reading=False,
                actor=actor,
            )
            new.topics = list(item.topics)
            for attachment in item.attachments:
                add_attachment(
                    new,
                    filename=attachment.original_filename,
                    stream=io.BytesIO(storage().get(attachment.stored_name)),
                    amendment_reason=reason if target.agenda_is_published else None,
                    actor=actor,
                )
    except DomainError as refused:
        return target, None, f"Not placed on the agenda of {target.title}: {refused.message}"
    return target, new, f"Placed on the agenda of {target.title} as item {new.label}"


#: The steps that wait for a meeting on their day, and the status the matter keeps meanwhile.
_WAITING = {MatterActionKind.deferred: MatterStatus.deferred, MatterActionKind.continued: MatterStatus.continued}


def continue_to(matter: Matter, day: date, *, note: str, actor) -> MatterAction:
    """The clerk records that the matter is continued to ``day`` (by hand, on the staff matter page): the step goes
    on its history and the matter comes onto the agenda of the body's meeting that day, as a deferral does, from
    its latest appearance. A matter never on an agenda is continued on the record only."""
    latest = db.session.scalar(
        select(AgendaItem)
        .where(AgendaItem.matter_id == matter.id, AgendaItem.withdrawn_at.is_(None))
        .order_by(AgendaItem.id.desc())
        .limit(1)
    )
    step = matters.record_by_hand(matter, MatterActionKind.continued.value, note=note, target_date=day, actor=actor)
    if latest is None:
        return step
    step.agenda_item_id, step.meeting_id = latest.id, latest.meeting_id
    target, _new, placed = carry_forward(latest, day, why="Continued", actor=actor)
    step.target_meeting_id = target.id if target is not None and _new is not None else None
    step.note = f"{step.note}\n{placed}" if step.note else placed
    matter.status = MatterStatus.continued
    db.session.flush()
    return step


def place_waiting(meeting: Meeting, *, actor) -> int:
    """A new meeting takes the matters deferred to its day while no meeting of its body was set for it: each comes
    onto its draft agenda as above, and its deferral now names the meeting. Returns how many were placed."""
    day = to_local(meeting.start_at).date()
    waiting = db.session.scalars(
        select(MatterAction)
        .join(Matter, MatterAction.matter_id == Matter.id)
        .join(AgendaItem, MatterAction.agenda_item_id == AgendaItem.id)
        .join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .where(
            MatterAction.action.in_(list(_WAITING)),
            MatterAction.target_date == day,
            MatterAction.target_meeting_id.is_(None),
            Matter.status.in_([_WAITING[k] for k in _WAITING]),
            Meeting.body_id == meeting.body_id,
        )
        .order_by(MatterAction.id)
    ).all()
    placed = 0
    for step in waiting:
        item = db.session.get(AgendaItem, step.agenda_item_id)
        if item.matter.status != _WAITING[step.action]:
            continue  # a deferral overtaken by a later continuance (or the other way round)
        why = "Deferred" if step.action == MatterActionKind.deferred else "Continued"
        target, new, note = carry_forward(item, day, why=why, actor=actor)
        if new is not None and target is not None and target.id == meeting.id:
            step.target_meeting_id = meeting.id
            item.matter.status = _WAITING[step.action]
            placed += 1
    db.session.flush()
    return placed
