"""Uploaded files behind one storage interface (issue 16): a local directory and S3-compatible object storage.

Every test here runs on both backends (the ``backend`` fixture, tests/storage_backends.py). S3 is moto in server
mode on 127.0.0.1 (boto3 talks real HTTP to it); nothing reaches the internet."""

import io
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from app.auth.models import Role
from app.core.storage import LocalStorage, S3Storage, StorageError, build_storage, collect_garbage, storage
from tests.meetings_helpers import PDF

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>'


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def test_the_configured_backend_is_the_one_used(app, backend):
    store = storage()
    assert isinstance(store, LocalStorage if backend == "local" else S3Storage)
    assert app.extensions["dais.storage"] is store
    assert storage() is store  # built once while the settings stay the same


def test_put_get_open_exists_list_delete(app, backend):
    store = storage()
    assert list(store.list()) == []
    store.put("a1", b"first", "application/pdf")
    store.put("imports/tok", b"scratch", "text/csv")
    assert store.get("a1") == b"first"
    assert store.exists("a1") and not store.exists("nothing")
    opened = store.open("a1")
    try:
        assert opened.stream.read() == b"first" and opened.size == 5
    finally:
        opened.stream.close()
    listed = {entry.key: entry for entry in store.list()}
    assert set(listed) == {"a1", "imports/tok"}
    assert listed["a1"].size == 5
    assert abs(listed["a1"].last_modified - datetime.now(UTC)) < timedelta(minutes=5)
    assert [entry.key for entry in store.list("imports/")] == ["imports/tok"]
    store.put("a1", b"replaced", "application/pdf")
    assert store.get("a1") == b"replaced"
    store.delete("a1")
    store.delete("a1")  # deleting what is gone is no error
    assert not store.exists("a1")
    with pytest.raises(FileNotFoundError):
        store.get("a1")
    with pytest.raises(FileNotFoundError):
        store.open("a1")


@pytest.mark.parametrize("key", ["", "../x", "a/../b", "/abs", "a//b", ".", "a b", "a\\b"])
def test_keys_cannot_leave_the_storage(app, key):
    with pytest.raises(ValueError):
        storage().put(key, b"x", "text/plain")


def test_a_wrong_backend_setting_is_refused(app):
    with pytest.raises(StorageError, match="STORAGE_BACKEND"):
        build_storage({"STORAGE_BACKEND": "ftp", "UPLOAD_DIR": "uploads"})
    with pytest.raises(StorageError, match="S3_BUCKET"):
        build_storage({"STORAGE_BACKEND": "s3", "S3_BUCKET": ""})


