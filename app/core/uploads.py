"""Uploaded documents: checked by content (not by name), stored outside the web root under random names."""

import hashlib
import io
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from flask import abort, current_app, request, send_file
from flask_babel import gettext as _
from werkzeug.datastructures import ContentRange
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from app.core.errors import DomainError
from app.core.storage import RangeNotSatisfiable, put_in_transaction, storage

#: Content type by detected kind, and the extensions a file of that kind may carry.
KINDS = {
    "pdf": ("application/pdf", {".pdf"}),
    "png": ("image/png", {".png"}),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", {".docx"}),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}),
    "svg": ("image/svg+xml", {".svg"}),
}

#: What a logo may be: a picture, never a document.
IMAGE_KINDS = ("png", "jpeg", "svg")
#: Documents attached to items: never SVG (an SVG is a document that can carry script).
DOCUMENT_KINDS = ("pdf", "png", "jpeg", "docx", "xlsx")


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


#: The start of an SVG file: an optional byte-order mark, XML declaration, comments and white space, then <svg.
SVG_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<svg[\s>]", re.DOTALL)
#: What an SVG may not contain: script, event handlers, embedded HTML, entity declarations (and so any DOCTYPE),
#: and references to anything outside the file (only "#fragment" links are allowed).
SVG_FORBIDDEN = re.compile(
    rb"<\s*script|<\s*foreignObject|<!DOCTYPE|<!ENTITY|\son[a-z]+\s*=|javascript:|@import"
    rb"|href\s*=\s*[\"'](?!#)|url\(\s*[\"']?(?!#)",
    re.IGNORECASE,
)


def is_svg(data: bytes) -> bool:
    return bool(SVG_START.match(data[:4096]))


#: Elements an uploaded drawing may not contain, in any namespace or with any prefix (compared lower-cased).
SVG_FORBIDDEN_ELEMENTS = frozenset(
    {"script", "foreignobject", "iframe", "object", "embed", "handler", "listener", "audio", "video", "image"}
)
#: Animation elements may not change where a link goes or what an event does.
SVG_ANIMATIONS = frozenset({"animate", "set", "animatemotion", "animatetransform", "animatecolor"})
#: After the parser has resolved character references, no value may name a scheme that runs or loads something.
#: (Browsers drop tabs and newlines inside a URL, so values are compared with all white space removed.)
SVG_FORBIDDEN_VALUE = re.compile(r"\b(javascript|vbscript|data):|@import|url\(['\"]?(?!#)", re.IGNORECASE)


def _unspaced(value: str) -> str:
    return re.sub(r"[\s\x00-\x1f]", "", value)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def svg_is_safe(data: bytes) -> bool:
    """A plain drawing: well-formed UTF-8 XML with no DTD or entity, and no element, attribute or value that runs
    script, embeds a page or loads anything from outside the file (only "#fragment" references).

    The file is parsed (defusedxml), so a namespace prefix (<x:script>) or a character reference (jav&#x61;script:)
    hides nothing; the byte pattern is kept as a first, cheap screen."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if SVG_FORBIDDEN.search(data) is not None:
        return False
    try:
        root = defused_fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ElementTree.ParseError, ValueError):
        return False
    if _local(root.tag) != "svg":
        return False
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # a comment or processing instruction: inert
        name = _local(element.tag)
        if name in SVG_FORBIDDEN_ELEMENTS:
            return False
        for attribute, value in element.attrib.items():
            key = _local(attribute)
            if key.startswith("on") or SVG_FORBIDDEN_VALUE.search(_unspaced(value)):
                return False
            if key == "href" and not value.strip().startswith("#"):
                return False
            target = value.rsplit(":", 1)[-1].strip().lower()  # "xlink:href" names the href attribute too
            if name in SVG_ANIMATIONS and key == "attributename" and (target == "href" or target.startswith("on")):
                return False
        if name == "style" and SVG_FORBIDDEN_VALUE.search(_unspaced(element.text or "")):
            return False
    return True


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
    if is_svg(data):
        return "svg"
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
    if kind not in DOCUMENT_KINDS:
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
    return _write(name, data, content_type)


def validate_and_store_image(filename: str | None, stream, *, field: str, max_bytes: int) -> StoredFile:
    """Check an uploaded picture (PNG, JPEG or a plain SVG, at most ``max_bytes``) and write it; nothing is
    written when any check fails. Refusals name ``field``."""
    try:
        name = check_filename(filename)
    except DomainError as exc:
        raise DomainError(exc.message, field=field) from None
    data = stream.read(max_bytes + 1)
    if not data:
        raise DomainError(_("The file is empty."), field=field)
    if len(data) > max_bytes:
        raise DomainError(
            _(
                "The picture is larger than %(mb)s MB. Make it smaller (a logo rarely needs more than 200 KB) "
                "and try again.",
                mb=max(1, max_bytes // (1024 * 1024)),
            ),
            field=field,
        )
    kind = sniff(data)
    if kind not in IMAGE_KINDS:
        raise DomainError(_("Only a PNG, JPEG or SVG picture can be used; this file is none of those."), field=field)
    if kind == "svg" and not svg_is_safe(data):
        raise DomainError(
            _(
                "This SVG contains script, event handlers, embedded pages or links to other files, which a logo "
                "may not have. Export it again as a plain drawing, or use a PNG."
            ),
            field=field,
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
            field=field,
        )
    return _write(name, data, content_type)


def _write(name: str, data: bytes, content_type: str) -> StoredFile:
    """Write a checked upload under a new random name (never one derived from the content: no two rows share a
    file), before the caller's commit; if the transaction rolls back, the file is removed (app.core.storage)."""
    stored_name = secrets.token_hex(16)
    put_in_transaction(stored_name, data, content_type)
    return StoredFile(name, stored_name, content_type, len(data), hashlib.sha256(data).hexdigest())


