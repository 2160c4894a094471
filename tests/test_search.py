"""One search over the whole record (issue 18): matching, privacy, flags, filters, the index kept current, the API,
pathological input. Runs on SQLite (FTS5) and PostgreSQL (tsvector) alike."""

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from app.core.timeutil import utcnow
from app.legislation.models import LinkKind, Resolution, ResolutionLink, ResolutionStatus
from app.meetings import documents
from app.meetings.models import AgendaItem, AgendaItemType, Minutes, MinutesStatus
from app.public_comment.models import SpeakerRequest, SpeakerRequestParticipation, Stance
from app.search import query as search_query
from app.search.models import SearchDocument, SearchKind
from app.search.text import parse


def text_pdf(words: str) -> bytes:
    """A one-page PDF whose text is ``words`` (a real content stream that pypdf reads back)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({words}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture
def published(create_meeting, db):
    def make(body=None, **kw):
        meeting = create_meeting(body, status="noticed", **kw)
        meeting.agenda_published_at = meeting.first_published_at
        db.session.commit()
        return meeting

    return make


@pytest.fixture
def add_item(db):
    counter = iter(range(1, 10_000))

    def make(meeting, title, body="", *, item_type=AgendaItemType.report):
        n = next(counter)
        item = AgendaItem(
            meeting_id=meeting.id,
            section="Reports",
            position=n,
            label=f"{n}.A",
            title=title,
            body_md=body,
            item_type=item_type,
            file_number=f"26-{n:04d}",
        )
        db.session.add(item)
        db.session.commit()
        return item

    return make


@pytest.fixture
def add_resolution(db, add_item):
    def make(meeting, title, body="", *, number=None, status=ResolutionStatus.adopted):
        item = add_item(meeting, title, item_type=AgendaItemType.resolution)
        year = int("20" + number[:2]) if number else None
        resolution = Resolution(
            agenda_item_id=item.id,
            title=title,
            text_md=body,
            status=status,
            number=number,
            number_year=year,
            number_seq=int(number[3:]) if number else None,
            adopted_on=date(year, 6, 30) if number else None,
        )
        db.session.add(resolution)
        db.session.commit()
        return resolution

    return make


RESULT = '<li class="search-result'


def titles(client, **params) -> list[str]:
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["title"] for r in response.json["data"]]


def kinds_and_titles(client, **params) -> list[tuple[str, str]]:
    return [(r["kind"], r["title"]) for r in client.get("/api/v1/search", query_string=params).json["data"]]


# ---- matching -----------------------------------------------------------------------------------------------------


def test_287g_287_g_and_287_paren_g_match_each_other(client, published, add_item):
    meeting = published()
    add_item(meeting, "Ending the 287(g) agreement", "The task force model.")
    add_item(meeting, "Sheriff report", "About the 287g program and its costs.")
    add_item(meeting, "Parking", "Section 287 of the code, paragraph 12.")
    expected = ["1.A Ending the 287(g) agreement", "2.A Sheriff report"]
    for typed in ("287g", "287 g", "287(g)", "287 (g)", "287G"):
        assert sorted(titles(client, q=typed, kind="item")) == expected, typed
    # The bare number still finds all three.
    assert len(titles(client, q="287", kind="item")) == 3


def test_a_resolution_number_finds_its_resolution_first(client, published, add_resolution):
    meeting = published()
    add_resolution(meeting, "Amending the harbor lease", "This amends Resolution 25-187 again.", number="25-190")
    add_resolution(meeting, "Declaring the agreement void", "The agreement is void.", number="25-187")
    add_resolution(meeting, "Parking rules", "Parking.", number="25-188")
    for typed in ("25-187", "2025-187", "Resolution 25 - 187", "2025-0187"):
        found = client.get("/api/v1/search", query_string={"q": typed}).json["data"]
        assert found[0]["title"] == "25-187 Declaring the agreement void", typed
        assert found[0]["exact"] is True and found[0]["ref"] == "25-187"
    page = client.get("/search?q=25-187").get_data(as_text=True)
    assert page.index("Declaring the agreement void") < page.index("Amending the harbor lease")
    assert "Exact number" in page


def test_a_file_number_finds_its_item(client, published, add_item):
    meeting = published()
    add_item(meeting, "First")
    item = add_item(meeting, "Second")
    assert item.file_number == "26-0002"
    # The file itself (the matter) first, then its appearance (tests/test_matter_search.py: matters in search).
    assert titles(client, q="26-0002")[:2] == ["26-0002 Second", "2.A Second"]
    assert titles(client, q="2026-2")[:2] == ["26-0002 Second", "2.A Second"]


def test_spanish_and_english_stems_and_accents(client, published, add_item):
    meeting = published()
    add_item(meeting, "Votación del presupuesto municipal", "Audiencia pública sobre la vivienda.")
    add_item(meeting, "Hearing on housing grants", "The commission approved the grants.")
    assert titles(client, q="votaciones", kind="item") == ["1.A Votación del presupuesto municipal"]
    assert titles(client, q="votacion", kind="item") == ["1.A Votación del presupuesto municipal"]
    assert titles(client, q="PÚBLICAS", kind="item") == ["1.A Votación del presupuesto municipal"]
    assert titles(client, q="approving grant", kind="item") == ["2.A Hearing on housing grants"]
    # Highlighted, escaped snippets.
    hit = client.get("/api/v1/search?q=votaciones").json["data"][0]
    assert "<mark>Votación</mark>" in hit["title_html"]


def test_phrases_and_snippets_are_escaped(client, published, add_item):
    meeting = published()
    add_item(meeting, "City manager contract", "The <script>alert(1)</script> city manager shall report.")
    add_item(meeting, "Manager of the city parks", "Parks.")
    assert titles(client, q='"city manager"', kind="item") == ["1.A City manager contract"]
    assert len(titles(client, q="city manager", kind="item")) == 2
    page = client.get("/search?q=city+manager").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<mark>manager</mark>" in page


# ---- what the results say -----------------------------------------------------------------------------------------


def test_superseded_and_repealed_records_say_so(client, published, add_resolution, db):
    meeting = published()
    old = add_resolution(meeting, "Seawall standards", "Seawall heights.", number="24-010")
    new = add_resolution(meeting, "Seawall standards revised", "New seawall heights.", number="25-020")
    gone = add_resolution(meeting, "Seawall fee", "A seawall fee.", number="24-011")
    repealer = add_resolution(meeting, "Repealing the seawall fee", "Repeal.", number="25-021")
    db.session.add(ResolutionLink(from_id=new.id, to_id=old.id, kind=LinkKind.supersedes))
    db.session.add(ResolutionLink(from_id=repealer.id, to_id=gone.id, kind=LinkKind.rescinds))
    db.session.commit()
    found = {r["ref"]: r["flags"] for r in client.get("/api/v1/search?q=seawall&kind=resolution").json["data"]}
    assert found == {"24-010": ["superseded"], "25-020": [], "24-011": ["repealed"], "25-021": []}
    page = client.get("/search?q=seawall+standards").get_data(as_text=True)
    assert re.search(r'flag-superseded">Superseded<', page)
    assert client.get("/search?q=seawall&status=superseded").get_data(as_text=True).count(RESULT) == 1


def test_filters_kind_body_dates_and_sort(client, published, add_item, create_body):
    other = create_body(name="Planning Board", seat_count=5)
    early = published(start_at=utcnow() - timedelta(days=400), title="Harbor meeting early")
    late = published(other, start_at=utcnow() + timedelta(days=5), title="Harbor meeting late")
    add_item(early, "Harbor dredging")
    add_item(late, "Harbor lights")
    assert titles(client, q="harbor", kind="item", sort="newest") == ["2.A Harbor lights", "1.A Harbor dredging"]
    assert titles(client, q="harbor", kind="item", sort="oldest") == ["1.A Harbor dredging", "2.A Harbor lights"]
    assert titles(client, q="harbor", kind="meeting", body=other.id) == ["Harbor meeting late"]
    since = (utcnow() - timedelta(days=30)).date().isoformat()
    # Each item's matter is dated by its latest step (today, as the test made them): both are in.
    assert sorted(titles(client, q="harbor", **{"from": since})) == [
        "2.A Harbor lights",
        "26-0001 Harbor dredging",
        "26-0002 Harbor lights",
        "Harbor meeting late",
    ]
    assert client.get("/api/v1/search?kind=nonsense").status_code == 400
    response = client.get("/search?q=harbor&from=2025-13-45&kind=nope")
    assert response.status_code == 400 and 'value="harbor"' in response.get_data(as_text=True)


# ---- only the public record ---------------------------------------------------------------------------------------


def test_drafts_and_unnoticed_meetings_are_never_found(client, create_meeting, published, add_item, db):
    draft = create_meeting(title="Zanzibar workshop")  # never noticed
    add_item(draft, "Zanzibar item")
    noticed = create_meeting(status="noticed", title="Noticed meeting")  # agenda not published yet
    add_item(noticed, "Quetzal item")
    minuted = published(title="Minuted meeting")
    minutes = Minutes(meeting_id=minuted.id, body_md="The Wombat discussion.", status=MinutesStatus.draft)
    db.session.add(minutes)
    db.session.commit()
    for word in ("zanzibar", "quetzal", "wombat"):
        assert titles(client, q=word) == [], word
        assert RESULT not in client.get(f"/search?q={word}").get_data(as_text=True)
    assert db.session.scalar(select(SearchDocument).where(SearchDocument.title.contains("Zanzibar"))) is None
    # Released minutes are public: found from then on.
    minutes.status = MinutesStatus.released
    minutes.released_at = utcnow()
    db.session.commit()
    assert kinds_and_titles(client, q="wombat") == [("minutes", "Minuted meeting")]
    # Publishing the agenda makes its items public at once.
    noticed.agenda_published_at = utcnow()
    db.session.commit()
    assert sorted(titles(client, q="quetzal")) == ["2.A Quetzal item", "26-0002 Quetzal item"]


def _speaker(db, item, **fields) -> SpeakerRequest:
    from app.public_comment.models import CommentPeriod

    period = CommentPeriod(agenda_item_id=item.id)
    db.session.add(period)
    db.session.flush()
    request = SpeakerRequest(
        period_id=period.id,
        agenda_item_id=item.id,
        meeting_id=item.meeting_id,
        queue_position=1,
        token_hash="0" * 64,
        stance=Stance.support,
        participation=SpeakerRequestParticipation.in_person,
        disclaimer_version="1",
        **fields,
    )
    db.session.add(request)
    db.session.commit()
    return request


def test_private_speaker_fields_are_never_searchable_or_returned(client, published, add_item, db):
    item = add_item(published(), "Noise ordinance")
    _speaker(
        db,
        item,
        name="Marisol Etxeberria",
        group_name="Old Town Neighbors",
        email="hidden.address@example.com",
        phone="305-555-0199",
        city="Marathon",
        accommodation="Wheelchair seating",
        interpreter_language="Basque",
    )
    assert kinds_and_titles(client, q="Etxeberria") == [("speaker", "Marisol Etxeberria")]
    assert kinds_and_titles(client, q="old town neighbors") == [("speaker", "Marisol Etxeberria")]
    # The item's topic finds the item, not everyone who signed up on it (the result still says which item).
    assert sorted(kinds_and_titles(client, q="noise ordinance")) == [
        ("item", "1.A Noise ordinance"),
        ("matter", "26-0001 Noise ordinance"),
    ]
    assert "Noise ordinance" in client.get("/api/v1/search?q=Etxeberria").json["data"][0]["snippet_html"]
    for private in ("hidden.address", "example.com", "555-0199", "305", "Marathon", "Wheelchair", "Basque"):
        assert titles(client, q=private) == [], private
    everything = client.get("/api/v1/search?q=Etxeberria").get_data(as_text=True)
    page = client.get("/search?q=Etxeberria").get_data(as_text=True)
    for private in ("hidden.address", "555-0199", "Marathon", "Wheelchair", "Basque"):
        assert private not in everything and private not in page
    stored = db.session.execute(select(SearchDocument.title, SearchDocument.body)).all()
    assert not any("Marathon" in f"{t} {b}" or "555" in f"{t} {b}" for t, b in stored)


# ---- the index follows the record ---------------------------------------------------------------------------------


def test_the_index_follows_an_edit_and_a_withdrawal(client, published, add_item, add_resolution, db):
    from app.meetings import agenda
    from app.public_comment import registration

    meeting = published()
    item = add_item(meeting, "Mooring field fees")
    assert titles(client, q="mooring", kind="item") == ["1.A Mooring field fees"]
    item.title = "Anchorage fees"
    db.session.commit()
    assert titles(client, q="mooring", kind="item") == []
    assert titles(client, q="anchorage", kind="item") == ["1.A Anchorage fees"]

    agenda.withdraw_item(item, reason="Sent back to staff", actor=None)
    db.session.commit()
    assert client.get("/api/v1/search?q=anchorage").json["data"][0]["flags"] == ["withdrawn"]

    resolution = add_resolution(meeting, "Draft on dredging", status=ResolutionStatus.draft)
    resolution.status = ResolutionStatus.withdrawn
    db.session.commit()
    found = [r for r in client.get("/api/v1/search?q=dredging").json["data"] if r["kind"] == "resolution"]
    assert found[0]["flags"] == ["withdrawn"]

    speaker = _speaker(db, add_item(meeting, "Speakers item"), name="Ondine Vasquez")
    registration.withdraw_request(speaker)
    db.session.commit()
    assert client.get("/api/v1/search?q=ondine").json["data"][0]["flags"] == ["withdrawn"]


def test_attachment_text_is_extracted_on_upload_and_found(client, published, add_item, db):
    item = add_item(published(), "Staff report")
    pdf = io.BytesIO(text_pdf("Mangrove restoration estimate"))
    attachment = documents.add_attachment(
        item, filename="report.pdf", stream=pdf, amendment_reason="Report", actor=None
    )
    db.session.commit()
    assert "Mangrove restoration" in db.session.scalar(
        select(text("text_content")).select_from(text("attachments")).where(text(f"id = {attachment.id}"))
    )
    assert kinds_and_titles(client, q="mangroves") == [("attachment", "report.pdf")]
    # A file whose text cannot be read still uploads.
    broken = documents.add_attachment(
        item,
        filename="scan.pdf",
        stream=io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
        amendment_reason="Scan",
        actor=None,
    )
    db.session.commit()
    assert broken.id and db.session.get(type(broken), broken.id).text_content is None


def test_rebuild_makes_the_same_index(app, published, add_item, add_resolution, db):
    from app.search.index import rebuild

    meeting = published()
    add_item(meeting, "Harbor")
    add_resolution(meeting, "Seawall", number="25-001")

    def snapshot():
        rows = db.session.execute(
            select(SearchDocument.kind, SearchDocument.target_id, SearchDocument.title, SearchDocument.flags)
        )
        return sorted(tuple(r) for r in rows)

    before = snapshot()
    assert rebuild(db.session) == len(before)
    assert snapshot() == before
    runner = app.test_cli_runner()
    assert "Indexed" in runner.invoke(args=["search", "rebuild"]).output


# ---- refusing cleanly ---------------------------------------------------------------------------------------------

PATHOLOGICAL = [
    "x" * 100_000,
    " ".join(f"term{n}" for n in range(10_000)),
    'AND OR NOT NEAR " * ( ) : ^ - + | & ! <-> \\',
    '"""',
    "\x00\x01 harbor",
    "'; DROP TABLE search_documents; --",
    "🙂 " * 500,
    "title : harbor",
    "a" * 300 + " " + "b" * 300,
]


