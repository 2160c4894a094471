import os
import uuid

import pytest
import redis

from tests.conftest import make_app


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}


def _attempt(client, ip="203.0.113.7"):
    return client.post("/login", data={"email": "someone@city.example", "password": "whatever-it-is"},
                       environ_base={"REMOTE_ADDR": ip})


def test_login_form_is_rate_limited_per_ip(client):
    for _ in range(3):
        assert _attempt(client).status_code == 200
    limited = _attempt(client)
    assert limited.status_code == 429
    text = limited.get_data(as_text=True)
    assert "too many requests" in text.lower()
    retry = int(limited.headers["Retry-After"])
    assert 0 < retry <= 60
    # The page is written a moment before Flask-Limiter adds its header: allow one second of drift.
    assert f"Wait {retry} seconds" in text or f"Wait {retry + 1} seconds" in text
    # Another address is not affected, and reading the form is never limited.
    assert _attempt(client, ip="198.51.100.9").status_code == 200
    assert client.get("/login", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 200


def _redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    return url


def test_limit_is_shared_between_app_servers_through_redis(database_url):
    """Two app instances (as two gunicorn workers or hosts) count against one limit in Redis."""
    url = _redis_url()
    prefix = f"dais-test-{uuid.uuid4().hex[:8]}"
    settings = {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "4 per minute", "RATELIMIT_STORAGE_URI": url,
                "RATELIMIT_KEY_PREFIX": prefix}
    first, second = make_app(database_url, **settings), make_app(database_url, **settings)
    a, b = first.test_client(), second.test_client()
    assert [_attempt(c).status_code for c in (a, b, a, b)] == [200, 200, 200, 200]
    assert _attempt(a).status_code == 429
    assert _attempt(b).status_code == 429
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
