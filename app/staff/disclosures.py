"""Conflict disclosures after the vote: the Form 8B memorandum due within FORM_8B_DAYS (R7), filed by the clerk."""

import io

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.decorators import editor_required, staff_required
from app.core.actions import attempt
from app.core.loaders import get_or_404
from app.core.timeutil import to_local, utcnow
from app.core.uploads import send_download
from app.extensions import db
from app.staff.motions import bp
from app.votes import conflicts, forms
from app.votes.models import ConflictDisclosure


@bp.route("/disclosures")
@editor_required
def disclosures():
    today = to_local(utcnow()).date()
    return render_template(
        "votes/disclosures.html", rows=_disclosure_rows(), today=today, form=forms.Form8BForm(prefix="f8b")
    )


def _disclosure_rows() -> list[ConflictDisclosure]:
    """Every disclosure, those still waiting for their Form 8B first, with the item and meeting the page names."""
    return db.session.scalars(
        select(ConflictDisclosure)
        .options(joinedload(ConflictDisclosure.item), joinedload(ConflictDisclosure.meeting))
        .order_by(ConflictDisclosure.form_8b_filed_on.is_not(None), ConflictDisclosure.form_8b_due_on.desc())
    ).all()


@bp.route("/disclosures/<id:disclosure_id>/form-8b", methods=["POST"])
@editor_required
def file_form_8b(disclosure_id: int):
    disclosure = get_or_404(ConflictDisclosure, disclosure_id)
    form = forms.Form8BForm(prefix="f8b")
    today = to_local(utcnow()).date()
    if form.validate_on_submit():
        upload = form.file.data
        with attempt(form) as done:
            conflicts.file_form_8b(
                disclosure,
                filed_on=form.filed_on.data,
                filename=getattr(upload, "filename", ""),
                stream=getattr(upload, "stream", None) or io.BytesIO(),
                actor=current_user,
            )
        if done:
            flash(_("Form 8B filed and attached to the record."), "success")
            return redirect(url_for("votes.disclosures"))
    return render_template(
        "votes/disclosures.html", rows=_disclosure_rows(), today=today, form=form, form_for=disclosure.id
    ), 422


@bp.route("/disclosures/<id:disclosure_id>/form-8b")
@staff_required
def form_8b(disclosure_id: int):
    disclosure = get_or_404(ConflictDisclosure, disclosure_id)
    if not disclosure.form_8b_stored_name:
        abort(404)
    return send_download(disclosure.form_8b_stored_name, disclosure.form_8b_filename)
