"""The clerk's pages for a meeting's recording (issue 21): add, edit and remove its parts, each tied to the
meeting's clock, and correct the time of a logged moment (the video index follows). Routes on the meetings
blueprint; the rules are in ``app.video.services``."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.decorators import editor_required
from app.auth.forms import EmptyForm
from app.core.actions import attempt
from app.core.errors import DomainError
from app.core.loaders import get_or_404
from app.core.timeutil import NonexistentLocalTime, local_to_utc, to_local, utc_to_local_naive
from app.extensions import db
from app.meetings.models import LogKind, Meeting, MeetingLogEntry
from app.staff.meetings import bp
from app.video import index as video_index
from app.video import services
from app.video.forms import MomentTimeForm, RecordingForm
from app.video.models import Recording

#: The moments a clerk is likely to find in the video: the gavel, items, votes.
SYNC_KINDS = (
    LogKind.called_to_order,
    LogKind.item_opened,
    LogKind.speaker_called,
    LogKind.motion_made,
    LogKind.vote_opened,
    LogKind.adjourned,
)


def _log(meeting: Meeting) -> list[MeetingLogEntry]:
    return list(
        db.session.scalars(
            select(MeetingLogEntry)
            .where(MeetingLogEntry.meeting_id == meeting.id)
            .order_by(MeetingLogEntry.at, MeetingLogEntry.id)
        )
    )


def _moment_choices(log: list[MeetingLogEntry]) -> list[tuple[str, str]]:
    return [("", _("Choose a moment"))] + [
        (str(e.id), f"{to_local(e.at):%H:%M:%S} · {e.kind.label}: {e.summary}"[:160])
        for e in log
        if e.kind in SYNC_KINDS
    ]


def _local(value):
    try:
        return local_to_utc(value) if value is not None else None
    except NonexistentLocalTime:
        raise DomainError(
            _("That time does not exist on that day: the clocks move forward an hour."), field="start_local"
        ) from None


def _zero_at(meeting: Meeting, form: RecordingForm):
    if form.start_mode.data == "clock":
        if form.start_local.data is None:
            raise DomainError(_("Enter the local time at the video's start."), field="start_local")
        return _local(form.start_local.data)
    raw = (form.moment_id.data or "").strip()
    entry = services.moment(meeting, int(raw) if raw.isdigit() and len(raw) < 11 else None)
    return services.zero_from_moment(entry, services.parse_position(form.position.data))


def _duration(form: RecordingForm) -> int | None:
    if not (form.duration.data or "").strip():
        return None
    seconds = services.parse_position(form.duration.data)
    if seconds is None:
        raise DomainError(_("Enter a length such as 2:15:00."), field="duration")
    return seconds


def _page(meeting: Meeting, form: RecordingForm, *, recording: Recording | None = None, status: int = 200):
    log = _log(meeting)
    form.moment_id.choices = _moment_choices(log)
    index = video_index.marks(meeting.id)
    return render_template(
        "meetings/recording.html",
        meeting=meeting,
        form=form,
        recording=recording,
        parts=index.parts,
        log=log,
        locate=lambda at: video_index.locate(index.parts, at),
        clock=video_index.clock,
        remove_form=EmptyForm(),
    ), status


def _save(meeting: Meeting, form: RecordingForm, recording: Recording | None):
    form.moment_id.choices = _moment_choices(_log(meeting))
    if not form.validate_on_submit():
        return None
    with attempt(form) as done:
        values = {
            "part": form.part.data,
            "url": form.url.data,
            "label": form.label.data or "",
            "zero_at": _zero_at(meeting, form),
            "duration_seconds": _duration(form),
            "actor": current_user,
        }
        if recording is None:
            services.add_recording(meeting, **values)
        else:
            services.update_recording(recording, **values)
    return done


@bp.route("/meetings/<id:meeting_id>/recording", methods=["GET", "POST"])
@editor_required
def recording(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    form = RecordingForm()
    if request.method == "POST":
        done = _save(meeting, form, None)
        if done:
            flash(_("Part added to the recording."), "success")
            return redirect(url_for("meetings.recording", meeting_id=meeting.id))
        return _page(meeting, form, status=422)
    return _page(meeting, form)


def _recording_or_404(meeting: Meeting, recording_id: int) -> Recording:
    found = db.session.get(Recording, recording_id)
    if found is None or found.meeting_id != meeting.id:
        abort(404)
    return found


@bp.route("/meetings/<id:meeting_id>/recording/<id:recording_id>", methods=["GET", "POST"])
@editor_required
def recording_edit(meeting_id: int, recording_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    found = _recording_or_404(meeting, recording_id)
    if request.method == "GET":
        form = RecordingForm(obj=found)
        form.start_mode.data = "clock"
        form.start_local.data = utc_to_local_naive(found.zero_at)
        form.duration.data = video_index.clock(found.duration_seconds) if found.duration_seconds else ""
        return _page(meeting, form, recording=found)
    form = RecordingForm()
    done = _save(meeting, form, found)
    if done:
        flash(_("Recording part saved."), "success")
        return redirect(url_for("meetings.recording", meeting_id=meeting.id))
    return _page(meeting, form, recording=found, status=422)


@bp.route("/meetings/<id:meeting_id>/recording/<id:recording_id>/remove", methods=["POST"])
@editor_required
def recording_remove(meeting_id: int, recording_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    found = _recording_or_404(meeting, recording_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with attempt() as done:
        services.remove_recording(found, actor=current_user)
    if done:
        flash(_("Part removed from the recording."), "success")
    return redirect(url_for("meetings.recording", meeting_id=meeting.id))


@bp.route("/meetings/<id:meeting_id>/log/<id:entry_id>/time", methods=["GET", "POST"])
@editor_required
def log_time(meeting_id: int, entry_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    entry = db.session.get(MeetingLogEntry, entry_id)
    if entry is None or entry.meeting_id != meeting.id:
        abort(404)
    form = MomentTimeForm()
    if request.method == "GET":
        form.at_local.data = utc_to_local_naive(entry.at)
    elif form.validate_on_submit():
        with attempt(form) as done:
            try:
                at = local_to_utc(form.at_local.data)
            except NonexistentLocalTime:
                raise DomainError(
                    _("That time does not exist on that day: the clocks move forward an hour."), field="at_local"
                ) from None
            services.correct_moment(entry, at=at, reason=form.reason.data, actor=current_user)
        if done:
            flash(_("Time corrected. The video index and the timeline follow it."), "success")
            return redirect(url_for("meetings.recording", meeting_id=meeting.id) + "#log")
    status = 422 if request.method == "POST" else 200
    return render_template("meetings/log_time.html", meeting=meeting, entry=entry, form=form), status
