"""Concurrent sign-up against real app server processes sharing one database (R6 queue integrity)."""

import re
import threading
import uuid

import pytest
from sqlalchemy import select

from app.public_comment import intake as comment_intake
from app.public_comment import registration as speaker_registration
from app.public_comment.models import SpeakerRequest
from tests.servers import Browserless, app_servers, clear_redis, redis_url_or_skip

RESIDENTS = 300


def _item(meeting):
    return next(i for i in meeting.items if i.title == "Resolution on the 287(g) agreement")


def _register(base: str, meeting_id: int, item_id: int, name: str, results: dict, barrier: threading.Barrier):
    client = Browserless(base)
    try:
        status, _headers, page = client.request(f"/meetings/{meeting_id}/speak")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page).group(1)
        barrier.wait(timeout=120)  # everyone submits at the same moment
        status, headers, _ = client.request(
            f"/meetings/{meeting_id}/speak",
            {
                "csrf_token": token,
                "submission_key": key,
                "agenda_item_id": item_id,
                "name": name,
                "stance": "oppose",
                "participation": "in_person",
                "disclaimer_version": comment_intake.DISCLAIMER_VERSION,
                "website": "",
            },
        )
        results[name] = (status, headers.get("Location", ""))
    except Exception as exc:  # noqa: BLE001 (recorded and asserted on below)
        results[name] = ("error", repr(exc))


@pytest.mark.timeout(600)
def test_300_concurrent_registrations_on_two_app_servers(app, real_time, database_url, open_meeting, db):
    """Runs on both backends: PostgreSQL serialises the counter with a row lock, SQLite with its write lock."""
    meeting = open_meeting()
    item = _item(meeting)
    results: dict = {}
    barrier = threading.Barrier(RESIDENTS)
    with app_servers(database_url, 2, threads=16, WTF_CSRF_ENABLED=True) as urls:
        threads = [
            threading.Thread(
                target=_register, args=(urls[n % 2], meeting.id, item.id, f"Resident {n:03d}", results, barrier)
            )
            for n in range(RESIDENTS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    failures = {name: r for name, r in results.items() if r[0] != 302}
    assert len(results) == RESIDENTS and not failures, list(failures.items())[:5]
    assert all("/speak/" in location for _status, location in results.values())
    db.session.expire_all()
    rows = db.session.scalars(select(SpeakerRequest).where(SpeakerRequest.agenda_item_id == item.id)).all()
    assert len(rows) == RESIDENTS
    assert sorted(r.queue_position for r in rows) == list(range(1, RESIDENTS + 1))
    assert sorted(r.name for r in rows) == sorted(results)
    assert speaker_registration.period_for(item).last_position == RESIDENTS


@pytest.mark.timeout(300)
def test_public_form_rate_limit_holds_across_app_server_processes(app, real_time, database_url, open_meeting, db):
    url = redis_url_or_skip()
    prefix = f"dais-test-{uuid.uuid4().hex[:8]}"
    meeting = open_meeting()
    item = _item(meeting)
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": url,
        "RATELIMIT_KEY_PREFIX": prefix,
        "PUBLIC_FORM_RATE_LIMIT": "4 per minute",
    }
    try:
        with app_servers(database_url, 2, threads=2, **settings) as (a, b):
            statuses = []
            for n, base in enumerate([a, b, a, b, a, b]):
                status, headers, body = Browserless(base).request(
                    f"/meetings/{meeting.id}/speak",
                    {
                        "agenda_item_id": item.id,
                        "name": f"Limited {n}",
                        "stance": "oppose",
                        "participation": "in_person",
                        "disclaimer_version": comment_intake.DISCLAIMER_VERSION,
                        "website": "",
                    },
                )
                statuses.append(status)
                if status == 429:
                    assert int(headers["Retry-After"]) > 0 and "Wait " in body
        assert statuses == [302, 302, 302, 302, 429, 429]
    finally:
        clear_redis(url, prefix)
    db.session.expire_all()
    assert len(db.session.scalars(select(SpeakerRequest)).all()) == 4
