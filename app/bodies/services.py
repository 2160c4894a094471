"""Reading bodies and their seats. Writes come with the body-administration screens."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.bodies.models import Body, Membership
from app.extensions import db


def bodies_with_members() -> list[Body]:
    """Every body with its memberships and members, in two queries whatever their number."""
    return list(
        db.session.scalars(
            select(Body).options(selectinload(Body.memberships).joinedload(Membership.member)).order_by(Body.name)
        )
    )
