"""Text recognition (OCR) of a scanned attachment, as a worker job (R14).

Where ``ocrmypdf`` is installed (``OCRMYPDF_COMMAND``, default "ocrmypdf", found on PATH), the clerk can have a
PDF whose pages are only pictures run through it. The job writes an invisible text layer over each scanned page,
sets the document's language (the record language) and title, and stores the result as the attachment's
*accessible copy*, next to the original: the original stays the record, its file and SHA-256 untouched. The copy
is checked like any upload, and what it still lacks is shown (OCR gives text, not tags). Where ``ocrmypdf`` is
missing the button is absent and the page says OCR is not available on this server.
"""

import io
import secrets
import shutil
import subprocess
import tempfile
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.core import audit, jobs
from app.core.errors import DomainError
from app.core.record import record_language
from app.core.storage import put_in_transaction, storage
from app.core.timeutil import utcnow
from app.extensions import db
from app.meetings.accessibility import PDF, check_pdf
from app.meetings.models import Attachment

#: Tesseract's names for the record languages; English is the fallback where a language's data is missing.
TESSERACT_LANGUAGES = {"en": "eng", "es": "spa"}


def command() -> str | None:
    """The ocrmypdf program's path, or None where it is not installed."""
    return shutil.which(current_app.config.get("OCRMYPDF_COMMAND", "ocrmypdf"))


def available() -> bool:
    return command() is not None


@lru_cache(maxsize=4)
def _installed_languages(tesseract: str | None) -> frozenset[str]:
    if not tesseract:
        return frozenset()
    try:
        listed = subprocess.run(  # noqa: S603 (a fixed argument list: no shell, nothing from a user)
            [tesseract, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.strip() for line in listed.stdout.splitlines()[1:] if line.strip())


def ocr_languages(language: str) -> str:
    """ "spa+eng" for a Spanish record where Spanish data is installed; "eng" otherwise."""
    installed = _installed_languages(shutil.which("tesseract"))
    wanted = TESSERACT_LANGUAGES.get(language.split("_")[0], "eng")
    return f"{wanted}+eng" if wanted != "eng" and wanted in installed else "eng"


def request_ocr(attachment: Attachment, *, actor) -> Attachment:
    """Queue OCR of a scanned PDF; the job runs once this transaction commits."""
    if not available():
        raise DomainError(_("Text recognition (OCR) is not available on this server."))
    if attachment.content_type != PDF or not attachment.is_image_only:
        raise DomainError(_("Only a PDF with scanned pages (pages with no text) can be run through OCR."))
    if attachment.ocr_state in ("queued", "done"):
        raise DomainError(
            _("This document already has an accessible copy.")
            if attachment.ocr_state == "done"
            else _("OCR of this document is already queued.")
        )
    attachment.ocr_requested_at = utcnow()
    attachment.ocr_error = None
    db.session.flush()
    audit.record("attachment.ocr_requested", attachment, f"OCR asked for '{attachment.original_filename}'", actor=actor)
    jobs.after_commit("app.meetings.ocr.run_ocr", attachment.id)
    return attachment


def run_ocr(attachment_id: int) -> None:
    """The job: OCR the original, store the copy, check it. A failure is written on the attachment."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.ocr_state != "queued":
        return  # gone, done already, or failed and not asked again
    try:
        copy = make_accessible_copy(storage().get(attachment.stored_name), title=_title(attachment))
    except OcrFailed as exc:
        attachment.ocr_error = str(exc)[:500]
        audit.record("attachment.ocr_failed", attachment, f"OCR failed: {attachment.ocr_error}", actor_label="worker")
        db.session.commit()
        return
    except FileNotFoundError:
        attachment.ocr_error = "The original file is missing from the storage."
        db.session.commit()
        return
    import hashlib

    stored_name = secrets.token_hex(16)
    put_in_transaction(stored_name, copy, PDF)
    attachment.accessible_stored_name = stored_name
    attachment.accessible_sha256 = hashlib.sha256(copy).hexdigest()
    attachment.accessible_size = len(copy)
    attachment.accessible_issues = [issue.value for issue in check_pdf(copy)]
    audit.record(
        "attachment.ocr_done",
        attachment,
        f"Accessible copy of '{attachment.original_filename}' made by OCR; the original is unchanged",
        actor_label="worker",
        data={"original_sha256": attachment.sha256, "copy_sha256": attachment.accessible_sha256},
    )
    db.session.commit()


#: How long past its timeout a requested run may still be on its way (waiting in the queue) before it is given up.
STALL_GRACE_SECONDS = 300


@jobs.on_tick
def give_up_stalled_runs() -> int:
    """A run that never finished (its worker was killed, Redis lost the job) would show "queued" forever: once
    well past the timeout it is marked failed, so the clerk sees it and can ask again. Returns how many."""
    timeout = current_app.config.get("OCR_TIMEOUT_SECONDS", 600)
    before = utcnow() - timedelta(seconds=timeout + STALL_GRACE_SECONDS)
    stalled = db.session.scalars(
        select(Attachment).where(
            Attachment.ocr_requested_at < before,
            Attachment.accessible_stored_name.is_(None),
            Attachment.ocr_error.is_(None),
        )
    ).all()
    for attachment in stalled:
        attachment.ocr_error = "The OCR run did not finish (its worker stopped or the job was lost); ask again."
        audit.record("attachment.ocr_failed", attachment, attachment.ocr_error, actor_label="worker")
    db.session.commit()
    return len(stalled)


def _title(attachment: Attachment) -> str:
    return f"{attachment.item.title} ({Path(attachment.original_filename).stem})"


class OcrFailed(Exception):
    """ocrmypdf did not give a file; the message says why (its last line of output)."""


def make_accessible_copy(original: bytes, *, title: str) -> bytes:
    """Run ocrmypdf over ``original`` (pages that already have text are left as they are), then give the result a
    language, a title and a window that shows it."""
    program = command()
    if program is None:
        raise OcrFailed("ocrmypdf is not installed on this server.")
    language = record_language()
    timeout = current_app.config.get("OCR_TIMEOUT_SECONDS", 600)
    with tempfile.TemporaryDirectory(prefix="dais-ocr-") as folder:
        source, target = Path(folder) / "in.pdf", Path(folder) / "out.pdf"
        source.write_bytes(original)
        arguments = [program, "--skip-text", "--output-type", "pdf", "-l", ocr_languages(language)]
        arguments += ["--quiet", str(source), str(target)]  # the title is set afterwards (_label), not on the line
        try:
            # No shell, and nothing typed by a user on the command line: the paths are our own temporary files.
            result = subprocess.run(  # noqa: S603
                arguments, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise OcrFailed(f"OCR took longer than {timeout} seconds and was stopped.") from None
        except OSError as exc:
            raise OcrFailed(f"ocrmypdf could not be started: {exc}") from None
        if result.returncode != 0 or not target.exists():
            lines = [line for line in (result.stderr or result.stdout or "").splitlines() if line.strip()]
            raise OcrFailed(lines[-1] if lines else f"ocrmypdf exited with status {result.returncode}.")
        return _label(target.read_bytes(), title=title, language=language)


def _label(data: bytes, *, title: str, language: str) -> bytes:
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.Root.Lang = pikepdf.String(language.replace("_", "-"))
        pdf.docinfo["/Title"] = title
        preferences = pdf.Root.get("/ViewerPreferences")
        if not isinstance(preferences, pikepdf.Dictionary):
            preferences = pdf.Root.ViewerPreferences = pikepdf.Dictionary()
        preferences.DisplayDocTitle = True
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()
