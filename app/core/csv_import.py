"""Reading a clerk's CSV file, and the shape of an import's preview; the rows themselves go through the services.

A spreadsheet saved as CSV arrives in many ways: UTF-8 with or without a byte-order mark, Excel's Windows-1252,
commas or semicolons (Excel in a Spanish locale), headers typed "Full Name" or "full_name". All of these are
read; anything else (a workbook, an image, a file over the limits) is refused with a message saying why,
never a 500. Rows are numbered as the spreadsheet shows them: the header is row 1, the first record row 2.

An import may take several files at once (matters and their histories): ``bundle`` packs them into the one
stored upload, ``unbundle`` takes them apart again, and each row's result names the file (``part``) it came from.

``run_rows`` gives every row its own SAVEPOINT inside one outer SAVEPOINT: a refused row is rolled back alone
and reported, the other rows go on, and the caller decides whether the outer one is kept (apply, no errors)
or rolled back (a preview, or any error): all rows or none.
"""

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.core import audit
from app.core.enums import LabeledEnum
from app.core.errors import DomainError
from app.extensions import db

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
#: A cell longer than this is not a spreadsheet cell (the longest field, a member's bio, takes 4,000).
MAX_CELL = 10_000
#: Dates outside these years are typing errors (and the far ends would not convert to UTC).
MIN_YEAR, MAX_YEAR = 1800, 2999


def not_csv() -> str:
    """One sentence, said for a binary file and for one full of control characters."""
    return _("This file is not CSV text. Save the spreadsheet as “CSV UTF-8” or “CSV (comma delimited)” and try again.")


class FileRefused(DomainError):
    """The file as a whole cannot be read: nothing in it was looked at row by row. ``field``: the upload field
    that carried it (an import of several files names which)."""

    def __init__(self, message: str, field: str = "file"):
        super().__init__(message, field=field)


class RowOutcome(LabeledEnum):
    new = "new", _l("New")
    updated = "updated", _l("Updated")
    unchanged = "unchanged", _l("Unchanged")
    error = "error", _l("Error")


@dataclass
class RowResult:
    #: As the spreadsheet shows it: the header is row 1.
    number: int
    outcome: RowOutcome = RowOutcome.unchanged
    #: What the row does (or would do), one sentence each, in the reader's language.
    actions: list[str] = field(default_factory=list)
    #: For an error: the CSV column it concerns (None for the whole row) and why.
    column: str | None = None
    reason: str | None = None
    #: Things to check that do not stop the import ("status not known: ..."), one sentence each.
    warnings: list[str] = field(default_factory=list)
    #: The file the row is in, when an import takes several (a key of ``ImportPreview.parts``).
    part: str | None = None
    #: The record the row added, when a page links to it (a matter's id), and the link's text.
    record_id: int | None = None
    record_label: str = ""


@dataclass
class ImportPart:
    """One file of an import that takes several: its key, what it holds (translated) and the name uploaded."""

    key: str
    label: str
    filename: str = ""


@dataclass
class ImportPreview:
    kind: str
    rows: list[RowResult]
    #: The files of an import of several, in the order shown; empty for an import of one file.
    parts: list[ImportPart] = field(default_factory=list)
    #: Set by ``apply`` once the rows are kept.
    applied: bool = False

    def count(self, outcome: RowOutcome) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {o.value: self.count(o) for o in RowOutcome}

    @property
    def errors(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome == RowOutcome.error]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors

    def rows_of(self, part: str | None) -> list[RowResult]:
        return [r for r in self.rows if r.part == part]

    def part_label(self, key: str | None) -> str:
        return next((p.label for p in self.parts if p.key == key), "")


class ImportHasErrors(DomainError):
    """``apply`` found errors: nothing was saved. The preview with the reasons travels with the refusal."""

    def __init__(self, preview: ImportPreview):
        super().__init__(
            ngettext(
                "Nothing was imported: %(num)d row has an error.",
                "Nothing was imported: %(num)d rows have errors.",
                len(preview.errors),
            )
            if preview.rows
            else _("The file has no rows to import.")
        )
        self.preview = preview


class RowError(DomainError):
    """A cell that cannot be read, naming its CSV column."""

    def __init__(self, column: str | None, message: str):
        super().__init__(message, field=column)


