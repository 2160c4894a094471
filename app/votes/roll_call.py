"""The roll call (R4, R7, R9, R10): opened with an in-person quorum, each member's own answer, closed with a
computed result, and what the result decides."""

import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.bodies.models import BodyRollCallOrder
from app.core import audit, live
from app.core.errors import DomainError
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.matters import second_reading
from app.meetings import attendance, floor
from app.meetings.models import AgendaItem, AttendanceStatus, LogKind, Meeting
from app.votes import matter_actions
from app.votes.events import item_decided, item_reopened
from app.votes.models import Motion, MotionKind, MotionResult, MotionStatus, Vote, VoteChoice
from app.votes.motions import require_pending, require_session
from app.votes.reading import comment_held, disclosure_for, outcome_of
from app.votes.rules import AMENDING, PROCEDURAL, MotionNotOpen, require_self
from app.votes.thresholds import Outcome

K, S, C = MotionKind, MotionStatus, VoteChoice


def _rotation(meeting: Meeting) -> int:
    """How many roll calls the body took before: each rotating roll call starts one name later."""
    return (
        db.session.scalar(
            select(func.count(Motion.id))
            .join(Meeting, Meeting.id == Motion.meeting_id)
            .where(Meeting.body_id == meeting.body_id, Motion.opened_at.is_not(None), Motion.consent_of_id.is_(None))
        )
        or 0
    )


def _require_lawful_adoption(meeting: Meeting, items: list[AgendaItem]) -> None:
    """An ordinance on its second reading is adopted only with its first reading and its notice on the record, the
    notice's days counted (F.S. 166.041(3)(a); app.matters.second_reading)."""
    day = to_local(meeting.start_at).date()
    for item in items:
        if item.reading == "second" and second_reading.is_ordinance(item.matter):
            problem = second_reading.adoption_problem(item.matter, day)
            if problem:
                raise DomainError(_("Item %(label)s: %(problem)s", label=item.label, problem=problem))


def open_vote(motion: Motion, *, actor) -> Motion:
    """Open the roll call. Refused without a required second, while amendments on it are pending, without a
    quorum present in person (R4), before the item's public comment was held (R5), or on the adoption of an
    ordinance whose second reading would be too early."""
    meeting = motion.meeting
    require_session(meeting)
    require_pending(motion)
    if meeting.rules.seconds_required and not motion.seconder_id:
        raise DomainError(
            _("This motion has no second. Record that it died for lack of a second, or record the second.")
        )
    waiting = [a for a in motion.amendments if a.status in (S.pending, S.voting)]
    if waiting:
        raise DomainError(_("Vote on the pending amendment first: “%(text)s”.", text=waiting[0].text[:120]))
    busy = db.session.scalar(select(Motion.id).where(Motion.meeting_id == meeting.id, Motion.status == S.voting))
    if busy:
        raise DomainError(_("Another vote is open; close it first."))
    state = attendance.quorum(meeting)
    if not state.has_quorum:
        raise DomainError(
            _(
                "No quorum: %(counted)d of %(needed)d members needed are present in person. No vote can be taken.",
                counted=state.counted,
                needed=state.needed,
            )
        )
    if motion.kind not in PROCEDURAL:
        items = motion.consent_items if motion.kind == K.adopt_consent_agenda else [motion.item]
        not_heard = [i for i in items if not comment_held(i)]
        if not_heard:
            raise DomainError(
                _(
                    "Public comment on item %(label)s has not been held. Open and close its comment "
                    "period first, or record why the item is exempt (F.S. 286.0114).",
                    label=not_heard[0].label,
                )
            )
        if motion.kind in (K.main, K.adopt_consent_agenda):
            _require_lawful_adoption(meeting, items)
    order = meeting.rules.roll_call_order
    seed = secrets.randbelow(2**31) if order == BodyRollCallOrder.random else None
    members = attendance.roll(meeting, rotation=_rotation(meeting), seed=seed or 0)
    now = utcnow()
    motion.roll_call_method = order.value
    motion.roll_call_order = [m.member_id for m in members]
    motion.seats_at_vote = meeting.membership_size
    motion.status, motion.opened_at = S.voting, now
    for position, membership in enumerate(members, start=1):
        row = attendance.attendance_of(meeting, membership.member_id)
        vote = Vote(
            member_id=membership.member_id,
            position=position,
            choice=None,
            remote=bool(row and row.is_present and not row.in_person),
        )
        if row is None or not row.is_present:
            # Members not present are recorded as such when the roll opens; they cannot answer (R7).
            excused = row is not None and row.status == AttendanceStatus.excused
            vote.choice, vote.recorded_at = (C.excused if excused else C.absent), now
        motion.votes.append(vote)
    db.session.flush()
    floor.stamp(
        meeting,
        LogKind.vote_opened,
        f"Vote opened on: {motion.text[:200]}",
        actor=actor,
        item_id=motion.agenda_item_id,
        motion_id=motion.id,
        at=now,
    )
    audit.record(
        "motion.vote_opened",
        motion,
        f"Roll call opened on motion {motion.id}",
        actor=actor,
        data={"order": motion.roll_call_order, "method": motion.roll_call_method, "seed": seed},
    )
    return motion


