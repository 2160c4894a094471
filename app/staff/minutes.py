"""Minutes in the clerk's workspace: drafted from the record, edited, released for approval, and put on the agenda
of a later meeting, whose vote approves them (app.minutes.reactions). The clerk cannot approve them alone."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app.auth.decorators import editor_required
from app.core.actions import attempt
from app.core.loaders import get_or_404
from app.core.versioning import EditConflict, conflict_for, require_version
from app.extensions import db
from app.meetings import forms
from app.meetings.models import AgendaItem, Meeting, Minutes
from app.minutes import services as minutes_service
from app.staff.meetings import bp


@bp.route("/meetings/<id:meeting_id>/minutes/generate", methods=["POST"])
@editor_required
def generate_minutes(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    form = forms.GenerateMinutesForm()
    if form.validate_on_submit():
        with attempt() as done:
            minutes_service.generate_minutes(meeting, actor=current_user, replace=bool(form.replace.data))
        if done:
            if meeting.minutes.is_released:
                flash(
                    _("Draft minutes generated again from the record. They are public, marked as not yet approved."),
                    "success",
                )
            else:
                flash(
                    _(
                        "Draft minutes generated from the record. Only staff see them until you release them "
                        "for approval."
                    ),
                    "success",
                )
            return redirect(url_for("meetings.minutes", meeting_id=meeting.id))
    return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#minutes")


def _minutes_meeting_or_404(meeting_id: int) -> Meeting:
    """The meeting with its minutes and everything the minutes page shows of them, loaded here (not by the page)."""
    meeting = get_or_404(
        Meeting,
        meeting_id,
        joinedload(Meeting.minutes).joinedload(Minutes.approval_item).joinedload(AgendaItem.meeting),
        joinedload(Meeting.minutes).joinedload(Minutes.approved_at_meeting),
        joinedload(Meeting.minutes).joinedload(Minutes.approved_motion),
    )
    if meeting.minutes is None:
        abort(404)
    return meeting


def _minutes_page(meeting: Meeting, *, form=None, schedule_form=None, status: int = 200, conflict=None):
    minutes = meeting.minutes
    pending = minutes_service.pending_approval_item(minutes)
    next_meeting = None
    if minutes.is_released and pending is None:
        next_meeting = minutes_service.next_meeting_for_approval(minutes)
    if schedule_form is None:
        schedule_form = forms.ScheduleApprovalForm()
    return render_template(
        "meetings/minutes.html",
        conflict=conflict,
        meeting=meeting,
        minutes=minutes,
        form=form or forms.MinutesForm(obj=minutes),
        release_form=forms.ReleaseMinutesForm(),
        schedule_form=schedule_form,
        pending=pending,
        next_meeting=next_meeting,
        # The next meeting's agenda is published: adding the item is an amendment, with a reason.
        needs_reason=next_meeting is not None and next_meeting.agenda_is_published,
    ), status


@bp.route("/meetings/<id:meeting_id>/minutes", methods=["GET", "POST"])
@editor_required
def minutes(meeting_id: int):
    meeting = _minutes_meeting_or_404(meeting_id)
    form = forms.MinutesForm(obj=meeting.minutes)
    conflict = None
    if form.validate_on_submit():
        with attempt(form) as done:
            require_version(meeting.minutes, form.version.data)
            minutes_service.update_minutes(meeting.minutes, body_md=form.body_md.data, actor=current_user)
        if done:
            flash(_("Draft minutes saved."), "success")
            return redirect(url_for("meetings.minutes", meeting_id=meeting.id))
        if isinstance(done.error, EditConflict):
            conflict = conflict_for(form, meeting.minutes)
    return _minutes_page(meeting, form=form, status=409 if conflict else 422 if form.errors else 200, conflict=conflict)


@bp.route("/meetings/<id:meeting_id>/minutes/release", methods=["POST"])
@editor_required
def release_minutes(meeting_id: int):
    meeting = _minutes_meeting_or_404(meeting_id)
    form = forms.ReleaseMinutesForm()
    if form.validate_on_submit():
        with attempt() as done:
            minutes_service.release_minutes(meeting.minutes, actor=current_user)
        if done:
            flash(
                _("Draft minutes released for approval. The public sees them now, marked as not yet approved."),
                "success",
            )
    return redirect(url_for("meetings.minutes", meeting_id=meeting.id))


@bp.route("/meetings/<id:meeting_id>/minutes/schedule-approval", methods=["POST"])
@editor_required
def schedule_approval(meeting_id: int):
    meeting = _minutes_meeting_or_404(meeting_id)
    form = forms.ScheduleApprovalForm()
    if not form.validate_on_submit():
        flash(_("Choose a later regular meeting of the same body."), "error")
        return redirect(url_for("meetings.minutes", meeting_id=meeting.id))
    later = db.session.get(Meeting, form.meeting_id.data)
    with attempt(form) as done:
        item = minutes_service.schedule_approval(
            meeting.minutes, later, amendment_reason=form.amendment_reason.data, actor=current_user
        )
    if done:
        flash(
            _(
                "Item %(label)s “%(title)s” added to the agenda of %(meeting)s.",
                label=item.label,
                title=item.title,
                meeting=later.title,
            ),
            "success",
        )
        return redirect(url_for("meetings.minutes", meeting_id=meeting.id))
    return _minutes_page(meeting, schedule_form=form, status=422)
