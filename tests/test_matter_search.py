"""Matters (legislative files) in the one search (issue 20): a document per public matter, kept current as the
matter, its steps and its items change, found first by its file number, shown on /search with its status and a
link to its public page, in a fixed number of queries. Runs on SQLite (FTS5) and PostgreSQL alike."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.city.models import CityProfile
from app.core.timeutil import to_local, utcnow
from app.matters import numbering
from app.matters import services as matter_service
from app.matters.models import MatterAction, MatterActionKind
from app.meetings import agenda
from app.meetings.models import AgendaItemType, MeetingStatus
from app.search.index import rebuild
from app.search.models import SearchDocument, SearchKind

RESULT = '<li class="search-result'


@pytest.fixture
def public_meeting(create_meeting, db):
    """A noticed meeting whose agenda gets published once its items are added (``publish``)."""

    def make(body=None, *, days=10, title="Regular meeting"):
        return create_meeting(body, kind="regular", status="noticed", start_in=timedelta(days=days), title=title)

    return make


def city_pattern(db, pattern: str) -> None:
    profile = db.session.scalar(select(CityProfile).limit(1))
    if profile is None:
        profile = CityProfile(timezone="America/New_York", record_language="en")
        db.session.add(profile)
    profile.file_number_pattern = numbering.check_pattern(pattern)
    db.session.commit()


def publish(db, *meetings):
    for meeting in meetings:
        meeting.agenda_published_at = utcnow()
    db.session.commit()


def add(db, meeting, title, *, summary="", item_type=AgendaItemType.ordinance, matter=None):
    item = agenda.add_item(meeting, section="Resolutions", title=title, body_md=summary, item_type=item_type,
                           matter=matter, actor=None)  # fmt: skip
    db.session.commit()
    return item


def matter_doc(db, matter) -> SearchDocument | None:
    db.session.expire_all()
    return db.session.scalar(
        select(SearchDocument).where(SearchDocument.kind == SearchKind.matter, SearchDocument.target_id == matter.id)
    )


def api(client, **params) -> list[dict]:
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["data"]


# ---- what is indexed, and when ------------------------------------------------------------------------------------


def test_a_matter_is_found_once_its_agenda_is_public_and_never_before(client, db, create_meeting, public_meeting):
    draft = create_meeting(kind="regular", title="Draft meeting")  # never noticed
    hidden = add(db, draft, "Zanzibar seawall ordinance").matter
    meeting = public_meeting()
    item = add(db, meeting, "Quetzal dock ordinance", summary="Rebuilds the **municipal** dock.")
    matter = item.matter
    # Noticed, but the agenda is not published: the public matter page is a 404, and search finds nothing.
    assert client.get(f"/matters/{matter.file_number}").status_code == 404
    assert matter_doc(db, matter) is None and api(client, q="quetzal", kind="matter") == []
    publish(db, meeting)
    assert client.get(f"/matters/{matter.file_number}").status_code == 200
    found = api(client, q="quetzal", kind="matter")
    assert [(r["kind"], r["title"], r["ref"]) for r in found] == [
        ("matter", f"{matter.file_number} Quetzal dock ordinance", matter.file_number)
    ]
    assert found[0]["status"] == "on_agenda" and found[0]["id"] == matter.id
    assert found[0]["html_url"].endswith(f"/matters/{matter.file_number}")
    # The summary, and the words of its type and status, are searched (the summary as plain words).
    assert [r["id"] for r in api(client, q="municipal dock", kind="matter")] == [matter.id]
    assert [r["id"] for r in api(client, q="quetzal ordinance", kind="matter")] == [matter.id]
    assert [r["id"] for r in api(client, q="quetzal agenda", kind="matter")] == [matter.id]  # "On an agenda"
    assert "**" not in found[0]["snippet_html"]
    # The matter on a draft meeting's agenda stays out, whatever is searched.
    assert matter_doc(db, hidden) is None
    assert api(client, q="zanzibar") == [] and RESULT not in client.get("/search?q=zanzibar").get_data(as_text=True)


def test_the_document_follows_the_matter_its_steps_and_its_items(
    client, db, public_meeting, create_meeting, create_body, clock
):
    body = create_body(name="City Commission", seat_count=5)
    first = public_meeting(body, days=10, title="First meeting")
    item = add(db, first, "Mooring field fees")
    matter = item.matter
    publish(db, first)
    doc = matter_doc(db, matter)
    assert doc.status == "on_agenda" and doc.body_id == body.id
    assert doc.dated_on == to_local(utcnow()).date()

    # A step recorded by hand: the status, the words and the date follow.
    clock.advance(days=3)
    step = matter_service.record_action(matter, MatterActionKind.referred, actor=None, referred_to="Harbor board",
                                        note="Sent to the board")  # fmt: skip
    db.session.commit()
    doc = matter_doc(db, matter)
    assert doc.status == "referred" and doc.dated_on == to_local(step.at).date() and "Referred" in doc.body
    assert [r["id"] for r in api(client, q="mooring", kind="matter", status="failed")] == []

    # The matter's own title and summary.
    matter.title = "Anchorage field fees"
    matter.summary = "Fees for the anchorage."
    db.session.commit()
    assert api(client, q="mooring", kind="matter") == []
    found = api(client, q="anchorage", kind="matter")
    assert [r["title"] for r in found] == [f"{matter.file_number} Anchorage field fees"]

    # A step at a meeting not yet public does not date the public document (the public page hides it too).
    clock.advance(days=7)
    later = create_meeting(body, kind="regular", start_in=timedelta(days=40), title="Later meeting")  # a draft
    again = add(db, later, "Anchorage field fees", matter=matter)
    assert matter_doc(db, matter).dated_on == to_local(step.at).date()
    # Its notice and agenda published: the new appearance's step dates it.
    later.status = MeetingStatus.noticed
    later.first_published_at = utcnow()
    publish(db, later)
    placed = db.session.scalar(select(MatterAction.at).where(MatterAction.agenda_item_id == again.id))
    assert to_local(placed).date() > to_local(step.at).date()
    assert matter_doc(db, matter).dated_on == to_local(placed).date()
    assert matter_doc(db, matter).status == "on_agenda"

    # Withdrawn: a status and a flag, so the status filter's "withdrawn" finds it.
    agenda.withdraw_item(again, reason="Sent back to staff", actor=None)
    db.session.commit()
    withdrawn = api(client, q="anchorage", kind="matter", status="withdrawn")
    assert [r["id"] for r in withdrawn] == [matter.id] and withdrawn[0]["flags"] == ["withdrawn"]


def test_rebuild_makes_the_same_matter_documents(app, db, public_meeting):
    meeting = public_meeting()
    add(db, meeting, "Harbor lease", summary="Lease of the harbor.")
    add(db, meeting, "Seawall repair", item_type=AgendaItemType.resolution)
    publish(db, meeting)
    columns = (SearchDocument.target_id, SearchDocument.title, SearchDocument.body, SearchDocument.ref,
               SearchDocument.dated_on, SearchDocument.status, SearchDocument.body_id)  # fmt: skip

    def docs():
        query = select(*columns).where(SearchDocument.kind == SearchKind.matter).order_by(SearchDocument.target_id)
        return [tuple(r) for r in db.session.execute(query)]

    before = docs()
    assert len(before) == 2
    rebuild(db.session)
    db.session.commit()
    assert docs() == before


# ---- a file number names the matter -------------------------------------------------------------------------------


def test_a_file_number_finds_the_matter_first(client, db, public_meeting, clock):
    meeting = public_meeting()
    others = [add(db, meeting, f"Other file {n}") for n in range(3)]
    item = add(db, meeting, "Seagrass protection")
    publish(db, meeting)
    number = item.matter.file_number  # "26-0004" under the default pattern
    assert re.fullmatch(r"26-\d{4}", number)
    seq = int(number.split("-")[1])
    for typed in (number, f"2026-{seq:04d}", f"File {number}"):
        found = api(client, q=typed)
        assert (found[0]["kind"], found[0]["ref"], found[0]["exact"]) == ("matter", number, True), typed
        assert found[1]["kind"] == "item" and found[1]["ref"] == number, typed
    page = client.get(f"/search?q={number}").get_data(as_text=True)
    first = page.index(RESULT)
    assert page.index(f'href="/matters/{number}"', first) < page.index("/items/", first)
    assert "Exact number" in page and others


def test_a_four_digit_year_file_number_is_found(client, db, public_meeting):
    city_pattern(db, "{yyyy}-{nnnn}")
    meeting = public_meeting()
    item = add(db, meeting, "Harbor dredging permit")
    publish(db, meeting)
    number = item.matter.file_number
    assert re.fullmatch(r"2026-\d{4}", number), number
    found = api(client, q=number)
    assert (found[0]["kind"], found[0]["ref"], found[0]["exact"]) == ("matter", number, True)
    assert found[0]["html_url"].endswith(f"/matters/{number}")
    # Typed with the short year, the same file is named.
    short = f"26-{number.split('-')[1]}"
    assert api(client, q=short)[0]["ref"] == number


def test_a_long_file_number_is_indexed(client, db, public_meeting):
    """The city's pattern allows file numbers of up to 20 characters: the index keeps the whole number."""
    city_pattern(db, "ORD-{yyyy}-{nnnnn}")
    meeting = public_meeting()
    item = add(db, meeting, "Long numbered ordinance")
    publish(db, meeting)
    number = item.matter.file_number
    assert len(number) > 12
    assert matter_doc(db, item.matter).ref == number
    assert [r["ref"] for r in api(client, q="long numbered", kind="matter")] == [number]


