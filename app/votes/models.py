"""Motions, roll-call votes, corrections and conflict disclosures (R1, R7 to R10)."""

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from app.bodies.models import ThresholdBasis, ThresholdFraction
from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.extensions import db

if TYPE_CHECKING:  # names for the relationship annotations only; nothing is imported at run time
    from app.auth.models import User
    from app.bodies.models import Member
    from app.meetings.models import AgendaItem, Meeting


class MotionKind(LabeledEnum):
    main = "main", _l("Main motion")
    amend = "amend", _l("Amendment")
    substitute = "substitute", _l("Substitute motion")
    adopt_consent_agenda = "adopt_consent_agenda", _l("Adopt the consent agenda")
    table = "table", _l("Lay on the table")
    take_from_table = "take_from_table", _l("Take from the table")
    postpone = "postpone", _l("Postpone")
    refer = "refer", _l("Refer")
    reconsider = "reconsider", _l("Reconsider")
    rescind = "rescind", _l("Rescind")


class MotionStatus(LabeledEnum):
    #: Moved, waiting for a second, debate, or the amendments on it.
    pending = "pending", _l("Pending")
    #: No second where one is required: the motion died and the record says so.
    died = "died", _l("Died for lack of a second")
    withdrawn = "withdrawn", _l("Withdrawn")
    #: The roll call is being taken.
    voting = "voting", _l("Vote open")
    #: The vote is closed and its result fixed; never changed (a correction is a separate record).
    closed = "closed", _l("Vote closed")


class MotionResult(enum.StrEnum):
    passed = "passed"
    failed = "failed"


class VoteChoice(LabeledEnum):
    """Open Civic Data / Popolo words. ``absent`` and ``excused`` only for members not present (R7)."""

    yes = "yes", _l("Yes")
    no = "no", _l("No")
    abstain = "abstain", _l("Abstain (conflict disclosed)")
    absent = "absent", _l("Absent")
    excused = "excused", _l("Excused")


consent_motion_items = Table(
    "consent_motion_items",
    db.Model.metadata,
    Column("motion_id", ForeignKey("motions.id", ondelete="RESTRICT"), primary_key=True),
    Column("agenda_item_id", ForeignKey("agenda_items.id", ondelete="RESTRICT"), primary_key=True),
)


