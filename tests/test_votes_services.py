"""Motions and roll calls (R1, R4, R5, R7 to R10): each rule enforced by the service."""

from datetime import timedelta

import pytest

from app.bodies.models import BodyRollCallOrder, ThresholdBasis, ThresholdFraction
from app.core.errors import DomainError
from app.extensions import db as _db
from app.legislation.models import ResolutionStatus
from app.meetings import attendance
from app.meetings.models import MeetingKind
from app.votes import conflicts, corrections
from app.votes import motions as motion_service
from app.votes import reading as vote_record
from app.votes import roll_call as roll_call_service
from app.votes import rules as vote_rules
from app.votes.models import DisclosureBasis, MotionKind, MotionResult, MotionStatus, VoteChoice
from tests.votes_helpers import hold_comment, items, roll_call, start

Y, N, A = VoteChoice.yes, VoteChoice.no, VoteChoice.abstain


@pytest.fixture
def meeting(commission, open_meeting, clock, db):
    m = open_meeting(commission[0])
    start(m, clock, db)
    return m


@pytest.fixture
def resolution_item(meeting):
    return items(meeting)[1]


def _ready(meeting, members, **attendance_by_name):
    roll_call(meeting, list(members.values()), **attendance_by_name)
    hold_comment(items(meeting)[1])


def _motion(meeting, item, members, mover="Hollis", seconder="Everett", actor_override=None, **kw):
    """A motion recorded by the clerk, or, with ``actor_override``, made by a commissioner for themselves."""
    return motion_service.make_motion(
        meeting,
        kind=kw.pop("kind", MotionKind.main),
        text=kw.pop("text", "Move to adopt"),
        item=item,
        mover_id=members[mover].id,
        seconder_id=members[seconder].id if seconder else None,
        actor=actor_override,
        for_self_only=actor_override is not None,
        **kw,
    )


def _vote_all(motion, choices: dict, members):
    for name, choice in choices.items():
        roll_call_service.record_vote(motion, members[name].id, choice, actor=None)


SIX_ONE = {"Marisol": Y, "Everett": Y, "Rosalind": Y, "Tobias": N, "Celestine": Y, "Hollis": Y, "Ines": Y}


def test_the_june_30_vote_adopts_the_resolution_with_a_number(meeting, members, resolution_item, clock):
    _ready(meeting, members)
    motion = _motion(meeting, resolution_item, members)
    roll_call_service.open_vote(motion, actor=None)
    # R10: the order used is stored: alphabetical, the chair (Quintana) last.
    order = [v.member.full_name.split()[0] for v in motion.votes]
    assert order == ["Celestine", "Ines", "Everett", "Rosalind", "Hollis", "Tobias", "Marisol"]
    assert motion.roll_call_order == [members[n].id for n in order]
    assert motion.roll_call_method == "alphabetical_chair_last"
    _vote_all(motion, SIX_ONE, members)
    result = roll_call_service.close_vote(motion, actor=None)
    assert result.sentence() == "Majority of members present (4 of 7 needed): 6 yes, 1 no. Passed."
    assert motion.result == MotionResult.passed and motion.status == MotionStatus.closed
    from app.legislation.services import find_resolution

    resolution = find_resolution(resolution_item)
    year = clock.now.year % 100
    assert resolution.status == ResolutionStatus.adopted and resolution.number == f"{year:02d}-001"
    assert resolution.motion_id == motion.id


def test_no_vote_opens_without_a_quorum_in_person(meeting, members, resolution_item):
    _ready(meeting, members, Marisol="present_remote", Everett="present_remote", Rosalind="absent", Tobias="excused")
    motion = _motion(meeting, resolution_item, members, mover="Hollis", seconder="Celestine")
    with pytest.raises(DomainError, match="No quorum: 3 of 4"):
        roll_call_service.open_vote(motion, actor=None)
    attendance.record_arrival(meeting, members["Rosalind"].id, actor=None)
    roll_call_service.open_vote(motion, actor=None)
    assert motion.is_open


