"""Template helpers and response headers shared by every page."""

from flask import current_app, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from app.core.text import render_markdown

#: No CDN and no inline script or style: every asset comes from this app.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def format_local(value, fmt="EEEE d MMMM y, h:mm a zzz") -> str:
    """A stored UTC time as the city's wall-clock time, in the reader's language."""
    return "" if value is None else format_datetime(value, fmt)


def register_web(app):
    @app.template_filter("local_datetime")
    def local_datetime(value, fmt="d MMM y, h:mm a"):
        """A stored UTC time, shown in the city's zone (Flask-Babel's default zone is set to it)."""
        if value is None:
            return ""
        return format_datetime(value, fmt)

    @app.template_filter("local_date")
    def local_date(value, fmt="long"):
        if value is None:
            return ""
        return format_date(value, fmt)

    app.add_template_filter(render_markdown, "markdown")

    from app.public_comment.services import format_seconds

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
        return {
            "city_name": current_app.config["CITY_NAME"],
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
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
        # Pages for signed-in staff are private; nothing with a session should sit in a shared cache.
        if request.cookies.get(current_app.config.get("SESSION_COOKIE_NAME", "session")) or request.method != "GET":
            headers.setdefault("Cache-Control", "no-store")
        return response
