"""What a vote decides, for the features above votes to react to (blinker signals, sent inside the transaction).

A receiver runs before the roll call is committed: its writes land in the same commit, and a DomainError it
raises refuses the close of the vote.
"""

from blinker import Namespace

_signals = Namespace()

#: A roll call decided an agenda item. Sender: the AgendaItem. ``record``: the Motion that carries the vote for
#: that item (the main motion, or the item's own record of a consent-agenda vote); ``actor``: who closed the vote.
item_decided = _signals.signal("vote-item-decided")

#: A passed reconsideration put an item's question again: what the first vote decided is open again.
#: Sender: the AgendaItem; ``actor``: who closed the reconsideration's vote.
item_reopened = _signals.signal("vote-item-reopened")

#: A closed roll call's record was corrected (a VoteCorrection). Sender: the Meeting; ``actor``: who corrected it.
vote_corrected = _signals.signal("vote-corrected")