def test_remote_members_vote_only_while_the_in_person_quorum_holds(meeting, members, resolution_item):
    _ready(meeting, members, Marisol="present_remote", Tobias="absent", Everett="excused")
    motion = _motion(meeting, resolution_item, members, mover="Hollis", seconder="Celestine")
    roll_call_service.open_vote(motion, actor=None)
    by_name = {v.member.full_name.split()[0]: v for v in motion.votes}
    assert by_name["Tobias"].choice == VoteChoice.absent and by_name["Everett"].choice == VoteChoice.excused
    assert by_name["Marisol"].remote
    roll_call_service.record_vote(motion, members["Marisol"].id, Y, actor=None)  # in-person quorum of 4 holds
    attendance.record_departure(meeting, members["Rosalind"].id, actor=None)  # 3 in person now
    with pytest.raises(DomainError, match="quorum was lost"):
        roll_call_service.record_vote(motion, members["Marisol"].id, N, actor=None)
    with pytest.raises(DomainError, match="quorum was lost"):
        roll_call_service.record_vote(motion, members["Hollis"].id, Y, actor=None)


def test_a_departure_that_breaks_quorum_blocks_the_next_vote(meeting, members, resolution_item):
    _ready(meeting, members, Marisol="absent", Everett="absent", Rosalind="absent")
    first = _motion(
        meeting,
        resolution_item,
        members,
        mover="Hollis",
        seconder="Celestine",
        kind=MotionKind.postpone,
        postponed_to=meeting.start_at.date() + timedelta(days=14),
    )
    roll_call_service.open_vote(first, actor=None)
    _vote_all(first, {"Hollis": Y, "Celestine": Y, "Ines": N, "Tobias": Y}, members)
    roll_call_service.close_vote(first, actor=None)
    attendance.record_departure(meeting, members["Tobias"].id, actor=None)
    second = _motion(meeting, resolution_item, members, mover="Hollis", seconder="Celestine")
    with pytest.raises(DomainError, match="No quorum"):
        roll_call_service.open_vote(second, actor=None)


def test_absent_members_are_recorded_as_such_and_cannot_answer(meeting, members, resolution_item):
    _ready(meeting, members, Tobias="absent")
    motion = _motion(meeting, resolution_item, members)
    roll_call_service.open_vote(motion, actor=None)
    with pytest.raises(DomainError, match="not present"):
        roll_call_service.record_vote(motion, members["Tobias"].id, Y, actor=None)
    with pytest.raises(DomainError, match="is present"):
        roll_call_service.record_vote(motion, members["Ines"].id, VoteChoice.absent, actor=None)


def test_abstention_needs_a_conflict_disclosed_before_the_vote_opened(meeting, members, resolution_item, clock, app):
    _ready(meeting, members)
    motion = _motion(meeting, resolution_item, members)
    roll_call_service.open_vote(motion, actor=None)
    with pytest.raises(DomainError, match="may abstain only"):
        roll_call_service.record_vote(motion, members["Ines"].id, A, actor=None)
    clock.advance(minutes=1)
    # Disclosed after the roll opened: still refused.
    conflicts.disclose_conflict(
        resolution_item,
        members["Ines"].id,
        nature="Her employer contracts with ICE",
        basis=DisclosureBasis.principal,
        actor=None,
    )
    with pytest.raises(DomainError, match="may abstain only"):
        roll_call_service.record_vote(motion, members["Ines"].id, A, actor=None)


