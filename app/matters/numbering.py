"""File numbers by the city's pattern. Tokens: {yyyy} (2025), {yy} (25), {nnnn} / {nnn} / {nnnnn} (the year's
sequence, zero-padded). The default, "{yy}-{nnnn}", is the form every existing number has ("25-0123")."""

import re

from flask_babel import gettext as _
from sqlalchemy import select

from app.city.models import CityProfile
from app.core import audit
from app.core.errors import DomainError
from app.core.sequences import next_number
from app.extensions import db

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
    (series "file"), so no number is ever given twice."""
    return format_number(city_pattern(), year, next_number("file", year))


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
