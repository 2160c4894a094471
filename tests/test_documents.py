"""Generated documents (app/documents): every kind read back and machine-checked for PDF/UA-1, public rules,
the ETag known before building, the cache in the storage layer, and concurrent builds.

WeasyPrint takes tenths of a second per document: each test builds only the documents it reads, once."""

import io
import threading
from datetime import date

import pytest
import requests
import weasyprint
from sqlalchemy import select

from app.city.services import current_city, forget_city, update_city_profile
from app.core.storage import storage
from app.demo import seed_demo
from app.documents import cache
from app.legislation.models import Resolution
from app.meetings.models import Meeting, MeetingKind, Minutes, MinutesStatus
from tests.documents_helpers import figure_alts, grow_meeting, page_texts, pdf_text, pdfua_problems
from tests.servers import app_servers

SVG_LOGO = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    b'<rect width="10" height="10" fill="#0b4f6c"/></svg>'
)


class Upload:
    def __init__(self, filename, data):
        self.filename = filename
        self.stream = io.BytesIO(data)


@pytest.fixture
def demo(db):
    seed_demo()
    db.session.commit()
    special = db.session.scalar(select(Meeting).where(Meeting.kind == MeetingKind.special))
    regular = db.session.scalar(select(Meeting).order_by(Meeting.start_at))  # June 17: minutes approved
    resolution = db.session.scalar(select(Resolution).where(Resolution.number == "25-187"))
    return special, regular, resolution


@pytest.fixture
def builds(monkeypatch):
    """How many PDFs WeasyPrint has written since the test began."""
    counter = {"n": 0}
    write_pdf = weasyprint.HTML.write_pdf

    def counting(self, *args, **kwargs):
        counter["n"] += 1
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", counting)
    return counter


def _city(db, **changes):
    """Save the demo city's profile again with ``changes`` (a logo, another record language)."""
    city = current_city()
    fields = {
        "name_en": city.name_en,
        "name_es": city.name_es,
        "short_name": city.short_name,
        "timezone": city.timezone,
        "record_language": city.record_language,
        "meeting_place": city.meeting_place,
        "clerk_email": city.clerk_email,
        "clerk_phone": city.clerk_phone,
        "website": city.website,
    }
    update_city_profile(**{**fields, **changes}, actor_label="test")
    db.session.commit()
    forget_city()


def _get(client, url, **headers):
    response = client.get(url, headers=headers)
    return response


def _check_pdf(response, tmp_path, *, title, lang="en"):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    assert response.headers["ETag"]
    problems = pdfua_problems(response.data, tmp_path, title=title, lang=lang)
    assert problems == []
    return pdf_text(response.data)


def test_every_kind_reads_back_and_passes_the_pdfua_check(client, db, demo, tmp_path, builds):
    special, _regular, resolution = demo
    _city(db, logo=Upload("seal.svg", SVG_LOGO))
    base = f"/meetings/{special.id}"
    title = special.title

    notice = _get(client, f"{base}/notice.pdf")
    text = _check_pdf(notice, tmp_path, title=f"Notice of meeting: {title}")
    assert "Monday, 30 June 2025" in text and "5:00 PM EDT" in text
    assert "City Commission Chambers" in text and "F.S. 286.0105" in text and "F.S. 286.26" in text
    pages = page_texts(notice.data)
    assert all(f"Page {n} of {len(pages)}" in page for n, page in enumerate(pages, 1))
    assert "5.A Resolution declaring the Police Department's 287(g) agreement" in text  # the agenda's subjects
    assert "filename=notice-2025-06-30-city-commission.pdf" in notice.headers["Content-Disposition"]
    # The letterhead: the city's name, address and logo, the logo described from the city profile.
    assert "City of Key West" in text and "1300 White Street" in text
    assert figure_alts(notice.data) == ["Logo of City of Key West"]

    agenda = _get(client, f"{base}/agenda.pdf")
    text = _check_pdf(agenda, tmp_path, title=f"Agenda: {title}")
    assert "5.A" in text and "25-0011" in text and "287(g)" in text
    assert "Page 1 of 2" in text and "Page 2 of 2" in text

    votes = _get(client, f"{base}/votes.pdf")
    text = _check_pdf(votes, tmp_path, title=f"Votes: {title}")
    assert "Passed, 6–1" in text and "6 yes, 1 no" in text
    assert "Tobias Vandermeer" in text and "Majority of members present" in text

    minutes = _get(client, f"{base}/minutes.pdf")
    _check_pdf(minutes, tmp_path, title=f"Minutes: {title}")
    # Released, not yet approved: every page says so.
    assert all("DRAFT, not yet approved" in page for page in page_texts(minutes.data))

    pdf = _get(client, f"/resolutions/{resolution.id}.pdf")
    text = _check_pdf(pdf, tmp_path, title=f"Resolution 25-187: {resolution.title}")
    assert "Resolution 25-187" in text and "Passed, 6–1" in text and "6 yes, 1 no" in text
    assert "Adopted June 30, 2025" in text and "Effective July 1, 2025" in text
    assert "Superseded by 25-188" in text  # the July 8 reversal
    assert pdf.headers["Content-Disposition"] == "inline; filename=resolution-25-187.pdf"
    assert builds["n"] == 5


