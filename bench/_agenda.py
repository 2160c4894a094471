"""A big city's legislative record for bench/legislative.py (issue 20, the scale check): one meeting with a very
long agenda, in session, and one matter that came back to the body many times.

``build(env, items=1645, appearances=40, tag="big")`` runs ``python -c`` in the instance's environment (like
``bench/_archive.py``), so it writes to whichever database the instance uses, and returns what it made (ids,
counts, seconds). Run on a freshly seeded demo (``flask seed-demo``): it uses the demo's City Commission, its
seated members, its topics and its clerk.

**The long agenda.** A regular meeting of the City Commission three weeks ahead, scheduled and noticed through the
services (``lifecycle.schedule_meeting``, ``publish_meeting``: the rules and the comment policy are stamped as for
any meeting). Its ``items`` agenda items are written with bulk INSERTs (SQLAlchemy Core, as an import would leave
them), each with its own matter (``bulk_matter_rows``, the matter's two first steps as ``agenda.add_item`` writes
them), in the body's nine sections: one item each for the call to order, the roll call, public comment and the
adjournment (ministerial, no comment), and the rest split 40 % consent agenda, 25 % resolutions, 22 % ordinances
(first and second readings), 3 % presentations, 10 % reports. Titles are drawn from a city council's usual
business (``random.Random(20)``: the same agenda every run). One item in six has one to three documents (stored
for real: a one-page PDF each, so the packet can be built), one in four a sponsor, one in five a topic. Then,
through the services again: ``agenda.renumber`` gives the labels ("4.A" ... "4.YG"), ``agenda.publish_agenda``
publishes it (the alerts and the packet request as for any agenda), and the meeting is called to order early
(with a reason), the roll taken (all present) and the first resolution taken up: the cockpit shows a meeting in
session.

**The long-lived matter.** An ordinance that appears on ``appearances`` past meetings of the City Commission (one
a week before the demo's first meeting, each adjourned, with a call to order, the ordinance, another item and the
adjournment: bulk INSERTs like ``bench/_archive.py``). Its steps are those a clerk would have recorded:
introduced, placed on each agenda, deferred to the next meeting one time in four (with the target meeting),
referred to the Planning Board once, passed on first reading, adopted on second reading at the last appearance;
a closed roll call of the seven members on the referral, both readings and one deferral in three (6 at 40
appearances), and one to three documents (staff report, exhibit, map) on one appearance in three.
"""

from bench._server import run_in_app

BUILD = """
import json, time
from bench._agenda import _build
from wsgi import app

with app.app_context():
    started = time.monotonic()
    made = _build(items={items}, appearances={appearances}, tag={tag!r})
    made["seconds"] = round(time.monotonic() - started, 1)
    print("AGENDA " + json.dumps(made))
"""

#: The body's default sections (app.bodies.models.DEFAULT_AGENDA_SECTIONS) and the share of the long agenda each
#: takes; None: one ministerial item.
SHARES = {
    "Call to Order": None,
    "Roll Call": None,
    "Public Comment": None,
    "Consent Agenda": 0.40,
    "Resolutions": 0.25,
    "Ordinances": 0.22,
    "Presentations": 0.03,
    "Reports": 0.10,
    "Adjournment": None,
}

