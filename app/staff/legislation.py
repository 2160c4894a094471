"""The clerk's side of resolutions and the agreements register."""

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.decorators import editor_required, login_gate, staff_required
from app.auth.forms import EmptyForm
from app.core.actions import attempt
from app.core.forms import options
from app.core.loaders import get_or_404
from app.core.timeutil import to_local, utcnow
from app.core.versioning import EditConflict, conflict_for, require_version
from app.extensions import db
from app.legislation import corrections, forms
from app.legislation import services as legislation
from app.legislation.models import Agreement, AgreementEffect, EffectKind, LinkKind, Resolution, ResolutionStatus
from app.meetings.models import AgendaItem, AgendaItemType
from app.staff import accessibility as document_checks
from app.topics.forms import offer_topics, save_topics

bp = Blueprint("legislation", __name__, url_prefix="/staff")
bp.before_request(login_gate())


def _resolution_item(item_id: int) -> AgendaItem:
    item = get_or_404(AgendaItem, item_id, joinedload(AgendaItem.meeting))
    if item.item_type != AgendaItemType.resolution:
        abort(404)
    return item


def _page(item: AgendaItem, status: int = 200, **overrides):
    resolution = legislation.find_resolution(item, with_relations=True)
    form = overrides.pop("form", None)
    if form is None:
        form = forms.ResolutionForm(prefix="res", obj=resolution)
        if resolution is None:
            form.title.data, form.text_md.data = item.title, item.body_md
    offer_topics(form.topic_ids, resolution.topics if resolution is not None else [])
    link_form = overrides.pop("link_form", None) or forms.LinkForm(prefix="link")
    adopted = db.session.scalars(
        select(Resolution)
        .where(Resolution.status == ResolutionStatus.adopted)
        .order_by(Resolution.number_year.desc(), Resolution.number_seq.desc())
    ).all()
    link_form.target_id.choices = options(
        [("", "")] + [(r.id, r.label) for r in adopted if not resolution or r.id != resolution.id]
    )
    correction_form = overrides.pop("correction_form", None)
    if correction_form is None:
        correction_form = forms.CorrectionForm(prefix="fix", formdata=None, obj=resolution)
    effect_form = overrides.pop("effect_form", None) or forms.EffectForm(prefix="effect")
    agreements = db.session.scalars(select(Agreement).order_by(Agreement.title)).all()
    effect_form.agreement_id.choices = options(
        [("", _("None (a prohibition)"))] + [(a.id, a.title) for a in agreements]
    )
    return render_template(
        "legislation/resolution_edit.html",
        conflict=overrides.pop("conflict", None),
        item=item,
        resolution=resolution,
        form=form,
        link_form=link_form,
        effect_form=effect_form,
        correction_form=correction_form,
        status=resolution.status if resolution else ResolutionStatus.draft,
        categories=legislation.categories(),
        action_form=EmptyForm(),
    ), status


@bp.route("/items/<id:item_id>/resolution", methods=["GET", "POST"])
@editor_required
def resolution(item_id: int):
    item = _resolution_item(item_id)
    if request.method == "GET":
        return _page(item)
    existing = legislation.find_resolution(item)
    if existing is not None and existing.status != ResolutionStatus.draft and request.form.get("topics_only"):
        return _resolution_topics(item, existing)
    form = forms.ResolutionForm(prefix="res")
    offer_topics(form.topic_ids, existing.topics if existing is not None else [])
    if not form.validate_on_submit():
        return _page(item, 422, form=form)
    with attempt(form) as done:
        if existing is not None:
            require_version(existing, form.version.data)
        drafted = legislation.resolution_for(item, actor=current_user)
        legislation.update_draft(
            drafted,
            title=form.title.data,
            text_md=form.text_md.data,
            effective_on=form.effective_on.data,
            actor=current_user,
        )
        save_topics(drafted, form.topic_ids, actor=current_user)
    if not done:
        if isinstance(done.error, EditConflict) and existing is not None:
            return _page(item, 409, form=form, conflict=conflict_for(form, existing))
        return _page(item, 422, form=form)
    flash(_("Resolution draft saved."), "success")
    return redirect(url_for("legislation.resolution", item_id=item.id))


