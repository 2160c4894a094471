"""Subscribers, a noticed meeting with a resolution item, and its agenda published: what the mail tests share."""

from app.extensions import db as _db
from app.subscriptions.models import Follow, FollowKind, Subscription


def subscribers(body, count, *, locale="en", start=0):
    """Confirmed subscribers, each following the new agendas of ``body``."""
    from app.core.timeutil import utcnow

    rows = [
        Subscription(
            email=f"resident{n}@example.org",
            token_hash="x" * 64,
            locale=locale,
            created_at=utcnow(),
            confirmed_at=utcnow(),
            follows=[Follow(kind=FollowKind.body, body_id=body.id, created_at=utcnow(), confirmed_at=utcnow())],
        )
        for n in range(start, start + count)
    ]
    _db.session.add_all(rows)
    _db.session.commit()
    return rows


def meeting_with_item(create_meeting, body, **kw):
    from app.meetings import agenda, lifecycle
    from app.meetings.models import AgendaItemType

    meeting = create_meeting(body, kind="regular", **kw)
    lifecycle.publish_meeting(meeting, actor=None)
    agenda.add_item(
        meeting,
        section="Resolutions",
        title="Harbor lease",
        body_md="",
        item_type=AgendaItemType.resolution,
        actor=None,
    )
    _db.session.commit()
    return meeting


def publish_agenda(meeting):
    from app.meetings import agenda

    agenda.publish_agenda(meeting, actor=None)
    _db.session.commit()
