from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth import invitations, services, sessions
from app.auth.decorators import account_required, admin_required, login_gate
from app.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    EmptyForm,
    InviteForm,
    LoginForm,
    ResetPasswordForm,
    UserForm,
)
from app.auth.models import Invitation, Role, User
from app.bodies.models import Member
from app.core.actions import attempt
from app.core.audit import AuditEntry
from app.core.loaders import get_or_404
from app.core.ratelimit import form_limit, submitted
from app.core.timeutil import utcnow
from app.core.web import safe_next
from app.extensions import db

bp = Blueprint("auth", __name__)
bp.before_request(login_gate("auth.login", "auth.second_step", "auth.accept_invitation"))


def _home() -> str:
    """Where a signed-in user starts: department staff have only their submissions (app.intake)."""
    if current_user.is_authenticated and current_user.role == Role.department:
        return url_for("intake.mine")
    return url_for("dashboard.index")


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@form_limit(_login_limit)
def login():
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or _home())
    form = LoginForm()
    if submitted(form):  # over the limit: False, the form shown again (app/core/ratelimit.py)
        with attempt(form):  # failures are recorded (lockout) whatever the answer
            result = services.authenticate(form.email.data, form.password.data)
        if result.user is not None and result.needs_second_factor:
            from app.staff.two_factor import begin_second_step

            return begin_second_step(result.user, remember=form.remember.data, next_url=next_url)
        if result.user is not None:
            sessions.sign_in(result.user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=result.user.display_name), "success")
            return redirect(next_url or _home())
        flash(result.error, "error")
        form.password.data = ""
        return render_template("auth/login.html", form=form, next_url=next_url), 200
    return render_template("auth/login.html", form=form, next_url=next_url)