def _resolution_topics(item: AgendaItem, resolution: Resolution):
    """After adoption the text is final, but its topics may still be set (they describe the record, not part of
    it)."""
    form = forms.ResolutionForm(prefix="res")
    del form.title, form.text_md, form.effective_on
    offer_topics(form.topic_ids, resolution.topics)
    if form.validate_on_submit():
        with attempt(form) as done:
            require_version(resolution, form.version.data)
            save_topics(resolution, form.topic_ids, actor=current_user)
        if done:
            flash(_("Topics saved."), "success")
            return redirect(url_for("legislation.resolution", item_id=item.id))
    return _page(item, 422, form=form)


@bp.route("/items/<id:item_id>/resolution/links", methods=["POST"])
@editor_required
def add_link(item_id: int):
    item = _resolution_item(item_id)
    form = forms.LinkForm(prefix="link")
    form.target_id.choices = options((r.id, r.label) for r in db.session.scalars(select(Resolution)))
    if not form.validate_on_submit():
        return _page(item, 422, link_form=form)
    with attempt(form) as done:
        legislation.add_link(
            legislation.resolution_for(item, actor=current_user),
            db.session.get(Resolution, form.target_id.data),
            LinkKind(form.kind.data),
            actor=current_user,
        )
    if not done:
        return _page(item, 422, link_form=form)
    flash(_("Link recorded."), "success")
    return redirect(url_for("legislation.resolution", item_id=item.id) + "#links")


@bp.route("/items/<id:item_id>/resolution/effects", methods=["POST"])
@editor_required
def add_effect(item_id: int):
    item = _resolution_item(item_id)
    form = forms.EffectForm(prefix="effect")
    form.agreement_id.choices = options([("", "")] + [(a.id, a.title) for a in db.session.scalars(select(Agreement))])
    if not form.validate_on_submit():
        return _page(item, 422, effect_form=form)
    agreement = db.session.get(Agreement, form.agreement_id.data) if form.agreement_id.data else None
    with attempt(form) as done:
        legislation.add_effect(
            legislation.resolution_for(item, actor=current_user),
            kind=EffectKind(form.kind.data),
            agreement=agreement,
            category=form.category.data,
            effective_on=form.effective_on.data,
            note=form.note.data,
            actor=current_user,
        )
    if not done:
        return _page(item, 422, effect_form=form)
    flash(_("Effect recorded."), "success")
    return redirect(url_for("legislation.resolution", item_id=item.id) + "#effects")


@bp.route("/items/<id:item_id>/resolution/correct", methods=["POST"])
@editor_required
def correct(item_id: int):
    """After adoption: the number or the effective date corrected, with a reason (issue 17)."""
    item = _resolution_item(item_id)
    form = forms.CorrectionForm(prefix="fix")
    if not form.validate_on_submit():
        return _page(item, 422, correction_form=form)
    resolution = legislation.find_resolution(item)
    if resolution is None:
        abort(404)
    with attempt(form) as done:
        corrections.correct_resolution(
            resolution,
            number=form.number.data,
            effective_on=form.effective_on.data,
            reason=form.reason.data,
            actor=current_user,
        )
    if not done:
        return _page(item, 422, correction_form=form)
    flash(_("Correction recorded; it is shown on the public page."), "success")
    return redirect(url_for("legislation.resolution", item_id=item.id) + "#corrections")


