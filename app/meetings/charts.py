"""A meeting's timeline as a picture (issue 19): each item with the time it was before the body, read from the live
log (``MeetingLogEntry``) in one query. A meeting without a log has no timeline (None), never a made-up one."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.meetings.models import AgendaItem, LogKind, Meeting, MeetingLogEntry, MeetingStatus

K = LogKind


@dataclass
class Stretch:
    """One item, taken up at ``start`` (the first time), before the body for ``seconds`` in all."""

    item: AgendaItem
    start: datetime
    seconds: int
    #: Offsets from the meeting's first moment, in seconds, of each stretch the item was before the body.
    spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return max(1, round(self.seconds / 60)) if self.seconds else 0


@dataclass
class MeetingTimeline:
    meeting_id: int
    began: datetime
    ended: datetime
    stretches: list[Stretch]

    @property
    def seconds(self) -> int:
        return max(1, int((self.ended - self.began).total_seconds()))

    @property
    def minutes(self) -> int:
        return round(self.seconds / 60)


def meeting_timeline(meeting: Meeting) -> MeetingTimeline | None:
    """The items in the order first taken up, each with its time before the body (its stretches summed: an item
    taken up twice counts both times). An item still before the body runs to the log's last moment. A meeting never
    called to order has no log: no query for it."""
    if meeting.status not in (MeetingStatus.in_progress, MeetingStatus.adjourned):
        return None
    rows = db.session.execute(
        select(MeetingLogEntry.kind, MeetingLogEntry.item_id, MeetingLogEntry.at)
        .where(MeetingLogEntry.meeting_id == meeting.id)
        .order_by(MeetingLogEntry.at, MeetingLogEntry.id)  # a corrected time takes its place
    ).all()
    if not any(kind == K.item_opened for kind, _i, _a in rows):
        return None
    began, ended = rows[0].at, rows[-1].at
    items = {i.id: i for i in meeting.items}
    stretches: dict[int, Stretch] = {}
    current: tuple[int, datetime] | None = None

    def close(at: datetime) -> None:
        item_id, since = current
        if item_id in items:
            stretch = stretches.setdefault(item_id, Stretch(items[item_id], since, 0))
            stretch.seconds += max(0, int((at - since).total_seconds()))
            stretch.spans.append((int((since - began).total_seconds()), int((at - began).total_seconds())))

    for kind, item_id, at in rows:
        if kind == K.item_opened:
            if current is not None:
                close(at)
            current = (item_id, at)
        elif (
            kind == K.adjourned
            and current is not None
            or (kind == K.item_closed and current is not None and item_id in (None, current[0]))
        ):
            # An item's "finished" closes that item only: once a time is corrected, an earlier item's "finished"
            # may come after the next item was taken up.
            close(at)
            current = None
    if current is not None:
        close(ended)
    ordered = sorted(stretches.values(), key=lambda s: s.start)
    return MeetingTimeline(meeting.id, began, ended, ordered)
