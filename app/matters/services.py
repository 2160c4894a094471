"""Opening matters and recording the steps of their life. Every step is a MatterAction (append-only) and an
audit entry; the matter's status is the one its latest action leaves."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.matters.models import (
    STATUS_AFTER,
    Matter,
    MatterAction,
    MatterActionKind,
    MatterRelation,
    MatterRelationKind,
    MatterStatus,
    MatterType,
)
from app.matters.numbering import next_file_number

A = MatterActionKind

#: Actions the clerk records by hand on the staff matter page; the rest follow from votes and the agenda.
MANUAL_ACTIONS = (A.withdrawn, A.referred, A.filed, A.continued)
#: A matter in one of these states is closed: it is not brought back to an agenda.
CLOSED = (MatterStatus.adopted, MatterStatus.approved, MatterStatus.filed)


def open_matter(*, title: str, matter_type: MatterType, body_id: int | None, actor, summary: str = "") -> Matter:
    """A new matter with the next file number of the year, and its "introduced" step."""
    title = clean_text(title)[:300]
    if not title:
        raise DomainError(_("Enter a title."), field="title")
    now = utcnow()
    matter = Matter(
        file_number=next_file_number(to_local(now).year),
        matter_type=matter_type,
        title=title,
        summary=clean_text(summary, multiline=True),
        status=MatterStatus.introduced,
        body_id=body_id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(matter)
    db.session.flush()
    audit.record("matter.open", matter, f"Opened matter {matter.file_number} '{title}'", actor=actor)
    record_action(matter, A.introduced, actor=actor, at=now)
    return matter


def find_matter(file_number: str) -> Matter | None:
    file_number = clean_text(file_number or "")[:20]
    if not file_number:
        return None
    return db.session.scalar(select(Matter).where(Matter.file_number == file_number))


def matter_to_bring_back(file_number: str) -> Matter:
    """The matter an agenda item brings back, or a DomainError saying why not."""
    matter = find_matter(file_number)
    if matter is None:
        raise DomainError(_("No matter has the file number “%(number)s”.", number=file_number), field="file_number")
    if matter.status in CLOSED:
        raise DomainError(
            _(
                "Matter %(number)s is “%(status)s”: it cannot come back to an agenda.",
                number=matter.file_number,
                status=matter.status.label,
            ),
            field="file_number",
        )
    return matter


def record_action(
    matter: Matter,
    action: MatterActionKind,
    *,
    actor,
    at=None,
    meeting_id: int | None = None,
    agenda_item_id: int | None = None,
    motion_id: int | None = None,
    target_meeting_id: int | None = None,
    target_date: date | None = None,
    referred_to: str | None = None,
    note: str = "",
) -> MatterAction:
    """Append a step to the matter's history and move its status."""
    entry = MatterAction(
        matter_id=matter.id,
        matter=matter,
        action=action,
        at=at or utcnow(),
        meeting_id=meeting_id,
        agenda_item_id=agenda_item_id,
        motion_id=motion_id,
        target_meeting_id=target_meeting_id,
        target_date=target_date,
        referred_to=clean_text(referred_to or "")[:200] or None,
        note=clean_text(note, multiline=True),
        actor_id=actor.id if actor is not None else None,
    )
    db.session.add(entry)
    status = STATUS_AFTER.get(action)
    if status is not None:
        matter.status = status
    matter.updated_at = entry.at
    db.session.flush()
    audit.record(
        "matter.action",
        matter,
        f"Matter {matter.file_number}: {action.value}",
        actor=actor,
        data={"action": action.value, "meeting_id": meeting_id, "motion_id": motion_id, "note": entry.note},
    )
    return entry


def record_by_hand(
    matter: Matter, action: str, *, note: str, referred_to: str | None = None, target_date: date | None = None, actor
) -> MatterAction:
    """A step the clerk records on the staff matter page (withdrawn, referred, filed, continued: to a day or not;
    app.meetings.carry_forward.continue_to brings a continued matter onto that day's agenda)."""
    try:
        kind = A(action)
    except ValueError:
        kind = None
    if kind not in MANUAL_ACTIONS:
        raise DomainError(_("Choose an action."), field="action")
    note = clean_text(note, multiline=True)
    if not note:
        raise DomainError(_("Say what happened: the note goes on the matter's public history."), field="note")
    if kind == A.referred and not clean_text(referred_to or ""):
        raise DomainError(_("Say to whom the matter is referred."), field="referred_to")
    if matter.status in CLOSED:
        raise DomainError(_("This matter is closed (“%(status)s”).", status=matter.status.label))
    return record_action(
        matter,
        kind,
        actor=actor,
        note=note,
        referred_to=referred_to,
        target_date=target_date if kind == A.continued else None,
    )


def relate(matter: Matter, kind: str, *, to_file_number: str | None = None, agreement_id: int | None = None, actor):
    """Record that ``matter`` amends, supersedes or repeals another matter, or authorizes an agreement."""
    try:
        relation_kind = MatterRelationKind(kind)
    except ValueError:
        raise DomainError(_("Choose a relation."), field="kind") from None
    target = None
    if relation_kind == MatterRelationKind.authorizes:
        if not agreement_id:
            raise DomainError(_("Choose the agreement."), field="agreement_id")
    else:
        target = find_matter(to_file_number or "")
        if target is None:
            raise DomainError(_("No matter has that file number."), field="to_file_number")
        if target.id == matter.id:
            raise DomainError(_("A matter cannot relate to itself."), field="to_file_number")
        agreement_id = None
    relation = MatterRelation(
        from_matter_id=matter.id,
        kind=relation_kind,
        to_matter_id=target.id if target else None,
        agreement_id=agreement_id,
        created_at=utcnow(),
    )
    db.session.add(relation)
    db.session.flush()
    audit.record(
        "matter.relate",
        matter,
        f"Matter {matter.file_number} {relation_kind.value} {target.file_number if target else agreement_id}",
        actor=actor,
    )
    return relation


def set_effective_on(matter: Matter, day: date | None, *, actor) -> None:
    """The day the matter states it takes effect (None: on adoption); audited with before and after."""
    if matter.effective_on == day:
        return
    before = matter.effective_on
    matter.effective_on = day
    matter.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "matter.effective_on",
        matter,
        f"Matter {matter.file_number} takes effect {day.isoformat() if day else 'on adoption'}",
        actor=actor,
        data={"before": before.isoformat() if before else None, "after": day.isoformat() if day else None},
    )
