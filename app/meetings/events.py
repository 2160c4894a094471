"""What happens to a meeting that features above it react to (blinker signals, sent inside the transaction).

A receiver runs before the change is committed: its writes land in the same commit, and an error it raises
refuses the whole change. Side effects outside the database do not belong in a receiver; mail does, as rows of
the outbox (app/core/outbox.py), which is delivered only once the change commits.
"""

from blinker import Namespace

_signals = Namespace()

#: The notice of a meeting was published for the first time. Sender: the Meeting.
notice_published = _signals.signal("meeting-notice-published")

#: A meeting is about to be adjourned; a receiver may refuse with a DomainError (an open roll call, items left
#: undecided and not ``confirmed``). Sender: the Meeting; keywords: confirmed, actor.
meeting_adjourning = _signals.signal("meeting-adjourning")

#: A meeting was adjourned (its record is complete). Sender: the Meeting; keyword: actor.
meeting_adjourned = _signals.signal("meeting-adjourned")

#: The agenda of a meeting was published. Sender: the Meeting; keyword: actor.
agenda_published = _signals.signal("meeting-agenda-published")

#: A published agenda was amended (an item added, changed, moved or withdrawn, a document attached): the change
#: is in the public change log. Sender: the Meeting; keyword: actor.
agenda_amended = _signals.signal("meeting-agenda-amended")
