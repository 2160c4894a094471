"""The city's days of published notice before an ordinance's adoption (issue 20; F.S. 166.041(3)(a)).

Kept on the city profile (``CityProfile.ordinance_notice_days``; NULL: the statute's 10 days) and edited by the
clerk's office on /staff/city/ordinances. The rule that uses it is app/matters/readings.py.
"""

from app.city.profile_settings import set_profile_value
from app.city.services import current_city
from app.core.errors import DomainError
from app.matters.readings import STATUTORY_NOTICE_DAYS, check_notice_days


def notice_days() -> int:
    """The city's days of notice before adoption (the statute's 10 until the city chooses)."""
    chosen = current_city().ordinance_notice_days
    return chosen if chosen is not None else STATUTORY_NOTICE_DAYS


def set_notice_days(days, *, actor) -> None:
    """Set the days (10 to 60), audited with before and after; refused with a DomainError naming the field."""
    problem = check_notice_days(days)
    if problem:
        raise DomainError(problem, field="notice_days")
    set_profile_value(
        "ordinance_notice_days",
        days,
        action="city.ordinance_notice_days",
        summary=f"Ordinances adopted at least {days} days after their notice is published",
        actor=actor,
    )
