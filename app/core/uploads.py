"""Uploaded documents: checked by content (not by name), stored outside the web root under random names."""

import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import gettext as _

from app.core.errors import DomainError

#: Content type by detected kind, and the extensions a file of that kind may carry.
KINDS = {
    "pdf": ("application/pdf", {".pdf"}),
    "png": ("image/png", {".png"}),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", {".docx"}),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}),
}


@dataclass
class StoredFile:
    original_filename: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


def kind_label(content_type: str) -> str:
    """ "PDF", "DOCX"...: every document link says what it is and how big (R14)."""
    return next((kind.upper() for kind, (ct, _extensions) in KINDS.items() if ct == content_type), content_type)


def sniff(data: bytes) -> str | None:
    """The kind of document ``data`` is, judged by its bytes, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
    return None


def check_filename(filename: str | None) -> str:
    name = (filename or "").strip()
    if not name:
        raise DomainError(_("Choose a file to upload."), field="file")
    if "/" in name or "\\" in name or ".." in name or any(ord(c) < 32 for c in name) or name.startswith("."):
        raise DomainError(
            _("The file name may not contain folders, “..” or control characters. Rename the file and try again."),
            field="file",
        )
    if len(name) > 200:
        raise DomainError(_("The file name is too long (200 characters at most)."), field="file")
    return name


def validate_and_store(filename: str | None, stream) -> StoredFile:
    """Check the upload and write it; nothing is written when any check fails."""
    name = check_filename(filename)
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    data = stream.read(limit + 1)
    if not data:
        raise DomainError(_("The file is empty."), field="file")
    if len(data) > limit:
        raise DomainError(_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)), field="file")
    kind = sniff(data)
    if kind is None:
        raise DomainError(
            _("Only PDF, Word (.docx), Excel (.xlsx), PNG and JPEG files can be attached; this file is none of those."),
            field="file",
        )
    content_type, extensions = KINDS[kind]
    suffix = Path(name).suffix.lower()
    if suffix not in extensions:
        raise DomainError(
            _(
                "The file's content is %(kind)s but its name ends in “%(suffix)s”. Rename it and try again.",
                kind=kind.upper(),
                suffix=suffix or _("(nothing)"),
            ),
            field="file",
        )
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    (folder / stored_name).write_bytes(data)
    return StoredFile(name, stored_name, content_type, len(data), hashlib.sha256(data).hexdigest())


def stored_path(stored_name: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / stored_name


def send_stored(document):
    """Serve a stored document (anything with stored_name, content_type, original_filename) under its original
    name, with the type detected at upload, never inline HTML."""
    path = stored_path(document.stored_name)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=document.content_type,
        as_attachment=document.content_type not in {"application/pdf", "image/png", "image/jpeg"},
        download_name=document.original_filename,
        max_age=3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
