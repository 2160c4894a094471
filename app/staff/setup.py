"""First run: the page behind the one-time link `flask setup` prints, where the first administrator is created.

Nobody can claim an empty instance by being its first visitor: without a valid token this blueprint answers 404
(unknown link, or any user exists already) or 410 (expired or used), and nothing else. While no user exists,
the home page and the sign-in page say that setup goes through that link (the link itself is never shown).
"""

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth import services as auth_services
from app.auth import sessions
from app.auth.models import Role, User
from app.city.forms import FirstAdminForm
from app.city.setup import TokenState, setup_token_state, use_setup_token
from app.core import audit
from app.core.actions import attempt
from app.core.errors import DomainError
from app.extensions import db

bp = Blueprint("setup", __name__)

#: Pages that tell a visitor of an instance without users how setup is done.
SETUP_HINT_ENDPOINTS = frozenset({"portal.home", "auth.login"})


def any_user_exists() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is not None


@bp.before_app_request
def note_missing_setup():
    """On the home and sign-in pages, one query: does any user exist? (Loaded here, never in the template.)"""
    if request.endpoint in SETUP_HINT_ENDPOINTS and request.method == "GET" and not current_user.is_authenticated:
        g.dais_needs_setup = not any_user_exists()


@bp.app_context_processor
def setup_hint():
    return {"needs_setup": bool(g.get("dais_needs_setup"))}


@bp.after_request
def keep_the_token_private(response):
    """Every answer of a page whose address holds the setup token: out of every cache, never in a Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _refused(state: TokenState | None):
    """404 for a link Dais does not know (or once setup is done), 410 for one that expired or was used."""
    if state in (TokenState.expired, TokenState.used):
        message = (
            _("This setup link has expired. Run “flask setup” on the server for a new one.")
            if state is TokenState.expired
            else _("This setup link has already been used. Sign in instead.")
        )
        return render_template("setup/refused.html", title=_("This setup link no longer works"), message=message), 410
    return render_template(
        "setup/refused.html",
        title=_("Page not found"),
        message=_("There is no page at this address. It may have moved, or the link is wrong."),
    ), 404


@bp.route("/setup/<token>", methods=["GET", "POST"])
def start(token: str):
    if any_user_exists():
        return _refused(None)
    state = setup_token_state(token)
    if state is not TokenState.valid:
        return _refused(state)
    form = FirstAdminForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            if any_user_exists():
                raise DomainError(_("An administrator was created meanwhile. Sign in instead."))
            user = auth_services.create_user(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                role=Role.admin,
                actor=None,
            )
            if not use_setup_token(token):
                raise DomainError(_("This setup link has just been used or has expired."))
            audit.record(
                "setup.first_admin",
                user,
                f"Created the first administrator {user.email} through the setup link",
                actor=user,
            )
        if done:
            sessions.sign_in(user)
            return redirect(url_for("city.profile", setup=1))
        form.password.data = form.confirm.data = ""
    return render_template("setup/start.html", form=form, token=token), (422 if form.errors else 200)
