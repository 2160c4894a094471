"""The clerk's workspace: meetings, notices, agendas, attachments and minutes."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.decorators import editor_required, login_gate, staff_required
from app.auth.forms import EmptyForm
from app.bodies.models import Body
from app.core.errors import DomainError
from app.core.forms import attach_error, options
from app.core.loaders import get_or_404
from app.core.timeutil import NonexistentLocalTime, local_to_utc, to_local, utc_to_local_naive, utcnow
from app.core.uploads import send_stored
from app.extensions import db
from app.legislation.services import prohibited_items
from app.meetings import agenda, attendance, changes, forms, lifecycle, notice
from app.meetings.models import (
    AgendaItem,
    AgendaItemType,
    Attachment,
    AttendanceStatus,
    CommentExemption,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from app.minutes import services as minutes_service
from app.public_comment import tallies as comment_tallies
from app.subscriptions import services as subscriptions
from app.votes import reading as vote_record

bp = Blueprint("meetings", __name__, url_prefix="/staff")
bp.before_request(login_gate())
bp.add_app_template_filter(changes.describe, "change_text")


def _to_utc(form, field_name):
    field = getattr(form, field_name)
    if field.data is None:
        return None
    try:
        return local_to_utc(field.data)
    except NonexistentLocalTime:
        raise DomainError(
            _("That time does not exist on that day: the clocks move forward an hour."), field=field_name
        ) from None


def _fail(form, exc, template, status=422, **context):
    db.session.rollback()
    attach_error(form, exc)
    return render_template(template, form=form, **context), status


# --- meetings ----------------------------------------------------------------------------------


@bp.route("/meetings")
@staff_required
def index():
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.start_at.desc()).limit(500)).all()
    return render_template("meetings/index.html", meetings=meetings)


def _body_choices():
    return [(b.id, b.name) for b in db.session.scalars(select(Body).order_by(Body.name))]


@bp.route("/meetings/new", methods=["GET", "POST"])
@editor_required
def new():
    form = forms.MeetingForm()
    form.body_id.choices = options(_body_choices())
    del form.reason
    if form.validate_on_submit():
        body = db.session.get(Body, form.body_id.data)
        try:
            meeting = lifecycle.schedule_meeting(
                body=body,
                kind=MeetingKind(form.kind.data),
                title=form.title.data,
                start_at=_to_utc(form, "start_local"),
                end_at=_to_utc(form, "end_local"),
                location=form.location.data,
                remote_url=form.remote_url.data,
                purpose=form.purpose.data,
                actor=current_user,
            )
        except DomainError as exc:
            return _fail(form, exc, "meetings/form.html", meeting=None)
        db.session.commit()
        flash(_("Meeting scheduled as a draft. Add agenda items, then publish the notice."), "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=None), 422 if form.errors else 200


@bp.route("/meetings/<id:meeting_id>")
@staff_required
def detail(meeting_id: int):
    meeting = db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            selectinload(Meeting.items).selectinload(AgendaItem.sponsors),
            selectinload(Meeting.items).selectinload(AgendaItem.attachments),
            selectinload(Meeting.items).joinedload(AgendaItem.resolution),
            selectinload(Meeting.changes),
            joinedload(Meeting.minutes),
        )
    )
    if meeting is None:
        abort(404)
    return _detail_page(meeting)


def _detail_page(meeting: Meeting, *, publish_form=None, status: int = 200):
    """The staff meeting page; a refused publication re-renders it with the form's errors."""
    check = notice.check_notice(meeting) if meeting.status == MeetingStatus.draft else None
    later = []
    if meeting.minutes is not None and not meeting.minutes.is_locked:
        later = db.session.scalars(
            select(Meeting)
            .where(
                Meeting.body_id == meeting.body_id,
                Meeting.start_at > meeting.start_at,
                Meeting.status != MeetingStatus.draft,
            )
            .order_by(Meeting.start_at)
            .limit(20)
        ).all()
    approve_form = forms.ApproveMinutesForm()
    approve_form.approved_at_meeting_id.choices = options(
        [("", _("No meeting (approved by the clerk)"))]
        + [(m.id, f"{to_local(m.start_at):%Y-%m-%d} {m.title}") for m in later]
    )
    return render_template(
        "meetings/detail.html",
        meeting=meeting,
        check=check,
        publish_form=publish_form or forms.PublishForm(),
        cancel_form=forms.ReasonForm(prefix="cancel"),
        generate_form=forms.GenerateMinutesForm(),
        approve_form=approve_form,
        tallies=comment_tallies.tallies(meeting.id) if meeting.status != MeetingStatus.draft else {},
        **vote_record.meeting_record(meeting),
        prohibited=prohibited_items(meeting.active_items, to_local(utcnow()).date()),
    ), status


