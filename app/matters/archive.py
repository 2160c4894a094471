"""Matters brought in from the city's archive (a Legistar export, issue 20): each keeps the file number it had,
and its history is the steps the archive records, in time order.

A historic number is taken as it is, whether or not it follows the city's pattern; one that does follows moves
that year's sequence past it (``numbering.reserve_number``), and ``numbering.next_file_number`` skips any number
already on a matter, so a matter opened later always gets a fresh number."""

import re
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import utcnow
from app.extensions import db
from app.matters.models import STATUS_AFTER, Matter, MatterAction, MatterStatus, MatterType
from app.matters.numbering import reserve_number

#: Letters, digits, spaces and - / . _ (a number is part of the matter's public address).
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-/._]*$")
MAX_NUMBER = 20
MAX_TITLE = 300


def check_file_number(file_number: str, *, field: str = "file_number") -> str:
    """The number as it will be kept, or a DomainError on ``field``: not empty, at most 20 characters, letters,
    digits, spaces and - / . _, and on no matter yet (whatever the case)."""
    number = clean_text(file_number or "")
    if not number:
        raise DomainError(_("Give the file number."), field=field)
    if len(number) > MAX_NUMBER:
        raise DomainError(_("A file number has at most %(num)d characters.", num=MAX_NUMBER), field=field)
    if not _NUMBER.match(number):
        raise DomainError(
            _("A file number has letters, digits, spaces and - / . _ only: “%(number)s”.", number=number[:40]),
            field=field,
        )
    taken = db.session.scalar(select(Matter.file_number).where(func.lower(Matter.file_number) == number.lower()))
    if taken is not None:
        raise DomainError(_("Matter %(number)s is already on record.", number=taken), field=field)
    return number


def add_archived_matter(
    *,
    file_number: str,
    matter_type: MatterType,
    title: str,
    summary: str = "",
    body_id: int | None,
    opened_at: datetime | None,
    actor,
) -> Matter:
    """A matter from the city's archive with its own file number; no step yet (the caller records its history).
    ``opened_at``: when it was introduced, if the archive says."""
    number = check_file_number(file_number)
    title = clean_text(title)
    if not title:
        raise DomainError(_("Enter a title."), field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(_("Use at most %(num)d characters.", num=MAX_TITLE), field="title")
    now = utcnow()
    matter = Matter(
        file_number=number,
        matter_type=matter_type,
        title=title,
        summary=clean_text(summary, multiline=True),
        status=MatterStatus.introduced,
        body_id=body_id,
        created_at=opened_at or now,
        updated_at=now,
    )
    db.session.add(matter)
    db.session.flush()
    reserve_number(number)
    audit.record(
        "matter.import",
        matter,
        f"Imported matter {number} '{title}' from the city's archive",
        actor=actor,
        data={"file_number": number, "matter_type": matter_type.value, "body_id": body_id},
    )
    return matter


def settle_status(matter: Matter, stated: MatterStatus | None = None, *, actor) -> MatterStatus:
    """After an import: the status the archive states, else the one the matter's latest step leaves (steps may
    have been recorded out of time order, before or after those already on record)."""
    status = stated
    if status is None:
        kinds = db.session.scalars(
            select(MatterAction.action)
            .where(MatterAction.matter_id == matter.id)
            .order_by(MatterAction.at, MatterAction.id)
        ).all()
        status = next((STATUS_AFTER[k] for k in reversed(kinds) if STATUS_AFTER.get(k) is not None), None)
    if status is not None and status != matter.status:
        before = matter.status
        matter.status = status
        audit.record(
            "matter.status",
            matter,
            f"Matter {matter.file_number}: status {before.value} -> {status.value} after an import",
            actor=actor,
            data={"before": before.value, "after": status.value, "stated": stated is not None},
        )
    matter.updated_at = utcnow()
    db.session.flush()
    return matter.status
