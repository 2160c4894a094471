"""Uploaded documents checked for accessibility on upload (R14: WCAG 2.1 AA for published documents).

A PDF is opened with pikepdf and checked for what a machine can tell: whether it is tagged (``/MarkInfo
/Marked true`` and a ``/StructTreeRoot``: the structure a screen reader follows), its language (``/Lang``), a
title (document info or XMP ``dc:title``) shown in the window (``/ViewerPreferences /DisplayDocTitle``), and
whether any page has text at all (a scan is pictures of text: a screen reader finds nothing). An encrypted or
damaged file is said to be so. A picture needs a text alternative, which the clerk writes on the attachment; a
Word or Excel file is not checked here (the clerk is told to use the office program's own checker).

The findings are stored on the document (``AccessibilityChecked``): the codes of ``AccessibilityIssue``, an
empty list when nothing was found, NULL when the document was never checked (``flask documents check`` checks
the archive). A clean result does not prove a document accessible (reading order, alt text and contrast need a
person); a flagged one is certainly not, and the public page says so beside it, with a link to ask for an
accessible copy.
"""

import logging
from datetime import datetime
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow

log = logging.getLogger(__name__)

PDF = "application/pdf"
IMAGES = frozenset({"image/png", "image/jpeg"})
#: Text-showing operators (PDF 32000-1, 9.4.3), and what paints a picture: a named XObject or an inline image.
TEXT_OPERATORS = frozenset({"Tj", "TJ", "'", '"'})
SCANNED_OPERATORS = "Tj TJ ' \" Do BI ID EI"
#: Form XObjects may nest; a file that nests them deeper than this is not worth following.
MAX_FORM_DEPTH = 8


class AccessibilityIssue(LabeledEnum):
    encrypted = "encrypted", _l("Encrypted or password-protected")
    unreadable = "unreadable", _l("Damaged: not a readable PDF")
    untagged = "untagged", _l("Not tagged (no structure for screen readers)")
    no_language = "no_language", _l("No document language")
    no_title = "no_title", _l("No title")
    title_not_shown = "title_not_shown", _l("Title not shown (the file name is shown instead)")
    image_only = "image_only", _l("No text: scanned pages only")
    scanned_pages = "scanned_pages", _l("Some pages are scanned, with no text")
    needs_description = "needs_description", _l("Picture without a text description")
    not_checked = "not_checked", _l("Word or Excel file: not checked automatically")

    @property
    def fix(self):
        """One sentence on what to do about it, for the clerk."""
        return FIXES[self]


FIXES = {
    AccessibilityIssue.encrypted: _l(
        "Remove the password and encryption, then attach the file again: screen readers and this check cannot read it."
    ),
    AccessibilityIssue.unreadable: _l(
        "Open the original document, save or export it to PDF again, and attach the new file."
    ),
    AccessibilityIssue.untagged: _l(
        "Export it again with tags switched on (Word: Save as PDF, Options, “Document structure tags for "
        "accessibility”), so that headings, lists and the reading order reach a screen reader."
    ),
    AccessibilityIssue.no_language: _l(
        "Set the document's language (Acrobat: File, Properties, Advanced, Language), or export it again from a "
        "document whose language is set."
    ),
    AccessibilityIssue.no_title: _l(
        "Give the document a title (File, Properties, Title) before exporting: it is what a reader hears first."
    ),
    AccessibilityIssue.title_not_shown: _l(
        "Set the window to show the document title (Acrobat: File, Properties, Initial View, Show: Document Title)."
    ),
    AccessibilityIssue.image_only: _l(
        "Attach the original document exported to PDF instead of a scan, or run text recognition (OCR) on it."
    ),
    AccessibilityIssue.scanned_pages: _l(
        "Replace the scanned pages with text exported from the original, or run text recognition (OCR) on them."
    ),
    AccessibilityIssue.needs_description: _l(
        "Write a description of what the picture shows, for people who cannot see it."
    ),
    AccessibilityIssue.not_checked: _l(
        "Run the office program's accessibility checker (Review, Check Accessibility) before attaching, or "
        "attach a tagged PDF instead."
    ),
}


def issues_from(codes) -> list[AccessibilityIssue]:
    """The stored codes as issues, in the enum's order; a code this version does not know is left out."""
    known = set(codes or ())
    return [issue for issue in AccessibilityIssue if issue.value in known]


