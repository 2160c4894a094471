"""The city's holidays: the days its bodies do not meet. The clerk keeps the list; the federal and Florida
legal holidays of a year are offered as a starting set, computed from rules (dateutil), never typed in."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import MO, TH, relativedelta
from flask_babel import gettext as _
from sqlalchemy import Date, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core import audit
from app.core.db import UTCDateTime
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import utcnow
from app.extensions import db

NAME_MAX = 120
FIRST_YEAR, LAST_YEAR = 2000, 2100


class CityHoliday(db.Model):
    """One day the city observes as a holiday (the observed day: July 4 on a Saturday is Friday July 3)."""

    __tablename__ = "city_holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    on: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class StandardHoliday:
    on: date
    name: str


def _observed(day: date) -> date:
    """Federal rule (5 U.S.C. 6103(b)), which Florida follows for its paid holidays: a Saturday holiday is
    observed on the Friday before, a Sunday one on the Monday after."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def standard_holidays(year: int) -> list[StandardHoliday]:
    """The US federal holidays (5 U.S.C. 6103) and Florida's paid state holidays (F.S. 110.117: the federal
    ones the state keeps, plus the Friday after Thanksgiving) of ``year``, on their observed days. Good Friday
    and the other legal holidays of F.S. 683.01 close no city hall by law; the clerk adds them if the city does."""
    jan1 = date(year, 1, 1)
    thanksgiving = date(year, 11, 1) + relativedelta(weekday=TH(+4))
    fixed = [
        (date(year, 1, 1), "New Year's Day"),
        # Next year's, when it falls on a Saturday, is observed on this year's December 31.
        (date(year + 1, 1, 1), "New Year's Day"),
        (date(year, 6, 19), "Juneteenth National Independence Day"),
        (date(year, 7, 4), "Independence Day"),
        (date(year, 11, 11), "Veterans Day"),
        (date(year, 12, 25), "Christmas Day"),
    ]
    floating = [
        (jan1 + relativedelta(weekday=MO(+3)), "Martin Luther King Jr. Day"),
        (date(year, 2, 1) + relativedelta(weekday=MO(+3)), "Washington's Birthday (Presidents' Day)"),
        (date(year, 5, 31) + relativedelta(weekday=MO(-1)), "Memorial Day"),
        (date(year, 9, 1) + relativedelta(weekday=MO(+1)), "Labor Day"),
        (date(year, 10, 1) + relativedelta(weekday=MO(+2)), "Columbus Day"),
        (thanksgiving, "Thanksgiving Day"),
        (thanksgiving + timedelta(days=1), "Friday after Thanksgiving (Florida)"),
    ]
    days = [StandardHoliday(_observed(d), name) for d, name in fixed] + [StandardHoliday(d, n) for d, n in floating]
    return sorted((h for h in days if h.on.year == year), key=lambda h: h.on)


def check_year(year) -> int:
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(_("Enter a year from %(first)s to %(last)s.", first=FIRST_YEAR, last=LAST_YEAR), field="year")
    return year


def holidays_between(start: date, end: date) -> dict[date, str]:
    """The city's holidays from ``start`` to ``end`` inclusive, by day (one query)."""
    rows = db.session.execute(
        select(CityHoliday.on, CityHoliday.name).where(CityHoliday.on >= start, CityHoliday.on <= end)
    )
    return {row.on: row.name for row in rows}


def holidays_of_year(year: int) -> list[CityHoliday]:
    return list(
        db.session.scalars(
            select(CityHoliday)
            .where(CityHoliday.on >= date(year, 1, 1), CityHoliday.on <= date(year, 12, 31))
            .order_by(CityHoliday.on)
        )
    )


def add_holiday(on: date, name: str, *, actor) -> CityHoliday:
    name = clean_text(name or "")
    if not name:
        raise DomainError(_("Enter the holiday's name."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_("Use at most %(n)s characters.", n=NAME_MAX), field="name")
    if not isinstance(on, date) or not FIRST_YEAR <= on.year <= LAST_YEAR:
        raise DomainError(_("Enter a date from %(first)s to %(last)s.", first=FIRST_YEAR, last=LAST_YEAR), field="on")
    existing = db.session.scalar(select(CityHoliday).where(CityHoliday.on == on))
    if existing is not None:
        raise DomainError(
            _("%(day)s is already a holiday: %(name)s.", day=on.isoformat(), name=existing.name), field="on"
        )
    holiday = CityHoliday(on=on, name=name, created_at=utcnow())
    db.session.add(holiday)
    db.session.flush()
    audit.record("holiday.add", holiday, f"Added the holiday {name} on {on.isoformat()}", actor=actor)
    return holiday


def remove_holiday(holiday: CityHoliday, *, actor) -> None:
    audit.record(
        "holiday.remove",
        holiday,
        f"Removed the holiday {holiday.name} on {holiday.on.isoformat()}",
        actor=actor,
        data={"before": {"on": holiday.on.isoformat(), "name": holiday.name}},
    )
    db.session.delete(holiday)
    db.session.flush()


def add_standard_holidays(year, *, actor) -> list[CityHoliday]:
    """Add the year's federal and Florida holidays that are not on the list yet (a day already listed, under
    any name, is kept as the clerk wrote it). Running it twice adds nothing."""
    year = check_year(year)
    have = holidays_between(date(year, 1, 1), date(year, 12, 31))
    added = []
    for holiday in standard_holidays(year):
        if holiday.on in have:
            continue
        row = CityHoliday(on=holiday.on, name=holiday.name, created_at=utcnow())
        db.session.add(row)
        added.append(row)
        have[holiday.on] = holiday.name
    db.session.flush()
    if added:
        audit.record(
            "holiday.add_standard",
            None,
            f"Added {len(added)} federal and Florida holidays of {year}",
            actor=actor,
            target_type="CityHoliday",
            data={"year": year, "added": [{"on": h.on.isoformat(), "name": h.name} for h in added]},
        )
    return added
