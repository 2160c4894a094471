"""Comment policies (R6): versioned rules per body, the version a meeting keeps, and the sign-up window."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.bodies.models import Body
from app.bodies.services import lock_body
from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.meetings.models import AgendaItem, Meeting, MeetingStatus
from app.public_comment.models import CommentPolicy

# --- policy ------------------------------------------------------------------------------------


def default_policy(body: Body) -> CommentPolicy:
    """The rules used when a body has adopted none: an unsaved policy with the configured defaults."""
    config = current_app.config
    return CommentPolicy(
        body_id=body.id,
        version=0,
        adopted_on=None,
        adopted_by="",
        speaker_seconds=config["COMMENT_SPEAKER_SECONDS"],
        group_seconds=config["COMMENT_GROUP_SECONDS"],
        item_cap_minutes=None,
        signup_closes_minutes=config["COMMENT_SIGNUP_CLOSES_MINUTES"],
        written_accepted=True,
        written_max_chars=config["COMMENT_WRITTEN_MAX_CHARS"],
        ceding_allowed=False,
    )


def policies(body: Body) -> list[CommentPolicy]:
    return list(
        db.session.scalars(
            select(CommentPolicy).where(CommentPolicy.body_id == body.id).order_by(CommentPolicy.version.desc())
        )
    )


def policy_in_force(body: Body, on: date) -> CommentPolicy | None:
    """The latest version adopted on or before ``on``; a version adopted for a later date is not yet in force."""
    return db.session.scalar(
        select(CommentPolicy)
        .where(CommentPolicy.body_id == body.id, CommentPolicy.adopted_on <= on)
        .order_by(CommentPolicy.adopted_on.desc(), CommentPolicy.version.desc())
        .limit(1)
    )


def effective_policy(meeting: Meeting) -> CommentPolicy:
    """The rules of this meeting: the version stamped at notice, else the one in force today, else defaults."""
    if meeting.comment_policy is not None:
        return meeting.comment_policy
    return policy_in_force(meeting.body, to_local(utcnow()).date()) or default_policy(meeting.body)


def stamp_policy(meeting: Meeting) -> None:
    """R6: called when the notice is published; the meeting keeps this version whatever is adopted later."""
    if meeting.comment_policy_id is None:
        policy = policy_in_force(meeting.body, to_local(utcnow()).date())
        if policy is not None:
            meeting.comment_policy = policy


POLICY_LIMITS = {
    "speaker_seconds": (30, 1800),
    "group_seconds": (30, 3600),
    "item_cap_minutes": (1, 24 * 60),
    "signup_closes_minutes": (0, 7 * 24 * 60),
    "written_max_chars": (100, 20000),
}


def adopt_policy(
    body: Body,
    *,
    adopted_on: date,
    adopted_by: str,
    speaker_seconds: int,
    group_seconds: int,
    item_cap_minutes: int | None,
    signup_closes_minutes: int,
    written_accepted: bool,
    written_max_chars: int,
    ceding_allowed: bool,
    actor,
) -> CommentPolicy:
    """R6: a new version of the body's comment policy. Versions are never edited; meetings already noticed
    keep the version stamped on them."""
    values = {
        "speaker_seconds": speaker_seconds,
        "group_seconds": group_seconds,
        "item_cap_minutes": item_cap_minutes,
        "signup_closes_minutes": signup_closes_minutes,
        "written_max_chars": written_max_chars,
    }
    for name, value in values.items():
        low, high = POLICY_LIMITS[name]
        if value is None and name == "item_cap_minutes":
            continue
        if value is None or not low <= value <= high:
            raise DomainError(_("Enter a number from %(low)d to %(high)d.", low=low, high=high), field=name)
    if group_seconds < speaker_seconds:
        raise DomainError(
            _("A group representative cannot have less time than an individual speaker."), field="group_seconds"
        )
    if adopted_on is None or not date(2000, 1, 1) <= adopted_on <= date(2100, 12, 31):
        raise DomainError(_("Enter the date the policy was adopted."), field="adopted_on")
    lock_body(body)  # two clerks saving at once: consecutive versions, never a UNIQUE violation
    latest = db.session.scalar(select(func.max(CommentPolicy.version)).where(CommentPolicy.body_id == body.id))
    policy = CommentPolicy(
        body_id=body.id,
        version=(latest or 0) + 1,
        adopted_on=adopted_on,
        adopted_by=clean_text(adopted_by),
        written_accepted=bool(written_accepted),
        ceding_allowed=bool(ceding_allowed),
        created_by_id=actor.id if actor else None,
        **values,
    )
    db.session.add(policy)
    db.session.flush()
    audit.record(
        "comment_policy.adopt",
        policy,
        f"Comment policy version {policy.version} of {body.name}",
        actor=actor,
        data={
            **values,
            "adopted_on": adopted_on.isoformat(),
            "adopted_by": policy.adopted_by,
            "written_accepted": policy.written_accepted,
            "ceding_allowed": policy.ceding_allowed,
        },
    )
    return policy


# --- the sign-up window -------------------------------------------------------------------------


@dataclass
class SignupWindow:
    closes_at: datetime
    #: "unpublished" (no agenda yet), "open", "closed", "ended" (adjourned), "cancelled"
    state: str

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def message(self) -> str:
        from app.core.web import format_local

        closes = format_local(self.closes_at)
        if self.state == "unpublished":
            return _("Sign-up opens when the agenda is published and closes at %(closes)s.", closes=closes)
        if self.state == "cancelled":
            return _("This meeting was cancelled; sign-up is closed.")
        if self.state == "ended":
            return _("This meeting has ended. The speakers and comments below are the record.")
        if self.state == "closed":
            return _(
                "Sign-up for this meeting closed at %(closes)s. You can still ask to speak in the chamber "
                "before the item is called.",
                closes=closes,
            )
        return _("Sign-up is open until %(closes)s.", closes=closes)


def signup_window(
    meeting: Meeting, *, now: datetime | None = None, policy: CommentPolicy | None = None
) -> SignupWindow:
    """R6: sign-up opens when the agenda is published and closes the policy's minutes before the start."""
    now = now or utcnow()
    policy = policy or effective_policy(meeting)
    closes = meeting.start_at - timedelta(minutes=policy.signup_closes_minutes)
    opens = meeting.agenda_published_at
    if meeting.status == MeetingStatus.cancelled:
        state = "cancelled"
    elif meeting.status == MeetingStatus.adjourned:
        state = "ended"
    elif meeting.status == MeetingStatus.in_progress or now >= closes:
        state = "closed"
    elif opens is None:
        state = "unpublished"
    else:
        state = "open"
    return SignupWindow(closes_at=closes, state=state)


def commentable_items(meeting: Meeting) -> list[AgendaItem]:
    """Items a resident can comment on: on the agenda, not withdrawn, not exempt from comment (R5)."""
    return [i for i in meeting.active_items if i.public_comment_required]


def require_commentable(item: AgendaItem) -> None:
    if item.is_withdrawn or not item.public_comment_required:
        raise DomainError(_("This item does not take public comment. Choose another item."), field="agenda_item_id")
