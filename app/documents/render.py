"""HTML to PDF: every generated document goes through ``render_pdf``.

A document is a Jinja template under ``templates/documents/`` extending ``documents/base.html``, rendered in the
record's language (``lang``) and turned into a tagged PDF/UA-1 file by WeasyPrint: the structure tags come from
the HTML (headings, lists, tables, figures), ``/Lang`` from ``<html lang>``, the document title from ``<title>``
(shown as the window title: DisplayDocTitle), the logo's alternative text from its ``alt``. The first page carries
the city's letterhead; every page the city, a short title and "Page N of M" in the record's language (CSS counters
in the page margins, which WeasyPrint keeps out of the structure tree, as artifacts).

Nothing is fetched while rendering: the logo is read from the storage layer and inlined as a ``data:`` URI, the
stylesheet is read from ``static/css/document.css``, and the fetcher refuses every other URL, so a link in a
record's text can never make the server fetch anything.
"""

import base64
import functools
import hashlib
import re
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.city.services import current_city
from app.core.record import record_language
from app.core.storage import storage

#: Bumped when this module changes what a PDF looks like (the templates, the stylesheet and the translations are
#: hashed by ``sources_digest``): part of every document's ETag (app/documents/cache.py), so old copies are rebuilt.
TEMPLATE_VERSION = "1"

ROOT = Path(__file__).resolve().parents[2]
STYLESHEET = ROOT / "static" / "css" / "document.css"


@functools.cache
def sources_digest(lang: str) -> str:
    """A hash of what turns a document's data into its PDF besides the code: the document templates, their
    stylesheet, the compiled translations of ``lang`` and WeasyPrint's version. Read once per process (a deploy
    restarts it), so a changed template or translation gives every document a new ETag without anyone bumping
    ``TEMPLATE_VERSION``."""
    from weasyprint import __version__

    digest = hashlib.sha256(f"{TEMPLATE_VERSION}/{__version__}".encode())
    files = sorted((ROOT / "templates" / "documents").rglob("*.html"))
    files += [STYLESHEET, ROOT / "translations" / lang / "LC_MESSAGES" / "messages.mo"]
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()


@dataclass(frozen=True)
class Letterhead:
    """What the top of a document's first page shows, as plain values (and what its ETag covers)."""

    name: str
    address: str
    phone: str
    email: str
    website: str
    logo_sha256: str | None
    logo_alt: str

    def as_data(self) -> dict:
        return {
            "name": self.name,
            "address": self.address,
            "phone": self.phone,
            "email": self.email,
            "website": self.website,
            "logo": self.logo_sha256,
        }


def letterhead(lang: str) -> Letterhead:
    """The city's letterhead in ``lang`` (the profile's name in that language; no query after the first)."""
    city = current_city()
    name = city.name(lang) or current_app.config.get("CITY_NAME", "") or "Dais"
    with force_locale(lang):
        alt = _("Logo of %(city)s", city=name)
    return Letterhead(
        name=name,
        address=city.meeting_place,
        phone=city.clerk_phone,
        email=city.clerk_email,
        website=city.website,
        logo_sha256=city.logo_sha256 if city.logo_stored_name else None,
        logo_alt=alt,
    )


def _logo_uri() -> str | None:
    """The city's logo as a data: URI, read from the storage layer; None when there is none or it is missing."""
    city = current_city()
    if not city.logo_stored_name or not city.logo_content_type:
        return None
    try:
        data = storage().get(city.logo_stored_name)
    except Exception as error:  # missing, or the storage unreachable: the document goes out without its logo
        current_app.logger.warning("documents: cannot read the city logo %s (%s)", city.logo_stored_name, error)
        return None
    return f"data:{city.logo_content_type};base64,{base64.b64encode(data).decode('ascii')}"


_CSS_UNSAFE = re.compile(r'[\\"\n\r<>]')


def css_string(text: str) -> Markup:
    """``text`` as the inside of a double-quoted CSS string (no way out of the string or the <style>)."""
    return Markup(_CSS_UNSAFE.sub(lambda m: f"\\{ord(m.group()):x} ", str(text)))  # noqa: S704


