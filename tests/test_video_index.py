"""The video index of a meeting, read from its live log (issue 21, part A): chapters at the items' exact
seconds, parts, the sync by a known moment, corrections followed, the WebVTT file and the API."""

import re
from datetime import timedelta

import webvtt

from app.meetings import floor
from app.meetings.models import LogKind, MeetingLogEntry
from app.video import index, services
from tests.video_index_helpers import attach, logged_meeting


def _opened(db, item):
    return db.session.query(MeetingLogEntry).filter_by(item_id=item.id, kind=LogKind.item_opened).one()


def test_chapters_match_the_item_times_to_the_second(db, clock, commission, open_meeting):
    meeting, general, resolution, motion = logged_meeting(db, clock, commission, open_meeting)
    attach(db, meeting)  # second 0 is 30 s before the start
    found = index.chapters(meeting)
    items = [m for m in found.marks if m.kind == "item"]
    assert [(m.key, m.part, m.second, m.end_second) for m in items] == [
        (general.id, 1, 30 + 120, 30 + 14 * 60),
        (resolution.id, 1, 30 + 14 * 60, 30 + 22 * 60),
    ]
    times = floor.item_times(meeting)
    for mark in items:
        assert mark.start == times[mark.key][0] and mark.end == times[mark.key][1]
    assert items[0].title == f"{general.label} {general.title}"
    kinds = {m.kind for m in found.marks}
    assert {"motion", "vote"} <= kinds
    vote = found.find("vote", motion.id)
    assert vote is not None and vote.second >= items[1].second and vote.end_second is not None


def test_a_moment_in_part_two_maps_to_part_two_and_moments_outside_are_left_out(db, clock, commission, open_meeting):
    meeting, general, resolution, _motion = logged_meeting(db, clock, commission, open_meeting)
    # Part 1 holds the first 5 minutes only; part 2 starts at +10 min (the stream broke between).
    attach(db, meeting, part=1, offset=timedelta(0), duration=300)
    attach(db, meeting, part=2, offset=timedelta(minutes=10), url="https://video.example.gov/m2.mp4")
    found = index.chapters(meeting)
    general_mark = found.find("item", general.id)
    assert (general_mark.part, general_mark.second, general_mark.end_second) == (1, 120, 300)
    resolution_mark = found.find("item", resolution.id)
    assert (resolution_mark.part, resolution_mark.second) == (2, 4 * 60)
    # Nothing of the log between 5 and 10 minutes is placed.
    assert all(m.part in (1, 2) for m in found.marks)


def test_no_recording_no_marks(db, clock, commission, open_meeting):
    meeting, general, *_ = logged_meeting(db, clock, commission, open_meeting)
    found = index.marks(meeting.id)
    assert not found and found.find("item", general.id) is None


def test_sync_by_a_known_moment_computes_zero_at(db, clock, commission, open_meeting):
    meeting, *_ = logged_meeting(db, clock, commission, open_meeting)
    called = db.session.query(MeetingLogEntry).filter_by(meeting_id=meeting.id, kind=LogKind.called_to_order).one()
    position = services.parse_position("00:03:12")
    assert position == 192 and services.parse_position("3:12") == 192 and services.parse_position("1:02:15") == 3735
    assert services.parse_position("3:75") is None and services.parse_position("abc") is None
    assert services.parse_position("99:00:00") is None
    zero = services.zero_from_moment(called, position)
    assert zero == called.at - timedelta(seconds=192)
    recording = services.add_recording(meeting, part=1, url="https://v.example.gov/a.mp4", zero_at=zero, actor=None)
    assert recording.second_of(called.at) == 192


def test_correcting_a_log_time_moves_the_chapter_and_keeps_the_original_in_the_audit(
    db, clock, commission, open_meeting
):
    from app.core.audit import AuditEntry

    meeting, general, *_ = logged_meeting(db, clock, commission, open_meeting)
    attach(db, meeting)
    before = index.chapters(meeting).find("item", general.id).second
    entry = _opened(db, general)
    original = entry.at
    services.correct_moment(entry, at=original - timedelta(seconds=45), reason="Stamped late", actor=None)
    db.session.commit()
    assert index.chapters(meeting).find("item", general.id).second == before - 45
    audit = db.session.query(AuditEntry).filter_by(action="meeting.log_correct").one()
    assert audit.data["before"] == original.isoformat() and audit.data["reason"] == "Stamped late"


