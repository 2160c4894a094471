"""The agenda packet (app/documents/packets.py): built by the worker (inline here), read back with pypdf and pikepdf.

Order, bookmarks and page labels; attachments that cannot go in are named and listed; progress committed step by
step; an unchanged agenda reuses its packet; the public PDF with ETag/304 and its 404s; the stale-build tick.
"""

import hashlib
import io

import pikepdf
import pypdf
import pytest

from app.auth.models import Role
from app.core.storage import storage
from app.documents import packets
from app.documents.packet_models import PacketBuild, PacketBuildStatus
from app.meetings import agenda, documents
from app.meetings.models import AgendaItemType
from tests import packet_helpers as files


def _add(item, name, data, reason=None):
    return documents.add_attachment(item, filename=name, stream=io.BytesIO(data), amendment_reason=reason, actor=None)


@pytest.fixture
def meeting(db, create_meeting, app):
    """A noticed regular meeting: two consent items and a resolution, with every kind of attachment."""
    meeting = create_meeting(kind="regular", status="noticed", title="Regular meeting of the Commission")

    def item(section, title):
        return agenda.add_item(
            meeting,
            section=section,
            title=title,
            body_md="The **summary**.",
            item_type=AgendaItemType.report,
            actor=None,
        )

    first = item("Consent Agenda", "Minutes of May")
    second = item("Consent Agenda", "Budget amendment")
    third = item("Resolutions", "The 287(g) agreement")
    _add(first, "first.pdf", files.marked_pdf("FIRST", pages=2))
    _add(first, "site.jpg", files.picture("JPEG"))
    _add(second, "tagged.pdf", files.tagged_pdf("TAGGED"))
    _add(second, "budget.xlsx".replace(".xlsx", ".docx"), files.docx())
    _add(third, "plan.png", files.picture("PNG"))
    _add(third, "third.pdf", files.marked_pdf("THIRD", pages=3))
    db.session.commit()
    return meeting


def _build(meeting, actor=None) -> PacketBuild:
    from app.extensions import db

    build = packets.request_packet(meeting, actor=actor)
    db.session.commit()  # the worker runs now (JOBS_BACKEND=eager)
    db.session.expire_all()
    return db.session.get(PacketBuild, build.id)


def _read(build) -> bytes:
    return storage().get(build.stored_name)


def _outline(reader):
    def walk(entries):
        out = []
        for entry in entries:
            if isinstance(entry, list):
                out[-1] = (out[-1][0], out[-1][1], walk(entry))
            else:
                out.append((entry.title, reader.get_destination_page_number(entry), []))
        return out

    return walk(reader.outline)


def test_packet_order_bookmarks_page_labels_and_links(meeting, db):
    build = _build(meeting)
    assert build.status == PacketBuildStatus.done, build.error
    data = _read(build)
    reader = pypdf.PdfReader(io.BytesIO(data))
    outline = _outline(reader)
    titles = [title for title, _page, _kids in outline]
    assert titles == ["Cover", "Agenda", "4. Consent Agenda", "5. Resolutions"]
    consent = outline[2][2]
    assert [t for t, _p, _k in consent] == ["4.A Minutes of May", "4.B Budget amendment"]
    first_kids = [(t, p) for t, p, _k in consent[0][2]]
    assert [t for t, _p in first_kids] == ["Staff report", "first.pdf", "site.jpg"]
    # The Word file cannot go into a PDF: no bookmark, listed in the staff report with its address instead.
    assert [t for t, _p, _k in consent[1][2]] == ["Staff report", "tagged.pdf"]
    resolution = outline[3][2][0]
    assert [t for t, _p, _k in resolution[2]] == ["Staff report", "plan.png", "third.pdf"]

    labels = reader.page_labels
    assert labels[:2] == ["i", "ii"]
    report_page = first_kids[0][1]
    assert labels[report_page] == "4.A-1"
    first_pdf = first_kids[1][1]
    assert reader.pages[first_pdf].extract_text().strip() == "FIRST p1"
    assert reader.pages[first_pdf + 1].extract_text().strip() == "FIRST p2"
    assert labels[first_pdf] == f"4.A-{first_pdf - report_page + 1}"
    third_pdf = resolution[2][2][1]
    assert [reader.pages[third_pdf + n].extract_text().strip() for n in range(3)] == [
        "THIRD p1",
        "THIRD p2",
        "THIRD p3",
    ]
    assert labels[resolution[1]] == "5.A-1"
    assert len(reader.pages) == build.pages

    pdf = pikepdf.open(io.BytesIO(data))
    # The JPEG is its own page, its bytes untouched (DCTDecode), tagged as a Figure with alternative text.
    image = pdf.pages[first_kids[2][1]].Resources.XObject.Im0
    assert image.Filter == pikepdf.Name.DCTDecode
    uploaded = [a for a in meeting.items[0].attachments if a.original_filename == "site.jpg"][0]
    assert hashlib.sha256(image.read_raw_bytes()).hexdigest() == uploaded.sha256
    # The agenda's item headings lead to the items' pages in the packet.
    targets = set()
    for page in pdf.pages[1 : first_kids[0][1]]:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            if action is not None and action.get("/S") == pikepdf.Name.GoTo:
                targets.add(pdf.pages.index(pikepdf.Page(action.D[0])))
    assert {report_page, resolution[1], consent[1][1]} <= targets
    # The Word file is named in its item's staff report with its public address.
    report_text = "".join(reader.pages[n].extract_text() for n in range(consent[1][1], consent[1][2][1][1]))
    assert "budget.docx" in report_text and "not included" in report_text


