"""Importing matters and their histories from a Legistar-style export (issue 20): two CSV files uploaded together,
the matters ("Legislation": File #, Type, Title, Status, Intro Date, In Control...) and their histories (File #,
Date, Action By, Action, Result, Action Details), previewed, then imported in one transaction or not at all.

Each matter keeps its old file number (``app.matters.archive``). A history row becomes a step of the matter's
history (``services.record_action``), linked to the meeting of its body on that day when Dais has one; rows are
recorded in time order whatever the order of the file. A matter's status is the one the file states, else the one
its latest step leaves. Module here, in ``app.meetings``, because it reads bodies, meetings and matters.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.bodies.models import Body
from app.core.csv_import import (
    FileRefused,
    ImportPart,
    ImportPreview,
    RowError,
    RowOutcome,
    RowResult,
    apply_in_savepoint,
    extra_cells_error,
    normalize_header,
    parse_date,
    preview_in_savepoint,
    read_rows,
    run_rows,
    unbundle,
)
from app.core.errors import DomainError
from app.core.record import in_record_language
from app.core.text import clean_text
from app.core.timeutil import local_bounds, to_local, utcnow
from app.extensions import db
from app.matters import archive
from app.matters.models import Matter, MatterAction, MatterActionKind, MatterStatus, MatterType
from app.matters.services import record_action
from app.meetings.models import AgendaItem, Meeting, MeetingStatus

KIND = "matters"
MATTERS, HISTORIES = "matters", "histories"
A, S, T = MatterActionKind, MatterStatus, MatterType


@dataclass(frozen=True)
class FileSpec:
    """One of the two files: what it holds, its columns as Legistar heads them, and which are required."""

    label: object
    headers: tuple[str, ...]
    required: tuple[str, ...]
    #: Other names of a column (normalized): Legistar's "In Control" is the body.
    aliases: dict
    #: Columns of a Legistar export that are accepted and not read.
    ignored: tuple[str, ...]
    sample: str

    @property
    def columns(self) -> list[str]:
        return [normalize_header(h) for h in self.headers]

    def header(self, column: str | None) -> str | None:
        """The column as the spreadsheet heads it ("file_number" -> "File #")."""
        return next((h for h in self.headers if normalize_header(h) == column), column)


FILES = {
    MATTERS: FileSpec(
        label=_l("Matters"),
        headers=("File #", "Type", "Title", "Status", "Intro Date", "Body", "Summary", "Sponsors"),
        required=("File #", "Title"),
        aliases={"file": "file_number", "file_no": "file_number", "in_control": "body", "file_created": "intro_date"},
        ignored=("ver", "name", "agenda_number", "on_agenda", "final_action", "enactment_number", "enactment_date"),
        sample="sample-matters.csv",
    ),
    HISTORIES: FileSpec(
        label=_l("Histories"),
        headers=("File #", "Date", "Action By", "Action", "Result", "Action Details"),
        required=("File #", "Date", "Action"),
        aliases={"file": "file_number", "file_no": "file_number", "notes": "action_details"},
        ignored=("ver", "meeting_details", "video", "audio", "agenda_number", "minutes"),
        sample="sample-matter-history.csv",
    ),
}

#: Legistar's matter types, as the words of the cell (lower case, single spaces).
TYPES = {
    "ordinance": T.ordinance,
    "resolution": T.resolution,
    "contract": T.contract,
    "agreement": T.contract,
    "contract or agreement": T.contract,
    "proclamation": T.proclamation,
    "report": T.report,
    "appointment": T.appointment,
    "other": T.other,
}

#: Statuses as an export writes them. "Passed" is "adopted" for an ordinance and "approved" for anything else.
STATUSES = {
    "introduced": S.introduced,
    "on agenda": S.on_agenda,
    "on an agenda": S.on_agenda,
    "agenda ready": S.on_agenda,
    "placed on agenda": S.on_agenda,
    "deferred": S.deferred,
    "postponed": S.deferred,
    "continued": S.continued,
    "tabled": S.tabled,
    "referred": S.referred,
    "in committee": S.referred,
    "first reading": S.first_reading_passed,
    "passed on first reading": S.first_reading_passed,
    "passed first reading": S.first_reading_passed,
    "approved": S.approved,
    "passed": S.approved,
    "adopted": S.adopted,
    "enacted": S.adopted,
    "passed on second reading": S.adopted,
    "adopted on second reading": S.adopted,
    "failed": S.failed,
    "denied": S.failed,
    "defeated": S.failed,
    "withdrawn": S.withdrawn,
    "filed": S.filed,
    "received and filed": S.filed,
}

#: The actions of a history row (lower case, single spaces). "Referred to <whom>" is also read.
ACTIONS = {
    "introduced": A.introduced,
    "placed on agenda": A.placed_on_agenda,
    "placed on the agenda": A.placed_on_agenda,
    "on agenda": A.placed_on_agenda,
    "approved": A.approved,
    "approved on consent": A.approved,
    "passed": A.approved,
    "adopted": A.adopted,
    "adopted on consent": A.adopted,
    "passed on first reading": A.first_reading_passed,
    "approved on first reading": A.first_reading_passed,
    "first reading": A.first_reading_passed,
    "passed on second reading": A.second_reading_adopted,
    "adopted on second reading": A.second_reading_adopted,
    "approved on second reading": A.second_reading_adopted,
    "second reading": A.second_reading_adopted,
    "deferred": A.deferred,
    "postponed": A.deferred,
    "continued": A.continued,
    "tabled": A.tabled,
    "referred": A.referred,
    "withdrawn": A.withdrawn,
    "filed": A.filed,
    "received and filed": A.filed,
    "failed": A.failed,
    "denied": A.failed,
    "defeated": A.failed,
}
#: Steps that are a decision: with the result "Fail", the matter failed.
DECISIONS = (A.approved, A.adopted, A.first_reading_passed, A.second_reading_adopted)
RESULTS = {"pass": True, "passed": True, "fail": False, "failed": False}


def words(value: str) -> str:
    """ "Passed on First Reading. " -> "passed on first reading"."""
    return " ".join(clean_text(value).lower().replace("_", " ").replace("-", " ").rstrip(".").split())


def matter_type(value: str) -> tuple[MatterType, bool]:
    """(type, known): an unknown type is "other"."""
    key = words(value)
    found = TYPES.get(key) or (TYPES.get(key[:-1]) if key.endswith("s") else None)
    return (found, True) if found else (T.other, not key)


def stated_status(value: str, kind: MatterType) -> MatterStatus | None:
    status = STATUSES.get(words(value))
    if status == S.approved and words(value) == "passed" and kind == T.ordinance:
        return S.adopted
    return status


def parse_action(value: str) -> tuple[MatterActionKind, str | None]:
    """(kind, referred to) of a history row's action, or RowError listing the words accepted."""
    key = words(value)
    if key.startswith("referred to "):
        return A.referred, clean_text(value)[len("referred to ") :].strip()[:200] or None
    if key in ACTIONS:
        return ACTIONS[key], None
    raise RowError(
        "action",
        _(
            "“%(value)s” is not an action Dais knows. Use one of: %(words)s.",
            value=value[:60],
            words=", ".join([*ACTIONS, "referred to …"]),
        ),
    )