@pytest.mark.parametrize("q", PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
def test_pathological_input_is_refused_or_trimmed_cleanly(client, published, add_item, q):
    add_item(published(), "Harbor dredging")
    page = client.get("/search", query_string={"q": q})
    assert page.status_code == 200
    api = client.get("/api/v1/search", query_string={"q": q})
    assert api.status_code == 200 and isinstance(api.json["data"], list)


def test_long_queries_are_trimmed_and_say_so(client, published, add_item):
    add_item(published(), "Harbor dredging")
    many = "harbor " + " ".join(f"w{n}" for n in range(10_000))
    assert parse(many).trimmed and len(parse(many).words) == 12
    assert "search-trimmed" in client.get("/search", query_string={"q": many}).get_data(as_text=True)
    assert client.get("/api/v1/search", query_string={"q": many}).json["meta"]["trimmed"] is True


def test_a_slow_search_stops_and_says_narrow_it(app, client, db, monkeypatch):
    app.config["SEARCH_TIMEOUT_MS"] = 50
    slow = (
        "SELECT pg_sleep(1)"
        if db.engine.dialect.name == "postgresql"
        else "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    )
    with pytest.raises(search_query.SearchTimeout), search_query.time_limit():
        db.session.execute(text(slow))
    db.session.execute(text("SELECT 1"))  # the transaction goes on

    def too_slow(criteria):
        raise search_query.SearchTimeout()

    monkeypatch.setattr(search_query, "search", too_slow)
    page = client.get("/search?q=harbor")
    assert page.status_code == 503 and "took too long" in page.get_data(as_text=True)
    api = client.get("/api/v1/search?q=harbor")
    assert api.status_code == 503 and "took too long" in api.json["error"]["title"]


# ---- budgets and the API ------------------------------------------------------------------------------------------


def test_search_page_query_budget(client, published, add_item, add_resolution, count_queries):
    meeting = published()
    for n in range(30):
        add_item(meeting, f"Harbor item {n}", "harbor text")
    add_resolution(meeting, "Harbor resolution", number="25-187")
    client.get("/search?q=harbor")  # warm
    with count_queries() as statements:
        response = client.get("/search?q=harbor&sort=relevance")
    assert response.status_code == 200 and response.get_data(as_text=True).count(RESULT) == 20
    # city profile, bodies, SET LOCAL (PostgreSQL), the capped count, the page
    assert len(statements) <= 5, statements
    with count_queries() as statements:
        response = client.get("/search?q=25-187")
    assert response.get_data(as_text=True).count(RESULT) == 1
    assert len(statements) <= 6, statements  # and the record the number names


def test_api_results_and_counts(client, published, add_item):
    meeting = published()
    for n in range(25):
        add_item(meeting, f"Lighthouse repair {n}")
    body = client.get("/api/v1/search?q=lighthouse&kind=item&sort=oldest").json
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 25, "capped": False, "pages": 2, "trimmed": False}
    first = body["data"][0]
    assert first["kind"] == "item" and first["title"] == "1.A Lighthouse repair 0"
    assert first["html_url"].endswith(f"/meetings/{meeting.id}/items/{first['id']}")
    assert body["links"]["next"] and "page=2" in body["links"]["next"]
    second = client.get(body["links"]["next"]).json
    assert len(second["data"]) == 5 and second["links"]["next"] is None


def test_count_is_capped(client, published, db, monkeypatch):
    monkeypatch.setattr(search_query, "COUNT_CAP", 10)
    meeting = published()
    db.session.add_all(
        AgendaItem(
            meeting_id=meeting.id,
            section="S",
            position=n,
            title=f"Beach {n}",
            item_type=AgendaItemType.report,
            file_number=f"B{n}",
        )
        for n in range(15)
    )
    db.session.commit()
    meta = client.get("/api/v1/search?q=beach").json["meta"]
    assert meta["capped"] is True and meta["total"] == 10
    assert "More than" in client.get("/search?q=beach").get_data(as_text=True)
    # Relevance ranks the newest RANK_CANDIDATES matches: its pages end there; newest first goes on.
    monkeypatch.setattr(search_query, "RANK_CANDIDATES", 5)
    monkeypatch.setattr(search_query, "PER_PAGE", 5)
    assert client.get("/api/v1/search?q=beach").json["meta"]["pages"] == 1
    assert client.get("/api/v1/search?q=beach&page=3").json["meta"]["page"] == 1
    assert client.get("/api/v1/search?q=beach&sort=newest").json["meta"]["pages"] == 2


def test_search_kinds_have_labels():
    assert {k.value for k in SearchKind} == {
        "meeting",
        "item",
        "attachment",
        "minutes",
        "resolution",
        "agreement",
        "speaker",
        "transcript",
        "matter",
    }


def test_documents_uploaded_before_extraction_get_their_text(app, client, published, add_item, db):
    item = add_item(published(), "Old report")
    pdf = io.BytesIO(text_pdf("Seagrass survey results"))
    attachment = documents.add_attachment(item, filename="old.pdf", stream=pdf, amendment_reason="Old", actor=None)
    db.session.commit()
    attachment.text_content = None  # as uploaded before this version
    db.session.commit()
    assert titles(client, q="seagrass") == []
    output = app.test_cli_runner().invoke(args=["search", "extract-texts"]).output
    assert "Read the text of 1 of 1 documents" in output
    assert kinds_and_titles(client, q="seagrass") == [("attachment", "old.pdf")]
