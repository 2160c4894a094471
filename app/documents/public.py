"""Which generated documents the public may have, and each one's current version (without building it).

The rules are those of the public pages: a meeting is public once its notice is published (``Meeting.is_public``);
its agenda and vote record once the agenda is published; its minutes once released for approval or approved
(``Minutes.is_public``); a resolution once its meeting's agenda is published. Anything else is None (a 404).
"""

from app.core.text import slugify
from app.core.timeutil import to_local
from app.documents import meetings as documents
from app.documents import resolutions
from app.documents.cache import Document, compute_etag, pdf_bytes
from app.meetings.models import Meeting

MEETING_KINDS = {
    documents.NOTICE: (documents.notice_data, documents.notice_pdf),
    documents.AGENDA: (documents.agenda_data, documents.agenda_pdf),
    documents.MINUTES: (documents.minutes_data, documents.minutes_pdf),
    documents.VOTES: (documents.votes_data, documents.votes_pdf),
}
RESOLUTION = "resolution"


def slug(text: str, limit: int = 60) -> str:
    """For a file name ("City Commission" -> "city-commission")."""
    return slugify(text, limit) or "document"


def meeting_filename(kind: str, meeting: Meeting) -> str:
    return f"{kind}-{to_local(meeting.start_at).date().isoformat()}-{slug(meeting.body.name)}.pdf"


def _shows(kind: str, meeting: Meeting) -> bool:
    if not meeting.is_public:
        return False
    if kind in (documents.AGENDA, documents.VOTES):
        return meeting.agenda_published_at is not None
    if kind == documents.MINUTES:
        return meeting.minutes is not None and meeting.minutes.is_public
    return True


def meeting_document(meeting_id: int, kind: str) -> Document | None:
    """The current version of a meeting's public document of ``kind``; None when the public may not have it."""
    if kind not in MEETING_KINDS:
        return None
    meeting = documents.load_meeting(meeting_id, kind)
    if meeting is None or not _shows(kind, meeting):
        return None
    read, build = MEETING_KINDS[kind]
    data = read(meeting)
    return Document(
        kind=kind,
        record_id=meeting.id,
        etag=compute_etag(kind, meeting.id, data),
        filename=meeting_filename(kind, meeting),
        build=lambda: build(meeting, data),
    )


def resolution_document(resolution_id: int) -> Document | None:
    resolution = resolutions.load_resolution(resolution_id)
    if not resolutions.is_public(resolution):
        return None
    data = resolutions.resolution_data(resolution)
    name = f"resolution-{slug(resolution.number)}" if resolution.number else f"resolution-{resolution.id}"
    return Document(
        kind=RESOLUTION,
        record_id=resolution.id,
        etag=compute_etag(RESOLUTION, resolution.id, data),
        filename=f"{name}.pdf",
        build=lambda: resolutions.resolution_pdf(resolution, data),
    )


def agenda_for_packet(meeting: Meeting, data: dict) -> bytes:
    """The agenda PDF the packet includes (built in the worker): when the agenda is public, the public copy of
    this version, read if kept or built and kept, so the first reader of ``agenda.pdf`` after a publication or an
    amendment finds it ready instead of waiting for WeasyPrint (tens of seconds for a very long agenda). The
    job runs with the requester's address as its link base, so the version is the one that reader asks for."""
    if not _shows(documents.AGENDA, meeting):
        return documents.agenda_pdf(meeting, data)
    return pdf_bytes(
        Document(
            kind=documents.AGENDA,
            record_id=meeting.id,
            etag=compute_etag(documents.AGENDA, meeting.id, data),
            filename=meeting_filename(documents.AGENDA, meeting),
            build=lambda: documents.agenda_pdf(meeting, data),
        )
    )
