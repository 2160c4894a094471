"""Every agenda item belongs to a matter. ``agenda.add_item`` opens or links one; an item made any other way (the
demo, an import, a test's fixture) gets its own matter here, as it is first written, with the item's file number
(or the next one) and its title and type."""

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.timeutil import to_local, utcnow
from app.matters.models import Matter, MatterAction, MatterActionKind, MatterStatus, MatterType
from app.matters.numbering import next_file_number
from app.meetings.models import AgendaItem, AgendaItemType

_TYPES = {
    AgendaItemType.resolution: MatterType.resolution,
    AgendaItemType.ordinance: MatterType.ordinance,
    AgendaItemType.report: MatterType.report,
}


def matter_type_for(item_type: AgendaItemType, agreement_category: str | None = None) -> MatterType:
    """A new item's matter type: an item about an agreement is a contract approval unless it is a resolution."""
    if item_type not in (AgendaItemType.resolution, AgendaItemType.ordinance) and agreement_category:
        return MatterType.contract
    return _TYPES.get(item_type, MatterType.other)


@event.listens_for(Session, "before_flush")
def _give_items_a_matter(session, flush_context, instances):
    for obj in list(session.new):
        if isinstance(obj, AgendaItem) and obj.matter is None and obj.matter_id is None:
            now = obj.created_at or utcnow()
            with session.no_autoflush:
                number = obj.file_number or next_file_number(to_local(now).year)
            obj.file_number = number
            obj.matter = Matter(
                file_number=number,
                matter_type=matter_type_for(obj.item_type, obj.agreement_category),
                title=(obj.title or "")[:300],
                summary="",
                status=MatterStatus.on_agenda,
                body_id=obj.meeting.body_id if obj.meeting is not None else None,
                created_at=now,
                updated_at=now,
            )
            session.add(obj.matter)
            meeting_id = obj.meeting_id or (obj.meeting.id if obj.meeting is not None else None)
            for kind in (MatterActionKind.introduced, MatterActionKind.placed_on_agenda):
                session.add(MatterAction(matter=obj.matter, action=kind, at=now, meeting_id=meeting_id, note=""))


def bulk_matter_rows(item_rows: list[dict], *, first_id: int) -> list[dict]:
    """Rows of ``matters`` for agenda items written with bulk INSERTs (an archive, a benchmark), which the flush hook
    above never sees: one matter per item, with the item's file number, title and type, ids from ``first_id``.
    Sets each item row's ``matter_id``; insert the matters first."""
    rows = []
    for n, item in enumerate(item_rows):
        item["matter_id"] = first_id + n
        when = item.get("created_at") or utcnow()
        kind = matter_type_for(AgendaItemType(item["item_type"]), item.get("agreement_category"))
        rows.append(
            {
                "id": first_id + n,
                "file_number": item["file_number"],
                "matter_type": kind.value,
                "title": item["title"][:300],
                "summary": "",
                "status": MatterStatus.on_agenda.value,
                "created_at": when,
                "updated_at": when,
            }
        )
    return rows
