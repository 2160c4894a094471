"""The published notice of a proposed ordinance (F.S. 166.041(3)(a), 50.011): when, in which medium, where, and
how it is proven. Kept per matter, append-only; a notice recorded by mistake is withdrawn with a reason, never
deleted. The notice that counts for the second reading is the latest one in force (a re-advertisement after a
change to the ordinance starts the count again)."""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import Date, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core import audit
from app.core.db import UTCDateTime, str_enum
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters.models import Matter, MatterType
from app.matters.readings import NoticeMedium, check_notice


class OrdinanceNotice(db.Model):
    __tablename__ = "ordinance_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="RESTRICT"), index=True)
    published_on: Mapped[date] = mapped_column(Date)
    medium: Mapped[NoticeMedium] = mapped_column(str_enum(NoticeMedium, "notice_medium"))
    #: The newspaper's name, or the web address of the notice.
    where: Mapped[str] = mapped_column(String(300))
    #: How the publication is proven: "affidavit of publication filed with the clerk on ...", a capture's address.
    proof: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: Set when the notice was recorded by mistake; it then no longer counts (kept, with the reason).
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def in_force(self) -> bool:
        return self.withdrawn_at is None


def notices_of(*matter_ids: int) -> list[OrdinanceNotice]:
    """Every notice recorded for these matters, oldest publication first (withdrawn ones included)."""
    return list(
        db.session.scalars(
            select(OrdinanceNotice)
            .where(OrdinanceNotice.matter_id.in_(matter_ids))
            .order_by(OrdinanceNotice.published_on, OrdinanceNotice.id)
        )
    )


def counting_notice(notices: list[OrdinanceNotice]) -> OrdinanceNotice | None:
    """The notice the second reading is counted from: the latest publication in force."""
    in_force = [n for n in notices if n.in_force]
    return max(in_force, key=lambda n: (n.published_on, n.id)) if in_force else None


def record_notice(matter: Matter, *, published_on, medium, where, proof: str = "", actor) -> OrdinanceNotice:
    """Record a published notice of the ordinance; refused (DomainError naming the field) when incomplete."""
    if matter.matter_type != MatterType.ordinance:
        raise DomainError(_("Only an ordinance has a published notice before its adoption."))
    where = clean_text(where or "")
    problem = check_notice(published_on, medium, where)
    if problem:
        field = (
            "published_on"
            if not isinstance(published_on, date)
            else "medium"
            if medium not in set(NoticeMedium)
            else "where"
        )
        raise DomainError(problem, field=field)
    notice = OrdinanceNotice(
        matter_id=matter.id,
        published_on=published_on,
        medium=NoticeMedium(medium),
        where=where,
        proof=clean_text(proof or "", multiline=True)[:2000],
        recorded_at=utcnow(),
        recorded_by_id=actor.id if actor is not None else None,
    )
    db.session.add(notice)
    db.session.flush()
    audit.record(
        "matter.notice",
        matter,
        f"Matter {matter.file_number}: notice published {published_on.isoformat()} ({notice.medium.value}, {where})",
        actor=actor,
        data={"notice_id": notice.id, "published_on": published_on.isoformat(), "medium": notice.medium.value},
    )
    return notice


def withdraw_notice(notice: OrdinanceNotice, *, reason: str, actor) -> None:
    """A notice recorded by mistake stops counting; it stays on the record with the reason."""
    reason = clean_text(reason or "", multiline=True)
    if not reason:
        raise DomainError(_("Say why the notice no longer counts."), field="reason")
    if not notice.in_force:
        raise DomainError(_("This notice was already withdrawn."))
    notice.withdrawn_at, notice.withdrawn_reason = utcnow(), reason[:2000]
    db.session.flush()
    audit.record(
        "matter.notice_withdrawn",
        notice,
        f"Notice {notice.id} of {notice.published_on.isoformat()} withdrawn: {reason[:200]}",
        actor=actor,
    )
