"""The setup checklist on the dashboard: what a new city still has to do before its first public meeting.

Plain data for the template (no model objects), computed in one query whatever the size of the record: each
step is one scalar subquery of a single SELECT. The city profile's step reads the snapshot the request has
already loaded.
"""

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from app.auth.models import Invitation, User
from app.bodies.models import Body, Membership
from app.city.services import current_city
from app.extensions import db
from app.meetings.models import Meeting
from app.public_comment.models import CommentPolicy


@dataclass(frozen=True)
class SetupStep:
    key: str
    label: str
    done: bool
    #: The page where the step is done.
    endpoint: str
    url: str


def _link(endpoint: str, **values) -> tuple[str, str]:
    return endpoint, url_for(endpoint, **values)


def setup_checklist() -> list[SetupStep]:
    first_body, any_membership, users, invited, any_policy, any_noticed = db.session.execute(
        select(
            select(Body.id).order_by(Body.id).limit(1).scalar_subquery(),
            exists(select(Membership.id)),
            select(func.count(User.id)).scalar_subquery(),
            select(func.count(Invitation.id))
            .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
            .scalar_subquery(),
            exists(select(CommentPolicy.id)),
            exists(select(Meeting.id).where(Meeting.first_published_at.is_not(None))),
        )
    ).one()
    policy_link = (
        _link("public_comment.policy", body_id=first_body) if first_body is not None else _link("bodies.index")
    )
    steps = [
        ("city", _l("City profile: name, logo, time zone and notices"), current_city().saved, _link("city.profile")),
        ("body", _l("The first body (a commission or board)"), first_body is not None, _link("bodies.index")),
        ("members", _l("Its seats and members"), bool(any_membership), _link("members.index")),
        (
            "staff",
            _l("Staff accounts for the clerk's office and the members"),
            (users or 0) + (invited or 0) > 1,
            _link("auth.users"),
        ),
        ("policy", _l("A public comment policy"), bool(any_policy), policy_link),
        ("meeting", _l("The first meeting, its notice published"), bool(any_noticed), _link("meetings.new")),
    ]
    return [SetupStep(key, label, done, *link) for key, label, done, link in steps]


def setup_complete(steps: list[SetupStep]) -> bool:
    return all(step.done for step in steps)
