"""A submission's life: drafted, submitted into the route, approved step by step, returned, rejected, placed.

A returned submission goes back to its submitter with the approver's comments; resubmitting starts the route
again at step 1 with the route as it is then (everyone sees the changed item). Submitting after the requested
meeting's agenda closed is accepted and flagged ``late``: the clerk sees it on the ready-to-place list and decides.
"""

import io

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.models import Role, User
from app.core import audit
from app.core.errors import DomainError
from app.core.storage import storage
from app.core.text import clean_text
from app.core.timeutil import to_local, utcnow
from app.core.uploads import validate_and_store
from app.extensions import db
from app.intake import access, notify, routes
from app.intake.models import StepAction, Submission, SubmissionFile, SubmissionState, SubmissionStep
from app.meetings import agenda, documents
from app.meetings.models import AgendaItemType, Meeting, MeetingStatus

S = SubmissionState
MAX_TEXT = 20_000
MAX_FILES = 10


def upcoming_meetings() -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .options(joinedload(Meeting.body))
            .where(
                Meeting.start_at >= utcnow(), Meeting.status.notin_([MeetingStatus.cancelled, MeetingStatus.adjourned])
            )
            .order_by(Meeting.start_at)
            .limit(100)
        )
    )


def _text(value, field, limit=MAX_TEXT, multiline=True) -> str:
    value = clean_text(value or "", multiline=multiline)
    if len(value) > limit:
        raise DomainError(_("This is too long (%(n)d characters at most).", n=limit), field=field)
    return value


def _fields(*, item_type, title, summary_md, fiscal_impact, recommended_action, meeting_id) -> dict:
    title = _text(title, "title", 300, multiline=False)
    if not title:
        raise DomainError(_("Enter a title."), field="title")
    try:
        item_type = AgendaItemType(item_type)
    except ValueError:
        raise DomainError(_("Choose the kind of item."), field="item_type") from None
    meeting = None
    if meeting_id:
        meeting = next((m for m in upcoming_meetings() if m.id == int(meeting_id)), None)
        if meeting is None:
            raise DomainError(_("Choose an upcoming meeting."), field="meeting_id")
    return {
        "item_type": item_type,
        "title": title,
        "summary_md": _text(summary_md, "summary_md"),
        "fiscal_impact": _text(fiscal_impact, "fiscal_impact"),
        "recommended_action": _text(recommended_action, "recommended_action"),
        "meeting_id": meeting.id if meeting else None,
    }


def _log(submission, action, actor, comment="", step_index=None):
    step_name = submission.route[step_index]["name"] if step_index is not None else ""
    db.session.add(
        SubmissionStep(
            submission=submission,
            action=action,
            step_index=step_index,
            step_name=step_name,
            comment=comment,
            actor_id=actor.id,
            created_at=utcnow(),
        )
    )


def save_draft(submission: Submission | None, *, actor, upload=None, **fields) -> Submission:
    """Create or change a draft (or a returned submission) of the actor's department."""
    if actor.role not in (Role.department, Role.admin, Role.clerk, Role.deputy_clerk):
        raise DomainError(_("Only department staff and the clerk's office draft submissions."))
    values = _fields(**fields)
    if submission is None:
        department = (actor.department or "").strip() or (_("City Clerk") if actor.role != Role.department else "")
        if not department:
            raise DomainError(_("Your account has no department: ask an administrator to set it."))
        submission = Submission(department=department[:120], submitter_id=actor.id, created_at=utcnow())
        db.session.add(submission)
    elif not access.can_edit(actor, submission):
        raise DomainError(_("This submission can no longer be changed."))
    for key, value in values.items():
        setattr(submission, key, value)
    db.session.flush()
    if upload is not None:
        add_file(submission, upload, actor=actor)
    audit.record(
        "intake.save",
        submission,
        f"Submission '{submission.title}' saved as {submission.state.value}",
        actor=actor,
        data={"after": {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}},
    )
    return submission


def add_file(submission: Submission, upload, *, actor) -> SubmissionFile:
    if len(submission.files) >= MAX_FILES:
        raise DomainError(_("A submission has at most %(n)d files.", n=MAX_FILES), field="file")
    stored = validate_and_store(upload.filename, upload.stream)
    if stored.content_type != "application/pdf":
        raise DomainError(_("Attach PDF files only."), field="file")
    row = SubmissionFile(
        submission=submission,
        original_filename=stored.original_filename,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=actor.id,
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "intake.file",
        submission,
        f"Attached '{stored.original_filename}'",
        actor=actor,
        data={"sha256": stored.sha256, "size": stored.size},
    )
    return row


