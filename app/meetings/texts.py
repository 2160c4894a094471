"""The text of an uploaded document, extracted once on upload so that search can find what it says.

PDF through pypdf, page by page; Word (.docx) from its document XML; plain text as UTF-8 (or Windows-1252).
The result is capped (``MAX_TEXT_CHARS``) and extraction stops after ``MAX_SECONDS``. Extraction never fails an
upload: a file whose text cannot be read (a scan, a damaged or encrypted PDF) is stored with no text, and logged.
"""

import io
import logging
import re
import time
import zipfile

from app.core.storage import storage

log = logging.getLogger(__name__)

#: At most this much text is kept for one file (about 1 MB).
MAX_TEXT_CHARS = 1_000_000
#: Extraction of one file stops after this long; what was read so far is kept.
MAX_SECONDS = 20.0

_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def _tidy(text: str) -> str:
    text = text.replace("\x00", " ")
    return _BLANK_LINES.sub("\n\n", _SPACES.sub(" ", text)).strip()[:MAX_TEXT_CHARS]


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")
    parts, size, started = [], 0, time.monotonic()
    for page in reader.pages:
        piece = page.extract_text() or ""
        parts.append(piece)
        size += len(piece)
        if size >= MAX_TEXT_CHARS or time.monotonic() - started > MAX_SECONDS:
            break
    return "\n".join(parts)


def _docx(data: bytes) -> str:
    from defusedxml import ElementTree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
        if info.file_size > 50 * MAX_TEXT_CHARS:
            return ""
        root = ElementTree.fromstring(archive.read(info))
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    return "\n".join("".join(t.text or "" for t in p.iter(f"{w}t")) for p in root.iter(f"{w}p"))


def _plain(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


READERS = {
    "application/pdf": _pdf,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _docx,
    "text/plain": _plain,
}


def extract_text(data: bytes, content_type: str) -> str | None:
    """The document's text (tidied, capped), or None when there is none or it cannot be read."""
    reader = READERS.get(content_type)
    if reader is None:
        return None
    try:
        text = _tidy(reader(data))
    except Exception:  # a damaged or unexpected file: the upload stands, only its text is missing
        log.warning("could not extract the text of a %s file", content_type, exc_info=True)
        return None
    return text or None


def stored_text(stored) -> str | None:
    """The text of a file just stored (``app.core.uploads.StoredFile``); None when unreadable, never an error."""
    if stored.content_type not in READERS:
        return None
    try:
        data = storage().get(stored.stored_name)
    except Exception:
        log.warning("could not read %s back for its text", stored.stored_name, exc_info=True)
        return None
    return extract_text(data, stored.content_type)
