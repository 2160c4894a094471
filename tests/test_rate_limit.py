import uuid

import pytest

from tests.conftest import make_app
from tests.servers import clear_redis, redis_url_or_skip


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}


def _attempt(client, ip="203.0.113.7"):
    return client.post(
        "/login", data={"email": "someone@city.example", "password": "whatever-it-is"}, environ_base={"REMOTE_ADDR": ip}
    )


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


def test_limit_is_shared_between_app_servers_through_redis(database_url):
    """Two app instances (as two gunicorn workers or hosts) count against one limit in Redis."""
    url = redis_url_or_skip()
    prefix = f"dais-test-{uuid.uuid4().hex[:8]}"
    settings = {
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "4 per minute",
        "RATELIMIT_STORAGE_URI": url,
        "RATELIMIT_KEY_PREFIX": prefix,
    }
    first, second = make_app(database_url, **settings), make_app(database_url, **settings)
    a, b = first.test_client(), second.test_client()
    assert [_attempt(c).status_code for c in (a, b, a, b)] == [200, 200, 200, 200]
    assert _attempt(a).status_code == 429
    assert _attempt(b).status_code == 429
    clear_redis(url, prefix)
