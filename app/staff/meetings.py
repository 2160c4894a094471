"""The clerk's workspace: meetings, their notice and lifecycle; the agenda, minutes and attendance pages are in
agenda_items.py, minutes.py and attendance.py on the same blueprint."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.decorators import editor_required, login_gate, staff_required
from app.auth.forms import EmptyForm
from app.bodies.models import Body
from app.core import mail_progress
from app.core.actions import attempt
from app.core.errors import DomainError
from app.core.forms import options
from app.core.loaders import get_or_404
from app.core.outbox import MailingKind
from app.core.timeutil import NonexistentLocalTime, local_to_utc, to_local, utc_to_local_naive, utcnow
from app.extensions import db
from app.legislation.services import prohibited_items
from app.matters import second_reading
from app.meetings import agenda, agenda_template, changes, forms, lifecycle, notice
from app.meetings.models import AgendaItem, Meeting, MeetingKind, MeetingStatus, Minutes
from app.public_comment import tallies as comment_tallies
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


# --- meetings ----------------------------------------------------------------------------------


@bp.route("/meetings")
@staff_required
def index():
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.start_at.desc()).limit(500)).all()
    return render_template("meetings/index.html", meetings=meetings)


def _body_choices():
    """Bodies that still meet (a retired body keeps its record but gets no new meetings)."""
    return [
        (b.id, b.name) for b in db.session.scalars(select(Body).where(Body.retired_on.is_(None)).order_by(Body.name))
    ]


@bp.route("/meetings/new", methods=["GET", "POST"])
@editor_required
def new():
    form = forms.MeetingForm()
    form.body_id.choices = options(_body_choices())
    del form.reason
    if form.validate_on_submit():
        body = db.session.get(Body, form.body_id.data)
        with attempt(form) as done:
            meeting = agenda_template.schedule_meeting(
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
        if done:
            flash(_("Meeting scheduled as a draft. Add agenda items, then publish the notice."), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=None), 422 if form.errors else 200


@bp.route("/meetings/<id:meeting_id>")
@staff_required
def detail(meeting_id: int):
    return _detail_page(_workspace_meeting_or_404(meeting_id))


def _workspace_meeting_or_404(meeting_id: int) -> Meeting:
    """A meeting with everything its staff page shows, each relation in one query (the items' sponsors and documents
    by subquery: selectinload would send one query per 500 items)."""
    return get_or_404(
        Meeting,
        meeting_id,
        selectinload(Meeting.items).subqueryload(AgendaItem.sponsors),
        selectinload(Meeting.items).subqueryload(AgendaItem.attachments),
        selectinload(Meeting.items).joinedload(AgendaItem.resolution),
        selectinload(Meeting.items).joinedload(AgendaItem.matter),
        selectinload(Meeting.changes),
        joinedload(Meeting.minutes).joinedload(Minutes.approved_at_meeting),
    )


def _detail_page(meeting: Meeting, *, publish_form=None, start_form=None, status: int = 200):
    """The staff meeting page; a refused publication re-renders it with the form's errors."""
    from app.staff.packets import packet_panel

    check = notice.check_notice(meeting) if meeting.status == MeetingStatus.draft else None
    return render_template(
        "meetings/detail.html",
        meeting=meeting,
        mail_lines=mail_progress.topic_lines(f"meeting:{meeting.id}") if current_user.can("see_contacts") else [],
        check=check,
        publish_form=publish_form or forms.PublishForm(),
        start_form=start_form or forms.CallToOrderForm(prefix="start"),
        call_check=lifecycle.call_to_order_check(meeting)
        if meeting.status in (MeetingStatus.noticed, MeetingStatus.rescheduled)
        else None,
        cancel_form=forms.ReasonForm(prefix="cancel"),
        generate_form=forms.GenerateMinutesForm(),
        tallies=comment_tallies.tallies(meeting.id) if meeting.status != MeetingStatus.draft else {},
        **vote_record.meeting_record(meeting),
        prohibited=prohibited_items(meeting.active_items, to_local(utcnow()).date()),
        reading_problems=second_reading.agenda_problems(meeting.items, to_local(meeting.start_at).date()),
        packet=packet_panel(meeting),
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
        with attempt(form) as done:
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
        if done:
            flash(_("Meeting saved."), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=meeting), 422 if form.errors else 200


def _status_action(meeting_id: int, action, message: str, after=None):
    """Run one state change; ``after(meeting)`` runs once it is committed (mail, never part of the change)."""
    meeting = get_or_404(Meeting, meeting_id)
    if EmptyForm().validate_on_submit():
        with attempt() as done:
            action(meeting, actor=current_user)
        if done:
            flash(message, "success")
            if after is not None:
                after(meeting)
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


@bp.route("/meetings/<id:meeting_id>/publish", methods=["POST"])
@editor_required
def publish(meeting_id: int):
    meeting = _workspace_meeting_or_404(meeting_id)
    form = forms.PublishForm()
    if form.validate_on_submit():
        with attempt(form) as done:
            check = lifecycle.publish_meeting(
                meeting,
                actor=current_user,
                override_reason=form.override_reason.data,
                emergency_justification=form.emergency_justification.data,
            )
        if done:
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
        with attempt(form) as done:
            check = lifecycle.reschedule_meeting(
                meeting,
                start_at=_to_utc(form, "start_local"),
                end_at=_to_utc(form, "end_local"),
                reason=form.reason.data,
                override_reason=form.override_reason.data,
                actor=current_user,
            )
        if done:
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
        with attempt() as done:
            lifecycle.cancel_meeting(meeting, reason=form.reason.data, actor=current_user)
        if done:
            flash(_("Meeting cancelled. It stays listed, marked cancelled, with the reason."), "success")
    else:
        flash(_("Give the reason for cancelling; it stays on the public record."), "error")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.route("/meetings/<id:meeting_id>/start", methods=["POST"])
@editor_required
def start(meeting_id: int):
    """Call to order. Before the noticed time the clerk must give a reason: the refusal shows the page again with
    the reason field and what was typed (no script needed). Long after it, a warning."""
    meeting = _workspace_meeting_or_404(meeting_id)
    form = forms.CallToOrderForm(prefix="start")
    if form.validate_on_submit():
        with attempt(form) as done:
            check = lifecycle.start_meeting(meeting, actor=current_user, early_reason=form.early_reason.data)
        if done:
            flash(_("Meeting called to order."), "success")
            if check.late:
                flash(check.late_message(), "warning")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return _detail_page(meeting, start_form=form, status=422)


@bp.route("/meetings/<id:meeting_id>/adjourn", methods=["POST"])
@editor_required
def adjourn(meeting_id: int):
    """Adjourn. With items still open the clerk sees them listed on a confirmation page and confirms once; with a
    roll call open it is refused, and nothing happens without the confirmation."""
    meeting = get_or_404(Meeting, meeting_id)
    form = forms.AdjournForm()
    if not form.validate_on_submit():
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    with attempt(flash_error=False) as done:
        lifecycle.adjourn_meeting(meeting, actor=current_user, confirm_open_items=bool(form.confirm.data))
    if done:
        flash(_("Meeting adjourned."), "success")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    if isinstance(done.error, lifecycle.OpenItemsRemain):
        return render_template("meetings/adjourn.html", meeting=meeting, items=done.error.items, form=form), 409
    flash(done.error.message, "error")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.route("/meetings/<id:meeting_id>/agenda/publish", methods=["POST"])
@editor_required
def publish_agenda(meeting_id: int):
    def report_mail(meeting):
        mailing = next(
            iter(mail_progress.mailings(topic=f"meeting:{meeting.id}", kind=MailingKind.agenda, limit=1)), None
        )
        if mailing is not None and mailing.total:
            flash(
                ngettext(
                    "The agenda is being emailed to %(num)d subscriber; the mail page shows its progress.",
                    "The agenda is being emailed to %(num)d subscribers; the mail page shows its progress.",
                    mailing.total,
                ),
                "info",
            )

    return _status_action(
        meeting_id,
        agenda.publish_agenda,
        _("Agenda published. Later changes are amendments with a reason, shown publicly."),
        after=report_mail,
    )


# The other pages of the clerk's workspace add their routes to this blueprint.
import app.staff.accessibility  # noqa: E402,F401  (accessible documents, R14)
import app.staff.agenda_items  # noqa: E402,F401
import app.staff.attendance  # noqa: E402,F401
import app.staff.cockpit  # noqa: E402,F401  (the clerk's live screen)
import app.staff.matter_list  # noqa: E402,F401  (every matter, filtered and paged, issue 20)
import app.staff.matters  # noqa: E402,F401  (the clerk's matter page, issue 20)
import app.staff.minutes  # noqa: E402,F401
import app.staff.packets  # noqa: E402,F401  (the agenda packet: build, progress, download)
import app.staff.recordings  # noqa: E402,F401  (the meeting's recording and its index, issue 21)
import app.staff.seat  # noqa: E402,F401  (a commissioner's seat, on a phone)
