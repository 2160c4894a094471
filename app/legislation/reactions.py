"""Legislation's answers to the events of the layers below it (connected once, when create_app imports this)."""

from app.legislation.digest import pin_digest, repin_if_changed
from app.legislation.services import decide, reopen
from app.meetings.events import meeting_adjourned
from app.meetings.models import AgendaItemType
from app.votes.events import item_decided, item_reopened, vote_corrected


@item_decided.connect
def adopt_or_fail_resolution(item, *, record, actor):
    """R11: the vote on a resolution item numbers and adopts it, or records that it failed."""
    if item.item_type == AgendaItemType.resolution:
        decide(item, record, actor=actor)


@item_reopened.connect
def reopen_resolution(item, *, actor):
    """A reconsidered resolution goes back to draft until the question is decided again."""
    if item.item_type == AgendaItemType.resolution:
        reopen(item, actor=actor)


@meeting_adjourned.connect
def pin_record_digest(meeting, *, actor):
    """The adjourned meeting's record digest goes into the chained audit log (issue 16)."""
    pin_digest(meeting, actor=actor, reason="adjourned")


@vote_corrected.connect
def repin_record_digest(meeting, *, actor):
    """A correction after the digest was pinned is a lawful change of the record: pin the record again, so that
    `flask verify` tells it apart from a change made behind the services' back."""
    repin_if_changed(meeting, actor=actor, reason="vote corrected")
