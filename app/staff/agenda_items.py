"""The agenda in the clerk's workspace: items, their order and sections, withdrawals and documents."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from app.auth.decorators import editor_required, staff_required
from app.core.actions import attempt
from app.core.forms import options
from app.core.loaders import get_or_404
from app.core.timeutil import to_local
from app.core.uploads import send_stored
from app.core.versioning import EditConflict, conflict_for, require_version
from app.matters import services as matters
from app.meetings import agenda, documents, forms
from app.meetings.models import AgendaItem, AgendaItemType, Attachment, CommentExemption, Meeting
from app.staff import accessibility as document_checks
from app.staff.meetings import bp
from app.topics.forms import offer_topics, save_topics


def _item_or_404(item_id: int) -> AgendaItem:
    """An item with what its pages show: its documents, sponsors and meeting."""
    return get_or_404(
        AgendaItem,
        item_id,
        selectinload(AgendaItem.attachments),
        selectinload(AgendaItem.sponsors),
        selectinload(AgendaItem.topics),
        joinedload(AgendaItem.meeting),
    )


def _section_options(meeting: Meeting, leave_out: str | None = None):
    sections = meeting.body.agenda_sections
    return options((s, f"{n}. {s}") for n, s in enumerate(sections, start=1) if s != leave_out)


def _item_form(meeting: Meeting, item: AgendaItem | None = None) -> forms.AgendaItemForm:
    form = forms.AgendaItemForm(obj=item)
    form.section.choices = _section_options(meeting)
    on = to_local(meeting.start_at).date()
    form.sponsor_ids.choices = options((m.member.id, m.member.full_name) for m in meeting.body.current_memberships(on))
    offer_topics(form.topic_ids, item.topics if item is not None else [])
    if request.method == "GET" and item is not None:
        form.item_type.data = item.item_type.value
        form.sponsor_ids.data = [m.id for m in item.sponsors]
        form.comment_exemption.data = item.comment_exemption.value if item.comment_exemption else ""
    return form


def _item_fields(form) -> dict:
    return {
        "title": form.title.data,
        "body_md": form.body_md.data,
        "item_type": AgendaItemType(form.item_type.data),
        "sponsor_ids": form.sponsor_ids.data or [],
        "fiscal_impact": form.fiscal_impact.data,
        "public_comment_required": bool(form.public_comment_required.data),
        "agreement_category": form.agreement_category.data,
        "comment_exemption": CommentExemption(form.comment_exemption.data) if form.comment_exemption.data else None,
        "amendment_reason": form.amendment_reason.data,
    }


def _uploaded(form):
    file = form.file.data
    return file if file is not None and getattr(file, "filename", "") else None


def _bring_back_title(form) -> None:
    """A matter brought back keeps its title unless the clerk types another: nothing is retyped (issue 20)."""
    if form.is_submitted() and (form.file_number.data or "").strip() and not (form.title.data or "").strip():
        matter = matters.find_matter(form.file_number.data)
        if matter is not None:
            form.title.data = matter.title


@bp.route("/meetings/<id:meeting_id>/items/new", methods=["GET", "POST"])
@editor_required
def new_item(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    form = _item_form(meeting)
    _bring_back_title(form)
    if form.validate_on_submit():
        with attempt(form) as done:
            number = (form.file_number.data or "").strip()
            item = agenda.add_item(
                meeting,
                section=form.section.data,
                matter=matters.matter_to_bring_back(number) if number else None,
                reading=form.reading.data or "",
                within_purpose=form.within_purpose.data != "no",
                confirm_outside_purpose=bool(form.confirm_outside_purpose.data),
                actor=current_user,
                **_item_fields(form),
            )
            save_topics(item, form.topic_ids, actor=current_user)
            upload = _uploaded(form)
            attachment = None
            if upload is not None:
                attachment = documents.add_attachment(
                    item,
                    filename=upload.filename,
                    stream=upload.stream,
                    amendment_reason=form.amendment_reason.data,
                    actor=current_user,
                )
        if done:
            flash(
                _("Item %(label)s added (file number %(number)s).", label=item.label, number=item.file_number),
                "success",
            )
            if attachment is not None:
                document_checks.flash_findings(attachment)
            return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#agenda")
        if done.error.field == "file":
            form.file.errors.append(_("Nothing was saved; the rest of the form is kept. Choose the file again."))
    return render_template(
        "meetings/item_form.html", form=form, meeting=meeting, item=None
    ), 422 if form.errors else 200


@bp.route("/items/<id:item_id>", methods=["GET", "POST"])
@editor_required
def edit_item(item_id: int):
    item = _item_or_404(item_id)
    meeting = item.meeting
    form = _item_form(meeting, item)
    del form.section, form.within_purpose, form.confirm_outside_purpose, form.file, form.file_number, form.reading
    conflict = None
    if form.validate_on_submit():
        with attempt(form) as done:
            require_version(item, form.version.data)
            agenda.update_item(item, actor=current_user, **_item_fields(form))
            save_topics(item, form.topic_ids, actor=current_user)
        if done:
            flash(_("Item %(label)s saved.", label=item.label), "success")
            return redirect(url_for("meetings.edit_item", item_id=item.id))
        if isinstance(done.error, EditConflict):
            conflict = conflict_for(form, item)
    return render_template(
        "meetings/item_manage.html",
        form=form,
        meeting=meeting,
        item=item,
        conflict=conflict,
        **_manage_forms(meeting, item),
    ), 409 if conflict else 422 if form.errors else 200


def _manage_forms(meeting, item, **overrides):
    section_form = forms.SectionForm(prefix="sec")
    section_form.section.choices = _section_options(meeting, leave_out=item.section)
    result = {
        "move_form": forms.MoveForm(prefix="move"),
        "section_form": section_form,
        "withdraw_form": forms.ReasonForm(prefix="withdraw"),
        "attach_form": forms.AttachmentForm(prefix="att"),
    }
    result.update(overrides)
    return result


def _manage_page(item, name, form):
    """The item's page again, with the refused form ``name`` as the user filled it in."""
    edit_form = _item_form(item.meeting, item)
    del edit_form.section, edit_form.within_purpose, edit_form.confirm_outside_purpose, edit_form.file
    return render_template(
        "meetings/item_manage.html",
        form=edit_form,
        meeting=item.meeting,
        item=item,
        **_manage_forms(item.meeting, item, **{name: form}),
    ), 422


