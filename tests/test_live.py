"""Issue 17, live push: the meeting's live log (app/meetings/floor.py), the snapshot every live screen follows
(app/live/snapshot.py), and how it reaches viewers (app/core/live.py: the broker, the SSE stream, live.json)."""

import json
import threading

import pytest

from app.core import live
from app.meetings import floor
from app.meetings.models import LogKind, MeetingLogEntry
from app.public_comment import queue as speaker_queue
from app.public_comment import registration as speaker_registration
from app.public_comment.intake import DISCLAIMER_VERSION
from app.votes import roll_call as roll_call_service
from app.votes.models import VoteChoice
from tests import votes_helpers as vh


@pytest.fixture
def session_meeting(db, clock, open_meeting, commission):
    body, members = commission
    meeting = open_meeting(body)
    vh.start(meeting, clock, db)
    vh.roll_call(meeting, members)
    db.session.commit()
    return meeting, members


def _register(item, name):
    return speaker_registration.register_speaker(
        item,
        name=name,
        stance="oppose",
        participation="in_person",
        disclaimer_version=DISCLAIMER_VERSION,
        walk_in=True,
    ).request


def _kinds(meeting):
    return [e.kind for e in reversed(floor.entries(meeting))]


def test_every_floor_moment_is_stamped_in_order(db, session_meeting):
    meeting, members = session_meeting
    _general, resolution, _minutes = vh.items(meeting)
    speaker = _register(resolution, "Ana Resident")
    db.session.commit()
    speaker_queue.call_next(resolution, actor=None)
    speaker_queue.start_timer(speaker, actor=None)
    speaker_queue.mark_spoke(speaker, actor=None)
    speaker_queue.close_period(resolution, actor=None)
    vh.adopt_six_to_one(meeting, resolution, members)
    db.session.commit()
    assert _kinds(meeting) == [
        LogKind.called_to_order,
        LogKind.roll_taken,
        LogKind.item_opened,  # calling the first speaker took the item up
        LogKind.comment_opened,
        LogKind.speaker_called,
        LogKind.timer_started,
        LogKind.speaker_finished,
        LogKind.comment_closed,
        LogKind.motion_made,
        LogKind.vote_opened,
        LogKind.vote_closed,
    ]
    assert floor.current_item(meeting) == resolution
    entry = db.session.query(MeetingLogEntry).filter_by(kind=LogKind.speaker_called).one()
    assert (entry.item_id, entry.speaker_request_id) == (resolution.id, speaker.id)


def test_taking_up_an_item_finishes_the_one_before(db, session_meeting):
    meeting, _members = session_meeting
    general, resolution, _minutes = vh.items(meeting)
    assert floor.next_item(meeting) == meeting.active_items[0]
    floor.take_up(general, actor=None)
    floor.take_up(resolution, actor=None)
    assert _kinds(meeting)[-3:] == [LogKind.item_opened, LogKind.item_closed, LogKind.item_opened]
    assert floor.current_item(meeting) == resolution
    floor.finish(meeting, actor=None)
    assert floor.current_item(meeting) is None
    assert floor.next_item(meeting) not in (general, resolution)


def test_adjourning_finishes_the_current_item(db, session_meeting):
    from app.meetings import lifecycle

    meeting, _members = session_meeting
    general, *_ = vh.items(meeting)
    floor.take_up(general, actor=None)
    lifecycle.adjourn_meeting(meeting, actor=None, confirm_open_items=True)
    assert _kinds(meeting)[-2:] == [LogKind.item_closed, LogKind.adjourned]


def test_snapshot_is_published_once_per_committed_change_and_not_for_a_rollback(app, db, session_meeting):
    meeting, members = session_meeting
    _general, resolution, _minutes = vh.items(meeting)
    live.publish_committed()  # what the fixture's own commits touched
    published = []
    broker = live.broker()
    original = broker.publish
    broker.publish = lambda *a: (published.append(a[0]), original(*a))
    try:
        speaker = _register(resolution, "Ana Resident")
        db.session.rollback()
        live.publish_committed()
        assert published == []
        speaker = _register(resolution, "Ana Resident")
        speaker_queue.call_speaker(speaker, actor=None)
        db.session.commit()
        live.publish_committed()
        assert published == [meeting.id]  # two changes, one commit, one snapshot
    finally:
        broker.publish = original
    version, payload = broker.latest(meeting.id)
    snapshot = json.loads(payload)
    assert snapshot["v"] == version
    assert snapshot["item"]["id"] == resolution.id
    assert snapshot["speaker"]["name"] == "Ana Resident"
    assert "email" not in payload


def test_the_open_vote_is_pending_never_failed(db, session_meeting):
    from app.votes import motions as motion_service
    from app.votes.models import MotionKind

    meeting, members = session_meeting
    _general, resolution, _minutes = vh.items(meeting)
    vh.hold_comment(resolution)
    motion = motion_service.make_motion(
        meeting,
        kind=MotionKind.main,
        text="Move to adopt",
        item=resolution,
        mover_id=members[5].id,
        seconder_id=members[1].id,
        actor=None,
    )
    roll_call_service.open_vote(motion, actor=None)
    roll_call_service.record_vote(motion, members[0].id, VoteChoice.yes, actor=None)
    db.session.commit()
    vote = live.build(meeting.id)
    data = json.loads(vote[1])["vote"]
    assert data["open"] is True and data["result"] is None
    assert (data["yes"], data["remaining"], data["more_yes"]) == (1, 6, 3)
    assert [e["choice"] for e in data["roll"]].count(None) == 6


