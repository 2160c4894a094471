"""TEMPORARY: what templates still read through ``votes.``; removed once views hand templates plain data."""

from app.votes.labels import BASIS_CHOICES, CHOICE_LABELS, ORDER_LABELS, STATUS_LABELS, choice_label, kind_label  # noqa: F401
from app.votes.reading import outcome_of, tally, threshold_words  # noqa: F401
