"""A body's meeting settings: notice lead times (R2) and agenda sections. They live with meetings because
every rule about them is a rule about meetings and agendas."""

from flask_babel import gettext as _
from sqlalchemy import select

from app.bodies.models import Body
from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text
from app.extensions import db
from app.meetings.models import AgendaItem, Meeting


def update_body_settings(
    body: Body,
    *,
    notice_special_block_hours: int,
    notice_special_warn_hours: int,
    notice_regular_warn_hours: int,
    agenda_sections: list[str],
    actor,
) -> Body:
    """Per-body notice lead times (R2: load the charter's values where stricter) and agenda sections.

    A section still used by an agenda item cannot be removed or renamed, so no item loses its place.
    """
    sections = [clean_text(s) for s in agenda_sections if clean_text(s)]
    if not sections:
        raise DomainError(_("List at least one agenda section."), field="agenda_sections")
    if len(sections) > 30 or any(len(s) > 80 for s in sections):
        raise DomainError(_("Use at most 30 sections of at most 80 characters each."), field="agenda_sections")
    if len({s.lower() for s in sections}) != len(sections):
        raise DomainError(_("Each section name may appear only once."), field="agenda_sections")
    for value in (notice_special_block_hours, notice_special_warn_hours, notice_regular_warn_hours):
        if not 0 <= value <= 24 * 60:
            raise DomainError(_("Lead times are between 0 and 1,440 hours."), field="notice_special_block_hours")
    if notice_special_warn_hours < notice_special_block_hours:
        raise DomainError(
            _("The warning lead time cannot be shorter than the blocking one."), field="notice_special_warn_hours"
        )
    used = set(
        db.session.scalars(
            select(AgendaItem.section)
            .join(Meeting, AgendaItem.meeting_id == Meeting.id)
            .where(Meeting.body_id == body.id)
            .distinct()
        )
    )
    missing = sorted(used - set(sections))
    if missing:
        raise DomainError(
            _("These sections are used by agenda items and must stay: %(names)s.", names=", ".join(missing)),
            field="agenda_sections",
        )
    before = {
        "block": body.notice_special_block_hours,
        "warn": body.notice_special_warn_hours,
        "regular": body.notice_regular_warn_hours,
        "sections": list(body.agenda_sections),
    }
    body.notice_special_block_hours = notice_special_block_hours
    body.notice_special_warn_hours = notice_special_warn_hours
    body.notice_regular_warn_hours = notice_regular_warn_hours
    body.agenda_sections = sections
    after = {
        "block": notice_special_block_hours,
        "warn": notice_special_warn_hours,
        "regular": notice_regular_warn_hours,
        "sections": sections,
    }
    if before != after:
        audit.record(
            "body.settings",
            body,
            f"Changed notice and agenda settings of {body.name}",
            actor=actor,
            data={"before": before, "after": after},
        )
    db.session.flush()
    return body
