"""Issue 20, the scale check (bench/legislative.py measures the time): a long agenda and a long-lived matter cost
the same number of queries as short ones.

The agenda pages are asked of a meeting of 6 items and of one of 521 (over SQLAlchemy's 500 ids per selectinload
query, which made the count grow with the agenda), each with sections, consent items, documents, sponsors, topics
and a matter per item, its agenda published, in session with an item on the floor. The matter pages are asked of a
matter with 2 appearances and of one with 15, each with roll calls, documents and a deferral to a later meeting.
Already counted elsewhere, so not here: the public meeting page at 3 and 23 items (tests/test_meetings_views.py),
the cockpit as the speaker queue grows (tests/test_cockpit.py), the public matter page at 2 and 40 bare
appearances (tests/test_matters_pages.py)."""

import re
import uuid
from datetime import timedelta

import pytest

from app.auth.models import Role
from app.bodies.models import ThresholdBasis, ThresholdFraction
from app.core.timeutil import utcnow
from app.matters import services as matter_service
from app.matters.models import MatterAction, MatterActionKind
from app.meetings import agenda, attendance, floor, lifecycle
from app.meetings.models import AgendaItem, AgendaItemType, Attachment, CommentExemption, Meeting
from app.topics.models import Topic
from app.votes.models import Motion, MotionKind, MotionResult, MotionStatus, Vote, VoteChoice

SECTIONS = [
    ("Consent Agenda", AgendaItemType.motion),
    ("Resolutions", AgendaItemType.resolution),
    ("Ordinances", AgendaItemType.ordinance),
    ("Reports", AgendaItemType.report),
]
SMALL, LARGE = 5, 520  # items besides the call to order


def _document(name: str) -> Attachment:
    return Attachment(original_filename=name, stored_name=uuid.uuid4().hex, content_type="application/pdf",
                      size=2048, sha256="0" * 64)  # fmt: skip


def _reading(n: int) -> str:
    return "second" if n % 8 == 2 else "first"


def _long_agenda(db, create_meeting, body, members, topic, count: int) -> Meeting:
    """A noticed regular meeting with ``count`` items over four sections (a consent agenda among them; ordinances at
    their first or second reading, a second reading first, so the agenda's reading check runs at both sizes), one
    in three with a document, one in four sponsored, one in five tagged, each with its own matter (made as the item
    is first written); its agenda published, called to order, all present, the first resolution on the floor."""
    meeting = create_meeting(body, kind="regular", status="noticed", title=f"Meeting of {count} items")
    items = [
        AgendaItem(meeting=meeting, section="Call to Order", position=0, title="Call to order", body_md="",
                   item_type=AgendaItemType.ministerial, public_comment_required=False,
                   comment_exemption=CommentExemption.ministerial, file_number=f"S{meeting.id}-0")
    ]  # fmt: skip
    for n in range(count):
        section, kind = SECTIONS[n % len(SECTIONS)]
        item = AgendaItem(meeting=meeting, section=section, position=n + 1, title=f"{section} item {n}",
                          body_md="**Background.** As presented.", item_type=kind, file_number=f"S{meeting.id}-{n + 1}",
                          fiscal_impact="$1,000" if n % 3 == 0 else "",
                          reading=_reading(n) if kind == AgendaItemType.ordinance else "")  # fmt: skip
        if n % 3 == 0:
            item.attachments.append(_document(f"Staff report {n}.pdf"))
        if n % 4 == 1:
            item.sponsors.append(members[n % len(members)])
        if n % 5 == 2:
            item.topics.append(topic)
        items.append(item)
    db.session.add_all(items)
    db.session.flush()
    agenda.renumber(meeting)
    agenda.publish_agenda(meeting, actor=None)
    lifecycle.start_meeting(meeting, actor=None, early_reason="Called early for the test.")
    attendance.all_present(meeting, actor=None)
    floor.take_up(next(i for i in meeting.ordered_items if i.section == "Resolutions"), actor=None)
    db.session.commit()
    return meeting


@pytest.fixture
def agendas(db, create_body, create_member, create_meeting):
    topic = Topic(name="Harbor", slug="harbor")
    db.session.add(topic)
    made = {}
    for size in (SMALL, LARGE):
        body = create_body(name=f"Commission of {size}", seat_count=3)
        members = [create_member(body, full_name=f"Member{k} Of{size}", seat_number=k + 1) for k in range(3)]
        made[size] = _long_agenda(db, create_meeting, body, members, topic, size)
    return made