def test_generated_parts_keep_their_tags_and_untagged_attachments_are_said(meeting, db):
    build = _build(meeting)
    pdf = pikepdf.open(io.BytesIO(_read(build)))
    root = pdf.Root.StructTreeRoot
    document = root.K[0]
    assert str(document.S) == "/Document"
    parts = [str(part.T) for part in document.K]
    assert parts[:2] == ["Cover", "Agenda"] and "tagged.pdf" in parts and "site.jpg" in parts
    assert pdf.Root.Lang == "en" and bool(pdf.Root.MarkInfo.Marked)
    # Every page and link that points into the parent tree finds its entry there.
    nums = root.ParentTree.Nums
    keys = {int(nums[i]) for i in range(0, len(nums), 2)}
    for page in pdf.pages:
        if "/StructParents" in page.obj:
            assert int(page.obj.StructParents) in keys
        for annot in page.obj.get("/Annots", []):
            if "/StructParent" in annot:
                assert int(annot.StructParent) in keys
    figures = [
        k for part in document.K for k in part.K if isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/Figure"
    ]
    assert any("site.jpg" in str(f.Alt) for f in figures)
    # first.pdf and third.pdf came without tags: no PDF/UA claim for the whole.
    assert build.conforming is False
    with pdf.open_metadata() as meta:
        assert "pdfuaid:part" not in meta


def test_the_packet_stays_under_twice_its_parts(meeting, db):
    build = _build(meeting)
    attachments = sum(a.size for item in meeting.items for a in item.attachments)
    assert build.size < 2 * (attachments + 3 * 60_000 + 40_000 * len(meeting.items))


