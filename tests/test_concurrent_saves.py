"""Two clerks saving the same versioned setting at the same moment, against real app servers (issue 22).

The audit found 3 of 4 concurrent saves of one body's comment policy ending in a 500 (IntegrityError on
UNIQUE(body_id, version)). Each save must now become its own consecutive version, on SQLite and PostgreSQL.
"""

import threading

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.public_comment.models import CommentPolicy
from tests.conftest import PASSWORD
from tests.servers import Browserless, app_servers

SAVES = 4
ROUNDS = 3


def _signed_in(base: str, email: str) -> Browserless:
    client = Browserless(base)
    status, _headers, _ = client.request("/login", {"email": email, "password": PASSWORD})
    assert status == 302
    return client


def _policy_form(n: int) -> dict:
    return {
        "adopted_on": "2026-03-01",
        "adopted_by": f"Resolution 26-{n:03d}",
        "speaker_minutes": 3,
        "speaker_extra_seconds": n % 60,
        "group_minutes": 5,
        "item_cap_minutes": "",
        "signup_closes_minutes": 60,
        "written_accepted": "y",
        "written_max_chars": 3000,
    }


def _race(clients, path, forms) -> list[int]:
    statuses = [None] * len(clients)
    barrier = threading.Barrier(len(clients))

    def save(i):
        barrier.wait(timeout=60)
        statuses[i] = clients[i].request(path, forms[i])[0]

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return statuses


@pytest.mark.timeout(300)
def test_concurrent_saves_of_versioned_settings_become_consecutive_versions(
    app, real_time, database_url, create_user, create_body, db
):
    body = create_body(name="City Commission", seat_count=7)
    clerks = [create_user(Role.clerk, email=f"clerk{n}@city.example") for n in range(SAVES)]
    db.session.commit()
    with app_servers(database_url, 2, threads=4) as urls:
        clients = [_signed_in(urls[n % 2], clerk.email) for n, clerk in enumerate(clerks)]
        for round_ in range(ROUNDS):
            forms = [_policy_form(round_ * SAVES + n) for n in range(SAVES)]
            statuses = _race(clients, f"/staff/bodies/{body.id}/comment-policy", forms)
            assert statuses == [302] * SAVES, statuses
    db.session.expire_all()
    versions = db.session.scalars(
        select(CommentPolicy.version).where(CommentPolicy.body_id == body.id).order_by(CommentPolicy.version)
    ).all()
    assert versions == list(range(1, SAVES * ROUNDS + 1))
