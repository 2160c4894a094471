"""What legislation records, for the features above it to react to (blinker signals, sent inside the transaction)."""

from blinker import Namespace

_signals = Namespace()

#: What a resolution does to an agreement (or a category of agreements) was recorded. Sender: the
#: AgreementEffect; ``actor``: who recorded it.
effect_recorded = _signals.signal("legislation-effect-recorded")
