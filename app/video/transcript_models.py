"""Captions uploaded for a part of a meeting's video, and the transcript Dais makes of them.

A ``CaptionTrack`` is one caption file for one ``Recording`` part (one track a part: uploading again replaces it
and all its passages in one transaction). A ``TranscriptPassage`` is a run of consecutive cues spoken by the same
person on the same item: its speaker is a resident's speaker card, a member, or nobody (the chair, the clerk, or
no one the log names), attributed from the meeting's live log or corrected by the clerk.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.extensions import db

FILENAME_MAX = 200


class CaptionFormat(LabeledEnum):
    vtt = "vtt", _l("a WebVTT caption file")
    srt = "srt", _l("a SubRip caption file (SRT)")


class AttributionSource(LabeledEnum):
    log = "log", _l("Attributed from the meeting log")
    staff = "staff", _l("Attribution corrected by the clerk")


class CaptionTrack(db.Model):
    __tablename__ = "caption_tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One track a part: replacing a track deletes the old row and its passages in the same transaction.
    recording_id: Mapped[int] = mapped_column(ForeignKey("recordings.id", ondelete="RESTRICT"), unique=True, index=True)
    original_filename: Mapped[str] = mapped_column(String(FILENAME_MAX))
    format: Mapped[CaptionFormat] = mapped_column(str_enum(CaptionFormat, "caption_format"))
    #: The language of the captions (a BCP 47 tag such as "en" or "es").
    language: Mapped[str] = mapped_column(String(16), default="en")
    cue_count: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    recording = relationship("Recording")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    passages: Mapped[list["TranscriptPassage"]] = relationship(
        back_populates="track", cascade="all, delete-orphan", order_by="TranscriptPassage.start_ms"
    )


class TranscriptPassage(db.Model):
    """Consecutive cues of one speaker on one item. ``cues`` keeps each cue as [start_ms, end_ms, text] so the
    VTT download gives back the file's own timing; ``text`` is their words joined (what is shown and searched)."""

    __tablename__ = "transcript_passages"
    __table_args__ = (
        CheckConstraint("end_ms >= start_ms", name="ends_after_start"),
        CheckConstraint("speaker_request_id IS NULL OR member_id IS NULL", name="one_speaker"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("caption_tracks.id", ondelete="CASCADE"), index=True)
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    cues: Mapped[list] = mapped_column(JSON, default=list)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"))
    speaker_request_id: Mapped[int | None] = mapped_column(ForeignKey("speaker_requests.id", ondelete="RESTRICT"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    attribution: Mapped[AttributionSource] = mapped_column(
        str_enum(AttributionSource, "attribution_source"), default=AttributionSource.log
    )
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    track: Mapped[CaptionTrack] = relationship(back_populates="passages")
    item = relationship("AgendaItem")
    speaker_request = relationship("SpeakerRequest")
    member = relationship("Member")

    @property
    def second(self) -> int:
        return self.start_ms // 1000