STREETS = [
    "Duval Street",
    "Whitehead Street",
    "Simonton Street",
    "Eaton Street",
    "Fleming Street",
    "Caroline Street",
    "Truman Avenue",
    "Flagler Avenue",
    "Bertha Street",
    "Atlantic Boulevard",
    "Southard Street",
    "Olivia Street",
]
BUSINESSES = [
    "Blue Heron Cafe",
    "Conch Republic Seafood",
    "Mallory Market",
    "Island Bicycle Rental",
    "Salt Pond Bakery",
    "Old Town Tavern",
    "Pelican Books",
    "Coral Reef Divers",
    "Sunset Pier Grill",
    "Harbor Walk Gallery",
]
VENDORS = [
    "Gulfstream Paving, Inc.",
    "Keys Engineering Group",
    "Atlantic Water Systems LLC",
    "Southernmost Fleet Services",
    "Coastal Environmental Consultants",
    "Bayview IT Solutions",
    "Mariner Construction Co.",
]
SERVICES = [
    "stormwater drainage improvements",
    "the resurfacing of residential streets",
    "the replacement of water meters",
    "fleet maintenance",
    "the seawall repair at Mallory Square",
    "network and telephone services",
    "the design of the Truman Waterfront park",
    "sewer lift station rehabilitation",
    "beach renourishment",
]
DEPARTMENTS = [
    "Police Department",
    "Fire Department",
    "Utilities Department",
    "Planning Department",
    "Parks and Recreation",
    "Finance Department",
    "Port and Marine Services",
    "Code Compliance",
    "Transportation Department",
]
CHAPTERS = [
    ("6", "alcoholic beverages"),
    ("14", "buildings and building regulations"),
    ("18", "businesses"),
    ("26", "environment"),
    ("34", "fire prevention"),
    ("54", "nuisances"),
    ("62", "parks and recreation"),
    ("74", "solid waste"),
    ("86", "streets, sidewalks and public places"),
    ("90", "traffic and vehicles"),
    ("108", "land development regulations"),
    ("122", "zoning"),
]
CAUSES = [
    "Hurricane Preparedness",
    "Water Conservation",
    "Historic Preservation",
    "Small Business",
    "Arbor",
    "Mental Health Awareness",
    "Veterans Appreciation",
    "Coral Reef Awareness",
    "Literacy",
]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def build(env: dict, *, items: int, appearances: int, tag: str) -> dict:
    """Make the long agenda and the long-lived matter in the instance's database; return what was made."""
    return run_in_app(BUILD.format(items=items, appearances=appearances, tag=tag), env, "AGENDA", "building the agenda")


def split(items: int) -> dict[str, int]:
    """How many items each section gets: one in each ministerial section, the rest by share."""
    fixed = sum(1 for share in SHARES.values() if share is None)
    rest = items - fixed
    counts = {name: 1 if share is None else int(rest * share) for name, share in SHARES.items()}
    counts["Consent Agenda"] += items - sum(counts.values())
    return counts


def _title(rng, section: str, n: int) -> tuple[str, str, str]:
    """(title, item type, reading) of the ``n``-th item of ``section``."""
    street, business = rng.choice(STREETS), rng.choice(BUSINESSES)
    if section == "Consent Agenda":
        kind = n % 5
        if kind == 0:
            return f"Sidewalk cafe permit for {business} at {rng.randint(100, 1400)} {street}", "motion", ""
        if kind == 1:
            amount = rng.randint(5, 250) * 100
            return f"Acceptance of a donation of ${amount:,} to the {rng.choice(DEPARTMENTS)}", "motion", ""
        if kind == 2:
            return f"Special event permit: {rng.choice(CAUSES)} festival on {street}", "motion", ""
        if kind == 3:
            return f"Refund of an overpaid business tax receipt to {business}", "motion", ""
        return f"Encroachment agreement for a balcony at {rng.randint(100, 1400)} {street}", "resolution", ""
    if section == "Resolutions":
        if n % 3 == 0:
            return f"Resolution declaring {rng.choice(MONTHS)} {rng.choice(CAUSES)} Month", "resolution", ""
        return (
            f"Resolution authorizing the City Manager to execute an agreement with {rng.choice(VENDORS)} "
            f"for {rng.choice(SERVICES)}",
            "resolution",
            "",
        )
    if section == "Ordinances":
        chapter, subject = rng.choice(CHAPTERS)
        reading = "second" if n % 2 == 0 else "first"  # a second reading first: the small twin has one too
        return f"Ordinance amending Chapter {chapter} of the Code of Ordinances, {subject}", "ordinance", reading
    if section == "Presentations":
        return f"Presentation by the {rng.choice(DEPARTMENTS)} on {rng.choice(SERVICES)}", "presentation", ""
    if section == "Reports":
        return f"{rng.choice(DEPARTMENTS)} monthly report for {rng.choice(MONTHS)}", "report", ""
    return section, "ministerial", ""