#: How an SVG is served: no script, no outside loads, not sniffed as anything else.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def _send(stored_name: str | None, *, mimetype: str | None, **options):
    """Send a stored file through the app (never a redirect to the storage), streamed from the backend.

    Byte ranges (a video or a long PDF read piece by piece) work on either backend: a local file is sent by
    send_file, which answers them from the file; from S3 only the bytes asked for are fetched (boto3's Range)."""
    if not stored_name:
        abort(404)
    try:
        opened = storage().open(stored_name, byte_range=_one_range())
        if opened.part is not None and not _if_range_holds(opened):
            opened.stream.close()  # the file changed since the client's copy: the whole of it, not a piece
            opened = storage().open(stored_name)
    except RangeNotSatisfiable as exc:
        raise RequestedRangeNotSatisfiable(length=exc.size) from None
    except (FileNotFoundError, IsADirectoryError, ValueError):
        abort(404)
    if opened.path is not None:  # a local file: sent as before (ranges, etag from the file)
        opened.stream.close()
        return send_file(opened.path, mimetype=mimetype, **options)
    options.setdefault("download_name", stored_name)  # as a local file is sent: "inline; filename=<stored name>"
    response = send_file(
        opened.stream, mimetype=mimetype, last_modified=opened.last_modified, etag=opened.etag or False, **options
    )
    response.accept_ranges = "bytes"
    if response.status_code == 200:
        if opened.part is not None:
            start, stop = opened.part
            response.status_code = 206
            response.content_range = ContentRange("bytes", start, stop, opened.size)
            response.content_length = stop - start
        else:
            response.content_length = opened.size
    return response


def _one_range() -> tuple[int, int | None] | None:
    """The byte range a GET asks for, when it asks for exactly one (several: the whole file, as HTTP allows)."""
    wanted = request.range if request.method == "GET" else None
    if wanted is None or wanted.units != "bytes" or len(wanted.ranges) != 1:
        return None
    return wanted.ranges[0]


def _if_range_holds(opened) -> bool:
    """No If-Range, or it names the stored file as it is (its ETag, or its exact modification time)."""
    if_range = request.if_range
    if request.headers.get("If-Range", "").lstrip().startswith("W/"):
        return False  # a weak validator never allows a piece (RFC 9110, 13.1.5)
    if if_range.etag is not None:
        return opened.etag is not None and if_range.etag == opened.etag
    if if_range.date is not None:
        return opened.last_modified.replace(microsecond=0) == if_range.date
    return "If-Range" not in request.headers


def send_image(stored_name: str, content_type: str, *, max_age: int):
    """Serve a stored picture inline (a logo). An SVG gets a CSP that forbids script and every outside load."""
    response = _send(stored_name, mimetype=content_type, max_age=max_age, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SVG_CSP if content_type == "image/svg+xml" else "default-src 'none'"
    return response


def send_stored(document):
    """Serve a stored document (anything with stored_name, content_type, original_filename) under its original
    name, with the type detected at upload, never inline HTML."""
    response = _send(
        document.stored_name,
        mimetype=document.content_type,
        as_attachment=document.content_type not in {"application/pdf", "image/png", "image/jpeg"},
        download_name=document.original_filename,
        max_age=3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def send_download(stored_name: str, download_name: str):
    """Serve a stored file as a download under ``download_name`` (a filed Form 8B), its type taken from the name."""
    response = _send(stored_name, mimetype=None, as_attachment=True, download_name=download_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
