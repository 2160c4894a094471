"""The account page's list of signed-in devices: end one, or every one but this (app/auth/sessions.py)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import sessions
from app.auth.decorators import account_required
from app.auth.forms import EmptyForm
from app.core.actions import attempt
from app.staff.accounts import bp


def me():
    """The signed-in user itself, not Flask-Login's proxy (the audit log records the target's type)."""
    return current_user._get_current_object()


@bp.route("/account/sessions")
@account_required
def account_sessions():
    return render_template("auth/sessions.html", rows=sessions.open_sessions(me()), form=EmptyForm())


@bp.route("/account/sessions/<id:session_id>/end", methods=["POST"])
@account_required
def end_session(session_id: int):
    form = EmptyForm()
    if form.validate_on_submit():
        with attempt() as done:  # a refusal is flashed
            sessions.end_own(me(), session_id)
        if done:
            flash(_("That session is ended: it is signed out."), "success")
    return redirect(url_for("auth.account_sessions"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@account_required
def end_other_sessions():
    form = EmptyForm()
    if form.validate_on_submit():
        with attempt() as done:
            count = sessions.end_everywhere_else(me())
        if done:
            flash(_("Every other session is signed out (%(num)d).", num=count), "success")
    return redirect(url_for("auth.account_sessions"))
