"""A meeting's recording: one row per part of the video, each tied to the meeting's clock."""

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.timeutil import utcnow
from app.extensions import db

URL_MAX = 500
LABEL_MAX = 120


class Recording(db.Model):
    """One part of a meeting's video. ``zero_at`` is the wall-clock moment shown at the video's second 0, so a
    moment of the live log at ``at`` plays at second ``at - zero_at``. The clerk sets it directly (the recording
    started at 5:01:30 p.m.) or by matching one known moment ("called to order at 00:03:12 in the video").
    ``duration_seconds``, when known, bounds the part: a moment after its end belongs to the next part."""

    __tablename__ = "recordings"
    __table_args__ = (UniqueConstraint("meeting_id", "part", name="meeting_part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    #: 1, 2, ... in playing order.
    part: Mapped[int] = mapped_column(Integer, default=1)
    #: The video as the city hosts it: an MP4 or HLS address, a YouTube or Vimeo page, the city's own server.
    url: Mapped[str] = mapped_column(String(URL_MAX))
    label: Mapped[str] = mapped_column(String(LABEL_MAX), default="")
    zero_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    meeting = relationship("Meeting")

    def second_of(self, at: datetime) -> int | None:
        """The second of this part at which the moment ``at`` plays, or None when the part does not hold it."""
        second = int((at - self.zero_at).total_seconds())
        if second < 0 or (self.duration_seconds is not None and second > self.duration_seconds):
            return None
        return second

    def moment_at(self, second: int) -> datetime:
        return self.zero_at + timedelta(seconds=second)
