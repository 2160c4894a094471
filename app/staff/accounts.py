from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.auth import services
from app.auth.decorators import login_gate, role_required
from app.auth.forms import ChangePasswordForm, EmptyForm, LoginForm, NewUserForm, ResetPasswordForm, UserForm
from app.auth.models import Role, User
from app.bodies.models import Member
from app.core.actions import attempt
from app.core.audit import AuditEntry
from app.core.loaders import get_or_404
from app.core.web import safe_next
from app.extensions import db, limiter

bp = Blueprint("auth", __name__)
bp.before_request(login_gate("auth.login"))


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        with attempt(form):  # failures are recorded (lockout) whatever the answer
            result = services.authenticate(form.email.data, form.password.data)
        if result.user is not None:
            login_user(result.user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=result.user.display_name), "success")
            return redirect(next_url or url_for("dashboard.index"))
        flash(result.error, "error")
        form.password.data = ""
        return render_template("auth/login.html", form=form, next_url=next_url), 200
    return render_template("auth/login.html", form=form, next_url=next_url)


@bp.route("/logout", methods=["POST"])
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("portal.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            services.change_own_password(current_user, form.current_password.data, form.new_password.data)
        if done:
            login_user(current_user._get_current_object())  # keep this session after the token rotated
            flash(_("Your password is changed. Other devices are signed out."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/change_password.html", form=form)


# --- administration of users -------------------------------------------------------------------


def _member_choices():
    members = db.session.scalars(select(Member).order_by(Member.sort_name)).all()
    return [(m.id, m.full_name) for m in members]


@bp.route("/admin/users")
@role_required(Role.admin)
def users():
    rows = db.session.scalars(select(User).order_by(User.active.desc(), User.display_name)).all()
    return render_template("admin/users.html", users=rows, action_form=EmptyForm())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@role_required(Role.admin)
def new_user():
    form = NewUserForm(member_choices=_member_choices())
    if form.validate_on_submit():
        with attempt(form) as done:
            user = services.create_user(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                role=Role(form.role.data),
                member_id=form.member_id.data,
                actor=current_user,
            )
        if done:
            flash(_("User %(email)s created.", email=user.email), "success")
            return redirect(url_for("auth.users"))
    return render_template("admin/user_form.html", form=form, user=None), 200 if not form.errors else 422


@bp.route("/admin/users/<id:user_id>", methods=["GET", "POST"])
@role_required(Role.admin)
def edit_user(user_id: int):
    user = get_or_404(User, user_id)
    form = UserForm(obj=user, member_choices=_member_choices())
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
@role_required(Role.admin)
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
    form = UserForm(obj=user, member_choices=_member_choices())
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
@role_required(Role.admin)
def deactivate_user(user_id: int):
    return _toggle(user_id, services.deactivate_user, _("%(email)s is deactivated and signed out."))


@bp.route("/admin/users/<id:user_id>/reactivate", methods=["POST"])
@role_required(Role.admin)
def reactivate_user(user_id: int):
    return _toggle(user_id, services.reactivate_user, _("%(email)s can sign in again."))


@bp.route("/admin/audit")
@role_required(Role.admin)
def audit_log():
    page = request.args.get("page", 1, type=int)
    page = min(max(page, 1), 100_000)
    pagination = db.paginate(select(AuditEntry).order_by(AuditEntry.id.desc()), page=page, per_page=50, error_out=False)
    return render_template("admin/audit.html", pagination=pagination)
