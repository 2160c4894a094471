import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import to_local, utcnow
from app.core.versioning import version_column
from app.extensions import db
from app.meetings.accessibility import AttachmentAccessibility
from app.topics.models import Topic, agenda_item_topics

if TYPE_CHECKING:  # names for the relationship annotations only; nothing is imported at run time
    from app.bodies.models import Body, BodyRules, Member
    from app.legislation.models import Resolution
    from app.matters.models import Matter
    from app.public_comment.models import CommentPolicy
    from app.votes.models import Motion


class MeetingKind(LabeledEnum):
    regular = "regular", _l("Regular meeting")
    special = "special", _l("Special meeting")
    emergency = "emergency", _l("Emergency meeting")
    workshop = "workshop", _l("Workshop")


class MeetingStatus(LabeledEnum):
    draft = "draft", _l("Draft")
    noticed = "noticed", _l("Noticed")
    rescheduled = "rescheduled", _l("Rescheduled")
    in_progress = "in_progress", _l("In progress")
    adjourned = "adjourned", _l("Adjourned")
    cancelled = "cancelled", _l("Cancelled")


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("end_at IS NULL OR end_at > start_at", name="end_after_start"),
        # The agenda feeds, newest agenda first; a body's meetings by date (issue 18: read in index order).
        Index("ix_meetings_agenda_published_at", "agenda_published_at"),
        Index("ix_meetings_body_start", "body_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: RESTRICT: a body with meetings on the record is never deleted.
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind, "meeting_kind"))
    title: Mapped[str] = mapped_column(String(200))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    location: Mapped[str] = mapped_column(String(300))
    remote_url: Mapped[str | None] = mapped_column(String(500))
    #: The business stated in the call. Required for special and emergency meetings, which may take up
    #: nothing else (R3).
    purpose: Mapped[str | None] = mapped_column(Text)
    status: Mapped[MeetingStatus] = mapped_column(
        str_enum(MeetingStatus, "meeting_status"), default=MeetingStatus.draft
    )
    #: R2: set once, when the notice is first published; the lead time is measured from it. Never reset.
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Why the clerk published despite a blocking notice check; shown on the public notice.
    notice_override_reason: Mapped[str | None] = mapped_column(Text)
    #: Required to notice an emergency meeting at any lead time.
    emergency_justification: Mapped[str | None] = mapped_column(Text)
    cancelled_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: A past meeting loaded from the city's archive (issue 15), not noticed through Dais: it is public from
    #: the import, and no notice time or lead time is claimed for it (first_published_at stays empty).
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Agenda frozen from this time; later changes are amendments with a reason and a public log entry.
    agenda_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: R6: the comment policy in force when the notice was published; later versions do not change it.
    comment_policy_id: Mapped[int | None] = mapped_column(ForeignKey("comment_policies.id", ondelete="RESTRICT"))
    #: The body's rules (quorum, thresholds, seconds, roll-call order) in force when the notice was published;
    #: a later version of the rules does not change this meeting. Before the notice: the version in force on the day.
    rules_id: Mapped[int | None] = mapped_column(ForeignKey("body_rules.id", ondelete="RESTRICT"))
    #: Revision counter for calendar feeds: bumped on every change of time, place or status (R15).
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    body: Mapped["Body"] = relationship("Body", lazy="joined")
    items: Mapped[list["AgendaItem"]] = relationship(
        "AgendaItem", back_populates="meeting", order_by="AgendaItem.position"
    )
    changes: Mapped[list["MeetingChange"]] = relationship(
        "MeetingChange", back_populates="meeting", order_by="MeetingChange.id"
    )
    minutes: Mapped["Minutes | None"] = relationship(
        "Minutes", back_populates="meeting", uselist=False, foreign_keys="Minutes.meeting_id"
    )
    comment_policy: Mapped["CommentPolicy | None"] = relationship("CommentPolicy")
    stamped_rules: Mapped["BodyRules | None"] = relationship("BodyRules", lazy="joined")
    attendances: Mapped[list["Attendance"]] = relationship("Attendance", order_by="Attendance.id")

    @validates("first_published_at")
    def _first_publication_is_immutable(self, key, value):
        # R2: the lead time is measured from the first publication; re-publishing resets nothing.
        if self.first_published_at is not None and value != self.first_published_at:
            raise ValueError("first_published_at is set once and never changed")
        return value

    @property
    def local_date(self) -> date:
        return to_local(self.start_at).date()

    @property
    def rules(self) -> "BodyRules":
        """The rules this meeting runs under: those stamped at notice; for a meeting noticed before stamping
        existed, the version in force on its day among those adopted by its notice; else those in force on its day."""
        if self.stamped_rules is not None:
            return self.stamped_rules
        return self.body.rules_on(self.local_date, known_at=self.first_published_at)

    def stamp_rules(self) -> None:
        """Called as the notice goes out; the meeting keeps these rules whatever is adopted later."""
        if self.rules_id is None:
            self.stamped_rules = self.body.rules_on(self.local_date)

    @property
    def seat_count(self) -> int:
        """Seats of the body on the meeting's day (a vacant seat is still a seat)."""
        return len(self.body.seats_on(self.local_date))

    @property
    def quorum_needed(self) -> int:
        return self.rules.quorum_for(self.body, self.local_date)

    @property
    def membership_size(self) -> int:
        """What "the full membership" means on the meeting's day, by the body's vacancy rule."""
        return self.rules.membership_size(self.body, self.local_date)

    @property
    def is_noticed(self) -> bool:
        return self.first_published_at is not None and self.status != MeetingStatus.draft

    @hybrid_property
    def is_public(self) -> bool:
        """Public from the first publication of its notice: everything but a draft is on the public record, and a
        cancelled meeting stays visible. A past meeting imported from the archive is public from its import. The one
        definition, in Python and in SQL (``select(Meeting).where(Meeting.is_public)``); the portal, the API, feeds
        and search use nothing else."""
        return self.first_published_at is not None or self.imported_at is not None

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls) -> ColumnElement[bool]:
        return or_(cls.first_published_at.is_not(None), cls.imported_at.is_not(None))

    @property
    def agenda_is_published(self) -> bool:
        return self.agenda_published_at is not None

    @property
    def ordered_items(self) -> list["AgendaItem"]:
        """Items in agenda order (the loaded list is not re-sorted when positions change in memory)."""
        return sorted(self.items, key=lambda i: i.position)

    @property
    def active_items(self) -> list["AgendaItem"]:
        return [i for i in self.ordered_items if not i.is_withdrawn]