class AccessibilityChecked:
    """Columns of an uploaded document that says what its accessibility check found."""

    #: Codes of AccessibilityIssue found by the last check; [] when it found nothing; NULL: never checked.
    accessibility: Mapped[list[str] | None] = mapped_column(JSON)
    accessibility_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def accessibility_issues(self) -> list[AccessibilityIssue]:
        return issues_from(self.accessibility)

    @property
    def may_be_inaccessible(self) -> bool:
        """What the public page says beside the link: the check found something (an unchecked file says nothing)."""
        return bool(self.accessibility)


class AttachmentAccessibility(AccessibilityChecked):
    """An agenda attachment's check, its text alternative, and the OCR'd copy made from it (app.meetings.ocr).

    The original stays the record (its SHA-256 unchanged); the copy is a convenience stored next to it."""

    #: The clerk's description of a picture: its text alternative, shown with the link.
    description: Mapped[str | None] = mapped_column(Text)
    #: The OCR'd copy: random name in the storage (kept by the storage's garbage collection: it ends in
    #: "_stored_name"), its fingerprint and size, and what its own check found.
    accessible_stored_name: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    accessible_sha256: Mapped[str | None] = mapped_column(String(64))
    accessible_size: Mapped[int | None] = mapped_column(Integer)
    accessible_issues: Mapped[list[str] | None] = mapped_column(JSON)
    #: When the clerk asked for OCR; kept after success or failure (the page says which happened). Indexed for the
    #: workers' tick that gives up runs that never finished (app.meetings.ocr.give_up_stalled_runs).
    ocr_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    #: Why the last OCR run failed, in the record language; NULL when it did not fail.
    ocr_error: Mapped[str | None] = mapped_column(String(500))

    @property
    def ocr_state(self) -> str | None:
        """ "done", "failed", "queued" or None (never asked)."""
        if self.accessible_stored_name:
            return "done"
        if self.ocr_error:
            return "failed"
        return "queued" if self.ocr_requested_at else None

    @property
    def accessible_copy(self) -> SimpleNamespace | None:
        """The OCR'd copy as send_stored serves it: "report-ocr.pdf"."""
        if not self.accessible_stored_name:
            return None
        stem = self.original_filename.rsplit(".", 1)[0]
        return SimpleNamespace(
            stored_name=self.accessible_stored_name,
            content_type=PDF,
            original_filename=f"{stem}-ocr.pdf",
            size=self.accessible_size or 0,
        )

    @property
    def accessible_copy_issues(self) -> list[AccessibilityIssue]:
        return issues_from(self.accessible_issues)

    @property
    def is_image_only(self) -> bool:
        codes = set(self.accessibility or ())
        return bool(codes & {AccessibilityIssue.image_only.value, AccessibilityIssue.scanned_pages.value})


# --- the check ---------------------------------------------------------------------------------------------


def check_file(content_type: str, data: bytes, *, described: bool = False) -> list[AccessibilityIssue]:
    """What is missing from an uploaded file, by its detected type. Never raises."""
    if content_type == PDF:
        return check_pdf(data)
    if content_type in IMAGES:
        return [] if described else [AccessibilityIssue.needs_description]
    return [AccessibilityIssue.not_checked]


def check_pdf(data: bytes) -> list[AccessibilityIssue]:
    """Check a PDF's bytes. An encrypted or damaged file gives that one finding; nothing here raises."""
    import pikepdf

    try:
        with pikepdf.open(_stream(data)) as pdf:
            return _check_open_pdf(pdf)
    except pikepdf.PasswordError:
        return [AccessibilityIssue.encrypted]
    except Exception:  # noqa: BLE001 (a damaged or hostile file must give a finding, never a 500)
        log.info("PDF could not be read for the accessibility check", exc_info=True)
        return [AccessibilityIssue.unreadable]


def _stream(data: bytes):
    import io

    return io.BytesIO(data)


def _check_open_pdf(pdf) -> list[AccessibilityIssue]:
    import pikepdf

    root = pdf.Root
    found = []
    if pdf.is_encrypted:
        found.append(AccessibilityIssue.encrypted)
    mark_info = root.get("/MarkInfo")
    marked = isinstance(mark_info, pikepdf.Dictionary) and bool(mark_info.get("/Marked", False))
    if not (marked and "/StructTreeRoot" in root):
        found.append(AccessibilityIssue.untagged)
    if not _text(root.get("/Lang")):
        found.append(AccessibilityIssue.no_language)
    if not _title(pdf):
        found.append(AccessibilityIssue.no_title)
    preferences = root.get("/ViewerPreferences")
    if not (isinstance(preferences, pikepdf.Dictionary) and bool(preferences.get("/DisplayDocTitle", False))):
        found.append(AccessibilityIssue.title_not_shown)
    with_text, scanned = _pages_with_text(pdf)
    if not with_text:
        found.append(AccessibilityIssue.image_only)
    elif scanned:
        found.append(AccessibilityIssue.scanned_pages)
    return found