# ---- the search page ----------------------------------------------------------------------------------------------


def test_the_page_filters_by_kind_and_shows_the_status_and_link(client, db, public_meeting):
    meeting = public_meeting()
    item = add(db, meeting, "Lighthouse restoration ordinance")
    matter = item.matter
    matter_service.record_action(matter, MatterActionKind.adopted, actor=None, meeting_id=meeting.id)
    publish(db, meeting)
    page = client.get("/search")
    assert '<option value="matter"' in page.get_data(as_text=True)
    html = client.get("/search?q=lighthouse&kind=matter").get_data(as_text=True)
    assert html.count(RESULT) == 1
    assert f'<a href="/matters/{matter.file_number}">' in html
    result = html[html.index(RESULT) :]
    assert ">Legislative file<" in result and "<span>Adopted</span>" in result
    everything = client.get("/search?q=lighthouse").get_data(as_text=True)
    assert everything.count(RESULT) == 2  # the matter and its appearance
    assert client.get("/search?kind=matter&status=adopted").get_data(as_text=True).count(RESULT) == 1


def test_the_status_filter_offers_where_a_matter_stands(client, db, public_meeting):
    """Statuses only a matter has (deferred, tabled, referred...) are offered and find it."""
    meeting = public_meeting()
    item = add(db, meeting, "Seawall repair ordinance")
    matter_service.record_action(item.matter, MatterActionKind.tabled, actor=None, meeting_id=meeting.id)
    publish(db, meeting)
    page = client.get("/search").get_data(as_text=True)
    for value in ("deferred", "tabled", "referred", "first_reading_passed", "continued"):
        assert f'<option value="{value}"' in page, value
    found = client.get("/search?status=tabled").get_data(as_text=True)
    assert found.count(RESULT) == 1 and f'<a href="/matters/{item.file_number}">' in found
    assert client.get("/search?status=deferred").get_data(as_text=True).count(RESULT) == 0


