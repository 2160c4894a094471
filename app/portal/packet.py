"""The public agenda packet: ``/meetings/<id>/packet.pdf``, the newest packet built from the published agenda
(app/documents/packets.py). Until one is built, a page that says so (404), never a draft agenda's packet."""

from flask import abort, render_template
from sqlalchemy import select

from app.documents import packets
from app.extensions import db
from app.meetings.models import Meeting
from app.portal.views import bp


@bp.route("/meetings/<id:meeting_id>/packet.pdf")
def meeting_packet(meeting_id: int):
    meeting = db.session.scalar(select(Meeting).where(Meeting.id == meeting_id, Meeting.is_public))
    if meeting is None:
        abort(404)  # a draft meeting is not public
    build = packets.latest(meeting.id, public=True) if meeting.agenda_is_published else None
    if build is None:
        building = meeting.agenda_is_published and packets.is_building(meeting.id)
        return render_template("portal/packet_missing.html", meeting=meeting, building=building), 404
    return packets.send_packet(build)