class Motion(db.Model):
    """A motion on an agenda item. Its links to other motions use NO ACTION rather than RESTRICT: SQLite checks
    RESTRICT row by row, which would refuse even deleting a whole test database's motions at once."""

    __tablename__ = "motions"
    __table_args__ = (
        CheckConstraint("threshold_min_yes >= 0", name="min_yes_not_negative"),
        CheckConstraint("seconder_id IS NULL OR seconder_id <> mover_id", name="seconder_not_mover"),
        CheckConstraint("(status = 'closed') = (result IS NOT NULL)", name="result_iff_closed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    #: The item the motion is on; null only for a motion to adopt the consent agenda (see ``consent_items``).
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[MotionKind] = mapped_column(str_enum(MotionKind, "motion_kind"))
    text: Mapped[str] = mapped_column(Text)
    #: For an amendment: the text of what it amends, as amended; replaces the parent's text if it passes.
    amended_text: Mapped[str | None] = mapped_column(Text)
    #: For an amendment on an item with a matter: the matter's full text as amended; becomes the matter's next
    #: version if the amendment passes (app.votes.matter_actions). Deferred: only that step and the forms read it.
    matter_text: Mapped[str | None] = mapped_column(Text, deferred=True)
    #: The motion an amendment or substitute applies to (at most two levels: main, amendment, amendment of it).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id"), index=True)
    #: The closed motion a reconsideration or rescission is about.
    target_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id"), index=True)
    #: A vote record made for one consent item from the consent-agenda roll call.
    consent_of_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id"), index=True)
    mover_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    seconder_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    #: Postpone: to which date; refer: to whom.
    postponed_to: Mapped[date | None] = mapped_column(Date)
    referred_to: Mapped[str | None] = mapped_column(String(200))
    #: Rescind: previous notice lowers the threshold to a majority (RONR 35:2).
    previous_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    threshold_basis: Mapped[ThresholdBasis] = mapped_column(str_enum(ThresholdBasis, "threshold_basis"))
    threshold_fraction: Mapped[ThresholdFraction] = mapped_column(str_enum(ThresholdFraction, "threshold_fraction"))
    threshold_min_yes: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[MotionStatus] = mapped_column(str_enum(MotionStatus, "motion_status"), default=MotionStatus.pending)
    result: Mapped[MotionResult | None] = mapped_column(str_enum(MotionResult, "motion_result"))
    #: R10: how the roll was called ("alphabetical_chair_last", ...) and the member ids in the order called.
    roll_call_method: Mapped[str | None] = mapped_column(String(40))
    roll_call_order: Mapped[list[int] | None] = mapped_column(JSON)
    #: Seats on the body when the vote opened (the "full membership" basis).
    seats_at_vote: Mapped[int | None] = mapped_column(Integer)
    died_reason: Mapped[str | None] = mapped_column(Text)
    #: Set when a reconsideration of this motion passed; the question was put again as a new motion.
    reconsidered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    meeting: Mapped["Meeting"] = relationship("Meeting")
    item: Mapped["AgendaItem | None"] = relationship("AgendaItem")
    mover: Mapped["Member"] = relationship("Member", foreign_keys=[mover_id], lazy="joined")
    seconder: Mapped["Member | None"] = relationship("Member", foreign_keys=[seconder_id], lazy="joined")
    parent: Mapped["Motion | None"] = relationship(
        "Motion", remote_side=[id], foreign_keys=[parent_id], back_populates="amendments"
    )
    amendments: Mapped[list["Motion"]] = relationship(
        "Motion", foreign_keys=[parent_id], back_populates="parent", order_by="Motion.id"
    )
    target: Mapped["Motion | None"] = relationship("Motion", remote_side=[id], foreign_keys=[target_id])
    consent_of: Mapped["Motion | None"] = relationship("Motion", remote_side=[id], foreign_keys=[consent_of_id])
    consent_items: Mapped[list["AgendaItem"]] = relationship(
        "AgendaItem", secondary=consent_motion_items, order_by="AgendaItem.position"
    )
    votes: Mapped[list["Vote"]] = relationship("Vote", back_populates="motion", order_by="Vote.position")

    @property
    def is_open(self) -> bool:
        return self.status == MotionStatus.voting

    @property
    def is_closed(self) -> bool:
        return self.status == MotionStatus.closed

    @property
    def depth(self) -> int:
        """0 for a main motion, 1 for an amendment, 2 for an amendment of an amendment."""
        level, node = 0, self
        while node.parent is not None:
            level, node = level + 1, node.parent
        return level

    @property
    def passed(self) -> bool:
        return self.result == MotionResult.passed


class Vote(db.Model):
    """One member's choice on one roll call. Immutable once the motion closes (see VoteCorrection)."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("motion_id", "member_id", name="motion_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    motion_id: Mapped[int] = mapped_column(ForeignKey("motions.id", ondelete="RESTRICT"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), index=True)
    #: Place in the roll call, from 1.
    position: Mapped[int] = mapped_column(Integer)
    #: Null while the member has not answered yet.
    choice: Mapped[VoteChoice | None] = mapped_column(str_enum(VoteChoice, "vote_choice"))
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The conflict disclosure an abstention rests on (R7).
    disclosure_id: Mapped[int | None] = mapped_column(ForeignKey("conflict_disclosures.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: The latest correction's choice, null while uncorrected: kept by ``_keep_corrected_choice`` below whenever a
    #: correction is written, so a page filters and counts final choices from this table alone (issue 18). The
    #: corrections themselves stay the record; this is a copy of the newest one.
    corrected_choice: Mapped[VoteChoice | None] = mapped_column(str_enum(VoteChoice, "corrected_vote_choice"))

    motion: Mapped["Motion"] = relationship("Motion", back_populates="votes")
    member: Mapped["Member"] = relationship("Member", lazy="joined")
    disclosure: Mapped["ConflictDisclosure | None"] = relationship("ConflictDisclosure")
    corrections: Mapped[list["VoteCorrection"]] = relationship(
        "VoteCorrection", back_populates="vote", order_by="VoteCorrection.id"
    )

    @property
    def final_choice(self) -> VoteChoice | None:
        """The choice as corrected; the original stays in ``choice``."""
        return self.corrected_choice if self.corrected_choice is not None else self.choice

    @property
    def is_corrected(self) -> bool:
        return self.corrected_choice is not None


class VoteCorrection(db.Model):
    """A correction of a closed roll call: who, when, why, the old and the new value. Shown publicly."""

    __tablename__ = "vote_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="RESTRICT"), index=True)
    old_choice: Mapped[VoteChoice] = mapped_column(str_enum(VoteChoice, "old_vote_choice"))
    new_choice: Mapped[VoteChoice] = mapped_column(str_enum(VoteChoice, "new_vote_choice"))
    reason: Mapped[str] = mapped_column(Text)
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    vote: Mapped["Vote"] = relationship("Vote", back_populates="corrections")
    corrected_by: Mapped["User | None"] = relationship("User")


class DisclosureBasis(LabeledEnum):
    """F.S. 112.3143(3)(a): whose special private gain or loss; and 286.012 for quasi-judicial items."""

    own = "own", _l("Special private gain or loss to the member (F.S. 112.3143(3)(a))")
    principal = "principal", _l("Gain or loss to a principal by whom the member is retained")
    relative = "relative", _l("Gain or loss to a relative")
    business_associate = "business_associate", _l("Gain or loss to a business associate")
    quasi_judicial = "quasi_judicial", _l("Quasi-judicial proceeding (F.S. 286.012)")


class ConflictDisclosure(db.Model):
    """A member's conflict, stated on the record before the vote (R7). Form 8B is due 15 days later."""

    __tablename__ = "conflict_disclosures"
    __table_args__ = (UniqueConstraint("agenda_item_id", "member_id", name="item_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), index=True)
    nature_of_interest: Mapped[str] = mapped_column(Text)
    basis: Mapped[DisclosureBasis] = mapped_column(str_enum(DisclosureBasis, "disclosure_basis"))
    stated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    form_8b_due_on: Mapped[date] = mapped_column(Date)
    form_8b_filed_on: Mapped[date | None] = mapped_column(Date)
    #: The filed memorandum (stored like an agenda attachment), incorporated in the minutes.
    form_8b_filename: Mapped[str | None] = mapped_column(String(255))
    form_8b_stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    form_8b_size: Mapped[int | None] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    meeting: Mapped["Meeting"] = relationship("Meeting")
    item: Mapped["AgendaItem"] = relationship("AgendaItem")
    member: Mapped["Member"] = relationship("Member", lazy="joined")

    def is_overdue(self, today: date) -> bool:
        return self.form_8b_filed_on is None and today > self.form_8b_due_on


@event.listens_for(VoteCorrection, "after_insert")
def _keep_corrected_choice(mapper, connection, correction):
    """Every correction written through the ORM, by whatever code, becomes its vote's ``corrected_choice`` in the
    same flush (a bulk Core INSERT into vote_corrections bypasses this and must set it itself).

    Corrections are only ever added (never changed or deleted, see below), so the newest row is the one just
    inserted. The UPDATE goes straight to the table, which the closed-vote guard does not watch (it guards the
    ``choice`` the member gave); a vote already loaded in the session is told its new value.
    """
    votes, choice = Vote.__table__, VoteChoice(correction.new_choice)
    connection.execute(votes.update().where(votes.c.id == correction.vote_id).values(corrected_choice=choice))
    session = Session.object_session(correction)
    loaded = session.identity_map.get(session.identity_key(Vote, correction.vote_id)) if session else None
    if loaded is not None:
        set_committed_value(loaded, "corrected_choice", choice)


class ClosedVoteIsImmutable(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_closed_votes(session, flush_context, instances):
    """A closed roll call is never edited or deleted, whatever code path tries: corrections are new rows."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Vote):
            motion = obj.motion
            if (
                motion is not None
                and motion.closed_at is not None
                and (obj in session.deleted or inspect(obj).attrs.choice.history.has_changes())
            ):
                raise ClosedVoteIsImmutable(f"vote {obj.id} belongs to a closed roll call")
        if isinstance(obj, VoteCorrection) and (obj in session.deleted or session.is_modified(obj)):
            raise ClosedVoteIsImmutable("corrections are never changed or deleted")
