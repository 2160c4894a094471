"""``GET /api/v1/meetings/<id>/video-index``: a public meeting's recording parts and the moments of its live log
placed on them (items, speakers, motions, votes), computed on read from the log (issue 21)."""

from flask import jsonify, url_for

from app.api.views import _public_meeting, bp
from app.video.index import chapters
from app.video.links import direct_url, provider


def _iso(value):
    return value.isoformat() if value is not None else None


@bp.route("/meetings/<id:meeting_id>/video-index")
def meeting_video_index(meeting_id: int):
    meeting = _public_meeting(meeting_id)
    index = chapters(meeting)
    parts = {p.part: p for p in index.parts}
    return jsonify(
        {
            "meeting_id": meeting.id,
            "html_url": url_for("portal.meeting_video", meeting_id=meeting.id, _external=True),
            "parts": [
                {
                    "part": p.part,
                    "label": p.label,
                    "url": p.url,
                    "provider": provider(p.url),
                    "zero_at": _iso(p.zero_at),
                    "duration_seconds": p.duration_seconds,
                    "chapters_url": url_for(
                        "portal.meeting_video_chapters", meeting_id=meeting.id, part=p.part, _external=True
                    ),
                }
                for p in index.parts
            ],
            "chapters": [
                {
                    "kind": m.kind,
                    "id": m.key,
                    "item_id": m.item_id,
                    "title": m.title,
                    "start": _iso(m.start),
                    "end": _iso(m.end),
                    "part": m.part,
                    "second": m.second,
                    "end_second": m.end_second,
                    "watch_url": url_for(
                        "portal.meeting_video", meeting_id=meeting.id, part=m.part, t=m.second, _external=True
                    ),
                    "direct_url": direct_url(parts[m.part], m.second),
                }
                for m in index.marks
            ],
        }
    )
