"""The clerk's cockpit: the state of the floor in one object, and the one next step that state calls for.

``cockpit(meeting)`` reads everything the screen shows in a fixed number of queries (the queue is read as a
compact list whatever its length); ``next_step`` is pure: the same state always gives the same step, and the
tests walk a meeting through every step. Views turn a step's ``action`` into a button.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.meetings import attendance, floor
from app.meetings.models import AgendaItem, Attendance, Meeting, MeetingLogEntry, MeetingStatus
from app.public_comment import queue as speaker_queue
from app.public_comment.models import CommentPeriod, SpeakerRequest, SpeakerRequestStatus
from app.votes.models import Motion, MotionStatus
from app.votes.reading import DECIDED_BY_VOTE, projection_of

R = SpeakerRequestStatus
S = MeetingStatus
ON_DECK = 3


@dataclass(frozen=True)
class QueueRow:
    """A speaker in the compact queue: no contact details (those stay on the full queue page)."""

    id: int
    position: int
    name: str
    group: str
    stance: str
    status: SpeakerRequestStatus
    walk_in: bool


@dataclass(frozen=True)
class Step:
    #: A key of the cockpit's actions ("call_to_order", "call_next", ...), or a link ("motion_page").
    action: str
    label: str
    #: The object the action applies to (an item, a speaker card, a motion).
    target_id: int | None = None
    #: Why this is the next step (shown under the button).
    hint: str = ""


@dataclass
class Cockpit:
    meeting: Meeting
    item: AgendaItem | None
    next_item: AgendaItem | None
    seats: list  # Membership rows in roll order
    attendance: dict[int, Attendance]
    quorum: attendance.Quorum
    period: CommentPeriod | None
    speaker: SpeakerRequest | None
    on_deck: list[QueueRow]
    rest: list[QueueRow]
    heard: int
    motions: list[Motion]
    open_vote: Motion | None
    projection: object | None
    requests: list[int]
    log: list[MeetingLogEntry]
    step: Step | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return len(self.on_deck) + len(self.rest)

    @property
    def pending_motion(self) -> Motion | None:
        return next((m for m in self.motions if m.status == MotionStatus.pending), None)


def cockpit(meeting: Meeting, *, log_limit: int = 8) -> Cockpit:
    item = floor.current_item(meeting)
    speaker = speaker_queue.current_speaker(meeting, with_extensions=True)
    queue_item = item or (speaker.item if speaker else None)
    rows = _queue_rows(queue_item) if queue_item else []
    waiting = [r for r in rows if r.status in (R.waiting, R.checked_in)]
    motions = (
        list(db.session.scalars(select(Motion).where(Motion.agenda_item_id == item.id).order_by(Motion.id)))
        if item
        else []
    )
    open_vote = db.session.scalar(
        select(Motion).where(Motion.meeting_id == meeting.id, Motion.status == MotionStatus.voting).limit(1)
    )
    state = Cockpit(
        meeting=meeting,
        item=item,
        next_item=floor.next_item(meeting),
        seats=attendance.roll(meeting) if meeting.status == S.in_progress else [],
        attendance={a.member_id: a for a in meeting.attendances},
        quorum=attendance.quorum(meeting),
        period=db.session.scalar(select(CommentPeriod).where(CommentPeriod.agenda_item_id == queue_item.id))
        if queue_item
        else None,
        speaker=speaker,
        on_deck=waiting[:ON_DECK],
        rest=waiting[ON_DECK:],
        heard=sum(1 for r in rows if r.status == R.spoke),
        motions=motions,
        open_vote=open_vote,
        projection=projection_of(open_vote) if open_vote else None,
        requests=floor.floor_requests(meeting) if meeting.status == S.in_progress else [],
        log=floor.entries(meeting, limit=log_limit),
    )
    state.step = next_step(state)
    return state


def _queue_rows(item: AgendaItem) -> list[QueueRow]:
    """Only the columns the cockpit shows, as plain rows: 2,000 speakers stay one light query."""
    result = db.session.execute(
        select(
            SpeakerRequest.id,
            SpeakerRequest.queue_position,
            SpeakerRequest.name,
            SpeakerRequest.group_name,
            SpeakerRequest.stance,
            SpeakerRequest.status,
            SpeakerRequest.walk_in,
        )
        .where(SpeakerRequest.agenda_item_id == item.id, SpeakerRequest.queue_position.is_not(None))
        .order_by(SpeakerRequest.queue_position)
    )
    return [QueueRow(r[0], r[1], r[2], r[3] or "", r[4].value, r[5], r[6]) for r in result]


def next_step(state: Cockpit) -> Step | None:
    """The one thing the clerk most likely does next, from the state alone."""
    meeting = state.meeting
    if meeting.status in (S.noticed, S.rescheduled):
        return Step("call_to_order", _("Call to order"))
    if meeting.status != S.in_progress:
        return None
    if not state.attendance:
        return Step("all_present", _("All present"), hint=_("Take the roll: record exceptions in the list first."))
    if state.open_vote is not None:
        return Step("close_vote", _("Close the vote"), state.open_vote.id)
    if state.speaker is not None:
        timer = state.speaker.timer.value
        if timer == "idle":
            return Step("start", _("Start the timer"), state.speaker.id, hint=state.speaker.name)
        if timer == "paused":
            return Step("start", _("Resume the timer"), state.speaker.id, hint=state.speaker.name)
        return Step("spoke", _("Done speaking"), state.speaker.id, hint=state.speaker.name)
    item = state.item
    if item is None:
        if state.next_item is not None:
            label = f"{state.next_item.label} {state.next_item.title}"
            return Step("take_up", _("Open the next item"), state.next_item.id, hint=label)
        return Step("adjourn", _("Adjourn"))
    period = state.period
    if state.waiting and item.public_comment_required and not (period and period.was_held):
        return Step("call_next", _("Call the next speaker"), item.id, hint=state.on_deck[0].name)
    if period is not None and period.is_open:
        return Step("close_comment", _("Close public comment"), item.id)
    if item.public_comment_required and not (period and period.was_held) and item.item_type in DECIDED_BY_VOTE:
        return Step("open_comment", _("Open public comment"), item.id)
    pending = state.pending_motion
    if pending is not None:
        if pending.seconder_id is None and meeting.rules.seconds_required:
            return Step("motion_page", _("Record the second"), pending.id)
        return Step("open_vote", _("Open the vote"), pending.id)
    decided = any(m.is_closed for m in state.motions)
    if item.item_type in DECIDED_BY_VOTE and not decided:
        return Step("take_motion", _("Take the motion"), item.id)
    if state.next_item is not None:
        label = f"{state.next_item.label} {state.next_item.title}"
        return Step("take_up", _("Next item"), state.next_item.id, hint=label)
    return Step("adjourn", _("Adjourn"))
