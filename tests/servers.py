"""Real app server processes (gunicorn) sharing the test database, and a small HTTP client for them."""

import contextlib
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests import serverlogs

ROOT = Path(__file__).resolve().parent.parent


def redis_url_or_skip() -> str:
    """The Redis the rate-limit tests share counters through (database 15 by default)."""
    import pytest
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"no Redis at {url} (REQUIRE_REDIS=1)")
        pytest.skip(f"no Redis at {url}")
    return url


@contextlib.contextmanager
def worker_process(database_url: str, name: str = "worker", **settings):
    """Start `flask worker` (RQ) on the test database with the test config and ``settings``; yield the process.

    Its log is shown in the report of a failed test, like an app server's."""
    env = {
        **os.environ,
        "DAIS_TEST_SERVE_DB": database_url,
        "DAIS_TEST_SERVE_SETTINGS": json.dumps(settings),
        "PYTHONPATH": str(ROOT),
        "FLASK_APP": "tests.served_app:app",
    }
    flask = Path(sys.executable).with_name("flask")
    with tempfile.TemporaryDirectory(prefix="dais-worker-") as log_dir:
        log_file = _LogFile(Path(log_dir) / "worker.log")
        serverlogs.attach(f"{name} log", log_file)
        with log_file.path.open("wb") as log:
            process = subprocess.Popen([str(flask), "worker"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log_file.keep()


def clear_redis(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


#: gunicorn's line naming the port it bound (the suite asks for port 0: any free one).
LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")


@contextlib.contextmanager
def app_servers(database_url: str, count: int = 2, *, threads: int = 8, **settings):
    """Start ``count`` gunicorn processes serving the app on the same database; yield their base URLs.

    Each process's output (gunicorn's access and error log, the app's logger with the traceback of any 500)
    goes to a file; if the test fails, the report shows it as "app server N log" (tests/serverlogs.py).
    """
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {
        **os.environ,
        "DAIS_TEST_SERVE_DB": database_url,
        "DAIS_TEST_SERVE_SETTINGS": json.dumps(settings),
        "PYTHONPATH": str(ROOT),
    }
    processes, urls, logs = [], [], []
    with tempfile.TemporaryDirectory(prefix="dais-app-servers-") as log_dir:
        try:
            for n in range(1, count + 1):
                log_file = _LogFile(Path(log_dir) / f"server-{n}.log")
                logs.append(log_file)
                serverlogs.attach(f"app server {n} log", log_file)
                with log_file.path.open("wb") as log:
                    processes.append(
                        subprocess.Popen(
                            [
                                str(gunicorn),
                                "--bind",
                                "127.0.0.1:0",  # the kernel picks a free port; no race with other workers
                                "--workers",
                                "1",
                                "--threads",
                                str(threads),
                                "--worker-class",
                                "gthread",
                                "--timeout",
                                "120",
                                "--log-level",
                                "info",
                                "--access-logfile",
                                "-",
                                "--no-control-socket",  # else every server shares ~/.gunicorn/gunicorn.ctl
                                "tests.served_app:app",
                            ],
                            cwd=ROOT,
                            env=env,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                        )
                    )
            deadline = time.monotonic() + 60
            for process, log_file in zip(processes, logs, strict=True):
                url = None
                while True:
                    if process.poll() is not None:
                        raise RuntimeError(f"app server exited:\n{log_file()}")
                    if url is None and (listening := LISTENING.search(log_file())):
                        url = listening.group(1)
                    if url is not None:
                        try:
                            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310
                                if response.status == 200:
                                    break
                        except (urllib.error.URLError, ConnectionError, TimeoutError):
                            pass
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"app server {url or ''} did not start:\n{log_file()}")
                    time.sleep(0.1)
                urls.append(url)
            yield urls
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            for log_file in logs:
                log_file.keep()  # the files go with the directory; the report may still want their text


class _LogFile:
    """One server's log: read from its file while the server runs, kept in memory once it has stopped."""

    def __init__(self, path: Path):
        self.path, self.kept = path, None

    def __call__(self) -> str:
        if self.kept is not None:
            return self.kept
        try:
            return self.path.read_bytes().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def keep(self) -> None:
        self.kept = self()


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