def test_disclosed_conflict_allows_abstaining_and_form_8b_is_due_15_days_later(
    meeting, members, resolution_item, clock
):
    _ready(meeting, members)
    disclosure = conflicts.disclose_conflict(
        resolution_item,
        members["Ines"].id,
        nature="Spouse works for the contractor",
        basis=DisclosureBasis.relative,
        actor=None,
    )
    from app.core.timeutil import to_local

    meeting_day = to_local(meeting.start_at).date()
    assert disclosure.form_8b_due_on == meeting_day + timedelta(days=15)
    clock.advance(minutes=5)
    motion = _motion(meeting, resolution_item, members)
    roll_call_service.open_vote(motion, actor=None)
    vote = roll_call_service.record_vote(motion, members["Ines"].id, A, actor=None)
    assert vote.disclosure_id == disclosure.id
    _vote_all(motion, {k: v for k, v in SIX_ONE.items() if k != "Ines"}, members)
    result = roll_call_service.close_vote(motion, actor=None)
    assert result.sentence() == "Majority of members present (4 of 7 needed): 5 yes, 1 no, 1 abstaining. Passed."
    assert not disclosure.is_overdue(meeting_day + timedelta(days=15))
    assert disclosure.is_overdue(meeting_day + timedelta(days=16))
    assert conflicts.open_disclosures() == [disclosure]


def test_closing_with_a_present_member_unanswered_is_refused(meeting, members, resolution_item):
    _ready(meeting, members)
    motion = _motion(meeting, resolution_item, members)
    roll_call_service.open_vote(motion, actor=None)
    _vote_all(motion, {k: v for k, v in SIX_ONE.items() if k != "Everett"}, members)
    with pytest.raises(DomainError, match="No vote recorded for: Everett Lindqvist"):
        roll_call_service.close_vote(motion, actor=None)
    assert motion.is_open
    # A member who left during the roll call is recorded absent when it closes.
    attendance.record_departure(meeting, members["Everett"].id, actor=None)
    result = roll_call_service.close_vote(motion, actor=None)
    assert result.tally.absent == 1 and result.passed


def test_a_closed_vote_is_not_changed_and_corrections_are_separate(meeting, members, resolution_item):
    _ready(meeting, members)
    motion = _motion(meeting, resolution_item, members)
    roll_call_service.open_vote(motion, actor=None)
    _vote_all(motion, SIX_ONE, members)
    roll_call_service.close_vote(motion, actor=None)
    with pytest.raises(vote_rules.MotionNotOpen):
        roll_call_service.record_vote(motion, members["Tobias"].id, Y, actor=None)
    tobias = next(v for v in motion.votes if v.member_id == members["Tobias"].id)
    with pytest.raises(DomainError, match="Say why"):
        corrections.correct_vote(tobias, Y, "", actor=None)
    correction = corrections.correct_vote(tobias, Y, "The clerk misheard; the recording has yes.", actor=None)
    assert (tobias.choice, tobias.final_choice) == (N, Y)  # the original stays
    assert (correction.old_choice, correction.new_choice) == (N, Y)
    assert vote_record.outcome_of(motion).tally.yes == 7
    # A correction that would flip the announced result is refused.
    for name in ("Everett", "Rosalind", "Celestine", "Ines"):  # 4-3 still passes; 3-4 would not
        vote = next(v for v in motion.votes if v.member_id == members[name].id)
        if name != "Ines":
            corrections.correct_vote(vote, N, "Recording shows no", actor=None)
        else:
            with pytest.raises(DomainError, match="change the result"):
                corrections.correct_vote(vote, N, "Recording shows no", actor=None)


def test_a_motion_without_a_required_second_dies(meeting, members, resolution_item):
    _ready(meeting, members)
    motion = _motion(meeting, resolution_item, members, seconder=None)
    with pytest.raises(DomainError, match="no second"):
        roll_call_service.open_vote(motion, actor=None)
    motion_service.declare_died(motion, actor=None)
    assert motion.status == MotionStatus.died and motion.died_reason == "No second"
    with pytest.raises(DomainError, match="no longer pending"):
        motion_service.second(motion, members["Everett"].id, actor=None)


