"""Subscriptions' answers to the events of the layers below (connected once, when create_app imports this)."""

from app.legislation.events import effect_recorded
from app.meetings.events import agenda_amended, agenda_published
from app.subscriptions import alert_mail as _alert_mail  # noqa: F401  (its renderers, audience and tick)
from app.subscriptions import alerts
from app.subscriptions.services import notify_agenda
from app.votes.events import item_decided


@agenda_published.connect
def mail_the_agenda(meeting, actor=None):
    """Followers of the body get the agenda: queued in the publishing transaction, delivered once it commits."""
    notify_agenda(meeting, actor=actor)
    alerts.items_published(meeting.items)


@agenda_amended.connect
def alert_new_items(meeting, actor=None):
    """An item added to a published agenda: its followers are told (each item once, whatever else changed)."""
    if meeting.agenda_published_at is not None:
        alerts.items_published(meeting.items)


@item_decided.connect
def alert_the_vote(item, *, record, actor=None):
    """A roll call closed: the followers of the item, its topics, words, agreements and of each member voting."""
    alerts.record(alerts.vote_facts(item, record))


@effect_recorded.connect
def alert_the_effect(effect, *, actor=None):
    alerts.record(alerts.effect_facts(effect))