def one_page_pdf(marker: str) -> bytes:
    """A small real PDF (one page of text), so the packet reads a document, not a missing file."""
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    text = f"BT /F1 12 Tf 72 720 Td (Staff report {marker}: background, analysis and recommendation.) Tj ET"
    page = pikepdf.Page(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 612, 792],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            Contents=pdf.make_stream(text.encode()),
        )
    )
    pdf.pages.append(page)
    out = __import__("io").BytesIO()
    pdf.save(out)
    return out.getvalue()


class _Ids:
    """The next free id of each table, and the tables written with explicit ids (their sequences are moved on)."""

    def __init__(self):
        self.next: dict = {}

    def take(self, model) -> int:
        from sqlalchemy import func, select

        from app.extensions import db

        if model not in self.next:
            self.next[model] = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        value = self.next[model]
        self.next[model] += 1
        return value

    def reserve(self, model, count: int) -> int:
        first = self.take(model)
        self.next[model] += count - 1
        return first

    def move_sequences(self) -> None:
        from app.extensions import db

        if db.engine.dialect.name != "postgresql":
            return
        for model in self.next:
            table = model.__tablename__
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"  # noqa: S608 (fixed names)
            db.session.execute(db.text(sql))


def _bulk(table, rows, size=1000) -> None:
    from sqlalchemy import insert

    from app.extensions import db

    for at in range(0, len(rows), size):
        db.session.execute(insert(table), rows[at : at + size])


def _matter_steps(ids, matters: list[dict], meeting_id: int | None) -> list[dict]:
    """The two steps ``agenda.add_item`` records when it opens a matter: introduced, placed on an agenda."""
    from app.matters.models import MatterAction

    steps = []
    for matter in matters:
        for kind in ("introduced", "placed_on_agenda"):
            steps.append(
                {
                    "id": ids.take(MatterAction),
                    "matter_id": matter["id"],
                    "action": kind,
                    "at": matter["created_at"],
                    "meeting_id": meeting_id,
                    "agenda_item_id": None,
                    "motion_id": None,
                    "target_meeting_id": None,
                    "note": "",
                }
            )
    return steps


def _store_documents(rng, ids, item_rows: list[dict], every: int, tag: str, when) -> list[dict]:
    """One to three real one-page PDFs on one item in ``every``, put in the storage layer under fresh names."""
    import hashlib
    import uuid

    from app.core.storage import storage
    from app.meetings.models import Attachment

    rows = []
    for n, item in enumerate(item_rows):
        if item["item_type"] == "ministerial" or n % every != every // 2:
            continue
        for k in range(1 + rng.randrange(3)):
            name = ["Staff report", "Exhibit A", "Location map"][k]
            data = one_page_pdf(f"{tag} {item['file_number']} {name}")
            stored_name = uuid.uuid4().hex
            storage().put(stored_name, data, "application/pdf")
            rows.append(
                {
                    "id": ids.take(Attachment),
                    "agenda_item_id": item["id"],
                    "original_filename": f"{item['file_number']} {name}.pdf",
                    "stored_name": stored_name,
                    "content_type": "application/pdf",
                    "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "created_at": when,
                }
            )
    return rows


