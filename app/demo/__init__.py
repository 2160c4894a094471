"""Sample data: a City of Key West modelled on the June 30, 2025 special meeting.

One module per story: ``city`` (bodies, members, seats, logins), ``meetings`` (June 17, June 30, July 8 and the
upcoming meetings), ``public_comment`` (the June 30 comment period and the upcoming sign-ups) and ``votes`` (the
June 30 and July 8 roll calls, resolutions and the 287(g) agreement), ``topics`` (the topics and their tags),
``schedules`` (the commission's regular schedule, the holidays and its agenda template).

Every person here is fictional. Records are looked up by a natural key before being created, so running
seed_demo() twice changes nothing. The logins share DEMO_PASSWORD, which is published: ``flask seed-demo``
refuses to load the demo on a production configuration (see app/cli.py).
"""

from app.demo.city import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    seed_city_profile,
    seed_commission,
    seed_logins,
    seed_planning_board,
)
from app.demo.meetings import seed_meetings
from app.demo.public_comment import seed_public_comment
from app.demo.schedules import seed_schedule
from app.demo.topics import seed_topics
from app.demo.votes import seed_votes
from app.extensions import db

__all__ = ["DEMO_LOGINS", "DEMO_PASSWORD", "seed_demo"]


def seed_demo() -> int:
    """Create whatever of the demo city is missing; return how many records were added."""
    created = seed_city_profile()
    commission, new = seed_commission()
    created += new
    created += seed_meetings(commission)
    created += seed_public_comment(commission)
    created += seed_votes(commission)
    created += seed_schedule(commission)
    created += seed_planning_board()
    created += seed_topics()
    db.session.flush()
    created += seed_logins()
    db.session.flush()
    return created
