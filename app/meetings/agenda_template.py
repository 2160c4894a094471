"""A body's agenda template: its sections (``Body.agenda_sections``, edited on the body's sections page) and
its standing items, which every new meeting of the body starts with. A meeting gets copies: editing the
template later changes no meeting already made."""

from flask_babel import gettext as _
from sqlalchemy import select

from app.bodies.models import Body
from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import utcnow
from app.extensions import db
from app.meetings import agenda, carry_forward, lifecycle
from app.meetings.models import AgendaItemType, CommentExemption, Meeting, MeetingKind
from app.meetings.schedule_models import AgendaTemplateItem

MAX_ITEMS = 40
TITLE_MAX = 300


def _order(body: Body, items) -> list[AgendaTemplateItem]:
    sections = body.agenda_sections
    rank = {name: n for n, name in enumerate(sections)}
    return sorted(items, key=lambda i: (rank.get(i.section, len(sections)), i.position, i.id or 0))


def template_items(body: Body) -> list[AgendaTemplateItem]:
    """The standing items, in agenda order (one query)."""
    return _order(body, db.session.scalars(select(AgendaTemplateItem).where(AgendaTemplateItem.body_id == body.id)))


def _snapshot(item: AgendaTemplateItem) -> dict:
    return {
        "section": item.section,
        "title": item.title,
        "item_type": item.item_type.value,
        "meeting_kind": item.meeting_kind.value if item.meeting_kind else None,
        "position": item.position,
    }


def add_template_item(
    body: Body, *, section: str, title: str, item_type: AgendaItemType, meeting_kind: MeetingKind | None, actor
) -> AgendaTemplateItem:
    title = clean_text(title or "")
    if not title:
        raise DomainError(_("Enter a title."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_("Use at most %(n)s characters.", n=TITLE_MAX), field="title")
    if section not in body.agenda_sections:
        raise DomainError(_("Choose one of this body's agenda sections."), field="section")
    items = template_items(body)
    if len(items) >= MAX_ITEMS:
        raise DomainError(_("A template holds at most %(n)s standing items.", n=MAX_ITEMS), field="title")
    position = max((i.position for i in items if i.section == section), default=0) + 1
    item = AgendaTemplateItem(
        body_id=body.id,
        section=section,
        title=title,
        item_type=item_type,
        meeting_kind=meeting_kind,
        position=position,
        created_at=utcnow(),
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        "agenda_template.add",
        item,
        f"Added the standing item '{title}' to the agenda template of {body.name}",
        actor=actor,
        data={"after": _snapshot(item)},
    )
    return item


def remove_template_item(item: AgendaTemplateItem, body: Body, *, actor) -> None:
    audit.record(
        "agenda_template.remove",
        item,
        f"Removed the standing item '{item.title}' from the agenda template of {body.name}",
        actor=actor,
        data={"before": _snapshot(item)},
    )
    db.session.delete(item)
    db.session.flush()


def move_template_item(item: AgendaTemplateItem, body: Body, *, direction: str, actor) -> None:
    """One place up or down within its section."""
    siblings = [i for i in template_items(body) if i.section == item.section]
    index = siblings.index(item)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(siblings):
        raise DomainError(_("The item is already at that end of its section."))
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for n, sibling in enumerate(siblings, start=1):
        sibling.position = n
    db.session.flush()
    audit.record(
        "agenda_template.move",
        item,
        f"Moved the standing item '{item.title}' {direction} in the agenda template of {body.name}",
        actor=actor,
        data={"order": [i.title for i in siblings]},
    )


def sections_in_template(body: Body) -> set[str]:
    return set(db.session.scalars(select(AgendaTemplateItem.section).where(AgendaTemplateItem.body_id == body.id)))


def apply_template(meeting: Meeting, items: list[AgendaTemplateItem], *, actor) -> int:
    """Copy the standing items for the meeting's kind onto its (new, draft) agenda through ``agenda.add_item``,
    so each is numbered, filed and audited like any item. A ministerial item goes without public comment
    (F.S. 286.0114(3)); every other one takes comment."""
    count = 0
    for standing in items:
        if standing.meeting_kind is not None and standing.meeting_kind != meeting.kind:
            continue
        ministerial = standing.item_type == AgendaItemType.ministerial
        agenda.add_item(
            meeting,
            section=standing.section,
            title=standing.title,
            body_md="",
            item_type=standing.item_type,
            public_comment_required=not ministerial,
            comment_exemption=CommentExemption.ministerial if ministerial else None,
            actor=actor,
        )
        count += 1
    return count


def schedule_meeting(*, body: Body, actor, standing_items: list[AgendaTemplateItem] | None = None, **fields):
    """A new meeting (``lifecycle.schedule_meeting``: every rule of scheduling applies) that starts with the
    body's standing items. ``standing_items`` lets a caller making many meetings read the template once."""
    meeting = lifecycle.schedule_meeting(body=body, actor=actor, **fields)
    apply_template(meeting, template_items(body) if standing_items is None else standing_items, actor=actor)
    carry_forward.place_waiting(meeting, actor=actor)  # matters deferred to this day before it was set (issue 20)
    return meeting