def test_the_chapters_file_parses_back_with_webvtt(client, db, clock, commission, open_meeting):
    meeting, general, resolution, _motion = logged_meeting(db, clock, commission, open_meeting)
    attach(db, meeting)
    response = client.get(f"/meetings/{meeting.id}/video/part-1/chapters.vtt")
    assert response.status_code == 200 and response.content_type.startswith("text/vtt")
    parsed = webvtt.from_string(response.get_data(as_text=True))
    assert [(c.start, c.end, c.text) for c in parsed] == [
        ("00:02:30.000", "00:14:30.000", f"{general.label} {general.title}"),
        ("00:14:30.000", "00:22:30.000", f"{resolution.label} {resolution.title}"),
    ]
    assert client.get(f"/meetings/{meeting.id}/video/part-2/chapters.vtt").status_code == 404
    assert client.get(f"/meetings/{meeting.id}/video/part-99999999999/chapters.vtt").status_code == 404


def test_the_api_gives_the_index(client, db, clock, commission, open_meeting):
    meeting, general, _resolution, motion = logged_meeting(db, clock, commission, open_meeting)
    empty = client.get(f"/api/v1/meetings/{meeting.id}/video-index").get_json()
    assert empty["parts"] == [] and empty["chapters"] == []
    attach(db, meeting)
    data = client.get(f"/api/v1/meetings/{meeting.id}/video-index").get_json()
    assert data["parts"][0]["provider"] == "file" and data["parts"][0]["chapters_url"].endswith("/part-1/chapters.vtt")
    first = data["chapters"][0]
    assert (first["kind"], first["id"], first["part"], first["second"]) == ("item", general.id, 1, 150)
    assert first["watch_url"].endswith(f"/meetings/{meeting.id}/video?part=1&t=150")
    assert first["direct_url"] == "https://video.example.gov/m.mp4#t=150"
    assert any(c["kind"] == "vote" and c["id"] == motion.id for c in data["chapters"])
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/meetings/{meeting_id}/video-index" in spec["paths"] and "VideoIndex" in spec["components"]["schemas"]
    assert client.get("/api/v1/meetings/2147483648/video-index").status_code == 404


def test_watch_links_at_items_motions_votes_and_speakers_with_the_right_seconds(
    client, db, clock, commission, open_meeting
):
    meeting, general, resolution, motion = logged_meeting(db, clock, commission, open_meeting)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "watch-link" not in page and f"/meetings/{meeting.id}/video" not in page
    attach(db, meeting)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    link = re.search(rf'data-watch="item-{general.id}" href="([^"]+)">(.*?)</a>', page)
    assert link.group(1) == f"/meetings/{meeting.id}/video?part=1&amp;t=150"
    name = re.sub(r"<[^>]+>", "", link.group(2))
    assert " ".join(name.split()) == f"Watch item {general.label} at 2:30"
    assert f'data-watch="item-{resolution.id}"' in page
    assert f'data-watch="motion-{motion.id}"' in page and f'data-watch="vote-{motion.id}"' in page
    item_page = client.get(f"/meetings/{meeting.id}/items/{resolution.id}").get_data(as_text=True)
    assert f'data-watch="item-{resolution.id}" href="/meetings/{meeting.id}/video?part=1&amp;t=870"' in item_page
    assert f'data-watch="vote-{motion.id}"' in item_page


