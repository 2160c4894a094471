"""Topics: a small list the clerks keep ("Police", "Immigration", "Budget"), tagged on agenda items, resolutions
and agreements, so a resident can follow a subject across meetings, bodies and years (issue 19).

The tag tables live here, below the records they tag: ``app.meetings`` and ``app.legislation`` name them in
their relationships, and nothing here imports upwards.
"""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime
from app.core.timeutil import utcnow
from app.extensions import db

NAME_MAX = 80
SLUG_MAX = 80


class Topic(db.Model):
    """A subject of the record. Never deleted once used: a retired topic is no longer offered for tagging, but
    its page and its tags stay, because they are part of how the record was published."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Record text in the city's record language, as the clerks wrote it ("Police").
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    #: The topic page's address (/topics/police); kept when the name is edited, so links keep working.
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


def _tags(name: str, target_table: str) -> Table:
    """A tag table: (record, topic), with the topic's side indexed for its page (everything under a topic)."""
    target = f"{target_table[:-1]}_id"
    return Table(
        name,
        db.Model.metadata,
        Column(target, ForeignKey(f"{target_table}.id", ondelete="CASCADE"), primary_key=True),
        #: RESTRICT: a topic in use is retired, never deleted.
        Column("topic_id", ForeignKey("topics.id", ondelete="RESTRICT"), primary_key=True),
        Index(f"ix_{name}_topic_id", "topic_id"),
    )


agenda_item_topics = _tags("agenda_item_topics", "agenda_items")
resolution_topics = _tags("resolution_topics", "resolutions")
agreement_topics = _tags("agreement_topics", "agreements")
