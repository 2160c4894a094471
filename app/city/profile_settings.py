"""One setting of the city's profile changed by a service that has already checked the value: the one way such a
number (days of ordinance notice, months of contact retention...) is stored, audited with before and after, and
the cached profile forgotten."""

from flask_babel import gettext as _
from sqlalchemy import select

from app.city.models import CityProfile
from app.city.services import forget_city
from app.core import audit
from app.core.errors import DomainError
from app.extensions import db


def set_profile_value(attribute: str, value, *, action: str, summary: str, actor) -> None:
    """Set ``CityProfile.<attribute>`` to ``value``; nothing happens (nor is audited) when it is unchanged."""
    profile = db.session.scalar(select(CityProfile).order_by(CityProfile.id).limit(1))
    if profile is None:
        raise DomainError(_("Save the city's profile first."))
    before = getattr(profile, attribute)
    if before == value:
        return
    setattr(profile, attribute, value)
    audit.record(action, profile, summary, actor=actor, data={"before": before, "after": value})
    db.session.flush()
    forget_city()
