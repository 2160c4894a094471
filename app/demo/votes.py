"""Demo votes: the June 30, 2025 roll call (6-1) voiding the 287(g) agreement, and the July 8 reversal (4-2).

Recorded through the same services a clerk uses, with the clock set to the meeting's times, so the record
(roll-call order, thresholds, numbers, effects, audit trail) is exactly what the application would produce.
The resolution numbers, the agreement's signing day and the names are fictional.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from app.bodies.models import Body, Member
from app.core.sequences import NumberSequence
from app.demo import video as demo_video
from app.extensions import db
from app.legislation import services as legislation
from app.legislation.models import Agreement, EffectKind, LinkKind
from app.matters import services as matters
from app.matters.models import VersionSource
from app.matters.versions import add_version
from app.meetings import attendance
from app.meetings.models import AgendaItemType, Meeting, MeetingStatus
from app.minutes.services import draft_minutes_text
from app.public_comment.registration import period_for
from app.votes import motions as motion_service
from app.votes import roll_call
from app.votes.models import Motion, MotionKind, VoteChoice

ZONE = ZoneInfo("America/New_York")
AGREEMENT_TITLE = "287(g) Task Force Model Memorandum of Agreement (Key West Police Department)"
CATEGORY = "287(g) agreement"


#: The July 8 resolution as first filed (issue 20: version 1 of its matter's text).
JULY_8_AS_FILED = (
    "**BE IT RESOLVED BY THE CITY COMMISSION OF THE CITY OF KEY WEST, FLORIDA:**\n\n1. The Chief of Police is "
    "authorized to enter into a 287(g) agreement with U.S. Immigration and Customs Enforcement.\n2. This "
    "resolution takes effect on August 1, 2025."
)


class _Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _ids() -> dict[str, int]:
    return {m.full_name.split()[0]: m.id for m in db.session.scalars(select(Member))}


def _run(meeting: Meeting, clock: _Clock, script) -> None:
    """Replay a session: the meeting is in session while ``script`` runs, then adjourned again."""
    previous = current_app.config.get("CLOCK")
    current_app.config["CLOCK"] = clock
    status = meeting.status
    meeting.status = MeetingStatus.in_progress
    try:
        script()
    finally:
        meeting.status = status
        current_app.config["CLOCK"] = previous
    if meeting.minutes is not None and not meeting.minutes.is_locked:
        meeting.minutes.body_md = draft_minutes_text(meeting)


def _roll_call(meeting: Meeting, ids, clock: _Clock, *, absent=()) -> None:
    clock.now = meeting.start_at + timedelta(minutes=2)
    statuses = {
        m.member_id: ("absent" if m.member.full_name.split()[0] in absent else "present_in_person")
        for m in attendance.roll(meeting)
    }
    attendance.take_roll(meeting, statuses, actor=None)


def _vote(motion: Motion, ids, choices: dict[str, VoteChoice], clock: _Clock) -> None:
    roll_call.open_vote(motion, actor=None)
    for vote in motion.votes:
        first = vote.member.full_name.split()[0]
        if first in choices:
            clock.now += timedelta(seconds=20)
            roll_call.record_vote(motion, vote.member_id, choices[first], actor=None)
    clock.now += timedelta(seconds=30)
    roll_call.close_vote(motion, actor=None)


def _june_30(meeting: Meeting, ids) -> int:
    item = next(i for i in meeting.items if i.item_type == AgendaItemType.resolution)
    clock = _Clock(meeting.start_at)

    def script():
        demo_video.called_to_order(meeting)
        _roll_call(meeting, ids, clock)
        demo_video.comment_and_speakers(meeting, item)
        period = period_for(item)
        clock.now = (period.closed_at or meeting.start_at) + timedelta(minutes=4)
        agreement = legislation.save_agreement(
            None,
            title=AGREEMENT_TITLE,
            counterparty="U.S. Immigration and Customs Enforcement",
            category=CATEGORY,
            signed_on=date(2025, 3, 12),
            signed_by="Chief of Police",
            description_md="A Task Force Model agreement under Section 287(g) of the Immigration and Nationality Act, "
            "signed by the Chief of Police without a vote of the City Commission.",
            actor=None,
        )
        resolution = legislation.resolution_for(item)
        legislation.update_draft(
            resolution,
            title=item.title,
            effective_on=date(2025, 7, 1),
            actor=None,
            text_md="**WHEREAS** the Chief of Police signed a 287(g) agreement with U.S. Immigration and Customs "
            "Enforcement without the approval of the City Commission; and\n\n**WHEREAS** the City Attorney "
            "has advised that the agreement is likely void for that reason;\n\n**NOW, THEREFORE, BE IT "
            "RESOLVED BY THE CITY COMMISSION OF THE CITY OF KEY WEST, FLORIDA:**\n\n1. The 287(g) agreement "
            "signed by the Chief of Police is declared void and unenforceable as of July 1, 2025.\n2. No "
            "officer or employee of the City shall enter into a similar agreement.\n3. This resolution takes "
            "effect on July 1, 2025.",
        )
        # Issue 20: the matter's text as filed a week before the meeting.
        add_version(item.matter, resolution.text_md, actor=None, source=VersionSource.introduced,
                    at=meeting.start_at - timedelta(days=7))  # fmt: skip
        legislation.add_effect(
            resolution,
            kind=EffectKind.voids,
            agreement=agreement,
            actor=None,
            note="Signed without the approval of the City Commission.",
        )
        legislation.add_effect(resolution, kind=EffectKind.prohibits, category=CATEGORY, actor=None)
        motion = motion_service.make_motion(
            meeting,
            item=item,
            kind=MotionKind.main,
            mover_id=ids["Hollis"],
            seconder_id=ids["Everett"],
            actor=None,
            text="Move to adopt the resolution declaring the 287(g) agreement void and unenforceable from July 1, "
            "2025, and barring similar agreements.",
        )
        clock.now += timedelta(minutes=25)  # debate
        yes = dict.fromkeys(("Marisol", "Everett", "Rosalind", "Celestine", "Hollis", "Ines"), VoteChoice.yes)
        _vote(motion, ids, {**yes, "Tobias": VoteChoice.no}, clock)
        demo_video.close(meeting, item, clock.now + timedelta(minutes=3))

    created = demo_video.recording(meeting)  # before the minutes are drafted from the record, so they link to it
    _run(meeting, clock, script)
    return 1 + created


def _july_8(meeting: Meeting, ids, voided) -> int:
    item = next(i for i in meeting.items if i.item_type == AgendaItemType.resolution)
    consent_item = next(i for i in meeting.items if i.section == "Consent Agenda")
    clock = _Clock(meeting.start_at)

    def script():
        _roll_call(meeting, ids, clock, absent=("Celestine",))
        clock.now = meeting.start_at + timedelta(minutes=10)
        consent = motion_service.make_motion(
            meeting,
            kind=MotionKind.adopt_consent_agenda,
            consent_items=[consent_item],
            text="Move to adopt the consent agenda.",
            mover_id=ids["Everett"],
            seconder_id=ids["Ines"],
            actor=None,
        )
        present = ("Marisol", "Everett", "Rosalind", "Tobias", "Hollis", "Ines")
        _vote(consent, ids, dict.fromkeys(present, VoteChoice.yes), clock)
        period = period_for(item)  # nearly three hours of comment; the speakers are not in the demo
        period.opened_at = meeting.start_at + timedelta(minutes=20)
        period.closed_at = clock.now = meeting.start_at + timedelta(hours=2, minutes=55)
        agreement = db.session.scalar(select(Agreement).where(Agreement.title == AGREEMENT_TITLE))
        resolution = legislation.resolution_for(item)
        legislation.update_draft(
            resolution,
            title=item.title,
            effective_on=None,
            actor=None,
            text_md="**BE IT RESOLVED BY THE CITY COMMISSION OF THE CITY OF KEY WEST, FLORIDA:**\n\n1. The City "
            "Manager is authorized to enter into a 287(g) agreement with U.S. Immigration and Customs "
            "Enforcement.\n2. This resolution supersedes the resolution adopted on June 30, 2025.\n3. This "
            "resolution takes effect immediately.",
        )
        # Issue 20: the matter's text as filed, and as the City Attorney's office revised it the day before the
        # meeting (the public page compares the two).
        add_version(item.matter, JULY_8_AS_FILED, actor=None, source=VersionSource.introduced,
                    at=meeting.start_at - timedelta(days=6))  # fmt: skip
        add_version(item.matter, resolution.text_md, actor=None, source=VersionSource.revised,
                    at=meeting.start_at - timedelta(days=1),
                    note="The City Manager signs; states that it supersedes the June 30 resolution.")  # fmt: skip
        legislation.add_link(resolution, voided, LinkKind.supersedes, actor=None)
        legislation.add_effect(resolution, kind=EffectKind.authorizes, agreement=agreement, actor=None)
        # Issue 20: the reversal's matter supersedes the June 30 matter and authorizes the agreement.
        matters.relate(item.matter, "supersedes", to_file_number=voided.item.file_number, actor=None)
        matters.relate(item.matter, "authorizes", agreement_id=agreement.id, actor=None)
        motion = motion_service.make_motion(
            meeting,
            item=item,
            kind=MotionKind.main,
            mover_id=ids["Marisol"],
            seconder_id=ids["Tobias"],
            actor=None,
            text="Move to adopt the resolution authorizing the City Manager to enter into a 287(g) agreement.",
        )
        clock.now += timedelta(minutes=30)
        _vote(
            motion,
            ids,
            {
                "Marisol": VoteChoice.yes,
                "Everett": VoteChoice.yes,
                "Tobias": VoteChoice.yes,
                "Ines": VoteChoice.yes,
                "Rosalind": VoteChoice.no,
                "Hollis": VoteChoice.no,
            },
            clock,
        )

    _run(meeting, clock, script)
    return 2


def seed_votes(commission: Body) -> int:
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.body_id == commission.id, Meeting.status == MeetingStatus.adjourned)
        .order_by(Meeting.start_at)
    ).all()
    june30 = next((m for m in meetings if m.start_at.astimezone(ZONE).date() == date(2025, 6, 30)), None)
    july8 = next((m for m in meetings if m.start_at.astimezone(ZONE).date() == date(2025, 7, 8)), None)
    if june30 is None or db.session.scalar(select(Motion.id).where(Motion.meeting_id == june30.id)):
        return 0
    if (
        db.session.scalar(
            select(NumberSequence.id).where(NumberSequence.series == "resolution", NumberSequence.year == 2025)
        )
        is None
    ):
        # The demo city adopted 186 resolutions earlier in 2025.
        db.session.add(NumberSequence(series="resolution", year=2025, last_value=186))
        db.session.flush()
    ids = _ids()
    created = _june_30(june30, ids)
    voided = legislation.find_resolution(next(i for i in june30.items if i.item_type == AgendaItemType.resolution))
    if july8 is not None:
        created += _july_8(july8, ids, voided)
    db.session.flush()
    return created
