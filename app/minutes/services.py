"""Minutes: drafted from the record (attendance, comment, motions and roll calls), edited, approved, locked."""

from flask_babel import gettext as _

from app.core import audit
from app.core.errors import DomainError
from app.core.record import in_record_language
from app.core.text import clean_text
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.legislation.digest import pin_digest
from app.meetings.models import Meeting, MeetingStatus, Minutes, MinutesStatus
from app.public_comment.tallies import comment_summary
from app.votes.reading import minutes_lines

S = MeetingStatus


def draft_minutes_text(meeting: Meeting) -> str:
    """A summary of what was done, from the record (minutes are not a transcript), in the record's language
    whatever the language of the clerk who asks for it."""
    with in_record_language():
        return _draft_minutes_text(meeting)


def _draft_minutes_text(meeting: Meeting) -> str:
    local = to_local(meeting.start_at)
    lines = [
        f"**Minutes: {meeting.title}**",
        "",
        f"{meeting.body.name}, {meeting.kind.value} meeting, {local:%A, %B %-d, %Y}, {local:%-I:%M %p %Z}, "
        f"{meeting.location}.",
        "",
    ]
    if meeting.purpose:
        lines += [f"Purpose stated in the call: {meeting.purpose}", ""]
    if meeting.status == S.cancelled:
        lines += [f"The meeting was cancelled. Reason: {meeting.cancelled_reason}", ""]
    if meeting.attendances:
        lines += ["### Attendance", ""]
        for row in sorted(meeting.attendances, key=lambda a: a.member.sort_name):
            left = f", left {to_local(row.departed_at):%-I:%M %p}" if row.departed_at else ""
            lines.append(f"- {row.member.full_name}: {str(row.status.label).lower()}{left}")
        lines.append("")
    lines += ["### Items", ""]
    summaries = comment_summary(meeting)
    recorded = minutes_lines(meeting)
    for item in meeting.ordered_items:
        if item.is_withdrawn:
            lines.append(f"- {item.label} {item.title} ({item.file_number}): withdrawn. {item.withdrawn_reason}")
        else:
            lines.append(f"- {item.label} {item.title} ({item.file_number})")
            lines += [f"    - {line}" for line in summaries.get(item.id, []) + recorded.get(item.id, [])]
    return "\n".join(lines) + "\n"


def generate_minutes(meeting: Meeting, *, actor, replace: bool = False) -> Minutes:
    if meeting.status == S.draft:
        raise DomainError(_("Minutes are kept for meetings whose notice is published."))
    minutes = meeting.minutes
    if minutes is not None and minutes.is_locked:
        raise DomainError(_("These minutes are approved and locked."))
    if minutes is not None and not replace:
        raise DomainError(
            _("Draft minutes already exist. Tick “replace” to regenerate them from the record."), field="replace"
        )
    text = draft_minutes_text(meeting)
    if minutes is None:
        minutes = Minutes(
            meeting_id=meeting.id, body_md=text, status=MinutesStatus.draft, created_at=utcnow(), updated_at=utcnow()
        )
        db.session.add(minutes)
        meeting.minutes = minutes
    else:
        minutes.body_md, minutes.updated_at = text, utcnow()
    db.session.flush()
    audit.record("minutes.generate", minutes, f"Generated draft minutes of '{meeting.title}'", actor=actor)
    return minutes


def update_minutes(minutes: Minutes, *, body_md: str, actor) -> None:
    if minutes.is_locked:
        raise DomainError(_("These minutes are approved and locked."))
    before = minutes.body_md
    minutes.body_md, minutes.updated_at = clean_text(body_md, multiline=True), utcnow()
    if before != minutes.body_md:
        audit.record(
            "minutes.update",
            minutes,
            "Edited draft minutes",
            actor=actor,
            data={"before": before, "after": minutes.body_md},
        )
    db.session.flush()


def approve_minutes(minutes: Minutes, *, approved_at_meeting: Meeting | None, actor) -> None:
    """Approval locks the minutes for good (normally done at a later meeting of the body)."""
    if minutes.is_locked:
        raise DomainError(_("These minutes are already approved."))
    if approved_at_meeting is not None:
        if approved_at_meeting.body_id != minutes.meeting.body_id or approved_at_meeting.id == minutes.meeting_id:
            raise DomainError(_("Choose a later meeting of the same body."), field="approved_at_meeting_id")
        if approved_at_meeting.start_at <= minutes.meeting.start_at:
            raise DomainError(_("Choose a later meeting of the same body."), field="approved_at_meeting_id")
    minutes.status = MinutesStatus.approved
    minutes.approved_at = utcnow()
    minutes.approved_at_meeting_id = approved_at_meeting.id if approved_at_meeting else None
    minutes.approved_by_id = actor.id if actor else None
    audit.record(
        "minutes.approve",
        minutes,
        f"Approved minutes of '{minutes.meeting.title}'",
        actor=actor,
        data={"approved_at_meeting_id": minutes.approved_at_meeting_id},
    )
    db.session.flush()
    # The approved minutes pin the record as it stands now (issue 16: a record that proves itself).
    pin_digest(minutes.meeting, actor=actor, reason="minutes approved")
