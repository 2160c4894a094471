"""What happens to a body, for the features above bodies to react to (blinker signals, sent inside the
transaction). A receiver's DomainError refuses the change."""

from blinker import Namespace

_signals = Namespace()

#: A body is about to be retired from ``on`` (a date). Sender: the Body. Meetings refuses while one of the body's
#: meetings (not cancelled) falls on or after that day.
body_retiring = _signals.signal("body-retiring")
