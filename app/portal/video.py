"""``/meetings/<id>/video``: a meeting's recording, opened at a chosen part and second (issue 21)."""

from flask import render_template, request
from sqlalchemy import select

from app.core.cache import public_page
from app.extensions import db
from app.portal.views import bp, public_meeting_or_404
from app.video.links import direct_url
from app.video.models import Recording


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else default


@bp.route("/meetings/<id:meeting_id>/video", endpoint="meeting_video")
@public_page(per=60)
def meeting_video(meeting_id: int):
    meeting = public_meeting_or_404(meeting_id)
    parts = list(
        db.session.scalars(select(Recording).where(Recording.meeting_id == meeting.id).order_by(Recording.part))
    )
    chosen = _int_arg("part", 1)
    second = _int_arg("t", 0)
    current = next((p for p in parts if p.part == chosen), parts[0] if parts else None)
    return render_template(
        "portal/video.html",
        meeting=meeting,
        parts=[(p, direct_url(p, second if p is current else 0)) for p in parts],
        current=current,
        second=second,
    )