def test_approved_minutes_carry_no_draft_mark(client, demo, tmp_path):
    _special, regular, _resolution = demo
    assert regular.minutes.status == MinutesStatus.approved
    response = _get(client, f"/meetings/{regular.id}/minutes.pdf")
    text = _check_pdf(response, tmp_path, title=f"Minutes: {regular.title}")
    assert "DRAFT" not in text and "Approved by the body at the Regular City Commission Meeting" in text


def test_documents_are_in_the_record_language_with_spanish_dates(client, db, demo, tmp_path):
    special, _regular, resolution = demo
    _city(db, record_language="es")
    agenda = _get(client, f"/meetings/{special.id}/agenda.pdf")
    text = _check_pdf(agenda, tmp_path, title=f"Agenda: {special.title}", lang="es")
    assert "30 de junio de 2025" in text and "lunes" in text
    assert "Ciudad de Cayo Hueso" in text  # the city's Spanish name on its Spanish letterhead
    pdf = _get(client, f"/resolutions/{resolution.id}.pdf")
    text = pdf_text(pdf.data)
    assert "30 de junio de 2025" in text and "1 de julio de 2025" in text


def test_what_is_not_public_is_a_404(client, db, demo, create_meeting):
    special, regular, resolution = demo
    draft = create_meeting(status="draft")
    noticed = create_meeting(status="noticed")
    db.session.commit()
    for kind in ("notice", "agenda", "minutes", "votes"):
        assert client.get(f"/meetings/{draft.id}/{kind}.pdf").status_code == 404
    # Noticed, agenda not published, no minutes: the notice only.
    assert noticed.agenda_published_at is None
    for kind in ("agenda", "minutes", "votes"):
        assert client.get(f"/meetings/{noticed.id}/{kind}.pdf").status_code == 404
    # The clerk's working draft of the minutes is staff only.
    special.minutes.status = MinutesStatus.draft
    db.session.commit()
    assert client.get(f"/meetings/{special.id}/minutes.pdf").status_code == 404
    # No such record, and ids too large for the database: 404, never a 500.
    for url in (
        "/meetings/999999/agenda.pdf",
        "/meetings/99999999999999999999/notice.pdf",
        "/meetings/0/votes.pdf",
        "/meetings/-1/votes.pdf",
        "/resolutions/999999.pdf",
        "/resolutions/99999999999999999999.pdf",
        "/meetings/1/packet.pdf.exe",
    ):
        assert client.get(url).status_code == 404, url


def test_a_resolution_of_an_unpublished_agenda_is_a_404(client, db, demo):
    _special, _regular, resolution = demo
    resolution.item.meeting.agenda_published_at = None
    db.session.commit()
    assert client.get(f"/resolutions/{resolution.id}.pdf").status_code == 404