class MeetingChangeKind(enum.StrEnum):
    published = "published"
    rescheduled = "rescheduled"
    relocated = "relocated"
    cancelled = "cancelled"
    agenda_published = "agenda_published"
    agenda_amended = "agenda_amended"
    outside_purpose = "outside_purpose"
    called_early = "called_early"


class MeetingChange(db.Model):
    """The public change log of a meeting: reschedules, cancellation, agenda amendments (R3)."""

    __tablename__ = "meeting_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[MeetingChangeKind] = mapped_column(str_enum(MeetingChangeKind, "meeting_change_kind"))
    summary: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    meeting: Mapped["Meeting"] = relationship("Meeting", back_populates="changes")


class AgendaItemType(LabeledEnum):
    resolution = "resolution", _l("Resolution")
    ordinance = "ordinance", _l("Ordinance")
    motion = "motion", _l("Motion")
    presentation = "presentation", _l("Presentation")
    report = "report", _l("Report")
    ministerial = "ministerial", _l("Ministerial")


class CommentExemption(LabeledEnum):
    """F.S. 286.0114(3): the only reasons an item may go to a vote without public comment (R5)."""

    emergency = "emergency", _l("Emergency act (unreasonable delay)")
    ministerial = "ministerial", _l("Ministerial act (e.g. approving minutes, proclamations)")
    exempt_meeting = "exempt_meeting", _l("Meeting exempt from F.S. 286.011")
    quasi_judicial = "quasi_judicial", _l("Quasi-judicial proceeding")


