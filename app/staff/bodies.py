"""Setting up bodies: create, rename, retire; their seats, officers, versioned rules and agenda sections."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import editor_required, login_gate
from app.auth.forms import EmptyForm
from app.bodies import services
from app.bodies.forms import (
    BodyForm,
    DateForm,
    NewBodyForm,
    NewSeatForm,
    OfficersForm,
    RulesForm,
    SeatForm,
    SectionsForm,
)
from app.bodies.models import Body, BodyKind, Seat, SeatSelection
from app.core.actions import attempt
from app.core.forms import options
from app.core.loaders import get_or_404
from app.core.versioning import EditConflict, conflict_for, require_version
from app.meetings.settings import update_agenda_sections

bp = Blueprint("bodies", __name__, url_prefix="/staff/bodies")
bp.before_request(login_gate())


def _status(*forms) -> int:
    return 422 if any(f.errors for f in forms) else 200


@bp.route("/")
@editor_required
def index():
    return render_template("bodies/index.html", bodies=services.bodies_with_members(), today=services.today())


@bp.route("/new", methods=["GET", "POST"])
@editor_required
def new():
    form = NewBodyForm()
    if request.method == "GET":
        form.fill(services.RulesInput(effective_on=services.today()))
        form.seat_count.data = 5
    if form.validate_on_submit():
        with attempt(form) as done:
            body = services.create_body(
                name=form.name.data,
                kind=BodyKind(form.kind.data),
                seat_count=form.seat_count.data,
                seat_labels=(form.seat_labels.data or "").splitlines(),
                seat_selection=SeatSelection(form.seat_selection.data),
                rules=form.rules_input(),
                actor=current_user,
            )
        if done:
            flash(_("%(body)s created. Give its seats their members next.", body=body.name), "success")
            return redirect(url_for("bodies.edit", body_id=body.id))
    return render_template("bodies/new.html", form=form), _status(form)


def _officers_form(body: Body, formdata=None) -> OfficersForm:
    form = OfficersForm(formdata=formdata, prefix="officers")
    today = services.today()
    current = body.current_memberships(today)
    choices = options([("", _("None")), *((m.member_id, m.member.full_name) for m in current)])
    form.chair_id.choices = choices
    form.vice_chair_id.choices = list(choices)
    if formdata is None:
        form.chair_id.data = next((m.member_id for m in current if m.is_chair), None)
        form.vice_chair_id.data = next((m.member_id for m in current if m.is_vice_chair), None)
    return form


def _edit_page(body: Body, *, form=None, officers=None, seat_form=None, retire_form=None):
    if form is None:
        form = BodyForm(obj=body, formdata=None)
        form.kind.data = body.kind.value
    today = services.today()
    return render_template(
        "bodies/edit.html",
        body=body,
        form=form,
        officers=officers or _officers_form(body),
        seat_form=seat_form or NewSeatForm(prefix="seat", formdata=None, data={"established_on": today}),
        retire_form=retire_form or DateForm(prefix="retire", formdata=None, data={"on": today}),
        roster=services.roster_on(body, today),
        rules=body.rules,
        today=today,
    ), _status(*(f for f in (form, officers, seat_form, retire_form) if f is not None))


@bp.route("/<id:body_id>", methods=["GET", "POST"])
@editor_required
def edit(body_id: int):
    body = get_or_404(Body, body_id, *services.BODY_WHOLE)
    form = BodyForm(obj=body)
    if request.method == "GET":
        form.kind.data = body.kind.value
    if form.validate_on_submit():
        with attempt(form) as done:
            services.update_body(body, name=form.name.data, kind=BodyKind(form.kind.data), actor=current_user)
        if done:
            flash(_("%(body)s saved.", body=body.name), "success")
            return redirect(url_for("bodies.edit", body_id=body.id))
    return _edit_page(body, form=form)


@bp.route("/<id:body_id>/officers", methods=["POST"])
@editor_required
def officers(body_id: int):
    body = get_or_404(Body, body_id, *services.BODY_WHOLE)
    form = _officers_form(body, formdata=request.form)
    if form.validate_on_submit():
        with attempt(form) as done:
            services.set_officers(
                body,
                chair_id=form.chair_id.data,
                vice_chair_id=form.vice_chair_id.data,
                on=services.today(),
                actor=current_user,
            )
        if done:
            flash(_("Officers of %(body)s saved.", body=body.name), "success")
            return redirect(url_for("bodies.edit", body_id=body.id))
    return _edit_page(body, officers=form)


@bp.route("/<id:body_id>/seats", methods=["POST"])
@editor_required
def add_seat(body_id: int):
    body = get_or_404(Body, body_id, *services.BODY_WHOLE)
    form = NewSeatForm(prefix="seat")
    if form.validate_on_submit():
        with attempt(form) as done:
            seat = services.add_seat(
                body,
                label=form.label.data,
                selection=SeatSelection(form.selection.data),
                established_on=form.established_on.data,
                actor=current_user,
            )
        if done:
            flash(_("Seat %(seat)s added.", seat=seat.label), "success")
            return redirect(url_for("bodies.edit", body_id=body.id))
    return _edit_page(body, seat_form=form)


def _seat_of(body_id: int, seat_id: int) -> tuple[Body, Seat]:
    body = get_or_404(Body, body_id, *services.BODY_WHOLE)
    seat = next((s for s in body.seats if s.id == seat_id), None)
    if seat is None:
        abort(404)
    return body, seat


@bp.route("/<id:body_id>/seats/<id:seat_id>", methods=["GET", "POST"])
@editor_required
def seat(body_id: int, seat_id: int):
    body, seat = _seat_of(body_id, seat_id)
    form = SeatForm(obj=seat)
    retire = DateForm(prefix="retire", formdata=None, data={"on": services.today()})
    if request.method == "GET":
        form.selection.data = seat.selection.value
    if form.validate_on_submit():
        with attempt(form) as done:
            services.update_seat(
                seat, label=form.label.data, selection=SeatSelection(form.selection.data), actor=current_user
            )
        if done:
            flash(_("Seat %(seat)s saved.", seat=seat.label), "success")
            return redirect(url_for("bodies.edit", body_id=body.id))
    return render_template("bodies/seat.html", body=body, seat=seat, form=form, retire=retire), _status(form)


@bp.route("/<id:body_id>/seats/<id:seat_id>/retire", methods=["POST"])
@editor_required
def retire_seat(body_id: int, seat_id: int):
    body, seat = _seat_of(body_id, seat_id)
    retire = DateForm(prefix="retire")
    if retire.validate_on_submit():
        with attempt(retire, fields={"retired_on": "on"}) as done:
            services.retire_seat(seat, retire.on.data, actor=current_user)
        if done:
            flash(_("Seat %(seat)s retired.", seat=seat.label), "success")
            return redirect(url_for("bodies.edit", body_id=body.id))
    form = SeatForm(obj=seat, formdata=None)
    form.selection.data = seat.selection.value
    return render_template("bodies/seat.html", body=body, seat=seat, form=form, retire=retire), 422


@bp.route("/<id:body_id>/rules", methods=["GET", "POST"])
@editor_required
def rules(body_id: int):
    body = get_or_404(Body, body_id, *services.BODY_WHOLE)
    form = RulesForm()
    if request.method == "GET":
        form.fill(services.rules_input_from(body.rules, services.today()))
    if form.validate_on_submit():
        with attempt(form) as done:
            version = services.adopt_rules(body, form.rules_input(), actor=current_user)
        if done:
            flash(
                _(
                    "Version %(version)d of the rules of %(body)s is in force from %(day)s.",
                    version=version.version,
                    body=body.name,
                    day=version.effective_on.isoformat(),
                ),
                "success",
            )
            return redirect(url_for("bodies.rules", body_id=body.id))
    versions = sorted(body.rule_versions, key=lambda r: (r.effective_on, r.version), reverse=True)
    in_force = body.rules
    return render_template(
        "bodies/rules.html", body=body, form=form, versions=versions, in_force=in_force, today=services.today()
    ), _status(form)


@bp.route("/<id:body_id>/retire", methods=["POST"])
@editor_required
def retire(body_id: int):
    body = get_or_404(Body, body_id, *services.BODY_WHOLE)
    form = DateForm(prefix="retire")
    if form.validate_on_submit():
        with attempt(form, fields={"retired_on": "on"}) as done:
            services.retire_body(body, form.on.data, actor=current_user)
        if done:
            flash(_("%(body)s is retired; its record stays public.", body=body.name), "success")
            return redirect(url_for("bodies.index"))
    return _edit_page(body, retire_form=form)


@bp.route("/<id:body_id>/reinstate", methods=["POST"])
@editor_required
def reinstate(body_id: int):
    body = get_or_404(Body, body_id, *services.BODY_WHOLE)
    if EmptyForm().validate_on_submit():
        with attempt() as done:
            services.reinstate_body(body, actor=current_user)
        if done:
            flash(_("%(body)s is active again.", body=body.name), "success")
    return redirect(url_for("bodies.edit", body_id=body.id))


@bp.route("/<id:body_id>/settings", methods=["GET", "POST"])
@editor_required
def settings(body_id: int):
    """Agenda sections (the notice lead times are part of the versioned rules)."""
    body = get_or_404(Body, body_id, *services.BODY_WHOLE)
    form = SectionsForm()
    conflict = None
    if request.method == "GET":
        form.agenda_sections.data = "\n".join(body.agenda_sections)
        form.version.data = str(body.version)
    if form.validate_on_submit():
        with attempt(form) as done:
            require_version(body, form.version.data)
            update_agenda_sections(body, (form.agenda_sections.data or "").splitlines(), actor=current_user)
        if done:
            flash(_("Agenda sections of %(body)s saved.", body=body.name), "success")
            return redirect(url_for("bodies.edit", body_id=body.id))
        if isinstance(done.error, EditConflict):
            conflict = conflict_for(form, body, saved={"agenda_sections": "\n".join(body.agenda_sections)})
    return render_template("bodies/settings.html", form=form, body=body, conflict=conflict), (
        409 if conflict else _status(form)
    )


# The schedule, holiday and agenda-template pages add their routes to this blueprint.
import app.staff.schedules  # noqa: E402,F401
