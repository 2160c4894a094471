"""A body's agenda sections. They live with meetings because every rule about them is a rule about agendas."""

from flask_babel import gettext as _
from sqlalchemy import select

from app.bodies.models import Body
from app.bodies.services import check_sections
from app.core import audit
from app.core.errors import DomainError
from app.extensions import db
from app.meetings.models import AgendaItem, Meeting
from app.meetings.schedule_models import AgendaTemplateItem


def update_agenda_sections(body: Body, agenda_sections: list[str], *, actor) -> Body:
    """The sections of the body's agendas (the agenda template's sections), in order. A section still used by an
    agenda item or a standing item of the template cannot be removed or renamed, so no item loses its place."""
    sections = check_sections(agenda_sections)
    used = set(
        db.session.scalars(
            select(AgendaItem.section)
            .join(Meeting, AgendaItem.meeting_id == Meeting.id)
            .where(Meeting.body_id == body.id)
            .distinct()
        )
    )
    used |= set(
        db.session.scalars(select(AgendaTemplateItem.section).where(AgendaTemplateItem.body_id == body.id).distinct())
    )
    missing = sorted(used - set(sections))
    if missing:
        raise DomainError(
            _(
                "These sections are used by agenda items or standing items and must stay: %(names)s.",
                names=", ".join(missing),
            ),
            field="agenda_sections",
        )
    before = list(body.agenda_sections)
    body.agenda_sections = sections
    if before != sections:
        audit.record(
            "body.sections",
            body,
            f"Changed the agenda sections of {body.name}",
            actor=actor,
            data={"before": before, "after": sections},
        )
    db.session.flush()
    return body
