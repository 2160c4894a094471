"""The production shape (docs/deploy.md): two app servers and one worker on shared PostgreSQL (or the suite's
database), Redis and S3-compatible object storage (moto's server here). A file uploaded through server A is served
by server B; an agenda published on A is mailed by the worker; the public form's rate limit holds across both
(tests/test_public_comment_concurrency.py checks 300 registrations at once on two servers); a live viewer on B
follows a change made on A."""

import socket
import time
import uuid

import pytest
from sqlalchemy import func, select

from app.core.outbox import MailStatus, OutboxMessage
from app.meetings.models import Attachment
from tests.conftest import PASSWORD
from tests.mail_helpers import meeting_with_item, subscribers
from tests.meetings_helpers import PDF
from tests.servers import Browserless, app_servers, clear_redis, redis_url_or_skip, worker_process

pytestmark = pytest.mark.commits(reason="app servers and a worker in other processes share the database")

BUCKET = "dais-many-machines"


@pytest.fixture(scope="module")
def s3_server():
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, mimetype) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {mimetype}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _post_file(client: Browserless, path: str, body: bytes, content_type: str):
    import urllib.error
    import urllib.request

    req = urllib.request.Request(client.base + path, data=body, headers={"Content-Type": content_type})  # noqa: S310
    try:
        with client.opener.open(req, timeout=60) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _get_bytes(client: Browserless, path: str):
    import urllib.request

    with client.opener.open(urllib.request.Request(client.base + path), timeout=60) as response:  # noqa: S310
        return response.status, dict(response.headers), response.read()


def _sse(url: str):
    import urllib.request

    return urllib.request.urlopen(url, timeout=20)  # noqa: S310 (the test's own server)


def _next_event(stream) -> dict:
    """The data of the next event of a Server-Sent Events stream (comments and the retry line skipped)."""
    import json

    for raw in stream:
        line = raw.decode().rstrip("\n")
        if line.startswith("data: "):
            return json.loads(line[len("data: ") :])
    raise AssertionError("the stream ended")


def test_two_app_servers_and_a_worker_share_database_redis_and_object_storage(
    app, db, database_url, create_user, create_body, create_meeting, smtp_sink, s3_server, real_time
):
    redis_url = redis_url_or_skip()
    prefix = f"dais-test-{uuid.uuid4().hex[:8]}"
    settings = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": s3_server,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "k",
        "S3_SECRET_ACCESS_KEY": "s",
        "S3_PREFIX": f"{prefix}/",
        "REDIS_URL": redis_url,
        "JOBS_BACKEND": "rq",
        "JOBS_QUEUE": prefix,
        "JOBS_TICK_SECONDS": 1,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "PUBLIC_FORM_RATE_LIMIT": "3 per minute",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": app.config["MAIL_PORT"],
        "LIVE_CHANNEL": f"{prefix}:live",
        "LIVE_KEEPALIVE_SECONDS": 1,
    }
    clerk = create_user("clerk")
    body = create_body()
    subscribers(body, 30)
    meeting = meeting_with_item(create_meeting, body)
    item = meeting.active_items[0]
    db.session.commit()
    try:
        with app_servers(database_url, 2, threads=4, **settings) as (a, b), worker_process(database_url, **settings):
            on_a, on_b = Browserless(a), Browserless(b)
            for client in (on_a, on_b):
                status, _, _ = client.request("/login", {"email": clerk.email, "password": PASSWORD})
                assert status == 302

            # A file uploaded through A is in the shared object storage, and B serves it.
            upload, content_type = _multipart({}, {"att-file": ("staff-report.pdf", PDF, "application/pdf")})
            status, page = _post_file(on_a, f"/staff/items/{item.id}/attachments", upload, content_type)
            assert status == 302, page
            db.session.commit()
            attachment = db.session.scalar(select(Attachment).where(Attachment.agenda_item_id == item.id))
            status, headers, content = _get_bytes(on_b, f"/staff/attachments/{attachment.id}")
            assert status == 200 and content == PDF
            assert (
                headers["X-Content-Type-Options"] == "nosniff" and "staff-report.pdf" in headers["Content-Disposition"]
            )

            # The agenda published on A is mailed by the worker (neither app server sends mail).
            status, _, _ = on_a.request(f"/staff/meetings/{meeting.id}/agenda/publish", {})
            assert status == 302
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                db.session.commit()
                sent = db.session.scalar(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == MailStatus.sent)
                )
                if sent == 30:
                    break
                time.sleep(0.2)
            assert sent == 30
            assert len({m["To"] for m in smtp_sink.parsed()}) == 30

            # Live screens: a viewer streaming from B sees the meeting called to order through A (Redis pub/sub).
            stream = _sse(f"{b}/meetings/{meeting.id}/live/events")
            assert _next_event(stream)["meeting"]["status"] == "noticed"
            status, _, _ = on_a.request(
                f"/staff/meetings/{meeting.id}/live/call_to_order", {"early_reason": "The chamber was free early."}
            )
            assert status == 302
            assert _next_event(stream)["meeting"]["status"] == "in_progress"
            stream.close()

            # One rate limit for both servers: Redis counts this address's public forms on A and on B.
            statuses = [
                Browserless(base).request("/subscribe", {"email": f"rate{n}@example.org", "body": "", "website": ""})[0]
                for n, base in enumerate([a, b, a, b, a])
            ]
            assert statuses == [200, 200, 200, 429, 429]
    finally:
        clear_redis(redis_url, prefix)
