"""The clerk's side of accessible documents (R14): what each upload lacks, OCR of a scanned PDF, a picture's
description, and the residents' requests for accessible copies. Routes of the meetings blueprint."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.auth.decorators import contacts_required, editor_required, staff_required
from app.auth.forms import EmptyForm
from app.core import audit
from app.core.actions import attempt
from app.core.loaders import get_or_404
from app.core.uploads import send_stored
from app.legislation import accessibility as copies
from app.meetings import accessibility, ocr
from app.meetings.models import Attachment
from app.staff.meetings import bp


class DescriptionForm(FlaskForm):
    description = TextAreaField(
        _l("Description of the picture"), validators=[Optional(), Length(max=accessibility.DESCRIPTION_MAX)]
    )


class AnswerForm(FlaskForm):
    note = StringField(_l("How it was answered (optional)"), validators=[Optional(), Length(max=copies.NOTE_MAX)])


@bp.context_processor
def _ocr_on_this_server():
    """Whether the OCR button can be offered (ocrmypdf installed): a flag, not a query."""
    return {"ocr_available": ocr.available}


def flash_findings(document) -> None:
    """After an upload: say what the file lacks, and what to do, or that the check found nothing."""
    issues = document.accessibility_issues
    if not issues:
        flash(_("Accessibility check: nothing missing that a machine can find."), "success")
        return
    flash(
        _(
            "Accessibility check of “%(name)s”: %(missing)s.",
            name=document.original_filename,
            missing="; ".join(f"{issue.label}: {issue.fix}" for issue in issues),
        ),
        "error",
    )


def _attachment_or_404(attachment_id: int) -> Attachment:
    return get_or_404(Attachment, attachment_id, joinedload(Attachment.item))


@bp.route("/attachments/<id:attachment_id>/ocr", methods=["POST"])
@editor_required
def run_ocr(attachment_id: int):
    attachment = _attachment_or_404(attachment_id)
    form = EmptyForm()
    if form.validate_on_submit():
        with attempt() as done:
            ocr.request_ocr(attachment, actor=current_user)
        if done:
            flash(
                _("Text recognition (OCR) queued. The copy appears here when it is ready; the original is kept."),
                "success",
            )
    return redirect(url_for("meetings.edit_item", item_id=attachment.agenda_item_id) + f"#attachment-{attachment.id}")


@bp.route("/attachments/<id:attachment_id>/description", methods=["POST"])
@editor_required
def describe_attachment(attachment_id: int):
    attachment = _attachment_or_404(attachment_id)
    form = DescriptionForm()
    if form.validate_on_submit():
        with attempt() as done:
            accessibility.describe_attachment(attachment, form.description.data, actor=current_user)
        if done:
            flash(_("Description saved."), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for("meetings.edit_item", item_id=attachment.agenda_item_id) + f"#attachment-{attachment.id}")


@bp.route("/attachments/<id:attachment_id>/accessible")
@staff_required
def accessible_copy(attachment_id: int):
    attachment = get_or_404(Attachment, attachment_id)
    if attachment.accessible_copy is None:
        abort(404)
    return send_stored(attachment.accessible_copy)


@bp.route("/accessibility/requests")
@contacts_required  # the residents' names and addresses: the clerk's office
def accessibility_requests():
    """Open requests for accessible copies, with the requester's contact details: the clerks only."""
    open_requests, answered = copies.requests_page()
    if open_requests:  # residents' addresses on the page: on the record, who saw whose (issue 22)
        with attempt():
            audit.record(
                "contacts.view",
                None,
                f"Contact details of {len(open_requests)} accessible-copy requester(s) shown",
                target_type="accessible_copy_requests",
                actor=current_user._get_current_object(),
                data={"page": "accessibility_requests", "accessible_copy_requests": [r.id for r in open_requests]},
            )
    return render_template(
        "meetings/accessibility_requests.html", open_requests=open_requests, answered=answered, form=AnswerForm()
    )


@bp.route("/accessibility/requests/<id:request_id>/answer", methods=["POST"])
@contacts_required
def answer_accessibility_request(request_id: int):
    entry = get_or_404(copies.AccessibleCopyRequest, request_id)
    form = AnswerForm()
    if form.validate_on_submit():
        with attempt() as done:
            copies.answer(entry, note=form.note.data, actor=current_user)
        if done:
            flash(_("Request marked answered."), "success")
    else:
        flash(_("The note is too long (%(max)d characters at most).", max=copies.NOTE_MAX), "error")
    return redirect(url_for("meetings.accessibility_requests"))