def test_the_pages_read_a_fixed_number_of_queries_with_a_recording(
    client, db, clock, commission, open_meeting, count_queries
):
    meeting, general, resolution, _motion = logged_meeting(db, clock, commission, open_meeting)
    attach(db, meeting)
    urls = [f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/items/{resolution.id}", f"/meetings/{meeting.id}/video"]
    counts = {}
    for url in urls:
        client.get(url)
        with count_queries() as before:
            client.get(url, headers={"Cache-Control": "no-cache"})
        counts[url] = len(before)
    for _ in range(5):
        clock.advance(minutes=2)
        floor.take_up(general, actor=None)
        clock.advance(minutes=2)
        floor.take_up(resolution, actor=None)
    attach(db, meeting, part=2, offset=timedelta(hours=1), url="https://video.example.gov/m2.mp4")
    db.session.commit()
    for url in urls:
        with count_queries() as after:
            assert client.get(url).status_code == 200
        assert len(after) == counts[url], url


def test_the_draft_minutes_give_each_item_its_time_range_video_link_and_speakers(
    app, db, clock, commission, open_meeting
):
    from app.minutes.services import draft_minutes_text

    meeting, general, resolution, _motion = logged_meeting(db, clock, commission, open_meeting)
    assert "Video:" not in draft_minutes_text(meeting)
    attach(db, meeting)
    with app.test_request_context("/", base_url="https://dais.example.gov"):
        text = draft_minutes_text(meeting)
    assert f"- Video: 2:30 to 14:30 (https://dais.example.gov/meetings/{meeting.id}/video?part=1&t=150)." in text
    assert f"- Video: 14:30 to 22:30 (https://dais.example.gov/meetings/{meeting.id}/video?part=1&t=870)." in text


def test_the_player_is_only_described_until_play_and_the_policy_frames_only_the_two_players(
    client, db, clock, commission, open_meeting
):
    from app.video.models import Recording
    from app.video.player import embed

    def kind(url):
        return embed(Recording(url=url, part=1))

    assert kind("https://www.youtube.com/watch?v=abcdefghijk") == {
        "kind": "iframe",
        "src": "https://www.youtube-nocookie.com/embed/abcdefghijk?start={t}&autoplay=1",
    }
    assert kind("https://vimeo.com/123456789")["src"] == "https://player.vimeo.com/video/123456789?autoplay=1#t={t}s"
    assert kind("https://city.example.gov/live/m.m3u8") == {
        "kind": "hls",
        "src": "https://city.example.gov/live/m.m3u8",
    }
    assert kind("http://city.example.gov/m.mp4")["kind"] == "link"  # not over https: the plain link only
    meeting, general, *_ = logged_meeting(db, clock, commission, open_meeting)
    attach(db, meeting, url="https://www.youtube.com/watch?v=abcdefghijk")
    response = client.get(f"/meetings/{meeting.id}/video?part=1&t=150")
    page = response.get_data(as_text=True)
    assert "<iframe" not in page and "<video" not in page  # created by the script on Play only
    assert 'data-src="https://www.youtube-nocookie.com/embed/abcdefghijk?start={t}&amp;autoplay=1"' in page
    assert 'href="https://www.youtube.com/watch?v=abcdefghijk&amp;t=150s"' in page  # the plain link, always
    policy = response.headers["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com https://player.vimeo.com;" in policy
    assert "frame-src" not in client.get(f"/meetings/{meeting.id}").headers["Content-Security-Policy"]
    assert client.get(f"/meetings/{meeting.id}/video?part=abc&t=99999999999").status_code == 200


def test_an_items_finished_closes_that_item_only():
    """After a corrected time, the first item's "finished" may come after the second was taken up: it must not
    cut the second item's chapter short."""
    from datetime import UTC, datetime, timedelta

    from app.meetings.models import LogKind as K
    from app.video.index import stretches

    t0 = datetime(2025, 6, 30, 21, tzinfo=UTC)
    rows = [
        (K.item_opened, t0, 1, None, None),
        (K.item_opened, t0 + timedelta(minutes=8), 2, None, None),  # corrected from 20 minutes
        (K.item_closed, t0 + timedelta(minutes=20), 1, None, None),
        (K.adjourned, t0 + timedelta(minutes=30), None, None, None),
    ]
    first, second = stretches(rows)
    assert (first.key, first.seconds, second.key, second.seconds) == (1, 8 * 60, 2, 22 * 60)