def normalize_header(name: str) -> str:
    """ "Full Name", " full-name ", "FULL_NAME" -> "full_name"; Legistar's "File #" -> "file_number", "Ver." ->
    "ver"."""
    name = (name or "").strip().lower().replace("#", " number").replace(".", "")
    return re.sub(r"[\s\-]+", "_", name).strip("_")


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise FileRefused(not_csv())
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")  # Excel's "CSV" on Windows
    except UnicodeDecodeError:
        raise FileRefused(
            _("This file is not CSV text in UTF-8 or Windows-1252. Save it as “CSV UTF-8” and try again.")
        ) from None
    return text


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return controls > 0


def read_rows(
    data: bytes,
    columns: Iterable[str],
    required: Iterable[str],
    *,
    aliases: dict[str, str] | None = None,
    ignored: Iterable[str] = (),
) -> list[tuple[int, dict[str, str]]]:
    """The file's records as (row number, {column: stripped cell}); refuses the file with FileRefused.

    ``aliases`` maps another name of a column to its own ("in_control" -> "body"); ``ignored`` columns are
    accepted and not read (the other columns of a Legistar export)."""
    if not data:
        raise FileRefused(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise FileRefused(_("The file is larger than %(mb)d MB; split it into smaller files.", mb=MAX_BYTES // 2**20))
    text = _decode(data)
    if _looks_binary(text):
        raise FileRefused(not_csv())
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    columns, required = list(columns), list(required)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise FileRefused(_("The file has no header row. The first row names the columns."))
        aliases, ignored = aliases or {}, set(ignored)
        names = [aliases.get(n, n) for n in (normalize_header(h) for h in header)]
        names = ["" if n in ignored else n for n in names]
        unknown = [h for h, n in zip(header, names, strict=True) if n and n not in columns]
        if unknown:
            raise FileRefused(
                _(
                    "Unknown column “%(name)s”. The columns are: %(columns)s.",
                    name=unknown[0].strip()[:60],
                    columns=", ".join(columns),
                )
            )
        repeated = sorted({n for n in names if n and names.count(n) > 1})
        if repeated:
            raise FileRefused(_("The column “%(name)s” appears twice.", name=repeated[0]))
        missing = [c for c in required if c not in names]
        if missing:
            raise FileRefused(_("The column “%(name)s” is required.", name=missing[0]))
        rows = []
        for index, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue  # a blank line, or a row of empty cells Excel left behind
            if len(rows) >= MAX_ROWS:
                raise FileRefused(
                    _("The file has more than %(num)s rows; split it into smaller files.", num=f"{MAX_ROWS:,}")
                )
            if any(len(c) > MAX_CELL for c in cells):
                raise FileRefused(_("Row %(row)d has a cell longer than %(num)s characters.", row=index, num="10,000"))
            record = {n: "" for n in names if n}
            extra = len(cells) > len(names) and any(c.strip() for c in cells[len(names) :])
            for name, cell in zip(names, cells, strict=False):
                if name:
                    record[name] = cell.strip()
            if extra:
                record["__extra__"] = f"{len(cells)}/{len(names)}"
            rows.append((index, record))
    except csv.Error as exc:
        raise FileRefused(_("The file cannot be read as CSV (line %(line)d).", line=reader.line_num)) from exc
    return rows


def extra_cells_error(record: dict[str, str]) -> None:
    """Refuse a row with more filled cells than the header has columns (an unquoted comma, most often)."""
    if "__extra__" in record:
        raise RowError(
            None,
            _(
                "This row has %(cells)s cells but the header names %(num)s columns; check for an unquoted "
                "comma or semicolon.",
                cells=record["__extra__"].split("/")[0],
                num=record["__extra__"].split("/")[1],
            ),
        )


_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_date(value: str, column: str) -> date:
    """YYYY-MM-DD, or MM/DD/YYYY as US clerks type it."""
    iso, us = _ISO_DATE.match(value), _US_DATE.match(value)
    try:
        if iso or us:
            day = date(int(iso[1]), int(iso[2]), int(iso[3])) if iso else date(int(us[3]), int(us[1]), int(us[2]))
            if not MIN_YEAR <= day.year <= MAX_YEAR:
                raise ValueError(day.year)
            return day
    except ValueError:
        raise RowError(column, _("“%(value)s” is not a date on the calendar.", value=value[:40])) from None
    raise RowError(column, _("“%(value)s” is not a date: use YYYY-MM-DD or MM/DD/YYYY.", value=value[:40]))


_TIME = re.compile(r"^(\d{1,2}):(\d{2})\s*([AaPp]\.?[Mm]\.?)?$")


def parse_time(value: str, column: str) -> time:
    """17:30, or 5:30 PM."""
    match = _TIME.match(value)
    if match:
        hour, minute, half = int(match[1]), int(match[2]), (match[3] or "").lower().replace(".", "")
        if half and 1 <= hour <= 12:
            hour = hour % 12 + (12 if half == "pm" else 0)
        elif half:
            hour = 99
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
    raise RowError(column, _("“%(value)s” is not a time: use HH:MM (17:30) or 5:30 PM.", value=value[:40]))


def parse_choice(value: str, column: str, enum_class) -> object:
    key = normalize_header(value)
    try:
        return enum_class(key)
    except ValueError:
        raise RowError(
            column,
            _(
                "“%(value)s” is not one of: %(choices)s.",
                value=value[:40],
                choices=", ".join(m.value for m in enum_class),
            ),
        ) from None


def run_rows(
    rows: list[tuple[int, dict[str, str]]],
    handle: Callable[[int, dict[str, str], RowResult], None],
    *,
    kind: str,
    part: str | None = None,
) -> ImportPreview:
    """Run ``handle`` for each row in a SAVEPOINT of its own; a DomainError rolls back that row only and is
    reported on it. The caller holds the outer SAVEPOINT and decides its fate."""
    results = []
    for number, record in rows:
        result = RowResult(number=number, part=part)
        savepoint = db.session.begin_nested()
        try:
            handle(number, record, result)
        except DomainError as exc:
            savepoint.rollback()
            result.outcome, result.actions, result.warnings = RowOutcome.error, [], []
            result.column, result.reason = exc.field, exc.message
        else:
            savepoint.commit()
        results.append(result)
    return ImportPreview(kind=kind, rows=results)


_BUNDLE = b"DAIS-IMPORT-FILES\n"


def bundle(files: dict[str, tuple[str, bytes]]) -> bytes:
    """Several uploaded files ({part: (file name, bytes)}) as one stored upload: a line naming each part with its
    file name and size, then their bytes in that order. Only Dais writes it, and the staff pages check its digest."""
    index = [[key, name, len(data)] for key, (name, data) in files.items()]
    return _BUNDLE + json.dumps(index).encode() + b"\n" + b"".join(data for _name, data in files.values())


def unbundle(data: bytes) -> dict[str, tuple[str, bytes]]:
    """The files ``bundle`` packed: {part: (file name, bytes)}. Anything else is refused as not CSV."""
    if not data.startswith(_BUNDLE):
        raise FileRefused(not_csv())
    head, _sep, rest = data[len(_BUNDLE) :].partition(b"\n")
    try:
        index = json.loads(head)
        files, offset = {}, 0
        for key, name, size in index:
            files[str(key)] = (str(name), rest[offset : offset + int(size)])
            offset += int(size)
    except (ValueError, TypeError):
        raise FileRefused(not_csv()) from None
    return files


def preview_in_savepoint(run: Callable[[], ImportPreview]) -> ImportPreview:
    """Run everything, then roll it all back: a preview saves nothing, whatever it found."""
    outer = db.session.begin_nested()
    try:
        return run()
    finally:
        outer.rollback()


def apply_in_savepoint(
    run: Callable[[], ImportPreview], *, action: str, summary: Callable[[dict], str], filename: str, actor
) -> ImportPreview:
    """Run everything; keep it only if no row has an error, with one audit entry for the import (``action``, the
    record sentence ``summary(counts)``). Otherwise roll all of it back and raise ImportHasErrors with the reasons."""
    outer = db.session.begin_nested()
    try:
        preview = run()
        if not preview.ok:
            raise ImportHasErrors(preview)
        counts = preview.counts
        data = {"filename": filename, "rows": len(preview.rows), **{k: v for k, v in counts.items() if k != "error"}}
        if preview.parts:  # an import of several files: the counts of each
            data["files"] = {
                part.key: {
                    "filename": part.filename,
                    "rows": len(preview.rows_of(part.key)),
                    **{o.value: sum(1 for r in preview.rows_of(part.key) if r.outcome == o) for o in RowOutcome
                       if o != RowOutcome.error},
                }
                for part in preview.parts
            }  # fmt: skip
        audit.record(action, None, summary(counts), actor=actor, target_type="import", data=data)
        db.session.flush()
    except BaseException:
        outer.rollback()
        raise
    outer.commit()
    preview.applied = True
    return preview
