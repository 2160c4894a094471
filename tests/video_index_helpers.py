"""A meeting with a live log and a recording, for the video index tests (issue 21)."""

from datetime import timedelta

from app.meetings import floor
from app.meetings.models import LogKind
from app.video import services
from tests.votes_helpers import adopt_six_to_one, hold_comment, items, roll_call, start


def logged_meeting(db, clock, commission, open_meeting):
    """A meeting called to order at its start; item "general" taken up at +2 min and finished at +14; the
    resolution taken up at +14, moved and voted on, finished; adjourned. Returns (meeting, general, resolution,
    motion)."""
    body, members = commission
    meeting = open_meeting(body)
    start(meeting, clock, db)
    roll_call(meeting, members)
    general, resolution, _minutes = items(meeting)
    clock.advance(minutes=2)
    floor.take_up(general, actor=None)
    clock.advance(minutes=12)
    floor.take_up(resolution, actor=None)
    hold_comment(resolution)
    clock.advance(minutes=5)
    motion = adopt_six_to_one(meeting, resolution, members)
    clock.advance(minutes=3)
    floor.finish(meeting, actor=None)
    clock.advance(minutes=1)
    floor.stamp(meeting, LogKind.adjourned, "Adjourned", at=clock())
    db.session.commit()
    return meeting, general, resolution, motion


def attach(db, meeting, *, part=1, offset=timedelta(seconds=-30), duration=None, url="https://video.example.gov/m.mp4"):
    """A recording whose second 0 is ``offset`` after the meeting's start (before it, by default)."""
    recording = services.add_recording(
        meeting, part=part, url=url, zero_at=meeting.start_at + offset, duration_seconds=duration, actor=None
    )
    db.session.commit()
    return recording
