"""Access checks: a login gate for whole blueprints, and the permission each route needs (app/auth/permissions.py)."""

from functools import wraps

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import two_factor
from app.auth.permissions import GRANTS, Permission
from app.extensions import login_manager

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
        # A viewer's writes are refused whatever the route says, except looking after their own account.
        if (
            current_user.is_read_only
            and request.method not in SAFE_METHODS
            and request.endpoint != "auth.logout"
            and endpoint_permission(request.endpoint) != Permission.own_account
        ):
            abort(403)
        return None

    return gate


def _require(roles, permission=None):
    """403 for a signed-in user without one of ``roles``; the login page for an anonymous visitor. The view
    keeps the permission it was given (``view.permission``), which the URL-map test and the login gate read."""

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

        wrapped.permission = permission
        return wrapped

    return decorator


def permission_required(permission: Permission):
    """The route needs ``permission``; who has it is the role matrix's answer (app/auth/permissions.py)."""
    return _require(GRANTS[permission], permission)


def endpoint_permission(endpoint: str | None) -> Permission | None:
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "permission", None)


#: Pages that only show: every signed-in member of staff, viewers included.
staff_required = permission_required(Permission.read_staff)
#: One's own password, devices and second factor.
account_required = permission_required(Permission.own_account)
#: Changing the record: administrators, clerks and deputy clerks.
editor_required = permission_required(Permission.edit_record)
#: Acting for one's seat (commissioners) or for any seat (clerks); a viewer gets a 403.
acting_required = permission_required(Permission.act_for_seat)
#: A commissioner's own vote.
voter_required = permission_required(Permission.vote_own_seat)
#: Residents' contact details and the outgoing mail: the clerk's office.
contacts_required = permission_required(Permission.see_contacts)
#: Staff accounts, sign-in security, the audit log.
admin_required = permission_required(Permission.administer)
