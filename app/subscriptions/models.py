"""Email subscriptions (issue 19): one subscriber (a confirmed address, its language and its digest choice) with
many follows (a body's agendas, a topic, a keyword, a member, an agreement, an item), each ended on its own; and
the alerts recorded when something a follow names changes. Private (R12): never on a page, export or the API."""

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.extensions import db

if TYPE_CHECKING:  # names for the relationship annotations only; nothing is imported at run time
    from app.bodies.models import Body, Member
    from app.legislation.models import Agreement
    from app.meetings.models import AgendaItem
    from app.topics.models import Topic

KEYWORD_MAX = 80


class Digest(LabeledEnum):
    instant = "instant", _l("As it happens")
    daily = "daily", _l("One message a day")


class FollowKind(LabeledEnum):
    #: A body's new agendas (``body_id`` null: every body's); mailed at once whatever the digest choice.
    body = "body", _l("Agendas of a board")
    topic = "topic", _l("A topic")
    keyword = "keyword", _l("A word or phrase")
    member = "member", _l("A member")
    agreement = "agreement", _l("An agreement")
    item = "item", _l("An agenda item")


class AlertKind(LabeledEnum):
    item = "item", _l("New agenda item")
    vote = "vote", _l("Vote")
    effect = "effect", _l("Agreement change")


class Subscription(db.Model):
    """A subscriber: one address. Nothing is sent to it before ``confirmed_at`` (double opt-in). The table keeps
    its name and ids from the one-body subscriptions it replaced, so every unsubscribe link ever sent still works.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_email", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased. A public record under Ch. 119 unless exempt, but Dais never shows it (R12).
    email: Mapped[str] = mapped_column(String(254))
    #: SHA-256 of the secret in the confirmation link; the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64))
    #: The interface language when subscribing: mail goes out in it.
    locale: Mapped[str] = mapped_column(String(8), default="en")
    digest: Mapped[Digest] = mapped_column(str_enum(Digest, "subscription_digest"), default=Digest.instant)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    follows: Mapped[list["Follow"]] = relationship("Follow", back_populates="subscription", order_by="Follow.id")

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @property
    def live_follows(self) -> list["Follow"]:
        return [f for f in self.follows if f.ended_at is None]


class Follow(db.Model):
    """One thing a subscriber follows. ``confirmed_at`` is null until the address owner confirms it (a follow
    asked for on the public form); a follow added from the private manage page is confirmed at once."""

    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FollowKind] = mapped_column(str_enum(FollowKind, "follow_kind"))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="RESTRICT"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"), index=True)
    #: As typed (shown back to the subscriber); matched with search's normalisation (app/search/text.py).
    keyword: Mapped[str | None] = mapped_column(String(KEYWORD_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    subscription: Mapped["Subscription"] = relationship("Subscription", back_populates="follows")
    body: Mapped["Body | None"] = relationship("Body")
    topic: Mapped["Topic | None"] = relationship("Topic")
    member: Mapped["Member | None"] = relationship("Member")
    agreement: Mapped["Agreement | None"] = relationship("Agreement")
    item: Mapped["AgendaItem | None"] = relationship("AgendaItem")

    @property
    def is_live(self) -> bool:
        return self.confirmed_at is not None and self.ended_at is None


class Alert(db.Model):
    """Something a subscriber follows changed: one row per (subscriber, thing changed), so it is told once.
    Written in the transaction of the change; ``mailing_id`` is set when a message (instant) or the day's digest
    takes it. The text is composed at delivery, from the record as it then stands."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("subscription_id", "key"),
        Index("ix_alerts_unsent", "mailing_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    #: What changed, as "item:12", "vote:7" or "effect:3".
    key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[AlertKind] = mapped_column(str_enum(AlertKind, "alert_kind"))
    ref_id: Mapped[int] = mapped_column(Integer)
    #: The follow that matched first (the mail says why it was sent).
    follow_id: Mapped[int | None] = mapped_column(ForeignKey("follows.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    mailing_id: Mapped[int | None] = mapped_column(ForeignKey("mailings.id", ondelete="SET NULL"))

    follow: Mapped["Follow | None"] = relationship("Follow")
