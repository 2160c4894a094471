"""Meetings' answers to the events of the layers below it (connected once, when create_app imports this)."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.bodies.events import body_retiring
from app.core.errors import DomainError
from app.core.timeutil import local_bounds
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus


@body_retiring.connect
def keep_meetings_of_a_retiring_body(body, *, on):
    """A body cannot retire while it still has noticed meetings on or after that day: cancel or move them first.
    (A draft does not stand in the way; it can no longer be noticed, see lifecycle.require_body_meets.)"""
    start, _end = local_bounds(on, on + timedelta(days=1))
    standing = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.body_id == body.id,
            Meeting.start_at >= start,
            Meeting.status.not_in([MeetingStatus.cancelled, MeetingStatus.draft]),
        )
        .order_by(Meeting.start_at)
        .limit(3)
    ).all()
    if standing:
        raise DomainError(
            _(
                "%(body)s still has meetings on or after that day (%(titles)s): cancel them first.",
                body=body.name,
                titles="; ".join(m.title for m in standing),
            ),
            field="retired_on",
        )
