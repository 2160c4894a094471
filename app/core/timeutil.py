"""Time helpers. Everything is UTC inside; the city's zone is applied only when shown."""

from datetime import UTC, datetime
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


def city_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(city_zone())
