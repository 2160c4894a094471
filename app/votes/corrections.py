"""After the vote: a closed vote never changes; a correction is its own record and cannot flip the result."""

from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import select

from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import utcnow
from app.extensions import db
from app.votes.events import vote_corrected
from app.votes.models import Motion, MotionKind, MotionStatus, Vote, VoteChoice, VoteCorrection
from app.votes.reading import disclosure_for, outcome_of

K, S, C = MotionKind, MotionStatus, VoteChoice


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
        disclosure = disclosure_for(motion.item, vote.member_id) if motion.item else None
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
    vote_corrected.send(motion.meeting, actor=actor)
    return first


def _fanned(motion: Motion) -> list[Motion]:
    if motion.kind != K.adopt_consent_agenda:
        return []
    return list(db.session.scalars(select(Motion).where(Motion.consent_of_id == motion.id)))