agenda_item_sponsors = Table(
    "agenda_item_sponsors",
    db.Model.metadata,
    Column("agenda_item_id", ForeignKey("agenda_items.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="RESTRICT"), primary_key=True),
    # A member's sponsored items (their public page, the resolution list's sponsor filter).
    Index("ix_agenda_item_sponsors_member_id", "member_id"),
)


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"
    __table_args__ = (
        CheckConstraint("public_comment_required OR comment_exemption IS NOT NULL", name="exemption_needs_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    #: Key of the section, one of the body's agenda sections ("Resolutions").
    section: Mapped[str] = mapped_column(String(80))
    #: Order across the whole agenda; labels are derived from it and rewritten on every reorder.
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(String(300))
    #: Markdown as typed by the clerk; rendered through the sanitizer, never trusted as HTML.
    body_md: Mapped[str] = mapped_column(Text, default="")
    item_type: Mapped[AgendaItemType] = mapped_column(str_enum(AgendaItemType, "agenda_item_type"))
    #: The matter (legislative file) this item is an appearance of (issue 20). An item brought back later is a
    #: new item of the same matter.
    matter_id: Mapped[int] = mapped_column(ForeignKey("matters.id", ondelete="RESTRICT"), index=True)
    #: The matter's file number, copied when the item is added (app.meetings.agenda.add_item is the one writer);
    #: kept on the item for the search index and exports. Several items of one matter share it.
    file_number: Mapped[str] = mapped_column(String(20), index=True)
    #: Ordinances: which reading this appearance is (F.S. 166.041); "" for every other item.
    reading: Mapped[str] = mapped_column(String(10), default="")
    fiscal_impact: Mapped[str] = mapped_column(Text, default="")
    #: What staff recommend the body do (carried from a department submission, app.intake).
    recommended_action: Mapped[str | None] = mapped_column(Text)
    public_comment_required: Mapped[bool] = mapped_column(Boolean, default=True)
    comment_exemption: Mapped[CommentExemption | None] = mapped_column(str_enum(CommentExemption, "comment_exemption"))
    #: The kind of agreement the item concerns ("287(g) agreement"), checked against prohibited categories.
    agreement_category: Mapped[str | None] = mapped_column(String(120))
    #: Set when a special-meeting item was added although it is outside the stated purpose (R3).
    outside_purpose_note: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Bumped on every save; a save from a page rendered at another version is refused (app/core/versioning.py).
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}

    meeting: Mapped["Meeting"] = relationship("Meeting", back_populates="items")
    matter: Mapped["Matter"] = relationship("Matter", back_populates="items")
    sponsors: Mapped[list["Member"]] = relationship(
        "Member", secondary=agenda_item_sponsors, order_by="Member.sort_name"
    )
    topics: Mapped[list[Topic]] = relationship(Topic, secondary=agenda_item_topics, order_by=Topic.name)
    attachments: Mapped[list["Attachment"]] = relationship(
        "Attachment", back_populates="item", order_by="Attachment.id"
    )
    #: The resolution drafted from a resolution-type item (app.legislation), read-only from this side.
    resolution: Mapped["Resolution | None"] = relationship("Resolution", uselist=False, viewonly=True)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def reading_label(self):
        """ "First reading" or "Second reading" for an ordinance's appearance; None otherwise."""
        return {"first": _l("First reading"), "second": _l("Second reading")}.get(self.reading)


class Attachment(AttachmentAccessibility, db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"), index=True)
    #: The name the clerk's file had, shown and used for downloads; never used as a path.
    original_filename: Mapped[str] = mapped_column(String(255))
    #: Random name of the file in UPLOAD_DIR, outside the web root.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: The file's text, extracted on upload for search (app/meetings/texts.py); deferred: pages never load it.
    text_content: Mapped[str | None] = mapped_column(Text, deferred=True)

    item: Mapped["AgendaItem"] = relationship("AgendaItem", back_populates="attachments")

    @property
    def kind_label(self) -> str:
        from app.core.uploads import kind_label

        return kind_label(self.content_type)


class MinutesStatus(enum.StrEnum):
    #: The clerk's working draft: staff only, on no public page, feed, export or API.
    draft = "draft"
    #: Released by the clerk as the draft for approval: public, marked "Draft, not yet approved".
    released = "released"
    #: Approved by a passed vote of the body at a later meeting: locked for good.
    approved = "approved"


class Minutes(db.Model):
    """A meeting's minutes: drafted by the clerk, released as the draft for approval, approved by the body.

    Before release the draft is the clerk's working paper, shown to staff only (issue 17). This used to say that
    minutes are a public record from the moment a draft exists (R1, AGO 91-26): whether an unreleased draft that
    staff (commissioners included) can read is already a public record on request is for the city attorney, and
    releasing at once is always possible. From its release it is on every public page, marked "Draft, not yet
    approved", and can still be corrected until the body approves it.

    Approval is a motion and a roll call of the body at a later meeting, on an agenda item that the clerk puts on
    that meeting's agenda (app.minutes.services.schedule_approval); the vote's reaction (app.minutes.reactions)
    approves and locks them, recording the meeting and the motion. The clerk cannot approve them alone.

    The link between the minutes and that item is held here (``approval_item_id``), not on ``AgendaItem``: only
    a ministerial "Approval of the minutes" item concerns minutes, so the agenda table carries no column for the
    rest; and ``approved_motion_id`` points at ``motions``, which point at ``agenda_items``, so a column on
    ``agenda_items`` pointing here would close a cycle of foreign keys (no table order could create or empty
    them). When a vote fails and the clerk puts the minutes on another agenda, the link moves to the new item;
    each earlier item stays on its meeting's record with its vote, and the audit log names every one.
    """

    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), unique=True)
    body_md: Mapped[str] = mapped_column(Text, default="")
    #: Bumped on every save; a save from a page rendered at another version is refused (app/core/versioning.py).
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}
    status: Mapped[MinutesStatus] = mapped_column(
        str_enum(MinutesStatus, "minutes_status"), default=MinutesStatus.draft
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the clerk released the draft for approval (public from then on).
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The "Approval of the minutes" item of a later meeting that puts them to the body (the latest one).
    approval_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"), index=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The later meeting at which the minutes were approved, when there was one.
    approved_at_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"))
    #: The passed motion (its roll call) that approved them.
    approved_motion_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id", ondelete="RESTRICT"))
    #: Before approval by vote (issue 17), the clerk who approved them alone; kept for those records.
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    meeting: Mapped["Meeting"] = relationship("Meeting", back_populates="minutes", foreign_keys=[meeting_id])
    approved_at_meeting: Mapped["Meeting | None"] = relationship("Meeting", foreign_keys=[approved_at_meeting_id])
    approval_item: Mapped["AgendaItem | None"] = relationship("AgendaItem", foreign_keys=[approval_item_id])
    approved_motion: Mapped["Motion | None"] = relationship("Motion", foreign_keys=[approved_motion_id])

    @property
    def is_locked(self) -> bool:
        return self.status == MinutesStatus.approved

    @property
    def is_public(self) -> bool:
        """Released for approval, or approved: the only minutes a public page, feed, export or the API shows."""
        return self.status != MinutesStatus.draft

    @property
    def is_released(self) -> bool:
        """Released and not yet approved: the draft before the body."""
        return self.status == MinutesStatus.released


class AttendanceStatus(LabeledEnum):
    present_in_person = "present_in_person", _l("Present in person")
    #: Takes part by video or phone: counts for nothing toward quorum (R4, AGO 2010-34), may vote only while an
    #: in-person quorum holds (AGO 2003-41).
    present_remote = "present_remote", _l("Present remotely")
    absent = "absent", _l("Absent")
    excused = "excused", _l("Excused")


class Attendance(db.Model):
    """One member at one meeting: the roll call, then arrivals and departures as they happen (R4)."""

    __tablename__ = "attendances"
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id", name="meeting_member"),
        CheckConstraint("departed_at IS NULL OR arrived_at IS NOT NULL", name="departure_after_arrival"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    #: RESTRICT: a member on the record is never deleted.
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(str_enum(AttendanceStatus, "attendance_status"))
    #: When the member was first recorded present (at the roll call, or on arriving late).
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the member left before adjournment; cleared if they come back (the audit log keeps both).
    departed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    member: Mapped["Member"] = relationship("Member", lazy="joined")

    @property
    def is_present(self) -> bool:
        """In the meeting now: recorded present and not gone."""
        return (
            self.status in (AttendanceStatus.present_in_person, AttendanceStatus.present_remote)
            and self.departed_at is None
        )

    @property
    def in_person(self) -> bool:
        return self.is_present and self.status == AttendanceStatus.present_in_person


class LogKind(LabeledEnum):
    """What happened on the floor, to the second: the meeting's live log (cockpit, minutes, the video index)."""

    called_to_order = "called_to_order", _l("Called to order")
    roll_taken = "roll_taken", _l("Roll taken")
    member_arrived = "member_arrived", _l("Member arrived")
    member_departed = "member_departed", _l("Member left")
    item_opened = "item_opened", _l("Item taken up")
    item_closed = "item_closed", _l("Item finished")
    comment_opened = "comment_opened", _l("Public comment opened")
    comment_closed = "comment_closed", _l("Public comment closed")
    speaker_called = "speaker_called", _l("Speaker called")
    timer_started = "timer_started", _l("Timer started")
    timer_paused = "timer_paused", _l("Timer paused")
    timer_stopped = "timer_stopped", _l("Timer stopped")
    time_added = "time_added", _l("Time added")
    speaker_finished = "speaker_finished", _l("Speaker finished")
    speaker_no_show = "speaker_no_show", _l("Speaker did not answer")
    floor_requested = "floor_requested", _l("Member asked to speak")
    floor_granted = "floor_granted", _l("Member recognized to speak")
    motion_made = "motion_made", _l("Motion made")
    motion_seconded = "motion_seconded", _l("Motion seconded")
    vote_opened = "vote_opened", _l("Vote opened")
    vote_closed = "vote_closed", _l("Vote closed")
    adjourned = "adjourned", _l("Adjourned")


class MeetingLogEntry(db.Model):
    """One stamped moment of a meeting, written by the service that made it happen, in the same transaction.

    Append-only like the audit log, but for the meeting's own time line rather than for who changed what: the
    current item is the last item taken up and not finished; minutes and the video index read the times."""

    __tablename__ = "meeting_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[LogKind] = mapped_column(str_enum(LogKind, "meeting_log_kind"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"))
    #: The speaker card, motion or member the moment concerns (tables of the features above meetings).
    speaker_request_id: Mapped[int | None] = mapped_column(ForeignKey("speaker_requests.id", ondelete="RESTRICT"))
    motion_id: Mapped[int | None] = mapped_column(ForeignKey("motions.id", ondelete="RESTRICT"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    #: A sentence in the record language ("Ana Díaz called to speak"), for the minutes and the log page.
    summary: Mapped[str] = mapped_column(String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    item: Mapped["AgendaItem | None"] = relationship("AgendaItem")