def test_a_body_without_seconds_votes_unseconded_motions(meeting, members, resolution_item):
    meeting.rules.seconds_required = False
    _ready(meeting, members)
    motion = _motion(meeting, resolution_item, members, seconder=None)
    roll_call_service.open_vote(motion, actor=None)
    assert motion.is_open


def test_amendments_nest_two_levels_and_are_voted_first(meeting, members, resolution_item):
    _ready(meeting, members)
    main = _motion(meeting, resolution_item, members)
    first = _motion(
        meeting,
        resolution_item,
        members,
        kind=MotionKind.amend,
        parent=main,
        text="Strike 'void'",
        amended_text="Move to adopt as amended",
    )
    second = _motion(meeting, resolution_item, members, kind=MotionKind.amend, parent=first, text="Insert 'now'")
    with pytest.raises(DomainError, match="two levels"):
        _motion(meeting, resolution_item, members, kind=MotionKind.amend, parent=second, text="Third level")
    with pytest.raises(DomainError, match="pending amendment"):
        roll_call_service.open_vote(main, actor=None)
    with pytest.raises(DomainError, match="pending amendment"):
        roll_call_service.open_vote(first, actor=None)
    roll_call_service.open_vote(second, actor=None)
    _vote_all(second, {**SIX_ONE, "Marisol": N, "Hollis": N, "Everett": N}, members)  # 3-4: fails
    assert not roll_call_service.close_vote(second, actor=None).passed
    roll_call_service.open_vote(first, actor=None)
    _vote_all(first, SIX_ONE, members)
    roll_call_service.close_vote(first, actor=None)
    assert main.text == "Move to adopt as amended"
    roll_call_service.open_vote(main, actor=None)
    assert main.is_open


def test_reconsider_only_from_the_prevailing_side(meeting, members, resolution_item):
    _ready(meeting, members)
    motion = _motion(meeting, resolution_item, members)
    roll_call_service.open_vote(motion, actor=None)
    _vote_all(motion, SIX_ONE, members)
    roll_call_service.close_vote(motion, actor=None)
    with pytest.raises(DomainError, match="prevailing side"):
        _motion(
            meeting,
            resolution_item,
            members,
            kind=MotionKind.reconsider,
            target=motion,
            mover="Tobias",
            seconder="Ines",
        )
    again = _motion(
        meeting,
        resolution_item,
        members,
        kind=MotionKind.reconsider,
        target=motion,
        mover="Rosalind",
        seconder="Tobias",
    )
    roll_call_service.open_vote(again, actor=None)
    _vote_all(again, SIX_ONE, members)
    roll_call_service.close_vote(again, actor=None)
    assert motion.reconsidered_at is not None
    from app.legislation.services import find_resolution

    resolution = find_resolution(resolution_item)
    assert resolution.status == ResolutionStatus.draft and resolution.number is not None  # never reused
    reopened = [m for m in vote_record.motions_for_item(resolution_item) if m.status == MotionStatus.pending]
    assert len(reopened) == 1 and reopened[0].text == motion.text


def test_a_vote_waits_for_public_comment_unless_the_item_is_exempt(meeting, members, resolution_item):
    roll_call(meeting, list(members.values()))
    motion = _motion(meeting, resolution_item, members)
    with pytest.raises(DomainError, match="Public comment on item .* has not been held"):
        roll_call_service.open_vote(motion, actor=None)
    # A procedural motion (postpone) may be voted before comment.
    postpone = _motion(
        meeting,
        resolution_item,
        members,
        kind=MotionKind.postpone,
        postponed_to=meeting.start_at.date() + timedelta(days=7),
    )
    motion_service.withdraw(motion, actor=None)
    roll_call_service.open_vote(postpone, actor=None)
    assert postpone.is_open
    # The exempt ministerial item needs no comment period.
    _gen, _res, minutes_item = items(meeting)
    assert vote_record.comment_held(minutes_item)


