"""Reading the record of motions and votes: tallies, outcomes, an item's or a meeting's motions."""

from flask_babel import gettext as _
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.bodies.models import BodyRollCallOrder, ThresholdBasis, ThresholdFraction
from app.core.record import in_record_language
from app.extensions import db
from app.meetings.models import AgendaItem, AgendaItemType, Meeting
from app.public_comment.registration import find_period
from app.votes.models import ConflictDisclosure, Motion, MotionKind, MotionResult, MotionStatus, Vote, VoteChoice
from app.votes.thresholds import Outcome, Projection, Tally, outcome, project

K, S, C = MotionKind, MotionStatus, VoteChoice
B, F = ThresholdBasis, ThresholdFraction


def tally(votes) -> Tally:
    counts = dict.fromkeys(C, 0)
    for vote in votes:
        choice = vote.final_choice
        if choice is not None:
            counts[choice] += 1
    return Tally(
        yes=counts[C.yes],
        no=counts[C.no],
        abstain=counts[C.abstain],
        absent=counts[C.absent],
        excused=counts[C.excused],
    )


def outcome_of(motion: Motion, votes=None) -> Outcome:
    """The result under the motion's threshold, from the votes as corrected."""
    seats = motion.seats_at_vote or motion.meeting.membership_size
    return outcome(
        motion.threshold_basis,
        motion.threshold_fraction,
        motion.threshold_min_yes,
        seats=seats,
        tally=tally(motion.votes if votes is None else votes),
    )


def projection_of(motion: Motion) -> Projection:
    """An open vote as it stands: the votes so far and the members still to vote (never a result)."""
    seats = motion.seats_at_vote or motion.meeting.membership_size
    return project(
        motion.threshold_basis,
        motion.threshold_fraction,
        motion.threshold_min_yes,
        seats=seats,
        tally=tally(motion.votes),
        remaining=sum(1 for v in motion.votes if v.final_choice is None),
    )


def threshold_words(motion: Motion) -> str:
    return outcome(
        motion.threshold_basis,
        motion.threshold_fraction,
        motion.threshold_min_yes,
        seats=motion.meeting.membership_size,
        tally=Tally(),
    ).rule_words()


def roll_call_words(method: str | None) -> str:
    """How the roll was called ("Roll called by seat."), from the order the motion stored when the roll opened."""
    if not method:
        return ""
    try:
        return str(BodyRollCallOrder(method).label)
    except ValueError:  # an order no longer offered: show what was stored
        return method


def motions_for_item(item: AgendaItem) -> list[Motion]:
    """Every motion on the item, including the vote record a consent-agenda roll call made for it, in order."""
    return list(db.session.scalars(select(Motion).where(Motion.agenda_item_id == item.id).order_by(Motion.id)))


#: Loads a motion's roll call with its corrections and disclosures: one more query for any number of motions.
ROLL = (selectinload(Motion.votes).options(joinedload(Vote.corrections), joinedload(Vote.disclosure)),)


def public_motions(meeting_id: int) -> dict[int | None, list[Motion]]:
    """Every motion of a meeting that reached the floor, by agenda item (None: the consent agenda)."""
    rows = db.session.scalars(
        select(Motion)
        .where(Motion.meeting_id == meeting_id, Motion.status != MotionStatus.pending)
        .options(*ROLL)
        .order_by(Motion.id)
    ).all()
    by_item: dict[int | None, list[Motion]] = {}
    for motion in rows:
        by_item.setdefault(motion.agenda_item_id, []).append(motion)
    return by_item


def meeting_record(meeting: Meeting) -> dict:
    """What the agenda shows of the votes: motions by item (two queries), each closed motion's outcome, and each
    item's resolution (loaded with
    the items when the caller asked for ``AgendaItem.resolution``)."""
    return {
        "motions": (motions := public_motions(meeting.id)),
        "outcomes": {m.id: outcome_of(m) for ms in motions.values() for m in ms if m.is_closed},
        "resolutions": {i.id: i.resolution for i in meeting.items if i.resolution is not None},
    }