def record_vote(motion: Motion, member_id: int, choice: VoteChoice, *, actor, for_self_only: bool = False) -> Vote:
    """Record one member's answer while the roll call is open.

    ``for_self_only``: the actor is a commissioner; they may answer only for their own seat (R1, 286.012)."""
    if for_self_only:
        require_self(actor, member_id, _("You can record only your own vote."))
    if not motion.is_open:
        raise MotionNotOpen(_("This vote is not open; nothing was recorded."))
    vote = next((v for v in motion.votes if v.member_id == member_id), None)
    if vote is None:
        raise DomainError(_("That member is not on this roll call."))
    meeting = motion.meeting
    present = attendance.is_present(meeting, member_id)
    name = vote.member.full_name
    if choice in (C.absent, C.excused):
        if present:
            raise DomainError(
                _("%(name)s is present: record yes, no, or an abstention with a disclosed conflict.", name=name)
            )
    else:
        if not present:
            raise DomainError(_("%(name)s is not present and cannot vote.", name=name))
        state = attendance.quorum(meeting)
        if not state.has_quorum:
            raise DomainError(
                _(
                    "The quorum was lost (%(counted)d of %(needed)d present in person); no vote can be "
                    "recorded until it is restored.",
                    counted=state.counted,
                    needed=state.needed,
                )
            )
        row = attendance.attendance_of(meeting, member_id)
        vote.remote = not row.in_person
    vote.disclosure_id = None
    if choice == C.abstain:
        if motion.kind == K.adopt_consent_agenda:
            raise DomainError(
                _(
                    "A member with a conflict on a consent item has it pulled from the consent agenda "
                    "and abstains on that item's own vote."
                )
            )
        disclosure = disclosure_for(motion.item, member_id)
        if disclosure is None or disclosure.stated_at > motion.opened_at:
            raise DomainError(
                _(
                    "%(name)s may abstain only for a conflict of interest disclosed on the record before "
                    "the vote opened (F.S. 286.012, 112.3143).",
                    name=name,
                )
            )
        vote.disclosure_id = disclosure.id
    before = vote.choice.value if vote.choice else None
    vote.choice, vote.recorded_at = choice, utcnow()
    vote.recorded_by_id = actor.id if actor else None
    db.session.flush()
    live.touch(meeting.id)
    audit.record(
        "vote.recorded",
        vote,
        f"{name}: {choice.value} on motion {motion.id}",
        actor=actor,
        data={"motion_id": motion.id, "member_id": member_id, "before": before, "choice": choice.value},
    )
    return vote


class MembersNotVoted(DomainError):
    """Closing is refused while a present member has not answered; ``votes`` are their rows, so the page can
    offer to record each one."""

    def __init__(self, votes: list[Vote]):
        super().__init__(
            _(
                "No vote recorded for: %(names)s. Florida law requires a vote to be recorded for each member "
                "present (F.S. 286.012): a present member votes yes or no, or abstains only for a conflict "
                "disclosed before the vote. Record their votes, or record their departure if they have left; "
                "then close the vote.",
                names=", ".join(v.member.full_name for v in votes),
            )
        )
        self.votes = votes


