"""Real app server processes (gunicorn) sharing the test database, and a small HTTP client for them."""

import contextlib
import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def redis_url_or_skip() -> str:
    """The Redis the rate-limit tests share counters through (database 15 by default)."""
    import pytest
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    return url


def clear_redis(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_servers(database_url: str, count: int = 2, *, threads: int = 8, **settings):
    """Start ``count`` gunicorn processes serving the app on the same database; yield their base URLs."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {
        **os.environ,
        "DAIS_TEST_SERVE_DB": database_url,
        "DAIS_TEST_SERVE_SETTINGS": json.dumps(settings),
        "PYTHONPATH": str(ROOT),
    }
    processes, urls = [], []
    try:
        for _ in range(count):
            port = _free_port()
            processes.append(
                subprocess.Popen(
                    [
                        str(gunicorn),
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "1",
                        "--threads",
                        str(threads),
                        "--worker-class",
                        "gthread",
                        "--timeout",
                        "120",
                        "--log-level",
                        "warning",
                        "tests.served_app:app",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for url, process in zip(urls, processes, strict=True):
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"app server exited: {process.stdout.read().decode(errors='replace')}")
                try:
                    with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310 (http only)
                        if response.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"app server at {url} did not start")
                time.sleep(0.2)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


class Browserless:
    """A cookie-keeping HTTP client that does not follow redirects (one per simulated resident)."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str, ip: str | None = None):
        self.base = base
        self.ip = ip
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect()
        )

    def request(self, path: str, data: dict | None = None, timeout: float = 120):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)  # noqa: S310 (our own http server)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()
