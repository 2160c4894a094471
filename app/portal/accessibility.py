"""Asking for an accessible copy of a public document (R14), and the OCR'd copy of a scanned attachment.

Routes of the portal blueprint. The form keeps everything typed when it is refused (an expired CSRF token, the
rate limit, a missing field); what the resident gives is private (app/legislation/accessibility.py).
"""

from flask import abort, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.core.actions import attempt
from app.core.loaders import MAX_ID
from app.core.outbox import external_url
from app.core.ratelimit import form_limit
from app.core.uploads import send_stored
from app.extensions import csrf, db
from app.legislation import accessibility as copies
from app.legislation.models import AgreementDocument
from app.meetings.models import AgendaItem, Attachment
from app.portal.comment import public_form_limit, validate_public_form
from app.portal.views import bp


class AccessibleCopyForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(_l("Enter your name.")), Length(max=copies.NAME_MAX)])
    email = StringField(
        _l("Your email address"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=copies.EMAIL_MAX),
            Email(_l("Enter an email address like name@example.com.")),
        ],
    )
    document = StringField(
        _l("Which document"),
        validators=[DataRequired(_l("Say which document you need.")), Length(max=copies.DOCUMENT_MAX)],
    )
    needs = TextAreaField(
        _l("What you need"),
        validators=[DataRequired(_l("Say what you need.")), Length(max=copies.NEEDS_MAX)],
    )
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)])


def _wanted_id(name: str) -> int | None:
    """The id in ``?name=``; a 404 for one that is not a plausible id."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= MAX_ID:
        abort(404)
    return int(raw)


def _public_attachment(attachment_id: int) -> Attachment:
    attachment = db.session.get(
        Attachment, attachment_id, options=[joinedload(Attachment.item).joinedload(AgendaItem.meeting)]
    )
    if attachment is None or attachment.item.meeting.agenda_published_at is None:
        abort(404)  # a document of a draft agenda is not public
    return attachment


def _document():
    """(attachment, agreement document, its name as prefilled, its public address) from the query string."""
    attachment_id, document_id = _wanted_id("attachment"), _wanted_id("agreement_document")
    if attachment_id is not None:
        attachment = _public_attachment(attachment_id)
        meeting = attachment.item.meeting
        label = f"{attachment.original_filename} ({meeting.title}, {attachment.item.label})"
        url = external_url(
            "portal.document", meeting_id=meeting.id, attachment_id=attachment.id, filename=attachment.original_filename
        )
        return attachment, None, label, url
    if document_id is not None:
        document = db.session.get(AgreementDocument, document_id, options=[joinedload(AgreementDocument.agreement)])
        if document is None:
            abort(404)
        label = f"{document.original_filename} ({document.agreement.title})"
        url = external_url("portal.agreement_document", document_id=document.id, filename=document.original_filename)
        return None, document, label, url
    return None, None, "", ""


@bp.route("/accessible-copy", methods=["GET", "POST"])
@csrf.exempt  # checked by validate_public_form, so an expired form is shown back with what was typed
@form_limit(public_form_limit)
def accessible_copy():
    attachment, agreement_document, label, url = _document()
    form = AccessibleCopyForm()
    if request.method == "GET":
        form.document.data = label
    status = 200
    if request.method == "POST":
        status = 422
        if validate_public_form(form):
            with attempt(form) as done:
                entry = copies.request_copy(
                    document=form.document.data,
                    name=form.name.data,
                    email=form.email.data,
                    needs=form.needs.data,
                    locale=str(get_locale()),
                    document_url=url,
                    attachment=attachment,
                    agreement_document=agreement_document,
                )
            if done:
                response = render_template("portal/accessible_copy_sent.html", document=entry.document)
                return response, 200, {"Cache-Control": "no-store"}
    issues = (attachment or agreement_document).accessibility_issues if (attachment or agreement_document) else []
    return render_template("portal/accessible_copy.html", form=form, issues=issues), status


@bp.route("/meetings/<id:meeting_id>/documents/<id:attachment_id>/accessible/<path:filename>")
def accessible_document(meeting_id: int, attachment_id: int, filename: str):
    """The OCR'd copy of a published scanned attachment (the original stays the record)."""
    attachment = _public_attachment(attachment_id)
    if attachment.item.meeting_id != meeting_id or not attachment.accessible_stored_name:
        abort(404)
    return send_stored(attachment.accessible_copy)