def close_vote(motion: Motion, *, actor) -> Outcome:
    """Close the roll call: every present member must have answered (R7). Members who left meanwhile are
    recorded absent. The result is computed from the threshold (R8) and never typed.

    A present member who has not answered is never recorded for them (not as yes, not as an abstention): F.S.
    286.012 requires each present member's own vote, so closing is refused, naming them (``MembersNotVoted``)."""
    if not motion.is_open:
        raise MotionNotOpen(_("This vote is not open."))
    meeting = motion.meeting
    now = utcnow()
    missing = [v for v in motion.votes if v.choice is None and attendance.is_present(meeting, v.member_id)]
    if missing:
        raise MembersNotVoted(missing)
    for vote in motion.votes:
        if vote.choice is None:
            vote.choice, vote.recorded_at = C.absent, now
    db.session.flush()  # the last answers are written before the roll is closed, after which votes are frozen
    result = outcome_of(motion)
    motion.status, motion.closed_at = S.closed, now
    motion.result = MotionResult.passed if result.passed else MotionResult.failed
    db.session.flush()
    floor.stamp(
        meeting,
        LogKind.vote_closed,
        f"Vote closed: {result.sentence()}",
        actor=actor,
        item_id=motion.agenda_item_id,
        motion_id=motion.id,
        at=now,
    )
    audit.record(
        "motion.vote_closed",
        motion,
        f"Motion {motion.id}: {result.sentence()}",
        actor=actor,
        data={"result": motion.result.value, "needed": result.needed, "base": result.base},
    )
    _consequences(motion, actor)
    return result


def _consequences(motion: Motion, actor) -> None:
    decided: list[tuple[AgendaItem, Motion]] = []
    if motion.kind in AMENDING and motion.passed and motion.parent is not None:
        new_text = motion.text if motion.kind == K.substitute else motion.amended_text
        if new_text:
            audit.record(
                "motion.amended",
                motion.parent,
                f"Motion {motion.parent.id} amended by motion {motion.id}",
                actor=actor,
                data={"before": motion.parent.text, "after": new_text},
            )
            motion.parent.text = new_text
    elif motion.kind == K.main and motion.item is not None:
        item_decided.send(motion.item, record=motion, actor=actor)
        decided.append((motion.item, motion))
    elif motion.kind == K.adopt_consent_agenda:
        for item in motion.consent_items:
            record = _fan_out(motion, item)
            item_decided.send(item, record=record, actor=actor)
            decided.append((item, record))
    elif motion.kind == K.reconsider and motion.passed:
        # The question is put again; the first vote and its record stay (RONR 37:34).
        target = motion.target
        target.reconsidered_at = utcnow()
        again = Motion(
            meeting_id=target.meeting_id,
            meeting=target.meeting,
            agenda_item_id=target.agenda_item_id,
            item=target.item,
            kind=target.kind,
            text=target.text,
            amended_text=target.amended_text,
            matter_text=target.matter_text,
            parent=target.parent,
            mover_id=target.mover_id,
            seconder_id=target.seconder_id,
            threshold_basis=target.threshold_basis,
            threshold_fraction=target.threshold_fraction,
            threshold_min_yes=target.threshold_min_yes,
            status=S.pending,
            made_at=utcnow(),
            recorded_by_id=actor.id if actor else None,
        )
        again.consent_items = list(target.consent_items)
        db.session.add(again)
        if target.item is not None:
            item_reopened.send(target.item, actor=actor)
    matter_actions.follow_vote(motion, actor, decided)
    db.session.flush()


def _fan_out(motion: Motion, item: AgendaItem) -> Motion:
    """A consent-agenda roll call gives each item its own vote record with the same roll (Key West practice)."""
    record = Motion(
        meeting_id=motion.meeting_id,
        meeting=motion.meeting,
        agenda_item_id=item.id,
        item=item,
        kind=K.main,
        text=motion.text,
        consent_of=motion,
        mover_id=motion.mover_id,
        seconder_id=motion.seconder_id,
        threshold_basis=motion.threshold_basis,
        threshold_fraction=motion.threshold_fraction,
        threshold_min_yes=motion.threshold_min_yes,
        status=S.closed,
        result=motion.result,
        roll_call_method=motion.roll_call_method,
        roll_call_order=list(motion.roll_call_order or []),
        seats_at_vote=motion.seats_at_vote,
        made_at=motion.made_at,
        opened_at=motion.opened_at,
        closed_at=motion.closed_at,
        recorded_by_id=motion.recorded_by_id,
    )
    db.session.add(record)
    for vote in motion.votes:
        copy = Vote(
            member_id=vote.member_id,
            position=vote.position,
            choice=vote.choice,
            remote=vote.remote,
            recorded_at=vote.recorded_at,
            recorded_by_id=vote.recorded_by_id,
        )
        record.votes.append(copy)
    db.session.flush()
    return record
