"""Enums that carry the words shown for their values.

A member is declared with its stored value and its label, ``draft = "draft", _l("Draft")``, and an optional
second label for the other direction of a relation (``supersedes = "supersedes", _l("Supersedes"),
_l("Superseded by")``). Labels are lazy strings, so they are translated when shown, in the reader's language.
The stored value and the member names are unchanged by the labels: the database CHECK constraints built from
them stay the same. Templates show a label with the ``|label`` filter (app/core/web.py).
"""

import enum


class LabeledEnum(enum.StrEnum):
    def __new__(cls, value: str, label=None, inverse_label=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value
        member._inverse_label = inverse_label
        return member

    @property
    def label(self):
        """The word shown for this value (a lazy string: translated when rendered)."""
        return self._label

    @property
    def inverse_label(self):
        """The word for the other side of a relation ("Superseded by" for "Supersedes"); the label if none."""
        return self._inverse_label if self._inverse_label is not None else self._label
