"""The floor of a running meeting: which item is before the body, and the live log that stamps every moment.

Every meeting-day service (call to order, attendance, the speaker queue, motions and roll calls, adjournment)
calls ``stamp`` in its own transaction, so the log is exactly as complete as the record; ``stamp`` also tells
the live screens that the meeting changed (``app.core.live.touch``). The current item is the last one taken up
and not finished; taking up another item finishes the previous one.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.core import audit, live
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db
from app.meetings.models import AgendaItem, LogKind, Meeting, MeetingLogEntry, MeetingStatus

K = LogKind


def stamp(
    meeting: Meeting,
    kind: LogKind,
    summary: str = "",
    *,
    actor=None,
    item: AgendaItem | None = None,
    item_id: int | None = None,
    speaker_request_id: int | None = None,
    motion_id: int | None = None,
    member_id: int | None = None,
    at: datetime | None = None,
) -> MeetingLogEntry:
    entry = MeetingLogEntry(
        meeting_id=meeting.id,
        at=at or utcnow(),
        kind=kind,
        item_id=item.id if item is not None else item_id,
        speaker_request_id=speaker_request_id,
        motion_id=motion_id,
        member_id=member_id,
        summary=summary[:300],
        actor_id=actor.id if actor is not None and getattr(actor, "id", None) else None,
    )
    db.session.add(entry)
    live.touch(meeting.id)
    return entry


def current_item_id(meeting_id: int) -> int | None:
    """The item before the body: the last taken up, unless it was finished since (one indexed query)."""
    last = db.session.execute(
        select(MeetingLogEntry.kind, MeetingLogEntry.item_id)
        .where(MeetingLogEntry.meeting_id == meeting_id, MeetingLogEntry.kind.in_([K.item_opened, K.item_closed]))
        .order_by(MeetingLogEntry.id.desc())
        .limit(1)
    ).first()
    return last.item_id if last is not None and last.kind == K.item_opened else None


def current_item(meeting: Meeting) -> AgendaItem | None:
    item_id = current_item_id(meeting.id)
    return next((i for i in meeting.items if i.id == item_id), None) if item_id else None


def entries(meeting: Meeting, *, limit: int | None = None) -> list[MeetingLogEntry]:
    """The log, newest first (``limit`` for the cockpit's recent moments)."""
    query = select(MeetingLogEntry).where(MeetingLogEntry.meeting_id == meeting.id).order_by(MeetingLogEntry.id.desc())
    return list(db.session.scalars(query.limit(limit) if limit else query))


def take_up(item: AgendaItem, *, actor) -> AgendaItem:
    """The chair takes up ``item``: it becomes current (the one before it is finished). Refused unless the meeting
    is in session and the item is on its agenda (not withdrawn)."""
    meeting = item.meeting
    if meeting.status != MeetingStatus.in_progress:
        raise DomainError(_("Call the meeting to order before taking up an item."))
    if item.is_withdrawn:
        raise DomainError(_("Item %(label)s was withdrawn from the agenda.", label=item.label))
    current = current_item_id(meeting.id)
    if current == item.id:
        return item
    if current is not None:
        _finish(meeting, current, actor)
    stamp(meeting, K.item_opened, f"Item {item.label} taken up: {item.title}", actor=actor, item=item)
    audit.record("meeting.item_open", item, f"Took up {item.label} {item.title}", actor=actor)
    db.session.flush()
    return item


def follow(item: AgendaItem, *, actor) -> None:
    """What happens on an item (a speaker called, a motion made) takes it up if it was not before the body."""
    if item.meeting.status == MeetingStatus.in_progress and current_item_id(item.meeting_id) != item.id:
        take_up(item, actor=actor)


def finish(meeting: Meeting, *, actor) -> None:
    """The chair is done with the current item (nothing before the body until the next is taken up)."""
    current = current_item_id(meeting.id)
    if current is None:
        raise DomainError(_("No item is before the body."))
    _finish(meeting, current, actor)
    db.session.flush()


def _finish(meeting: Meeting, item_id: int, actor) -> None:
    item = db.session.get(AgendaItem, item_id)
    stamp(meeting, K.item_closed, f"Item {item.label} finished", actor=actor, item=item)
    audit.record("meeting.item_close", item, f"Finished {item.label} {item.title}", actor=actor)


def next_item(meeting: Meeting) -> AgendaItem | None:
    """The first item on the agenda after the current one (or the first of all) not yet taken up."""
    taken = set(
        db.session.scalars(
            select(MeetingLogEntry.item_id).where(
                MeetingLogEntry.meeting_id == meeting.id, MeetingLogEntry.kind == K.item_opened
            )
        )
    )
    return next((i for i in meeting.active_items if i.id not in taken), None)


# --- members asking for the floor -----------------------------------------------------------------------------


def request_floor(meeting: Meeting, member_id: int, name: str, *, actor) -> MeetingLogEntry:
    """A member asks, from their seat, to be recognized on the current item; the clerk sees it in the cockpit."""
    if meeting.status != MeetingStatus.in_progress:
        raise DomainError(_("The meeting is not in session."))
    if member_id in floor_requests(meeting):
        raise DomainError(_("Your request to speak is already with the chair."))
    entry = stamp(meeting, K.floor_requested, f"{name} asked to speak", actor=actor, member_id=member_id)
    audit.record("meeting.floor_request", meeting, f"{name} asked to speak", actor=actor, data={"member_id": member_id})
    db.session.flush()
    return entry


def grant_floor(meeting: Meeting, member_id: int, name: str, *, actor) -> MeetingLogEntry:
    """The chair recognizes a member who asked (their request is answered)."""
    if member_id not in floor_requests(meeting):
        raise DomainError(_("%(name)s has not asked to speak.", name=name))
    entry = stamp(meeting, K.floor_granted, f"{name} recognized to speak", actor=actor, member_id=member_id)
    audit.record("meeting.floor_grant", meeting, f"{name} recognized", actor=actor, data={"member_id": member_id})
    db.session.flush()
    return entry


def floor_requests(meeting: Meeting) -> list[int]:
    """Members waiting to be recognized, in the order they asked: asked since the current item was taken up (or
    since the start) and not yet recognized. One query."""
    rows = db.session.execute(
        select(MeetingLogEntry.kind, MeetingLogEntry.member_id)
        .where(
            MeetingLogEntry.meeting_id == meeting.id,
            MeetingLogEntry.kind.in_([K.item_opened, K.item_closed, K.floor_requested, K.floor_granted]),
        )
        .order_by(MeetingLogEntry.id)
    ).all()
    waiting: list[int] = []
    for kind, member_id in rows:
        if kind in (K.item_opened, K.item_closed):
            waiting = []
        elif kind == K.floor_requested and member_id not in waiting:
            waiting.append(member_id)
        elif kind == K.floor_granted and member_id in waiting:
            waiting.remove(member_id)
    return waiting


def item_times(meeting: Meeting) -> dict[int, tuple[datetime, datetime | None]]:
    """When each item was before the body: first taken up, last finished (None while still before it). One query."""
    times: dict[int, tuple[datetime, datetime | None]] = {}
    for kind, item_id, at in db.session.execute(
        select(MeetingLogEntry.kind, MeetingLogEntry.item_id, MeetingLogEntry.at)
        .where(MeetingLogEntry.meeting_id == meeting.id, MeetingLogEntry.kind.in_([K.item_opened, K.item_closed]))
        .order_by(MeetingLogEntry.id)
    ):
        start, _end = times.get(item_id, (at, None))
        times[item_id] = (start, at if kind == K.item_closed else None)
    return times


def first_moment(meeting: Meeting, kind: LogKind) -> datetime | None:
    return db.session.scalar(
        select(MeetingLogEntry.at)
        .where(MeetingLogEntry.meeting_id == meeting.id, MeetingLogEntry.kind == kind)
        .order_by(MeetingLogEntry.id)
        .limit(1)
    )
