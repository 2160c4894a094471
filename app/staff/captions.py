"""Captions in the clerk's workspace (issue 21): upload a part's caption file, see the transcript Dais made of it,
correct who spoke a passage. Editors only (clerks, deputy clerks, administrators); everything audited.

The upload takes files up to 50 MB though the app's requests stop at MAX_CONTENT_LENGTH: before the CSRF check
reads the body (a ``url_value_preprocessor`` runs before any ``before_request``), a signed-in editor's request to
the upload route may be as large as a caption file plus the form. Anything larger, and anything the parser refuses,
comes back as this page with the reason, never the generic 413 page."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from app.auth.decorators import editor_required, login_gate
from app.auth.forms import EmptyForm
from app.auth.permissions import Permission
from app.core.actions import attempt
from app.core.loaders import get_or_404
from app.extensions import db
from app.meetings.models import Meeting
from app.video import transcript as transcript_service
from app.video import transcript_read
from app.video.caption_forms import CaptionUploadForm, PassageSpeakerForm
from app.video.captions import MAX_CAPTION_BYTES
from app.video.models import Recording
from app.video.transcript_models import TranscriptPassage

bp = Blueprint("captions", __name__, url_prefix="/staff")
bp.before_request(login_gate())

UPLOAD_ENDPOINT = "captions.upload"
#: Room for the form's other fields and the multipart framing around the file.
FORM_ALLOWANCE = 64 * 1024


def _is_editor() -> bool:
    return current_user.is_authenticated and current_user.can(Permission.edit_record)


@bp.url_value_preprocessor
def _allow_caption_files(endpoint, values):
    if endpoint == UPLOAD_ENDPOINT and _is_editor():
        request.max_content_length = MAX_CAPTION_BYTES + FORM_ALLOWANCE


def _recording_or_404(meeting_id: int, part: int) -> Recording:
    recording = db.session.scalar(select(Recording).where(Recording.meeting_id == meeting_id, Recording.part == part))
    if recording is None:
        abort(404)
    return recording


def _page(recording: Recording, *, form=None, status: int = 200):
    meeting = recording.meeting
    track = transcript_service.track_for(recording)
    parts = [p for p in transcript_read.transcript(meeting.id) if p.recording.id == recording.id]
    choices = transcript_service.speaker_choices(meeting)
    passages = {}
    if track is not None:
        passages = {p.id: transcript_service.choice_of(p) for p in track.passages}
    return render_template(
        "video/captions.html",
        meeting=meeting,
        recording=recording,
        track=track,
        uploaded_by=track.uploaded_by.display_name if track is not None and track.uploaded_by else None,
        part=parts[0] if parts else None,
        form=form or CaptionUploadForm(),
        choices=choices,
        passages=passages,
        limit_mb=MAX_CAPTION_BYTES >> 20,
    ), status


@bp.route("/meetings/<id:meeting_id>/captions")
@editor_required
def parts(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    recordings = list(
        db.session.scalars(select(Recording).where(Recording.meeting_id == meeting.id).order_by(Recording.part))
    )
    return render_template("video/caption_parts.html", meeting=meeting, recordings=recordings)


@bp.route("/meetings/<id:meeting_id>/recordings/<id:part>/captions", methods=["GET", "POST"], endpoint="upload")
@editor_required
def upload(meeting_id: int, part: int):
    recording = _recording_or_404(meeting_id, part)
    form = CaptionUploadForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _page(recording, form=form, status=400)
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            form.file.errors = [*form.file.errors, _("Choose a caption file to upload.")]
            return _page(recording, form=form, status=400)
        data = upload.read(MAX_CAPTION_BYTES + 1)
        with attempt(form) as done:
            track = transcript_service.upload_track(
                recording, filename=upload.filename, data=data, language=form.language.data, actor=current_user
            )
        if done:
            flash(
                _(
                    "Captions saved: %(cues)s cues in %(passages)s passages, attributed from the meeting log.",
                    cues=track.cue_count,
                    passages=len(track.passages),
                ),
                "success",
            )
            return redirect(url_for("captions.upload", meeting_id=meeting_id, part=part))
        return _page(recording, form=form, status=400)
    return _page(recording, form=form)


@bp.route("/meetings/<id:meeting_id>/recordings/<id:part>/captions/remove", methods=["POST"], endpoint="remove")
@editor_required
def remove(meeting_id: int, part: int):
    recording = _recording_or_404(meeting_id, part)
    if EmptyForm().validate_on_submit():
        with attempt() as done:
            transcript_service.remove_track(recording, actor=current_user)
        if done:
            flash(_("Captions removed, with their passages."), "success")
    else:
        flash(_("The form expired. Try again."), "error")
    return redirect(url_for("captions.upload", meeting_id=meeting_id, part=part))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    """A request larger than even a caption file may be: the captions page with the reason, not the 413 page."""
    args = request.view_args or {}
    recording = None
    if request.endpoint == UPLOAD_ENDPOINT and _is_editor():
        recording = db.session.scalar(
            select(Recording).where(Recording.meeting_id == args.get("meeting_id"), Recording.part == args.get("part"))
        )
    if recording is None:
        message = _("The file or form you sent is larger than the limit.")
        return render_template("errors/error.html", code=413, title=_("Upload too large"), message=message), 413
    form = CaptionUploadForm(formdata=None)
    form.file.errors = [
        _("The caption file is larger than %(limit)s MB. Nothing was saved.", limit=MAX_CAPTION_BYTES >> 20)
    ]
    return _page(recording, form=form, status=413)


@bp.route(
    "/meetings/<id:meeting_id>/recordings/<id:part>/captions/passages/<id:passage_id>",
    methods=["POST"],
    endpoint="correct",
)
@editor_required
def correct(meeting_id: int, part: int, passage_id: int):
    recording = _recording_or_404(meeting_id, part)
    passage = get_or_404(TranscriptPassage, passage_id)
    if passage.track.recording_id != recording.id:
        abort(404)
    form = PassageSpeakerForm()
    if form.validate_on_submit():
        with attempt() as done:
            transcript_service.correct_passage(passage, form.speaker.data or "", actor=current_user)
        if done:
            flash(_("Speaker corrected."), "success")
    else:
        flash(_("The form expired. Try again."), "error")
    return redirect(url_for("captions.upload", meeting_id=meeting_id, part=part) + f"#passage-{passage.id}")
