"""The live speaker queue: places and waits, and the clerk's controls (call, timer, extensions, ceding)."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Float, case, func, literal, select
from sqlalchemy.orm import selectinload

from app.core import audit, live
from app.core.errors import DomainError
from app.core.timeutil import format_seconds, utcnow
from app.extensions import db
from app.meetings import floor
from app.meetings.models import AgendaItem, LogKind, Meeting, MeetingStatus
from app.public_comment.intake import DISCLAIMER_VERSION, clean_field
from app.public_comment.models import (
    CommentPeriod,
    SpeakerRequest,
    SpeakerRequestStatus,
    SpeakerRequestTimer,
    TimeExtension,
)
from app.public_comment.notify import WAITING, notify_next
from app.public_comment.policy import effective_policy, require_commentable
from app.public_comment.registration import period_for, register_speaker

R = SpeakerRequestStatus
T = SpeakerRequestTimer

# --- queue reading --------------------------------------------------------------------------------


def queue(item: AgendaItem) -> list[SpeakerRequest]:
    """Every speaking request of the item in queue order (written-only cards have no place)."""
    return list(
        db.session.scalars(
            select(SpeakerRequest)
            .where(SpeakerRequest.agenda_item_id == item.id, SpeakerRequest.queue_position.is_not(None))
            .order_by(SpeakerRequest.queue_position)
        )
    )


def at_place(item: AgendaItem, position: int | None) -> SpeakerRequest | None:
    """The speaker holding place ``position`` in the item's queue (one indexed row, whatever the queue's length)."""
    if position is None:
        return None
    return db.session.scalar(
        select(SpeakerRequest).where(
            SpeakerRequest.agenda_item_id == item.id, SpeakerRequest.queue_position == position
        )
    )


@dataclass
class Place:
    #: 1 = first in line; None when the request is no longer waiting.
    place: int | None
    #: Speakers still to be called before this one (the speaker at the podium is not counted).
    ahead: int
    #: The predicted wait until this speaker is called, in seconds (``place_in_queue``).
    wait_seconds: int
    #: First in line while comment on the item is being taken: the next one called.
    is_next: bool = False
    #: The meeting is in progress and comment on the item is open.
    taking_comment: bool = False
    #: Speakers heard on the item whose actual times the prediction averages (0: allotted times are used).
    heard: int = 0
    #: The name of the speaker at the podium on this item, if any (public anyway).
    current: str | None = None


def place_in_queue(request: SpeakerRequest, *, now: datetime | None = None) -> Place:
    """Where a resident stands, and a predicted wait from the actual speaking times so far.

    Each speaker still ahead counts as the average time the speakers already heard on this item actually spoke
    (a timer that never ran is left out), but never more than their own allotted time; before anyone has been
    heard, as their allotted time. The speaker at the podium adds what is left of their time. A fixed number of
    queries, however long the queue: the averages and sums are taken in SQL.
    """
    if request.status not in WAITING or request.queue_position is None:
        return Place(None, 0, 0, current=request.name if request.status == R.called else None)
    now = now or utcnow()
    same_item = SpeakerRequest.agenda_item_id == request.agenda_item_id
    heard, average = db.session.execute(
        select(func.count(), func.avg(SpeakerRequest.elapsed_seconds)).where(
            same_item, SpeakerRequest.status == R.spoke, SpeakerRequest.elapsed_seconds > 0
        )
    ).one()
    allotted = SpeakerRequest.allotted_seconds
    if average is None:
        expected = allotted
    else:
        average = literal(float(average), Float)
        expected = case((allotted < average, allotted), else_=average)
    ahead, wait = db.session.execute(
        select(func.count(), func.coalesce(func.sum(expected), 0)).where(
            same_item,
            SpeakerRequest.queue_position < request.queue_position,
            SpeakerRequest.status.in_(WAITING),
        )
    ).one()
    wait = float(wait)
    current = db.session.scalar(select(SpeakerRequest).where(same_item, SpeakerRequest.status == R.called).limit(1))
    if current is not None:
        wait += max(0, current.remaining(now))
    taking_comment = request.meeting.status == MeetingStatus.in_progress and request.period.is_open
    return Place(
        ahead + 1,
        ahead,
        round(wait),
        is_next=ahead == 0 and taking_comment,
        taking_comment=taking_comment,
        heard=heard,
        current=current.name if current is not None else None,
    )


def current_speaker(meeting: Meeting, *, with_extensions: bool = False) -> SpeakerRequest | None:
    """The speaker at the podium; ``with_extensions`` also loads the time added for them (the clerk's page)."""
    query = (
        select(SpeakerRequest)
        .where(SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.status == R.called)
        .order_by(SpeakerRequest.called_at.desc())
        .limit(1)
    )
    if with_extensions:
        query = query.options(selectinload(SpeakerRequest.extensions))
    return db.session.scalar(query)


def period_used_seconds(item: AgendaItem, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    return sum(r.elapsed(now) for r in queue(item) if r.status in (R.spoke, R.called))


# --- the clerk's queue ----------------------------------------------------------------------------


def _require_in_progress(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.in_progress:
        raise DomainError(_("Call the meeting to order before running the speaker queue."))


#: The moments of the floor's live log, by queue action (checking in is not one: it happens off the floor).
_STAMPS = {
    "call": LogKind.speaker_called,
    "timer_start": LogKind.timer_started,
    "timer_pause": LogKind.timer_paused,
    "timer_stop": LogKind.timer_stopped,
    "extend": LogKind.time_added,
    "cede": LogKind.time_added,
    "spoke": LogKind.speaker_finished,
    "no_show": LogKind.speaker_no_show,
}


def _log(request: SpeakerRequest, action: str, summary: str, actor, **data) -> None:
    request.updated_at = utcnow()
    if action in _STAMPS:
        floor.stamp(
            request.meeting,
            _STAMPS[action],
            summary,
            actor=actor,
            item_id=request.agenda_item_id,
            speaker_request_id=request.id,
        )
    else:
        live.touch(request.meeting_id)
    audit.record(f"speaker.{action}", request, summary, actor=actor, data={"item_id": request.agenda_item_id, **data})
    db.session.flush()


def add_walk_in(item: AgendaItem, *, actor, **card) -> SpeakerRequest:
    registration = register_speaker(item, walk_in=True, actor=actor, disclaimer_version=DISCLAIMER_VERSION, **card)
    if not registration.created:
        raise DomainError(
            _(
                "%(name)s is already in this queue (place %(place)s).",
                name=registration.request.name,
                place=registration.request.queue_position or "-",
            )
        )
    return registration.request


def check_in(request: SpeakerRequest, *, actor) -> None:
    if request.status != R.waiting:
        raise DomainError(_("Only a waiting speaker can be checked in."))
    if request.meeting.status not in (MeetingStatus.noticed, MeetingStatus.rescheduled, MeetingStatus.in_progress):
        raise DomainError(_("Check-in is open from the notice until the meeting ends."))
    request.status = R.checked_in
    request.checked_in_at = utcnow()
    _log(request, "check_in", f"{request.name} checked in", actor)


def open_period(item: AgendaItem, *, actor) -> CommentPeriod:
    """The chair opens public comment on the item (the R5 evidence starts here)."""
    _require_in_progress(item.meeting)
    require_commentable(item)
    period = period_for(item)
    if period.is_open:
        raise DomainError(_("Public comment on this item is already open."))
    floor.follow(item, actor=actor)
    if period.opened_at is None:
        period.opened_at = utcnow()
    period.closed_at = None
    floor.stamp(item.meeting, LogKind.comment_opened, f"Public comment opened on {item.label}", actor=actor, item=item)
    audit.record("comment_period.open", item, f"Public comment opened on {item.label} {item.title}", actor=actor)
    db.session.flush()
    return period


def close_period(item: AgendaItem, *, actor) -> CommentPeriod:
    """The chair closes public comment; speakers still waiting stay on record as they are."""
    period = period_for(item)
    if not period.is_open:
        raise DomainError(_("Public comment on this item is not open."))
    current = current_speaker(item.meeting)
    if current is not None and current.agenda_item_id == item.id:
        raise DomainError(_("Finish the current speaker before closing public comment."))
    period.closed_at = utcnow()
    floor.stamp(item.meeting, LogKind.comment_closed, f"Public comment closed on {item.label}", actor=actor, item=item)
    audit.record("comment_period.close", item, f"Public comment closed on {item.label} {item.title}", actor=actor)
    db.session.flush()
    return period


def call_speaker(request: SpeakerRequest, *, actor) -> None:
    """Call a speaker to the podium. One speaker at a time per meeting; opens the item's comment period.

    The speaker now first in line on the item gets one "you are next" mail, if they gave an address
    (``app/public_comment/notify.py``), in this transaction."""
    meeting = request.meeting
    _require_in_progress(meeting)
    if request.status not in (R.waiting, R.checked_in) or not request.speaks:
        raise DomainError(_("Only a waiting speaker can be called."))
    current = current_speaker(meeting)
    if current is not None:
        raise DomainError(_("%(name)s is still speaking. Mark them as spoke or no-show first.", name=current.name))
    period = request.period
    if period.closed_at is not None:
        raise DomainError(_("Public comment on this item is closed. Reopen it to call more speakers."))
    if period.opened_at is None:
        open_period(request.item, actor=actor)
    floor.follow(request.item, actor=actor)
    request.status = R.called
    request.called_at = utcnow()
    _log(request, "call", f"{request.name} called to speak", actor, queue_position=request.queue_position)
    notify_next(request.agenda_item_id, actor=actor)  # "you are next" to whoever is now first in line, once


def call_next(item: AgendaItem, *, actor) -> SpeakerRequest:
    """The next speaker in registration order (one row read, whatever the queue's length)."""
    nxt = db.session.scalar(
        select(SpeakerRequest)
        .where(
            SpeakerRequest.agenda_item_id == item.id,
            SpeakerRequest.queue_position.is_not(None),
            SpeakerRequest.status.in_([R.waiting, R.checked_in]),
        )
        .order_by(SpeakerRequest.queue_position)
        .limit(1)
    )
    if nxt is None:
        raise DomainError(_("No one is waiting to speak on this item."))
    call_speaker(nxt, actor=actor)
    return nxt


def _require_called(request: SpeakerRequest) -> None:
    _require_in_progress(request.meeting)
    if request.status != R.called:
        raise DomainError(_("Call this speaker first."))


def start_timer(request: SpeakerRequest, *, actor) -> None:
    _require_called(request)
    if request.timer not in (T.idle, T.paused):
        raise DomainError(_("The timer is already running or has been stopped."))
    request.timer = T.running
    request.timer_started_at = utcnow()
    _log(request, "timer_start", f"Timer started for {request.name}", actor, elapsed=request.elapsed_seconds)


def _accumulate(request: SpeakerRequest, now: datetime) -> None:
    request.elapsed_seconds = request.elapsed(now)
    request.timer_started_at = None


def pause_timer(request: SpeakerRequest, *, actor) -> None:
    _require_called(request)
    if request.timer != T.running:
        raise DomainError(_("The timer is not running."))
    _accumulate(request, utcnow())
    request.timer = T.paused
    _log(request, "timer_pause", f"Timer paused for {request.name}", actor, elapsed=request.elapsed_seconds)


def stop_timer(request: SpeakerRequest, *, actor) -> None:
    _require_called(request)
    if request.timer not in (T.running, T.paused):
        raise DomainError(_("The timer has not been started."))
    _accumulate(request, utcnow())
    request.timer = T.stopped
    _log(request, "timer_stop", f"Timer stopped for {request.name}", actor, elapsed=request.elapsed_seconds)


MAX_EXTENSION_SECONDS = 600


def add_time(request: SpeakerRequest, *, seconds: int, reason: str, actor) -> TimeExtension:
    """The chair extends a speaker's time. Logged with the reason, for the record of even-handed treatment."""
    _require_called(request)
    reason = clean_field(reason, "reason", 500)
    if not reason:
        raise DomainError(_("Give the reason for the extra time; it is kept on the record."), field="reason")
    if seconds is None or not 1 <= seconds <= MAX_EXTENSION_SECONDS:
        raise DomainError(_("Add from 1 to %(max)d seconds.", max=MAX_EXTENSION_SECONDS), field="seconds")
    if request.timer == T.stopped:
        request.timer = T.paused  # more time after a stop: the clerk restarts the timer
    request.allotted_seconds += seconds
    extension = TimeExtension(
        request_id=request.id, seconds=seconds, reason=reason, created_at=utcnow(), actor_id=actor.id if actor else None
    )
    db.session.add(extension)
    _log(
        request,
        "extend",
        f"{seconds} seconds added for {request.name}: {reason}",
        actor,
        seconds=seconds,
        reason=reason,
    )
    return extension


def cede_time(donor: SpeakerRequest, *, to: SpeakerRequest, actor) -> TimeExtension:
    """A registered speaker gives their time to another speaker on the same item, if the policy allows it."""
    policy = effective_policy(donor.meeting)
    if not policy.ceding_allowed:
        raise DomainError(_("This meeting's comment policy does not allow ceding time."))
    if donor.id == to.id or donor.agenda_item_id != to.agenda_item_id:
        raise DomainError(_("Time can be ceded only to another speaker on the same item."), field="recipient_id")
    if donor.status not in (R.waiting, R.checked_in) or not donor.speaks:
        raise DomainError(_("Only a speaker who has not spoken can cede their time."))
    if to.status not in (R.waiting, R.checked_in, R.called) or not to.speaks:
        raise DomainError(_("The speaker receiving the time must still be in the queue."), field="recipient_id")
    seconds = donor.allotted_seconds
    donor.status = R.ceded
    donor.ceded_to_id = to.id
    donor.finished_at = utcnow()
    to.allotted_seconds += seconds
    if to.timer == T.stopped:
        to.timer = T.paused
    extension = TimeExtension(
        request_id=to.id,
        seconds=seconds,
        ceded_from_id=donor.id,
        created_at=utcnow(),
        reason=f"Time ceded by {donor.name}",
        actor_id=actor.id if actor else None,
    )
    db.session.add(extension)
    _log(donor, "cede", f"{donor.name} ceded {seconds} seconds to {to.name}", actor, to=to.id, seconds=seconds)
    return extension


def mark_spoke(request: SpeakerRequest, *, actor) -> None:
    _require_called(request)
    now = utcnow()
    if request.timer == T.running:
        _accumulate(request, now)
    if request.timer != T.idle:
        request.timer = T.stopped
    request.status = R.spoke
    request.finished_at = now
    _log(
        request,
        "spoke",
        f"{request.name} spoke ({format_seconds(request.elapsed_seconds)})",
        actor,
        elapsed=request.elapsed_seconds,
    )


def can_mark_no_show(request: SpeakerRequest) -> bool:
    """Whether ``mark_no_show`` would accept: the page asks for confirmation only then (a refusal needs none)."""
    return (
        request.meeting.status == MeetingStatus.in_progress
        and request.status in (R.waiting, R.checked_in, R.called)
        and request.elapsed(utcnow()) == 0
    )


def mark_no_show(request: SpeakerRequest, *, actor) -> None:
    """Called but not there (or not answering remotely). A speaker who already spoke cannot be a no-show.

    Irreversible: the clerk's page asks once before calling this (``app/staff/queue.py``)."""
    _require_in_progress(request.meeting)
    if request.status not in (R.waiting, R.checked_in, R.called) or request.elapsed(utcnow()) > 0:
        raise DomainError(_("Only a speaker who has not spoken can be marked as a no-show."))
    request.status = R.no_show
    request.timer_started_at = None
    request.timer = T.idle
    request.finished_at = utcnow()
    _log(request, "no_show", f"{request.name} did not answer when called", actor)
