import enum
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.extensions import db

if TYPE_CHECKING:  # names for the relationship annotations only; nothing is imported at run time
    from app.auth.models import User
    from app.bodies.models import Body
    from app.meetings.models import AgendaItem, Meeting


class CommentPolicy(db.Model):
    """The rules a body adopted for being heard (F.S. 286.0114(4)); R6.

    Only what the statute allows: time per speaker and per group representative, the forms (position and
    designation of a representative), and the period set aside for comment. A new policy is a new version;
    a version is never edited, so a meeting keeps the rules it was noticed under (the "deemed compliance"
    evidence of 286.0114(5)).
    """

    __tablename__ = "comment_policies"
    __table_args__ = (
        UniqueConstraint("body_id", "version", name="body_version"),
        CheckConstraint("speaker_seconds > 0 AND group_seconds > 0", name="times_positive"),
        CheckConstraint("item_cap_minutes IS NULL OR item_cap_minutes > 0", name="cap_positive"),
        CheckConstraint("signup_closes_minutes >= 0", name="signup_closes_not_negative"),
        CheckConstraint("written_max_chars > 0", name="written_max_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    #: The date the body adopted these rules; the policy is in force for meetings noticed from that day.
    adopted_on: Mapped[date] = mapped_column(Date)
    #: The resolution or ordinance that adopted it ("Resolution 24-101"), the evidence for 286.0114(5).
    adopted_by: Mapped[str] = mapped_column(String(200), default="")
    speaker_seconds: Mapped[int] = mapped_column(Integer, default=180)
    #: A representative of a group or faction speaks instead of its members (286.0114(4)(b)).
    group_seconds: Mapped[int] = mapped_column(Integer, default=300)
    #: Optional limit on the whole comment period of one item (286.0114(4)(d)).
    item_cap_minutes: Mapped[int | None] = mapped_column(Integer)
    #: Online sign-up opens when the agenda is published and closes this many minutes before the start.
    signup_closes_minutes: Mapped[int] = mapped_column(Integer, default=60)
    written_accepted: Mapped[bool] = mapped_column(Boolean, default=True)
    written_max_chars: Mapped[int] = mapped_column(Integer, default=3000)
    #: Whether a registered speaker may give their time to another speaker on the same item.
    ceding_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    body: Mapped["Body"] = relationship("Body")


class CommentPeriod(db.Model):
    """The comment period of one agenda item: its queue counter and when the chair opened and closed it.

    The counter hands out queue places with one UPDATE ... RETURNING, so concurrent sign-ups get unique,
    gap-free places. opened_at/closed_at are the evidence that the public was heard before a vote (R5).
    """

    __tablename__ = "comment_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"), unique=True)
    last_position: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    item: Mapped["AgendaItem"] = relationship("AgendaItem")

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and self.closed_at is None

    @property
    def was_held(self) -> bool:
        return self.opened_at is not None and self.closed_at is not None


class Stance(LabeledEnum):
    """Support, opposition or neutrality on the item (286.0114(4)(c)); not on any agreement it concerns."""

    support = "support", _l("Support")
    oppose = "oppose", _l("Oppose")
    neutral = "neutral", _l("Neutral")


class SpeakerRequestParticipation(LabeledEnum):
    in_person = "in_person", _l("In person, in the chamber")
    remote = "remote", _l("Remotely, by video or phone")
    #: States a position for the record without speaking: no place in the queue.
    written_only = "written_only", _l("I will not speak; record my position only")


class SpeakerRequestStatus(LabeledEnum):
    waiting = "waiting", _l("Waiting")
    checked_in = "checked_in", _l("Checked in")
    #: At the podium (or unmuted); at most one per meeting.
    called = "called", _l("Speaking now")
    spoke = "spoke", _l("Spoke")
    no_show = "no_show", _l("No-show")
    withdrawn = "withdrawn", _l("Withdrawn")
    #: Gave their time to another speaker on the same item.
    ceded = "ceded", _l("Ceded time")


class SpeakerRequestTimer(LabeledEnum):
    idle = "idle", _l("Not started")
    running = "running", _l("Running")
    paused = "paused", _l("Paused")
    stopped = "stopped", _l("Stopped")


