"""A matter, its history of actions (append-only), the versions of its text (append-only) and its relations to other
matters and agreements."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.extensions import db

if TYPE_CHECKING:  # names for the relationship annotations only
    from app.legislation.models import Agreement
    from app.meetings.models import AgendaItem, Meeting
    from app.votes.models import Motion


class MatterType(LabeledEnum):
    resolution = "resolution", _l("Resolution")
    ordinance = "ordinance", _l("Ordinance")
    contract = "contract", _l("Contract or agreement approval")
    proclamation = "proclamation", _l("Proclamation")
    report = "report", _l("Report")
    appointment = "appointment", _l("Appointment")
    other = "other", _l("Other")


class MatterStatus(LabeledEnum):
    introduced = "introduced", _l("Introduced")
    on_agenda = "on_agenda", _l("On an agenda")
    deferred = "deferred", _l("Deferred")
    continued = "continued", _l("Continued")
    tabled = "tabled", _l("Tabled")
    referred = "referred", _l("Referred")
    first_reading_passed = "first_reading_passed", _l("Passed on first reading")
    approved = "approved", _l("Approved")
    adopted = "adopted", _l("Adopted")
    failed = "failed", _l("Failed")
    withdrawn = "withdrawn", _l("Withdrawn")
    filed = "filed", _l("Filed")


class MatterActionKind(LabeledEnum):
    introduced = "introduced", _l("Introduced")
    placed_on_agenda = "placed_on_agenda", _l("Placed on an agenda")
    approved = "approved", _l("Approved")
    adopted = "adopted", _l("Adopted")
    failed = "failed", _l("Failed")
    deferred = "deferred", _l("Deferred")
    continued = "continued", _l("Continued")
    tabled = "tabled", _l("Tabled")
    referred = "referred", _l("Referred")
    withdrawn = "withdrawn", _l("Withdrawn")
    first_reading_passed = "first_reading_passed", _l("Passed on first reading")
    second_reading_adopted = "second_reading_adopted", _l("Adopted on second reading")
    filed = "filed", _l("Filed")
    reopened = "reopened", _l("Reconsidered: open again")


#: The status an action leaves the matter in (None: unchanged).
STATUS_AFTER: dict[MatterActionKind, MatterStatus | None] = {
    MatterActionKind.introduced: MatterStatus.introduced,
    MatterActionKind.placed_on_agenda: MatterStatus.on_agenda,
    MatterActionKind.approved: MatterStatus.approved,
    MatterActionKind.adopted: MatterStatus.adopted,
    MatterActionKind.failed: MatterStatus.failed,
    MatterActionKind.deferred: MatterStatus.deferred,
    MatterActionKind.continued: MatterStatus.continued,
    MatterActionKind.tabled: MatterStatus.tabled,
    MatterActionKind.referred: MatterStatus.referred,
    MatterActionKind.withdrawn: MatterStatus.withdrawn,
    MatterActionKind.first_reading_passed: MatterStatus.first_reading_passed,
    MatterActionKind.second_reading_adopted: MatterStatus.adopted,
    MatterActionKind.filed: MatterStatus.filed,
    MatterActionKind.reopened: MatterStatus.on_agenda,
}


class MatterRelationKind(LabeledEnum):
    amends = "amends", _l("Amends"), _l("Amended by")
    supersedes = "supersedes", _l("Supersedes"), _l("Superseded by")
    repeals = "repeals", _l("Repeals"), _l("Repealed by")
    authorizes = "authorizes", _l("Authorizes an agreement"), _l("Authorized by")


class VersionSource(LabeledEnum):
    """How a version of a matter's text came to be."""

    introduced = "introduced", _l("As introduced")
    revised = "revised", _l("Revised by staff")
    amended = "amended", _l("Amended at a meeting")
    substituted = "substituted", _l("Substituted at a meeting")


class Matter(db.Model):
    __tablename__ = "matters"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Given once at intake by the city's pattern (app.matters.numbering); never reused, never changed.
    file_number: Mapped[str] = mapped_column(String(20), unique=True)
    matter_type: Mapped[MatterType] = mapped_column(str_enum(MatterType, "matter_type"))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[MatterStatus] = mapped_column(
        str_enum(MatterStatus, "matter_status"), default=MatterStatus.introduced
    )
    #: The body where the matter started, if known.
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"))
    #: The day the ordinance (or resolution) states it takes effect; None: on adoption (app.matters.readings).
    effective_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    items: Mapped[list["AgendaItem"]] = relationship(
        "AgendaItem", back_populates="matter", order_by="AgendaItem.id", viewonly=True
    )
    actions: Mapped[list["MatterAction"]] = relationship(
        "MatterAction", back_populates="matter", order_by="[MatterAction.at, MatterAction.id]"
    )


class MatterAction(db.Model):
    """One step of a matter's life. Append-only: a later action supersedes an earlier one, nothing is edited."""

    __tablename__ = "matter_actions"
    __table_args__ = (Index("ix_matter_actions_matter_at", "matter_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="RESTRICT"))
    action: Mapped[MatterActionKind] = mapped_column(str_enum(MatterActionKind, "matter_action_kind"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"), index=True)
    motion_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id", ondelete="RESTRICT"), index=True)
    #: Deferred or continued: the meeting it goes to (once known); target_date: the day named in the motion.
    target_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"))
    target_date: Mapped[date | None] = mapped_column(Date)
    referred_to: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    matter: Mapped["Matter"] = relationship("Matter", back_populates="actions")


class MatterRelation(db.Model):
    """This matter amends, supersedes or repeals another matter, or authorizes an agreement."""

    __tablename__ = "matter_relations"
    __table_args__ = (
        CheckConstraint("(to_matter_id IS NULL) <> (agreement_id IS NULL)", name="one_target"),
        CheckConstraint("to_matter_id IS NULL OR to_matter_id <> from_matter_id", name="not_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[MatterRelationKind] = mapped_column(str_enum(MatterRelationKind, "matter_relation_kind"))
    to_matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id", ondelete="RESTRICT"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    from_matter: Mapped["Matter"] = relationship("Matter", foreign_keys=[from_matter_id])
    to_matter: Mapped["Matter | None"] = relationship("Matter", foreign_keys=[to_matter_id])
    agreement: Mapped["Agreement | None"] = relationship("Agreement")


class MatterVersion(db.Model):
    """One version of the matter's full text (the ordinance or resolution as written, Markdown source). Numbered
    1, 2, 3... per matter; append-only: a change of text is a new version, nothing is edited. A version made by an
    amendment at a meeting names the motion and the meeting (app.matters.versions)."""

    __tablename__ = "matter_versions"
    __table_args__ = (
        UniqueConstraint("matter_id", "number", name="uq_matter_versions_matter_number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: The full text; deferred: lists of versions never load it, the pages that show or compare text ask for it.
    text: Mapped[str] = mapped_column(Text, deferred=True)
    #: The matter's title when this version was made.
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[VersionSource] = mapped_column(str_enum(VersionSource, "matter_version_source"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: The amendment (or substitute) that made it, and the meeting where it passed.
    motion_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id", ondelete="RESTRICT"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)

    matter: Mapped["Matter"] = relationship("Matter")
    motion: Mapped["Motion | None"] = relationship("Motion")
    meeting: Mapped["Meeting | None"] = relationship("Meeting")