def test_an_attachment_uploaded_by_staff_downloads_with_its_bytes_and_headers(
    app, backend, client, login_as, open_meeting, db
):
    meeting = open_meeting()
    db.session.commit()
    item = meeting.items[0]
    login_as(Role.clerk)
    docx_bytes = _docx()
    for name, data in (("Staff report.pdf", PDF), ("budget.docx", docx_bytes)):
        response = client.post(
            f"/staff/items/{item.id}/attachments",
            data={"att-file": (io.BytesIO(data), name), "att-amendment_reason": "Report arrived late"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    attachments = {a.original_filename: a for a in item.attachments}
    for attachment in attachments.values():
        assert storage().exists(attachment.stored_name)

    anonymous = app.test_client()
    page = anonymous.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    links = re.findall(r'href="(/meetings/\d+/documents/[^"]+)"', page)
    assert len(links) == 2
    pdf = anonymous.get(f"/meetings/{meeting.id}/documents/{attachments['Staff report.pdf'].id}/x")
    assert pdf.status_code == 200 and pdf.data == PDF
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("inline;")
    assert (
        "Staff%20report.pdf" in pdf.headers["Content-Disposition"]
        or "Staff report.pdf" in pdf.headers["Content-Disposition"]
    )
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert pdf.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "max-age=3600" in pdf.headers["Cache-Control"]
    assert pdf.headers["Content-Length"] == str(len(PDF))
    assert "Location" not in pdf.headers  # served by the app, never a redirect to the bucket

    docx = anonymous.get(f"/meetings/{meeting.id}/documents/{attachments['budget.docx'].id}/x")
    assert docx.status_code == 200 and docx.data == docx_bytes
    assert docx.headers["Content-Disposition"] == "attachment; filename=budget.docx"
    assert docx.headers["X-Content-Type-Options"] == "nosniff"
    assert docx.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"

    # The row is there but its file is gone: not found, never an error page.
    storage().delete(attachments["budget.docx"].stored_name)
    assert anonymous.get(f"/meetings/{meeting.id}/documents/{attachments['budget.docx'].id}/x").status_code == 404


def test_a_picture_is_served_inline_with_its_csp(app, backend):
    from app.core.uploads import SVG_CSP, send_image, validate_and_store_image

    with app.test_request_context():
        stored = validate_and_store_image("logo.svg", io.BytesIO(SVG), field="logo", max_bytes=100_000)
        response = send_image(stored.stored_name, stored.content_type, max_age=60)
        response.direct_passthrough = False
        assert response.status_code == 200 and response.get_data() == SVG
        assert response.mimetype == "image/svg+xml"
        assert response.headers["Content-Security-Policy"] == SVG_CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"] == f"inline; filename={stored.stored_name}"
        response.close()


def test_an_orphan_left_by_a_dead_process_is_removed_by_gc_once_old_enough(app, backend, open_meeting, db, clock):
    from app.meetings import documents

    meeting = open_meeting()
    db.session.commit()
    item = meeting.items[0]
    kept = documents.add_attachment(
        item, filename="kept.pdf", stream=io.BytesIO(PDF), amendment_reason="Late", actor=None
    ).stored_name
    db.session.commit()
    # A rolled-back transaction removes its own files (tests/test_storage_transactions.py); only a process that
    # died between the write and the rollback leaves one behind.
    orphan = "f" * 32
    storage().put(orphan, PDF, "application/pdf")
    storage().put("imports/scratch", b"a,b\n", "text/csv")  # another feature's scratch, with its own expiry
    assert storage().exists(orphan) and storage().exists(kept)

    runner = app.test_cli_runner()
    young = runner.invoke(args=["storage", "gc"])  # default: older than an hour
    assert young.exit_code == 0, young.output
    assert "Removed 0 unreferenced file(s)" in young.output
    assert storage().exists(orphan)

    dry = runner.invoke(args=["storage", "gc", "--older-than", "0", "--dry-run"])
    assert f"Would remove {orphan}" in dry.output and storage().exists(orphan)

    removed = runner.invoke(args=["storage", "gc", "--older-than", "0"])
    assert removed.exit_code == 0, removed.output
    assert f"Removed {orphan}" in removed.output and kept not in removed.output
    assert "Removed 1 unreferenced file(s)" in removed.output
    assert not storage().exists(orphan)
    assert storage().exists(kept) and storage().exists("imports/scratch")


def test_gc_counts_an_hour_and_never_removes_what_a_row_names(app, backend, create_member, db):
    from app.bodies.people import set_member_photo
    from app.cli import referenced_stored_names

    class Upload:
        filename = "photo.svg"
        stream = io.BytesIO(SVG)

    member = create_member()
    set_member_photo(member, Upload(), actor=None)
    db.session.commit()
    photo = member.photo_stored_name
    storage().put("0" * 32, b"orphan", "application/pdf")
    assert photo in referenced_stored_names()

    now = datetime.now(UTC)
    store = storage()
    assert collect_garbage(store, referenced_stored_names(), older_than=timedelta(hours=1), now=now) == []
    later = now + timedelta(hours=1, minutes=1)
    removed = collect_garbage(store, referenced_stored_names(), older_than=timedelta(hours=1), now=later)
    assert [entry.key for entry in removed] == ["0" * 32]
    assert store.exists(photo) and not store.exists("0" * 32)


def test_a_csv_import_waits_for_its_preview_in_the_storage(app, backend, client, login_as, create_body, db):
    from pathlib import Path

    from app.bodies.models import BodyKind, Member

    create_body(name="Historic Architectural Review Commission", kind=BodyKind.commission, seat_count=5)
    db.session.commit()
    sample = (Path(__file__).resolve().parent.parent / "docs" / "sample-members.csv").read_bytes()
    login_as(Role.clerk)
    response = client.post(
        "/staff/import/members", data={"file": (io.BytesIO(sample), "members.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    token = response.headers["Location"].rsplit("/", 1)[1]
    assert storage().get(f"imports/{token}") == sample  # every app server can read it for the preview
    assert client.get(f"/staff/import/members/{token}").status_code == 200
    assert app.test_cli_runner().invoke(args=["storage", "gc", "--older-than", "0"]).exit_code == 0
    assert storage().exists(f"imports/{token}")  # not gc's to remove
    applied = client.post(f"/staff/import/members/{token}", data={})
    assert applied.status_code == 200, applied.get_data(as_text=True)
    assert db.session.query(Member).count() > 0
    assert not storage().exists(f"imports/{token}")  # removed once imported


def test_a_filed_form_8b_downloads_under_its_name(app, backend):
    from app.core.uploads import send_download, validate_and_store

    with app.test_request_context():
        stored = validate_and_store("form8b.pdf", io.BytesIO(PDF))
        response = send_download(stored.stored_name, "form8b.pdf")
        response.direct_passthrough = False
        assert response.status_code == 200 and response.get_data() == PDF
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"] == "attachment; filename=form8b.pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        response.close()


LONG_PDF = b"%PDF-1.4\n%" + b"0123456789" * 30 + b"\n%%EOF\n"


def test_a_document_is_sent_in_pieces_with_the_same_headers_on_both_backends(app, backend, open_meeting, db):
    """A browser reads a long PDF or a video by ranges: from a local file (send_file) and from S3 (boto3's Range,
    so only the piece is fetched), with the headers of the whole file."""
    from app.meetings import documents

    meeting = open_meeting()
    db.session.commit()
    attachment = documents.add_attachment(
        meeting.items[0], filename="Long report.pdf", stream=io.BytesIO(LONG_PDF), amendment_reason="Late", actor=None
    )
    db.session.commit()
    url = f"/meetings/{meeting.id}/documents/{attachment.id}/x"
    size = len(LONG_PDF)
    client = app.test_client()

    whole = client.get(url)
    assert whole.status_code == 200 and whole.data == LONG_PDF
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.headers["Content-Length"] == str(size)
    etag = whole.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    for asked, (start, stop) in {
        "bytes=0-99": (0, 100),
        "bytes=100-": (100, size),
        "bytes=-10": (size - 10, size),
    }.items():
        piece = client.get(url, headers={"Range": asked})
        assert piece.status_code == 206, asked
        assert piece.data == LONG_PDF[start:stop]
        assert piece.headers["Content-Range"] == f"bytes {start}-{stop - 1}/{size}"
        assert piece.headers["Content-Length"] == str(stop - start)
        assert piece.mimetype == "application/pdf"
        assert piece.headers["Content-Disposition"] == whole.headers["Content-Disposition"]
        assert piece.headers["Content-Disposition"].startswith("inline;")
        assert piece.headers["X-Content-Type-Options"] == "nosniff"
        assert piece.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert piece.headers["ETag"] == etag

    # If-Range: a piece while the client's copy is the stored file, else the whole file.
    assert client.get(url, headers={"Range": "bytes=0-99", "If-Range": etag}).status_code == 206
    changed = client.get(url, headers={"Range": "bytes=0-99", "If-Range": '"another-version"'})
    assert changed.status_code == 200 and changed.data == LONG_PDF

    outside = client.get(url, headers={"Range": f"bytes={size + 10}-"})
    assert outside.status_code == 416
    assert outside.headers["Content-Range"] == f"bytes */{size}"


@pytest.mark.parametrize("backend", ["s3"], indirect=True)  # a local file is sent by send_file, from the file
def test_only_the_piece_asked_for_is_fetched_from_s3(app, backend, monkeypatch):
    from app.core.uploads import send_stored

    storage().put("b" * 32, LONG_PDF, "application/pdf")
    asked = []
    client = storage().client
    get_object = client.get_object

    def spy(**kwargs):
        asked.append(kwargs.get("Range"))
        return get_object(**kwargs)

    monkeypatch.setattr(client, "get_object", spy)

    class Document:
        stored_name = "b" * 32
        content_type = "application/pdf"
        original_filename = "long.pdf"

    with app.test_request_context(headers={"Range": "bytes=0-99"}):
        response = send_stored(Document())
        response.direct_passthrough = False
        assert response.status_code == 206 and response.get_data() == LONG_PDF[:100]
        response.close()
    assert asked == ["bytes=0-99"]
