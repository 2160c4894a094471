"""``/meetings/<id>/video``: a meeting's recording, opened at a chosen part and second, with its chapters from the
live log (issue 21). The player is created in the browser only when the resident presses Play: until then the
page requests nothing from another host. ``/meetings/<id>/video/part-<n>/chapters.vtt``: the chapters as WebVTT."""

from functools import wraps

from flask import Response, abort, render_template, request

from app.core.cache import public_page
from app.core.web import CSP
from app.portal.views import bp, public_meeting_or_404
from app.video.chapters_vtt import chapters_vtt
from app.video.index import chapters, clock
from app.video.links import direct_url
from app.video.player import content_security_policy, embed

VIDEO_CSP = content_security_policy(CSP)


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else default


def _player_policy(view):
    """Frames of the two players and media from https hosts, on this page only (a kept copy too)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = view(*args, **kwargs)
        if isinstance(response, Response):
            response.headers["Content-Security-Policy"] = VIDEO_CSP
        return response

    return wrapper


@bp.route("/meetings/<id:meeting_id>/video", endpoint="meeting_video")
@_player_policy
@public_page("part", "t", per=60)
def meeting_video(meeting_id: int):
    meeting = public_meeting_or_404(meeting_id)
    index = chapters(meeting)
    parts = index.parts
    chosen = _int_arg("part", 1)
    second = _int_arg("t", 0)
    current = next((p for p in parts if p.part == chosen), parts[0] if parts else None)
    if current is not None and current.duration_seconds is not None:
        second = min(second, current.duration_seconds)
    return render_template(
        "portal/video.html",
        meeting=meeting,
        parts=[(p, direct_url(p, second if p is current else 0), embed(p)) for p in parts],
        current=current,
        current_embed=embed(current) if current is not None else None,
        current_link=direct_url(current, second) if current is not None else None,
        second=second,
        clock=clock,
        marks=index.marks,
        direct_url=direct_url,
        by_part={p.part: p for p in parts},
        captioned=index.captioned,
    )


@bp.route("/meetings/<id:meeting_id>/video/part-<id:part>/chapters.vtt", endpoint="meeting_video_chapters")
@public_page()
def meeting_video_chapters(meeting_id: int, part: int):
    meeting = public_meeting_or_404(meeting_id)
    index = chapters(meeting)
    if index.part(part) is None:
        abort(404)
    return Response(chapters_vtt(index, part), content_type="text/vtt; charset=utf-8")
