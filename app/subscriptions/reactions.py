"""Subscriptions' answers to the events of the layers below (connected once, when create_app imports this)."""

from app.meetings.events import agenda_published
from app.subscriptions.services import notify_agenda


@agenda_published.connect
def mail_the_agenda(meeting, actor=None):
    """Subscribers get the agenda: queued in the publishing transaction, delivered once it commits."""
    notify_agenda(meeting, actor=actor)
