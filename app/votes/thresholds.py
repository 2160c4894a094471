"""Vote thresholds (R8): a basis, a fraction and a floor of yes votes. The result is computed, never typed.

* ``votes_cast``: yes + no; abstentions and absences do not count.
* ``members_present``: every member present when the vote was taken, abstaining or not (RONR: an abstention
  then works as a no). Florida counsel should confirm this reading against AGO 85-40 before relying on it.
* ``full_membership``: the body's seats, filled or not.

A fraction means "at least that share"; a majority means more than half. A tie never passes.
"""

import math
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from app.bodies.models import ThresholdBasis, ThresholdFraction

B, F = ThresholdBasis, ThresholdFraction


def needed_of(fraction: ThresholdFraction, base: int) -> int:
    """The smallest number of yes votes that meets ``fraction`` of ``base``."""
    if fraction == F.majority:
        return base // 2 + 1
    if fraction == F.unanimous:
        return base
    numerator, denominator = {F.two_thirds: (2, 3), F.three_quarters: (3, 4), F.four_fifths: (4, 5)}[fraction]
    return math.ceil(base * numerator / denominator)


@dataclass(frozen=True)
class Tally:
    yes: int = 0
    no: int = 0
    abstain: int = 0
    absent: int = 0
    excused: int = 0

    @property
    def cast(self) -> int:
        return self.yes + self.no

    @property
    def present(self) -> int:
        return self.yes + self.no + self.abstain


@dataclass(frozen=True)
class Outcome:
    basis: ThresholdBasis
    fraction: ThresholdFraction
    min_yes: int
    base: int
    needed: int
    tally: Tally

    @property
    def passed(self) -> bool:
        # A tie fails whatever the rule (and so does a vote with no yes at all).
        return self.tally.yes >= self.needed and self.tally.yes > self.tally.no

    def rule_words(self) -> str:
        """ "Majority of members present", "Two-thirds of the full membership, at least 4 yes votes"."""
        words = _("%(fraction)s of %(basis)s", fraction=self.fraction.label, basis=self.basis.label)
        if self.min_yes:
            words += ", " + _("at least %(n)d yes votes", n=self.min_yes)
        return words

    def sentence(self) -> str:
        """ "Majority of members present (4 of 7 needed): 6 yes, 1 no. Passed." """
        parts = [_("%(n)d yes", n=self.tally.yes), _("%(n)d no", n=self.tally.no)]
        if self.tally.abstain:
            parts.append(_("%(n)d abstaining", n=self.tally.abstain))
        if self.tally.absent:
            parts.append(_("%(n)d absent", n=self.tally.absent))
        if self.tally.excused:
            parts.append(_("%(n)d excused", n=self.tally.excused))
        return _(
            "%(rule)s (%(needed)d of %(base)d needed): %(counts)s. %(result)s",
            rule=self.rule_words(),
            needed=self.needed,
            base=self.base,
            counts=", ".join(parts),
            result=_("Passed.") if self.passed else _("Failed."),
        )


def outcome(basis: ThresholdBasis, fraction: ThresholdFraction, min_yes: int, *, seats: int, tally: Tally) -> Outcome:
    base = {B.votes_cast: tally.cast, B.members_present: tally.present, B.full_membership: seats}[basis]
    needed = max(needed_of(fraction, base), min_yes, 1)
    return Outcome(basis=basis, fraction=fraction, min_yes=min_yes, base=base, needed=needed, tally=tally)


@dataclass(frozen=True)
class Projection:
    """An open vote, as it stands: the votes so far, how many are still to come, and what arithmetic already
    decides. Nothing here is a result: the outcome is written only when the vote is closed."""

    outcome: Outcome
    remaining: int
    #: True: passes whatever the rest vote; False: cannot pass whatever they vote; None: still open.
    decided: bool | None
    #: The fewest further yes votes with which it can still pass (0 once decided).
    more_yes: int

    def sentence(self) -> str:
        """ "Vote open: 3 yes, 1 no; 3 still to vote. Pending: needs 1 more yes." """
        tally = self.outcome.tally
        parts = [_("%(n)d yes", n=tally.yes), _("%(n)d no", n=tally.no)]
        if tally.abstain:
            parts.append(_("%(n)d abstaining", n=tally.abstain))
        if self.decided is True:
            state = _("Will pass whatever the rest vote.") if self.remaining else _("Will pass when closed.")
        elif self.decided is False:
            state = _("Cannot pass whatever the rest vote.") if self.remaining else _("Will fail when closed.")
        elif self.more_yes:
            state = ngettext("Pending: needs %(num)d more yes.", "Pending: needs %(num)d more yes.", self.more_yes)
        else:
            state = _("Pending: it would pass as it stands, but the rest can still defeat it.")
        return _(
            "Vote open (%(rule)s): %(counts)s; %(remaining)d still to vote. %(state)s",
            rule=self.outcome.rule_words(),
            counts=", ".join(parts),
            remaining=self.remaining,
            state=state,
        )


def project(
    basis: ThresholdBasis, fraction: ThresholdFraction, min_yes: int, *, seats: int, tally: Tally, remaining: int
) -> Projection:
    """What ``remaining`` votes still to come can make of ``tally``.

    For a given number of further yes votes, the rest abstaining is the completion most favourable to passing
    (an abstention lowers the base of ``votes_cast`` and never adds to the no side), and all of the rest voting
    no is the least favourable one; passing grows with the yes votes. tests/test_vote_projection.py checks this
    against every possible completion."""

    def passes(yes: int, no: int, abstain: int) -> bool:
        completed = Tally(
            yes=tally.yes + yes,
            no=tally.no + no,
            abstain=tally.abstain + abstain,
            absent=tally.absent,
            excused=tally.excused,
        )
        return outcome(basis, fraction, min_yes, seats=seats, tally=completed).passed

    now = outcome(basis, fraction, min_yes, seats=seats, tally=tally)
    if passes(0, remaining, 0):
        return Projection(now, remaining, True, 0)
    more = next((y for y in range(remaining + 1) if passes(y, 0, remaining - y)), None)
    if more is None:
        return Projection(now, remaining, False, 0)
    return Projection(now, remaining, None, more)
