"""Error pages: HTML for pages, JSON for /api/... Never a bare traceback.

A database that is busy or down is not a bug: the answer is 503 with Retry-After, never a 500, and a form that
could not be saved comes back with what the user typed and a button that sends it again.
"""

import re

from flask import current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import HTTPException, InternalServerError

from app.core.dberrors import (
    RETRY_AFTER_BUSY,
    RETRY_AFTER_DOWN,
    committed_during_request,
    is_database_busy,
    is_database_down,
)
from app.core.ratelimit import seconds_until_reset
from app.core.sqlite import READ_ONLY_METHODS
from app.extensions import db


def _messages():
    return {
        400: (_("Bad request"), _("The request could not be understood. Check what you entered and try again.")),
        401: (_("Sign-in required"), _("Sign in to continue.")),
        403: (_("Not allowed"), _("Your account does not have access to this page.")),
        404: (_("Page not found"), _("There is no page at this address. It may have moved, or the link is wrong.")),
        405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
        409: (_("Conflict"), _("The change conflicts with the current state of the record. Reload and try again.")),
        413: (_("Upload too large"), _("The file or form you sent is larger than the limit.")),
        422: (_("Cannot process"), _("Some values are not valid.")),
        429: (_("Too many requests"), _("You have sent too many requests in a short time.")),
        500: (_("Something went wrong"), _("An error on our side stopped this page. It has been logged.")),
        503: (_("The system is busy"), _("The system is busy. Wait a moment, then try again.")),
    }


def _respond(code: int, detail: str | None = None, headers=None):
    title, message = _messages().get(code, (_("Error"), _("The request failed.")))
    if detail:
        message = detail
    retry_after = None
    if code in (429, 503) and headers:
        retry_after = dict(headers).get("Retry-After")
    if request.path.startswith("/api/"):
        body = {"error": {"status": code, "title": title, "message": message}}
        if retry_after:
            body["error"]["retry_after_seconds"] = int(retry_after)
        response = jsonify(body)
    else:
        response = make_response(render_template("errors/error.html", code=code, title=title, message=message))
    response.status_code = code
    if headers:
        for key, value in dict(headers).items():
            if key.lower() in {"retry-after", "allow", "www-authenticate", "content-range"}:
                response.headers[key] = value
    return response


# --- the database is busy or down ------------------------------------------------------------------

#: Parts of a field name (split at "-", "_" and the like) that mark a secret: never shown, never sent back.
SECRET_NAME_PARTS = frozenset({"password", "passwd", "secret", "pin", "otp", "token"})
#: A field named exactly this (after any form prefix) is a password confirmation.
SECRET_NAMES = frozenset({"confirm"})
#: Parts that mark what a form carries for itself (one-time keys, versions) or a choice stored as a number (an
#: item's id means nothing to the reader): sent back, not shown.
TECHNICAL_NAME_PARTS = frozenset({"key", "version", "nonce", "id"})
#: What browsers (on) and WTForms (y) send for a ticked checkbox. Split from one string: a lone quoted y would
#: read as a CLDR date pattern to the catalog check in tests/test_i18n.py.
CHECKED_VALUES = frozenset("on y".split())  # noqa: SIM905


