"""Making motions (R1, R5, R8): moved and seconded by members present, amendments two deep, reconsideration
by the prevailing side, thresholds set until the vote opens."""

from datetime import date

from flask_babel import gettext as _

from app.bodies.models import ThresholdBasis, ThresholdFraction
from app.core import audit, live
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters.versions import MAX_TEXT, latest_text, same_text
from app.meetings import attendance, floor
from app.meetings.models import AgendaItem, AgendaItemType, LogKind, Meeting, MeetingKind, MeetingStatus
from app.votes.models import Motion, MotionKind, MotionStatus, VoteChoice
from app.votes.reading import threshold_words
from app.votes.rules import AMENDING, MAX_DEPTH, TARGETING, NotYours, require_self

K, S, C = MotionKind, MotionStatus, VoteChoice
B, F = ThresholdBasis, ThresholdFraction


def default_threshold(
    meeting: Meeting, item: AgendaItem | None, kind: MotionKind, previous_notice: bool = False
) -> tuple[ThresholdBasis, ThresholdFraction, int]:
    """R8 defaults. Final action on a resolution or ordinance: the body's rule (majority of members present by
    default); an ordinance at an emergency meeting: two-thirds of the full membership (F.S. 166.041(3)(b));
    rescind: two-thirds of votes cast, or a majority with previous notice (RONR 35:2); other motions: a
    majority of votes cast."""
    rules = meeting.rules
    if kind in (K.main, K.substitute, K.adopt_consent_agenda):
        if item is not None and item.item_type == AgendaItemType.ordinance and meeting.kind == MeetingKind.emergency:
            return B.full_membership, F.two_thirds, 0
        if kind == K.adopt_consent_agenda or (
            item is not None and item.item_type in (AgendaItemType.resolution, AgendaItemType.ordinance)
        ):
            return rules.threshold_basis, rules.threshold_fraction, rules.threshold_min_yes
    if kind == K.rescind and not previous_notice:
        return B.votes_cast, F.two_thirds, 0
    return B.votes_cast, F.majority, 0


def require_session(meeting: Meeting) -> None:
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
    matter_text: str | None = None,
    postponed_to: date | None = None,
    referred_to: str | None = None,
    previous_notice: bool = False,
    actor,
    for_self_only: bool = False,
) -> Motion:
    """Record a motion as the chair states it (R9).

    ``for_self_only``: the actor is a commissioner making the motion; they are the mover, and the second comes
    from another member afterwards. ``matter_text`` (an amendment or substitute only): the item's matter's full
    text as amended, the matter's next version if it passes; kept only when it differs from the text it changes."""
    if for_self_only:
        require_self(actor, mover_id, _("You can make a motion only as yourself."))
        if seconder_id:
            raise NotYours(_("A motion you make is seconded by another member."))
    require_session(meeting)
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
    matter_text = _matter_text(kind, item, parent, matter_text)
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
        matter_text=matter_text,
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
    if item is not None:
        floor.follow(item, actor=actor)
    floor.stamp(meeting, LogKind.motion_made, f"Motion made: {text[:200]}", actor=actor, item=item, motion_id=motion.id)
    audit.record(
        "motion.made",
        motion,
        f"Motion ({kind.value}) on {_where(motion)}: {text[:200]}",
        actor=actor,
        data={"mover_id": mover_id, "seconder_id": seconder_id, "parent_id": parent.id if parent else None},
    )
    return motion


def _matter_text(kind: MotionKind, item: AgendaItem | None, parent: Motion | None, text: str | None) -> str | None:
    """An amendment's text of the matter, or None when it has none or leaves the text as it is (the form offers
    the latest version's text; for an amendment of an amendment, the text that amendment proposes)."""
    text = clean_text(text, multiline=True) if text else ""
    if kind not in AMENDING or item is None or not text:
        return None
    if len(text) > MAX_TEXT:
        raise DomainError(
            _("The text of the matter is too long (at most %(num)s characters).", num=f"{MAX_TEXT:,}"),
            field="matter_text",
        )
    base = parent.matter_text if parent is not None and parent.kind in AMENDING and parent.matter_text else None
    if same_text(base if base is not None else latest_text(item.matter_id), text):
        return None
    return text


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
                    side=prevailing.label,
                ),
                field="mover_id",
            )
    if kind == K.rescind and not target.passed:
        raise DomainError(_("Only something adopted can be rescinded."), field="target_id")


def _where(motion: Motion) -> str:
    return f"item {motion.item.label}" if motion.item else "the consent agenda"


def require_pending(motion: Motion) -> None:
    if motion.status != S.pending:
        raise DomainError(_("This motion is no longer pending (%(status)s).", status=motion.status.label))


def second(motion: Motion, member_id: int, *, actor, for_self_only: bool = False) -> Motion:
    if for_self_only:
        require_self(actor, member_id, _("You can second only as yourself."))
    require_session(motion.meeting)
    require_pending(motion)
    if motion.seconder_id:
        raise DomainError(_("This motion already has a second."))
    _present_member(motion.meeting, member_id, "seconder_id", _("seconds"))
    if member_id == motion.mover_id:
        raise DomainError(_("The mover cannot second their own motion."), field="seconder_id")
    motion.seconder_id = member_id
    db.session.flush()
    db.session.refresh(motion, ["seconder"])
    floor.stamp(
        motion.meeting,
        LogKind.motion_seconded,
        f"Seconded by {motion.seconder.full_name}",
        actor=actor,
        item_id=motion.agenda_item_id,
        motion_id=motion.id,
        member_id=member_id,
    )
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
    require_session(motion.meeting)
    require_pending(motion)
    if motion.seconder_id:
        raise DomainError(_("This motion was seconded; it goes to a vote or is withdrawn."))
    motion.status = S.died
    motion.died_reason = "No second"
    db.session.flush()
    live.touch(motion.meeting_id)
    audit.record("motion.died", motion, f"Motion {motion.id} died for lack of a second", actor=actor)
    return motion


def withdraw(motion: Motion, *, actor) -> Motion:
    require_session(motion.meeting)
    require_pending(motion)
    motion.status = S.withdrawn
    db.session.flush()
    live.touch(motion.meeting_id)
    audit.record("motion.withdrawn", motion, f"Motion {motion.id} withdrawn by its mover", actor=actor)
    return motion


def set_threshold(motion: Motion, *, basis: ThresholdBasis, fraction: ThresholdFraction, min_yes: int, actor):
    """R8: the rule may be changed per motion until its vote opens."""
    require_pending(motion)
    if not 0 <= min_yes <= motion.meeting.seat_count:
        raise DomainError(
            _(
                "The minimum number of yes votes must be between 0 and the number of seats (%(n)d).",
                n=motion.meeting.seat_count,
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
