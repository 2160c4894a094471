"""The minutes' answers to the votes below them (connected once, when create_app imports this)."""

from app.minutes.services import approve_by_vote, minutes_for_item, record_not_approved, reopen_approval
from app.votes.events import item_decided, item_reopened


@item_decided.connect
def approve_or_keep_minutes(item, *, record, actor):
    """Issue 17: a passed vote on an "Approval of the minutes" item approves and locks the minutes, with the meeting
    and the motion; a failed one leaves them released for approval."""
    minutes = minutes_for_item(item)
    if minutes is None:
        return
    if record.passed:
        approve_by_vote(minutes, record, actor=actor)
    else:
        record_not_approved(minutes, record, actor=actor)


@item_reopened.connect
def reopen_minutes(item, *, actor):
    """A reconsidered approval puts the minutes back to released until the question is decided again."""
    minutes = minutes_for_item(item)
    if minutes is not None:
        reopen_approval(minutes, item, actor=actor)
