"""R14: uploaded documents are checked for accessibility on upload, the clerk sees what each lacks and what to do,
a scanned PDF can be OCR'd into a copy stored next to the original, and the archive is checked from the CLI."""

import io

import pikepdf
import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.meetings.accessibility import AccessibilityIssue as I
from app.meetings.accessibility import check_pdf
from app.meetings.models import Attachment
from tests.accessibility_helpers import BROKEN_PDF, PNG, attach, make_pdf, ocrmypdf_or_skip, scanned_pdf

UNTAGGED = [I.untagged, I.no_language, I.no_title, I.title_not_shown]


def _item(meeting):
    return next(i for i in meeting.items if i.title == "Resolution on the 287(g) agreement")


# --- the check itself ------------------------------------------------------------------------------------------


def test_a_tagged_pdf_with_language_and_title_passes():
    assert check_pdf(make_pdf()) == []
    assert check_pdf(make_pdf(title=None, xmp_title="Staff report")) == []  # an XMP dc:title is a title too
    assert check_pdf(make_pdf(pages=("form",))) == []  # text drawn inside a Form XObject is text


def test_a_weasyprint_pdf_ua_document_passes():
    weasyprint = pytest.importorskip("weasyprint", reason="WeasyPrint is not installed: no PDF/UA file to check")
    html = "<html lang='en'><head><title>Agenda</title></head><body><h1>Agenda</h1><p>Call to order.</p></body></html>"
    assert check_pdf(weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")) == []


def test_an_untagged_pdf_is_flagged_with_what_it_lacks():
    assert check_pdf(make_pdf(tagged=False, lang=None, title=None, display_title=False)) == UNTAGGED
    assert check_pdf(make_pdf(tagged=False)) == [I.untagged]
    assert check_pdf(make_pdf(display_title=False)) == [I.title_not_shown]


def test_image_only_and_partly_scanned_pdfs_are_flagged():
    assert check_pdf(make_pdf(pages=("image", "image"))) == [I.image_only]
    assert check_pdf(make_pdf(pages=("text", "image", "blank"))) == [I.scanned_pages]
    assert check_pdf(make_pdf(pages=("text", "blank"))) == []  # a blank page is not a scan


def test_encrypted_and_damaged_files_give_one_clear_finding():
    locked = make_pdf(encryption=pikepdf.Encryption(user="secret", owner="owner"))
    assert check_pdf(locked) == [I.encrypted]
    restricted = make_pdf(encryption=pikepdf.Encryption(user="", owner="owner"))  # opens, but is encrypted
    assert I.encrypted in check_pdf(restricted)
    assert check_pdf(BROKEN_PDF) == [I.unreadable]
    assert check_pdf(b"%PDF-1.7\n" + b"\x00garbage" * 1000) == [I.unreadable]
    assert check_pdf(make_pdf()[:300]) == [I.unreadable]  # cut off mid-file


# --- on upload ---------------------------------------------------------------------------------------------------


def test_findings_are_stored_on_upload_and_every_file_type_says_what_applies(db, open_meeting):
    item = _item(open_meeting())
    tagged = attach(item, make_pdf())
    untagged = attach(item, make_pdf(tagged=False, lang=None, title=None, display_title=False), "old.pdf")
    scan = attach(item, make_pdf(pages=("image",)), "scan.pdf")
    picture = attach(item, PNG, "map.png")
    db.session.commit()
    assert tagged.accessibility == [] and tagged.accessibility_checked_at is not None
    assert untagged.accessibility_issues == UNTAGGED and untagged.may_be_inaccessible
    assert scan.accessibility == ["image_only"] and scan.is_image_only
    assert picture.accessibility == ["needs_description"]


def test_the_clerk_is_told_after_upload_what_is_missing_and_what_to_do(client, login_as, db, open_meeting):
    item = _item(open_meeting())
    login_as(Role.clerk)
    data = {
        "att-file": (io.BytesIO(make_pdf(tagged=False, lang=None)), "untagged.pdf"),
        "att-amendment_reason": "Report arrived late",
    }
    response = client.post(f"/staff/items/{item.id}/attachments", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "“untagged.pdf” attached." in page
    assert "Accessibility check of “untagged.pdf”: Not tagged (no structure for screen readers)" in page
    assert "Document structure tags for accessibility" in page  # the sentence of what to fix
    assert "No document language" in page
    # The item's page keeps saying it, per document, with the fixes.
    page = client.get(f"/staff/items/{item.id}").get_data(as_text=True)
    assert 'id="attachment-' in page and "Not fully accessible:" in page and "Set the document" in page
    # And the meeting's agenda in the workspace shows it in one line.
    page = client.get(f"/staff/meetings/{item.meeting_id}").get_data(as_text=True)
    assert "Accessibility: Not tagged (no structure for screen readers), No document language." in page


@pytest.mark.parametrize(
    "data, message",
    [
        (make_pdf(encryption=pikepdf.Encryption(user="pw", owner="pw2")), "Encrypted or password-protected"),
        (BROKEN_PDF, "Damaged: not a readable PDF"),
    ],
)
def test_encrypted_or_broken_uploads_get_a_clear_message_not_a_500(client, login_as, open_meeting, data, message):
    item = _item(open_meeting())
    login_as(Role.clerk)
    form = {"att-file": (io.BytesIO(data), "locked.pdf"), "att-amendment_reason": "Late"}
    response = client.post(f"/staff/items/{item.id}/attachments", data=form, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "“locked.pdf” attached." in page
    assert message in page


def test_a_clean_pdf_says_the_check_passed(client, login_as, open_meeting):
    item = _item(open_meeting())
    login_as(Role.clerk)
    form = {"att-file": (io.BytesIO(make_pdf()), "good.pdf"), "att-amendment_reason": "Late"}
    page = client.post(f"/staff/items/{item.id}/attachments", data=form, follow_redirects=True).get_data(as_text=True)
    assert "Accessibility check: nothing missing that a machine can find." in page
    assert "Accessibility check passed" in page


def test_a_picture_gets_its_description_from_the_clerk(client, login_as, db, open_meeting):
    meeting = open_meeting()
    picture = attach(_item(meeting), PNG, "map.png")
    word = attach(_item(meeting), _docx(), "memo.docx")
    db.session.commit()
    assert word.accessibility == ["not_checked"]
    login_as(Role.clerk)
    page = client.get(f"/staff/items/{picture.agenda_item_id}").get_data(as_text=True)
    assert "Picture without a text description" in page and 'name="description"' in page
    assert "Word or Excel file: not checked automatically" in page and "Check Accessibility" in page
    response = client.post(
        f"/staff/attachments/{picture.id}/description", data={"description": "Map of the harbor channel."}
    )
    assert response.status_code == 302
    db.session.expire_all()
    picture = db.session.get(Attachment, picture.id)
    assert picture.description == "Map of the harbor channel." and picture.accessibility == []
    public = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Map of the harbor channel." in public
    # A PDF takes no description: refused with a message, no 500.
    pdf = attach(_item(meeting), make_pdf())
    db.session.commit()
    refused = client.post(f"/staff/attachments/{pdf.id}/description", data={"description": "x"}, follow_redirects=True)
    assert "Only a picture takes a description" in refused.get_data(as_text=True)


def _docx() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_agreement_documents_are_checked_too(client, login_as, db):
    from app.legislation.models import Agreement

    agreement = Agreement(title="Mutual aid", counterparty="County", category="Mutual aid agreement")
    db.session.add(agreement)
    db.session.commit()
    login_as(Role.clerk)
    form = {"doc-file": (io.BytesIO(make_pdf(pages=("image",))), "signed.pdf")}
    page = client.post(f"/staff/agreements/{agreement.id}/documents", data=form, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "No text: scanned pages only" in text and "Document added." in text
    db.session.refresh(agreement)
    assert agreement.documents[0].accessibility == ["image_only"]
    public = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "This document may not be fully accessible (No text: scanned pages only)." in public
    assert f"/accessible-copy?agreement_document={agreement.documents[0].id}" in public


# --- the archive -----------------------------------------------------------------------------------------------


def test_flask_documents_check_flags_the_archive(app, db, open_meeting):
    item = _item(open_meeting())
    old = attach(item, make_pdf(tagged=False), "2019-report.pdf")
    good = attach(item, make_pdf(), "good.pdf")
    gone = attach(item, make_pdf(), "gone.pdf")
    for document in (old, good, gone):  # uploaded before the check existed
        document.accessibility = document.accessibility_checked_at = None
    db.session.commit()
    from app.core.storage import storage

    storage().delete(gone.stored_name)
    result = app.test_cli_runner().invoke(args=["documents", "check"])
    assert result.exit_code == 0, result.output
    assert "2019-report.pdf: untagged" in result.output
    assert "2 documents checked, 1 flagged, 1 files missing." in result.output
    db.session.expire_all()
    assert db.session.get(Attachment, old.id).accessibility == ["untagged"]
    assert db.session.get(Attachment, good.id).accessibility == []
    assert db.session.get(Attachment, gone.id).accessibility is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "accessibility.archive_check"))
    assert entry.data == {"checked": 2, "flagged": 1, "missing": 1}
    # Run again: nothing left unchecked but the missing file; --all checks everything again.
    again = app.test_cli_runner().invoke(args=["documents", "check"])
    assert "0 documents checked" in again.output
    assert "2 documents checked" in app.test_cli_runner().invoke(args=["documents", "check", "--all"]).output


# --- OCR -------------------------------------------------------------------------------------------------------


def test_without_ocrmypdf_the_button_is_absent_and_the_page_says_so(app, client, login_as, db, open_meeting):
    app.config["OCRMYPDF_COMMAND"] = "no-such-ocrmypdf"  # as on a server without it
    scan = attach(_item(open_meeting()), make_pdf(pages=("image",)), "scan.pdf")
    db.session.commit()
    login_as(Role.clerk)
    page = client.get(f"/staff/items/{scan.agenda_item_id}").get_data(as_text=True)
    assert "Text recognition (OCR) is not available on this server." in page
    assert f"/staff/attachments/{scan.id}/ocr" not in page
    refused = client.post(f"/staff/attachments/{scan.id}/ocr", follow_redirects=True).get_data(as_text=True)
    assert "Text recognition (OCR) is not available on this server." in refused
    assert db.session.get(Attachment, scan.id).ocr_requested_at is None


def test_ocr_is_only_for_scanned_pdfs(client, login_as, db, open_meeting):
    ocrmypdf_or_skip()
    good = attach(_item(open_meeting()), make_pdf(), "good.pdf")
    db.session.commit()
    login_as(Role.clerk)
    page = client.get(f"/staff/items/{good.agenda_item_id}").get_data(as_text=True)
    assert f"/staff/attachments/{good.id}/ocr" not in page
    refused = client.post(f"/staff/attachments/{good.id}/ocr", follow_redirects=True).get_data(as_text=True)
    assert "Only a PDF with scanned pages" in refused


def test_ocr_makes_a_text_copy_next_to_the_original(client, login_as, db, open_meeting):
    ocrmypdf_or_skip()
    import pypdf

    meeting = open_meeting()
    original = scanned_pdf()
    scan = attach(_item(meeting), original, "scan.pdf")
    db.session.commit()
    sha256, stored_name = scan.sha256, scan.stored_name
    login_as(Role.clerk)
    page = client.get(f"/staff/items/{scan.agenda_item_id}").get_data(as_text=True)
    assert f"/staff/attachments/{scan.id}/ocr" in page
    response = client.post(f"/staff/attachments/{scan.id}/ocr", follow_redirects=True)
    assert "Text recognition (OCR) queued." in response.get_data(as_text=True)
    db.session.expire_all()
    scan = db.session.get(Attachment, scan.id)  # the job ran once the request committed (eager jobs)
    assert scan.ocr_state == "done", scan.ocr_error
    assert (scan.sha256, scan.stored_name) == (sha256, stored_name)  # the original stays the record
    assert scan.accessibility == ["untagged", "no_language", "no_title", "title_not_shown", "image_only"]
    copy = client.get(f"/staff/attachments/{scan.id}/accessible")
    assert copy.status_code == 200 and copy.mimetype == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(copy.data)).pages[0].extract_text().upper()
    assert "HARBOR DREDGING" in text
    assert scan.accessible_issues == ["untagged"]  # text, language and a shown title now; tags need a person
    assert client.get(f"/staff/attachments/{scan.id}").data == original
    public = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    link = f"/meetings/{meeting.id}/documents/{scan.id}/accessible/scan-ocr.pdf"
    assert link in public and "Copy with recognized text" in public
    assert client.get(link).data == copy.data
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == scan.id)).all()
    assert "attachment.ocr_requested" in actions and "attachment.ocr_done" in actions
    # Asked again: refused, the copy is there.
    again = client.post(f"/staff/attachments/{scan.id}/ocr", follow_redirects=True).get_data(as_text=True)
    assert "already has an accessible copy" in again


