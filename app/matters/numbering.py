"""File numbers by the city's pattern. Tokens: {yyyy} (2025), {yy} (25), {nnnn} / {nnn} / {nnnnn} (the year's
sequence, zero-padded). The default, "{yy}-{nnnn}", is the form every existing number has ("25-0123")."""

import re

from flask_babel import gettext as _
from sqlalchemy import select

from app.city.models import CityProfile
from app.core import audit
from app.core.errors import DomainError
from app.core.sequences import next_number, take_through
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.matters.models import Matter

DEFAULT_PATTERN = "{yy}-{nnnn}"
_TOKEN = re.compile(r"\{(yyyy|yy|n{3,6})\}")
_ALLOWED = re.compile(r"^[A-Za-z0-9\-/. ]*$")


def check_pattern(pattern: str) -> str:
    """The pattern as typed, or a DomainError: one sequence token, at most one year token, plain characters."""
    pattern = (pattern or "").strip()
    tokens = _TOKEN.findall(pattern)
    counters = [t for t in tokens if t.startswith("n")]
    years = [t for t in tokens if not t.startswith("n")]
    if len(counters) != 1 or len(years) > 1 or not _ALLOWED.match(_TOKEN.sub("", pattern)) or len(pattern) > 40:
        raise DomainError(
            _("Use one sequence token ({nnnn}), at most one year token ({yyyy} or {yy}), and letters, digits or -/."),
            field="file_number_pattern",
        )
    return pattern


def format_number(pattern: str, year: int, value: int) -> str:
    def token(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("n"):
            return f"{value:0{len(name)}d}"
        return f"{year:04d}" if len(name) == 4 else f"{year % 100:02d}"

    return _TOKEN.sub(token, pattern)


def city_pattern() -> str:
    pattern = db.session.scalar(select(CityProfile.file_number_pattern).limit(1))
    return pattern or DEFAULT_PATTERN


def next_file_number(year: int) -> str:
    """The next file number of ``year``; the sequence is shared with the agenda items' numbers of before issue 20
    (series "file"), so no number is ever given twice. A number some matter already has (one imported from the
    city's archive, or given under another pattern) is skipped."""
    pattern = city_pattern()
    while True:
        number = format_number(pattern, year, next_number("file", year))
        if db.session.scalar(select(Matter.id).where(Matter.file_number == number)) is None:
            return number


def parse_number(pattern: str, number: str, *, this_year: int) -> tuple[int | None, int] | None:
    """(year, sequence) of a number written by ``pattern`` ("{yy}-{nnnn}": "25-0123" -> (2025, 123)), or None
    when it does not follow the pattern (a historic number). The year is None for a pattern without one; a
    two-digit year after next year is of the last century ("98" -> 1998)."""
    parts, groups = [], []
    position = 0
    for match in _TOKEN.finditer(pattern):
        parts.append(re.escape(pattern[position : match.start()]))
        name = match.group(1)
        parts.append(rf"(\d{{{len(name)},}})" if name.startswith("n") else rf"(\d{{{len(name)}}})")
        groups.append(name)
        position = match.end()
    parts.append(re.escape(pattern[position:]))
    found = re.fullmatch("".join(parts), number)
    if found is None:
        return None
    year, value = None, None
    for name, text in zip(groups, found.groups(), strict=True):
        if name.startswith("n"):
            value = int(text)
        else:
            year = int(text) if len(name) == 4 else 2000 + int(text)
            if len(name) == 2 and year > this_year + 1:
                year -= 100
    return year, value


def reserve_number(number: str) -> bool:
    """A number given outside the sequence (a matter imported with its old number): if it follows the city's
    pattern, its year's sequence moves past it (this year's, for a pattern without a year), so the next new
    matter gets a number after it. True if it follows the pattern."""
    this_year = to_local(utcnow()).year
    parsed = parse_number(city_pattern(), number, this_year=this_year)
    if parsed is None:
        return False
    year, value = parsed
    take_through("file", year or this_year, value)
    return True


def set_pattern(pattern: str, *, actor) -> str:
    """The city's pattern for new file numbers; numbers already given keep their form."""
    pattern = check_pattern(pattern)
    profile = db.session.scalar(select(CityProfile).limit(1))
    if profile is None:
        raise DomainError(_("Set up the city profile first."), field="file_number_pattern")
    before = profile.file_number_pattern or DEFAULT_PATTERN
    profile.file_number_pattern = pattern
    audit.record(
        "matter.numbering", profile, f"File number pattern {before} -> {pattern}", actor=actor,
        data={"before": before, "after": pattern},
    )  # fmt: skip
    db.session.flush()
    return pattern
