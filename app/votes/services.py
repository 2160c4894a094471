"""Motions and roll-call votes (R1, R4, R5, R7 to R10). Every rule is enforced here, not in the views.

The life of a motion: made (``pending``) -> seconded -> vote opened (``voting``, the roll fixed and stored)
-> every present member answers -> closed (result computed, immutable). A motion without a required
second is declared dead; a pending motion may be withdrawn by its mover.
"""

from datetime import date, timedelta
from types import SimpleNamespace

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.bodies.models import Body, ThresholdBasis, ThresholdFraction
from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.meetings import attendance
from app.meetings.models import (
    AgendaItem,
    AgendaItemType,
    AttendanceStatus,
    CommentExemption,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from app.public_comment.registration import find_period
from app.votes.events import item_decided, item_reopened
from app.votes.models import (
    ConflictDisclosure,
    DisclosureBasis,
    Motion,
    MotionKind,
    MotionResult,
    MotionStatus,
    Vote,
    VoteChoice,
    VoteCorrection,
)
from app.votes.thresholds import Outcome, Tally, outcome

K, S, C = MotionKind, MotionStatus, VoteChoice
B, F = ThresholdBasis, ThresholdFraction

KIND_LABELS = {
    K.main: _l("Main motion"),
    K.amend: _l("Amendment"),
    K.substitute: _l("Substitute motion"),
    K.adopt_consent_agenda: _l("Adopt the consent agenda"),
    K.table: _l("Lay on the table"),
    K.take_from_table: _l("Take from the table"),
    K.postpone: _l("Postpone"),
    K.refer: _l("Refer"),
    K.reconsider: _l("Reconsider"),
    K.rescind: _l("Rescind"),
}
STATUS_LABELS = {
    S.pending: _l("Pending"),
    S.died: _l("Died for lack of a second"),
    S.withdrawn: _l("Withdrawn"),
    S.voting: _l("Vote open"),
    S.closed: _l("Vote closed"),
}
CHOICE_LABELS = {
    C.yes: _l("Yes"),
    C.no: _l("No"),
    C.abstain: _l("Abstain (conflict disclosed)"),
    C.absent: _l("Absent"),
    C.excused: _l("Excused"),
}
BASIS_CHOICES = {
    DisclosureBasis.own: _l("Special private gain or loss to the member (F.S. 112.3143(3)(a))"),
    DisclosureBasis.principal: _l("Gain or loss to a principal by whom the member is retained"),
    DisclosureBasis.relative: _l("Gain or loss to a relative"),
    DisclosureBasis.business_associate: _l("Gain or loss to a business associate"),
    DisclosureBasis.quasi_judicial: _l("Quasi-judicial proceeding (F.S. 286.012)"),
}

ORDER_LABELS = {
    "alphabetical_chair_last": _l("Roll called alphabetically, the chair last."),
    "seat_order": _l("Roll called by seat."),
    "rotating": _l("Roll called alphabetically from a rotating first name, the chair last."),
}

#: Motions that need an amendment target.
AMENDING = (K.amend, K.substitute)
#: Motions that need an earlier, closed motion as target.
TARGETING = (K.reconsider, K.rescind)
#: Procedural motions that take no action on the substance; they may be voted before public comment (R5).
PROCEDURAL = (K.table, K.take_from_table, K.postpone, K.refer)
#: Amendments stack main -> amendment -> amendment of the amendment; no third level (RONR 12:11).
MAX_DEPTH = 2


class NotYours(DomainError):
    """A commissioner acting for another member: the view answers 403."""


class MotionNotOpen(DomainError):
    """A vote recorded on a motion that is not open: the view answers 409."""


def _require_self(actor, member_id: int | None, message: str) -> None:
    """A commissioner acts only for the seat their login is tied to (R1: every vote is the member's own)."""
    if actor is None or actor.member_id is None or actor.member_id != member_id:
        raise NotYours(message)


def kind_label(kind) -> str:
    return str(KIND_LABELS[K(kind)])


def choice_label(choice) -> str:
    return str(CHOICE_LABELS[C(choice)]) if choice else _("Not yet answered")


# --- reading --------------------------------------------------------------------------------------------


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
    seats = motion.seats_at_vote or motion.meeting.body.seat_count
    return outcome(
        motion.threshold_basis,
        motion.threshold_fraction,
        motion.threshold_min_yes,
        seats=seats,
        tally=tally(motion.votes if votes is None else votes),
    )


def threshold_words(motion: Motion) -> str:
    return outcome(
        motion.threshold_basis,
        motion.threshold_fraction,
        motion.threshold_min_yes,
        seats=motion.meeting.body.seat_count,
        tally=Tally(),
    ).rule_words()


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
    """What the agenda shows of the votes: motions by item (two queries) and each item's resolution (loaded with
    the items when the caller asked for ``AgendaItem.resolution``)."""
    return {
        "motions": public_motions(meeting.id),
        "resolutions": {i.id: i.resolution for i in meeting.items if i.resolution is not None},
    }


def minutes_lines(meeting: Meeting) -> dict[int, list[str]]:
    """The draft minutes' account of each item's motions, roll calls and disclosures, in the record's language."""
    lines: dict[int, list[str]] = {}
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
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
                head = kind_label(motion.kind) + (" (consent agenda)" if motion.consent_of_id else "")
                who = f"moved by {motion.mover.full_name}" + (
                    f", seconded by {motion.seconder.full_name}" if motion.seconder else ""
                )
                if motion.is_closed:
                    roll = "; ".join(f"{v.member.full_name} {v.final_choice.value}" for v in motion.votes)
                    ending = f"{outcome_of(motion).sentence()} Roll call: {roll}."
                else:
                    ending = str(STATUS_LABELS[motion.status]) + "."
                lines.setdefault(item_id, []).append(f"{head} “{motion.text}”, {who}. {ending}")
    return lines


def comment_held(item: AgendaItem) -> bool:
    """R5 (F.S. 286.0114): the item's comment period was opened and closed, or the item is exempt."""
    if not item.public_comment_required:
        return True
    period = find_period(item)
    return period.was_held


# --- making motions -------------------------------------------------------------------------------------


def default_threshold(
    meeting: Meeting, item: AgendaItem | None, kind: MotionKind, previous_notice: bool = False
) -> tuple[ThresholdBasis, ThresholdFraction, int]:
    """R8 defaults. Final action on a resolution or ordinance: the body's rule (majority of members present by
    default); an ordinance at an emergency meeting: two-thirds of the full membership (F.S. 166.041(3)(b));
    rescind: two-thirds of votes cast, or a majority with previous notice (RONR 35:2); other motions: a
    majority of votes cast."""
    body: Body = meeting.body
    if kind in (K.main, K.substitute, K.adopt_consent_agenda):
        if item is not None and item.item_type == AgendaItemType.ordinance and meeting.kind == MeetingKind.emergency:
            return B.full_membership, F.two_thirds, 0
        if kind == K.adopt_consent_agenda or (
            item is not None and item.item_type in (AgendaItemType.resolution, AgendaItemType.ordinance)
        ):
            return body.threshold_basis, body.threshold_fraction, body.threshold_min_yes
    if kind == K.rescind and not previous_notice:
        return B.votes_cast, F.two_thirds, 0
    return B.votes_cast, F.majority, 0


def _require_session(meeting: Meeting) -> None:
    """R1: official acts only at a noticed meeting that is in session."""
    if meeting.status != MeetingStatus.in_progress or not meeting.is_noticed:
        raise DomainError(_("Motions and votes are recorded only while the noticed meeting is in session."))
    if meeting.kind == MeetingKind.workshop:
        raise DomainError(_("A workshop takes no official action: no motion or vote is recorded."))


def _present_member(meeting: Meeting, member_id: int | None, field: str, what: str) -> int:
    if not member_id:
        raise DomainError(_("Choose the member who %(what)s.", what=what), field=field)
    seated = {m.member_id for m in attendance.roll(meeting)}
    if member_id not in seated:
        raise DomainError(_("Choose a member of this body."), field=field)
    if not attendance.is_present(meeting, member_id):
        raise DomainError(_("Only a member who is present can do that; record their arrival first."), field=field)
    return member_id


def make_motion(
    meeting: Meeting,
    *,
    kind: MotionKind,
    text: str,
    mover_id: int,
    item: AgendaItem | None = None,
    seconder_id: int | None = None,
    parent: Motion | None = None,
    target: Motion | None = None,
    consent_items=(),
    amended_text: str | None = None,
    postponed_to: date | None = None,
    referred_to: str | None = None,
    previous_notice: bool = False,
    actor,
    for_self_only: bool = False,
) -> Motion:
    """Record a motion as the chair states it (R9).

    ``for_self_only``: the actor is a commissioner making the motion; they are the mover, and the second comes
    from another member afterwards."""
    if for_self_only:
        _require_self(actor, mover_id, _("You can make a motion only as yourself."))
        if seconder_id:
            raise NotYours(_("A motion you make is seconded by another member."))
    _require_session(meeting)
    text = clean_text(text, multiline=True)
    if not text:
        raise DomainError(_("Enter the motion as stated."), field="text")
    if len(text) > 20_000:
        raise DomainError(_("The motion text is too long (at most 20,000 characters)."), field="text")
    mover_id = _present_member(meeting, mover_id, "mover_id", _("moves"))
    if seconder_id:
        _present_member(meeting, seconder_id, "seconder_id", _("seconds"))
        if seconder_id == mover_id:
            raise DomainError(_("The mover cannot second their own motion."), field="seconder_id")
    if item is not None and item.meeting_id != meeting.id:
        raise DomainError(_("That item is on another meeting's agenda."))
    if item is not None and item.is_withdrawn:
        raise DomainError(_("That item was withdrawn from the agenda."))
    if kind == K.adopt_consent_agenda:
        items = [i for i in consent_items if i.meeting_id == meeting.id and not i.is_withdrawn]
        if not items:
            raise DomainError(_("Choose the items on the consent agenda."), field="consent_item_ids")
        item = None
    elif item is None:
        raise DomainError(_("A motion is made on an agenda item."))
    if kind in AMENDING:
        if parent is None:
            raise DomainError(_("Choose the motion this amends."), field="parent_id")
        if parent.status != S.pending or parent.agenda_item_id != (item.id if item else None):
            raise DomainError(_("Only a pending motion on this item can be amended."), field="parent_id")
        if parent.depth + 1 > MAX_DEPTH:
            raise DomainError(
                _("Amendments go two levels deep at most: an amendment of an amendment cannot be amended."),
                field="parent_id",
            )
    elif parent is not None:
        raise DomainError(_("Only an amendment or a substitute applies to another motion."), field="parent_id")
    if kind in TARGETING:
        _check_target(meeting, kind, target, mover_id)
    elif target is not None:
        raise DomainError(_("Only a reconsideration or a rescission refers to an earlier vote."), field="target_id")
    if kind == K.postpone and postponed_to is None:
        raise DomainError(_("Give the date the item is postponed to."), field="postponed_to")
    if kind == K.refer and not clean_text(referred_to or ""):
        raise DomainError(_("Say to whom the item is referred."), field="referred_to")
    basis, fraction, min_yes = default_threshold(meeting, item, kind, previous_notice)
    motion = Motion(
        meeting_id=meeting.id,
        meeting=meeting,
        agenda_item_id=item.id if item else None,
        item=item,
        kind=kind,
        text=text,
        amended_text=clean_text(amended_text, multiline=True) or None if amended_text else None,
        parent=parent,
        target=target,
        mover_id=mover_id,
        seconder_id=seconder_id or None,
        postponed_to=postponed_to if kind == K.postpone else None,
        referred_to=clean_text(referred_to or "")[:200] or None if kind == K.refer else None,
        previous_notice=bool(previous_notice) if kind == K.rescind else False,
        threshold_basis=basis,
        threshold_fraction=fraction,
        threshold_min_yes=min_yes,
        status=S.pending,
        made_at=utcnow(),
        recorded_by_id=actor.id if actor else None,
    )
    if kind == K.adopt_consent_agenda:
        motion.consent_items = items
    db.session.add(motion)
    db.session.flush()
    audit.record(
        "motion.made",
        motion,
        f"Motion ({kind.value}) on {_where(motion)}: {text[:200]}",
        actor=actor,
        data={"mover_id": mover_id, "seconder_id": seconder_id, "parent_id": parent.id if parent else None},
    )
    return motion


def _check_target(meeting: Meeting, kind: MotionKind, target: Motion | None, mover_id: int) -> None:
    if target is None or not target.is_closed:
        raise DomainError(_("Choose the vote this motion is about."), field="target_id")
    if kind == K.reconsider:
        # RONR 37: made at the same meeting by a member who voted on the prevailing side.
        if target.meeting_id != meeting.id:
            raise DomainError(
                _("A reconsideration is moved at the meeting where the vote was taken."), field="target_id"
            )
        if target.reconsidered_at is not None:
            raise DomainError(_("That vote was already reconsidered."), field="target_id")
        prevailing = C.yes if target.passed else C.no
        vote = next((v for v in target.votes if v.member_id == mover_id), None)
        if vote is None or vote.final_choice != prevailing:
            raise DomainError(
                _(
                    "Only a member who voted on the prevailing side (%(side)s) may move to reconsider.",
                    side=choice_label(prevailing),
                ),
                field="mover_id",
            )
    if kind == K.rescind and not target.passed:
        raise DomainError(_("Only something adopted can be rescinded."), field="target_id")


def _where(motion: Motion) -> str:
    return f"item {motion.item.label}" if motion.item else "the consent agenda"


def _pending(motion: Motion) -> None:
    if motion.status != S.pending:
        raise DomainError(_("This motion is no longer pending (%(status)s).", status=STATUS_LABELS[motion.status]))


def second(motion: Motion, member_id: int, *, actor, for_self_only: bool = False) -> Motion:
    if for_self_only:
        _require_self(actor, member_id, _("You can second only as yourself."))
    _require_session(motion.meeting)
    _pending(motion)
    if motion.seconder_id:
        raise DomainError(_("This motion already has a second."))
    _present_member(motion.meeting, member_id, "seconder_id", _("seconds"))
    if member_id == motion.mover_id:
        raise DomainError(_("The mover cannot second their own motion."), field="seconder_id")
    motion.seconder_id = member_id
    db.session.flush()
    db.session.refresh(motion, ["seconder"])
    audit.record(
        "motion.seconded",
        motion,
        f"Motion {motion.id} seconded by {motion.seconder.full_name}",
        actor=actor,
        data={"seconder_id": member_id},
    )
    return motion


def declare_died(motion: Motion, *, actor) -> Motion:
    """R9: a motion that needs a second and got none dies; the record says so."""
    _require_session(motion.meeting)
    _pending(motion)
    if motion.seconder_id:
        raise DomainError(_("This motion was seconded; it goes to a vote or is withdrawn."))
    motion.status = S.died
    motion.died_reason = "No second"
    db.session.flush()
    audit.record("motion.died", motion, f"Motion {motion.id} died for lack of a second", actor=actor)
    return motion


def withdraw(motion: Motion, *, actor) -> Motion:
    _require_session(motion.meeting)
    _pending(motion)
    motion.status = S.withdrawn
    db.session.flush()
    audit.record("motion.withdrawn", motion, f"Motion {motion.id} withdrawn by its mover", actor=actor)
    return motion


def set_threshold(motion: Motion, *, basis: ThresholdBasis, fraction: ThresholdFraction, min_yes: int, actor):
    """R8: the rule may be changed per motion until its vote opens."""
    _pending(motion)
    if not 0 <= min_yes <= motion.meeting.body.seat_count:
        raise DomainError(
            _(
                "The minimum number of yes votes must be between 0 and the number of seats (%(n)d).",
                n=motion.meeting.body.seat_count,
            ),
            field="min_yes",
        )
    before = (motion.threshold_basis.value, motion.threshold_fraction.value, motion.threshold_min_yes)
    motion.threshold_basis, motion.threshold_fraction, motion.threshold_min_yes = basis, fraction, min_yes
    db.session.flush()
    audit.record(
        "motion.threshold",
        motion,
        f"Threshold of motion {motion.id} set to {threshold_words(motion)}",
        actor=actor,
        data={"before": before, "after": (basis.value, fraction.value, min_yes)},
    )
    return motion


# --- the roll call --------------------------------------------------------------------------------------


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


def open_vote(motion: Motion, *, actor) -> Motion:
    """Open the roll call. Refused without a required second, while amendments on it are pending, without a
    quorum present in person (R4), or before the item's public comment was held (R5)."""
    meeting = motion.meeting
    _require_session(meeting)
    _pending(motion)
    if meeting.body.seconds_required and not motion.seconder_id:
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
    members = attendance.roll(meeting, rotation=_rotation(meeting))
    now = utcnow()
    motion.roll_call_method = meeting.body.roll_call_order.value
    motion.roll_call_order = [m.member_id for m in members]
    motion.seats_at_vote = meeting.body.seat_count
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
    audit.record(
        "motion.vote_opened",
        motion,
        f"Roll call opened on motion {motion.id}",
        actor=actor,
        data={"order": motion.roll_call_order, "method": motion.roll_call_method},
    )
    return motion


def _disclosure(item: AgendaItem, member_id: int) -> ConflictDisclosure | None:
    return db.session.scalar(
        select(ConflictDisclosure).where(
            ConflictDisclosure.agenda_item_id == item.id, ConflictDisclosure.member_id == member_id
        )
    )


def record_vote(motion: Motion, member_id: int, choice: VoteChoice, *, actor, for_self_only: bool = False) -> Vote:
    """Record one member's answer while the roll call is open.

    ``for_self_only``: the actor is a commissioner; they may answer only for their own seat (R1, 286.012)."""
    if for_self_only:
        _require_self(actor, member_id, _("You can record only your own vote."))
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
        disclosure = _disclosure(motion.item, member_id)
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
    audit.record(
        "vote.recorded",
        vote,
        f"{name}: {choice.value} on motion {motion.id}",
        actor=actor,
        data={"motion_id": motion.id, "member_id": member_id, "before": before, "choice": choice.value},
    )
    return vote


def close_vote(motion: Motion, *, actor) -> Outcome:
    """Close the roll call: every present member must have answered (R7). Members who left meanwhile are
    recorded absent. The result is computed from the threshold (R8) and never typed."""
    if not motion.is_open:
        raise MotionNotOpen(_("This vote is not open."))
    meeting = motion.meeting
    now = utcnow()
    missing = []
    for vote in motion.votes:
        if vote.choice is None:
            if attendance.is_present(meeting, vote.member_id):
                missing.append(vote.member.full_name)
            else:
                vote.choice, vote.recorded_at = C.absent, now
    if missing:
        raise DomainError(
            _(
                "No vote recorded for: %(names)s. A present member must vote yes or no, or abstain for "
                "a disclosed conflict.",
                names=", ".join(missing),
            )
        )
    db.session.flush()  # the last answers are written before the roll is closed, after which votes are frozen
    result = outcome_of(motion)
    motion.status, motion.closed_at = S.closed, now
    motion.result = MotionResult.passed if result.passed else MotionResult.failed
    db.session.flush()
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
    elif motion.kind == K.adopt_consent_agenda:
        for item in motion.consent_items:
            record = _fan_out(motion, item)
            item_decided.send(item, record=record, actor=actor)
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


# --- after the vote -------------------------------------------------------------------------------------


def correct_vote(vote: Vote, new_choice: VoteChoice, reason: str, *, actor) -> VoteCorrection:
    """A closed vote is never edited: a correction is its own record, shown publicly next to the vote. A
    correction cannot change the announced result: that takes a reconsideration."""
    motion = vote.motion
    if not motion.is_closed:
        raise DomainError(_("While the vote is open, record the member's vote again instead."))
    if motion.consent_of_id:
        raise DomainError(_("Correct the consent-agenda roll call itself; its items follow."))
    reason = clean_text(reason or "", multiline=True)
    if not reason:
        raise DomainError(_("Say why the record is corrected."), field="reason")
    if len(reason) > 2000:
        raise DomainError(_("The reason is too long (at most 2,000 characters)."), field="reason")
    old = vote.final_choice
    if new_choice == old:
        raise DomainError(_("That is already the recorded vote."), field="choice")
    if new_choice == C.abstain:
        disclosure = _disclosure(motion.item, vote.member_id) if motion.item else None
        if disclosure is None or disclosure.stated_at > motion.opened_at:
            raise DomainError(_("An abstention needs a conflict disclosed before the vote opened."), field="choice")
    as_corrected = [
        SimpleNamespace(final_choice=new_choice if v.id == vote.id else v.final_choice) for v in motion.votes
    ]
    if outcome_of(motion, as_corrected).passed != motion.passed:
        raise DomainError(
            _(
                "This correction would change the result announced at the meeting. That takes a motion "
                "to reconsider, not a correction of the record."
            ),
            field="choice",
        )
    now = utcnow()
    targets = [vote] + [v for m in _fanned(motion) for v in m.votes if v.member_id == vote.member_id]
    first = None
    for target in targets:
        correction = VoteCorrection(
            vote=target,
            old_choice=target.final_choice,
            new_choice=new_choice,
            reason=reason,
            corrected_at=now,
            corrected_by_id=actor.id if actor else None,
        )
        db.session.add(correction)
        first = first or correction
    db.session.flush()
    audit.record(
        "vote.corrected",
        vote,
        f"Vote of {vote.member.full_name} on motion {motion.id} corrected from {old.value} to {new_choice.value}",
        actor=actor,
        data={"reason": reason},
    )
    return first


def _fanned(motion: Motion) -> list[Motion]:
    if motion.kind != K.adopt_consent_agenda:
        return []
    return list(db.session.scalars(select(Motion).where(Motion.consent_of_id == motion.id)))


# --- conflicts (R7) -------------------------------------------------------------------------------------


def disclose_conflict(
    item: AgendaItem, member_id: int, *, nature: str, basis: DisclosureBasis, actor, for_self_only: bool = False
) -> ConflictDisclosure:
    """F.S. 112.3143(3)(a): the member states the nature of the interest on the record before the vote; the
    Form 8B memorandum is due 15 days later (``FORM_8B_DAYS``)."""
    if for_self_only:
        _require_self(actor, member_id, _("You can disclose only your own conflicts."))
    meeting = item.meeting
    _require_session(meeting)
    if member_id not in {m.member_id for m in attendance.roll(meeting)}:
        raise DomainError(_("Choose a member of this body."), field="member_id")
    nature = clean_text(nature or "", multiline=True)
    if not nature:
        raise DomainError(_("State the nature of the interest."), field="nature")
    if len(nature) > 5000:
        raise DomainError(_("Keep the statement under 5,000 characters."), field="nature")
    if basis == DisclosureBasis.quasi_judicial and item.comment_exemption != CommentExemption.quasi_judicial:
        raise DomainError(_("The quasi-judicial ground applies only to a quasi-judicial item."), field="basis")
    if _disclosure(item, member_id) is not None:
        raise DomainError(_("This member has already disclosed a conflict on this item."), field="member_id")
    days = current_app.config["FORM_8B_DAYS"]
    disclosure = ConflictDisclosure(
        meeting_id=meeting.id,
        agenda_item_id=item.id,
        member_id=member_id,
        nature_of_interest=nature,
        basis=basis,
        stated_at=utcnow(),
        form_8b_due_on=to_local(meeting.start_at).date() + timedelta(days=days),
        recorded_by_id=actor.id if actor else None,
    )
    db.session.add(disclosure)
    db.session.flush()
    audit.record(
        "conflict.disclosed",
        disclosure,
        f"Conflict disclosed on item {item.label} (member {member_id})",
        actor=actor,
        data={"basis": basis.value},
    )
    return disclosure


def file_form_8b(disclosure: ConflictDisclosure, *, filed_on: date, filename: str, stream, actor):
    from app.core.uploads import validate_and_store

    if disclosure.form_8b_filed_on is not None:
        raise DomainError(_("The memorandum was already filed."))
    today = to_local(utcnow()).date()
    if filed_on is None or filed_on > today or filed_on < to_local(disclosure.stated_at).date():
        raise DomainError(
            _("Give the date it was filed: not before the meeting and not in the future."), field="filed_on"
        )
    stored = validate_and_store(filename, stream)
    disclosure.form_8b_filed_on = filed_on
    disclosure.form_8b_filename, disclosure.form_8b_stored_name = stored.original_filename, stored.stored_name
    disclosure.form_8b_size = stored.size
    db.session.flush()
    audit.record("conflict.form_8b_filed", disclosure, f"Form 8B filed on {filed_on.isoformat()}", actor=actor)
    return disclosure


def open_disclosures() -> list[ConflictDisclosure]:
    """Disclosures whose Form 8B is not filed yet, the soonest due first (the clerk's dashboard)."""
    return list(
        db.session.scalars(
            select(ConflictDisclosure)
            .where(ConflictDisclosure.form_8b_filed_on.is_(None))
            .order_by(ConflictDisclosure.form_8b_due_on, ConflictDisclosure.id)
        )
    )
