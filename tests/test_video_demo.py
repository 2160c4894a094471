"""The demo's June 30, 2025 special meeting has a live log and a recording (issue 21): its video page shows the
item, each speaker and the vote as chapters, and the draft minutes give the item's place in the video."""

import re
from datetime import timedelta

from sqlalchemy import select

from app.demo import seed_demo
from app.meetings.models import LogKind, Meeting, MeetingLogEntry
from app.public_comment.models import SpeakerRequest
from app.video import index


def _june_30(db):
    seed_demo()
    db.session.commit()
    return next(m for m in db.session.scalars(select(Meeting)) if m.title.startswith("Special City Commission"))


def test_the_demo_special_meeting_is_indexed_from_its_log(client, db):
    meeting = _june_30(db)
    log = list(db.session.scalars(select(MeetingLogEntry).where(MeetingLogEntry.meeting_id == meeting.id)))
    kinds = [e.kind for e in sorted(log, key=lambda e: (e.at, e.id))]
    assert kinds[0] == LogKind.called_to_order and kinds[-1] == LogKind.adjourned
    called = next(e for e in log if e.kind == LogKind.called_to_order)
    assert called.at == meeting.start_at
    found = index.chapters(meeting)
    speakers = [m for m in found.marks if m.kind == "speaker"]
    cards = db.session.scalars(
        select(SpeakerRequest).where(SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.called_at.is_not(None))
    ).all()
    assert len(speakers) == len(cards) == 42
    first = min(cards, key=lambda c: c.called_at)
    mark = found.find("speaker", first.id)
    assert mark.second == int((first.called_at - meeting.start_at + timedelta(seconds=95)).total_seconds())
    assert {m.kind for m in found.marks} == {"item", "speaker", "motion", "vote"}

    page = client.get(f"/meetings/{meeting.id}/video").get_data(as_text=True)
    assert page.count('class="video-chapter video-chapter-speaker"') == 42
    assert f"{first.name} ({first.stance.value})" in page
    item_page = client.get(f"/meetings/{meeting.id}/items/{mark.item_id}").get_data(as_text=True)
    assert f'data-watch="speaker-{first.id}"' in item_page
    minutes = meeting.minutes.body_md
    assert re.search(rf"- Video: 12:35 to \d+:\d\d:\d\d \(/meetings/{meeting.id}/video\?part=1&t=755\)\.", minutes)
    assert f"{first.name} ({first.stance.value})" in minutes


def test_the_resolution_page_links_its_speakers_motion_and_vote_into_the_video(client, db):
    from app.legislation.models import Resolution

    meeting = _june_30(db)
    found = index.chapters(meeting)
    vote = next(m for m in found.marks if m.kind == "vote")
    resolution = db.session.scalars(select(Resolution).where(Resolution.number == "25-187")).one()
    assert resolution.item.meeting_id == meeting.id
    page = client.get(f"/resolutions/{resolution.id}").get_data(as_text=True)
    assert f'data-watch="vote-{vote.key}" href="/meetings/{meeting.id}/video?part=1&amp;t={vote.second}"' in page
    assert f'data-watch="motion-{vote.key}"' in page
    assert page.count('data-watch="speaker-') == 42
