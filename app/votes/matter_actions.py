"""What a closed vote does to the item's matter (issue 20): the step goes on the matter's history, a deferral
puts the matter on the next agenda by itself (app.meetings.carry_forward), and an amendment that passes with the
matter's text as amended makes the matter's next version. Called from roll_call._consequences, in the same
transaction as the vote."""

from app.core import audit
from app.matters.models import MatterAction, MatterActionKind, MatterStatus, MatterType, VersionSource
from app.matters.services import record_action
from app.matters.versions import add_version, latest_text, same_text
from app.meetings.carry_forward import carry_forward
from app.meetings.models import AgendaItem
from app.votes.models import Motion, MotionKind
from app.votes.rules import AMENDING

A = MatterActionKind
K = MotionKind


def _decided(item: AgendaItem, record: Motion) -> MatterActionKind:
    if not record.passed:
        return A.failed
    if item.matter.matter_type == MatterType.ordinance:
        if item.reading == "first":
            return A.first_reading_passed
        if item.reading == "second":
            return A.second_reading_adopted
        return A.adopted
    if item.matter.matter_type == MatterType.resolution:
        return A.adopted
    return A.approved


def follow_vote(motion: Motion, actor, records: list[tuple[AgendaItem, Motion]]) -> None:
    """``records``: the (item, vote record) pairs the vote decided (one for a main motion, one per consent item)."""
    for item, record in records:
        _step(item, _decided(item, record), record, actor)
    item = motion.item
    if item is None or not motion.passed:
        return
    if motion.kind in AMENDING:
        amend_matter_text(item, motion, actor)
        return
    if motion.kind == K.table:
        _step(item, A.tabled, motion, actor)
    elif motion.kind == K.refer:
        _step(item, A.referred, motion, actor, referred_to=motion.referred_to)
    elif motion.kind == K.reconsider and motion.target is not None and motion.target.kind == K.main:
        _step(item, A.reopened, motion, actor)
    elif motion.kind == K.postpone:
        if motion.postponed_to is None:
            _step(item, A.deferred, motion, actor, note="Postponed, no date named")
            return
        # The deferral goes on the record first, then its placement on the target agenda; the matter stays
        # "deferred" (to that meeting) until it is taken up there.
        step = _step(item, A.deferred, motion, actor, target_date=motion.postponed_to)
        target, _new, note = carry_forward(item, motion.postponed_to, why="Deferred", actor=actor)
        step.target_meeting_id = target.id if target is not None else None
        step.note = note
        item.matter.status = MatterStatus.deferred


def _step(item: AgendaItem, action: MatterActionKind, motion: Motion, actor, **extra) -> MatterAction:
    return record_action(
        item.matter,
        action,
        actor=actor,
        at=motion.closed_at if getattr(motion, "closed_at", None) else None,
        meeting_id=item.meeting_id,
        agenda_item_id=item.id,
        motion_id=motion.id,
        **extra,
    )


def amend_matter_text(item: AgendaItem, motion: Motion, actor) -> None:
    """A passed amendment (or substitute) carrying the matter's text as amended (``Motion.matter_text``).

    The rule: only what passes into the main motion changes the matter. An amendment whose parent is the item's
    main motion makes the matter's next version ("amended" or "substituted" at this meeting, tied to the motion),
    at the moment the vote closed. An amendment of an amendment that passes changes the amendment it applies to:
    its text of the matter becomes that amendment's, and the matter changes only if that amendment passes in turn.
    An amendment that fails, or one without a text of the matter, or whose text is the latest version's (a
    reconsidered amendment passing again), makes no version. The version stays whatever the main motion's fate:
    it records the text as amended at the meeting."""
    text = motion.matter_text
    parent = motion.parent
    if not text or parent is None:
        return
    if parent.kind in AMENDING:
        audit.record(
            "motion.matter_text",
            parent,
            f"Motion {parent.id}: its text of the matter amended by motion {motion.id}",
            actor=actor,
            data={"by_motion_id": motion.id},
        )
        parent.matter_text = text
        return
    if parent.kind != K.main or same_text(latest_text(item.matter_id), text):
        return
    source = VersionSource.substituted if motion.kind == K.substitute else VersionSource.amended
    add_version(item.matter, text, actor=actor, source=source, motion=motion, at=motion.closed_at)
