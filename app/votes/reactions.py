"""Votes' answers to the events of the layers below it (connected once, when create_app imports this)."""

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.errors import DomainError
from app.extensions import db
from app.meetings.events import meeting_adjourning
from app.meetings.lifecycle import OpenItemsRemain
from app.votes.models import Motion, MotionStatus
from app.votes.reading import open_items


@meeting_adjourning.connect
def refuse_adjourning_with_open_business(meeting, *, confirmed, actor):
    """An open roll call has no result until it is closed: adjourning is refused outright. Items left undecided
    are listed for the clerk, who may adjourn anyway once they confirm (``confirmed``)."""
    voting = db.session.scalar(
        select(Motion).where(Motion.meeting_id == meeting.id, Motion.status == MotionStatus.voting).limit(1)
    )
    if voting is not None:
        raise DomainError(
            _(
                "A roll call is open on the motion “%(text)s”. Close the vote before adjourning: a vote left open "
                "has no result.",
                text=voting.text[:120],
            )
        )
    if not confirmed and (items := open_items(meeting)):
        raise OpenItemsRemain(items)
