"""Written comments: submitted within the policy's length, published by the clerk, hidden only with a reason."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core import audit
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db
from app.meetings.models import AgendaItem
from app.public_comment.intake import (
    CITY_MAX,
    EMAIL_MAX,
    EMAIL_RE,
    NAME_MAX,
    check_public_submission,
    clean_field,
    parse_stance,
)
from app.public_comment.models import WrittenComment, WrittenCommentStatus
from app.public_comment.policy import effective_policy, require_commentable


def submit_written_comment(
    item: AgendaItem,
    *,
    name,
    stance,
    text,
    email=None,
    city=None,
    disclaimer_version: str | None,
    submission_key: str | None = None,
) -> tuple:
    """A written comment within the policy's length. Returns (comment, created)."""
    if submission_key:
        existing = db.session.scalar(select(WrittenComment).where(WrittenComment.submission_key == submission_key))
        if existing is not None:
            return existing, False
    require_commentable(item)
    meeting = item.meeting
    policy = effective_policy(meeting)
    if not policy.written_accepted:
        raise DomainError(_("This body does not take written comments."))
    check_public_submission(meeting, disclaimer_version, policy=policy)
    stance = parse_stance(stance)
    name = clean_field(name, "name", NAME_MAX, required=True)
    body = clean_field(text, "text", policy.written_max_chars, required=True, multiline=True)
    email = clean_field(email, "email", EMAIL_MAX)
    if email and not EMAIL_RE.match(email):
        raise DomainError(_("Enter an email address like name@example.com, or leave it empty."), field="email")
    duplicate = db.session.scalar(
        select(WrittenComment).where(
            WrittenComment.agenda_item_id == item.id,
            func.lower(WrittenComment.name) == name.lower(),
            WrittenComment.text == body,
        )
    )
    if duplicate is not None:
        return duplicate, False
    comment = WrittenComment(
        agenda_item_id=item.id,
        meeting_id=meeting.id,
        submission_key=submission_key,
        name=name,
        stance=stance,
        text=body,
        email=email,
        city=clean_field(city, "city", CITY_MAX),
        disclaimer_version=disclaimer_version,
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    audit.record(
        "written_comment.submit",
        comment,
        f"Written comment by {name} on {item.label} {item.title}",
        actor_label="public",
        data={"item_id": item.id, "stance": stance.value, "length": len(body)},
    )
    return comment, True


def publish_written_comment(comment: WrittenComment, *, actor) -> None:
    if comment.status == WrittenCommentStatus.published:
        raise DomainError(_("This comment is already published."))
    comment.status = WrittenCommentStatus.published
    comment.published_at = utcnow()
    comment.hidden_at = comment.hidden_reason = None
    comment.reviewed_by_id = actor.id if actor else None
    audit.record("written_comment.publish", comment, f"Published the written comment of {comment.name}", actor=actor)
    db.session.flush()


def hide_written_comment(comment: WrittenComment, *, reason: str, actor) -> None:
    """Hidden, never deleted (Ch. 119): the comment and the reason stay on record for staff."""
    reason = clean_field(reason, "reason", 500)
    if not reason:
        raise DomainError(
            _("Give the reason for hiding this comment (for example the statutory exemption)."), field="reason"
        )
    if comment.status == WrittenCommentStatus.hidden:
        raise DomainError(_("This comment is already hidden."))
    comment.status = WrittenCommentStatus.hidden
    comment.hidden_at = utcnow()
    comment.hidden_reason = reason
    comment.reviewed_by_id = actor.id if actor else None
    audit.record(
        "written_comment.hide",
        comment,
        f"Hid the written comment of {comment.name}: {reason}",
        actor=actor,
        data={"reason": reason},
    )
    db.session.flush()