def test_a_failed_ocr_run_is_shown_and_can_be_retried(app, db, open_meeting, tmp_path):
    from app.meetings import ocr

    fake = tmp_path / "ocrmypdf"
    fake.write_text("#!/bin/sh\necho 'PriorOcrFoundError: page already has text' >&2\nexit 6\n")
    fake.chmod(0o755)
    app.config["OCRMYPDF_COMMAND"] = str(fake)
    scan = attach(_item(open_meeting()), make_pdf(pages=("image",)), "scan.pdf")
    ocr.request_ocr(scan, actor=None)
    db.session.commit()  # the job runs now (eager) and fails
    db.session.expire_all()
    scan = db.session.get(Attachment, scan.id)
    assert scan.ocr_state == "failed" and "PriorOcrFoundError" in scan.ocr_error
    assert scan.accessible_stored_name is None
    ocr.request_ocr(scan, actor=None)  # a failed run may be asked again
    assert scan.ocr_state == "queued"


def test_a_run_that_never_finished_is_given_up_by_the_workers_tick(app, db, open_meeting, clock, tmp_path):
    from app.core import jobs
    from app.meetings import ocr

    assert ocr.give_up_stalled_runs in jobs._ticks  # every worker runs it
    fake = tmp_path / "ocrmypdf"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    app.config.update(OCRMYPDF_COMMAND=str(fake), JOBS_BACKEND="none")  # the job is lost: nothing runs it
    scan = attach(_item(open_meeting()), make_pdf(pages=("image",)), "scan.pdf")
    ocr.request_ocr(scan, actor=None)
    db.session.commit()
    assert ocr.give_up_stalled_runs() == 0 and scan.ocr_state == "queued"  # still within its time
    clock.advance(seconds=app.config.get("OCR_TIMEOUT_SECONDS", 600) + ocr.STALL_GRACE_SECONDS + 1)
    assert ocr.give_up_stalled_runs() == 1
    db.session.refresh(scan)
    assert scan.ocr_state == "failed" and "did not finish" in scan.ocr_error