def test_the_etag_answers_a_304_without_building_and_a_change_rebuilds(client, db, demo, builds, count_queries):
    special, _regular, _resolution = demo
    url = f"/meetings/{special.id}/agenda.pdf"
    first = client.get(url)
    etag = first.headers["ETag"].strip('"')
    assert builds["n"] == 1
    key = cache.storage_key("agenda", special.id, etag)
    assert storage().get(key) == first.data

    # Served again from the storage layer: not built again.
    again = client.get(url)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"] and builds["n"] == 1

    # A conditional request: 304 with no body, nothing built, a bounded number of queries; even with the kept
    # copy gone, the 304 is answered from the record alone.
    storage().delete(key)
    with count_queries() as queries:
        response = client.get(url, headers={"If-None-Match": f'"{etag}"'})
    assert response.status_code == 304 and response.data == b"" and builds["n"] == 1
    assert response.headers["ETag"] == f'"{etag}"'
    assert len(queries) <= 8, queries

    # The record changes: a new ETag, built once, the old copy removed.
    client.get(url)  # kept again
    assert builds["n"] == 2 and storage().exists(key)
    special.location = "Old City Hall, 510 Greene Street"
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": f'"{etag}"'})
    assert changed.status_code == 200 and builds["n"] == 3
    new_etag = changed.headers["ETag"].strip('"')
    assert new_etag != etag and "510 Greene Street" in pdf_text(changed.data)
    assert not storage().exists(key) and storage().exists(cache.storage_key("agenda", special.id, new_etag))
    assert [o.key for o in storage().list(f"documents/agenda/{special.id}-")] == [
        cache.storage_key("agenda", special.id, new_etag)
    ]


def test_the_etag_follows_every_record_a_document_shows(app, db, demo):
    """Changes to a motion's vote, the minutes' text, an item, the city's letterhead or the template version
    each give a new ETag; reading the ETag builds nothing."""
    from app.documents import public

    special, _regular, resolution = demo

    def etags():
        db.session.expire_all()
        forget_city()
        kinds = ("notice", "agenda", "minutes", "votes")
        return {k: public.meeting_document(special.id, k).etag for k in kinds} | {
            "resolution": public.resolution_document(resolution.id).etag
        }

    before = etags()
    assert etags() == before  # stable
    special.minutes.body_md += "\n\nCorrected."
    db.session.commit()
    after = etags()
    assert after["minutes"] != before["minutes"]
    assert all(after[k] == before[k] for k in ("notice", "agenda", "votes", "resolution"))
    item = next(i for i in special.items if i.label == "5.A")
    item.title += " (amended)"
    db.session.commit()
    changed = etags()
    assert all(changed[k] != after[k] for k in ("notice", "agenda", "votes"))  # the item's title is on all three
    assert changed["minutes"] == after["minutes"]
    resolution.effective_on = date(2025, 7, 2)
    db.session.commit()
    assert etags()["resolution"] != changed["resolution"]
    _city(db, clerk_phone="305-555-0100")
    assert all(a != b for a, b in zip(etags().values(), changed.values(), strict=True))


def test_query_counts_do_not_grow_with_the_record(client, db, demo, count_queries):
    """A conditional request reads the record (a fixed number of queries) and builds nothing; five more items
    with sponsors, documents and roll calls add no query."""
    special, _regular, resolution = demo
    urls = [f"/meetings/{special.id}/{k}.pdf" for k in ("notice", "agenda", "minutes", "votes")]
    urls.append(f"/resolutions/{resolution.id}.pdf")

    def counts():
        found = {}
        for url in urls:
            etag = client.get(url).headers["ETag"]
            with count_queries() as queries:
                assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
            found[url] = len(queries)
        return found

    before = counts()
    # The resolution reads its item, meeting, sponsors, links both ways, effects, corrections and votes.
    assert all(n <= (11 if "resolutions" in url else 8) for url, n in before.items()), before
    grow_meeting(db, special)
    assert counts() == before
    votes = pdf_text(client.get(urls[3]).data)
    assert all(f"Move to adopt item {n}" in votes for n in range(5))
    assert "report-4-1.pdf" in pdf_text(client.get(urls[1]).data)


def test_a_torn_copy_in_storage_is_rebuilt_not_served(client, demo, builds):
    special, _regular, _resolution = demo
    url = f"/meetings/{special.id}/notice.pdf"
    whole = client.get(url)
    key = cache.storage_key("notice", special.id, whole.headers["ETag"].strip('"'))
    storage().put(key, whole.data[:100], "application/pdf")  # half a file, as a crashed writer could leave
    again = client.get(url)
    assert again.data == whole.data and builds["n"] == 2
    assert storage().get(key) == whole.data


