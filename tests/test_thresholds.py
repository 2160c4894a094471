"""R8: threshold arithmetic, as a table of every basis x fraction x floor (seven seats)."""

import pytest

from app.bodies.models import ThresholdBasis, ThresholdFraction
from app.votes.thresholds import Tally, needed_of, outcome

FRACTIONS = ["majority", "two_thirds", "three_quarters", "four_fifths", "unanimous"]

#: tally -> basis -> floor -> "needed+P/F" for majority, 2/3, 3/4, 4/5, unanimous. Worked by hand, not computed.
TABLE = {
    # 6-1 of 7 present (June 30, 2025)
    (6, 1, 0, 0, 0): {
        "votes_cast": {0: "4P 5P 6P 6P 7F", 5: "5P 5P 6P 6P 7F"},
        "members_present": {0: "4P 5P 6P 6P 7F", 5: "5P 5P 6P 6P 7F"},
        "full_membership": {0: "4P 5P 6P 6P 7F", 5: "5P 5P 6P 6P 7F"},
    },
    # 4-2 with one absent (July 8, 2025)
    (4, 2, 0, 1, 0): {
        "votes_cast": {0: "4P 4P 5F 5F 6F", 5: "5F 5F 5F 5F 6F"},
        "members_present": {0: "4P 4P 5F 5F 6F", 5: "5F 5F 5F 5F 6F"},
        "full_membership": {0: "4P 5F 6F 6F 7F", 5: "5F 5F 6F 6F 7F"},
    },
    # 3-3 with one absent: a tie fails
    (3, 3, 0, 1, 0): {
        "votes_cast": {0: "4F 4F 5F 5F 6F", 5: "5F 5F 5F 5F 6F"},
        "members_present": {0: "4F 4F 5F 5F 6F", 5: "5F 5F 5F 5F 6F"},
        "full_membership": {0: "4F 5F 6F 6F 7F", 5: "5F 5F 6F 6F 7F"},
    },
    # 4-3: passes a majority, fails two-thirds
    (4, 3, 0, 0, 0): {
        "votes_cast": {0: "4P 5F 6F 6F 7F", 5: "5F 5F 6F 6F 7F"},
        "members_present": {0: "4P 5F 6F 6F 7F", 5: "5F 5F 6F 6F 7F"},
        "full_membership": {0: "4P 5F 6F 6F 7F", 5: "5F 5F 6F 6F 7F"},
    },
    # 4-1 with two conflict abstentions: they count as present, not as cast
    (4, 1, 2, 0, 0): {
        "votes_cast": {0: "3P 4P 4P 4P 5F", 5: "5F 5F 5F 5F 5F"},
        "members_present": {0: "4P 5F 6F 6F 7F", 5: "5F 5F 6F 6F 7F"},
        "full_membership": {0: "4P 5F 6F 6F 7F", 5: "5F 5F 6F 6F 7F"},
    },
    # 2-2 with two abstaining and one excused: a tie under every rule
    (2, 2, 2, 0, 1): {
        "votes_cast": {0: "3F 3F 3F 4F 4F", 5: "5F 5F 5F 5F 5F"},
        "members_present": {0: "4F 4F 5F 5F 6F", 5: "5F 5F 5F 5F 6F"},
        "full_membership": {0: "4F 5F 6F 6F 7F", 5: "5F 5F 6F 6F 7F"},
    },
    # 3-0 with four absent: no quorum would let this happen, but the arithmetic still holds
    (3, 0, 0, 4, 0): {
        "votes_cast": {0: "2P 2P 3P 3P 3P", 5: "5F 5F 5F 5F 5F"},
        "members_present": {0: "2P 2P 3P 3P 3P", 5: "5F 5F 5F 5F 5F"},
        "full_membership": {0: "4F 5F 6F 6F 7F", 5: "5F 5F 6F 6F 7F"},
    },
    # nobody voted yes or no: never a pass
    (0, 0, 3, 4, 0): {
        "votes_cast": {0: "1F 1F 1F 1F 1F", 5: "5F 5F 5F 5F 5F"},
        "members_present": {0: "2F 2F 3F 3F 3F", 5: "5F 5F 5F 5F 5F"},
        "full_membership": {0: "4F 5F 6F 6F 7F", 5: "5F 5F 6F 6F 7F"},
    },
}

CASES = [
    pytest.param(counts, basis, fraction, floor, expected.split()[i], id=f"{counts}-{basis}-{fraction}-floor{floor}")
    for counts, by_basis in TABLE.items()
    for basis, by_floor in by_basis.items()
    for floor, expected in by_floor.items()
    for i, fraction in enumerate(FRACTIONS)
]


@pytest.mark.parametrize(("counts", "basis", "fraction", "floor", "expected"), CASES)
def test_threshold_table(counts, basis, fraction, floor, expected):
    yes, no, abstain, absent, excused = counts
    result = outcome(
        ThresholdBasis(basis),
        ThresholdFraction(fraction),
        floor,
        seats=7,
        tally=Tally(yes=yes, no=no, abstain=abstain, absent=absent, excused=excused),
    )
    assert f"{result.needed}{'P' if result.passed else 'F'}" == expected


def test_every_basis_fraction_and_floor_is_in_the_table():
    seen = {
        (basis, fraction, floor)
        for counts, by_basis in TABLE.items()
        for basis, by_floor in by_basis.items()
        for floor in by_floor
        for fraction in FRACTIONS
    }
    assert seen == {(b.value, f.value, floor) for b in ThresholdBasis for f in ThresholdFraction for floor in (0, 5)}


@pytest.mark.parametrize(
    ("fraction", "base", "needed"),
    [
        ("majority", 7, 4),
        ("majority", 6, 4),
        ("majority", 5, 3),
        ("two_thirds", 6, 4),
        ("two_thirds", 7, 5),
        ("two_thirds", 9, 6),
        ("three_quarters", 8, 6),
        ("four_fifths", 5, 4),
        ("four_fifths", 10, 8),
        ("unanimous", 3, 3),
    ],
)
def test_needed_is_at_least_the_fraction(fraction, base, needed):
    assert needed_of(ThresholdFraction(fraction), base) == needed


def test_the_threshold_sentence(app):
    with app.test_request_context():
        result = outcome(
            ThresholdBasis.members_present, ThresholdFraction.majority, 0, seats=7, tally=Tally(yes=6, no=1)
        )
        assert result.sentence() == "Majority of members present (4 of 7 needed): 6 yes, 1 no. Passed."
        result = outcome(
            ThresholdBasis.full_membership, ThresholdFraction.two_thirds, 4, seats=7, tally=Tally(yes=4, no=2, absent=1)
        )
        assert result.sentence() == (
            "Two-thirds of the full membership, at least 4 yes votes (5 of 7 needed): 4 yes, 2 no, 1 absent. Failed."
        )