@pytest.mark.parametrize("typed", ["harbor", "file-number"])
def test_the_search_page_query_count_does_not_grow_with_matters(client, db, public_meeting, count_queries, typed):
    def measure(n_before: int, n: int) -> int:
        meeting = public_meeting(days=10 + n)
        items = [add(db, meeting, f"Harbor ordinance {k}", summary="harbor") for k in range(n_before, n)]
        publish(db, meeting)
        q = items[-1].file_number if typed == "file-number" else "harbor"
        client.get(f"/search?q={q}")  # warm
        with count_queries() as statements:
            response = client.get(f"/search?q={q}&kind=matter")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count(RESULT) == (1 if typed == "file-number" else min(n, 20))
        return len(statements)

    few = measure(0, 3)
    many = measure(3, 30)
    assert few == many, (few, many)
    assert many <= 6


def test_dated_on_is_a_day(db, public_meeting):
    meeting = public_meeting()
    item = add(db, meeting, "Beach rules")
    publish(db, meeting)
    assert isinstance(matter_doc(db, item.matter).dated_on, date)


def test_the_api_takes_and_documents_the_same_statuses(client, db, public_meeting):
    from app.search.query import STATUSES

    documented = client.get("/api/v1/openapi.json").get_json()
    search_path = documented["paths"]["/search"]["get"]["parameters"]
    status = next(p for p in search_path if p["name"] == "status")
    assert status["schema"]["enum"] == list(STATUSES) and "tabled" in STATUSES
    assert client.get("/api/v1/search", query_string={"status": "tabled"}).status_code == 200
