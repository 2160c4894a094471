"""Which resolutions are public. Searching them is app.search (one index over the whole record)."""

from sqlalchemy import select
from sqlalchemy.sql import Select

from app.legislation.models import Resolution
from app.meetings.models import AgendaItem, Meeting


def public_resolutions() -> Select:
    """Resolutions whose agenda is public, with nothing else applied."""
    return (
        select(Resolution)
        .join(AgendaItem, AgendaItem.id == Resolution.agenda_item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Meeting.agenda_published_at.is_not(None))
    )
