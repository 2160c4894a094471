"""Submissions, their approval route (set per city, snapshotted on submission), their step history and files."""

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.core.versioning import version_column
from app.extensions import db
from app.meetings.models import AgendaItemType, Meeting

#: Days before a meeting its agenda closes to submissions, unless the city set another number.
DEFAULT_CLOSE_DAYS = 10


class SubmissionState(LabeledEnum):
    draft = "draft", _l("Draft")
    in_review = "in_review", _l("In review")
    returned = "returned", _l("Returned for changes")
    approved = "approved", _l("Approved, ready to place")
    rejected = "rejected", _l("Rejected")
    placed = "placed", _l("Placed on an agenda")


class StepAction(LabeledEnum):
    submitted = "submitted", _l("Submitted")
    approved = "approved", _l("Approved")
    returned = "returned", _l("Returned with comments")
    rejected = "rejected", _l("Rejected")
    placed = "placed", _l("Placed on an agenda")


class IntakeSettings(db.Model):
    """The city's intake settings: one row (the city's), created on first use."""

    __tablename__ = "intake_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The agenda closes this many days before the meeting; a later submission is accepted but marked late.
    close_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_CLOSE_DAYS)


class RouteStep(db.Model):
    """One step of the city's approval route, in order; any one of its approvers acts on it."""

    __tablename__ = "intake_route_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    #: The users who may act on this step.
    approver_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: Only those of the approvers in the submitter's department may act ("Department head").
    same_department: Mapped[bool] = mapped_column(Boolean, default=False)


class Submission(db.Model):
    __tablename__ = "intake_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    department: Mapped[str] = mapped_column(String(120), index=True)
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    item_type: Mapped[AgendaItemType] = mapped_column(str_enum(AgendaItemType, "agenda_item_type"))
    title: Mapped[str] = mapped_column(String(300))
    summary_md: Mapped[str] = mapped_column(Text, default="")
    fiscal_impact: Mapped[str] = mapped_column(Text, default="")
    recommended_action: Mapped[str] = mapped_column(Text, default="")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    state: Mapped[SubmissionState] = mapped_column(
        str_enum(SubmissionState, "submission_state"), default=SubmissionState.draft, index=True
    )
    #: The route as it was when submitted: [{"name", "approver_ids", "same_department"}, ...].
    route: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Index into ``route`` of the step waiting for action while in review.
    current_step: Mapped[int] = mapped_column(Integer, default=0)
    #: Submitted after the requested meeting's agenda closed; the clerk sees it.
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Two approvers acting at once: the second save finds another version and is refused.
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}

    submitter: Mapped[User] = relationship(User, lazy="joined")
    meeting: Mapped[Meeting | None] = relationship(Meeting, lazy="joined")
    steps: Mapped[list["SubmissionStep"]] = relationship(
        "SubmissionStep", order_by="SubmissionStep.id", back_populates="submission"
    )
    files: Mapped[list["SubmissionFile"]] = relationship(
        "SubmissionFile", order_by="SubmissionFile.id", back_populates="submission"
    )

    @property
    def step_name(self) -> str | None:
        if self.state != SubmissionState.in_review or not self.route:
            return None
        return self.route[self.current_step]["name"]


class SubmissionStep(db.Model):
    """One thing that happened to a submission: submitted, approved at a step, returned, rejected, placed."""

    __tablename__ = "intake_submission_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("intake_submissions.id", ondelete="CASCADE"), index=True)
    action: Mapped[StepAction] = mapped_column(str_enum(StepAction, "intake_step_action"))
    step_index: Mapped[int | None] = mapped_column(Integer)
    step_name: Mapped[str] = mapped_column(String(120), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    submission: Mapped[Submission] = relationship(Submission, back_populates="steps")
    actor: Mapped[User] = relationship(User, lazy="joined")


class SubmissionFile(db.Model):
    """A PDF attached to a submission, stored like an agenda attachment (app.core.uploads)."""

    __tablename__ = "intake_submission_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("intake_submissions.id", ondelete="CASCADE"), index=True)
    original_filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    submission: Mapped[Submission] = relationship(Submission, back_populates="files")
