"""The parts of an agenda packet, read from the record as plain data and rendered: the cover, each item's staff
report (the item's summary, with its documents and which of them are in the packet), and the attachments opened
and checked. app/documents/packets.py runs these steps in the worker; app/documents/packet_pdf.py merges them."""

import hashlib
from dataclasses import dataclass, field

from flask import current_app, url_for
from flask_babel import gettext as _

from app.core.record import record_language
from app.core.storage import storage
from app.documents import packet_pdf
from app.documents.meetings import agenda_data
from app.documents.render import render_pdf
from app.meetings.models import Meeting

KINDS = {"application/pdf": "pdf", "image/jpeg": "jpeg", "image/png": "png"}


@dataclass
class PlannedAttachment:
    id: int
    item_id: int
    item_label: str
    name: str
    content_type: str
    stored_name: str
    sha256: str
    size: int
    url: str


@dataclass
class Plan:
    """Everything the build needs, read once: no row is touched after the first progress commit."""

    meeting_id: int
    title: str
    lang: str
    public: bool
    etag: str
    data: dict  # agenda_data(meeting): what the agenda shows
    items: list[dict]  # active items in agenda order, as agenda_data gives them, with "section"
    attachments: list[PlannedAttachment] = field(default_factory=list)
    words: packet_pdf.Words | None = None


def plan(meeting: Meeting) -> Plan:
    from app.documents.packets import packet_digest

    data = agenda_data(meeting)
    active = {item.id for item in meeting.active_items}
    items = [
        dict(item, section=f"{section['number']}. {section['name']}")
        for section in data["sections"]
        for item in section["items"]
        if item["id"] in active
    ]
    rows = {item.id: item for item in meeting.active_items}
    attachments = [
        PlannedAttachment(
            id=a.id,
            item_id=item["id"],
            item_label=item["label"],
            name=a.original_filename,
            content_type=a.content_type,
            stored_name=a.stored_name,
            sha256=a.sha256,
            size=a.size,
            url=url_for(
                "portal.document",
                meeting_id=meeting.id,
                attachment_id=a.id,
                filename=a.original_filename,
                _external=True,
            ),
        )
        for item in items
        for a in sorted(rows[item["id"]].attachments, key=lambda a: a.id)
    ]
    return Plan(
        meeting_id=meeting.id,
        title=_("Agenda packet: %(title)s", title=meeting.title),
        lang=record_language(),
        public=meeting.agenda_is_published,
        etag=packet_digest(meeting, data),
        data=data,
        items=items,
        attachments=attachments,
        words=packet_pdf.Words(cover=_("Cover"), agenda=_("Agenda"), report=_("Staff report")),
    )


def problem_text(problem: dict) -> str:
    """Why an attachment is not in the packet, in the current language (the clerk's page, the staff report)."""
    reasons = {
        "not_pdf": _("this kind of file cannot be put into a PDF"),
        "password": _("it is protected by a password"),
        "unreadable": _("it is damaged or not a PDF that can be read"),
        "empty": _("it has no pages"),
        "bad_page": _("one of its pages cannot be read"),
        "bad_picture": _("the picture cannot be read"),
        "missing": _("the stored file is missing"),
        "changed": _("the stored file is not the one uploaded"),
    }
    return reasons.get(problem.get("code", ""), problem.get("code", ""))


def read_attachments(plan: Plan, step: dict, advance) -> tuple[dict[int, packet_pdf.Piece], list[dict]]:
    """Open and check every attachment; each that cannot go in is a problem ({id, name, item, code, url}).
    Word and Excel files are problems of the kind "not_pdf": listed in the packet with their address."""
    pieces, problems = {}, []
    for attachment in plan.attachments:
        named = {"name": attachment.name, "label": attachment.item_label}
        step["what"] = _("reading the attachment “%(name)s” of item %(label)s", **named)
        kind = KINDS.get(attachment.content_type)
        code = None
        if kind is None:
            code = "not_pdf"
        else:
            try:
                data = storage().get(attachment.stored_name)
                if hashlib.sha256(data).hexdigest() != attachment.sha256:
                    code = "changed"
                else:
                    alt = _("Attachment “%(name)s” of item %(label)s", **named)
                    piece = packet_pdf.open_piece(attachment.name, kind, data, alt)
                    piece.id = attachment.id
                    pieces[attachment.id] = piece
            except FileNotFoundError:
                code = "missing"
            except packet_pdf.AttachmentError as exc:
                code = exc.code
                current_app.logger.warning("packet: attachment %s left out (%s)", attachment.id, exc)
        if code is not None:
            problems.append(
                {
                    "id": attachment.id,
                    "name": attachment.name,
                    "item": attachment.item_label,
                    "code": code,
                    "url": attachment.url,
                }
            )
        advance()
    return pieces, problems


def cover_pdf(plan: Plan, problems: list[dict]) -> bytes:
    return render_pdf(
        "documents/packet_cover.html",
        title=plan.title,
        lang=plan.lang,
        meeting=plan.data["meeting"],
        items=plan.items,
        amendments=plan.data.get("amendments", 0),
        left_out=len([p for p in problems if p["code"] != "not_pdf"]),
    )


def entries(plan: Plan, pieces: dict, problems: list[dict], step: dict, advance) -> list[packet_pdf.Entry]:
    """Each item's staff report rendered, with its attachments in upload order."""
    by_item: dict[int, list[PlannedAttachment]] = {}
    for attachment in plan.attachments:
        by_item.setdefault(attachment.item_id, []).append(attachment)
    problem_of = {p["id"]: p for p in problems}
    result = []
    for item in plan.items:
        step["what"] = _("rendering the staff report of item %(label)s", label=item["label"])
        documents = []
        for attachment in by_item.get(item["id"], []):
            problem = problem_of.get(attachment.id)
            documents.append(
                {
                    "name": attachment.name,
                    "included": problem is None,
                    "reason": problem_text(problem) if problem and problem["code"] != "not_pdf" else "",
                    "url": attachment.url,
                }
            )
        report = render_pdf(
            "documents/packet_item.html",
            title=_("Staff report, item %(label)s: %(title)s", label=item["label"], title=item["title"]),
            lang=plan.lang,
            meeting=plan.data["meeting"],
            item=item,
            documents=documents,
        )
        result.append(
            packet_pdf.Entry(
                item_id=item["id"],
                label=item["label"],
                title=item["title"],
                section=item["section"],
                report=report,
                pieces=[pieces[a.id] for a in by_item.get(item["id"], []) if a.id in pieces],
            )
        )
        advance()
    return result
