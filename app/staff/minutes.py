"""Minutes in the clerk's workspace: drafted from the record, edited, approved and locked."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import editor_required
from app.core.actions import attempt
from app.core.loaders import get_or_404
from app.extensions import db
from app.meetings import forms
from app.meetings.models import Meeting
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
        with attempt(form) as done:
            minutes_service.update_minutes(meeting.minutes, body_md=form.body_md.data, actor=current_user)
        if done:
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
        with attempt() as done:
            minutes_service.approve_minutes(meeting.minutes, approved_at_meeting=later, actor=current_user)
        if done:
            flash(_("Minutes approved and locked."), "success")
    else:
        flash(_("Choose a valid meeting."), "error")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#minutes")
