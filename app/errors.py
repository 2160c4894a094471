"""Error pages: HTML for pages, JSON for /api/... Never a bare traceback."""

import time

from flask import jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db, limiter


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
    }


def _respond(code: int, detail: str | None = None, headers=None):
    title, message = _messages().get(code, (_("Error"), _("The request failed.")))
    if detail:
        message = detail
    retry_after = None
    if code == 429 and headers:
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
            if key.lower() in {"retry-after", "allow", "www-authenticate"}:
                response.headers[key] = value
    return response


def _seconds_until_reset() -> int:
    """Seconds until the breached rate limit resets (Flask-Limiter adds its headers only later)."""
    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, int(limit.reset_at - time.time()))


def register_error_handlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _respond(
            400,
            _("This form expired or was sent without its security token. Go back, reload the page and send it again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        detail = None
        if code == 429:
            retry = _seconds_until_reset()
            detail = _("Wait %(seconds)d seconds, then try again.", seconds=retry)
            return _respond(code, detail, {"Retry-After": str(retry)})
        headers = exc.get_response().headers if code in (405, 401) else None
        return _respond(code, None, headers)

    @app.errorhandler(Exception)
    def unhandled(exc):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _respond(InternalServerError.code)
