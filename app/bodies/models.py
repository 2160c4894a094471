import enum
import math
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.extensions import db


class BodyKind(enum.StrEnum):
    commission = "commission"
    board = "board"
    committee = "committee"


class BodyQuorumRule(enum.StrEnum):
    #: More than half of the seats (7 seats -> 4).
    majority_of_seats = "majority_of_seats"
    #: A fixed number set in quorum_fixed (some charters name one).
    fixed = "fixed"


class ThresholdBasis(LabeledEnum):
    votes_cast = "votes_cast", _l("votes cast")
    members_present = "members_present", _l("members present")
    full_membership = "full_membership", _l("the full membership")


class ThresholdFraction(LabeledEnum):
    majority = "majority", _l("Majority")
    two_thirds = "two_thirds", _l("Two-thirds")
    three_quarters = "three_quarters", _l("Three-quarters")
    four_fifths = "four_fifths", _l("Four-fifths")
    unanimous = "unanimous", _l("Unanimous vote")


class BodyRollCallOrder(LabeledEnum):
    #: Alphabetical by sort name, the chair last (the default in RONR and most Florida codes).
    alphabetical_chair_last = "alphabetical_chair_last", _l("Roll called alphabetically, the chair last.")
    #: By seat number (Mayor/at-large first, then districts).
    seat_order = "seat_order", _l("Roll called by seat.")
    #: Alphabetical, starting one place later at each meeting.
    rotating = "rotating", _l("Roll called alphabetically from a rotating first name, the chair last.")


DEFAULT_AGENDA_SECTIONS = [
    "Call to Order",
    "Roll Call",
    "Public Comment",
    "Consent Agenda",
    "Resolutions",
    "Ordinances",
    "Presentations",
    "Reports",
    "Adjournment",
]


def default_agenda_sections() -> list[str]:
    return list(DEFAULT_AGENDA_SECTIONS)


class Body(db.Model):
    """A commission, board or committee whose meetings are public (F.S. 286.011)."""

    __tablename__ = "bodies"
    __table_args__ = (
        CheckConstraint("seat_count > 0", name="seat_count_positive"),
        CheckConstraint("quorum_fixed IS NULL OR quorum_fixed > 0", name="quorum_fixed_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[BodyKind] = mapped_column(str_enum(BodyKind, "body_kind"))
    seat_count: Mapped[int] = mapped_column(Integer)
    quorum_rule: Mapped[BodyQuorumRule] = mapped_column(
        str_enum(BodyQuorumRule, "body_quorum_rule"), default=BodyQuorumRule.majority_of_seats
    )
    quorum_fixed: Mapped[int | None] = mapped_column(Integer)
    #: R4 (AGO 2010-34): absent a statute, a quorum must be physically present.
    quorum_in_person_only: Mapped[bool] = mapped_column(Boolean, default=True)
    #: R8 defaults for a resolution or ordinance; each motion may override before its vote opens.
    threshold_basis: Mapped[ThresholdBasis] = mapped_column(
        str_enum(ThresholdBasis, "threshold_basis"), default=ThresholdBasis.members_present
    )
    threshold_fraction: Mapped[ThresholdFraction] = mapped_column(
        str_enum(ThresholdFraction, "threshold_fraction"), default=ThresholdFraction.majority
    )
    threshold_min_yes: Mapped[int] = mapped_column(Integer, default=0)
    roll_call_order: Mapped[BodyRollCallOrder] = mapped_column(
        str_enum(BodyRollCallOrder, "body_roll_call_order"), default=BodyRollCallOrder.alphabetical_chair_last
    )
    #: R9: when true a motion without a second dies.
    seconds_required: Mapped[bool] = mapped_column(Boolean, default=True)
    #: R2 notice lead times, in hours. A special meeting under the block value cannot be noticed without
    #: a logged override reason; under the warn values the clerk is warned. Load the charter's values here.
    notice_special_block_hours: Mapped[int] = mapped_column(Integer, default=24)
    notice_special_warn_hours: Mapped[int] = mapped_column(Integer, default=72)
    notice_regular_warn_hours: Mapped[int] = mapped_column(Integer, default=7 * 24)
    #: Section names of this body's agendas, in order.
    agenda_sections: Mapped[list[str]] = mapped_column(JSON, default=default_agenda_sections)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(
        "Membership", back_populates="body", order_by="Membership.seat_number", cascade="save-update, merge"
    )

    @property
    def quorum_needed(self) -> int:
        if self.quorum_rule == BodyQuorumRule.fixed and self.quorum_fixed:
            return self.quorum_fixed
        return math.floor(self.seat_count / 2) + 1

    def current_memberships(self, on: date) -> list["Membership"]:
        return [m for m in self.memberships if m.is_current(on)]


class Member(db.Model):
    """A person who holds or held a seat. "Commissioner" is a title on the Membership, not a class."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    #: Used for alphabetical roll calls ("Quintero, Marisol").
    sort_name: Mapped[str] = mapped_column(String(120), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(
        "Membership", back_populates="member", order_by="Membership.term_start_on"
    )


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (CheckConstraint("term_end_on IS NULL OR term_end_on >= term_start_on", name="term_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: RESTRICT: a person or body on the public record is never deleted.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    #: The presiding officer; votes as a member (R10) and is called last in the default roll-call order.
    is_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    seat: Mapped[str] = mapped_column(String(60))
    seat_number: Mapped[int] = mapped_column(Integer)
    term_start_on: Mapped[date] = mapped_column(Date)
    term_end_on: Mapped[date | None] = mapped_column(Date)

    member: Mapped["Member"] = relationship("Member", back_populates="memberships", lazy="joined")
    body: Mapped["Body"] = relationship("Body", back_populates="memberships")

    def is_current(self, on: date) -> bool:
        return self.term_start_on <= on and (self.term_end_on is None or on <= self.term_end_on)