@bp.route("/logout", methods=["POST"])
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        sessions.sign_out()
        flash(_("You are signed out."), "success")
    return redirect(url_for("portal.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@account_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            services.change_own_password(current_user, form.current_password.data, form.new_password.data)
        if done:
            flash(_("Your password is changed. Other devices are signed out."), "success")
            return redirect(_home())
    return render_template("auth/change_password.html", form=form)


# --- administration of users -------------------------------------------------------------------


def _member_choices(user: User | None = None):
    """Every member, saying which already has a login or an open invitation (``user``'s own link is not taken)."""
    members = db.session.scalars(select(Member).order_by(Member.sort_name)).all()
    logins = dict(db.session.execute(select(User.member_id, User.email).where(User.member_id.is_not(None))).all())
    invited = dict(
        db.session.execute(
            select(Invitation.member_id, Invitation.email).where(
                Invitation.member_id.is_not(None),
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
        ).all()
    )
    choices = []
    for m in members:
        if m.id in logins and (user is None or user.member_id != m.id):
            label = _("%(name)s (has a login: %(email)s)", name=m.full_name, email=logins[m.id])
        elif m.id in invited:
            label = _("%(name)s (invited: %(email)s)", name=m.full_name, email=invited[m.id])
        else:
            label = m.full_name
        choices.append((m.id, label))
    return choices


@bp.route("/admin/users")
@admin_required
def users():
    rows = db.session.scalars(select(User).order_by(User.active.desc(), User.display_name)).all()
    return render_template(
        "admin/users.html",
        users=rows,
        invitations=invitations.pending_invitations(),
        now=utcnow(),
        action_form=EmptyForm(),
    )


# --- invitations ---------------------------------------------------------------------------------------------------


def _private(response_tuple):
    """A page holding an invitation's secret link: keep it out of caches and Referer headers."""
    response = current_app.make_response(response_tuple)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _after_sending(issued: invitations.Issued, sent_message: str):
    """The mail was queued with the invitation; its delivery shows on the mail page."""
    flash(sent_message, "success")
    return redirect(url_for("auth.users"))


@bp.route("/admin/invitations/new", methods=["GET", "POST"])
@admin_required
def invite():
    form = InviteForm(member_choices=_member_choices())
    if form.validate_on_submit():
        with attempt(form) as done:
            issued = invitations.invite(
                form.email.data,
                form.display_name.data,
                Role(form.role.data),
                form.member_id.data,
                actor=current_user,
            )
        if done:
            return _after_sending(issued, _("Invitation sent to %(email)s.", email=issued.invitation.email))
    return render_template("admin/invite_form.html", form=form), 422 if form.errors else 200


def _pending_action(invitation_id: int, service, done_message: str):
    invitation = get_or_404(Invitation, invitation_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("auth.users"))
    with attempt() as done:
        result = service(invitation, actor=current_user)
    if not done:
        return redirect(url_for("auth.users"))
    if isinstance(result, invitations.Issued):
        return _after_sending(result, done_message % {"email": invitation.email})
    flash(done_message % {"email": invitation.email}, "success")
    return redirect(url_for("auth.users"))


@bp.route("/admin/invitations/<id:invitation_id>/resend", methods=["POST"])
@admin_required
def resend_invitation(invitation_id: int):
    return _pending_action(
        invitation_id, invitations.resend, _("Invitation sent again to %(email)s. The earlier link no longer works.")
    )


@bp.route("/admin/invitations/<id:invitation_id>/revoke", methods=["POST"])
@admin_required
def revoke_invitation(invitation_id: int):
    return _pending_action(
        invitation_id, invitations.revoke, _("The invitation to %(email)s is revoked: its link no longer works.")
    )


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@form_limit(_login_limit)
def accept_invitation(token: str):
    """Public: the holder of the link chooses a password and is signed in. Says nothing about other accounts."""
    try:
        invitation = invitations.find_usable(token)
    except invitations.InvitationUnusable as exc:
        return _private((render_template("invitations/unusable.html", message=exc.message), 404))
    form = AcceptInvitationForm()
    if submitted(form):
        with attempt(form) as done:
            user = invitations.accept(token, form.password.data, form.confirm.data)
        if done:
            sessions.sign_in(user)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.display_name), "success")
            return redirect(_home())
        if isinstance(done.error, invitations.InvitationUnusable):
            return _private((render_template("invitations/unusable.html", message=done.error.message), 409))
    status = 422 if form.errors else 200
    return _private((render_template("invitations/accept.html", form=form, invitation=invitation), status))


# --- users -----------------------------------------------------------------------------------------------------------


@bp.route("/admin/users/<id:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    user = get_or_404(User, user_id)
    form = UserForm(obj=user, member_choices=_member_choices(user))
    if request.method == "GET":
        form.role.data = user.role.value
    reset_form = ResetPasswordForm(prefix="reset")
    if form.validate_on_submit():
        with attempt(form) as done:
            services.update_user(
                user,
                display_name=form.display_name.data,
                role=Role(form.role.data),
                member_id=form.member_id.data,
                department=form.department.data if "department" in request.form else ...,
                actor=current_user,
            )
        if done:
            flash(_("Changes to %(email)s saved.", email=user.email), "success")
            return redirect(url_for("auth.users"))
    status = 422 if form.errors else 200
    return render_template(
        "admin/user_form.html", form=form, user=user, reset_form=reset_form, action_form=EmptyForm()
    ), status


@bp.route("/admin/users/<id:user_id>/password", methods=["POST"])
@admin_required
def reset_password(user_id: int):
    user = get_or_404(User, user_id)
    reset_form = ResetPasswordForm(prefix="reset")
    if reset_form.validate_on_submit():
        with attempt(reset_form) as done:
            services.set_password(user, reset_form.password.data, actor=current_user)
        if done:
            flash(
                _("New password set for %(email)s. Their other sessions are signed out.", email=user.email), "success"
            )
            return redirect(url_for("auth.edit_user", user_id=user.id))
    form = UserForm(obj=user, member_choices=_member_choices(user))
    form.role.data = user.role.value
    return render_template(
        "admin/user_form.html", form=form, user=user, reset_form=reset_form, action_form=EmptyForm()
    ), 422


def _toggle(user_id: int, service, done_message: str):
    user = get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        with attempt() as done:
            service(user, actor=current_user)
        if done:
            flash(done_message % {"email": user.email}, "success")
    return redirect(url_for("auth.users"))


@bp.route("/admin/users/<id:user_id>/deactivate", methods=["POST"])
@admin_required
def deactivate_user(user_id: int):
    return _toggle(user_id, services.deactivate_user, _("%(email)s is deactivated and signed out."))


@bp.route("/admin/users/<id:user_id>/reactivate", methods=["POST"])
@admin_required
def reactivate_user(user_id: int):
    return _toggle(user_id, services.reactivate_user, _("%(email)s can sign in again."))


@bp.route("/admin/audit")
@admin_required
def audit_log():
    page = request.args.get("page", 1, type=int)
    page = min(max(page, 1), 100_000)
    pagination = db.paginate(select(AuditEntry).order_by(AuditEntry.id.desc()), page=page, per_page=50, error_out=False)
    return render_template("admin/audit.html", pagination=pagination)


import app.staff.account_sessions  # noqa: E402,F401  (adds the signed-in devices page to this blueprint)
import app.staff.roles  # noqa: E402,F401  (the role matrix as a page)
import app.staff.styleguide  # noqa: E402,F401  (the design system's components as a page)
import app.staff.two_factor  # noqa: E402,F401  (the second step of signing in, enrolment, the city's choice)