def test_consent_agenda_one_roll_call_one_record_per_item(meeting, members, resolution_item):
    _ready(meeting, members)
    _gen, _res, minutes_item = items(meeting)
    motion = motion_service.make_motion(
        meeting,
        kind=MotionKind.adopt_consent_agenda,
        text="Move the consent agenda",
        consent_items=[minutes_item, resolution_item],
        mover_id=members["Hollis"].id,
        seconder_id=members["Ines"].id,
        actor=None,
    )
    roll_call_service.open_vote(motion, actor=None)
    with pytest.raises(DomainError, match="pulled"):
        roll_call_service.record_vote(motion, members["Ines"].id, A, actor=None)
    _vote_all(motion, SIX_ONE, members)
    roll_call_service.close_vote(motion, actor=None)
    records = {
        m.agenda_item_id: m
        for m in _db.session.scalars(_db.select(type(motion)).where(type(motion).consent_of_id == motion.id))
    }
    assert set(records) == {minutes_item.id, resolution_item.id}
    for record in records.values():
        assert record.result == MotionResult.passed
        assert [(v.member_id, v.choice) for v in record.votes] == [(v.member_id, v.choice) for v in motion.votes]
    from app.legislation.services import find_resolution

    assert find_resolution(resolution_item).status == ResolutionStatus.adopted


def test_thresholds_default_per_item_and_are_editable_until_the_vote_opens(meeting, members, resolution_item):
    _ready(meeting, members)
    motion = _motion(meeting, resolution_item, members)
    assert (motion.threshold_basis, motion.threshold_fraction) == (
        ThresholdBasis.members_present,
        ThresholdFraction.majority,
    )
    motion_service.set_threshold(
        motion, basis=ThresholdBasis.members_present, fraction=ThresholdFraction.two_thirds, min_yes=0, actor=None
    )
    roll_call_service.open_vote(motion, actor=None)
    with pytest.raises(DomainError, match="no longer pending"):
        motion_service.set_threshold(
            motion, basis=ThresholdBasis.votes_cast, fraction=ThresholdFraction.majority, min_yes=0, actor=None
        )
    _vote_all(motion, {**SIX_ONE, "Marisol": N, "Hollis": N}, members)  # 4-3 under 2/3: fails
    result = roll_call_service.close_vote(motion, actor=None)
    assert result.sentence() == "Two-thirds of members present (5 of 7 needed): 4 yes, 3 no. Failed."
    from app.legislation.services import find_resolution

    resolution = find_resolution(resolution_item)
    assert resolution.status == ResolutionStatus.failed and resolution.number is None


def test_emergency_ordinance_defaults_to_two_thirds_of_the_membership(commission, create_meeting, db):
    from types import SimpleNamespace

    from app.meetings.models import AgendaItemType

    meeting = create_meeting(commission[0], kind="emergency")
    item = SimpleNamespace(item_type=AgendaItemType.ordinance)
    assert motion_service.default_threshold(meeting, item, MotionKind.main) == (
        ThresholdBasis.full_membership,
        ThresholdFraction.two_thirds,
        0,
    )
    assert motion_service.default_threshold(meeting, item, MotionKind.rescind) == (
        ThresholdBasis.votes_cast,
        ThresholdFraction.two_thirds,
        0,
    )
    assert (
        motion_service.default_threshold(meeting, item, MotionKind.rescind, previous_notice=True)[1]
        == ThresholdFraction.majority
    )


