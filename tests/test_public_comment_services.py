"""Public comment rules (R5, R6, R12) exercised through the services."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.meetings import agenda, lifecycle
from app.meetings.models import AgendaItemType
from app.minutes import services as minutes_service
from app.public_comment import intake as comment_intake
from app.public_comment import policy as comment_policy
from app.public_comment import queue as speaker_queue
from app.public_comment import registration as speaker_registration
from app.public_comment import tallies as comment_tallies
from app.public_comment import written as written_comments
from app.public_comment.models import (
    SpeakerRequest,
    SpeakerRequestStatus,
    SpeakerRequestTimer,
    Stance,
    TimeExtension,
    WrittenComment,
    WrittenCommentStatus,
)
from tests.meetings_helpers import adopt_policy

R = SpeakerRequestStatus
T = SpeakerRequestTimer


def _item(meeting, title="Resolution on the 287(g) agreement"):
    return next(i for i in meeting.items if i.title == title)


def _register(item, name="Ana Resident", **kwargs):
    fields = {"stance": "oppose", "participation": "in_person", "disclaimer_version": comment_intake.DISCLAIMER_VERSION}
    fields.update(kwargs)
    return speaker_registration.register_speaker(item, name=name, **fields)


def _count(db, model=SpeakerRequest):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def clerk(create_user):
    return create_user(Role.clerk)


# --- the sign-up window (R6) ---------------------------------------------------------------------


def test_window_closes_exactly_the_policy_minutes_before_the_start(open_meeting, clock, db):
    meeting = open_meeting()
    item = _item(meeting)
    closes = meeting.start_at - timedelta(minutes=60)
    clock.now = closes - timedelta(seconds=1)
    assert comment_policy.signup_window(meeting).is_open
    _register(item)
    db.session.commit()
    clock.now = closes
    window = comment_policy.signup_window(meeting)
    assert window.state == "closed" and window.closes_at == closes
    with pytest.raises(DomainError, match="closed at") as refused:
        _register(item, name="Late Comer")
    assert "Thursday 12 March 2026, 9:00\u202fAM" in refused.value.message.replace(" AM", "\u202fAM")
    db.session.rollback()
    assert _count(db) == 1


def test_window_is_shut_before_the_agenda_is_published_and_for_a_cancelled_meeting(
    create_meeting, open_meeting, clock, db
):
    draft_agenda = create_meeting(kind="regular")
    lifecycle.publish_meeting(draft_agenda, actor=None)
    item = agenda.add_item(
        draft_agenda,
        section="Resolutions",
        title="R",
        body_md="",
        item_type=AgendaItemType.resolution,
        actor=None,
    )
    assert comment_policy.signup_window(draft_agenda).state == "unpublished"
    with pytest.raises(DomainError, match="opens when the agenda is published"):
        _register(item)
    ended = open_meeting(title="Ended")
    clock.now = ended.start_at
    lifecycle.start_meeting(ended, actor=None)
    assert comment_policy.signup_window(ended).state == "closed"
    lifecycle.adjourn_meeting(ended, actor=None, confirm_open_items=True)  # items left open: confirmed
    assert (
        comment_policy.signup_window(ended).state == "ended"
        and "has ended" in comment_policy.signup_window(ended).message()
    )
    clock.now = ended.start_at - timedelta(days=10)
    cancelled = open_meeting()
    lifecycle.cancel_meeting(cancelled, reason="Storm", actor=None)
    with pytest.raises(DomainError, match="cancelled"):
        _register(_item(cancelled))
    db.session.rollback()
    assert _count(db) == 0


def test_items_exempt_from_comment_or_withdrawn_take_no_speakers(open_meeting, db):
    meeting = open_meeting()
    exempt = _item(meeting, "Approval of minutes")
    assert exempt not in comment_policy.commentable_items(meeting)
    with pytest.raises(DomainError, match="does not take public comment"):
        _register(exempt)
    item = _item(meeting)
    agenda.withdraw_item(item, reason="Sponsor withdrew it", actor=None)
    with pytest.raises(DomainError, match="does not take public comment"):
        _register(item)


def test_the_public_records_notice_must_have_been_shown(open_meeting):
    item = _item(open_meeting())
    with pytest.raises(DomainError, match="public-records notice"):
        _register(item, disclaimer_version=None)
    registration = _register(item)
    assert registration.request.disclaimer_version == comment_intake.DISCLAIMER_VERSION


# --- duplicates and queue places -----------------------------------------------------------------


def test_same_person_on_the_same_item_gets_the_existing_request(open_meeting, db):
    item = _item(open_meeting())
    first = _register(item, name="Ana  Resident", email="ana@example.org")
    assert first.created and first.token
    again = _register(item, name="ana resident", email="ANA@example.org", stance="support")
    assert not again.created and again.request.id == first.request.id and again.token is None
    by_phone = _register(item, name="Bo Neighbor", phone="(305) 555-0101")
    same_phone = _register(item, name="Bo Neighbor", phone="305.555.0101")
    assert same_phone.request.id == by_phone.request.id and not same_phone.created
    # A different person of the same name (different email) is a new request.
    namesake = _register(item, name="Ana Resident", email="other@example.org")
    assert namesake.created
    # A double submission of the same form returns the first request.
    keyed = _register(item, name="Cy Walker", submission_key="k" * 20)
    assert _register(item, name="Cy Walker", submission_key="k" * 20).request.id == keyed.request.id
    assert _count(db) == 4


def test_withdrawn_request_can_register_again(open_meeting, db):
    item = _item(open_meeting())
    first = _register(item, email="ana@example.org").request
    speaker_registration.withdraw_request(first)
    again = _register(item, email="ana@example.org")
    assert again.created and again.request.queue_position == 2
    assert first.status == R.withdrawn and first.queue_position == 1  # kept on record, place not reused


def test_places_are_sequential_per_item_and_written_only_cards_have_none(open_meeting):
    meeting = open_meeting()
    item, general = _item(meeting), _item(meeting, "General public comment")
    a = _register(item, name="A").request
    b = _register(item, name="B", participation="written_only").request
    c = _register(item, name="C", participation="remote").request
    g = _register(general, name="G").request
    assert (a.queue_position, b.queue_position, c.queue_position, g.queue_position) == (1, None, 2, 1)
    assert b.allotted_seconds == 0 and a.allotted_seconds == 180


def test_private_link_token_is_checked_and_stored_hashed(open_meeting):
    registration = _register(_item(open_meeting()))
    speaker, token = registration.request, registration.token
    assert token not in speaker.token_hash
    assert speaker_registration.find_request(speaker.id, token) is speaker
    assert speaker_registration.find_request(speaker.id, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert speaker_registration.find_request(speaker.id, "") is None
    new = speaker_registration.reissue_token(speaker)
    assert (
        speaker_registration.find_request(speaker.id, token) is None
        and speaker_registration.find_request(speaker.id, new) is speaker
    )


# --- input rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("name", "", "required"),
        ("name", "x" * 121, "at most 120"),
        ("name", "Ana\x07Bell", "control characters"),
        ("email", "not-an-address", "email address"),
        ("phone", "call me", "phone number"),
        ("group_name", None, "Name the group"),
        ("accommodation", "y" * 1001, "at most 1000"),
        ("stance", "maybe", "support, oppose or neutral"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(open_meeting, db, field, value, message):
    item = _item(open_meeting())
    kwargs = {"name": "Ana Resident"}
    if field == "group_name":
        kwargs["is_group_representative"] = True
    else:
        kwargs[field] = value
    name = kwargs.pop("name")
    with pytest.raises(DomainError, match=message) as refused:
        _register(item, name, **kwargs)
    assert refused.value.field == field
    db.session.rollback()
    assert _count(db) == 0


def test_markup_is_stored_as_typed_text(open_meeting):
    speaker = _register(_item(open_meeting()), name="<b>Ana</b> & Co").request
    assert speaker.name == "<b>Ana</b> & Co"  # escaped when shown (see the page tests)


# --- policy versions (R6) -------------------------------------------------------------------------


def _adopt(body, clerk, on, **kwargs):
    fields = {
        "adopted_by": "Resolution 26-001",
        "speaker_seconds": 180,
        "group_seconds": 300,
        "item_cap_minutes": None,
        "signup_closes_minutes": 60,
        "written_accepted": True,
        "written_max_chars": 3000,
        "ceding_allowed": False,
    }
    fields.update(kwargs)
    return comment_policy.adopt_policy(body, adopted_on=on, actor=clerk, **fields)


def test_a_new_policy_does_not_change_a_meeting_already_noticed(open_meeting, create_body, clerk, clock, db):
    body = create_body(name="City Commission", seat_count=7)
    v1 = _adopt(body, clerk, date(2026, 1, 5))
    earlier = open_meeting(body)
    assert earlier.comment_policy_id == v1.id
    early_speaker = _register(_item(earlier)).request
    v2 = _adopt(
        body, clerk, date(2026, 3, 2), speaker_seconds=120, signup_closes_minutes=24 * 60, written_max_chars=500
    )
    db.session.commit()
    assert (v1.version, v2.version) == (1, 2)
    # The meeting noticed under version 1 keeps it: its times, window and limits are unchanged.
    assert comment_policy.effective_policy(earlier).id == v1.id
    assert _register(_item(earlier), name="Second Speaker").request.allotted_seconds == 180
    assert comment_policy.signup_window(earlier).closes_at == earlier.start_at - timedelta(minutes=60)
    assert early_speaker.allotted_seconds == 180
    later = open_meeting(body, title="Later meeting")
    assert later.comment_policy_id == v2.id
    assert _register(_item(later)).request.allotted_seconds == 120
    # Versions are new rows; the first one is untouched.
    db.session.refresh(v1)
    assert v1.speaker_seconds == 180 and v1.written_max_chars == 3000


def test_a_policy_adopted_for_a_later_date_is_not_yet_in_force(open_meeting, create_body, clerk):
    body = create_body(name="Planning Board")
    _adopt(body, clerk, date(2026, 1, 5))
    future = _adopt(body, clerk, date(2026, 6, 1), speaker_seconds=60)
    meeting = open_meeting(body)
    assert meeting.comment_policy.version == 1 and meeting.comment_policy_id != future.id


def test_a_body_without_a_policy_uses_the_configured_defaults(open_meeting, app):
    app.config["COMMENT_SPEAKER_SECONDS"] = 150
    meeting = open_meeting()
    assert meeting.comment_policy_id is None
    assert _register(_item(meeting)).request.allotted_seconds == 150


@pytest.mark.parametrize(
    "field, value",
    [
        ("speaker_seconds", 5),
        ("group_seconds", 100),
        ("written_max_chars", 10),
        ("signup_closes_minutes", -1),
        ("item_cap_minutes", 0),
    ],
)
def test_policy_values_are_bounded(create_body, clerk, field, value):
    with pytest.raises(DomainError) as refused:
        _adopt(create_body(), clerk, date(2026, 1, 5), **{field: value})
    assert refused.value.field == field


# --- the queue and the timer ----------------------------------------------------------------------


@pytest.fixture
def running(open_meeting, clock, db):
    """A meeting in progress with three speakers on the resolution (the second speaks for a group)."""
    meeting = open_meeting()
    item = _item(meeting)
    speakers = [
        _register(item, name="First Speaker").request,
        _register(item, name="Group Rep", is_group_representative=True, group_name="Keys Rights").request,
        _register(item, name="Third Speaker", stance="support").request,
    ]
    clock.now = meeting.start_at
    lifecycle.start_meeting(meeting, actor=None)
    db.session.commit()
    return meeting, item, speakers


def test_queue_runs_in_registration_order_one_speaker_at_a_time(running, clerk, clock, db):
    meeting, item, (first, rep, third) = running
    called = speaker_queue.call_next(item, actor=clerk)
    assert called is first and first.status == R.called and speaker_queue.current_speaker(meeting) is first
    assert speaker_registration.period_for(item).is_open  # calling the first speaker opens the comment period
    with pytest.raises(DomainError, match="still speaking"):
        speaker_queue.call_speaker(third, actor=clerk)
    speaker_queue.mark_spoke(first, actor=clerk)
    speaker_queue.call_speaker(third, actor=clerk)  # the clerk may call someone out of order
    speaker_queue.mark_no_show(third, actor=clerk)
    assert speaker_queue.call_next(item, actor=clerk) is rep
    speaker_queue.mark_spoke(rep, actor=clerk)
    with pytest.raises(DomainError, match="No one is waiting"):
        speaker_queue.call_next(item, actor=clerk)
    assert [s.status for s in (first, rep, third)] == [R.spoke, R.spoke, R.no_show]


def test_timer_start_pause_resume_stop_and_overrun(running, clerk, clock):
    _meeting, item, (first, _rep, _third) = running
    with pytest.raises(DomainError, match="Call this speaker first"):
        speaker_queue.start_timer(first, actor=clerk)
    speaker_queue.call_speaker(first, actor=clerk)
    assert first.timer == T.idle and first.remaining(clock.now) == 180
    with pytest.raises(DomainError, match="not running"):
        speaker_queue.pause_timer(first, actor=clerk)
    speaker_queue.start_timer(first, actor=clerk)
    clock.advance(seconds=60)
    assert first.remaining(clock.now) == 120
    speaker_queue.pause_timer(first, actor=clerk)
    clock.advance(seconds=500)  # paused time does not count
    assert first.elapsed(clock.now) == 60 and first.timer == T.paused
    speaker_queue.start_timer(first, actor=clerk)
    with pytest.raises(DomainError, match="already running"):
        speaker_queue.start_timer(first, actor=clerk)
    clock.advance(seconds=150)
    assert first.remaining(clock.now) == -30  # over time shows as negative
    speaker_queue.stop_timer(first, actor=clerk)
    assert first.timer == T.stopped and first.elapsed_seconds == 210
    with pytest.raises(DomainError, match="already running or has been stopped"):
        speaker_queue.start_timer(first, actor=clerk)
    speaker_queue.mark_spoke(first, actor=clerk)
    assert first.status == R.spoke and first.elapsed_seconds == 210
    with pytest.raises(DomainError, match="Only a speaker who has not spoken"):
        speaker_queue.mark_no_show(first, actor=clerk)


def test_extension_needs_a_reason_and_is_logged(running, clerk, clock, db):
    _meeting, item, (first, _rep, _third) = running
    speaker_queue.call_speaker(first, actor=clerk)
    speaker_queue.start_timer(first, actor=clerk)
    with pytest.raises(DomainError, match="reason"):
        speaker_queue.add_time(first, seconds=60, reason="  ", actor=clerk)
    with pytest.raises(DomainError, match="from 1 to 600"):
        speaker_queue.add_time(first, seconds=601, reason="Long", actor=clerk)
    speaker_queue.add_time(first, seconds=60, reason="Interrupted by the audience", actor=clerk)
    clock.advance(seconds=200)
    speaker_queue.stop_timer(first, actor=clerk)
    speaker_queue.add_time(first, seconds=30, reason="Question from the chair", actor=clerk)
    assert first.timer == T.paused  # more time after a stop: the timer can run again
    speaker_queue.start_timer(first, actor=clerk)
    assert first.allotted_seconds == 270 and first.remaining(clock.now) == 70
    log = db.session.scalars(select(TimeExtension).order_by(TimeExtension.id)).all()
    assert [(e.seconds, e.reason, e.actor_id) for e in log] == [
        (60, "Interrupted by the audience", clerk.id),
        (30, "Question from the chair", clerk.id),
    ]
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("speaker.%"))).all()
    assert actions.count("speaker.extend") == 2


def test_ceding_time_only_when_the_policy_allows_it(running, clerk, create_body, db):
    meeting, item, (first, rep, third) = running
    with pytest.raises(DomainError, match="does not allow ceding"):
        speaker_queue.cede_time(third, to=first, actor=clerk)
    meeting.comment_policy = adopt_policy(meeting.body, adopted_on=date(2026, 1, 1), adopted_by="", actor=clerk)
    with pytest.raises(DomainError, match="same item"):
        speaker_queue.cede_time(third, to=third, actor=clerk)
    speaker_queue.cede_time(third, to=first, actor=clerk)
    assert third.status == R.ceded and third.ceded_to is first and first.allotted_seconds == 360
    extension = db.session.scalar(select(TimeExtension).where(TimeExtension.request_id == first.id))
    assert extension.ceded_from is third and extension.seconds == 180
    with pytest.raises(DomainError, match="has not spoken"):
        speaker_queue.cede_time(third, to=rep, actor=clerk)
    speaker_queue.call_speaker(first, actor=clerk)
    speaker_queue.mark_spoke(first, actor=clerk)
    with pytest.raises(DomainError, match="still be in the queue"):
        speaker_queue.cede_time(rep, to=first, actor=clerk)


def test_queue_operations_need_the_meeting_in_progress(open_meeting, clerk):
    item = _item(open_meeting())
    speaker = _register(item).request
    speaker_queue.check_in(speaker, actor=clerk)  # check-in works before the meeting
    assert speaker.status == R.checked_in and speaker.checked_in_at is not None
    with pytest.raises(DomainError, match="Call the meeting to order"):
        speaker_queue.call_speaker(speaker, actor=clerk)
    with pytest.raises(DomainError, match="Call the meeting to order"):
        speaker_queue.open_period(item, actor=clerk)


def test_walk_ins_join_the_end_of_the_queue_even_after_sign_up_closed(running, clerk):
    _meeting, item, speakers = running
    walk_in = speaker_queue.add_walk_in(
        item, actor=clerk, name="Dee Walkin", stance="neutral", participation="in_person"
    )
    assert walk_in.walk_in and walk_in.queue_position == 4
    speaker_queue.add_walk_in(
        item, actor=clerk, name="Eve Walkin", stance="neutral", participation="in_person", phone="305 555 0199"
    )
    with pytest.raises(DomainError, match="already in this queue"):
        speaker_queue.add_walk_in(
            item, actor=clerk, name="Eve Walkin", stance="neutral", participation="in_person", phone="3055550199"
        )


def test_comment_period_open_and_close_are_recorded_for_the_vote_check(running, clerk, clock):
    _meeting, item, (first, _rep, _third) = running
    period = speaker_queue.open_period(item, actor=clerk)
    opened = period.opened_at
    speaker_queue.call_speaker(first, actor=clerk)
    with pytest.raises(DomainError, match="Finish the current speaker"):
        speaker_queue.close_period(item, actor=clerk)
    speaker_queue.mark_spoke(first, actor=clerk)
    clock.advance(minutes=5)
    speaker_queue.close_period(item, actor=clerk)
    assert period.was_held and period.opened_at == opened and period.closed_at == clock.now
    with pytest.raises(DomainError, match="closed"):
        speaker_queue.call_next(item, actor=clerk)


def test_place_in_queue_and_wait_estimate(running, clerk, clock):
    _meeting, item, (first, rep, third) = running
    place = speaker_queue.place_in_queue(third)
    assert (place.place, place.ahead, place.wait_seconds) == (3, 2, 180 + 300)
    speaker_queue.call_speaker(first, actor=clerk)
    speaker_queue.start_timer(first, actor=clerk)
    clock.advance(seconds=100)
    assert speaker_queue.place_in_queue(third).wait_seconds == 80 + 300  # the current speaker's remaining time
    speaker_queue.mark_spoke(first, actor=clerk)
    assert speaker_queue.place_in_queue(third).place == 2
    speaker_queue.call_speaker(third, actor=clerk)
    assert speaker_queue.place_in_queue(third).place is None


# --- written comments and tallies -----------------------------------------------------------------


def _write(item, text="Please vote no.", **kwargs):
    fields = {"name": "Wren Writer", "stance": "oppose", "disclaimer_version": comment_intake.DISCLAIMER_VERSION}
    fields.update(kwargs)
    return written_comments.submit_written_comment(item, text=text, **fields)


def test_written_comment_length_follows_the_policy(open_meeting, app, db):
    item = _item(open_meeting())
    with pytest.raises(DomainError, match="at most 3000") as refused:
        _write(item, text="x" * 3001)
    assert refused.value.field == "text"
    comment, created = _write(item, text="x" * 3000)
    assert created and comment.status == WrittenCommentStatus.submitted
    again, created = _write(item, text="x" * 3000)
    assert again.id == comment.id and not created


def test_hiding_a_written_comment_needs_a_reason_and_keeps_it(open_meeting, clerk, db):
    item = _item(open_meeting())
    comment, _ = _write(item)
    written_comments.publish_written_comment(comment, actor=clerk)
    assert comment_tallies.published_comments(item) == [comment]
    with pytest.raises(DomainError, match="reason"):
        written_comments.hide_written_comment(comment, reason="", actor=clerk)
    written_comments.hide_written_comment(
        comment, reason="Home address of a listed officer: F.S. 119.071(4)(d)", actor=clerk
    )
    db.session.commit()
    assert comment_tallies.published_comments(item) == []
    kept = db.session.get(WrittenComment, comment.id)
    assert kept.status == WrittenCommentStatus.hidden and "119.071(4)(d)" in kept.hidden_reason


def test_tallies_count_spoken_and_written_positions(open_meeting, clerk, clock, db):
    meeting = open_meeting()
    item = _item(meeting)
    for name in ("Opp One", "Opp Two"):
        _register(item, name=name)
    absent = _register(item, name="Not There", stance="support").request
    _register(item, name="Only Position", participation="written_only", stance="support")
    gone = _register(item, name="Gone Away", stance="support").request
    speaker_registration.withdraw_request(gone)
    published, _ = _write(item, stance="neutral")
    written_comments.publish_written_comment(published, actor=clerk)
    _write(item, text="Not yet reviewed", stance="support")
    clock.now = meeting.start_at
    lifecycle.start_meeting(meeting, actor=None)
    speaker_queue.call_speaker(absent, actor=clerk)
    speaker_queue.mark_no_show(absent, actor=clerk)
    tally = comment_tallies.tallies(meeting.id)[item.id]
    assert tally.spoken == {Stance.support: 0, Stance.oppose: 2, Stance.neutral: 0}
    # A position registered without speaking is its own kind, not a written comment (issue 17).
    assert tally.written == {Stance.support: 0, Stance.oppose: 0, Stance.neutral: 1}
    assert tally.position == {Stance.support: 1, Stance.oppose: 0, Stance.neutral: 0}
    assert tally.total == 4


def test_draft_minutes_record_who_spoke_and_the_tallies(running, clerk, clock):
    meeting, item, (first, rep, third) = running
    speaker_queue.call_speaker(first, actor=clerk)
    speaker_queue.start_timer(first, actor=clerk)
    clock.advance(seconds=170)
    speaker_queue.mark_spoke(first, actor=clerk)
    speaker_queue.call_speaker(rep, actor=clerk)
    speaker_queue.start_timer(rep, actor=clerk)
    clock.advance(seconds=290)
    speaker_queue.mark_spoke(rep, actor=clerk)
    speaker_queue.call_speaker(third, actor=clerk)
    speaker_queue.mark_no_show(third, actor=clerk)
    text = minutes_service.draft_minutes_text(meeting)
    assert "Public comment: 2 spoke, 7:40 in all." in text
    assert "Speakers: First Speaker (oppose); Group Rep for Keys Rights (oppose)." in text
    assert "Third Speaker" not in text
    assert "oppose 2 and 0" in text
