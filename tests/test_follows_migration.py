"""Migration c7d2e9a4f1b8 (issue 19): each subscription's body becomes its first follow, ids kept."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app.extensions import db
from tests.conftest import make_app
from tests.dbutil import fresh_database

ROWS = [
    # id, email, body_id, confirmed, unsubscribed
    (1, "a@example.org", 1, True, False),
    (2, "a@example.org", None, True, False),  # the same address, every body: kept as its own subscriber
    (3, "b@example.org", 1, False, False),  # pending
    (4, "c@example.org", 1, True, True),  # ended
]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_existing_subscriptions_become_follows(backend, tmp_path):
    with fresh_database(backend, tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade(revision="b3d6f1a8c2e4")
            with db.engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO bodies (id, name, version, kind, agenda_sections, created_at) "
                        "VALUES (1, 'City Commission', 1, 'commission', '[]', CURRENT_TIMESTAMP)"
                    )
                )
                for sid, email, body_id, confirmed, ended in ROWS:
                    conn.execute(
                        text(
                            "INSERT INTO subscriptions (id, email, body_id, token_hash, locale, created_at, "
                            "confirmed_at, unsubscribed_at) "
                            "VALUES (:id, :email, :body, :hash, 'en', CURRENT_TIMESTAMP, "
                            + ("CURRENT_TIMESTAMP" if confirmed else "NULL")
                            + ", "
                            + ("CURRENT_TIMESTAMP" if ended else "NULL")
                            + ")"
                        ),
                        {"id": sid, "email": email, "body": body_id, "hash": "x" * 64},
                    )
            upgrade()
            with db.engine.connect() as conn:
                follows = conn.execute(
                    text(
                        "SELECT subscription_id, kind, body_id, confirmed_at IS NOT NULL, ended_at IS NOT NULL "
                        "FROM follows ORDER BY subscription_id"
                    )
                ).all()
                digests = set(conn.execute(text("SELECT digest FROM subscriptions")).scalars())
            downgrade(revision="b3d6f1a8c2e4")
            with db.engine.connect() as conn:
                back = conn.execute(text("SELECT id, body_id FROM subscriptions ORDER BY id")).all()
            db.engine.dispose()
    assert [tuple(row) for row in follows] == [
        (1, "body", 1, True, False),
        (2, "body", None, True, False),
        (3, "body", 1, False, False),
        (4, "body", 1, True, True),
    ]
    assert digests == {"instant"}
    assert [tuple(row) for row in back] == [(1, 1), (2, None), (3, 1), (4, 1)]