def _count(client, count_queries, url: str) -> int:
    client.get(url)  # warm: the signed-in user, the city, what the first request of a session loads
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_the_agenda_pages_of_a_521_item_meeting_take_the_queries_of_a_6_item_one(
    client, app, login_as, agendas, count_queries
):
    public = app.test_client()

    def counts(meeting):
        m = meeting.id
        found = {url: _count(public, count_queries, url) for url in (f"/meetings/{m}", f"/api/v1/meetings/{m}")}
        etag = public.get(f"/meetings/{m}/agenda.pdf", headers={"If-None-Match": '"x"'}).headers["ETag"]
        with count_queries() as statements:  # the ETag is the record read, not built: no PDF rendered here
            assert public.get(f"/meetings/{m}/agenda.pdf", headers={"If-None-Match": etag}).status_code == 304
        found[f"/meetings/{m}/agenda.pdf (304)"] = len(statements)
        for url in (f"/staff/meetings/{m}", f"/staff/meetings/{m}/live", f"/staff/meetings/{m}/live?part=main",
                    f"/staff/meetings/{m}/consent"):  # fmt: skip
            found[url] = _count(client, count_queries, url)
        return {re.sub(rf"/{m}\b", "/<id>", url): n for url, n in found.items()}

    login_as(Role.clerk)
    small, large = agendas[SMALL], agendas[LARGE]
    few, many = counts(small), counts(large)
    assert many == few
    big = client.get(f"/staff/meetings/{large.id}").get_data(as_text=True)
    public_page = public.get(f"/meetings/{large.id}").get_data(as_text=True)
    assert big.count('<li id="item-') == public_page.count('<li id="item-') == LARGE + 1
    assert "Staff report 519.pdf" in public_page and "Sponsors:" in public_page and "Harbor" in public_page
    consent = client.get(f"/staff/meetings/{large.id}/consent").get_data(as_text=True)
    assert consent.count("Consent Agenda item") == LARGE // len(SECTIONS)


def test_a_section_goes_on_past_zz():
    """A big city's consent agenda can hold more than 702 items: the 703rd is "AAA", not an IndexError."""
    from app.bodies.models import Body

    body = Body(name="Council", agenda_sections=["Call to Order", "Consent Agenda"])
    meeting = Meeting(body=body, title="Council meeting")
    for n in range(705):
        AgendaItem(meeting=meeting, section="Consent Agenda", position=n, title=f"Consent {n}")
    agenda.renumber(meeting)
    labels = [i.label for i in meeting.ordered_items]
    assert labels[:2] == ["2.A", "2.B"] and labels[25:28] == ["2.Z", "2.AA", "2.AB"]
    assert labels[701:] == ["2.ZZ", "2.AAA", "2.AAB", "2.AAC"]


def _matter_history(db, create_meeting, body, members, count: int, *, offset: int):
    """A matter on ``count`` noticed meetings a week apart, each appearance with a closed roll call and a staff
    report, deferred from each meeting to the next; and another matter that amends it."""
    meetings = [
        create_meeting(body, kind="regular", status="noticed", title=f"Meeting {offset + k}",
                       start_at=utcnow() + timedelta(days=7 * (offset + k + 1)))
        for k in range(count)
    ]  # fmt: skip
    matter = None
    for k, meeting in enumerate(meetings):
        item = agenda.add_item(meeting, section="Ordinances", title="Sidewalk cafes in the historic district",
                               body_md="", item_type=AgendaItemType.ordinance, matter=matter, actor=None)  # fmt: skip
        matter = item.matter
        item.attachments.append(_document(f"Staff report, meeting {k}.pdf"))
        meeting.agenda_published_at = utcnow()
        closed = meeting.start_at + timedelta(hours=1)
        motion = Motion(meeting_id=meeting.id, agenda_item_id=item.id, kind=MotionKind.main, text="Move to defer.",
                        mover_id=members[0].id, seconder_id=members[1].id,
                        threshold_basis=ThresholdBasis.members_present, threshold_fraction=ThresholdFraction.majority,
                        status=MotionStatus.closed, result=MotionResult.passed,
                        roll_call_order=[m.id for m in members], seats_at_vote=len(members), made_at=closed,
                        opened_at=closed, closed_at=closed)  # fmt: skip
        motion.votes = [
            Vote(member_id=m.id, position=p, choice=VoteChoice.yes, recorded_at=closed) for p, m in enumerate(members)
        ]
        db.session.add(motion)
        if k + 1 < count:
            deferred = MatterAction(matter=matter, action=MatterActionKind.deferred, at=closed, note="By request",
                                    meeting_id=meeting.id, agenda_item_id=item.id,
                                    target_meeting_id=meetings[k + 1].id)  # fmt: skip
            db.session.add(deferred)
    other = agenda.add_item(meetings[-1], section="Ordinances", title="Amendment to the sidewalk cafe rules",
                            body_md="", item_type=AgendaItemType.ordinance, amendment_reason="Late",
                            actor=None)  # fmt: skip
    db.session.flush()
    matter_service.relate(other.matter, "amends", to_file_number=matter.file_number, actor=None)
    db.session.commit()
    return matter


def test_the_matter_pages_of_15_appearances_take_the_queries_of_2(
    client, app, db, login_as, create_body, create_member, create_meeting, count_queries
):
    body = create_body(name="City Commission", seat_count=3)
    members = [create_member(body, full_name=f"Member{k} Commission", seat_number=k + 1) for k in range(3)]
    short = _matter_history(db, create_meeting, body, members, 2, offset=0)
    long = _matter_history(db, create_meeting, body, members, 15, offset=10)
    public = app.test_client()
    login_as(Role.clerk)

    def counts(matter):
        return (
            _count(public, count_queries, f"/matters/{matter.file_number}"),
            _count(client, count_queries, f"/staff/matters/{matter.id}"),
        )

    assert counts(long) == counts(short)
    page = public.get(f"/matters/{long.file_number}").get_data(as_text=True)
    assert page.count("matter-entry-appearance") == 15 and page.count("matter-entry-vote") == 15
    assert "Staff report, meeting 14.pdf" in page and "Amended by" in page
    staff = client.get(f"/staff/matters/{long.id}").get_data(as_text=True)
    assert staff.count("Meeting 24<") == 1 and staff.count("<strong>Deferred</strong>") == 14
