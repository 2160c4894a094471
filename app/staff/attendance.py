"""Attendance in the clerk's workspace (R4): the roll, then arrivals and departures."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import editor_required
from app.auth.forms import EmptyForm
from app.core.actions import attempt
from app.core.loaders import get_or_404
from app.meetings import attendance
from app.meetings.models import AttendanceStatus, Meeting
from app.staff.meetings import bp


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
        with attempt(flash_error=False) as done:
            state = attendance.take_roll(meeting, chosen, actor=current_user)
        if not done:
            return _attendance_page(meeting, chosen, done.error.message, 422)
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
    with attempt() as done:
        row = ATTENDANCE_ACTIONS[action](meeting, member_id, current_user)
    if done:
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