class SpeakerRequest(db.Model):
    """A speaker card: a resident's request to be heard on an item. A public record (Ch. 119), never deleted.

    Name, group and position are public. Email, phone, city and accommodation needs are shown to staff only.
    """

    __tablename__ = "speaker_requests"
    __table_args__ = (
        UniqueConstraint("period_id", "queue_position", name="period_position"),
        CheckConstraint("NOT is_group_representative OR group_name IS NOT NULL", name="group_has_name"),
        CheckConstraint("allotted_seconds >= 0 AND elapsed_seconds >= 0", name="times_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: RESTRICT: a speaker card is a public record and outlives nothing it belongs to.
    period_id: Mapped[int] = mapped_column(ForeignKey("comment_periods.id", ondelete="RESTRICT"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    #: 1, 2, 3... in the order of registration, unique per item; none for written-only cards.
    queue_position: Mapped[int | None] = mapped_column(Integer)
    #: SHA-256 of the private link's token; the token itself is only ever in the resident's link.
    token_hash: Mapped[str] = mapped_column(String(64))
    #: Set by the form, so a double submission returns the first request instead of making a second.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    stance: Mapped[Stance] = mapped_column(str_enum(Stance, "stance"))
    participation: Mapped[SpeakerRequestParticipation] = mapped_column(
        str_enum(SpeakerRequestParticipation, "speaker_request_participation")
    )
    is_group_representative: Mapped[bool] = mapped_column(Boolean, default=False)
    group_name: Mapped[str | None] = mapped_column(String(120))
    # Private: staff only (R12). Never in a public page, export or API.
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(80))
    interpreter_language: Mapped[str | None] = mapped_column(String(60))
    accommodation: Mapped[str | None] = mapped_column(Text)
    #: The public-records notice (Ch. 119, F.S. 668.6076) the resident saw before submitting.
    disclaimer_version: Mapped[str] = mapped_column(String(20))
    #: Added by the clerk in the chamber rather than online.
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[SpeakerRequestStatus] = mapped_column(
        str_enum(SpeakerRequestStatus, "speaker_request_status"), default=SpeakerRequestStatus.waiting
    )
    #: Time at the podium: the policy's time (speaker or group), plus ceded time, plus extensions.
    allotted_seconds: Mapped[int] = mapped_column(Integer, default=0)
    timer: Mapped[SpeakerRequestTimer] = mapped_column(
        str_enum(SpeakerRequestTimer, "speaker_request_timer"), default=SpeakerRequestTimer.idle
    )
    #: Seconds spoken before the last start; the running stretch is counted from timer_started_at.
    elapsed_seconds: Mapped[int] = mapped_column(Integer, default=0)
    timer_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ceded_to_id: Mapped[int | None] = mapped_column(ForeignKey("speaker_requests.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The language the resident registered in: the mail sent to them later is written in it. None for walk-ins
    #: and requests made before it was kept (the site's default language then).
    locale: Mapped[str | None] = mapped_column(String(8))
    #: When the "you are next" mail was queued: at most one per request (``app/public_comment/notify.py``).
    next_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    period: Mapped["CommentPeriod"] = relationship("CommentPeriod")
    item: Mapped["AgendaItem"] = relationship("AgendaItem")
    meeting: Mapped["Meeting"] = relationship("Meeting")
    ceded_to: Mapped["SpeakerRequest | None"] = relationship("SpeakerRequest", remote_side=[id])
    extensions: Mapped[list["TimeExtension"]] = relationship(
        "TimeExtension", back_populates="request", order_by="TimeExtension.id", foreign_keys="TimeExtension.request_id"
    )

    @property
    def speaks(self) -> bool:
        return self.participation != SpeakerRequestParticipation.written_only

    @property
    def is_active(self) -> bool:
        """Still to be heard: in the queue and neither done nor gone."""
        return self.status in (
            SpeakerRequestStatus.waiting,
            SpeakerRequestStatus.checked_in,
            SpeakerRequestStatus.called,
        )

    def elapsed(self, now: datetime) -> int:
        if self.timer == SpeakerRequestTimer.running and self.timer_started_at is not None:
            return self.elapsed_seconds + max(0, int((now - self.timer_started_at).total_seconds()))
        return self.elapsed_seconds

    def remaining(self, now: datetime) -> int:
        """Seconds left; negative once the speaker runs over."""
        return self.allotted_seconds - self.elapsed(now)

    def ends_at(self, now: datetime) -> datetime | None:
        if self.timer != SpeakerRequestTimer.running:
            return None
        return now + timedelta(seconds=self.remaining(now))


class TimeExtension(db.Model):
    """Every extension the chair grants, with the reason: the audit trail of even-handed treatment."""

    __tablename__ = "time_extensions"
    __table_args__ = (CheckConstraint("seconds > 0", name="seconds_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("speaker_requests.id", ondelete="RESTRICT"), index=True)
    seconds: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    #: Ceded time is logged here too, with the donor named.
    ceded_from_id: Mapped[int | None] = mapped_column(ForeignKey("speaker_requests.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    request: Mapped["SpeakerRequest"] = relationship(
        "SpeakerRequest", back_populates="extensions", foreign_keys=[request_id]
    )
    ceded_from: Mapped["SpeakerRequest | None"] = relationship("SpeakerRequest", foreign_keys=[ceded_from_id])
    actor: Mapped["User | None"] = relationship("User")


class WrittenCommentStatus(enum.StrEnum):
    submitted = "submitted"
    published = "published"
    #: Kept, never deleted; shown to staff with the reason.
    hidden = "hidden"


class WrittenComment(db.Model):
    """A written comment on an item. Public once the clerk publishes it; hidden only with a reason."""

    __tablename__ = "written_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    stance: Mapped[Stance] = mapped_column(str_enum(Stance, "stance"))
    #: Plain text, shown escaped with its line breaks; never rendered as markup.
    text: Mapped[str] = mapped_column(Text)
    # Private: staff only (R12).
    email: Mapped[str | None] = mapped_column(String(254))
    city: Mapped[str | None] = mapped_column(String(80))
    disclaimer_version: Mapped[str] = mapped_column(String(20))
    status: Mapped[WrittenCommentStatus] = mapped_column(
        str_enum(WrittenCommentStatus, "written_comment_status"), default=WrittenCommentStatus.submitted
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped["AgendaItem"] = relationship("AgendaItem")
