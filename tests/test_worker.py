"""Mail through the real job queue: RQ on Redis and `flask worker` processes, on the shared test database.

A worker killed with SIGKILL in the middle of a mailing loses nobody: a second worker resumes once the dead
one's claim runs out; only the message in flight when it died may arrive twice (with the same Message-ID)."""

import os
import signal
import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.core.outbox import MailStatus, OutboxMessage
from tests.mail_helpers import meeting_with_item, publish_agenda, subscribers
from tests.servers import clear_redis, redis_url_or_skip, worker_process

pytestmark = pytest.mark.commits(reason="the worker processes read what the test commits")


def _count(db, *where):
    db.session.commit()  # a fresh read of what the workers wrote
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(*where))


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def queue_settings(app, smtp_sink):
    url = redis_url_or_skip()
    queue = f"dais-test-{uuid.uuid4().hex[:8]}"
    settings = {
        "REDIS_URL": url,
        "JOBS_BACKEND": "rq",
        "JOBS_QUEUE": queue,
        "JOBS_TICK_SECONDS": 1,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": app.config["MAIL_PORT"],
        "MAIL_BATCH_SIZE": 10,
        "MAIL_BATCHES_PER_JOB": 3,
        "MAIL_LEASE_SECONDS": 5,
        "MAIL_TIMEOUT_SECONDS": 1,
    }
    app.config.update(settings)  # the test's own app enqueues into the same queue
    yield settings
    clear_redis(url, queue)


def test_a_worker_delivers_what_the_publication_queued(
    app, db, database_url, create_body, create_meeting, smtp_sink, queue_settings
):
    body = create_body()
    subscribers(body, 25)
    publish_agenda(meeting_with_item(create_meeting, body))
    assert _count(db) == 0  # the mailing is written; its messages wait for the first job, in Redis
    with worker_process(database_url, **queue_settings):
        _wait_for(lambda: _count(db, OutboxMessage.status == MailStatus.sent) == 25, 60, "25 messages sent")
    assert sorted(m["To"] for m in smtp_sink.parsed()) == sorted(f"resident{n}@example.org" for n in range(25))


def test_a_worker_killed_mid_mailing_is_resumed_by_another(
    app, db, database_url, create_body, create_meeting, smtp_sink, queue_settings
):
    smtp_sink.delay = 0.02  # 20 ms a message, as in the benchmark
    body = create_body()
    subscribers(body, 150)
    publish_agenda(meeting_with_item(create_meeting, body))
    with worker_process(database_url, name="first worker", **queue_settings) as first:
        _wait_for(lambda: _count(db, OutboxMessage.status == MailStatus.sent) >= 40, 60, "40 messages sent")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    stranded = _count(db, OutboxMessage.status == MailStatus.queued)
    assert 0 < stranded < 150
    with worker_process(database_url, name="second worker", **queue_settings):
        _wait_for(lambda: _count(db, OutboxMessage.status == MailStatus.sent) == 150, 90, "all 150 sent")
    received = Counter(m["To"] for m in smtp_sink.parsed())
    assert set(received) == {f"resident{n}@example.org" for n in range(150)}  # nobody skipped
    assert sum(received.values()) - 150 <= 1  # at most the one message in flight went twice
    by_id = Counter(m["Message-ID"] for m in smtp_sink.parsed())
    assert len(by_id) == 150


def test_flask_worker_without_redis_says_what_to_do(app):
    app.config.update(REDIS_URL="", JOBS_BACKEND="")
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "flask worker needs REDIS_URL" in result.output and "flask run" in result.output