def test_a_broken_or_locked_attachment_is_named_and_listed_as_not_included(meeting, db, client, login_as):
    third = meeting.items[2]
    _add(third, "scan.pdf", files.BROKEN_PDF)
    _add(third, "locked.pdf", files.encrypted_pdf())
    db.session.commit()
    build = _build(meeting)
    assert build.status == PacketBuildStatus.done
    named = {p["name"]: p["code"] for p in build.problems}
    assert named["scan.pdf"] == "unreadable" and named["locked.pdf"] == "password"
    reader = pypdf.PdfReader(io.BytesIO(_read(build)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "scan.pdf" in text and "locked.pdf" in text
    login_as(Role.clerk)
    page = client.get(f"/staff/meetings/{meeting.id}").get_data(as_text=True)
    assert "Built without these documents" in page
    assert "scan.pdf (item 5.A): it is damaged or not a PDF that can be read" in page
    assert "locked.pdf (item 5.A): it is protected by a password" in page
    progress = client.get(f"/staff/meetings/{meeting.id}/packet/progress.json").get_json()
    assert any("locked.pdf" in line for line in progress["problems"])


def test_a_failed_build_names_the_attachment_it_was_on(meeting, db, monkeypatch):
    from app.documents import packet_pdf

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(packet_pdf, "open_piece", explode)
    build = _build(meeting)
    assert build.status == PacketBuildStatus.failed
    assert build.error == (
        "The packet could not be built while reading the attachment “first.pdf” of item 4.A: disk full"
    )
    assert build.stored_name is None


@pytest.mark.commits(reason="a second connection reads each step's progress, as the clerk's next poll does")
def test_progress_is_committed_step_by_step_and_shown(meeting, db, app, client, login_as, monkeypatch):
    app.config["JOBS_BACKEND"] = "none"  # nothing runs at commit: the build waits for the worker
    login_as(Role.clerk)
    response = client.post(f"/staff/meetings/{meeting.id}/packet")
    assert response.status_code == 302
    build = db.session.scalar(db.select(PacketBuild).where(PacketBuild.meeting_id == meeting.id))
    assert build.status == PacketBuildStatus.queued
    page = client.get(f"/staff/meetings/{meeting.id}").get_data(as_text=True)
    assert 'id="packet-progress-bar"' in page and "packet-progress.js" in page
    assert client.get(f"/staff/meetings/{meeting.id}/packet/progress.json").get_json()["finished"] is False
    # A second click while it waits returns the same build.
    client.post(f"/staff/meetings/{meeting.id}/packet")
    assert db.session.scalar(db.select(db.func.count()).select_from(PacketBuild)) == 1

    seen = []
    record = packets._record

    def watching(build_id, token, **values):
        written = record(build_id, token, **values)
        if values.get("commit") is False:
            return written  # the outcome, committed with the stored file by the caller
        # Committed: a second session (the clerk's next poll) reads it.
        with db.engine.connect() as other:
            row = other.execute(db.select(PacketBuild.done, PacketBuild.total).where(PacketBuild.id == build_id))
            seen.append(tuple(row.one()))
        return written

    monkeypatch.setattr(packets, "_record", watching)
    packets.build(build.id)
    total = seen[-1][1]
    assert total == 6 + 3 + 3  # six attachments, three staff reports, cover, agenda and the merge
    assert [done for done, _total in seen] == list(range(total))  # each step committed as it was done
    db.session.expire_all()
    assert db.session.get(PacketBuild, build.id).done == total
    progress = client.get(f"/staff/meetings/{meeting.id}/packet/progress.json").get_json()
    assert progress["finished"] is True and progress["percent"] == 100 and progress["status"] == "done"
    page = client.get(f"/staff/meetings/{meeting.id}").get_data(as_text=True)
    assert "Open the packet (PDF)" in page and "packet-progress.js" not in page


def test_an_unchanged_agenda_reuses_its_packet_and_an_amendment_builds_anew(meeting, db, app):
    first = _build(meeting)
    first_name = first.stored_name
    again = _build(meeting)
    assert again.id == first.id
    agenda.publish_agenda(meeting, actor=None)
    db.session.commit()
    published = _build(meeting)  # the agenda now states its publication: a new packet, the public one
    assert published.id != first.id and published.public is True and first.public is False
    assert _build(meeting).id == published.id
    _add(meeting.items[0], "late.pdf", files.marked_pdf("LATE"), reason="Late document")
    db.session.commit()
    amended = _build(meeting)
    assert amended.id != published.id and amended.etag != published.etag
    db.session.refresh(first)
    db.session.refresh(published)
    assert first.stored_name is None and published.stored_name is None  # replaced: their files are removed
    assert not storage().exists(first_name)


def test_publication_and_amendment_rebuild_the_packet_when_the_city_wants_it(meeting, db, app):
    app.config["PACKET_AUTO_BUILD"] = True
    agenda.publish_agenda(meeting, actor=None)
    db.session.commit()
    built = packets.latest(meeting.id, public=True)
    assert built is not None and built.requested_by_id is None
    _add(meeting.items[1], "late.pdf", files.marked_pdf("LATE"), reason="Late document")
    db.session.commit()
    rebuilt = packets.latest(meeting.id, public=True)
    assert rebuilt.id != built.id
    reader = pypdf.PdfReader(io.BytesIO(_read(rebuilt)))
    assert "LATE p1" in "".join(page.extract_text() for page in reader.pages)
    app.config["PACKET_AUTO_BUILD"] = False
    agenda.withdraw_item(meeting.items[2], reason="Postponed", actor=None)
    db.session.commit()
    assert packets.latest(meeting.id, public=True).id == rebuilt.id


def test_public_packet_with_etag_and_304(meeting, db, client):
    agenda.publish_agenda(meeting, actor=None)
    db.session.commit()
    missing = client.get(f"/meetings/{meeting.id}/packet.pdf")
    assert missing.status_code == 404
    assert "has not been built yet" in missing.get_data(as_text=True)
    build = _build(meeting)
    response = client.get(f"/meetings/{meeting.id}/packet.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["ETag"] == f'"{build.etag}"'
    assert response.get_data() == _read(build)
    again = client.get(f"/meetings/{meeting.id}/packet.pdf", headers={"If-None-Match": f'"{build.etag}"'})
    assert again.status_code == 304 and again.get_data() == b""
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f"/meetings/{meeting.id}/packet.pdf" in page


def test_no_public_packet_for_a_draft_or_an_unpublished_agenda(meeting, db, client, create_meeting):
    draft = create_meeting(kind="regular")
    assert client.get(f"/meetings/{draft.id}/packet.pdf").status_code == 404
    assert client.get("/meetings/99999999999/packet.pdf").status_code == 404
    build = _build(meeting)  # built from the draft agenda: staff only
    assert build.public is False
    response = client.get(f"/meetings/{meeting.id}/packet.pdf")
    assert response.status_code == 404
    assert "has not been published yet" in response.get_data(as_text=True)


def test_staff_read_a_draft_agenda_packet(meeting, db, client, login_as):
    build = _build(meeting)
    login_as(Role.viewer)
    response = client.get(f"/staff/meetings/{meeting.id}/packet.pdf")
    assert response.status_code == 200 and response.get_data() == _read(build)
    assert client.post(f"/staff/meetings/{meeting.id}/packet").status_code == 403


def test_the_packet_request_is_audited(meeting, db, create_user):
    from app.core.audit import AuditEntry

    clerk = create_user(Role.clerk)
    build = _build(meeting, actor=clerk)
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "packet.request"))
    assert entry.target_id == build.id and entry.actor_id == clerk.id


def test_a_stale_build_is_retried_by_the_tick_then_given_up(meeting, db, app, clock):
    from datetime import timedelta

    app.config["JOBS_BACKEND"] = "none"
    build = packets.request_packet(meeting, actor=None)
    db.session.commit()
    # A worker claimed it and died.
    build.status, build.claimed_by, build.attempts = PacketBuildStatus.building, "dead", 1
    build.heartbeat_at = build.requested_at
    db.session.commit()
    assert packets.retry_stale() == 0  # still fresh
    clock.advance(seconds=app.config["PACKET_STALE_SECONDS"] + 1)
    app.config["JOBS_BACKEND"] = "eager"
    assert packets.retry_stale() == 1
    db.session.expire_all()
    assert db.session.get(PacketBuild, build.id).status == PacketBuildStatus.done

    app.config["JOBS_BACKEND"] = "none"
    _add(meeting.items[0], "more.pdf", files.marked_pdf("MORE"))
    db.session.commit()
    again = packets.request_packet(meeting, actor=None)
    again.status, again.claimed_by, again.attempts = PacketBuildStatus.building, "dead", 3
    again.heartbeat_at = again.requested_at - timedelta(hours=1)
    db.session.commit()
    assert packets.retry_stale() == 0
    db.session.expire_all()
    failed = db.session.get(PacketBuild, again.id)
    assert failed.status == PacketBuildStatus.failed
    assert "stopped 3 times" in failed.error


def test_a_packet_of_tagged_parts_passes_the_pdfua_check(db, create_meeting, tmp_path):
    from tests.documents_helpers import pdfua_problems

    meeting = create_meeting(kind="regular", status="noticed", title="Workshop")
    item = agenda.add_item(
        meeting, section="Reports", title="Annual report", body_md="Text.", item_type=AgendaItemType.report, actor=None
    )
    _add(item, "report.pdf", files.tagged_pdf("ANNUAL"))
    _add(item, "chart.png", files.picture("PNG", mode="L"))
    db.session.commit()
    build = _build(meeting)
    assert build.conforming is True and not build.problems
    problems = pdfua_problems(_read(build), tmp_path, title="Agenda packet: Workshop", lang="en")
    assert problems == []


def test_a_build_taken_over_by_another_worker_leaves_nothing_behind(meeting, db, monkeypatch):
    from app.documents import packet_pdf

    first = _build(meeting)
    _add(meeting.items[0], "more.pdf", files.marked_pdf("MORE"))
    db.session.commit()
    assemble = packet_pdf.assemble

    def slow_worker(*args, **kwargs):
        result = assemble(*args, **kwargs)
        # Meanwhile the tick found this build stale and another worker claimed it.
        db.session.execute(db.update(PacketBuild).where(PacketBuild.status == "building").values(claimed_by="other"))
        db.session.commit()
        return result

    monkeypatch.setattr(packet_pdf, "assemble", slow_worker)
    second = _build(meeting)
    assert second.id != first.id
    assert second.status == PacketBuildStatus.building and second.claimed_by == "other" and second.stored_name is None
    db.session.refresh(first)
    assert first.stored_name is not None and storage().exists(first.stored_name)  # still the packet served
    assert [o.key for o in storage().list("packets/")] == [first.stored_name]


@pytest.mark.parametrize("mode", ["RGB", "L", "P", "RGBA", "LA"])
def test_a_png_page_shows_the_picture_pixel_for_pixel(mode):
    from PIL import Image

    from app.documents import packet_images

    original = Image.linear_gradient("L").resize((64, 48)).convert("RGB").convert(mode)
    data = io.BytesIO()
    original.save(data, "PNG")
    pdf = pikepdf.new()
    page = packet_images.image_page(pdf, "png", data.getvalue())
    image = page.Resources.XObject.Im0
    shown = pikepdf.PdfImage(image).as_pil_image()
    plain = original.convert("RGB" if mode in ("RGB", "P", "RGBA") else "L")
    assert shown.convert(plain.mode).tobytes() == plain.tobytes()
    if "A" in mode:
        assert "/SMask" in image
    elif mode != "P":
        assert image.DecodeParms.Predictor == 15  # the PNG's own compressed data, not decoded and re-encoded


def test_query_counts_stay_fixed_as_builds_pile_up(meeting, db, client, login_as, count_queries):
    agenda.publish_agenda(meeting, actor=None)
    db.session.commit()
    build = _build(meeting)
    etag = build.etag
    login_as(Role.clerk)

    def fail_one(n):
        db.session.add(PacketBuild(meeting_id=meeting.id, status=PacketBuildStatus.failed, etag=f"{n}", error="x"))
        db.session.commit()

    def counts():
        with count_queries() as public:
            answer = client.get(f"/meetings/{meeting.id}/packet.pdf", headers={"If-None-Match": f'"{etag}"'})
            assert answer.status_code == 304
        with count_queries() as progress:
            client.get(f"/staff/meetings/{meeting.id}/packet/progress.json")
        with count_queries() as page:
            client.get(f"/staff/meetings/{meeting.id}")
        return len(public), len(progress), len(page)

    fail_one(0)
    counts()  # warm (the first request of a session loads more)
    few = counts()
    for n in range(1, 6):  # more builds of the meeting, the newest failed
        fail_one(n)
    assert counts() == few
    assert few[0] <= 5  # the signed-in user, the city, the meeting, the build: no storage read for a 304


def test_the_packet_build_leaves_the_public_agenda_pdf_ready(meeting, db, client, monkeypatch):
    """The worker renders the agenda for the packet once; a published agenda's copy is kept as the public
    agenda.pdf of that version, so its first reader does not wait for it to be built (a draft's is not kept)."""
    from app.documents import meetings as document_kinds
    from app.documents import public

    _build(meeting)  # a draft agenda: nothing public kept
    assert list(storage().list(f"documents/agenda/{meeting.id}-")) == []
    agenda.publish_agenda(meeting, actor=None)
    db.session.commit()
    _build(meeting)
    kept = [o.key for o in storage().list(f"documents/agenda/{meeting.id}-")]
    assert len(kept) == 1

    def built_in_the_request(*args):
        raise AssertionError("the agenda PDF was built in the reader's request")

    read, _build_pdf = public.MEETING_KINDS[document_kinds.AGENDA]
    monkeypatch.setitem(public.MEETING_KINDS, document_kinds.AGENDA, (read, built_in_the_request))
    response = client.get(f"/meetings/{meeting.id}/agenda.pdf")
    assert response.status_code == 200 and response.get_data() == storage().get(kept[0])
