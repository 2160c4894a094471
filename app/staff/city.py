"""The city profile page (editors), and the logo it publishes (anyone: it is in every page's header)."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import editor_required, login_gate
from app.city.forms import CityProfileForm, OrdinanceNoticeForm
from app.city.models import NoticeKind
from app.city.services import (
    LOGO_MAX_BYTES,
    PROFILE_FIELDS,
    current_city,
    notice_history,
    profile_problems,
    update_city_profile,
    zone_choices,
)
from app.core.actions import attempt
from app.core.forms import attach_error, options
from app.core.uploads import send_image
from app.core.versioning import EditConflict, conflict_for, require_version
from app.core.web import language_name
from app.matters import reading_settings
from app.matters.readings import NOTICE_DAYS_LIMITS, STATUTORY_NOTICE_DAYS

bp = Blueprint("city", __name__)
bp.before_request(login_gate("city.logo"))


def _form(city) -> CityProfileForm:
    if request.method == "POST":
        form = CityProfileForm()
    else:
        form = CityProfileForm(data={name: getattr(city, name) for name in PROFILE_FIELDS} | {"version": city.version})
    form.timezone.choices = options((zone, zone) for zone in zone_choices())
    form.record_language.choices = options((code, language_name(code)) for code in current_app.config["LANGUAGES"])
    return form


@bp.route("/staff/city", methods=["GET", "POST"])
@editor_required
def profile():
    city = current_city()
    form = _form(city)
    conflict = None
    if form.validate_on_submit():
        logo = request.files.get("logo")
        fields = {name: form[name].data for name in PROFILE_FIELDS}
        problems = profile_problems(**fields)  # every field's refusal at once, not only the first
        for problem in problems:
            attach_error(form, problem)
        if not problems:
            with attempt(form) as done:
                require_version(city, form.version.data)
                update_city_profile(**fields, logo=logo, remove_logo=bool(form.remove_logo.data), actor=current_user)
            if done:
                flash(_("The city profile is saved."), "success")
                if request.args.get("setup"):
                    return redirect(url_for("dashboard.index"))
                return redirect(url_for("city.profile"))
            if isinstance(done.error, EditConflict):
                conflict = conflict_for(form, current_city())
        if logo is not None and logo.filename:
            form.form_errors.append(
                _(
                    "Nothing was saved, so the logo you chose was not kept (a browser cannot fill in a file for you): "
                    "choose the file again."
                )
            )
    history = {kind: notice_history(kind) for kind in NoticeKind}
    return render_template(
        "city/profile.html",
        form=form,
        city=city,
        history=history,
        kinds=list(NoticeKind),
        first_run=bool(request.args.get("setup")),
        logo_max_mb=LOGO_MAX_BYTES // (1024 * 1024),
        conflict=conflict,
    ), (409 if conflict else 422 if form.errors else 200)


@bp.route("/staff/city/ordinances", methods=["GET", "POST"])
@editor_required
def ordinances():
    """The days of published notice before an ordinance's adoption (F.S. 166.041(3)(a)); audited."""
    form = OrdinanceNoticeForm()
    if request.method == "GET":
        form.notice_days.data = reading_settings.notice_days()
    if form.validate_on_submit():
        with attempt(form) as done:
            reading_settings.set_notice_days(form.notice_days.data, actor=current_user)
        if done:
            flash(_("Saved. Second readings are checked against %(days)d days of notice.", days=form.notice_days.data),
                  "success")  # fmt: skip
            return redirect(url_for("city.ordinances"))
    return render_template(
        "city/ordinances.html",
        form=form,
        low=NOTICE_DAYS_LIMITS[0],
        high=NOTICE_DAYS_LIMITS[1],
        statutory=STATUTORY_NOTICE_DAYS,
    ), 422 if form.errors else 200


@bp.route("/city/logo/<digest>.<ext>")
def logo(digest: str, ext: str):
    """The current logo, at a URL naming its content: cached for a year, a new logo gets a new URL."""
    city = current_city()
    if not city.logo_sha256 or digest != city.logo_sha256 or ext != city.logo_extension:
        abort(404)
    response = send_image(city.logo_stored_name, city.logo_content_type, max_age=365 * 24 * 3600)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
