"""File numbers stay unique when clerks add items at the same moment on two app servers (issue 20)."""

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.matters.models import Matter
from app.meetings.models import AgendaItem
from tests.servers import app_servers
from tests.test_concurrent_saves import _race, _signed_in

CLERKS = 6


@pytest.mark.timeout(300)
def test_concurrent_items_get_distinct_file_numbers(app, real_time, database_url, create_user, create_meeting, db):
    meeting = create_meeting(kind="regular")
    clerks = [create_user(Role.clerk, email=f"clerk{n}@city.example") for n in range(CLERKS)]
    db.session.commit()
    with app_servers(database_url, 2, threads=4) as urls:
        clients = [_signed_in(urls[n % 2], clerk.email) for n, clerk in enumerate(clerks)]
        forms = [
            {"section": "Reports", "title": f"Report {n}", "item_type": "report", "body_md": "",
             "public_comment_required": "y", "comment_exemption": ""}
            for n in range(CLERKS)
        ]  # fmt: skip
        statuses = _race(clients, f"/staff/meetings/{meeting.id}/items/new", forms)
    assert statuses == [302] * CLERKS, statuses
    db.session.expire_all()
    numbers = db.session.scalars(select(Matter.file_number)).all()
    assert len(numbers) == len(set(numbers)) == CLERKS
    items = db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)).all()
    assert sorted(i.file_number for i in items) == sorted(numbers)
    assert sorted(int(n.split("-")[1]) for n in numbers) == list(range(1, CLERKS + 1))
