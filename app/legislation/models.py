"""Resolutions, the agreements register, and what resolutions do to agreements (R11)."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.core.versioning import version_column
from app.extensions import db
from app.meetings.accessibility import AccessibilityChecked
from app.topics.models import Topic, agreement_topics, resolution_topics

if TYPE_CHECKING:  # names for the relationship annotations only; nothing is imported at run time
    from app.auth.models import User
    from app.meetings.models import AgendaItem
    from app.votes.models import Motion


class ResolutionStatus(LabeledEnum):
    draft = "draft", _l("Draft")
    adopted = "adopted", _l("Adopted")
    failed = "failed", _l("Failed")
    withdrawn = "withdrawn", _l("Withdrawn")


class Resolution(db.Model):
    __tablename__ = "resolutions"
    __table_args__ = (
        UniqueConstraint("number_year", "number_seq", name="number_year_seq"),
        # A number is given on adoption and kept for good (even if a reconsideration reopens the question).
        CheckConstraint("status <> 'adopted' OR number IS NOT NULL", name="adopted_has_number"),
        CheckConstraint(
            "effective_on IS NULL OR adopted_on IS NULL OR effective_on >= adopted_on",
            name="effective_not_before_adoption",
        ),
        # The resolution list's order (newest number first) and the adopted ones by day (home page, Atom feed),
        # read in index order, never sorted whole (issue 18).
        Index("ix_resolutions_number_order", "number_year", "number_seq", "id"),
        # PostgreSQL's DESC puts NULLs first, so the newest-first order (unnumbered drafts last) needs its own.
        Index(
            "ix_resolutions_newest",
            text("number_year DESC NULLS LAST"),
            text("number_seq DESC NULLS LAST"),
            text("id DESC"),
        ).ddl_if(dialect="postgresql"),
        Index("ix_resolutions_status_adopted", "status", "adopted_on", "number_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    #: Markdown, rendered through the sanitizer.
    text_md: Mapped[str] = mapped_column(Text, default="")
    #: Bumped on every save; a save from a page rendered at another version is refused (app/core/versioning.py).
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}
    status: Mapped[ResolutionStatus] = mapped_column(
        str_enum(ResolutionStatus, "resolution_status"), default=ResolutionStatus.draft
    )
    #: "25-014": assigned on adoption only, sequential per calendar year, never reused.
    number: Mapped[str | None] = mapped_column(String(12), unique=True)
    number_year: Mapped[int | None] = mapped_column(Integer)
    number_seq: Mapped[int | None] = mapped_column(Integer)
    adopted_on: Mapped[date | None] = mapped_column(Date)
    #: When it takes effect; the adoption date unless the text says later (set before adoption, or the default).
    effective_on: Mapped[date | None] = mapped_column(Date)
    #: The motion whose vote decided it.
    motion_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped["AgendaItem"] = relationship("AgendaItem", lazy="joined")
    motion: Mapped["Motion | None"] = relationship("Motion")
    topics: Mapped[list[Topic]] = relationship(Topic, secondary=resolution_topics, order_by=Topic.name)
    links_out: Mapped[list["ResolutionLink"]] = relationship(
        "ResolutionLink", foreign_keys="ResolutionLink.from_id", back_populates="source", order_by="ResolutionLink.id"
    )
    links_in: Mapped[list["ResolutionLink"]] = relationship(
        "ResolutionLink", foreign_keys="ResolutionLink.to_id", back_populates="target", order_by="ResolutionLink.id"
    )
    effects: Mapped[list["AgreementEffect"]] = relationship(
        "AgreementEffect", back_populates="resolution", order_by="AgreementEffect.id"
    )
    corrections: Mapped[list["ResolutionCorrection"]] = relationship(
        "ResolutionCorrection", back_populates="resolution", order_by="ResolutionCorrection.id"
    )

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title

    @property
    def file_number(self) -> str:
        return self.item.file_number


class CorrectionField(LabeledEnum):
    """What a correction after adoption may change (issue 17)."""

    number = "number", _l("Number")
    effective_on = "effective_on", _l("Effective date")


class ResolutionCorrection(db.Model):
    """A correction of an adopted resolution's number or effective date: the value before and after, why, who and
    when. Never edited; shown on the public page next to the resolution. ``before`` and ``after`` hold the number,
    or the date as YYYY-MM-DD."""

    __tablename__ = "resolution_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    resolution_id: Mapped[int] = mapped_column(ForeignKey("resolutions.id", ondelete="RESTRICT"), index=True)
    field: Mapped[CorrectionField] = mapped_column(str_enum(CorrectionField, "resolution_correction_field"))
    before: Mapped[str] = mapped_column(String(12))
    after: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(500))
    #: The staff user who corrected it; NULL for the command line. Shown to staff only.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    resolution: Mapped["Resolution"] = relationship("Resolution", back_populates="corrections")
    actor: Mapped["User | None"] = relationship("User")

    def _shown(self, value: str):
        return date.fromisoformat(value) if self.field == CorrectionField.effective_on else value

    @property
    def before_value(self):
        """The value before: a date for the effective date (for ``|local_date``), else the number."""
        return self._shown(self.before)

    @property
    def after_value(self):
        return self._shown(self.after)


class LinkKind(LabeledEnum):
    supersedes = "supersedes", _l("Supersedes"), _l("Superseded by")
    amends = "amends", _l("Amends"), _l("Amended by")
    rescinds = "rescinds", _l("Rescinds"), _l("Rescinded by")


class ResolutionLink(db.Model):
    """``source`` supersedes / amends / rescinds ``target``; in force from the source's effective date."""

    __tablename__ = "resolution_links"
    __table_args__ = (
        UniqueConstraint("from_id", "to_id", "kind", name="link_once"),
        CheckConstraint("from_id <> to_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("resolutions.id", ondelete="RESTRICT"), index=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("resolutions.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[LinkKind] = mapped_column(str_enum(LinkKind, "resolution_link_kind"))

    source: Mapped["Resolution"] = relationship("Resolution", foreign_keys=[from_id], back_populates="links_out")
    target: Mapped["Resolution"] = relationship("Resolution", foreign_keys=[to_id], back_populates="links_in")

    @property
    def effective_on(self) -> date | None:
        """The day the link took effect: its source resolution's, once adopted; None before."""
        return self.source.effective_on if self.source.status == ResolutionStatus.adopted else None


class Agreement(db.Model):
    """An intergovernmental agreement or contract on the register."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    counterparty: Mapped[str] = mapped_column(String(200))
    #: "287(g) agreement"; compared case-insensitively with prohibited categories.
    category: Mapped[str] = mapped_column(String(120), index=True)
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_by: Mapped[str] = mapped_column(String(200), default="")
    description_md: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    topics: Mapped[list[Topic]] = relationship(Topic, secondary=agreement_topics, order_by=Topic.name)
    effects: Mapped[list["AgreementEffect"]] = relationship(
        "AgreementEffect", back_populates="agreement", order_by="(AgreementEffect.effective_on, AgreementEffect.id)"
    )
    documents: Mapped[list["AgreementDocument"]] = relationship(
        "AgreementDocument", back_populates="agreement", order_by="AgreementDocument.id"
    )


class AgreementDocument(AccessibilityChecked, db.Model):
    __tablename__ = "agreement_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"), index=True)
    original_filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The file's text, extracted on upload for search (app/meetings/texts.py); deferred: pages never load it.
    text_content: Mapped[str | None] = mapped_column(Text, deferred=True)

    agreement: Mapped["Agreement"] = relationship("Agreement", back_populates="documents")

    @property
    def kind_label(self) -> str:
        from app.core.uploads import kind_label

        return kind_label(self.content_type)


class EffectKind(LabeledEnum):
    authorizes = "authorizes", _l("Authorizes")
    ratifies = "ratifies", _l("Ratifies")
    #: Changes the agreement's terms; its standing is unchanged (an amendment of a void agreement is refused).
    amends = "amends", _l("Amends")
    #: Stops the agreement for now; ``reinstates`` puts it back in force.
    suspends = "suspends", _l("Suspends")
    terminates = "terminates", _l("Terminates")
    voids = "voids", _l("Declares void")
    reinstates = "reinstates", _l("Reinstates")
    #: A category of future agreements; ``agreement_id`` is null and ``category`` is set.
    prohibits = "prohibits", _l("Prohibits future agreements of the category")


class AgreementStatus(LabeledEnum):
    """An agreement's standing on a given day: computed from its signature and the effects in force, never stored."""

    not_signed = "not_signed", _l("Not yet signed")
    active = "active", _l("In force")
    suspended = "suspended", _l("Suspended")
    terminated = "terminated", _l("Terminated")
    void = "void", _l("Void")


class AgreementEffect(db.Model):
    __tablename__ = "agreement_effects"
    __table_args__ = (
        CheckConstraint("(kind = 'prohibits') = (agreement_id IS NULL)", name="prohibits_a_category"),
        CheckConstraint("kind <> 'prohibits' OR category IS NOT NULL", name="prohibition_names_category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resolution_id: Mapped[int] = mapped_column(ForeignKey("resolutions.id", ondelete="RESTRICT"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[EffectKind] = mapped_column(str_enum(EffectKind, "agreement_effect_kind"))
    category: Mapped[str | None] = mapped_column(String(120), index=True)
    #: Null until the resolution is adopted: then its effective date unless the clerk set a later one.
    effective_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")

    resolution: Mapped["Resolution"] = relationship("Resolution", back_populates="effects", lazy="joined")
    agreement: Mapped["Agreement | None"] = relationship("Agreement", back_populates="effects")
