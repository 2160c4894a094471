"""A resolution as a document: its number, text, the vote that adopted it, adoption and effective dates, the
corrections made after adoption, and whether a later resolution (or a motion to rescind) has superseded,
amended or repealed it. Same pattern as app/documents/meetings.py: plain data, hashed for the ETag, rendered."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.core.record import in_record_language, record_language
from app.documents.meetings import motion_data
from app.documents.render import render_pdf
from app.extensions import db
from app.legislation.models import AgreementEffect, LinkKind, Resolution, ResolutionLink
from app.meetings.models import AgendaItem
from app.votes.models import Motion
from app.votes.reading import item_motions

#: Links that end a resolution's force once the resolution making them is adopted.
ENDING = (LinkKind.supersedes, LinkKind.rescinds)


def load_resolution(resolution_id: int) -> Resolution | None:
    """The resolution with its item, meeting, sponsors, links, effects and corrections (one query each)."""
    return db.session.scalar(
        select(Resolution)
        .where(Resolution.id == resolution_id)
        .options(
            joinedload(Resolution.item).joinedload(AgendaItem.meeting),
            joinedload(Resolution.item).selectinload(AgendaItem.sponsors),
            selectinload(Resolution.links_out).selectinload(ResolutionLink.target),
            selectinload(Resolution.links_in).selectinload(ResolutionLink.source),
            selectinload(Resolution.effects).joinedload(AgreementEffect.agreement),
            selectinload(Resolution.corrections),
        )
    )


def is_public(resolution: Resolution | None) -> bool:
    """Public once its meeting's agenda is published, as on the resolution's page."""
    return resolution is not None and resolution.item.meeting.agenda_published_at is not None


def _motions(resolution: Resolution) -> tuple[list[Motion], list[Motion]]:
    """The item's motions that reached the floor, and the passed motions that rescinded the adopting one."""
    _found, motions, rescissions = item_motions(resolution.agenda_item_id, resolution.motion_id)
    return motions, rescissions


def _link(link: ResolutionLink, other: Resolution, *, inverse: bool) -> dict:
    return {
        "kind": link.kind,
        "inverse": inverse,
        "id": other.id,
        "label": other.label,
        "effective_on": link.effective_on,
    }


def resolution_data(resolution: Resolution) -> dict:
    item = resolution.item
    meeting = item.meeting
    motions, rescissions = _motions(resolution)
    with in_record_language():
        ended_by = [_link(link, link.source, inverse=True) for link in resolution.links_in if link.kind in ENDING]
        return {
            "resolution": {
                "id": resolution.id,
                "number": resolution.number,
                "title": resolution.title,
                "status": resolution.status,
                "adopted_on": resolution.adopted_on,
                "effective_on": resolution.effective_on,
                "text_md": resolution.text_md,
                "file_number": item.file_number,
                "sponsors": [m.full_name for m in item.sponsors],
                "meeting": {"id": meeting.id, "title": meeting.title, "start_at": meeting.start_at},
                # Superseded or repealed: by a later resolution in force, or by a passed motion to rescind.
                "ended_by": [e for e in ended_by if e["effective_on"]],
                "rescinded_on": [m.closed_at for m in rescissions if m.passed],
                "corrections": [
                    {
                        "at": c.at,
                        "field": c.field.value,
                        "before": c.before_value,
                        "after": c.after_value,
                        "reason": c.reason,
                    }
                    for c in resolution.corrections
                ],
                "links": [_link(link, link.target, inverse=False) for link in resolution.links_out]
                + [_link(link, link.source, inverse=True) for link in resolution.links_in],
                "effects": [
                    {
                        "kind": e.kind,
                        "agreement": e.agreement.title if e.agreement else None,
                        "category": e.category,
                        "effective_on": e.effective_on,
                        "note": e.note,
                    }
                    for e in resolution.effects
                ],
            },
            "motions": [motion_data(m) for m in motions],
            "decisive_id": resolution.motion_id,
        }


def resolution_title(resolution: Resolution, *, short: bool = False) -> str:
    """ "Resolution 25-187: Title" (the PDF's title); ``short``: "Resolution 25-187" (its page footer)."""
    with in_record_language():
        if not resolution.number:
            return "" if short else resolution.title
        number = _("Resolution %(number)s", number=resolution.number)
        return number if short else f"{number}: {resolution.title}"


def resolution_pdf(resolution: Resolution, data: dict | None = None) -> bytes:
    return render_pdf(
        "documents/resolution.html",
        title=resolution_title(resolution),
        short_title=resolution_title(resolution, short=True),
        lang=record_language(),
        **(data or resolution_data(resolution)),
    )