def _imported_note(body_name: str | None, *, meeting_sought: bool = True) -> str:
    with in_record_language():
        if not meeting_sought:
            return _("Imported from the city's archive.")
        if body_name:
            return _("Imported from the city's archive (%(body)s); no meeting in Dais on that day.", body=body_name)
        return _("Imported from the city's archive; no meeting in Dais on that day.")


def _sponsors_line(names: str) -> str:
    with in_record_language():
        return _("Sponsors: %(names)s", names=names)


def _read(part: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    spec = FILES[part]
    try:
        return read_rows(
            data,
            spec.columns,
            [normalize_header(h) for h in spec.required],
            aliases=spec.aliases,
            ignored=spec.ignored,
        )
    except FileRefused as exc:
        raise FileRefused(_("%(file)s: %(reason)s", file=spec.label, reason=exc.message), field=part) from None


def _files(data: bytes) -> dict[str, tuple[str, bytes]]:
    files = {k: v for k, v in unbundle(data).items() if k in FILES}
    if not files:
        raise FileRefused(_("Choose a CSV file to upload."), field=MATTERS)
    return files


def _day_start(day: date) -> datetime:
    return local_bounds(day, day + timedelta(days=1))[0]


class _Run:
    """One pass: the matters file's rows first, then the histories' in time order, then each matter's status."""

    def __init__(self, actor, history_rows: list[tuple[int, dict[str, str]]]):
        self.actor = actor
        self.today = to_local(utcnow()).date()
        self.bodies = {b.name.lower(): b for b in db.session.scalars(select(Body).order_by(Body.id))}
        #: Matters file: number (lower case) -> its row; the rows refused; the matters added.
        self.file_rows: dict[str, int] = {}
        self.row_keys: dict[int, str] = {}
        self.failed: dict[str, int] = {}
        self.matters: dict[str, Matter] = {}
        self.stated: dict[int, MatterStatus] = {}
        self.matter_results: dict[int, RowResult] = {}
        #: Matters already on record that the histories name, by number (lower case): loaded in one query.
        self.on_record: dict[str, Matter] = {}
        self.status_before: dict[int, MatterStatus] = {}
        self.last_result: dict[int, RowResult] = {}
        self.steps_seen: dict[tuple, int] = {}
        self.added: set[int] = set()
        #: (matter id, day) -> the latest moment given to a step of this run that day, to keep the file's order.
        self.latest: dict[tuple[int, date], datetime] = {}
        self.meetings: dict[tuple[int, date], list[Meeting]] = {}
        self._plan(history_rows)

    # -- the histories, looked at before anything runs --------------------------------------------------------

    def _plan(self, rows) -> None:
        """Which matters' histories have an "introduced" step, each one's first day, and whether the file lists
        each matter's steps oldest or newest first (Legistar shows the newest first): steps of one day are then
        recorded in the file's order read the right way."""
        self.introduced: set[str] = set()
        self.first_day: dict[str, date] = {}
        days: dict[str, list[date]] = {}
        self.parsed: dict[int, tuple[str, date | None]] = {}
        for number, record in rows:
            key = clean_text(record.get("file_number", "")).lower()
            try:
                day = parse_date(record.get("date", ""), "date")
            except RowError:
                day = None
            self.parsed[number] = (key, day)
            if day is not None:
                days.setdefault(key, []).append(day)
                self.first_day[key] = min(day, self.first_day.get(key, day))
            try:
                if parse_action(record.get("action", ""))[0] == A.introduced:
                    self.introduced.add(key)
            except RowError:
                pass
        self.newest_first = {key: found[0] > found[-1] for key, found in days.items()}
        keys = sorted(k for k in days.keys() | {k for k, _d in self.parsed.values()} if k)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for matter in db.session.scalars(select(Matter).where(func.lower(Matter.file_number).in_(chunk))):
                self.on_record[matter.file_number.lower()] = matter
                self.status_before[matter.id] = matter.status

    def in_time_order(self, rows):
        def order(row):
            key, day = self.parsed[row[0]]
            return (day or date.min, -row[0] if self.newest_first.get(key) else row[0])

        return sorted(rows, key=order)

    # -- helpers -------------------------------------------------------------------------------------------------

    def _body(self, name: str, column: str) -> Body | None:
        name = clean_text(name)
        if not name:
            return None
        body = self.bodies.get(name.lower())
        if body is None:
            names = ", ".join(b.name for b in self.bodies.values()) or _("none yet")
            raise RowError(column, _("No body is named “%(name)s”. Bodies: %(names)s.", name=name, names=names))
        return body

    def _refuse_future(self, day: date, column: str) -> None:
        if day > self.today:
            raise RowError(column, _("%(day)s is in the future: the archive records what has happened.", day=day))

    def _meetings_on(self, body: Body, day: date) -> list[Meeting]:
        key = (body.id, day)
        if key not in self.meetings:
            start, end = local_bounds(day, day + timedelta(days=1))
            self.meetings[key] = list(
                db.session.scalars(
                    select(Meeting)
                    .where(
                        Meeting.body_id == body.id,
                        Meeting.start_at >= start,
                        Meeting.start_at < end,
                        Meeting.status != MeetingStatus.cancelled,
                    )
                    .order_by(Meeting.start_at, Meeting.id)
                )
            )
        return self.meetings[key]

    def _moment(self, matter: Matter, day: date, at: datetime | None) -> datetime:
        """A meeting's start, or (no meeting) the start of the day; never before a step this run already gave the
        matter that day, so steps of one day keep the file's order."""
        before = self.latest.get((matter.id, day))
        if at is None:
            at = before + timedelta(minutes=1) if before is not None else _day_start(day)
        elif before is not None and before > at:
            at = before
        self.latest[(matter.id, day)] = at
        return at

    # -- the matters file ----------------------------------------------------------------------------------------

    def matter_row(self, number: int, record: dict[str, str], result: RowResult) -> None:
        try:
            self._matter_row(number, record, result)
        except DomainError as exc:
            exc.field = FILES[MATTERS].header(exc.field)
            raise

    def _matter_row(self, number: int, record: dict[str, str], result: RowResult) -> None:
        extra_cells_error(record)
        file_number = clean_text(record.get("file_number", ""))
        key = file_number.lower()
        self.row_keys[number] = key
        if not file_number:
            raise RowError("file_number", _("Give the file number."))
        if key in self.file_rows:
            raise RowError("file_number", _("Row %(row)d has the same file number.", row=self.file_rows[key]))
        self.file_rows[key] = number
        kind, known_type = matter_type(record.get("type", ""))
        title = clean_text(record.get("title", ""))
        if not title:
            raise RowError("title", _("Enter a title."))
        body = self._body(record.get("body", ""), "body")
        intro = parse_date(record["intro_date"], "intro_date") if record.get("intro_date") else None
        if intro is not None:
            self._refuse_future(intro, "intro_date")
        status_text = clean_text(record.get("status", ""))
        stated = stated_status(status_text, kind) if status_text else None
        summary = record.get("summary", "")
        sponsors = clean_text(record.get("sponsors", ""))
        if sponsors:
            summary = "\n\n".join(p for p in (clean_text(summary, multiline=True), _sponsors_line(sponsors)) if p)
        first = intro or self.first_day.get(key)
        matter = archive.add_archived_matter(
            file_number=file_number,
            matter_type=kind,
            title=title,
            summary=summary,
            body_id=body.id if body else None,
            opened_at=_day_start(first) if first else None,
            actor=self.actor,
        )
        self.matters[key] = matter
        if stated is not None:
            self.stated[matter.id] = stated
        result.outcome, result.record_id = RowOutcome.new, matter.id
        result.record_label = _("File %(number)s", number=matter.file_number) + f": {title}"
        self.matter_results[matter.id] = result
        result.actions.append(
            _("Adds matter %(number)s, “%(title)s” (%(type)s).", number=matter.file_number, title=title,
              type=kind.label)
        )  # fmt: skip
        if not known_type:
            result.actions.append(_("Type “%(given)s” is not one Dais knows: Other.", given=record["type"][:60]))
        if body is not None:
            result.actions.append(_("Body: %(body)s.", body=body.name))
        if sponsors:
            result.actions.append(_("Sponsors, kept in the summary: %(names)s.", names=sponsors))
        if intro is not None and key not in self.introduced:
            record_action(
                matter, A.introduced, actor=self.actor, at=self._moment(matter, intro, None),
                note=_imported_note(None, meeting_sought=False),
            )  # fmt: skip
            result.actions.append(_("Introduced on %(day)s.", day=intro.isoformat()))
        if status_text and stated is None:
            result.warnings.append(
                _(
                    "The status “%(given)s” is not one Dais knows: the matter takes the status its history "
                    "leaves, or Introduced.",
                    given=status_text[:60],
                )
            )

    # -- the histories -------------------------------------------------------------------------------------------

    def history_row(self, number: int, record: dict[str, str], result: RowResult) -> None:
        try:
            self._history_row(number, record, result)
        except DomainError as exc:
            exc.field = FILES[HISTORIES].header(exc.field)
            raise

    def _matter(self, file_number: str) -> Matter:
        key = file_number.lower()
        if key in self.failed:
            raise RowError(
                "file_number",
                _("Row %(row)d of the matters file, which adds this matter, has an error.", row=self.failed[key]),
            )
        matter = self.matters.get(key) or self.on_record.get(key)
        if matter is None:
            raise RowError(
                "file_number",
                _("No matter has the file number “%(number)s”, in Dais or in the matters file.", number=file_number),
            )
        return matter

    def _history_row(self, number: int, record: dict[str, str], result: RowResult) -> None:
        extra_cells_error(record)
        file_number = clean_text(record.get("file_number", ""))
        if not file_number:
            raise RowError("file_number", _("Give the file number."))
        matter = self._matter(file_number)
        if not record.get("date"):
            raise RowError("date", _("Give the day of the step."))
        day = parse_date(record["date"], "date")
        self._refuse_future(day, "date")
        kind, referred_to = parse_action(record.get("action", ""))
        outcome = words(record.get("result", ""))
        if outcome and outcome not in RESULTS:
            raise RowError("result", _("“%(value)s” is not a result: use Pass or Fail.", value=record["result"][:40]))
        action_by = clean_text(record.get("action_by", ""))
        body = self.bodies.get(action_by.lower()) if action_by else None
        if body is None and not action_by and matter.body_id is not None:
            body = next((b for b in self.bodies.values() if b.id == matter.body_id), None)
        label, day_text = kind.label, day.isoformat()
        if outcome and not RESULTS[outcome]:
            if kind not in DECISIONS:
                result.actions.append(
                    _(
                        "“%(action)s” on matter %(number)s, %(day)s, with the result Fail: the motion failed and "
                        "the matter stays as it was; nothing is recorded.",
                        action=record["action"][:60], number=matter.file_number, day=day_text,
                    )
                )  # fmt: skip
                return
            result.actions.append(_("“%(action)s” with the result Fail: recorded as Failed.", action=label))
            kind, label = A.failed, A.failed.label
        details = clean_text(record.get("action_details", ""), multiline=True)
        same = (matter.id, day, kind, action_by.lower(), details)
        if same in self.steps_seen:
            raise RowError(None, _("Row %(row)d has the same step.", row=self.steps_seen[same]))
        self.steps_seen[same] = number
        start, end = local_bounds(day, day + timedelta(days=1))
        recorded = db.session.scalar(
            select(MatterAction.id)
            .where(
                MatterAction.matter_id == matter.id,
                MatterAction.action == kind,
                MatterAction.at >= start,
                MatterAction.at < end,
            )
            .order_by(MatterAction.id)
            .limit(1)
        )
        if recorded is not None and recorded not in self.added:
            result.actions.append(
                _("“%(action)s” on %(day)s is already on matter %(number)s's record.", action=label, day=day_text,
                  number=matter.file_number)
            )  # fmt: skip
            return
        meetings = self._meetings_on(body, day) if body is not None else []
        meeting = meetings[0] if len(meetings) == 1 else None
        if meeting is not None:
            note = details
            item_id = db.session.scalar(
                select(AgendaItem.id)
                .where(AgendaItem.meeting_id == meeting.id, AgendaItem.matter_id == matter.id)
                .order_by(AgendaItem.id)
                .limit(1)
            )
            result.actions.append(
                _("Step “%(action)s” on matter %(number)s, %(day)s, at “%(meeting)s” of %(body)s.", action=label,
                  number=matter.file_number, day=day_text, meeting=meeting.title, body=body.name)
            )  # fmt: skip
        else:
            note = "\n\n".join(p for p in (details, _imported_note(action_by or None)) if p)
            item_id = None
            if len(meetings) > 1:
                result.warnings.append(
                    _(
                        "%(body)s has %(num)d meetings in Dais on that day: the step is linked to none of them.",
                        body=body.name, num=len(meetings),
                    )
                )  # fmt: skip
            elif action_by and body is None:
                result.warnings.append(
                    _("No body is named “%(name)s”: the step is recorded without a meeting, the name in its note.",
                      name=action_by)
                )  # fmt: skip
            result.actions.append(
                _("Step “%(action)s” on matter %(number)s, %(day)s: no meeting in Dais on that date; recorded "
                  "without a meeting.", action=label, number=matter.file_number, day=day_text)
            )  # fmt: skip
        if referred_to:
            result.actions.append(_("Referred to %(whom)s.", whom=referred_to))
        entry = record_action(
            matter,
            kind,
            actor=self.actor,
            at=self._moment(matter, day, meeting.start_at if meeting else None),
            meeting_id=meeting.id if meeting else None,
            agenda_item_id=item_id,
            referred_to=referred_to,
            note=note,
        )
        self.added.add(entry.id)
        result.outcome = RowOutcome.new
        self.last_result[matter.id] = result

    # -- after every row -----------------------------------------------------------------------------------------

    def note_failed(self, report: ImportPreview) -> None:
        for row in report.rows:
            key = self.row_keys.get(row.number)
            if row.outcome == RowOutcome.error and key and key not in self.matters:
                self.failed.setdefault(key, row.number)

    def settle(self) -> None:
        """Each matter's status: as the matters file states it, else the one its latest step leaves."""
        for matter in self.matters.values():
            stated = self.stated.get(matter.id)
            status = archive.settle_status(matter, stated, actor=self.actor)
            result = self.matter_results[matter.id]
            if stated is not None:
                result.actions.append(_("Status: %(status)s, as the file states.", status=status.label))
            else:
                result.actions.append(_("Status after the import: %(status)s.", status=status.label))
        on_record = {m.id: m for m in self.on_record.values()}
        for matter_id, result in self.last_result.items():
            matter = on_record.get(matter_id)
            if matter is None:
                continue
            before = self.status_before[matter_id]
            status = archive.settle_status(matter, actor=self.actor)
            if status != before:
                result.actions.append(
                    _("Matter %(number)s goes from “%(before)s” to “%(after)s”.", number=matter.file_number,
                      before=before.label, after=status.label)
                )  # fmt: skip


def _run(data: bytes, actor) -> ImportPreview:
    files = _files(data)
    matter_rows = _read(MATTERS, files[MATTERS][1]) if MATTERS in files else []
    history_rows = _read(HISTORIES, files[HISTORIES][1]) if HISTORIES in files else []
    run = _Run(actor, history_rows)
    matters = run_rows(matter_rows, run.matter_row, kind=KIND, part=MATTERS)
    run.note_failed(matters)
    histories = run_rows(run.in_time_order(history_rows), run.history_row, kind=KIND, part=HISTORIES)
    run.settle()
    return ImportPreview(
        kind=KIND,
        rows=matters.rows + sorted(histories.rows, key=lambda r: r.number),
        parts=[ImportPart(key, str(FILES[key].label), files[key][0]) for key in FILES if key in files],
    )


def check_file(data: bytes) -> int:
    """The number of rows in both files, if they can be read at all; else FileRefused naming the file."""
    return sum(len(_read(part, payload)) for part, (_name, payload) in _files(data).items())


def preview(data: bytes, *, actor=None) -> ImportPreview:
    """What the files would do, row by row; nothing is saved."""
    return preview_in_savepoint(lambda: _run(data, actor))


def apply(data: bytes, *, actor, filename: str = "") -> ImportPreview:
    """Import every row of both files or none: raises ImportHasErrors (nothing saved) if any row has an error.
    Flushes, never commits; one audit entry for the import, besides one per matter and one per step."""
    return apply_in_savepoint(
        lambda: _run(data, actor),
        action="import.matters",
        summary=lambda counts: (
            f"Imported matters and their histories from {filename or 'CSV files'}: {counts['new']} new rows, "
            f"{counts['unchanged']} already on record"
        ),
        filename=filename,
        actor=actor,
    )
