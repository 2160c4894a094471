"""Template helpers and response headers shared by every page."""

from urllib.parse import urlsplit

from babel import Locale
from babel.dates import format_time as babel_format_time
from flask import current_app, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext
from flask_login import current_user
from sqlalchemy import inspect

from app.core.text import render_markdown
from app.core.timeutil import format_seconds

#: No CDN and no inline script or style: every asset comes from this app.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def N_(pattern: str) -> str:
    """Marks a string for the catalog without translating it here (extracted with ``-k N_``)."""
    return pattern


#: Babel's own names; the locale supplies the pattern.
NAMED_FORMATS = ("short", "medium", "long", "full")

#: Every date or time pattern the pages use (CLDR syntax). Each is a catalog entry, so a language gives its own
#: order, words and clock: Spanish says "lunes, 30 de junio de 2025, 17:00". tests/test_i18n.py checks that
#: every pattern in the templates is listed here.
DATE_PATTERNS = (
    # Translators: a CLDR date pattern (unicode.org/reports/tr35/tr35-dates.html); quote literal words.
    N_("EEEE d MMMM y, h:mm a zzz"),
    N_("EEEE, d MMMM y, h:mm a"),
    N_("EEEE, d MMMM y"),
    N_("d MMMM y, h:mm a"),
    N_("d MMMM y"),
    N_("d MMM y, h:mm a"),
    N_("MMM d, yyyy h:mm a"),
    N_("d MMM y"),
    N_("MMM d, yyyy"),
    N_("MMMM y"),
    N_("MMM y"),
    N_("h:mm a zzz"),
    N_("h:mm:ss a"),
    N_("h:mm a"),
    N_("EEEE"),
    N_("EEE"),
)


def localized_pattern(fmt: str) -> str:
    """The reader's language's form of a date pattern (a Babel format name is passed through)."""
    return fmt if fmt in NAMED_FORMATS else gettext(fmt)


def local_datetime(value, fmt="d MMM y, h:mm a") -> str:
    """A stored UTC time as the city's wall-clock time, in the reader's language (Flask-Babel's default
    zone is set to the city's)."""
    return "" if value is None else format_datetime(value, localized_pattern(fmt))


def local_date(value, fmt="long") -> str:
    return "" if value is None else format_date(value, localized_pattern(fmt))


def format_local(value, fmt="EEEE d MMMM y, h:mm a zzz") -> str:
    """The long form, weekday and zone included, for sentences and mail ("Monday 30 June 2025, 5:00 PM EDT")."""
    return local_datetime(value, fmt)


#: One format per context (issue 19), each a pattern above or a Babel name, so every page says a date the same way:
#: ``datetime_full`` where a meeting's time is the subject (a heading, a sentence, mail), ``datetime_short`` in a
#: list or table row, ``date_long`` for a day, ``date_full`` for a day with its weekday (a notice's "Date"),
#: ``weekday_long``/``weekday_short`` for a calendar's column heads, ``time_short`` for a time of day,
#: ``time_zone`` for a time of day with its zone (a notice's "Time"), ``time_seconds`` for the moments of a meeting's
#: log and timers, ``month_year`` for a month, ``month_axis`` for a month under a chart's bar. Templates have these
#: filters only: no template names a pattern of its own (tests/test_phone_pages.py checks).
DATE_CONTEXTS = {
    "datetime_full": ("datetime", "EEEE d MMMM y, h:mm a zzz"),
    "datetime_short": ("datetime", "d MMM y, h:mm a"),
    "date_long": ("date", "long"),
    "date_full": ("date", "EEEE, d MMMM y"),
    "weekday_long": ("date", "EEEE"),
    "weekday_short": ("date", "EEE"),
    "time_short": ("datetime", "h:mm a"),
    "time_zone": ("datetime", "h:mm a zzz"),
    "time_seconds": ("datetime", "h:mm:ss a"),
    #: A time of day that is not a moment (a schedule's "at 5:00 PM"): no date, no zone to convert from.
    "clock_time": ("time", "h:mm a"),
    "month_year": ("date", "MMMM y"),
    "month_axis": ("date", "MMM y"),
}


def date_context_filter(kind: str, fmt: str):
    """The template filter of one context of :data:`DATE_CONTEXTS`."""

    def apply(value) -> str:
        if kind == "time":
            return "" if value is None else babel_format_time(value, localized_pattern(fmt), locale=get_locale())
        return local_datetime(value, fmt) if kind == "datetime" else local_date(value, fmt)

    return apply


def language_name(code: str) -> str:
    """A language's own name ("English", "Español"), as a reader of that language looks for it."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def safe_next(target: str | None) -> str | None:
    """Accept ``next`` only as a path on this site: no scheme, no host, no protocol-relative ``//``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


def label(value, default: str = "", *, inverse: bool = False) -> str:
    """The words shown for an enum value (a LabeledEnum member), in the reader's language; ``default`` for None.

    ``inverse=True`` gives the other side of a relation ("Superseded by" for a link that "Supersedes")."""
    if value is None:
        return default
    return str(value.inverse_label if inverse else value.label)


def load_signed_in_user() -> dict:
    """Every page shows the signed-in user; a commit or rollback in the view expired it. Load it again before
    rendering (context processors run first), so the template runs no query (tests/template_queries.py)."""
    user = current_user._get_current_object() if current_user else None
    state = inspect(user, raiseerr=False) if user is not None else None
    if state is not None and state.session is not None and state.expired_attributes:
        state.session.refresh(user)
    return {}


#: Blueprints whose answers may be cached (anonymous pages, the read-only API, static files).
PUBLIC_BLUEPRINTS = frozenset({"portal", "api", None})
PUBLIC_STAFF_ENDPOINTS = frozenset({"static", "city.logo"})


def register_web(app):
    app.context_processor(load_signed_in_user)
    app.add_template_filter(label, "label")
    for name, (kind, fmt) in DATE_CONTEXTS.items():
        app.add_template_filter(date_context_filter(kind, fmt), name)
    app.add_template_filter(render_markdown, "markdown")

    app.add_template_filter(format_seconds, "duration")

    @app.template_filter("number")
    def number(value) -> str:
        return format_decimal(value, "#,##0")

    @app.template_filter("filesize")
    def filesize(size: int) -> str:
        if size >= 1024 * 1024:
            return format_decimal(size / (1024 * 1024), "#,##0.0") + " MB"
        return format_decimal(max(1, round(size / 1024)), "#,##0") + " KB"

    @app.context_processor
    def shell_context():
        # city and city_name come from app/city's context processor (the profile, or config until it is saved).
        return {
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
            "language_name": language_name,
        }

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Staff pages and files are private, whatever the view set (a staff attachment must not sit in a shared
        # cache or a browser's disk cache); the city's logo is the one public file of the staff blueprints.
        if request.blueprint not in PUBLIC_BLUEPRINTS and request.endpoint not in PUBLIC_STAFF_ENDPOINTS:
            headers["Cache-Control"] = "private, no-store"
        # Anything with a session (a signed-in visitor on the portal) should not sit in a shared cache either.
        elif request.cookies.get(current_app.config.get("SESSION_COOKIE_NAME", "session")) or request.method != "GET":
            headers.setdefault("Cache-Control", "no-store")
        return response
