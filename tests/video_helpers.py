"""A made-up commission meeting with its recording and live log, matching the caption fixture
(tests/fixtures/captions/commission-2026-03-10.vtt, written by make_fixture.py there)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.meetings.models import AgendaItem, AgendaItemType, LogKind, MeetingLogEntry
from app.public_comment.models import CommentPeriod, SpeakerRequest, SpeakerRequestParticipation, Stance
from app.video.models import Recording

FIXTURES = Path(__file__).parent / "fixtures" / "captions"
VTT = FIXTURES / "commission-2026-03-10.vtt"
SRT = FIXTURES / "commission-2026-03-10.srt"
#: The wall-clock moment at the video's second 0 (6:00 p.m. in Key West, EDT).
ZERO_AT = datetime(2026, 3, 10, 22, 0, tzinfo=UTC)
#: A phrase only Marisol Reyes says, and the second her passage starts (her first cue straddles her call at 140 s).
MARISOL_PHRASE = "seagrass beds off Fleming Key"
MARISOL_SECOND = 138

K = LogKind
#: (video second, kind, what it concerns): item "A"/"B", speaker "marisol"/"tomas"/"harold", member "ana"/"luis".
TIMELINE = [
    (60, K.called_to_order, None),
    (120, K.item_opened, "A"),
    (130, K.comment_opened, "A"),
    (140, K.speaker_called, "marisol"),
    (145, K.timer_started, "marisol"),  # not a floor change
    (320, K.speaker_finished, "marisol"),
    (330, K.speaker_called, "tomas"),
    (510, K.speaker_finished, "tomas"),
    (520, K.comment_closed, "A"),
    (530, K.floor_granted, "ana"),
    (700, K.motion_made, "A"),
    (710, K.vote_opened, "A"),
    (760, K.vote_closed, "A"),
    (770, K.item_closed, "A"),
    (780, K.item_opened, "B"),
    (790, K.floor_granted, "luis"),
    (950, K.speaker_called, "harold"),
    (1100, K.speaker_finished, "harold"),
    (1110, K.floor_granted, "ana"),
    (1200, K.item_closed, "B"),
    (1210, K.adjourned, None),
]


@dataclass
class MadeUpMeeting:
    meeting: object
    recording: Recording
    items: dict
    speakers: dict
    members: dict


def _speaker(db, item, name, group=None, position=1, email=None, phone=None):
    period = db.session.query(CommentPeriod).filter_by(agenda_item_id=item.id).first()
    if period is None:
        period = CommentPeriod(agenda_item_id=item.id)
        db.session.add(period)
        db.session.flush()
    request = SpeakerRequest(
        period_id=period.id,
        agenda_item_id=item.id,
        meeting_id=item.meeting_id,
        queue_position=position,
        token_hash="0" * 64,
        name=name,
        group_name=group,
        is_group_representative=bool(group),
        email=email,
        phone=phone,
        stance=Stance.oppose,
        participation=SpeakerRequestParticipation.in_person,
        disclaimer_version="1",
    )
    db.session.add(request)
    db.session.flush()
    return request


def made_up_meeting(db, create_meeting, create_body, create_member, *, log=True) -> MadeUpMeeting:
    body = create_body(name="City Commission", seat_count=5)
    members = {
        "ana": create_member(body, full_name="Ana Díaz", seat_number=1),
        "luis": create_member(body, full_name="Luis Soto", seat_number=2),
        "mayor": create_member(body, full_name="Teri Johnston", seat_number=3, title="Mayor", is_chair=True),
    }
    meeting = create_meeting(body, kind="regular", title="Regular meeting", start_at=ZERO_AT + timedelta(seconds=60))
    meeting.agenda_published_at = ZERO_AT - timedelta(days=7)
    meeting.first_published_at = ZERO_AT - timedelta(days=7)
    from app.meetings.models import MeetingStatus

    meeting.status = MeetingStatus.adjourned
    items = {}
    for n, (key, title) in enumerate(
        [("A", "Harbor dredging contract"), ("B", "Resolution on the 287(g) agreement")], start=1
    ):
        items[key] = AgendaItem(
            meeting_id=meeting.id,
            section="Regular Agenda",
            position=n,
            label=f"{n}.A",
            title=title,
            body_md="",
            item_type=AgendaItemType.resolution,
            file_number=f"26-{n:04d}",
        )
        db.session.add(items[key])
    db.session.flush()
    speakers = {
        "marisol": _speaker(
            db, items["A"], "Marisol Reyes", position=1, email="marisol@example.org", phone="305-555-0101"
        ),
        "tomas": _speaker(db, items["A"], "Tomás Ortega", "Old Town Neighbors", position=2),
        "harold": _speaker(db, items["B"], "Harold Pinder", position=1),
    }
    recording = Recording(
        meeting_id=meeting.id, part=1, url="https://city.example/video/2026-03-10.mp4", label="", zero_at=ZERO_AT
    )
    db.session.add(recording)
    if log:
        for second, kind, what in TIMELINE:
            entry = MeetingLogEntry(meeting_id=meeting.id, at=ZERO_AT + timedelta(seconds=second), kind=kind)
            if what in items:
                entry.item_id = items[what].id
            elif what in speakers:
                entry.speaker_request_id = speakers[what].id
                entry.item_id = speakers[what].agenda_item_id
            elif what in members:
                entry.member_id = members[what].id
            db.session.add(entry)
    db.session.commit()
    return MadeUpMeeting(meeting, recording, items, speakers, members)