def page_counter_css() -> Markup:
    """``content`` for the page-number margin box: "Page N of M" in the current locale, whatever the word order
    of the translation (the placeholders become CSS counters)."""
    words = _("Page %(page)s of %(pages)s", page="\x00page\x00", pages="\x00pages\x00")
    parts = []
    for piece in words.split("\x00"):
        if piece in ("page", "pages"):
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(f'"{css_string(piece)}"')
    return Markup(" ".join(parts))  # noqa: S704 (every literal piece escaped by css_string)


def watermark_uri(word: str) -> str:
    """A page background with ``word`` written large and faint across it (the draft minutes' "DRAFT"): a
    background, so a PDF reader and a screen reader treat it as an artifact, not as the document's text."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800" viewBox="0 0 600 800">'
        '<text x="300" y="400" text-anchor="middle" dominant-baseline="middle" transform="rotate(-45 300 400)" '
        'font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="150" fill="#c00" fill-opacity="0.12">'
        f"{escape(word)}</text></svg>"
    )
    return "data:image/svg+xml," + quote(svg, safe="")


@functools.cache
def _stylesheet(mtime: float):
    from weasyprint import CSS

    return CSS(string=STYLESHEET.read_text(encoding="utf-8"))


def _fetcher():
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


def _table_header_scopes(document, pdf) -> None:
    """WeasyPrint's finisher: give every TH structure element its /Scope (Column in a THead, else Row).

    WeasyPrint ties data cells to their headers with /Headers and /IDs, which PDF/UA accepts; readers and checkers
    that look only at the header cells need /Scope as well (the templates put row headers only in table bodies)."""
    by_reference = {obj.reference: obj for obj in pdf.objects if isinstance(obj, dict)}
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("S") == "/TH" and isinstance(obj.get("A"), dict):
            row = by_reference.get(obj.get("P"))
            group = by_reference.get(row.get("P")) if row is not None else None
            obj["A"]["Scope"] = "/Column" if group is not None and group.get("S") == "/THead" else "/Row"


def link_base() -> str:
    """Where the links in a document point: ``BASE_URL`` when set (the same on every app server behind the
    proxy, and in jobs), else the address the request came to."""
    base = current_app.config.get("BASE_URL") or ""
    if not base and has_request_context():
        base = request.host_url
    return base


def render_html(template_name: str, *, title: str, lang: str | None = None, **context) -> str:
    """The document's HTML in ``lang`` (default: the record's language), as WeasyPrint will see it."""
    lang = lang or record_language()
    with ExitStack() as stack:
        if current_app.config.get("BASE_URL") or not has_request_context():  # links from BASE_URL, as mail's
            base = current_app.config.get("BASE_URL") or None
            stack.enter_context(current_app.test_request_context(base_url=base))
        stack.enter_context(force_locale(lang))
        return render_template(
            template_name,
            title=title,
            lang=lang,
            letterhead=letterhead(lang),
            logo_uri=_logo_uri(),
            page_counter=page_counter_css(),
            css_string=css_string,
            **context,
        )


def render_pdf(template_name: str, *, title: str, lang: str | None = None, **context) -> bytes:
    """A tagged PDF/UA-1 document from ``templates/<template_name>`` (which extends documents/base.html).

    ``title`` becomes the PDF's title (shown by readers instead of the file name), ``lang`` its language and the
    language of every label and date in it (default: the record's language). Slow (WeasyPrint takes tenths of a
    second per page): callers go through app/documents/cache.py, which builds each version of a document once.
    """
    from weasyprint import HTML

    html = render_html(template_name, title=title, lang=lang, **context)
    document = HTML(string=html, url_fetcher=_fetcher(), base_url=None)
    return document.write_pdf(
        pdf_variant="pdf/ua-1",
        stylesheets=[_stylesheet(STYLESHEET.stat().st_mtime)],
        presentational_hints=False,
        finisher=_table_header_scopes,
    )
