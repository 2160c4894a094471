"""The agenda packet in the clerk's workspace: "Build packet" on the meeting's page, the progress bar while the
worker builds it (progress.json, read about once a second by static/js/packet-progress.js), the message when it
failed or left documents out, and the built packet itself (drafts too: staff read every agenda)."""

from dataclasses import dataclass, field

from flask import abort, flash, jsonify, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.decorators import editor_required, staff_required
from app.auth.forms import EmptyForm
from app.core.actions import attempt
from app.core.loaders import get_or_404
from app.documents import packets
from app.documents.packet_models import PacketBuild
from app.documents.packet_parts import problem_text
from app.meetings.models import Meeting
from app.staff.meetings import bp


@dataclass
class PacketPanel:
    """What the meeting page's packet panel shows: plain values, read by the view."""

    build: PacketBuild | None  # the newest build, whatever its status
    built: PacketBuild | None  # the newest packet that can be downloaded
    problems: list[str] = field(default_factory=list)


def _problems(build: PacketBuild | None) -> list[str]:
    if build is None:
        return []
    return [
        _("%(name)s (item %(label)s): %(reason)s", name=p.get("name"), label=p.get("item"), reason=problem_text(p))
        for p in build.problems or []
        if p.get("code") != "not_pdf"
    ]


def packet_panel(meeting: Meeting) -> PacketPanel:
    """Two small queries; the meeting page calls this for editors and viewers alike."""
    build = packets.current(meeting.id)
    built = build if build is not None and build.stored_name else packets.latest(meeting.id)
    return PacketPanel(build=build, built=built, problems=_problems(built))


@bp.route("/meetings/<id:meeting_id>/packet", methods=["POST"])
@editor_required
def build_packet(meeting_id: int):
    meeting = get_or_404(Meeting, meeting_id)
    if EmptyForm().validate_on_submit():
        with attempt() as done:
            build = packets.request_packet(meeting, actor=current_user)
        if done:
            if build.is_active:
                flash(_("The packet is being built. This page shows its progress."), "info")
            elif build.stored_name:
                flash(_("The packet is ready."), "success")
            else:
                flash(build.error or _("The packet could not be built."), "error")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#packet")


@bp.route("/meetings/<id:meeting_id>/packet/progress.json")
@staff_required
def packet_progress(meeting_id: int):
    """What the progress bar reads while the packet builds."""
    meeting = get_or_404(Meeting, meeting_id)
    build = packets.current(meeting.id)
    body = build.as_progress() if build is not None else {"status": "none", "finished": True, "done": 0, "total": 0}
    if build is not None:
        body["problems"] = _problems(build)
        body["text"] = _("%(done)d of %(total)d steps done.", done=build.done, total=build.total)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/meetings/<id:meeting_id>/packet.pdf")
@staff_required
def staff_packet(meeting_id: int):
    """The newest built packet, a draft agenda's too."""
    meeting = get_or_404(Meeting, meeting_id)
    build = packets.latest(meeting.id)
    if build is None:
        abort(404)
    return packets.send_packet(build)
