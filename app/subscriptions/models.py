"""Email subscriptions to new agendas: double opt-in (R12 keeps the address private), one-click unsubscribe."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.timeutil import utcnow
from app.extensions import db

if TYPE_CHECKING:  # names for the relationship annotations only; nothing is imported at run time
    from app.bodies.models import Body


class Subscription(db.Model):
    """One address, one body (or every body when ``body_id`` is null). Private: never on a page or in the API."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        # One live subscription per address and body; an ended one may be followed by a new one.
        Index(
            "ix_subscriptions_live",
            "email",
            "body_id",
            unique=True,
            sqlite_where=text("unsubscribed_at IS NULL"),
            postgresql_where=text("unsubscribed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased. A public record under Ch. 119 unless exempt, but Dais never shows it (R12).
    email: Mapped[str] = mapped_column(String(254))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    #: SHA-256 of the secret in the confirmation and unsubscribe links; the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64))
    #: The interface language when subscribing: mail goes out in it.
    locale: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    body: Mapped["Body | None"] = relationship("Body")

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None