def minutes_lines(meeting: Meeting) -> dict[int, list[str]]:
    """The draft minutes' account of each item's motions, roll calls and disclosures, in the record's language."""
    lines: dict[int, list[str]] = {}
    with in_record_language():
        for disclosure in db.session.scalars(
            select(ConflictDisclosure)
            .where(ConflictDisclosure.meeting_id == meeting.id)
            .order_by(ConflictDisclosure.id)
        ):
            filed = (
                f"Form 8B filed {disclosure.form_8b_filed_on:%B %-d, %Y}"
                if disclosure.form_8b_filed_on
                else f"Form 8B due {disclosure.form_8b_due_on:%B %-d, %Y}"
            )
            lines.setdefault(disclosure.agenda_item_id, []).append(
                f"{disclosure.member.full_name} disclosed a conflict of interest: {disclosure.nature_of_interest} "
                f"({filed})."
            )
        for item_id, motions in public_motions(meeting.id).items():
            for motion in motions if item_id is not None else []:  # a consent motion is told on each item
                head = str(motion.kind.label) + (" (consent agenda)" if motion.consent_of_id else "")
                who = f"moved by {motion.mover.full_name}" + (
                    f", seconded by {motion.seconder.full_name}" if motion.seconder else ""
                )
                if motion.is_closed:
                    roll = "; ".join(f"{v.member.full_name} {v.final_choice.value}" for v in motion.votes)
                    ending = f"{outcome_of(motion).sentence()} Roll call: {roll}."
                else:
                    ending = str(motion.status.label) + "."
                lines.setdefault(item_id, []).append(f"{head} “{motion.text}”, {who}. {ending}")
    return lines


def comment_held(item: AgendaItem) -> bool:
    """R5 (F.S. 286.0114): the item's comment period was opened and closed, or the item is exempt."""
    if not item.public_comment_required:
        return True
    period = find_period(item)
    return period.was_held


def disclosure_for(item: AgendaItem, member_id: int) -> ConflictDisclosure | None:
    return db.session.scalar(
        select(ConflictDisclosure).where(
            ConflictDisclosure.agenda_item_id == item.id, ConflictDisclosure.member_id == member_id
        )
    )


#: Items of these kinds are decided by a vote; a presentation or a report is heard, not decided.
T = AgendaItemType
DECIDED_BY_VOTE = {T.resolution, T.ordinance, T.motion, T.ministerial}
#: A passed motion of these kinds continues the item (to a later date, to another body, or on the table).
CONTINUING = {K.postpone, K.refer, K.table}


def open_items(meeting: Meeting) -> list[tuple[AgendaItem, str]]:
    """The items an adjournment would leave open, each with why: a motion still pending or being voted on, or an
    item decided by a vote that was neither decided (a roll call closed on its main motion), continued
    (postponed, referred or tabled) nor withdrawn. One query for the motions; the items are the meeting's."""
    by_item: dict[int, list[Motion]] = {}
    for motion in db.session.scalars(select(Motion).where(Motion.meeting_id == meeting.id).order_by(Motion.id)):
        by_item.setdefault(motion.agenda_item_id, []).append(motion)
    found = []
    for item in meeting.active_items:
        motions = by_item.get(item.id, [])
        if any(m.status == S.voting for m in motions):
            found.append((item, _("a roll call is open")))
        elif any(m.status == S.pending for m in motions):
            found.append((item, _("a motion is pending")))
        elif item.item_type in DECIDED_BY_VOTE and not any(
            m.is_closed and (m.kind == K.main or (m.kind in CONTINUING and m.passed)) for m in motions
        ):
            found.append((item, _("not yet decided")))
    return found


def item_motions(
    agenda_item_id: int, adopting_motion_id: int | None
) -> tuple[list[Motion], list[Motion], list[Motion]]:
    """An item's motions that reached the floor and the passed motions that rescinded the one adopting it (a
    resolution's page and its PDF), with their roll calls: one query, the votes in one more. Returns (all found,
    the item's motions, the rescissions)."""
    rescinding = (
        and_(
            Motion.target_id == adopting_motion_id,
            Motion.kind == MotionKind.rescind,
            Motion.result == MotionResult.passed,
        )
        if adopting_motion_id
        else false()
    )
    found = db.session.scalars(
        select(Motion)
        .where(or_(Motion.agenda_item_id == agenda_item_id, rescinding), Motion.status != MotionStatus.pending)
        .options(*ROLL)
        .order_by(Motion.id)
    ).all()
    motions = [m for m in found if m.agenda_item_id == agenda_item_id]
    rescissions = [m for m in found if m.kind == MotionKind.rescind and m.target_id == adopting_motion_id and m.passed]
    return list(found), motions, rescissions
