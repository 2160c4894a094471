"""The public snapshot of a running meeting: the one piece of data every live screen follows.

Built once per change (``app.core.live``), never per viewer; language-neutral (codes, names and numbers: each
page turns codes into words in its own language). Everything in it is public record: names a resident gave for
the speakers' list, never contact details. A fixed number of queries, whatever the size of the queue.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core import live
from app.core.timeutil import utcnow
from app.extensions import db
from app.meetings import floor
from app.meetings.models import AgendaItem, Meeting
from app.public_comment import queue as speaker_queue
from app.public_comment.models import SpeakerRequest, SpeakerRequestStatus
from app.votes.models import Motion, MotionStatus, Vote
from app.votes.reading import outcome_of, projection_of

R = SpeakerRequestStatus
ON_DECK = 3


@live.snapshot_builder
def build(meeting_id: int) -> dict | None:
    meeting = db.session.scalar(select(Meeting).where(Meeting.id == meeting_id, Meeting.is_public))
    if meeting is None:
        return None
    item_id = floor.current_item_id(meeting.id)
    item = db.session.get(AgendaItem, item_id) if item_id else None
    speaker = speaker_queue.current_speaker(meeting)
    queue_item_id = speaker.agenda_item_id if speaker is not None else item_id
    return {
        "meeting": {"id": meeting.id, "title": meeting.title, "status": meeting.status.value},
        "item": {"id": item.id, "label": item.label, "title": item.title} if item else None,
        "speaker": _speaker(speaker),
        "queue": _queue(queue_item_id) if queue_item_id else None,
        "vote": _vote(meeting.id),
        # Motions stated and not yet put to a vote (the seats offer to second them).
        "pending": _pending(meeting.id),
        # For the cockpit and the seats: who is here, and who asked for the floor (both public in the chamber).
        "present": sorted(a.member_id for a in meeting.attendances if a.is_present),
        "roll_taken": bool(meeting.attendances),
        "requests": floor.floor_requests(meeting),
    }


def _speaker(speaker: SpeakerRequest | None) -> dict | None:
    if speaker is None:
        return None
    now = utcnow()
    return {
        "item_id": speaker.agenda_item_id,
        "item": f"{speaker.item.label} {speaker.item.title}",
        "position": speaker.queue_position,
        "name": speaker.name,
        "group": speaker.group_name or "",
        "stance": speaker.stance.value,
        "allotted": speaker.allotted_seconds,
        "remaining": speaker.remaining(now),
        "timer": speaker.timer.value,
        # With the timer running, screens count down from here on their own clock.
        "started_at": speaker.timer_started_at.timestamp() if speaker.timer_started_at else None,
        "elapsed_before": speaker.elapsed_seconds,
    }


def _queue(item_id: int) -> dict:
    """Who is on deck and how many still wait on the item (two queries whatever the queue's length)."""
    waiting = (R.waiting, R.checked_in)
    on_deck = db.session.execute(
        select(SpeakerRequest.queue_position, SpeakerRequest.name)
        .where(
            SpeakerRequest.agenda_item_id == item_id,
            SpeakerRequest.status.in_(waiting),
            SpeakerRequest.queue_position.is_not(None),
        )
        .order_by(SpeakerRequest.queue_position)
        .limit(ON_DECK)
    ).all()
    counts = dict(
        db.session.execute(
            select(SpeakerRequest.status, func.count())
            .where(SpeakerRequest.agenda_item_id == item_id, SpeakerRequest.queue_position.is_not(None))
            .group_by(SpeakerRequest.status)
        ).all()
    )
    return {
        "item_id": item_id,
        "on_deck": [{"position": p, "name": n} for p, n in on_deck],
        "waiting": sum(counts.get(s, 0) for s in waiting),
        "heard": counts.get(R.spoke, 0),
        "counts": {status.value: n for status, n in sorted(counts.items())},
    }


def _vote(meeting_id: int) -> dict | None:
    """The open roll call, else the last one closed; while open, a projection, never a result."""
    motion = db.session.scalar(
        select(Motion)
        .where(
            Motion.meeting_id == meeting_id,
            Motion.status.in_([MotionStatus.voting, MotionStatus.closed]),
            Motion.consent_of_id.is_(None),
        )
        .order_by((Motion.status == MotionStatus.voting).desc(), Motion.closed_at.desc(), Motion.id.desc())
        .options(
            selectinload(Motion.votes).joinedload(Vote.member),
            selectinload(Motion.votes).selectinload(Vote.corrections),
        )
        .limit(1)
    )
    if motion is None:
        return None
    roll = [{"member_id": v.member_id, "name": v.member.full_name, "choice": _choice(v)} for v in motion.votes]
    data = {"motion_id": motion.id, "item_id": motion.agenda_item_id, "text": motion.text[:500], "roll": roll}
    if motion.is_open:
        projection = projection_of(motion)
        tally = projection.outcome.tally
        data.update(
            open=True,
            yes=tally.yes,
            no=tally.no,
            abstain=tally.abstain,
            remaining=projection.remaining,
            decided=projection.decided,
            more_yes=projection.more_yes,
            needed=projection.outcome.needed,
            result=None,
        )
    else:
        result = outcome_of(motion)
        tally = result.tally
        data.update(
            open=False,
            yes=tally.yes,
            no=tally.no,
            abstain=tally.abstain,
            remaining=0,
            decided=None,
            more_yes=0,
            needed=result.needed,
            result=motion.result.value,
        )
    return data


def _pending(meeting_id: int) -> list[dict]:
    rows = db.session.execute(
        select(Motion.id, Motion.agenda_item_id, Motion.seconder_id)
        .where(Motion.meeting_id == meeting_id, Motion.status == MotionStatus.pending)
        .order_by(Motion.id)
    ).all()
    return [{"motion_id": i, "item_id": item_id, "seconded": seconder is not None} for i, item_id, seconder in rows]


def _choice(vote: Vote) -> str | None:
    choice = vote.final_choice
    return choice.value if choice is not None else None
