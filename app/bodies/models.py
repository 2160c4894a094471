import math
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import to_local, utcnow
from app.core.versioning import version_column
from app.extensions import db


class BodyKind(LabeledEnum):
    commission = "commission", _l("Commission")
    board = "board", _l("Board")
    committee = "committee", _l("Committee")
    advisory = "advisory", _l("Advisory board")


class BodyQuorumRule(LabeledEnum):
    #: More than half of the seats (7 seats -> 4); which seats count follows the vacancy rule.
    majority_of_seats = "majority_of_seats", _l("A majority of the seats")
    #: A fixed number set in quorum_fixed (some charters name one).
    fixed = "fixed", _l("A fixed number of members")


class VacancyRule(LabeledEnum):
    """Whether a vacant seat still counts when quorum and "full membership" thresholds are reckoned."""

    #: The charter's number of seats, filled or not (the usual reading of "a majority of the commission").
    count_vacant_seats = "count_vacant_seats", _l("Vacant seats still count (majority of all seats)")
    #: Only seats that are filled on the day.
    filled_seats_only = "filled_seats_only", _l("Only filled seats count")


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
    #: Shuffled for each vote; the seed is recorded with the vote so anyone can repeat the draw.
    random = "random", _l("Roll called in a random order drawn for each vote, the seed recorded.")


class SeatSelection(LabeledEnum):
    elected = "elected", _l("Elected")
    appointed = "appointed", _l("Appointed")


class TermBasis(LabeledEnum):
    """How a person came to hold the seat for this term."""

    elected = "elected", _l("Elected")
    appointed = "appointed", _l("Appointed")
    acting = "acting", _l("Acting")


class TermEndReason(LabeledEnum):
    """Why a term ended before its scheduled end (none when it ran its course)."""

    resigned = "resigned", _l("Resigned")
    removed = "removed", _l("Removed from office")
    died = "died", _l("Died in office")
    term_limit = "term_limit", _l("Reached the term limit")
    other = "other", _l("Other")


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


#: File extension of a member photo's public URL, by content type.
PHOTO_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}


def today_local() -> date:
    return to_local(utcnow()).date()


def default_agenda_sections() -> list[str]:
    return list(DEFAULT_AGENDA_SECTIONS)


class Body(db.Model):
    """A commission, board or committee whose meetings are public (F.S. 286.011).

    Its structure (name, kind, seats, agenda sections) is edited in place and audited; its rules (quorum,
    thresholds, seconds, roll-call order, notice lead times) are versioned in BodyRules with the date each
    version takes effect, and a meeting keeps the version in force when its notice went out.
    """

    __tablename__ = "bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: Bumped on every save; a save from a page rendered at another version is refused (app/core/versioning.py).
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}
    kind: Mapped[BodyKind] = mapped_column(str_enum(BodyKind, "body_kind"))
    #: Section names of this body's agendas, in order.
    agenda_sections: Mapped[list[str]] = mapped_column(JSON, default=default_agenda_sections)
    #: A body that no longer meets; it stays on the record with its meetings, never deleted once used.
    retired_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(
        "Membership", back_populates="body", order_by="Membership.term_start_on", cascade="save-update, merge"
    )
    seats: Mapped[list["Seat"]] = relationship(
        "Seat", back_populates="body", order_by="Seat.number", cascade="save-update, merge"
    )
    rule_versions: Mapped[list["BodyRules"]] = relationship(
        "BodyRules",
        back_populates="body",
        order_by="(BodyRules.effective_on, BodyRules.version)",
        cascade="save-update, merge",
    )

    @property
    def is_retired(self) -> bool:
        return self.retired_on is not None

    def seats_on(self, on: date) -> list["Seat"]:
        return [s for s in self.seats if s.is_active(on)]

    @property
    def seat_count(self) -> int:
        """Seats today (a meeting uses ``seats_on`` its own date)."""
        return len(self.seats_on(today_local()))

    def rules_on(self, on: date, *, known_at: datetime | None = None) -> "BodyRules":
        """The version in force on ``on``: the latest that took effect by then (the first, before any did).

        ``known_at``: only the versions adopted by then count (what a notice published at that time was under).
        """
        versions = self.rule_versions
        if not versions:
            raise LookupError(f"body {self.id} has no rules")
        if known_at is not None:
            versions = [r for r in versions if r.created_at < known_at] or versions[:1]
        in_force = [r for r in versions if r.effective_on <= on]
        return in_force[-1] if in_force else versions[0]

    @property
    def rules(self) -> "BodyRules":
        """The rules in force today."""
        return self.rules_on(today_local())

    @property
    def quorum_needed(self) -> int:
        today = today_local()
        return self.rules.quorum_for(self, today)

    def current_memberships(self, on: date) -> list["Membership"]:
        return [m for m in self.memberships if m.is_current(on)]


