"""Markdown typed by staff, rendered to HTML through an allow-list sanitizer (nh3).

One configured ``Markdown`` per thread, reset between texts (building one with its extensions for every call
cost more than the rendering of a short text; an instance keeps state while it converts, so threads do not share
one), and the sanitized HTML of recent texts kept in a bounded LRU cache keyed by the text itself: a record's text
changes rarely and is shown on many pages (an item on its meeting, its resolution, the feeds).
"""

import re
import threading
import unicodedata
from functools import lru_cache

import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
}


_local = threading.local()
#: Texts whose HTML is kept, and the longest text kept (at most about 40 MB; most texts are a few KB).
CACHED_TEXTS = 2048
CACHED_LENGTH = 20_000


def _renderer() -> md.Markdown:
    renderer = getattr(_local, "renderer", None)
    if renderer is None:
        renderer = _local.renderer = md.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    return renderer


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html = _cached(text) if len(text) <= CACHED_LENGTH else _render(text)
    return Markup(html)  # noqa: S704 (sanitized by nh3 in _render)


def _render(text: str) -> str:
    renderer = _renderer()
    try:
        html = renderer.convert(text)
    finally:
        renderer.reset()
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"scope"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


_cached = lru_cache(maxsize=CACHED_TEXTS)(_render)


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """Strip control characters (keeping newlines and tabs in multi-line text) and surrounding space."""
    if value is None:
        return ""
    keep = {"\n", "\t"} if multiline else set()
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch in keep or (ord(ch) >= 32 and ord(ch) != 127)).strip()


def slugify(text: str, limit: int = 60) -> str:
    """ASCII words joined by hyphens, for an address or a file name ("Policía y 287(g)" -> "policia-y-287-g");
    "" when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")
