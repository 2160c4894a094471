"""The words a live screen puts on the snapshot's codes, in the reader's language (pages and scripts share them)."""

from flask_babel import gettext as _

from app.meetings.models import MeetingStatus
from app.public_comment.models import Stance
from app.votes.models import VoteChoice


def labels() -> dict:
    """The words a live page puts on the snapshot's codes, in the reader's language."""
    return {
        "status": {s.value: str(s.label) for s in MeetingStatus},
        "stance": {s.value: str(s.label) for s in Stance},
        "choice": {c.value: str(c.label) for c in VoteChoice} | {"": _("Not yet voted")},
        "result": {"passed": _("Passed"), "failed": _("Failed")},
        "idle": _("No one is speaking"),
        "no_item": _("No item is before the body."),
        "paused": _("Paused"),
        "open": _("Vote open"),
        "will_pass": _("Will pass when closed."),
        "cannot_pass": _("Cannot pass whatever the rest vote."),
        "pending": _("Pending: needs %(num)s more yes."),
        "remaining": _("%(num)s still to vote"),
        "counts": _("%(yes)s yes, %(no)s no, %(abstain)s abstaining"),
        "waiting": _("%(num)s waiting to speak"),
    }
