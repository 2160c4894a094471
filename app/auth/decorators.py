"""Access checks: a login gate for whole blueprints, and role_required for each route."""

from functools import wraps

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import two_factor
from app.auth.models import ACTING_ROLES, EDITOR_ROLES, STAFF_ROLES
from app.extensions import login_manager

#: What a viewer may still send: sign out, and look after their own password, sessions and second factor. Every
#: other write is a 403 for them.
READ_ONLY_MAY_POST = frozenset(
    {
        "auth.logout",
        "auth.change_password",
        "auth.end_session",
        "auth.end_other_sessions",
        "auth.two_factor_start",
        "auth.two_factor_confirm",
        "auth.two_factor_new_codes",
        "auth.two_factor_disable",
    }
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: All a user may reach while the city requires a second factor of their role and they have none yet.
ENROLMENT_ENDPOINTS = frozenset(
    {"auth.two_factor_page", "auth.two_factor_start", "auth.two_factor_confirm", "auth.logout"}
)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def login_gate(*public_endpoints: str):
    """A before_request hook: every route of the blueprint needs a signed-in user unless listed public.

    A route someone forgot to decorate is still closed. A viewer's writes are refused here too, whatever the
    route's own decorator says: read-only holds even for a route that lets commissioners act.
    """

    def gate():
        if request.endpoint in public_endpoints:
            return None
        if not current_user.is_authenticated:
            if wants_json():
                abort(401)
            return login_manager.unauthorized()
        if two_factor.needs_enrolment(current_user) and request.endpoint not in ENROLMENT_ENDPOINTS:
            if wants_json():
                abort(403)
            flash(_("The city requires a second factor for your role: set it up to continue."), "info")
            return redirect(url_for("auth.two_factor_page"))
        if (
            current_user.is_read_only
            and request.method not in SAFE_METHODS
            and request.endpoint not in READ_ONLY_MAY_POST
        ):
            abort(403)
        return None

    return gate


def role_required(*roles):
    """403 for a signed-in user without one of ``roles``; the login page for an anonymous visitor."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if wants_json():
                    abort(401)
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


#: Any signed-in member of staff, viewers included: for pages that only show.
staff_required = role_required(*STAFF_ROLES)
#: Those who change the record: administrators, clerks and deputy clerks.
editor_required = role_required(*EDITOR_ROLES)
#: Those who may change something (commissioners for their own seat); a viewer gets a 403.
acting_required = role_required(*ACTING_ROLES)
