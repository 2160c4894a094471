"""Public comment's answers to the events of the layers below it (connected once, when create_app imports this)."""

from app.meetings.events import notice_published
from app.public_comment.policy import stamp_policy


@notice_published.connect
def stamp_comment_policy(meeting):
    """R6: the meeting keeps the comment policy in force when its notice went out."""
    stamp_policy(meeting)