@bp.route("/meetings/<id:meeting_id>/edit", methods=["GET", "POST"])
@editor_required
def edit(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    form = forms.MeetingForm(obj=meeting)
    form.body_id.choices = options([(meeting.body_id, meeting.body.name)])
    if request.method == "GET":
        form.kind.data = meeting.kind.value
        form.start_local.data = utc_to_local_naive(meeting.start_at)
        form.end_local.data = utc_to_local_naive(meeting.end_at)
        form.reason.data = ""
    if form.validate_on_submit():
        try:
            lifecycle.update_meeting(
                meeting,
                kind=MeetingKind(form.kind.data),
                title=form.title.data,
                start_at=_to_utc(form, "start_local"),
                end_at=_to_utc(form, "end_local"),
                location=form.location.data,
                remote_url=form.remote_url.data,
                purpose=form.purpose.data,
                reason=form.reason.data,
                actor=current_user,
            )
        except DomainError as exc:
            return _fail(form, exc, "meetings/form.html", meeting=meeting)
        db.session.commit()
        flash(_("Meeting saved."), "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=meeting), 422 if form.errors else 200


def _status_action(meeting_id: int, action, done: str, after=None):
    """Run one state change; ``after(meeting)`` runs once it is committed (mail, never part of the change)."""
    meeting = get_or_404(Meeting, meeting_id)
    if EmptyForm().validate_on_submit():
        try:
            action(meeting, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(done, "success")
            if after is not None:
                after(meeting)
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


@bp.route("/meetings/<id:meeting_id>/publish", methods=["POST"])
@editor_required
def publish(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    form = forms.PublishForm()
    if form.validate_on_submit():
        try:
            check = lifecycle.publish_meeting(
                meeting,
                actor=current_user,
                override_reason=form.override_reason.data,
                emergency_justification=form.emergency_justification.data,
            )
        except DomainError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Notice published."), "success")
            if check.level == "warn":
                flash(check.message, "warning")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return _detail_page(meeting, publish_form=form, status=422)


@bp.route("/meetings/<id:meeting_id>/reschedule", methods=["GET", "POST"])
@editor_required
def reschedule(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    form = forms.RescheduleForm()
    if request.method == "GET":
        form.start_local.data = utc_to_local_naive(meeting.start_at)
        form.end_local.data = utc_to_local_naive(meeting.end_at)
    if form.validate_on_submit():
        try:
            check = lifecycle.reschedule_meeting(
                meeting,
                start_at=_to_utc(form, "start_local"),
                end_at=_to_utc(form, "end_local"),
                reason=form.reason.data,
                override_reason=form.override_reason.data,
                actor=current_user,
            )
        except DomainError as exc:
            return _fail(form, exc, "meetings/reschedule.html", meeting=meeting)
        db.session.commit()
        flash(_("Meeting rescheduled. The change is shown on the public notice."), "success")
        if check.level == "warn":
            flash(check.message, "warning")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/reschedule.html", form=form, meeting=meeting), 422 if form.errors else 200


@bp.route("/meetings/<id:meeting_id>/cancel", methods=["POST"])
@editor_required
def cancel(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    form = forms.ReasonForm(prefix="cancel")
    if form.validate_on_submit():
        try:
            lifecycle.cancel_meeting(meeting, reason=form.reason.data, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Meeting cancelled. It stays listed, marked cancelled, with the reason."), "success")
    else:
        flash(_("Give the reason for cancelling; it stays on the public record."), "error")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.route("/meetings/<id:meeting_id>/start", methods=["POST"])
@editor_required
def start(meeting_id: int):
    return _status_action(meeting_id, lifecycle.start_meeting, _("Meeting called to order."))


@bp.route("/meetings/<id:meeting_id>/adjourn", methods=["POST"])
@editor_required
def adjourn(meeting_id: int):
    return _status_action(meeting_id, lifecycle.adjourn_meeting, _("Meeting adjourned."))


@bp.route("/meetings/<id:meeting_id>/agenda/publish", methods=["POST"])
@editor_required
def publish_agenda(meeting_id: int):
    def mail_subscribers(meeting):
        sent = subscriptions.notify_agenda(meeting)
        if sent:
            flash(
                ngettext(
                    "The agenda was emailed to %(num)d subscriber.",
                    "The agenda was emailed to %(num)d subscribers.",
                    sent,
                ),
                "info",
            )

    return _status_action(
        meeting_id,
        agenda.publish_agenda,
        _("Agenda published. Later changes are amendments with a reason, shown publicly."),
        after=mail_subscribers,
    )


# --- agenda items ------------------------------------------------------------------------------


def _section_options(meeting: Meeting, leave_out: str | None = None):
    sections = meeting.body.agenda_sections
    return options((s, f"{n}. {s}") for n, s in enumerate(sections, start=1) if s != leave_out)


def _item_form(meeting: Meeting, item: AgendaItem | None = None) -> forms.AgendaItemForm:
    form = forms.AgendaItemForm(obj=item)
    form.section.choices = _section_options(meeting)
    on = to_local(meeting.start_at).date()
    form.sponsor_ids.choices = options((m.member.id, m.member.full_name) for m in meeting.body.current_memberships(on))
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


@bp.route("/meetings/<id:meeting_id>/items/new", methods=["GET", "POST"])
@editor_required
def new_item(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    form = _item_form(meeting)
    if form.validate_on_submit():
        try:
            item = agenda.add_item(
                meeting,
                section=form.section.data,
                within_purpose=form.within_purpose.data != "no",
                confirm_outside_purpose=bool(form.confirm_outside_purpose.data),
                actor=current_user,
                **_item_fields(form),
            )
            upload = _uploaded(form)
            if upload is not None:
                agenda.add_attachment(
                    item,
                    filename=upload.filename,
                    stream=upload.stream,
                    amendment_reason=form.amendment_reason.data,
                    actor=current_user,
                )
        except DomainError as exc:
            if exc.field == "file":
                exc.message += " " + _("Nothing was saved; the rest of the form is kept. Choose the file again.")
            return _fail(form, exc, "meetings/item_form.html", meeting=meeting, item=None)
        db.session.commit()
        flash(_("Item %(label)s added (file number %(number)s).", label=item.label, number=item.file_number), "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#agenda")
    return render_template(
        "meetings/item_form.html", form=form, meeting=meeting, item=None
    ), 422 if form.errors else 200


@bp.route("/items/<id:item_id>", methods=["GET", "POST"])
@editor_required
def edit_item(item_id: int):
    item = get_or_404(AgendaItem, item_id)
    meeting = item.meeting
    form = _item_form(meeting, item)
    del form.section, form.within_purpose, form.confirm_outside_purpose, form.file
    if form.validate_on_submit():
        try:
            agenda.update_item(item, actor=current_user, **_item_fields(form))
        except DomainError as exc:
            return _fail(
                form, exc, "meetings/item_manage.html", meeting=meeting, item=item, **_manage_forms(meeting, item)
            )
        db.session.commit()
        flash(_("Item %(label)s saved.", label=item.label), "success")
        return redirect(url_for("meetings.edit_item", item_id=item.id))
    return render_template(
        "meetings/item_manage.html", form=form, meeting=meeting, item=item, **_manage_forms(meeting, item)
    ), 422 if form.errors else 200


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


def _manage_failure(item, name, form, exc):
    db.session.rollback()
    attach_error(form, exc)
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
    item = get_or_404(AgendaItem, item_id)
    prefix = "move" if "move-direction" in request.form else ""
    form = forms.MoveForm(prefix=prefix)
    back = request.form.get("back") == "meeting"
    if form.validate_on_submit():
        try:
            agenda.move_item(
                item, direction=form.direction.data, amendment_reason=form.amendment_reason.data, actor=current_user
            )
        except DomainError as exc:
            if back:
                db.session.rollback()
                flash(exc.message, "error")
                return redirect(url_for("meetings.detail", meeting_id=item.meeting_id) + "#agenda")
            return _manage_failure(item, "move_form", form, exc)
        db.session.commit()
        flash(_("Item moved; it is now %(label)s.", label=item.label), "success")
    else:
        flash(_("Choose up or down."), "error")
    if back:
        return redirect(url_for("meetings.detail", meeting_id=item.meeting_id) + f"#item-{item.id}")
    return redirect(url_for("meetings.edit_item", item_id=item.id))


@bp.route("/items/<id:item_id>/section", methods=["POST"])
@editor_required
def move_item_to_section(item_id: int):
    item = get_or_404(AgendaItem, item_id)
    form = forms.SectionForm(prefix="sec")
    form.section.choices = _section_options(item.meeting)
    if form.validate_on_submit():
        try:
            agenda.move_item_to_section(
                item, section=form.section.data, amendment_reason=form.amendment_reason.data, actor=current_user
            )
        except DomainError as exc:
            return _manage_failure(item, "section_form", form, exc)
        db.session.commit()
        flash(_("Item moved to %(section)s; it is now %(label)s.", section=item.section, label=item.label), "success")
        return redirect(url_for("meetings.edit_item", item_id=item.id))
    return _manage_failure(item, "section_form", form, DomainError(_("Choose a section."), field="section"))


@bp.route("/items/<id:item_id>/withdraw", methods=["POST"])
@editor_required
def withdraw_item(item_id: int):
    item = get_or_404(AgendaItem, item_id)
    form = forms.ReasonForm(prefix="withdraw")
    if form.validate_on_submit():
        try:
            agenda.withdraw_item(item, reason=form.reason.data, actor=current_user)
        except DomainError as exc:
            return _manage_failure(item, "withdraw_form", form, exc)
        db.session.commit()
        flash(_("Item withdrawn. It stays on the agenda, marked withdrawn; its file number is not reused."), "success")
        return redirect(url_for("meetings.detail", meeting_id=item.meeting_id) + "#agenda")
    return _manage_failure(item, "withdraw_form", form, DomainError(_("Give the reason."), field="reason"))


@bp.route("/items/<id:item_id>/attachments", methods=["POST"])
@editor_required
def add_attachment(item_id: int):
    item = get_or_404(AgendaItem, item_id)
    form = forms.AttachmentForm(prefix="att")
    if form.validate_on_submit():
        upload = _uploaded(form)
        try:
            if upload is None:
                raise DomainError(_("Choose a file to upload."), field="file")
            attachment = agenda.add_attachment(
                item,
                filename=upload.filename,
                stream=upload.stream,
                amendment_reason=form.amendment_reason.data,
                actor=current_user,
            )
        except DomainError as exc:
            return _manage_failure(item, "attach_form", form, exc)
        db.session.commit()
        flash(_("“%(name)s” attached.", name=attachment.original_filename), "success")
        return redirect(url_for("meetings.edit_item", item_id=item.id))
    return _manage_failure(item, "attach_form", form, DomainError(_("Choose a file to upload."), field="file"))


@bp.route("/attachments/<id:attachment_id>")
@staff_required
def attachment(attachment_id: int):
    return send_stored(get_or_404(Attachment, attachment_id))


# --- minutes -----------------------------------------------------------------------------------


@bp.route("/meetings/<id:meeting_id>/minutes/generate", methods=["POST"])
@editor_required
def generate_minutes(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    form = forms.GenerateMinutesForm()
    if form.validate_on_submit():
        try:
            minutes_service.generate_minutes(meeting, actor=current_user, replace=bool(form.replace.data))
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Draft minutes generated from the record. They are public now, marked DRAFT."), "success")
            return redirect(url_for("meetings.minutes", meeting_id=meeting.id))
    return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#minutes")


@bp.route("/meetings/<id:meeting_id>/minutes", methods=["GET", "POST"])
@editor_required
def minutes(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    if meeting.minutes is None:
        abort(404)
    form = forms.MinutesForm(obj=meeting.minutes)
    if form.validate_on_submit():
        try:
            minutes_service.update_minutes(meeting.minutes, body_md=form.body_md.data, actor=current_user)
        except DomainError as exc:
            return _fail(form, exc, "meetings/minutes.html", meeting=meeting)
        db.session.commit()
        flash(_("Draft minutes saved."), "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#minutes")
    return render_template("meetings/minutes.html", form=form, meeting=meeting), 422 if form.errors else 200


@bp.route("/meetings/<id:meeting_id>/minutes/approve", methods=["POST"])
@editor_required
def approve_minutes(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    if meeting.minutes is None:
        abort(404)
    form = forms.ApproveMinutesForm()
    form.approved_at_meeting_id.choices = None  # validated by the service below
    form.approved_at_meeting_id.validate_choice = False
    if form.validate_on_submit():
        later = db.session.get(Meeting, form.approved_at_meeting_id.data) if form.approved_at_meeting_id.data else None
        try:
            minutes_service.approve_minutes(meeting.minutes, approved_at_meeting=later, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Minutes approved and locked."), "success")
    else:
        flash(_("Choose a valid meeting."), "error")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#minutes")


# --- attendance (R4) ---------------------------------------------------------------------------


def _attendance_page(meeting: Meeting, chosen: dict | None = None, error: str | None = None, status: int = 200):
    rows = {a.member_id: a for a in meeting.attendances}
    return render_template(
        "meetings/attendance.html",
        meeting=meeting,
        roll=attendance.roll(meeting),
        rows=rows,
        chosen=chosen or {},
        error=error,
        quorum=attendance.quorum(meeting),
        statuses=list(AttendanceStatus),
        form=EmptyForm(),
    ), status


@bp.route("/meetings/<id:meeting_id>/attendance", methods=["GET", "POST"])
@editor_required
def take_attendance(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        chosen = {m.member_id: request.form.get(f"member-{m.member_id}", "")[:40] for m in attendance.roll(meeting)}
        try:
            state = attendance.take_roll(meeting, chosen, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            return _attendance_page(meeting, chosen, exc.message, 422)
        db.session.commit()
        flash(
            _(
                "Roll call recorded: %(n)d present in person, %(r)d remotely. %(quorum)s",
                n=state.in_person,
                r=state.remote,
                quorum=_("Quorum present.") if state.has_quorum else _("No quorum."),
            ),
            "success" if state.has_quorum else "error",
        )
        return redirect(url_for("meetings.take_attendance", meeting_id=meeting.id))
    return _attendance_page(meeting)


ATTENDANCE_ACTIONS = {
    "arrive": lambda m, member_id, actor: attendance.record_arrival(m, member_id, actor=actor),
    "arrive-remote": lambda m, member_id, actor: attendance.record_arrival(m, member_id, remote=True, actor=actor),
    "leave": lambda m, member_id, actor: attendance.record_departure(m, member_id, actor=actor),
}


@bp.route("/meetings/<id:meeting_id>/attendance/<id:member_id>/<action>", methods=["POST"])
@editor_required
def attendance_change(meeting_id: int, member_id: int, action: str):
    meeting = get_or_404(Meeting, meeting_id)
    if action not in ATTENDANCE_ACTIONS or not EmptyForm().validate_on_submit():
        abort(404 if action not in ATTENDANCE_ACTIONS else 400)
    try:
        row = ATTENDANCE_ACTIONS[action](meeting, member_id, current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        state = attendance.quorum(meeting)
        flash(
            _(
                "%(name)s: %(status)s. %(quorum)s",
                name=row.member.full_name,
                status=_("left") if action == "leave" else _("arrived"),
                quorum=_("Quorum present.") if state.has_quorum else _("No quorum."),
            ),
            "success" if state.has_quorum else "error",
        )
    return redirect(url_for("meetings.take_attendance", meeting_id=meeting.id))
