"""After adoption (issue 17): an adopted resolution's number or effective date corrected, with a reason.

An adopted resolution is never edited: a correction is its own row (``ResolutionCorrection``), shown publicly next
to the resolution, and an audit entry. Its agreement effects that started with it move with the effective date, and
a meeting whose record digest was pinned is pinned again when the correction changes that record (the number is
part of it; the effective date is not), like a vote corrected after the meeting.
"""

import re
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core import audit
from app.core.errors import DomainError
from app.core.sequences import take_through
from app.core.text import clean_text
from app.core.timeutil import utcnow
from app.extensions import db
from app.legislation.digest import repin_if_changed
from app.legislation.models import CorrectionField, Resolution, ResolutionCorrection, ResolutionStatus
from app.legislation.services import format_number

REASON_MAX = 500
#: The highest number of a year a correction may give: beyond it the number would not fit the record.
SEQ_MAX = 99_999
#: YY-NNN, the city's practice (``services.format_number``); leading zeros may be left out ("26-7").
NUMBER = re.compile(r"([0-9]{2})-([0-9]{1,9})")


def parse_number(resolution: Resolution, raw: str) -> tuple[int, int]:
    """(year, sequence) of a number written YY-NNN, for a resolution numbered in that year: the year it was first
    numbered or the year it was adopted."""
    example = format_number(resolution.number_year or resolution.adopted_on.year, 7)
    match = NUMBER.fullmatch(raw.strip())
    if match is None:
        raise DomainError(_("Write the number as YY-NNN, e.g. %(example)s.", example=example), field="number")
    years = {y for y in (resolution.number_year, resolution.adopted_on.year) if y is not None}
    year = next((y for y in sorted(years) if y % 100 == int(match.group(1))), None)
    if year is None:
        raise DomainError(
            _(
                "This resolution was adopted in %(year)s: its number starts with %(prefix)s-.",
                year=resolution.adopted_on.year,
                prefix=f"{resolution.adopted_on.year % 100:02d}",
            ),
            field="number",
        )
    seq = int(match.group(2))
    if not 1 <= seq <= SEQ_MAX:
        raise DomainError(_("The number after the dash runs from 1 to %(most)s.", most=f"{SEQ_MAX:,}"), field="number")
    return year, seq


def _holder(number: str, year: int, seq: int, resolution: Resolution) -> Resolution | None:
    return db.session.scalar(
        select(Resolution)
        .where(
            Resolution.id != resolution.id,
            (Resolution.number == number) | ((Resolution.number_year == year) & (Resolution.number_seq == seq)),
        )
        .limit(1)
    )


def _taken(number: str, holder: Resolution | None) -> DomainError:
    if holder is not None:
        message = _("Number %(number)s is already Resolution “%(title)s”.", number=number, title=holder.title)
    else:
        message = _("Number %(number)s has just been given to another resolution.", number=number)
    return DomainError(message, field="number")


def correct_resolution(
    resolution: Resolution,
    *,
    effective_on: date | None = None,
    number: str | None = None,
    reason: str,
    actor,
) -> list[ResolutionCorrection]:
    """Correct an adopted resolution's effective date and/or number (None: leave it). Returns one correction per
    field that changed; refuses (a DomainError naming the field) when nothing would change."""
    if resolution.status != ResolutionStatus.adopted or resolution.adopted_on is None:
        raise DomainError(_("Only an adopted resolution's number or effective date can be corrected."))
    changes: list[tuple[CorrectionField, str, str]] = []

    if effective_on is not None and effective_on != resolution.effective_on:
        if effective_on < resolution.adopted_on:  # the CHECK effective_not_before_adoption, said in words
            raise DomainError(
                _(
                    "A resolution cannot take effect before it was adopted (%(day)s).",
                    day=resolution.adopted_on.isoformat(),
                ),
                field="effective_on",
            )
        changes.append((CorrectionField.effective_on, resolution.effective_on.isoformat(), effective_on.isoformat()))

    year = seq = None
    if number is not None and number.strip():
        year, seq = parse_number(resolution, number)
        number = format_number(year, seq)
        if number != resolution.number:
            holder = _holder(number, year, seq, resolution)
            if holder is not None:
                raise _taken(number, holder)
            changes.append((CorrectionField.number, resolution.number, number))

    if not changes:
        raise DomainError(_("Nothing to correct: the number and the effective date are the ones on record."))
    reason = clean_text(reason or "", multiline=True)
    if not reason:
        raise DomainError(_("Say why the record is corrected."), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_("The reason is too long (at most %(most)s characters).", most=REASON_MAX), field="reason")

    now = utcnow()
    moved = []
    corrections = []
    for field, before, after in changes:
        if field == CorrectionField.effective_on:
            old, new = resolution.effective_on, effective_on
            resolution.effective_on = new
            # Effects that started with the resolution move with it; none may start before it takes effect.
            for effect in resolution.effects:
                if effect.effective_on is not None and (effect.effective_on == old or effect.effective_on < new):
                    moved.append({"effect_id": effect.id, "before": effect.effective_on.isoformat(), "after": after})
                    effect.effective_on = new
        else:
            resolution.number, resolution.number_year, resolution.number_seq = after, year, seq
            take_through("resolution", year, seq)  # never handed out again by the sequence
        correction = ResolutionCorrection(
            resolution=resolution,
            field=field,
            before=before,
            after=after,
            reason=reason,
            actor_id=actor.id if actor is not None else None,
            at=now,
        )
        db.session.add(correction)
        corrections.append(correction)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # another request took the number between the check and the write
        raise _taken(number, None) from None

    what = "; ".join(f"{field.value} from {before} to {after}" for field, before, after in changes)
    audit.record(
        "resolution.corrected",
        resolution,
        f"Resolution {resolution.number} '{resolution.title}' corrected: {what}",
        actor=actor,
        data={
            "changes": [{"field": f.value, "before": b, "after": a} for f, b, a in changes],
            "reason": reason,
            "effects_moved": moved,
        },
    )
    repin_if_changed(resolution.item.meeting, actor=actor, reason="resolution corrected")
    return corrections