def test_rotating_order_starts_one_name_later_each_roll_call(meeting, members, resolution_item):
    meeting.rules.roll_call_order = BodyRollCallOrder.rotating
    _ready(meeting, members)
    first = _motion(
        meeting,
        resolution_item,
        members,
        kind=MotionKind.postpone,
        postponed_to=meeting.start_at.date() + timedelta(days=7),
    )
    roll_call_service.open_vote(first, actor=None)
    _vote_all(first, {**SIX_ONE, "Marisol": N, "Hollis": N, "Everett": N, "Rosalind": N}, members)
    roll_call_service.close_vote(first, actor=None)
    second = _motion(meeting, resolution_item, members)
    roll_call_service.open_vote(second, actor=None)
    firsts = [first.votes[0].member.full_name, second.votes[0].member.full_name]
    assert firsts == ["Celestine Arbuckle", "Ines Baptiste"]
    assert second.votes[-1].member.full_name == "Marisol Quintana"  # the chair stays last
    assert second.roll_call_method == "rotating"


def test_votes_only_while_the_meeting_is_in_session(commission, open_meeting, members, clock, db):
    meeting = open_meeting(commission[0])  # noticed but not called to order
    with pytest.raises(DomainError, match="in session"):
        _motion(meeting, items(meeting)[1], members)
    start(meeting, clock, db)
    roll_call(meeting, list(members.values()))
    meeting.kind = MeetingKind.workshop  # R1: a workshop takes no official action
    with pytest.raises(DomainError, match="workshop"):
        _motion(meeting, items(meeting)[1], members)


def test_a_closed_roll_call_cannot_be_edited_even_bypassing_the_services(meeting, members, resolution_item, db):
    from app.votes.models import ClosedVoteIsImmutable

    _ready(meeting, members)
    motion = _motion(meeting, resolution_item, members)
    roll_call_service.open_vote(motion, actor=None)
    _vote_all(motion, SIX_ONE, members)
    roll_call_service.close_vote(motion, actor=None)
    db.session.commit()
    motion.votes[0].choice = VoteChoice.no
    with pytest.raises(ClosedVoteIsImmutable):
        db.session.flush()
    db.session.rollback()
    db.session.delete(motion.votes[0])
    with pytest.raises(ClosedVoteIsImmutable):
        db.session.flush()
    db.session.rollback()


def test_a_commissioner_moves_and_seconds_only_as_themselves(meeting, members, resolution_item, create_user):
    from app.auth.models import Role

    _ready(meeting, members)
    ines = create_user(Role.commissioner, member=members["Ines"])
    with pytest.raises(vote_rules.NotYours):
        _motion(meeting, resolution_item, members, mover="Hollis", seconder=None, actor_override=ines)
    with pytest.raises(vote_rules.NotYours):  # a commissioner's own motion is seconded by someone else, later
        _motion(meeting, resolution_item, members, mover="Ines", seconder="Hollis", actor_override=ines)
    motion = _motion(meeting, resolution_item, members, mover="Ines", seconder=None, actor_override=ines)
    assert motion.mover_id == members["Ines"].id
    tobias = create_user(Role.commissioner, member=members["Tobias"])
    with pytest.raises(vote_rules.NotYours):
        motion_service.second(motion, members["Everett"].id, actor=tobias, for_self_only=True)
    motion_service.second(motion, members["Tobias"].id, actor=tobias, for_self_only=True)
    assert motion.seconder_id == members["Tobias"].id


def test_a_refusal_from_the_legislation_reaction_refuses_the_close_of_the_vote(meeting, members, resolution_item, db):
    """votes.events.item_decided runs legislation's receiver inside the transaction: a resolution withdrawn while
    its vote was open makes the close fail, and nothing of the close is kept."""
    from app.legislation import services as legislation

    _ready(meeting, members)
    motion = _motion(meeting, resolution_item, members)
    roll_call_service.open_vote(motion, actor=None)
    _vote_all(motion, SIX_ONE, members)
    legislation.withdraw(legislation.resolution_for(resolution_item), actor=None)
    db.session.commit()
    with pytest.raises(DomainError, match="withdrawn"):
        roll_call_service.close_vote(motion, actor=None)
    db.session.rollback()
    db.session.refresh(motion)
    assert motion.status == MotionStatus.voting and motion.result is None