def submit(submission: Submission, *, actor) -> Submission:
    if not access.can_edit(actor, submission):
        raise DomainError(_("This submission can no longer be submitted."))
    if submission.meeting_id is None:
        raise DomainError(_("Choose the meeting you request."), field="meeting_id")
    route = routes.snapshot()
    if not route:
        raise DomainError(_("The city has no approval route yet: ask the clerk to set one."))
    closes = routes.closing_date(submission.meeting)
    submission.late = to_local(utcnow()).date() > closes
    submission.route = route
    submission.current_step = 0
    submission.state = S.in_review
    submission.submitted_at = utcnow()
    _log(submission, StepAction.submitted, actor)
    db.session.flush()
    audit.record(
        "intake.submit",
        submission,
        f"Submission '{submission.title}' submitted{' late' if submission.late else ''}; waiting on {route[0]['name']}",
        actor=actor,
        data={"route": route, "late": submission.late, "closes": closes.isoformat()},
    )
    notify.step_waiting(submission)
    return submission


def _acting(submission: Submission, actor, version) -> int:
    if version not in (None, "") and str(version) != str(submission.version):
        raise DomainError(_("Someone else acted on this submission first; the page now shows where it stands."))
    if not access.can_act(actor, submission):
        if submission.state != S.in_review:
            raise DomainError(_("Someone else acted on this submission first; the page now shows where it stands."))
        raise DomainError(_("You are not an approver on this step."))
    return submission.current_step


def approve(submission: Submission, *, actor, comment: str = "", version=None) -> Submission:
    index = _acting(submission, actor, version)
    comment = _text(comment, "comment", 5000)
    _log(submission, StepAction.approved, actor, comment, index)
    step = submission.route[index]["name"]
    if index + 1 < len(submission.route):
        submission.current_step = index + 1
        summary = f"'{submission.title}' approved at {step}; waiting on {submission.route[index + 1]['name']}"
    else:
        submission.state = S.approved
        summary = f"'{submission.title}' approved at {step}: ready to place"
    db.session.flush()
    audit.record("intake.approve", submission, summary, actor=actor, data={"step": index, "comment": comment})
    if submission.state == S.in_review:
        notify.step_waiting(submission)
    notify.submitter(submission, StepAction.approved, step, comment)
    return submission


def send_back(submission: Submission, *, actor, comment: str, reject: bool = False, version=None) -> Submission:
    index = _acting(submission, actor, version)
    comment = _text(comment, "comment", 5000)
    if not comment:
        raise DomainError(
            _("Give the reason for rejecting.") if reject else _("Say what should change."), field="comment"
        )
    action = StepAction.rejected if reject else StepAction.returned
    _log(submission, action, actor, comment, index)
    submission.state = S.rejected if reject else S.returned
    db.session.flush()
    step = submission.route[index]["name"]
    audit.record(
        f"intake.{action.value}",
        submission,
        f"'{submission.title}' {action.value} at {step}",
        actor=actor,
        data={"step": index, "comment": comment},
    )
    notify.submitter(submission, action, step, comment)
    return submission


def place(submission: Submission, *, meeting: Meeting, section: str, actor, version=None, reading: str = ""):
    """Put an approved submission on ``meeting``'s agenda in ``section``, with its files copied through storage;
    an ordinance at its first or second reading (``reading``; the rules of app.matters.second_reading apply)."""
    if version not in (None, "") and str(version) != str(submission.version):
        raise DomainError(_("Someone else acted on this submission first; the page now shows where it stands."))
    if submission.state != S.approved:
        raise DomainError(_("Only an approved submission can be placed."))
    item = agenda.add_item(
        meeting,
        section=section,
        title=submission.title,
        body_md=submission.summary_md,
        item_type=submission.item_type,
        fiscal_impact=submission.fiscal_impact,
        amendment_reason=f"Placed from department submission {submission.id}",
        reading=reading,
        actor=actor,
    )
    item.recommended_action = submission.recommended_action
    for f in submission.files:
        documents.add_attachment(
            item,
            filename=f.original_filename,
            stream=io.BytesIO(storage().get(f.stored_name)),
            actor=actor,
            amendment_reason=f"Placed from department submission {submission.id}",
        )
    submission.state = S.placed
    submission.agenda_item_id = item.id
    _log(submission, StepAction.placed, actor, f"{meeting.id}:{item.label}")
    db.session.flush()
    audit.record(
        "intake.place",
        submission,
        f"'{submission.title}' placed as item {item.label} ({item.file_number})",
        actor=actor,
        data={"agenda_item_id": item.id, "meeting_id": meeting.id, "section": section},
    )
    notify.submitter(submission, StepAction.placed, section, "")
    return item


def users_by_id(ids) -> dict[int, User]:
    ids = {int(i) for i in ids}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
