"""The June 30, 2025 special meeting's live log and recording (issue 21): the gavel at 5:00 p.m., the resolution
taken up, its speakers called and finished at the times of their cards, adjournment after the vote; and a
city-hosted MP4 whose second 0 is 1:35 before the gavel, so the video index shows chapters and "Watch" links.
The motion, second and roll call are stamped by the vote services themselves (``app.demo.votes``)."""

from datetime import timedelta

from sqlalchemy import select

from app.meetings import floor
from app.meetings.models import AgendaItem, LogKind, Meeting
from app.public_comment.models import SpeakerRequest, SpeakerRequestStatus
from app.public_comment.registration import period_for
from app.video import services as video
from app.video.models import Recording

RECORDING_URL = "https://video.example.gov/commission/2025-06-30-special-meeting.mp4"
#: The camera started 95 seconds before the gavel.
LEAD_IN = timedelta(seconds=95)


def called_to_order(meeting: Meeting) -> None:
    floor.stamp(meeting, LogKind.called_to_order, "Called to order at 5:00 PM", at=meeting.start_at)


def comment_and_speakers(meeting: Meeting, item: AgendaItem) -> None:
    """The item taken up a minute before its comment period opened; each speaker called and finished (or not
    answering) at the times on their card, in the order they were called."""
    period = period_for(item)
    opened = period.opened_at or meeting.start_at + timedelta(minutes=12)
    floor.stamp(meeting, LogKind.item_opened, f"Item {item.label} taken up: {item.title}", item=item,
                at=opened - timedelta(minutes=1))  # fmt: skip
    floor.stamp(meeting, LogKind.comment_opened, "Public comment opened", item=item, at=opened)
    cards = db_cards(item)
    for card in cards:
        floor.stamp(meeting, LogKind.speaker_called, f"{card.name} called to speak", item=item,
                    speaker_request_id=card.id, at=card.called_at)  # fmt: skip
        done = LogKind.speaker_no_show if card.status == SpeakerRequestStatus.no_show else LogKind.speaker_finished
        summary = f"{card.name} did not answer" if done == LogKind.speaker_no_show else f"{card.name} finished"
        floor.stamp(meeting, done, summary, item=item, speaker_request_id=card.id, at=card.finished_at)
    if period.closed_at is not None:
        floor.stamp(meeting, LogKind.comment_closed, "Public comment closed", item=item, at=period.closed_at)


def db_cards(item: AgendaItem) -> list[SpeakerRequest]:
    from app.extensions import db

    return list(
        db.session.scalars(
            select(SpeakerRequest)
            .where(SpeakerRequest.agenda_item_id == item.id, SpeakerRequest.called_at.is_not(None))
            .order_by(SpeakerRequest.called_at)
        )
    )


def close(meeting: Meeting, item: AgendaItem, at) -> None:
    floor.stamp(meeting, LogKind.item_closed, f"Item {item.label} finished", item=item, at=at)
    floor.stamp(meeting, LogKind.adjourned, "Adjourned", at=at + timedelta(minutes=2))


def recording(meeting: Meeting) -> int:
    from app.extensions import db

    if db.session.scalar(select(Recording.id).where(Recording.meeting_id == meeting.id)):
        return 0
    video.add_recording(
        meeting,
        part=1,
        url=RECORDING_URL,
        label="City Commission special meeting, June 30, 2025",
        zero_at=meeting.start_at - LEAD_IN,
        duration_seconds=4 * 3600,
        actor=None,
    )
    return 1