class Seat(db.Model):
    """A place on a body ("Mayor", "District 1"), filled by one person at a time through terms."""

    __tablename__ = "seats"
    __table_args__ = (
        UniqueConstraint("body_id", "number", name="uq_seats_body_number"),
        CheckConstraint("retired_on IS NULL OR retired_on >= established_on", name="seat_dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    #: Order on the roster and in a roll call by seat.
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(60))
    selection: Mapped[SeatSelection] = mapped_column(
        str_enum(SeatSelection, "seat_selection"), default=SeatSelection.elected
    )
    established_on: Mapped[date] = mapped_column(Date)
    #: Abolished from this day on (charter change); its terms stay on the record.
    retired_on: Mapped[date | None] = mapped_column(Date)

    body: Mapped["Body"] = relationship("Body", back_populates="seats")

    def is_active(self, on: date) -> bool:
        return self.established_on <= on and (self.retired_on is None or on < self.retired_on)


class BodyRules(db.Model):
    """One version of a body's rules, in force from ``effective_on`` until a later version takes effect."""

    __tablename__ = "body_rules"
    __table_args__ = (
        UniqueConstraint("body_id", "version", name="uq_body_rules_body_version"),
        CheckConstraint("quorum_fixed IS NULL OR quorum_fixed > 0", name="quorum_fixed_positive"),
        CheckConstraint("threshold_min_yes >= 0", name="min_yes_not_negative"),
        CheckConstraint("notice_special_warn_hours >= notice_special_block_hours", name="notice_warn_not_below_block"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_on: Mapped[date] = mapped_column(Date)
    quorum_rule: Mapped[BodyQuorumRule] = mapped_column(
        str_enum(BodyQuorumRule, "body_quorum_rule"), default=BodyQuorumRule.majority_of_seats
    )
    quorum_fixed: Mapped[int | None] = mapped_column(Integer)
    #: R4 (AGO 2010-34): absent a statute, a quorum must be physically present.
    quorum_in_person_only: Mapped[bool] = mapped_column(Boolean, default=True)
    vacancy_rule: Mapped[VacancyRule] = mapped_column(
        str_enum(VacancyRule, "vacancy_rule"), default=VacancyRule.count_vacant_seats
    )
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
    #: Why the rules changed (e.g. "Ordinance 25-14 amended the quorum"); shown in the history.
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")

    body: Mapped["Body"] = relationship("Body", back_populates="rule_versions")

    def membership_size(self, body: "Body", on: date) -> int:
        """The number quorum and "full membership" thresholds are reckoned from, on ``on``."""
        seats = body.seats_on(on)
        if self.vacancy_rule == VacancyRule.filled_seats_only:
            held = {m.seat_id for m in body.current_memberships(on)}
            return sum(1 for s in seats if s.id in held)
        return len(seats)

    def quorum_for(self, body: "Body", on: date) -> int:
        if self.quorum_rule == BodyQuorumRule.fixed and self.quorum_fixed:
            return self.quorum_fixed
        return math.floor(self.membership_size(body, on) / 2) + 1


class Member(db.Model):
    """A person who holds or held a seat. "Commissioner" is a title on the Membership, not a class."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    #: Used for alphabetical roll calls ("Quintero, Marisol").
    sort_name: Mapped[str] = mapped_column(String(120), index=True)
    pronouns: Mapped[str] = mapped_column(String(40), default="")
    #: Public, plain text.
    bio: Mapped[str] = mapped_column(Text, default="")
    #: Staff only: never in a public page, export or the API.
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    #: Optional public photo, stored through app/core/uploads and served at a URL naming its content hash.
    photo_stored_name: Mapped[str | None] = mapped_column(String(100))
    photo_content_type: Mapped[str | None] = mapped_column(String(40))
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(
        "Membership", back_populates="member", order_by="Membership.term_start_on"
    )

    @property
    def photo_extension(self) -> str | None:
        return PHOTO_EXTENSIONS.get(self.photo_content_type or "")


class Membership(db.Model):
    """A term: one person in one seat from a start date to an end date (open while serving)."""

    __tablename__ = "memberships"
    __table_args__ = (CheckConstraint("term_end_on IS NULL OR term_end_on >= term_start_on", name="term_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: RESTRICT: a person or body on the public record is never deleted.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    #: The presiding officer; votes as a member (R10) and is called last in the default roll-call order.
    is_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Presides when the chair is absent.
    is_vice_chair: Mapped[bool] = mapped_column(Boolean, default=False)
    basis: Mapped[TermBasis] = mapped_column(str_enum(TermBasis, "term_basis"), default=TermBasis.elected)
    term_start_on: Mapped[date] = mapped_column(Date)
    term_end_on: Mapped[date | None] = mapped_column(Date)
    #: Set when the term ended before its scheduled end.
    end_reason: Mapped[TermEndReason | None] = mapped_column(str_enum(TermEndReason, "term_end_reason"))

    member: Mapped["Member"] = relationship("Member", back_populates="memberships", lazy="joined")
    body: Mapped["Body"] = relationship("Body", back_populates="memberships")
    seat: Mapped["Seat"] = relationship("Seat", lazy="joined")

    @property
    def seat_number(self) -> int:
        return self.seat.number

    @property
    def seat_label(self) -> str:
        return self.seat.label

    def is_current(self, on: date) -> bool:
        return self.term_start_on <= on and (self.term_end_on is None or on <= self.term_end_on)