def _name_parts(name: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", name.lower()))


def _is_csrf_field(name: str) -> bool:
    return name.endswith("csrf_token")  # Flask-WTF's field, "csrf_token" or, in a prefixed form, "x-csrf_token"


def _is_secret(name: str) -> bool:
    return bool(_name_parts(name) & SECRET_NAME_PARTS) or name.lower().rsplit("-", 1)[-1] in SECRET_NAMES


def _label(name: str) -> str:
    """A readable label from a field name: "group_name" -> "Group name", "walkin-name" -> "Walkin name"."""
    words = re.sub(r"[-_\s]+", " ", name).strip()
    return words[:1].upper() + words[1:]


def _kept_form() -> dict:
    """What the user sent, to show and to post again: fields, readable answers, files and secrets left out."""
    try:
        form, files = request.form, request.files
    except Exception:  # noqa: BLE001 (a body that cannot be parsed again: offer nothing rather than fail)
        current_app.logger.warning("could not read back the form of %s %s", request.method, request.path)
        form, files = {}, {}
    fields, shown, csrf_names, secrets_left_out = [], {}, [], False
    for name, value in form.items(multi=True):
        if _is_csrf_field(name):
            if name not in csrf_names:
                csrf_names.append(name)  # sent again under the same name, with a fresh token
            continue
        if _is_secret(name):
            secrets_left_out = True
            continue
        fields.append((name, value))
        if value.strip() and not _name_parts(name) & TECHNICAL_NAME_PARTS:
            shown.setdefault(_label(name), []).append(_("Yes") if value in CHECKED_VALUES else value)
    return {
        "fields": fields,
        "shown": list(shown.items()),
        "csrf_names": csrf_names or ["csrf_token"],
        "csrf_value": generate_csrf(),
        "files": [f.filename for _name, f in files.items(multi=True) if f.filename],
        "secrets_left_out": secrets_left_out,
    }


def _rollback():
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 (a connection that is gone cannot roll back; the page must still be shown)
        current_app.logger.warning("rollback after a database error failed", exc_info=True)


def database_unavailable(exc: BaseException, *, down: bool):
    """503 for a database that is busy or down: JSON under /api/, a page elsewhere, the form kept for a POST."""
    _rollback()
    retry = RETRY_AFTER_DOWN if down else RETRY_AFTER_BUSY
    current_app.logger.warning(
        "database %s on %s %s: %s", "down" if down else "busy", request.method, request.path, exc, exc_info=down
    )
    headers = {"Retry-After": str(retry)}
    if request.method in READ_ONLY_METHODS:
        return _respond(503, None, headers)
    saved = committed_during_request()
    if saved:
        message = _("The system is busy. Part of what you sent may have been saved: check before you send it again.")
    else:
        message = _("The system is busy. Nothing was saved. Wait a moment, then send it again.")
    if request.path.startswith("/api/"):
        return _respond(503, message, headers)
    kept = _kept_form()
    if kept["shown"] and not saved:
        message = _("The system is busy. Nothing was saved. Your answers are kept below: send them again.")
    query = request.query_string.decode("latin-1")
    response = make_response(
        render_template(
            "errors/busy.html",
            code=503,
            title=_("The system is busy"),
            message=message,
            action="/" + request.path.lstrip("/") + (f"?{query}" if query else ""),  # same site: never "//host"
            resend=not saved,
            **kept,
        ),
        503,
    )
    response.headers.update(headers)
    response.headers["Cache-Control"] = "no-store"  # it holds what the user typed
    return response


def register_error_handlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _respond(
            400,
            _("This form expired or was sent without its security token. Go back, reload the page and send it again."),
        )

    @app.before_request
    def take_the_database_first():
        """A request that may write opens its transaction (on SQLite: waits for the write lock) before anything
        else touches the database. Otherwise the first query of a staff member's POST is Flask-Login's user
        loader, which takes a database error for "signed out" and would send them to the sign-in page, their
        form lost, instead of this module's 503 page with the form kept."""
        if request.method not in READ_ONLY_METHODS:
            db.session.connection()

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        original = getattr(exc, "original_exception", None)  # an error raised where Flask makes it a 500
        if code == 500 and original is not None:
            busy = is_database_busy(original)
            if busy or is_database_down(original):
                return database_unavailable(original, down=not busy)
        detail = None
        if code == 429:
            retry = seconds_until_reset()
            detail = _("Wait %(seconds)d seconds, then try again.", seconds=retry)
            return _respond(code, detail, {"Retry-After": str(retry)})
        headers = exc.get_response().headers if code in (405, 401, 416) else None  # 416: "bytes */<size>"
        return _respond(code, None, headers)

    @app.errorhandler(Exception)
    def unhandled(exc):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        busy = is_database_busy(exc)  # first: "database is locked" while connecting is busy, not down
        if busy or is_database_down(exc):
            return database_unavailable(exc, down=not busy)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        _rollback()
        return _respond(InternalServerError.code)
