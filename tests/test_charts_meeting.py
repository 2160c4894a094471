"""A meeting's timeline in pictures (issue 19): each item with its minutes from the live log, the same as a table;
nothing at all when the meeting has no log."""

import re
from datetime import timedelta

from app.meetings import floor
from tests.votes_helpers import items, start


def test_items_with_their_minutes_from_the_live_log(client, db, commission, open_meeting, clock):
    meeting = open_meeting(commission[0])
    start(meeting, clock, db)
    general, resolution, minutes = items(meeting)
    clock.advance(minutes=2)
    floor.take_up(general, actor=None)
    clock.advance(minutes=12)
    floor.take_up(resolution, actor=None)  # finishes the general comment: 12 minutes
    clock.advance(minutes=30)
    floor.finish(meeting, actor=None)  # 30 minutes
    clock.advance(minutes=5)
    floor.take_up(general, actor=None)  # taken up again: 4 more minutes
    clock.advance(minutes=4)
    floor.finish(meeting, actor=None)
    db.session.commit()

    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    section = re.search(r'<section class="chart chart-timeline".*?</section>', page, flags=re.S).group(0)
    assert re.findall(r'data-item="(\d+)" data-minutes="(\d+)"', section) == [
        (str(general.id), "16"),
        (str(resolution.id), "30"),
    ]
    # General comment was before the body twice: two stretches on its row.
    general_row = re.search(rf'data-item="{general.id}".*?</g>', section, flags=re.S).group(0)
    assert general_row.count("<rect") == 2
    assert ">16 min</text>" in section and ">30 min</text>" in section
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th><td>[^<]*</td><td>(\d+)</td></tr>', section)
    assert rows == [(f"{general.label} {general.title}", "16"), (f"{resolution.label} {resolution.title}", "30")]
    assert minutes.title not in section  # never taken up: not on the timeline

    client.get("/language/es")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Cómo se empleó el tiempo" in page and ">16 min.</text>" in page


def test_no_timeline_without_a_live_log(client, commission, open_meeting, clock):
    meeting = open_meeting(commission[0])
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "chart-timeline" not in page


def test_the_meeting_page_reads_the_same_queries_with_a_longer_log(
    client, db, commission, open_meeting, clock, count_queries
):
    meeting = open_meeting(commission[0])
    start(meeting, clock, db)
    general, resolution, _minutes = items(meeting)
    floor.take_up(general, actor=None)
    db.session.commit()
    url = f"/meetings/{meeting.id}"
    client.get(url)
    with count_queries() as before:
        client.get(url)
    for _ in range(10):
        clock.advance(minutes=3)
        floor.take_up(resolution, actor=None)
        clock.advance(minutes=3)
        floor.take_up(general, actor=None)
    db.session.commit()
    with count_queries() as after:
        client.get(url)
    assert len(after) == len(before)
    assert clock() - meeting.start_at >= timedelta(minutes=60)


def test_a_corrected_time_takes_its_place_on_the_timeline(client, db, commission, open_meeting, clock):
    """Issue 21: the clerk corrects when an item was finished; the timeline reads the corrected time, even when the
    correction moves a moment before one logged earlier."""
    from sqlalchemy import select

    from app.meetings.models import LogKind, MeetingLogEntry
    from app.video import services as video

    meeting = open_meeting(commission[0])
    start(meeting, clock, db)
    general, resolution, _minutes = items(meeting)
    floor.take_up(general, actor=None)
    clock.advance(minutes=20)
    floor.take_up(resolution, actor=None)  # logged as finishing the general comment at 20 minutes
    clock.advance(minutes=10)
    floor.finish(meeting, actor=None)
    db.session.commit()
    taken_up = db.session.scalars(
        select(MeetingLogEntry).where(
            MeetingLogEntry.meeting_id == meeting.id,
            MeetingLogEntry.kind == LogKind.item_opened,
            MeetingLogEntry.item_id == resolution.id,
        )
    ).one()
    # The resolution was really taken up at 8 minutes; the clerk clicked late.
    video.correct_moment(taken_up, at=taken_up.at - timedelta(minutes=12), reason="Clicked late", actor=None)
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}?corrected=1").get_data(as_text=True)
    section = re.search(r'<section class="chart chart-timeline".*?</section>', page, flags=re.S).group(0)
    assert re.findall(r'data-item="(\d+)" data-minutes="(\d+)"', section) == [
        (str(general.id), "8"),
        (str(resolution.id), "22"),
    ]