def test_the_public_pages_link_their_pdfs(client, demo):
    special, regular, resolution = demo
    page = client.get(f"/meetings/{special.id}").get_data(as_text=True)
    for kind in ("notice", "agenda", "minutes", "votes"):
        assert f'/meetings/{special.id}/{kind}.pdf" type="application/pdf"' in page
    assert "Minutes, draft not yet approved (PDF)" in page
    assert "Minutes (PDF)" in client.get(f"/meetings/{regular.id}").get_data(as_text=True)
    page = client.get(f"/resolutions/{resolution.id}").get_data(as_text=True)
    assert f'/resolutions/{resolution.id}.pdf" type="application/pdf"' in page


def test_a_meeting_page_without_minutes_has_no_minutes_link(client, db, demo, create_meeting):
    special, _regular, _resolution = demo
    noticed = create_meeting(status="noticed")
    db.session.commit()
    page = client.get(f"/meetings/{noticed.id}").get_data(as_text=True)
    assert f"/meetings/{noticed.id}/notice.pdf" in page
    for kind in ("agenda", "minutes", "votes"):
        assert f"/meetings/{noticed.id}/{kind}.pdf" not in page


@pytest.mark.timeout(300)
def test_two_app_servers_building_the_same_pdfs_at_once_all_succeed(app, db, database_url, tmp_path, real_time):
    """Two gunicorn processes sharing the database and the storage directory; 16 requests for two documents at
    the same moment: every one succeeds with the same whole PDF, and one copy of each is kept."""
    seed_demo()
    db.session.commit()
    special = db.session.scalar(select(Meeting).where(Meeting.kind == MeetingKind.special))
    uploads = tmp_path / "shared-uploads"
    paths = [f"/meetings/{special.id}/agenda.pdf", f"/meetings/{special.id}/votes.pdf"]
    results: list = []
    # Behind one address (BASE_URL), as app servers behind a proxy are: the same links, so the same version.
    settings = {"UPLOAD_DIR": str(uploads), "BASE_URL": "https://meetings.example.gov/"}
    with app_servers(database_url, 2, threads=8, **settings) as urls:
        barrier = threading.Barrier(16)

        def fetch(n):
            barrier.wait()
            try:
                r = requests.get(urls[n % 2] + paths[n // 2 % 2], timeout=120)
                results.append((paths[n // 2 % 2], r.status_code, r.headers.get("ETag"), r.content))
            except Exception as error:  # noqa: BLE001 (recorded and asserted on below)
                results.append((paths[n // 2 % 2], "error", repr(error), b""))

        threads = [threading.Thread(target=fetch, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=200)
    assert len(results) == 16 and all(status == 200 for _p, status, _e, _c in results), [r[:3] for r in results]
    for path in paths:
        same = {(etag, content) for p, _s, etag, content in results if p == path}
        assert len(same) == 1  # one version, byte for byte
        content = next(iter(same))[1]
        assert content.startswith(b"%PDF-") and b"%%EOF" in content[-64:]
    kept = sorted(p.name for p in (uploads / "documents").rglob("*.pdf"))
    assert len(kept) == 2, kept


def test_minutes_mark_follows_approval(db, demo, app):
    """The draft mark is the minutes' status: released shows it, approved does not (read without a request)."""
    from app.documents.meetings import load_meeting, minutes_data

    special, regular, _resolution = demo
    assert minutes_data(load_meeting(special.id, "minutes"))["minutes"]["approved"] is False
    assert minutes_data(load_meeting(regular.id, "minutes"))["minutes"]["approved"] is True
    assert isinstance(db.session.get(Minutes, special.minutes.id), Minutes)


def test_a_storage_that_fails_still_gives_the_pdf(client, demo, monkeypatch, builds):
    """The kept copies are a cache: when the storage cannot be read or written, the PDF is built and served."""
    special, _regular, _resolution = demo

    class Broken:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise RuntimeError("the bucket is unreachable")

            return fail

    monkeypatch.setattr(cache, "storage", lambda: Broken())
    response = client.get(f"/meetings/{special.id}/notice.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-") and builds["n"] == 1