def test_live_page_json_and_etag(client, db, session_meeting):
    meeting, _members = session_meeting
    page = client.get(f"/meetings/{meeting.id}/live")
    assert page.status_code == 200
    assert b"data-live-events" in page.data
    first = client.get(f"/meetings/{meeting.id}/live.json")
    assert first.status_code == 200 and first.json["meeting"]["id"] == meeting.id
    again = client.get(f"/meetings/{meeting.id}/live.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_a_meeting_not_public_has_no_live_view(client, db, create_meeting):
    draft = create_meeting()
    for path in ("live", "live.json", "live/events"):
        assert client.get(f"/meetings/{draft.id}/{path}").status_code == 404
    assert client.get("/meetings/99999999999999999999/live.json").status_code == 404


def test_event_stream_sends_the_snapshot_then_each_change(app, client, db, session_meeting):
    app.config.update(LIVE_STREAM_SECONDS=5, LIVE_KEEPALIVE_SECONDS=1)
    meeting, _members = session_meeting
    general, *_ = vh.items(meeting)
    response = client.get(f"/meetings/{meeting.id}/live/events", buffered=False)
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    chunks = response.response
    assert next(chunks).startswith(b"retry:")
    first = next(chunks).decode()
    assert first.startswith("id: ") and json.loads(first.split("data: ", 1)[1])["item"] is None

    floor.take_up(general, actor=None)  # the clerk, while the stream waits (it resumes at the next read)
    db.session.commit()
    live.publish_committed()
    event = next(chunks).decode()
    while event.startswith(":"):
        event = next(chunks).decode()
    assert json.loads(event.split("data: ", 1)[1])["item"]["id"] == general.id
    response.close()


def test_the_stream_resumes_from_last_event_id_without_repeating(app, client, db, session_meeting):
    app.config.update(LIVE_STREAM_SECONDS=1, LIVE_KEEPALIVE_SECONDS=1)
    meeting, _members = session_meeting
    version, _payload = live.latest(meeting.id)
    response = client.get(f"/meetings/{meeting.id}/live/events", headers={"Last-Event-ID": version}, buffered=False)
    body = b"".join(response.response).decode()
    assert "data:" not in body and ": keep-alive" in body


def test_local_broker_wakes_waiters_only_on_a_new_version():
    broker = live.LocalBroker()
    broker.publish(1, "a", '{"v":"a"}')
    assert broker.wait(1, "a", timeout=0.05) is None
    assert broker.wait(1, None, timeout=0.05) == ("a", '{"v":"a"}')
    got = []
    waiter = threading.Thread(target=lambda: got.append(broker.wait(1, "a", timeout=5)))
    waiter.start()
    broker.publish(1, "a", '{"v":"a"}')  # the same version again wakes no one
    broker.publish(1, "b", '{"v":"b"}')
    waiter.join()
    assert got == [("b", '{"v":"b"}')]


def test_redis_broker_carries_a_snapshot_from_one_server_to_another(app):
    """Two app servers: a change published on one reaches the viewers waiting on the other, through Redis; a
    server that starts later reads the latest snapshot from Redis."""
    import logging
    import secrets

    from tests.servers import redis_url_or_skip

    url = redis_url_or_skip()
    channel = f"dais:test-live:{secrets.token_hex(4)}"
    first = live.RedisBroker(url, logging.getLogger("first"), channel)
    second = live.RedisBroker(url, logging.getLogger("second"), channel)
    second.listen()
    got = []
    waiter = threading.Thread(target=lambda: got.append(second.wait(7, None, timeout=10)))
    waiter.start()
    import time

    time.sleep(0.3)  # the listener subscribes
    version, payload = live.encode({"meeting": {"id": 7}})
    first.publish(7, version, payload)
    waiter.join()
    assert got == [(version, payload)]
    late = live.RedisBroker(url, logging.getLogger("late"), channel)
    assert late.latest(7) == (version, payload)
    import redis

    redis.Redis.from_url(url).delete(f"{channel}:7")


def test_draft_minutes_take_their_times_from_the_log(db, clock, session_meeting):
    from datetime import timedelta

    from app.meetings import lifecycle
    from app.minutes import services as minutes_service

    meeting, _members = session_meeting
    general, resolution, _minutes = vh.items(meeting)
    clock.now = meeting.start_at + timedelta(minutes=5)
    floor.take_up(general, actor=None)
    clock.now += timedelta(minutes=25)
    floor.take_up(resolution, actor=None)
    clock.now += timedelta(minutes=60)
    lifecycle.adjourn_meeting(meeting, actor=None, confirm_open_items=True)
    text = minutes_service.draft_minutes_text(meeting)
    start = meeting.start_at
    from app.core.timeutil import to_local

    def at(minutes):
        return f"{to_local(start + timedelta(minutes=minutes)):%-I:%M %p}"

    assert f"Called to order at {at(0)}." in text
    assert f"Before the body from {at(5)} to {at(30)}." in text
    assert f"Before the body from {at(30)} to {at(90)}." in text
    assert text.rstrip().endswith(f"Adjourned at {at(90)}.")
