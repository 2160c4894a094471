"""The clerk's matter page (issue 20): every appearance, the history, steps recorded by hand, relations and the
versions of the matter's text (a new one pasted by the clerk; any two compared, as on the public page)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.decorators import editor_required, staff_required
from app.core.actions import attempt
from app.core.loaders import get_or_404
from app.extensions import db
from app.intake import access as intake_access
from app.intake import origin
from app.legislation import matter_history
from app.legislation.models import Agreement
from app.matters import numbering
from app.matters import services as matters
from app.matters import versions as matter_versions
from app.matters.forms import ActionForm, NumberingForm, RelationForm, VersionForm
from app.matters.models import Matter, MatterAction, MatterActionKind
from app.meetings import carry_forward
from app.meetings.models import AgendaItem
from app.staff.matter_readings import readings_panel
from app.staff.meetings import bp


def _page(
    matter: Matter, status: int = 200, *, action_form=None, relation_form=None, version_form=None, **reading_forms
):
    items = db.session.scalars(
        select(AgendaItem)
        .where(AgendaItem.matter_id == matter.id)
        .options(joinedload(AgendaItem.meeting))
        .order_by(AgendaItem.id)
    ).all()
    actions = db.session.scalars(
        select(MatterAction).where(MatterAction.matter_id == matter.id).order_by(MatterAction.at, MatterAction.id)
    ).all()
    relations = matter_history.relations_of(matter)
    # Where it came from: the department submission's route, names and comments only for those intake lets see it.
    submissions = [(s, intake_access.can_see(current_user, s)) for s in origin.staff_submissions(matter.id)]
    versions = matter_versions.versions_of(matter)
    if version_form is None:
        version_form = VersionForm(prefix="version", formdata=None)
        version_form.text.data = matter_versions.texts_of(versions[-1:]).get(versions[-1].id) if versions else ""
    return render_template(
        "matters/manage.html",
        matter=matter,
        items=items,
        actions=actions,
        relations=relations,
        submissions=submissions,
        versions=versions,
        version_form=version_form,
        action_form=action_form or ActionForm(prefix="action"),
        relation_form=relation_form or RelationForm(prefix="relation"),
        closed=matter.status in matters.CLOSED,
        **readings_panel(matter, **reading_forms),
    ), status


@bp.route("/matters/<id:matter_id>")
@staff_required
def matter(matter_id: int):
    return _page(get_or_404(Matter, matter_id))


@bp.route("/matters/<id:matter_id>/actions", methods=["POST"])
@editor_required
def record_matter_action(matter_id: int):
    found = get_or_404(Matter, matter_id)
    form = ActionForm(prefix="action")
    if not form.validate_on_submit():
        return _page(found, 422, action_form=form)
    with attempt(form) as done:
        if form.action.data == MatterActionKind.continued and form.target_date.data:
            carry_forward.continue_to(found, form.target_date.data, note=form.note.data, actor=current_user)
        else:
            matters.record_by_hand(
                found, form.action.data, note=form.note.data, referred_to=form.referred_to.data, actor=current_user
            )
    if not done:
        return _page(found, 422, action_form=form)
    flash(_("Step recorded on matter %(number)s.", number=found.file_number), "success")
    return redirect(url_for("meetings.matter", matter_id=found.id))


@bp.route("/matters/<id:matter_id>/relations", methods=["POST"])
@editor_required
def relate_matter(matter_id: int):
    found = get_or_404(Matter, matter_id)
    form = RelationForm(prefix="relation")
    if not form.validate_on_submit():
        return _page(found, 422, relation_form=form)
    agreement_id = form.agreement_id.data
    if agreement_id is not None and db.session.get(Agreement, agreement_id) is None:
        form.agreement_id.errors.append(_("No agreement has that number."))
        return _page(found, 422, relation_form=form)
    with attempt(form) as done:
        matters.relate(
            found, form.kind.data, to_file_number=form.to_file_number.data, agreement_id=agreement_id,
            actor=current_user,
        )  # fmt: skip
    if not done:
        return _page(found, 422, relation_form=form)
    flash(_("Relation recorded."), "success")
    return redirect(url_for("meetings.matter", matter_id=found.id))


@bp.route("/matters/<id:matter_id>/versions", methods=["POST"])
@editor_required
def add_matter_version(matter_id: int):
    """A new version of the text, pasted by the clerk: "introduced" if it is the first, else "revised by staff"."""
    found = get_or_404(Matter, matter_id)
    form = VersionForm(prefix="version")
    if not form.validate_on_submit():
        return _page(found, 422, version_form=form)
    with attempt(form) as done:
        version = matter_versions.add_by_staff(found, form.text.data, note=form.note.data, actor=current_user)
    if not done:
        return _page(found, 422, version_form=form)
    flash(_("Version %(number)d of matter %(file)s saved.", number=version.number, file=found.file_number), "success")
    return redirect(url_for("meetings.matter", matter_id=found.id) + "#versions")


@bp.route("/matters/<id:matter_id>/compare")
@staff_required
def matter_compare(matter_id: int):
    found = get_or_404(Matter, matter_id)
    comparison = matter_versions.compare_versions(
        matter_versions.versions_of(found), request.args.get("from"), request.args.get("to")
    )
    return render_template("matters/compare.html", matter=found, c=comparison, public=False), comparison.status


@bp.route("/matters/<id:matter_id>/versions/<id:number>")
@staff_required
def matter_version(matter_id: int, number: int):
    found = get_or_404(Matter, matter_id)
    versions = matter_versions.versions_of(found)
    shown = next((v for v in versions if v.number == number), None)
    if shown is None:
        abort(404)
    earlier = [v for v in versions if v.number < number]
    return render_template(
        "matters/version.html",
        matter=found,
        version=shown,
        text=matter_versions.texts_of([shown])[shown.id],
        previous=earlier[-1] if earlier else None,
        latest=versions[-1],
        public=False,
    )


@bp.route("/matters/numbering", methods=["GET", "POST"])
@editor_required
def matter_numbering():
    form = NumberingForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            pattern = numbering.set_pattern(form.file_number_pattern.data, actor=current_user)
        if done:
            flash(_("New file numbers follow %(pattern)s.", pattern=pattern), "success")
            return redirect(url_for("meetings.matter_numbering"))
    elif not form.is_submitted():
        form.file_number_pattern.data = numbering.city_pattern()
    example = numbering.format_number(numbering.city_pattern(), 2025, 123)
    return render_template("matters/numbering.html", form=form, example=example), 422 if form.errors else 200
