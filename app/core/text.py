"""Markdown typed by staff, rendered to HTML through an allow-list sanitizer (nh3)."""

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


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html = md.markdown(text, extensions=["tables", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"scope"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 (sanitized by nh3 just above)


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """Strip control characters (keeping newlines and tabs in multi-line text) and surrounding space."""
    if value is None:
        return ""
    keep = {"\n", "\t"} if multiline else set()
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in value if ch in keep or (ord(ch) >= 32 and ord(ch) != 127)).strip()
