"""Two-factor sign-in pages (app/auth/two_factor.py): the second step after the password, enrolment with a QR code
and recovery codes shown once, turning it off, an administrator's reset, and the city's choice of who must."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import services, sessions, two_factor
from app.auth.decorators import account_required, admin_required
from app.auth.forms import ConfirmPasswordForm, EmptyForm, EnrolForm, SecondStepForm, SecurityForm
from app.auth.models import Role, User
from app.core.actions import attempt
from app.core.loaders import get_or_404
from app.core.ratelimit import form_limit, submitted
from app.core.timeutil import utcnow
from app.core.web import safe_next
from app.extensions import db
from app.public_comment import retention
from app.staff.accounts import bp

PENDING = "two_factor_pending"
ENROLMENT = "two_factor_secret"
#: Minutes between a right password and the code before one must start again.
PENDING_MINUTES = 5


def _private(response):
    response = current_app.make_response(response)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def begin_second_step(user: User, *, remember: bool, next_url: str | None):
    """Called by the sign-in page when the password was right and the user has a second factor."""
    session[PENDING] = {
        "user": user.id,
        "remember": bool(remember),
        "at": int(utcnow().timestamp()),
        "next": next_url or "",
    }
    return redirect(url_for("auth.second_step"))


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING) or {}
    if not pending or utcnow().timestamp() - pending.get("at", 0) > PENDING_MINUTES * 60:
        return None, {}
    user = db.session.get(User, pending.get("user"))
    return (user if user is not None and user.is_active else None), pending


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def me():
    """The signed-in user itself, not Flask-Login's proxy (the audit log records the target's type)."""
    return current_user._get_current_object()


@bp.route("/login/code", methods=["GET", "POST"])
@form_limit(_login_limit)
def second_step():
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(
            _("Sign in again: the code must follow the password within %(num)d minutes.", num=PENDING_MINUTES), "info"
        )
        return redirect(url_for("auth.login"))
    form = SecondStepForm()
    if submitted(form):
        with attempt(form):  # a wrong code is counted (lockout) whatever the answer
            result = services.verify_second_step(user, form.code.data)
        if result.user is not None:
            session.pop(PENDING, None)
            sessions.sign_in(user, remember=pending.get("remember", False))
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            left = two_factor.recovery_codes_left(user)
            if left <= 3:
                flash(_("You have %(num)d recovery codes left: make new ones on your account page.", num=left), "info")
            return redirect(
                safe_next(pending.get("next"))
                or (url_for("intake.mine") if user.role == Role.department else url_for("dashboard.index"))
            )
        form.code.errors.append(result.error)
        form.code.data = ""
        return _private((render_template("auth/second_step.html", form=form), 422))
    return _private((render_template("auth/second_step.html", form=form), 422 if form.errors else 200))


def _status_page(status=200, **forms):
    user = current_user
    return _private(
        (
            render_template(
                "auth/two_factor.html",
                enabled=user.has_second_factor,
                required=two_factor.is_required(user),
                codes_left=two_factor.recovery_codes_left(user) if user.has_second_factor else 0,
                form=EmptyForm(),
                codes_form=forms.get("codes_form") or ConfirmPasswordForm(prefix="codes"),
                off_form=forms.get("off_form") or ConfirmPasswordForm(prefix="off"),
            ),
            status,
        )
    )


@bp.route("/account/two-factor")
@account_required
def two_factor_page():
    return _status_page()


def _enrol_page(form, secret, status=200):
    uri = two_factor.provisioning_uri(me(), secret)
    return _private(
        (
            render_template(
                "auth/two_factor_enrol.html",
                form=form,
                qr=two_factor.qr_svg(uri, _("QR code to scan with your authenticator app")),
                secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            ),
            status,
        )
    )


@bp.route("/account/two-factor/start", methods=["POST"])
@account_required
def two_factor_start():
    if current_user.has_second_factor:
        flash(_("A second factor is already set up."), "info")
        return redirect(url_for("auth.two_factor_page"))
    if not EmptyForm().validate_on_submit():
        abort(400)
    secret = two_factor.new_secret()
    session[ENROLMENT] = secret
    return _enrol_page(EnrolForm(formdata=None), secret)


@bp.route("/account/two-factor/confirm", methods=["POST"])
@account_required
def two_factor_confirm():
    secret = session.get(ENROLMENT) or ""
    form = EnrolForm()
    if not secret:
        flash(_("The set-up has expired. Start again."), "error")
        return redirect(url_for("auth.two_factor_page"))
    if form.validate_on_submit():
        with attempt(form) as done:
            codes = two_factor.enable(me(), secret, form.code.data, actor=me())
        if done:
            session.pop(ENROLMENT, None)
            return _private(render_template("auth/recovery_codes.html", codes=codes, first=True))
    return _enrol_page(form, secret, 422)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@account_required
def two_factor_new_codes():
    form = ConfirmPasswordForm(prefix="codes")
    if form.validate_on_submit():
        with attempt(form) as done:
            two_factor.confirm_password(me(), form.password.data)
            codes = two_factor.regenerate_recovery_codes(me(), actor=me())
        if done:
            return _private(render_template("auth/recovery_codes.html", codes=codes, first=False))
    return _status_page(422, codes_form=form)


@bp.route("/account/two-factor/disable", methods=["POST"])
@account_required
def two_factor_disable():
    form = ConfirmPasswordForm(prefix="off")
    if form.validate_on_submit():
        with attempt(form) as done:
            two_factor.confirm_password(me(), form.password.data)
            two_factor.disable_own(me())
        if done:
            flash(_("Your second factor is turned off."), "success")
            return redirect(url_for("auth.two_factor_page"))
    return _status_page(422, off_form=form)


@bp.route("/admin/users/<id:user_id>/two-factor/reset", methods=["POST"])
@admin_required
def two_factor_reset(user_id: int):
    user = get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        with attempt() as done:
            two_factor.reset(user, actor=me())
        if done:
            flash(_("The second factor of %(email)s is reset; they are signed out.", email=user.email), "success")
    return redirect(url_for("auth.edit_user", user_id=user.id))


@bp.route("/admin/security", methods=["GET", "POST"])
@admin_required
def security_settings():
    """Who must sign in with a second factor, and how long residents' contact details are kept."""
    form = SecurityForm()
    required = two_factor.required_roles()
    if request.method == "GET":
        form.administrators.data = Role.admin in required
        form.clerks.data = Role.clerk in required
        form.retention_months.data = retention.retention_months()
    if form.validate_on_submit():
        roles = ([Role.admin.value] if form.administrators.data else []) + (
            [Role.clerk.value, Role.deputy_clerk.value] if form.clerks.data else []
        )
        with attempt(form) as done:
            two_factor.set_required_roles(roles, actor=me())
            retention.set_retention(form.retention_months.data, actor=me())
        if done:
            flash(_("Saved. Staff of these roles set up a second factor at their next page."), "success")
            return redirect(url_for("auth.security_settings"))
    return render_template("admin/security.html", form=form), 422 if form.errors else 200
