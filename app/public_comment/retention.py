"""How long residents' contact details are kept, and their removal on schedule (issue 22).

The city sets the period (``set_retention``, on /admin/security; until then CONTACT_RETENTION_MONTHS, 24). After
it, counted from the meeting, a speaker's and a written commenter's email, phone, city, interpreter language and
accommodation needs are cleared; their name, group, position and comment stay in the public record. A subscriber
who left is forgotten the same time after leaving, and the recipient address of mail sent that long ago is
cleared too. The purge itself runs from ``app.subscriptions.retention`` (which also sees subscribers): every
worker's tick at most once per RETENTION_CHECK_SECONDS, or ``flask retention purge`` at once; each purge that
cleared anything is one audit entry with the counts and the cut-off.
The public-records notice on every public form states the period (``app.public_comment.intake``).
"""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update

from app.core.errors import DomainError
from app.core.outbox import MailStatus, OutboxMessage
from app.extensions import db
from app.meetings.models import Meeting
from app.public_comment.models import SpeakerRequest, WrittenComment

MONTH = timedelta(days=30.44)
LIMITS = (1, 120)


def retention_months() -> int:
    from app.city.services import current_city

    chosen = current_city().contact_retention_months
    return chosen if chosen is not None else current_app.config["CONTACT_RETENTION_MONTHS"]


def set_retention(months, *, actor) -> None:
    from app.city.profile_settings import set_profile_value

    if not isinstance(months, int) or not LIMITS[0] <= months <= LIMITS[1]:
        raise DomainError(
            _("Enter a number of months from %(low)d to %(high)d.", low=LIMITS[0], high=LIMITS[1]),
            field="retention_months",
        )
    set_profile_value(
        "contact_retention_months",
        months,
        action="city.contact_retention",
        summary=f"Residents' contact details kept {months} months after the meeting",
        actor=actor,
    )


def cutoff(now: datetime) -> datetime:
    return now - retention_months() * MONTH


def purge_residents(before: datetime) -> dict[str, int]:
    """Clear speakers' and writers' contact details for meetings before ``before``, and the recipient of mail
    sent or given up before it. Returns the counts; the caller audits (app.subscriptions.retention)."""
    old_meetings = select(Meeting.id).where(Meeting.start_at < before)
    speakers = db.session.execute(
        update(SpeakerRequest)
        .where(
            SpeakerRequest.meeting_id.in_(old_meetings),
            or_(
                SpeakerRequest.email.is_not(None),
                SpeakerRequest.phone.is_not(None),
                SpeakerRequest.city.is_not(None),
                SpeakerRequest.interpreter_language.is_not(None),
                SpeakerRequest.accommodation.is_not(None),
            ),
        )
        .values(email=None, phone=None, city=None, interpreter_language=None, accommodation=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    written = db.session.execute(
        update(WrittenComment)
        .where(
            WrittenComment.meeting_id.in_(old_meetings),
            or_(WrittenComment.email.is_not(None), WrittenComment.city.is_not(None)),
        )
        .values(email=None, city=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    mail = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.recipient != "",
            or_(
                and_(OutboxMessage.status == MailStatus.sent, OutboxMessage.sent_at < before),
                and_(OutboxMessage.status == MailStatus.failed, OutboxMessage.next_attempt_at < before),
            ),
        )
        .values(recipient="")
        .execution_options(synchronize_session=False)
    ).rowcount
    return {"speakers": speakers, "written": written, "mail": mail}