@bp.route("/items/<id:item_id>/move", methods=["POST"])
@editor_required
def move_item(item_id: int):
    item = _item_or_404(item_id)
    prefix = "move" if "move-direction" in request.form else ""
    form = forms.MoveForm(prefix=prefix)
    back = request.form.get("back") == "meeting"
    if form.validate_on_submit():
        with attempt(None if back else form) as done:
            agenda.move_item(
                item, direction=form.direction.data, amendment_reason=form.amendment_reason.data, actor=current_user
            )
        if not done:
            if back:
                return redirect(url_for("meetings.detail", meeting_id=item.meeting_id) + "#agenda")
            return _manage_page(item, "move_form", form)
        flash(_("Item moved; it is now %(label)s.", label=item.label), "success")
    else:
        flash(_("Choose up or down."), "error")
    if back:
        return redirect(url_for("meetings.detail", meeting_id=item.meeting_id) + f"#item-{item.id}")
    return redirect(url_for("meetings.edit_item", item_id=item.id))


@bp.route("/items/<id:item_id>/section", methods=["POST"])
@editor_required
def move_item_to_section(item_id: int):
    item = _item_or_404(item_id)
    form = forms.SectionForm(prefix="sec")
    form.section.choices = _section_options(item.meeting)
    if form.validate_on_submit():
        with attempt(form) as done:
            agenda.move_item_to_section(
                item, section=form.section.data, amendment_reason=form.amendment_reason.data, actor=current_user
            )
        if done:
            flash(
                _("Item moved to %(section)s; it is now %(label)s.", section=item.section, label=item.label), "success"
            )
            return redirect(url_for("meetings.edit_item", item_id=item.id))
    elif not form.section.errors:
        form.section.errors.append(_("Choose a section."))
    return _manage_page(item, "section_form", form)


@bp.route("/items/<id:item_id>/withdraw", methods=["POST"])
@editor_required
def withdraw_item(item_id: int):
    item = _item_or_404(item_id)
    form = forms.ReasonForm(prefix="withdraw")
    if form.validate_on_submit():
        with attempt(form) as done:
            agenda.withdraw_item(item, reason=form.reason.data, actor=current_user)
        if done:
            flash(
                _("Item withdrawn. It stays on the agenda, marked withdrawn; its file number is not reused."), "success"
            )
            return redirect(url_for("meetings.detail", meeting_id=item.meeting_id) + "#agenda")
    elif not form.reason.errors:
        form.reason.errors.append(_("Give the reason."))
    return _manage_page(item, "withdraw_form", form)


@bp.route("/items/<id:item_id>/attachments", methods=["POST"])
@editor_required
def add_attachment(item_id: int):
    item = _item_or_404(item_id)
    form = forms.AttachmentForm(prefix="att")
    upload = _uploaded(form) if form.validate_on_submit() else None
    if upload is not None:
        with attempt(form) as done:
            attachment = documents.add_attachment(
                item,
                filename=upload.filename,
                stream=upload.stream,
                amendment_reason=form.amendment_reason.data,
                actor=current_user,
            )
        if done:
            flash(_("“%(name)s” attached.", name=attachment.original_filename), "success")
            document_checks.flash_findings(attachment)
            return redirect(url_for("meetings.edit_item", item_id=item.id))
    elif not form.file.errors:
        form.file.errors.append(_("Choose a file to upload."))
    return _manage_page(item, "attach_form", form)


@bp.route("/attachments/<id:attachment_id>")
@staff_required
def attachment(attachment_id: int):
    return send_stored(get_or_404(Attachment, attachment_id))
