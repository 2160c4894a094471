"""Every generated PDF has a stable URL, an ETag known without building it, and one cached copy per version.

The ETag is the SHA-256 of a small canonical JSON of what the document shows (the ``*_data`` of
app/documents/meetings.py and resolutions.py: plain values read from the record), the letterhead, the language,
the city's time zone, the site's address (links are absolute) and the templates, stylesheet and translations
(``render.sources_digest``). Reading that data costs a few queries; building the PDF costs WeasyPrint's tenths
of a second, so a conditional request (``If-None-Match``) is answered with a 304 before anything is built, and
a request for an unchanged document reads the copy kept in the storage layer under
``documents/<kind>/<id>-<etag>.pdf``. A change to the record gives new data, so a new ETag and a new key: the
first request after it builds the new version and removes the older ones of the same document.

Concurrency: two requests (threads or processes) may build the same version at once. WeasyPrint's output is
deterministic (same data, same bytes), each request serves the bytes it built, a failed write to storage is
logged and not fatal, and a kept copy is only served when it reads as a whole PDF (otherwise it is rebuilt):
so neither request fails and no reader gets half a file. Within one process a lock per key makes the second
request wait for the first and read its copy instead of building again.
"""

import enum
import hashlib
import json
import logging
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from app.core.record import record_language
from app.core.storage import storage
from app.core.timeutil import city_zone_name
from app.documents.render import letterhead, link_base, sources_digest

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/pdf"
_LOCKS = [threading.Lock() for _ in range(64)]


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)  # lazy strings, Markup


def compute_etag(kind: str, record_id: int, data: dict, lang: str | None = None) -> str:
    """The document's version: a hash of everything it shows, and of the templates that show it."""
    lang = lang or record_language()
    payload = {
        "kind": kind,
        "id": record_id,
        "template": sources_digest(lang),
        "lang": lang,
        "zone": city_zone_name(),  # the data holds UTC times; the PDF shows them in the city's zone
        # Links in a PDF are absolute: a copy built for one address of the site is not served for another.
        "base": link_base(),
        "letterhead": letterhead(lang).as_data(),
        "data": data,
    }
    canonical = json.dumps(payload, sort_keys=True, default=_plain, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


@dataclass
class Document:
    """One version of one generated document: what it is, its ETag, and how to build it."""

    kind: str
    record_id: int
    etag: str
    filename: str
    build: Callable[[], bytes]

    @property
    def key(self) -> str:
        return storage_key(self.kind, self.record_id, self.etag)


def storage_key(kind: str, record_id: int, etag: str) -> str:
    return f"documents/{kind}/{record_id}-{etag}.pdf"


def _whole_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]


def _read(key: str) -> bytes | None:
    try:
        data = storage().get(key)
    except FileNotFoundError:
        return None
    except Exception as error:  # the storage is only a cache here: S3 down or a bad disk must not stop a PDF
        log.warning("documents: cannot read %s (%s); building it again", key, error)
        return None
    if not _whole_pdf(data):
        log.warning("documents: %s is not a whole PDF (a write in progress?); building it again", key)
        return None
    return data


def _write(document: Document, pdf: bytes) -> None:
    store = storage()
    try:
        store.put(document.key, pdf, CONTENT_TYPE)
    except Exception as error:  # another process writing the same file, a full disk, S3 down: serve it anyway
        log.warning("documents: cannot keep %s (%s)", document.key, error)
        return
    prefix = f"documents/{document.kind}/{document.record_id}-"
    try:
        stale = [o.key for o in store.list(prefix) if o.key != document.key]
        for key in stale:
            store.delete(key)
    except Exception as error:
        log.warning("documents: cannot remove older copies of %s (%s)", document.key, error)


def pdf_bytes(document: Document) -> bytes:
    """The document's PDF: the kept copy of this version, or built now (once per process at a time) and kept."""
    cached = _read(document.key)
    if cached is not None:
        return cached
    with _LOCKS[zlib.crc32(document.key.encode()) % len(_LOCKS)]:
        cached = _read(document.key)  # built by another thread while this one waited
        if cached is not None:
            return cached
        pdf = document.build()
        _write(document, pdf)
        return pdf


def forget(kind: str, record_id: int) -> None:
    """Remove every kept version of a document (nothing needs it: the next request builds the current one)."""
    store = storage()
    for stored in list(store.list(f"documents/{kind}/{record_id}-")):
        store.delete(stored.key)
