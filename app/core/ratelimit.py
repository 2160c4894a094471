"""Rate-limited forms that give the resident their form back, everything typed kept.

One way to do it, two names:

- ``@form_limit(limit)`` on a form view (instead of ``@limiter.limit(limit, methods=["POST"])``) limits its
  POSTs. When a POST is over the limit, Flask-Limiter refuses it before the view runs; this decorator catches
  that refusal, notes it for the request and runs the view itself once more, uncounted, as it would run for a
  refused submission. The answer is the view's own page with its bound form, status 429, ``Retry-After`` and
  ``Cache-Control: no-store`` (it holds what was typed).
- ``submitted(form)`` is the view's ``form.validate_on_submit()``. Over the limit it returns False without
  validating, so nothing is saved and no field is marked wrong, and it shows a message at the top of the page:
  the limit was reached, and the local time (the city's zone, the reader's language) from which the form may be
  sent again. The fields are the form's own, refilled from the request (WTForms never writes a password back);
  the CSRF token is the session's current one.

A view that answered without asking ``submitted`` (a 404, a redirect) did not handle a submission: the limit's
plain 429 page is given instead (``app/errors.py``), as for every other limited route and the JSON API.
"""

import time
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import current_app, flash, g, make_response
from flask_babel import format_datetime, format_time
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded

from app.core.timeutil import to_local, utcnow
from app.extensions import limiter

#: Used when the limiter cannot say when its window ends.
DEFAULT_RETRY_SECONDS = 60


@dataclass
class Breach:
    """This request is over its form limit: it may be sent again in ``retry_after`` seconds."""

    retry_after: int
    asked: bool = False  # the view asked submitted(): it showed its form back


def seconds_until_reset() -> int:
    """Seconds until the breached rate limit of this request resets (Flask-Limiter adds its headers only later)."""
    limit = limiter.current_limit
    if limit is None:
        return DEFAULT_RETRY_SECONDS
    return max(1, int(limit.reset_at - time.time()))


def send_again_from(seconds: int) -> str:
    """The local time from which a form may be sent again: rounded up to the minute, with the date if not today."""
    now = utcnow()
    at = now + timedelta(seconds=seconds)
    if at.second or at.microsecond:
        at = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if to_local(at).date() == to_local(now).date():
        return format_time(at, "short")
    return format_datetime(at, "short")


def form_limit(limit_value):
    """Limit a form view's POSTs to ``limit_value`` (a string or a callable, as Flask-Limiter takes it);
    over the limit, the view shows its form again (see the module docstring)."""

    def decorate(view):
        limited = limiter.limit(limit_value, methods=["POST"])(view)

        @wraps(view)
        def guarded(*args, **kwargs):
            try:
                return limited(*args, **kwargs)
            except RateLimitExceeded as exc:
                breach = g.form_limit_breach = Breach(seconds_until_reset())
                response = make_response(current_app.ensure_sync(view)(*args, **kwargs))
                if not breach.asked:
                    raise exc from None
            response.status_code = 429
            response.headers["Retry-After"] = str(breach.retry_after)
            response.headers["Cache-Control"] = "no-store"
            return response

        return guarded

    return decorate


def submitted(form) -> bool:
    """``form.validate_on_submit()``, except over the form limit: then False, with the message shown."""
    breach = g.get("form_limit_breach")
    if breach is None:
        return form.validate_on_submit()
    if not breach.asked:
        breach.asked = True
        flash(
            _(
                "Too many requests were sent from your connection in a short time, so this form was not sent. "
                "What you typed is kept below: you may send it again from %(time)s.",
                time=send_again_from(breach.retry_after),
            )
            + " "
            + _("Wait %(seconds)d seconds, then try again.", seconds=breach.retry_after),
            "error",
        )
    return False