def _long_agenda(rng, ids, body, clerk, members, topics, items: int, tag: str) -> dict:
    import time
    from datetime import datetime, timedelta
    from datetime import time as clock

    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from app.core.timeutil import local_to_utc, to_local, utcnow
    from app.demo.meetings import CHAMBER
    from app.extensions import db
    from app.matters.models import Matter, MatterAction
    from app.meetings import agenda, attendance, floor, lifecycle
    from app.meetings.matter_link import bulk_matter_rows
    from app.meetings.models import AgendaItem, Attachment, Meeting, MeetingKind, agenda_item_sponsors
    from app.topics.models import agenda_item_topics

    started = time.monotonic()
    day = to_local(utcnow()).date() + timedelta(days=21 if tag == "big" else 22)
    meeting = lifecycle.schedule_meeting(
        body=body,
        kind=MeetingKind.regular,
        title=f"Regular City Commission Meeting ({items:,} items)",
        start_at=local_to_utc(datetime.combine(day, clock(17, 0))),
        end_at=None,
        location=CHAMBER,
        remote_url=None,
        purpose=None,
        actor=clerk,
    )
    lifecycle.publish_meeting(meeting, actor=clerk)
    db.session.flush()
    now = utcnow()
    item_rows, sponsors, tags = [], [], []
    sections = split(items)
    for section, count in sections.items():
        for n in range(count):
            title, kind, reading = _title(rng, section, n)
            ministerial = kind == "ministerial"
            letter = {"resolution": "R", "ordinance": "O", "report": "F"}.get(kind, "M")
            row = {
                "id": ids.take(AgendaItem),
                "meeting_id": meeting.id,
                "section": section,
                "position": len(item_rows) + 1,
                "label": "",
                "title": title,
                "body_md": (
                    f"**Background.** {title}.\n\n**Recommended action.** Approve as presented.\n\n"
                    f"- Department: {rng.choice(DEPARTMENTS)}\n- Fiscal year {day.year}"
                ),
                "item_type": kind,
                "file_number": f"{letter}{tag[0].upper()}{day.year % 100}-{len(item_rows) + 1:05d}",
                "reading": reading,
                "fiscal_impact": ""
                if ministerial or n % 3
                else f"${rng.randint(1, 900) * 1000:,} from the general fund",
                "public_comment_required": not ministerial,
                "comment_exemption": "ministerial" if ministerial else None,
                "created_at": now,
            }
            item_rows.append(row)
            if not ministerial and n % 4 == 1:
                sponsors.append({"agenda_item_id": row["id"], "member_id": members[n % len(members)]})
            if topics and not ministerial and n % 5 == 2:
                tags.append({"agenda_item_id": row["id"], "topic_id": topics[n % len(topics)]})
    matters = bulk_matter_rows(item_rows, first_id=ids.reserve(Matter, len(item_rows)))
    for matter in matters:
        matter["body_id"] = body.id
    _bulk(Matter.__table__, matters)
    _bulk(AgendaItem.__table__, item_rows)
    _bulk(MatterAction.__table__, _matter_steps(ids, matters, meeting.id))
    documents = _store_documents(rng, ids, item_rows, 6, tag, now)
    _bulk(Attachment.__table__, documents)
    _bulk(agenda_item_sponsors, sponsors)
    _bulk(agenda_item_topics, tags)
    ids.move_sequences()
    db.session.expire_all()
    meeting = db.session.scalar(select(Meeting).where(Meeting.id == meeting.id).options(selectinload(Meeting.items)))
    agenda.renumber(meeting)  # the labels, as every change of the agenda gives them
    db.session.flush()
    written = time.monotonic() - started
    agenda.publish_agenda(meeting, actor=clerk)
    db.session.commit()
    published = time.monotonic() - started - written
    lifecycle.start_meeting(meeting, actor=clerk, early_reason="Benchmark: called to order ahead of its noticed time.")
    attendance.all_present(meeting, actor=clerk)
    first_resolution = next(i for i in meeting.ordered_items if i.section == "Resolutions")
    floor.take_up(first_resolution, actor=clerk)
    db.session.commit()
    consent = [i for i in meeting.ordered_items if i.section == "Consent Agenda"]
    return {
        "meeting": meeting.id,
        "items": len(item_rows),
        "sections": {name: count for name, count in sections.items() if count},
        "consent": len(consent),
        "labels": f"{consent[0].label} to {consent[-1].label}",
        "documents": len(documents),
        "sponsored": len(sponsors),
        "tagged": len(tags),
        "taken_up": first_resolution.id,
        "write_seconds": round(written, 1),
        "publish_seconds": round(published, 1),
    }


NOTES = {"deferred": "Deferred at the sponsor's request.", "referred": "For a recommendation on sidewalk widths."}


