"""Time helpers. Everything is UTC inside; the city's zone is applied only when shown."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def utcnow() -> datetime:
    """The current time, aware, in UTC.

    Tests inject a clock with ``app.config["CLOCK"] = lambda: some_aware_datetime`` instead of sleeping.
    """
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            return clock().astimezone(UTC)
    return datetime.now(UTC)


#: app.extensions key of the city settings provider: a callable returning an object with ``timezone`` and
#: ``record_language`` (app/city registers its profile there). Core never imports app.city.
CITY_PROVIDER = "dais.city"


def city_setting(name: str, default: str) -> str:
    """One of the city's settings from the registered provider, or ``default`` (from config) without one."""
    provider = current_app.extensions.get(CITY_PROVIDER)
    value = getattr(provider(), name, None) if provider is not None else None
    return value or default


def city_zone_name() -> str:
    """The city's time zone name: the city profile's, else config TIMEZONE. Also Flask-Babel's zone selector."""
    return city_setting("timezone", current_app.config["TIMEZONE"])


def city_zone() -> ZoneInfo:
    return ZoneInfo(city_zone_name())


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(city_zone())


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change (e.g. 02:30 on the March change day)."""


def local_to_utc(naive: datetime) -> datetime:
    """Interpret a wall-clock time typed by staff in the city's zone and return it in UTC.

    An ambiguous time (the repeated hour in November) is taken as the first occurrence; a time that does not
    exist (the skipped hour in March) raises NonexistentLocalTime.
    """
    zone = city_zone()
    aware = naive.replace(tzinfo=zone, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != naive:
        raise NonexistentLocalTime(naive.isoformat())
    return utc


def utc_to_local_naive(value: datetime | None) -> datetime | None:
    """For filling a datetime-local form field."""
    return None if value is None else to_local(value).replace(tzinfo=None)


def local_bounds(first: date, after: date) -> tuple[datetime, datetime]:
    """The UTC instants of local midnight on two days: a range of the city's calendar days, for queries."""
    return (
        local_to_utc(datetime.combine(first, datetime.min.time())),
        local_to_utc(datetime.combine(after, datetime.min.time())),
    )


def format_seconds(seconds: int | None) -> str:
    """3:00, 1:02:05; negative values (over time) get a minus sign."""
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}" if hours else f"{sign}{minutes}:{secs:02d}"