@bp.route("/items/<id:item_id>/resolution/withdraw", methods=["POST"])
@editor_required
def withdraw(item_id: int):
    item = _resolution_item(item_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with attempt() as done:
        legislation.withdraw(legislation.resolution_for(item, actor=current_user), actor=current_user)
    if done:
        flash(_("Resolution withdrawn; it will get no number."), "success")
    return redirect(url_for("legislation.resolution", item_id=item.id))


# --- agreements -------------------------------------------------------------------------------------------


@bp.route("/agreements")
@staff_required
def agreements():
    agreements = db.session.scalars(
        select(Agreement)
        .options(selectinload(Agreement.effects).selectinload(AgreementEffect.resolution))
        .order_by(Agreement.signed_on.desc(), Agreement.id)
    ).all()
    today = to_local(utcnow()).date()
    rows = [
        (a, legislation.agreement_status(a, today), legislation.prohibitions(a.category, today)) for a in agreements
    ]
    return render_template("legislation/agreements_staff.html", rows=rows)


def _agreement_page(agreement: Agreement | None, form, status: int = 200, doc_form=None):
    offer_topics(form.topic_ids, agreement.topics if agreement is not None else [])
    today = to_local(utcnow()).date()
    flags = (
        legislation.prohibitions(
            form.category.data or (agreement.category if agreement else ""), (form.signed_on.data or today)
        )
        if (form.category.data or agreement)
        else []
    )
    return render_template(
        "legislation/agreement_form.html",
        agreement=agreement,
        form=form,
        flags=flags,
        doc_form=doc_form or forms.DocumentForm(prefix="doc"),
        categories=legislation.categories(),
        state=legislation.agreement_status(agreement, today) if agreement else None,
    ), status


@bp.route("/agreements/new", methods=["GET", "POST"])
@editor_required
def new_agreement():
    return _save_agreement(None)


@bp.route("/agreements/<id:agreement_id>", methods=["GET", "POST"])
@editor_required
def edit_agreement(agreement_id: int):
    return _save_agreement(get_or_404(Agreement, agreement_id, selectinload(Agreement.documents)))


def _save_agreement(agreement: Agreement | None):
    form = forms.AgreementForm(prefix="agr", obj=agreement)
    offer_topics(form.topic_ids, agreement.topics if agreement is not None else [])
    if request.method == "GET":
        return _agreement_page(agreement, form)
    if not form.validate_on_submit():
        return _agreement_page(agreement, form, 422)
    with attempt(form) as done:
        saved = legislation.save_agreement(
            agreement,
            title=form.title.data,
            counterparty=form.counterparty.data,
            category=form.category.data,
            signed_on=form.signed_on.data,
            signed_by=form.signed_by.data,
            description_md=form.description_md.data,
            actor=current_user,
        )
        save_topics(saved, form.topic_ids, actor=current_user)
    if not done:
        return _agreement_page(agreement, form, 422)
    flags = legislation.prohibitions(saved.category, saved.signed_on or to_local(utcnow()).date())
    for effect in flags:
        flash(
            _(
                "Warning: “%(category)s” agreements are prohibited by Resolution %(number)s (in effect since %(day)s).",
                category=effect.category,
                number=effect.resolution.number,
                day=effect.effective_on.isoformat(),
            ),
            "error",
        )
    flash(_("Agreement saved."), "success")
    return redirect(url_for("legislation.edit_agreement", agreement_id=saved.id))


@bp.route("/agreements/<id:agreement_id>/documents", methods=["POST"])
@editor_required
def add_document(agreement_id: int):
    agreement = get_or_404(Agreement, agreement_id, selectinload(Agreement.documents))
    doc_form = forms.DocumentForm(prefix="doc")
    form = forms.AgreementForm(prefix="agr", obj=agreement, formdata=None)
    if doc_form.validate_on_submit():
        upload = doc_form.file.data
        with attempt(doc_form) as done:
            document = legislation.add_document(
                agreement,
                filename=getattr(upload, "filename", ""),
                stream=getattr(upload, "stream", None) or io.BytesIO(),
                actor=current_user,
            )
        if done:
            flash(_("Document added."), "success")
            document_checks.flash_findings(document)
            return redirect(url_for("legislation.edit_agreement", agreement_id=agreement.id))
    return _agreement_page(agreement, form, 422, doc_form=doc_form)
