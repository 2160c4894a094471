"""Demo meetings: the June 30, 2025 special meeting and the regular meetings around it, plus upcoming ones.

Historical records are written as they stood after the fact (noticed, adjourned), with their own timestamps,
so no service's "now" applies to them. Each is looked up by body, title and start before it is created.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.bodies.models import Body, Member
from app.core import audit
from app.core.sequences import format_file_number, next_number
from app.core.timeutil import utcnow
from app.extensions import db
from app.meetings.agenda import renumber
from app.meetings.models import (
    AgendaItem,
    AgendaItemType,
    CommentExemption,
    Meeting,
    MeetingChange,
    MeetingChangeKind,
    MeetingKind,
    MeetingStatus,
    Minutes,
    MinutesStatus,
)
from app.minutes.services import draft_minutes_text

KW = ZoneInfo("America/New_York")
CHAMBER = "City Commission Chambers, City Hall, 1300 White Street, Key West, FL 33040"
STREAM = "https://www.cityofkeywest-fl.gov/live"

PURPOSE_JUNE_30 = (
    "Consider a resolution declaring the Key West Police Department's 287(g) agreement with U.S. Immigration "
    "and Customs Enforcement void and unenforceable, and barring similar agreements."
)
PURPOSE_JULY_8 = (
    "Reconsider the City's participation in the 287(g) program, including a resolution authorizing the City "
    "Manager to enter into a 287(g) agreement with U.S. Immigration and Customs Enforcement."
)

OPENING = [
    ("Call to Order", "Call to order", AgendaItemType.ministerial, False),
    ("Roll Call", "Roll call", AgendaItemType.ministerial, False),
]


def _local(*args) -> datetime:
    return datetime(*args, tzinfo=KW)


def _member(name: str) -> Member | None:
    return db.session.scalar(select(Member).where(Member.full_name == name))


def _meeting(body, *, kind, title, start, end, purpose=None, status, published, agenda_published=True) -> tuple:
    existing = db.session.scalar(
        select(Meeting).where(Meeting.body_id == body.id, Meeting.title == title, Meeting.start_at == start)
    )
    if existing is not None:
        return existing, False
    meeting = Meeting(
        body_id=body.id,
        body=body,
        kind=kind,
        title=title,
        start_at=start,
        end_at=end,
        location=CHAMBER,
        remote_url=STREAM,
        purpose=purpose,
        status=status,
        first_published_at=published,
        agenda_published_at=published if agenda_published else None,
        sequence=1,
        created_at=published or utcnow(),
        updated_at=published or utcnow(),
    )
    db.session.add(meeting)
    db.session.flush()
    if published is not None:
        db.session.add(
            MeetingChange(
                meeting_id=meeting.id,
                kind=MeetingChangeKind.published,
                summary="Notice published",
                created_at=published,
            )
        )
        if agenda_published:
            db.session.add(
                MeetingChange(
                    meeting_id=meeting.id,
                    kind=MeetingChangeKind.agenda_published,
                    summary="Agenda published",
                    created_at=published,
                )
            )
    audit.record("meeting.schedule", meeting, f"Demo meeting '{title}'", actor_label="seed-demo")
    return meeting, True


def _items(meeting, rows, year: int, created) -> None:
    for section, title, item_type, comment, *rest in rows:
        sponsors = rest[0] if rest else []
        body_md = rest[1] if len(rest) > 1 else ""
        members = [m for m in (_member(n) for n in sponsors) if m is not None]
        number = format_file_number(year, next_number("file", year))
        item = AgendaItem(
            meeting_id=meeting.id,
            meeting=meeting,
            section=section,
            position=len(meeting.items) + 1,
            title=title,
            body_md=body_md,
            item_type=item_type,
            file_number=number,
            fiscal_impact="",
            public_comment_required=comment,
            comment_exemption=None if comment else CommentExemption.ministerial,
            created_at=created,
        )
        item.sponsors = members
        db.session.add(item)
    db.session.flush()
    renumber(meeting)


def _minutes(meeting, *, approved_at=None, approved_at_meeting=None):
    db.session.flush()
    db.session.refresh(meeting)
    minutes = Minutes(
        meeting_id=meeting.id,
        body_md=draft_minutes_text(meeting),
        created_at=meeting.end_at,
        updated_at=meeting.end_at,
        # Released for approval (public, "Draft, not yet approved") when the meeting ended, as a migrated
        # instance's earlier drafts are; the June 17 minutes were approved at the July 8 meeting.
        status=MinutesStatus.approved if approved_at else MinutesStatus.released,
        released_at=meeting.end_at,
        approved_at=approved_at,
        approved_at_meeting_id=approved_at_meeting.id if approved_at_meeting else None,
    )
    db.session.add(minutes)


def seed_meetings(commission: Body) -> int:
    created = 0
    adjourned = MeetingStatus.adjourned

    june17, new = _meeting(
        commission,
        kind=MeetingKind.regular,
        title="Regular City Commission Meeting",
        start=_local(2025, 6, 17, 17, 0),
        end=_local(2025, 6, 17, 21, 0),
        status=adjourned,
        published=_local(2025, 6, 6, 10, 0),
    )
    if new:
        created += 1
        _items(
            june17,
            OPENING
            + [
                ("Public Comment", "General public comment", AgendaItemType.report, True),
                ("Consent Agenda", "Approval of the minutes of June 3, 2025", AgendaItemType.ministerial, False),
                (
                    "Resolutions",
                    "Resolution approving a lease of Truman Waterfront Park pavilion space",
                    AgendaItemType.resolution,
                    True,
                    ["Celestine Arbuckle"],
                ),
                ("Reports", "City Manager's report", AgendaItemType.report, True),
                ("Adjournment", "Adjournment", AgendaItemType.ministerial, False),
            ],
            2025,
            june17.first_published_at,
        )

    june30, new = _meeting(
        commission,
        kind=MeetingKind.special,
        title="Special City Commission Meeting: 287(g) agreement",
        start=_local(2025, 6, 30, 17, 0),
        end=_local(2025, 6, 30, 20, 30),
        purpose=PURPOSE_JUNE_30,
        status=adjourned,
        published=_local(2025, 6, 26, 16, 0),  # 97 hours' notice
    )
    if new:
        created += 1
        _items(
            june30,
            OPENING
            + [
                ("Public Comment", "Public comment on the 287(g) agreement", AgendaItemType.report, True),
                (
                    "Resolutions",
                    "Resolution declaring the Police Department's 287(g) agreement with U.S. Immigration and Customs "
                    "Enforcement void and unenforceable, and barring similar agreements",
                    AgendaItemType.resolution,
                    True,
                    ["Hollis Prendergast"],
                    "The City Attorney advised that the agreement was likely void because it was signed by the "
                    "Chief of Police without approval by the City Commission.\n\nThe resolution would declare the "
                    "agreement **void and unenforceable** and bar the City from entering similar agreements.",
                ),
                ("Adjournment", "Adjournment", AgendaItemType.ministerial, False),
            ],
            2025,
            june30.first_published_at,
        )

    july8, new = _meeting(
        commission,
        kind=MeetingKind.regular,
        title="Regular City Commission Meeting",
        start=_local(2025, 7, 8, 17, 0),
        end=_local(2025, 7, 8, 22, 0),
        purpose=PURPOSE_JULY_8,
        status=adjourned,
        published=_local(2025, 6, 27, 10, 0),
    )
    if new:
        created += 1
        _items(
            july8,
            OPENING
            + [
                ("Public Comment", "General public comment", AgendaItemType.report, True),
                ("Consent Agenda", "Approval of the minutes of June 17, 2025", AgendaItemType.ministerial, False),
                (
                    "Resolutions",
                    "Resolution authorizing the City Manager to enter into a 287(g) agreement with U.S. "
                    "Immigration and Customs Enforcement, effective immediately",
                    AgendaItemType.resolution,
                    True,
                    ["Marisol Quintana-Reyes"],
                ),
                ("Adjournment", "Adjournment", AgendaItemType.ministerial, False),
            ],
            2025,
            july8.first_published_at,
        )
        _minutes(june17, approved_at=_local(2025, 7, 8, 18, 0), approved_at_meeting=july8)
        _minutes(june30)
        _minutes(july8)

    # Upcoming: the next regular meeting, noticed with its agenda, and a workshop still in draft.
    now = utcnow()
    start = (now + timedelta(days=14)).astimezone(KW).replace(hour=17, minute=0, second=0, microsecond=0)
    upcoming, new = _meeting(
        commission,
        kind=MeetingKind.regular,
        title="Regular City Commission Meeting",
        start=start,
        end=start + timedelta(hours=4),
        status=MeetingStatus.noticed,
        published=now - timedelta(days=1),
    )
    if new:
        created += 1
        year = now.astimezone(KW).year
        _items(
            upcoming,
            OPENING
            + [
                ("Public Comment", "General public comment", AgendaItemType.report, True),
                (
                    "Resolutions",
                    "Resolution adopting the hurricane season emergency plan",
                    AgendaItemType.resolution,
                    True,
                    ["Everett Lindqvist"],
                ),
                ("Adjournment", "Adjournment", AgendaItemType.ministerial, False),
            ],
            year,
            now,
        )
    workshop_start = start + timedelta(days=7)
    draft, new = _meeting(
        commission,
        kind=MeetingKind.workshop,
        title="Budget workshop",
        start=workshop_start,
        end=workshop_start + timedelta(hours=2),
        status=MeetingStatus.draft,
        published=None,
        agenda_published=False,
    )
    created += new
    db.session.flush()
    return created
