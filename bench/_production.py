"""Serving a throwaway instance as production does: ``DAIS_CONFIG=production``, a temporary PostgreSQL database
(bench.mail.Database), Redis, and gunicorn's gthread worker. Shared by bench/live.py and bench/cockpit.py.

The live snapshots are kept in Redis under ``dais:live:<meeting id>`` and announced on ``dais:live``
(app/core/live.py): not namespaced by instance, so ``clear_live`` removes the run's key before and after a run
(a previous run's meeting with the same id would otherwise be served until the first change).
"""

import os
import re
import secrets
import sys
from pathlib import Path

import redis

from bench._server import HOST
from bench.mail import Process

GUNICORN = Path(sys.executable).with_name("gunicorn")
_OURS = re.compile(r"^(MAIL_|JOBS_|DAIS_|FLASK_|LIVE_|REDIS_URL$|DATABASE_URL$|SECRET_KEY$|BASE_URL$|SESSION_COOKIE)")


def environment(database_url: str, redis_url: str, base: str, directory: Path, **settings: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not _OURS.match(key)}
    env.update(
        {
            "DAIS_CONFIG": "production",
            "FLASK_APP": "wsgi.py",
            "SECRET_KEY": secrets.token_hex(32),
            "SESSION_COOKIE_SECURE": "0",  # plain http on 127.0.0.1
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "JOBS_BACKEND": "rq",
            "JOBS_QUEUE": f"dais-bench-{secrets.token_hex(4)}",  # nobody works it: the mail of the run stays queued
            "MAIL_SERVER": "",
            "MAIL_OUTBOX_DIR": str(directory / "outbox"),
            "BASE_URL": base,
            "UPLOAD_DIR": str(directory / "uploads"),
            "STORAGE_BACKEND": "local",
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
    )
    return env


def gunicorn(
    env: dict,
    port: int,
    directory: Path,
    *,
    workers: int,
    threads: int,
    connections: int | None = None,
    name: str = "gunicorn",
    access_log: bool = True,
) -> Process:
    """gunicorn -k gthread ``workers`` x ``threads`` on 127.0.0.1:``port``; ``connections`` is gthread's
    --worker-connections (default 1000: the connections one process holds, idle keep-alive ones included)."""
    command = [
        str(GUNICORN),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--worker-connections",
        str(connections or max(1000, threads + 100)),
        "--backlog",
        "4096",
        "--timeout",
        "120",
        "--no-control-socket",
        "wsgi:app",
    ]
    if access_log:
        command[1:1] = ["--access-logfile", "-"]
    return Process(name, command, env, directory / f"{name}.log")


def clear_live(redis_url: str, meeting_id: int, queue: str | None = None) -> None:
    client = redis.Redis.from_url(redis_url)
    client.delete(f"dais:live:{meeting_id}")
    if queue:
        from bench.mail import clear_redis

        clear_redis(redis_url, queue)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def children(pid: int) -> list[int]:
    """The process's direct children (gunicorn's workers)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def threads_of(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("Threads:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total