def _outcome(k: int, appearances: int) -> tuple[str, str] | None:
    """The step the ``k``-th appearance ended with (None: discussed, no step), and its motion's words."""
    if k == appearances - 1:
        return "second_reading_adopted", "Move to adopt the ordinance on second reading."
    if k == appearances // 2:
        return "first_reading_passed", "Move to pass the ordinance on first reading."
    if k == appearances // 3:
        return "referred", "Move to refer the ordinance to the Planning Board."
    if k % 4 == 1:
        return "deferred", "Move to defer the ordinance to the next regular meeting."
    return None


def _long_matter(rng, ids, body, members, appearances: int, tag: str) -> dict:  # noqa: PLR0915 (one recipe)
    from datetime import timedelta

    from sqlalchemy import func, select

    from app.extensions import db
    from app.matters.models import Matter, MatterAction
    from app.meetings.matter_link import bulk_matter_rows
    from app.meetings.models import AgendaItem, Attachment, Attendance, Meeting
    from app.votes.models import Motion, Vote

    template = db.session.scalar(select(Motion).where(Motion.status == "closed").order_by(Motion.id))
    first_day = db.session.scalar(select(func.min(Meeting.start_at)).where(Meeting.body_id == body.id))
    title = (
        "Ordinance amending Chapter 86 of the Code of Ordinances to regulate sidewalk cafes and street vending in "
        "the historic district"
    )
    meeting_ids = [ids.take(Meeting) for _ in range(appearances)]
    starts = [first_day - timedelta(days=7 * (appearances - k)) for k in range(appearances)]
    matter = {
        "id": ids.take(Matter),
        "file_number": f"O{tag[0].upper()}{starts[0].year}-0042",
        "matter_type": "ordinance",
        "title": title,
        "summary": "Sets permit fees, hours and the clear width of sidewalks for cafes and vendors on Duval Street.",
        "status": "adopted",
        "body_id": body.id,
        "created_at": starts[0] - timedelta(days=10),
        "updated_at": starts[-1] + timedelta(hours=1),
    }
    meetings, items, other_items, motions, votes, steps, attendances = ([] for _ in range(7))

    def step(kind, at, k, item_id, *, motion_id=None, target=None, note=""):
        steps.append(
            {"id": ids.take(MatterAction), "matter_id": matter["id"], "action": kind, "at": at,
             "meeting_id": meeting_ids[k], "agenda_item_id": item_id, "motion_id": motion_id,
             "target_meeting_id": target, "note": note}
        )  # fmt: skip

    for k, start in enumerate(starts):
        published = start - timedelta(days=10)
        meetings.append(
            {"id": meeting_ids[k], "body_id": body.id, "kind": "regular", "title": "Regular City Commission Meeting",
             "start_at": start, "end_at": start + timedelta(hours=3), "location": "City Hall, 1300 White Street",
             "status": "adjourned", "first_published_at": published, "agenda_published_at": published, "sequence": 1,
             "created_at": published, "updated_at": start + timedelta(hours=3)}
        )  # fmt: skip
        reading = "first" if k == appearances // 2 else "second" if k == appearances - 1 else ""
        shape = [
            ("Call to Order", "ministerial", "Call to order", ""),
            ("Ordinances", "ordinance", title, reading),
            ("Resolutions", "resolution", f"Resolution authorizing an agreement for {rng.choice(SERVICES)}", ""),
            ("Adjournment", "ministerial", "Adjournment", ""),
        ]
        for position, (section, kind, item_title, item_reading) in enumerate(shape, start=1):
            ours = position == 2
            row = {
                "id": ids.take(AgendaItem), "meeting_id": meeting_ids[k], "section": section, "position": position,
                "label": f"{position}.A", "title": item_title, "body_md": f"**Background.** {item_title}.",
                "item_type": kind, "reading": item_reading, "fiscal_impact": "",
                "file_number": matter["file_number"] if ours else f"A{tag[0].upper()}{meeting_ids[k]}-{position}",
                "public_comment_required": kind != "ministerial",
                "comment_exemption": "ministerial" if kind == "ministerial" else None, "created_at": published,
            }  # fmt: skip
            (items if ours else other_items).append(row)
        item = items[-1]
        item["matter_id"] = matter["id"]
        attendances += [
            {"meeting_id": meeting_ids[k], "member_id": member, "status": "present_in_person", "arrived_at": start,
             "recorded_at": start}
            for member in members
        ]  # fmt: skip
        if k == 0:
            step("introduced", published, k, item["id"])
        step("placed_on_agenda", published, k, item["id"])
        outcome = _outcome(k, appearances)
        if outcome is None:
            continue
        kind, words = outcome
        decided = start + timedelta(hours=1)
        motion_id = None
        if kind != "deferred" or k % 3 == 1:  # a roll call on the readings, the referral and some deferrals
            motion_id = ids.take(Motion)
            motions.append(
                {"id": motion_id, "meeting_id": meeting_ids[k], "agenda_item_id": item["id"],
                 "kind": "refer" if kind == "referred" else "main", "text": words,
                 "mover_id": members[k % len(members)], "seconder_id": members[(k + 1) % len(members)],
                 "previous_notice": False, "threshold_basis": template.threshold_basis.value,
                 "threshold_fraction": template.threshold_fraction.value, "threshold_min_yes": 0,
                 "status": "closed", "result": "passed", "roll_call_method": template.roll_call_method,
                 "roll_call_order": members, "seats_at_vote": len(members), "made_at": decided,
                 "opened_at": decided, "closed_at": decided + timedelta(minutes=4),
                 "referred_to": "Planning Board" if kind == "referred" else None}
            )  # fmt: skip
            votes += [
                {"id": ids.take(Vote), "motion_id": motion_id, "member_id": member, "position": position,
                 "choice": "no" if (k + position) % 5 == 0 else "yes", "remote": False, "recorded_at": decided,
                 "corrected_choice": None}
                for position, member in enumerate(members, start=1)
            ]  # fmt: skip
        target = meeting_ids[k + 1] if kind == "deferred" and k + 1 < appearances else None
        step(kind, decided + timedelta(minutes=5), k, item["id"], motion_id=motion_id, target=target,
             note=NOTES.get(kind, ""))  # fmt: skip
    others = bulk_matter_rows(other_items, first_id=ids.reserve(Matter, len(other_items)))
    for row in others:
        row["body_id"] = body.id
    _bulk(Meeting.__table__, meetings)
    _bulk(Matter.__table__, [matter, *others])
    _bulk(AgendaItem.__table__, items + other_items)
    _bulk(Attendance.__table__, attendances)
    _bulk(Motion.__table__, motions)
    _bulk(Vote.__table__, votes)
    _bulk(MatterAction.__table__, steps)
    files = _store_documents(rng, ids, items[1::3], 1, tag, matter["created_at"])  # a report on one in three
    _bulk(Attachment.__table__, files)
    ids.move_sequences()
    db.session.commit()
    return {
        "matter": matter["id"],
        "file_number": matter["file_number"],
        "appearances": len(items),
        "steps": len(steps),
        "roll_calls": len(motions),
        "documents": len(files),
    }


def _build(*, items: int, appearances: int, tag: str) -> dict:
    import random

    from sqlalchemy import select

    from app.auth.models import User
    from app.bodies.models import Body
    from app.extensions import db
    from app.meetings.attendance import roll
    from app.meetings.models import Meeting
    from app.topics.models import Topic

    rng = random.Random(20 if tag == "big" else 21)  # noqa: S311 (the same agenda every run)
    clerk = db.session.scalar(select(User).where(User.email == "clerk@keywest.example"))
    body = db.session.scalar(select(Body).where(Body.name == "City Commission"))
    upcoming = db.session.scalar(select(Meeting).where(Meeting.body_id == body.id).order_by(Meeting.start_at.desc()))
    members = [m.member_id for m in roll(upcoming)]
    topics = list(db.session.scalars(select(Topic.id).order_by(Topic.id)))
    ids = _Ids()
    made = {"agenda": _long_agenda(rng, ids, body, clerk, members, topics, items, tag)}
    made["matter"] = _long_matter(rng, ids, body, members, appearances, tag)
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    return made
