"""Documents' answers to the events of the layers below (connected once, when create_app imports this).

The agenda packet is asked for again when the agenda is published or amended, if the city wants that
(PACKET_AUTO_BUILD, on by default). The receiver only notes a job for after the commit: the packet is read from the
agenda as committed, in the worker, never inside the clerk's request (an amendment's own rows may not all be
flushed when the event is sent).
"""

from flask import current_app

from app.core import jobs
from app.documents import packets  # noqa: F401  (registers the packet builds' tick with the jobs)
from app.meetings import events


@events.agenda_published.connect
def packet_on_publication(meeting, *, actor=None, **extra):
    if current_app.config.get("PACKET_AUTO_BUILD", True):
        jobs.after_commit("app.documents.packets.request_after_change", meeting.id, "agenda published")


@events.agenda_amended.connect
def packet_on_amendment(meeting, *, actor=None, **extra):
    if current_app.config.get("PACKET_AUTO_BUILD", True):
        jobs.after_commit("app.documents.packets.request_after_change", meeting.id, "agenda amended")
