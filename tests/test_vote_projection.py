"""A running tally while a vote is open (issue 17): never a result, and right at every instant.

Hypothesis draws seat counts, votes so far, members still to vote, absences and every threshold rule; the
projection is checked against every possible way the remaining members could vote."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.bodies.models import ThresholdBasis, ThresholdFraction
from app.votes.thresholds import Tally, outcome, project


def completions(remaining: int):
    for yes in range(remaining + 1):
        for no in range(remaining - yes + 1):
            yield yes, no, remaining - yes - no


@st.composite
def open_votes(draw):
    seats = draw(st.integers(min_value=1, max_value=15))
    vacant = draw(st.integers(min_value=0, max_value=seats - 1))
    members = seats - vacant
    absent = draw(st.integers(min_value=0, max_value=members))
    present = members - absent
    remaining = draw(st.integers(min_value=0, max_value=present))
    voted = present - remaining
    yes = draw(st.integers(min_value=0, max_value=voted))
    no = draw(st.integers(min_value=0, max_value=voted - yes))
    abstain = voted - yes - no
    excused = draw(st.integers(min_value=0, max_value=absent))
    return {
        "basis": draw(st.sampled_from(list(ThresholdBasis))),
        "fraction": draw(st.sampled_from(list(ThresholdFraction))),
        "min_yes": draw(st.integers(min_value=0, max_value=seats)),
        "seats": seats,
        "tally": Tally(yes=yes, no=no, abstain=abstain, absent=absent - excused, excused=excused),
        "remaining": remaining,
    }


def _passes(vote, yes, no, abstain) -> bool:
    t = vote["tally"]
    completed = Tally(t.yes + yes, t.no + no, t.abstain + abstain, t.absent, t.excused)
    return outcome(vote["basis"], vote["fraction"], vote["min_yes"], seats=vote["seats"], tally=completed).passed


@settings(max_examples=600, deadline=None)
@given(open_votes())
def test_the_projection_agrees_with_every_way_the_rest_could_vote(vote):
    projection = project(
        vote["basis"],
        vote["fraction"],
        vote["min_yes"],
        seats=vote["seats"],
        tally=vote["tally"],
        remaining=vote["remaining"],
    )
    results = {(y, n, a): _passes(vote, y, n, a) for y, n, a in completions(vote["remaining"])}
    if projection.decided is True:
        assert all(results.values())
    elif projection.decided is False:
        assert not any(results.values())
    else:
        assert any(results.values()) and not all(results.values())
        passing_yes = [y for (y, _, _), ok in results.items() if ok]
        assert projection.more_yes == min(passing_yes)  # the fewest further yes votes that can carry it
        if projection.more_yes == 0:
            assert "would pass as it stands" in projection.sentence()
    if vote["remaining"] == 0:  # every vote in: the projection is the result the close will write
        assert (
            projection.decided
            is outcome(
                vote["basis"], vote["fraction"], vote["min_yes"], seats=vote["seats"], tally=vote["tally"]
            ).passed
        )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(open_votes())
def test_an_open_vote_never_reads_failed_or_passed(app, vote):
    projection = project(
        vote["basis"],
        vote["fraction"],
        vote["min_yes"],
        seats=vote["seats"],
        tally=vote["tally"],
        remaining=vote["remaining"],
    )
    words = projection.sentence()
    assert "Failed." not in words and "Passed." not in words
    assert words.startswith("Vote open")


def test_the_june_30_roll_call_as_it_is_called(app):
    """Seven seats, majority of those present: after the first yes it is pending, not failed."""
    args = (ThresholdBasis.members_present, ThresholdFraction.majority, 0)
    first = project(*args, seats=7, tally=Tally(yes=1), remaining=6)
    assert first.decided is None and first.more_yes == 3
    assert first.sentence() == (
        "Vote open (Majority of members present): 1 yes, 0 no; 6 still to vote. Pending: needs 3 more yes."
    )
    fourth = project(*args, seats=7, tally=Tally(yes=4), remaining=3)
    assert fourth.decided is True
    assert fourth.sentence().endswith("Will pass whatever the rest vote.")
    last = project(*args, seats=7, tally=Tally(yes=6, no=1), remaining=0)
    assert last.decided is True and last.sentence().endswith("Will pass when closed.")
    hopeless = project(
        ThresholdBasis.full_membership, ThresholdFraction.four_fifths, 0, seats=7, tally=Tally(no=2), remaining=5
    )
    assert hopeless.decided is False and "Cannot pass whatever the rest vote." in hopeless.sentence()
