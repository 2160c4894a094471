"""Importing past meetings from the city's archive (issue 15), as a CSV of date, time, body, kind and title.

An imported meeting is a historic record, not a meeting noticed through Dais, and it says so: it is adjourned,
public from the moment it is imported (``Meeting.imported_at``), and has no notice time, so no lead time is ever
claimed or measured for it; its public page says "Imported from the city's archive; notice not recorded in
Dais". A date in the future is refused: such a meeting must be scheduled and noticed in Dais like any other.
"""

from datetime import datetime, time

from flask_babel import gettext as _
from sqlalchemy import select

from app.bodies.models import Body
from app.core import audit
from app.core.csv_import import (
    ImportPreview,
    RowError,
    RowOutcome,
    RowResult,
    apply_in_savepoint,
    extra_cells_error,
    parse_choice,
    parse_date,
    parse_time,
    preview_in_savepoint,
    read_rows,
    run_rows,
)
from app.core.record import in_record_language
from app.core.text import clean_text
from app.core.timeutil import NonexistentLocalTime, local_to_utc, to_local, utcnow
from app.extensions import db
from app.meetings.models import Meeting, MeetingKind, MeetingStatus

KIND = "meetings"
COLUMNS = ["date", "time", "body", "kind", "title", "location", "purpose"]
REQUIRED = ["date", "body", "kind", "title"]
DEFAULT_TIME = time(17, 0)


def not_recorded() -> str:
    """The place of a meeting whose archive entry does not give one, in the record's language."""
    with in_record_language():
        return _("Not recorded")


def record_past_meeting(
    *, body: Body, kind: MeetingKind, title: str, start_at: datetime, location: str, purpose: str, actor
) -> Meeting:
    """A meeting that took place before Dais: adjourned, public as an archive record, no notice claimed."""
    now = utcnow()
    _refuse_future(start_at)
    title, location, purpose = clean_text(title), clean_text(location), clean_text(purpose, multiline=True)
    if not title:
        raise RowError("title", _("Enter a title."))
    if len(title) > 200:
        raise RowError("title", _("Use at most %(num)d characters.", num=200))
    if len(location) > 300:
        raise RowError("location", _("Use at most %(num)d characters.", num=300))
    if len(purpose) > 4000:
        raise RowError("purpose", _("Use at most %(num)d characters.", num=4000))
    if body.retired_on is not None and to_local(start_at).date() >= body.retired_on:
        raise RowError(
            "date",
            _("%(body)s was retired on %(day)s.", body=body.name, day=body.retired_on.isoformat()),
        )
    meeting = Meeting(
        body_id=body.id,
        body=body,
        kind=kind,
        title=title,
        start_at=start_at,
        location=location or not_recorded(),
        purpose=purpose or None,
        status=MeetingStatus.adjourned,
        imported_at=now,
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "meeting.import",
        meeting,
        f"Imported past {kind.value} meeting '{title}' of {to_local(start_at).strftime('%Y-%m-%d %H:%M %Z')} "
        "from the city's archive; notice not recorded in Dais",
        actor=actor,
        data={"body_id": body.id, "start_at": start_at.isoformat(), "kind": kind.value, "title": title},
    )
    return meeting


def _refuse_future(start_at: datetime) -> None:
    if start_at > utcnow():
        raise RowError(
            "date", _("This meeting is in the future: schedule it in Dais and publish its notice there instead.")
        )


class _Run:
    def __init__(self, actor):
        self.actor = actor
        self.bodies = {b.name.lower(): b for b in db.session.scalars(select(Body))}
        self.seen: dict[tuple, int] = {}

    def row(self, number: int, record: dict[str, str], result: RowResult) -> None:
        extra_cells_error(record)
        if not record.get("date"):
            raise RowError("date", _("Give the day of the meeting."))
        day = parse_date(record["date"], "date")
        at = parse_time(record["time"], "time") if record.get("time") else DEFAULT_TIME
        try:
            start_at = local_to_utc(datetime.combine(day, at))
        except NonexistentLocalTime:
            raise RowError("time", _("That time does not exist on that day (the clocks moved forward).")) from None
        _refuse_future(start_at)
        body_name = clean_text(record.get("body", ""))
        if not body_name:
            raise RowError("body", _("Give the body that met."))
        body = self.bodies.get(body_name.lower())
        if body is None:
            names = ", ".join(b.name for b in self.bodies.values()) or _("none yet")
            raise RowError("body", _("No body is named “%(name)s”. Bodies: %(names)s.", name=body_name, names=names))
        if not record.get("kind"):
            raise RowError("kind", _("Give the kind of meeting."))
        kind = parse_choice(record["kind"], "kind", MeetingKind)
        title = clean_text(record.get("title", ""))
        if not title:
            raise RowError("title", _("Enter a title."))
        key = (body.id, start_at)
        if key in self.seen:
            raise RowError(None, _("Row %(row)d has a meeting of this body at the same time.", row=self.seen[key]))
        self.seen[key] = number
        existing = db.session.scalar(select(Meeting).where(Meeting.body_id == body.id, Meeting.start_at == start_at))
        when = f"{day.isoformat()} {at.strftime('%H:%M')}"
        if existing is not None:
            if existing.kind == kind and existing.title.lower() == title.lower():
                result.actions.append(
                    _(
                        "%(title)s (%(body)s, %(when)s) is already on record.",
                        title=existing.title,
                        body=body.name,
                        when=when,
                    )
                )
                return
            raise RowError(
                None,
                _(
                    "Another meeting of %(body)s is on record at that time: “%(title)s”.",
                    body=body.name,
                    title=existing.title,
                ),
            )
        meeting = record_past_meeting(
            body=body,
            kind=kind,
            title=title,
            start_at=start_at,
            location=record.get("location", ""),
            purpose=record.get("purpose", ""),
            actor=self.actor,
        )
        result.outcome = RowOutcome.new
        result.actions.append(
            _(
                "Adds “%(title)s” (%(kind)s) of %(body)s, %(when)s, as a past meeting from the archive.",
                kind=kind.label,
                title=meeting.title,
                body=body.name,
                when=when,
            )
        )


def _run(data: bytes, actor) -> ImportPreview:
    rows = read_rows(data, COLUMNS, REQUIRED)
    return run_rows(rows, _Run(actor).row, kind=KIND)


def check_file(data: bytes) -> int:
    """The number of rows, if the file can be read at all; else FileRefused (nothing run, nothing written)."""
    return len(read_rows(data, COLUMNS, REQUIRED))


def preview(data: bytes, *, actor=None) -> ImportPreview:
    """What the file would do, row by row; nothing is saved. Raises FileRefused for a file that cannot be read."""
    return preview_in_savepoint(lambda: _run(data, actor))


def apply(data: bytes, *, actor, filename: str = "") -> ImportPreview:
    """Import every row or none: raises ImportHasErrors (nothing saved) if any row has an error. Flushes, never
    commits; one audit entry for the import, besides one per meeting."""

    return apply_in_savepoint(
        lambda: _run(data, actor),
        action="import.meetings",
        summary=lambda counts: (
            f"Imported past meetings from {filename or 'a CSV file'}: {counts['new']} new, "
            f"{counts['unchanged']} already on record"
        ),
        filename=filename,
        actor=actor,
    )
