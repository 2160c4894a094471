"""``/meetings/<id>/transcript``: the meeting's captions as a document, attributed from the live log (issue 21);
its plain-text download and, for each part, a WebVTT file with ``<v Name>`` voice tags."""

from flask import abort, current_app, render_template, request

from app.core.cache import public_page
from app.portal.views import bp, public_meeting_or_404
from app.video import transcript_read
from app.video.links import watch_url


def _download(body: str, mimetype: str, filename: str):
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/meetings/<id:meeting_id>/transcript", endpoint="meeting_transcript")
@public_page()
def meeting_transcript(meeting_id: int):
    meeting = public_meeting_or_404(meeting_id)
    parts = transcript_read.transcript(meeting.id)
    links = {
        line.id: watch_url(part.recording, line.second)
        for part in parts
        for section in part.sections
        for turn in section.turns
        for line in turn.lines
    }
    return render_template("portal/transcript.html", meeting=meeting, parts=parts, links=links)


@bp.route("/meetings/<id:meeting_id>/transcript.txt", endpoint="meeting_transcript_text")
@public_page()
def meeting_transcript_text(meeting_id: int):
    meeting = public_meeting_or_404(meeting_id)
    parts = transcript_read.transcript(meeting.id)
    if not parts:
        abort(404)
    return _download(
        transcript_read.as_text(meeting, parts), "text/plain; charset=utf-8", f"meeting-{meeting.id}-transcript.txt"
    )


@bp.route("/meetings/<id:meeting_id>/transcript.vtt", endpoint="meeting_transcript_vtt")
@public_page("part")
def meeting_transcript_vtt(meeting_id: int):
    meeting = public_meeting_or_404(meeting_id)
    raw = request.args.get("part", "1").strip()
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else None
    part = next((p for p in transcript_read.transcript(meeting.id) if p.recording.part == number), None)
    if part is None:
        abort(404)
    return _download(
        transcript_read.as_vtt(part), "text/vtt; charset=utf-8", f"meeting-{meeting.id}-part-{part.recording.part}.vtt"
    )