def _text(value) -> str:
    try:
        return str(value).strip() if value is not None else ""
    except Exception:  # noqa: BLE001 (not a string object: no value)
        return ""


def _title(pdf) -> str:
    title = _text(pdf.docinfo.get("/Title")) if pdf.trailer.get("/Info") is not None else ""
    if title:
        return title
    try:
        metadata = pdf.open_metadata()
        return _text(metadata.get("dc:title"))
    except Exception:  # noqa: BLE001 (damaged XMP: no title from it)
        return ""


def _pages_with_text(pdf) -> tuple[int, int]:
    """(pages that show text, pages that paint only pictures). Blank pages count as neither."""
    with_text = scanned = 0
    for page in pdf.pages:
        has_text, has_image = _paints(page.obj, page.obj.get("/Resources"), 0, set())
        if has_text:
            with_text += 1
        elif has_image:
            scanned += 1
    return with_text, scanned


def _paints(content_owner, resources, depth: int, seen: set) -> tuple[bool, bool]:
    """(shows text, paints a picture) for a page or a Form XObject, following the forms it draws."""
    import pikepdf

    has_image = False
    for instruction in pikepdf.parse_content_stream(content_owner, SCANNED_OPERATORS):
        operator = str(instruction.operator)
        if operator in TEXT_OPERATORS:
            return True, has_image
        if operator in ("BI", "INLINE IMAGE"):
            has_image = True
        elif operator == "Do" and instruction.operands:
            xobject = _xobject(resources, instruction.operands[0])
            if xobject is None:
                continue
            subtype = xobject.get("/Subtype")
            if subtype == pikepdf.Name.Image:
                has_image = True
            elif subtype == pikepdf.Name.Form and depth < MAX_FORM_DEPTH and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                text, image = _paints(xobject, xobject.get("/Resources", resources), depth + 1, seen)
                if text:
                    return True, has_image or image
                has_image = has_image or image
    return False, has_image


def _xobject(resources, name):
    import pikepdf

    if not isinstance(resources, pikepdf.Dictionary):
        return None
    xobjects = resources.get("/XObject")
    if not isinstance(xobjects, pikepdf.Dictionary):
        return None
    found = xobjects.get(str(name))
    return found if isinstance(found, pikepdf.Stream) else None


# --- recording it --------------------------------------------------------------------------------------------


def record(document, issues: list[AccessibilityIssue], *, now: datetime | None = None) -> list[AccessibilityIssue]:
    """Store the findings on the document (an Attachment or AgreementDocument); the caller flushes."""
    document.accessibility = [issue.value for issue in issues]
    document.accessibility_checked_at = now or utcnow()
    return issues


def check_stored(document) -> list[AccessibilityIssue]:
    """Check a stored document's file and record what was found. FileNotFoundError when the file is gone."""
    from app.core.storage import storage

    data = storage().get(document.stored_name)
    described = bool((getattr(document, "description", None) or "").strip())
    return record(document, check_file(document.content_type, data, described=described))


def describe(issues) -> str:
    """ "No title, No document language": the findings in one line, in the reader's language."""
    return ", ".join(str(issue.label) for issue in issues)


DESCRIPTION_MAX = 2000


def describe_attachment(attachment, text: str | None, *, actor):
    """The clerk's text alternative for a picture (WCAG 1.1.1); an empty text takes it away again."""
    from flask_babel import gettext as _

    from app.core import audit
    from app.core.errors import DomainError
    from app.core.text import clean_text

    if attachment.content_type not in IMAGES:
        raise DomainError(_("Only a picture takes a description; a document carries its own text."))
    text = clean_text(text or "", multiline=True).strip()
    if len(text) > DESCRIPTION_MAX:
        raise DomainError(_("Keep it under %(max)d characters.", max=DESCRIPTION_MAX), field="description")
    attachment.description = text or None
    record(attachment, check_file(attachment.content_type, b"", described=bool(text)))
    audit.record(
        "attachment.described",
        attachment,
        f"Description of '{attachment.original_filename}' {'set' if text else 'removed'}",
        actor=actor,
        data={"description": text},
    )
    return attachment
