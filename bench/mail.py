"""Benchmark: publish an agenda to N confirmed subscribers and deliver it through real ``flask worker`` processes
to an SMTP server that takes 20 ms a message. Issue 16, "publish to 50,000: nothing lost, nothing twice".

    .venv/bin/python -m bench.mail                                   # 50,000 subscribers, 4 workers, PostgreSQL
    .venv/bin/python -m bench.mail --kill-halfway                    # SIGKILL one worker at half, start another
    .venv/bin/python -m bench.mail --subscribers 2000 --database sqlite --keep

A fresh instance, run as in production (``DAIS_CONFIG=production``):

- a temporary PostgreSQL database on ``--postgres`` (dropped at the end), or a SQLite file in a temp dir;
  ``flask db upgrade``, ``flask seed-demo --force``; the demo's draft "Budget workshop" gets one item and its
  notice published (through the app's own services), so its agenda is ready to publish; N confirmed
  subscriptions to its body are inserted with SQL (COPY on PostgreSQL, executemany on SQLite);
- Redis on ``--redis`` with a queue of its own (JOBS_QUEUE=dais-bench-<random>), whose keys are removed at the end;
- an SMTP sink in this process (aiosmtpd) that waits ``--delay`` (20 ms) before answering each message, and
  records each message's recipients and Message-ID, and how many SMTP sessions are open at once;
- gunicorn (gthread, ``--app-workers`` x ``--app-threads``) serving ``wsgi:app``, and ``--workers`` separate
  ``flask worker`` processes (RQ), all configured by environment variables, as config.py reads them.

The demo clerk signs in and POSTs "publish agenda" (``/staff/meetings/<id>/agenda/publish``, with the CSRF
token of the meeting page); that request is timed, and so is ``GET /healthz`` (20 times before; once a second
during the delivery). Then the database is polled every second (counts by outbox status) until every message
is out. With ``--kill-halfway`` one worker is killed with SIGKILL once half are sent, and a replacement is
started at once; the batch the dead worker had claimed is taken again once its lease runs out
(MAIL_LEASE_SECONDS, 30 s here: see ``--lease``).

Checks (exit status 1 if one fails): the publish request answered a redirect in under 1 s; every outbox row is
sent (none failed, skipped or queued); every subscriber received the agenda (0 lost) and no one else did;
each message received carries its row's Message-ID; duplicates (messages received beyond one per recipient)
are 0 without a kill, and at most 1 per killed worker (the message in flight) with one, with the same
Message-ID; no worker other than the killed one died; no traceback in any log.
"""

import argparse
import asyncio
import contextlib
import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import redis
from rq import Queue

from bench._server import FLASK, HOST, ROOT, Instance, free_port, wait_until_up

GUNICORN = Path(sys.executable).with_name("gunicorn")
CLERK = "clerk@keywest.example"
MEETING_TITLE = "Budget workshop"  # the demo's draft meeting: no items, no notice, no agenda yet
ADDRESS = "resident{n}@bench.example"
HEALTHZ_SAMPLES = 20
PUBLISH_LIMIT = 1.0  # seconds: the bar for the publish request
#: Settings from the caller's environment that would change the run (config.py reads them all from there).
_OURS = re.compile(r"^(MAIL_|JOBS_|DAIS_|FLASK_|REDIS_URL$|DATABASE_URL$|SECRET_KEY$|BASE_URL$|SESSION_COOKIE)")

#: Run by ``python -c`` with the instance's environment: a noticed meeting whose agenda is not published yet.
SETUP = """
from sqlalchemy import select
from app.extensions import db
from app.meetings import agenda, lifecycle
from app.meetings.models import AgendaItemType, Meeting
from wsgi import app

with app.app_context():
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == {title!r}))
    agenda.add_item(
        meeting, section="Presentations", title="Proposed budget, first look", body_md="",
        item_type=AgendaItemType.presentation, actor=None,
    )
    lifecycle.publish_meeting(meeting, actor=None)
    db.session.commit()
    print(meeting.id, meeting.body_id)
"""


# --- the SMTP sink -------------------------------------------------------------------------------------------

_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


class Sink:
    """What the SMTP server received: (recipient, Message-ID) per message and recipient; sessions open at once."""

    def __init__(self, delay: float):
        self.delay = delay
        self.received: list[tuple[str, str | None]] = []
        self.sessions = 0
        self.open = 0
        self.most_open = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        await asyncio.sleep(self.delay)
        headers = (envelope.original_content or envelope.content or b"").split(b"\r\n\r\n", 1)[0]
        found = _MESSAGE_ID.search(headers)
        message_id = found.group(1).decode() if found else None
        for address in envelope.rcpt_tos:
            self.received.append((address.lower(), message_id))  # list.append: safe from the sink's own thread
        return "250 OK"

    def opened(self) -> None:
        self.sessions += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)

    def closed(self) -> None:
        self.open -= 1


@contextlib.contextmanager
def smtp_sink(delay: float):
    """An aiosmtpd server on a free port of 127.0.0.1, in its own thread; yields (sink, port)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    sink = Sink(delay)

    class CountingSMTP(SMTP):
        def connection_made(self, transport):
            super().connection_made(transport)
            sink.opened()

        def connection_lost(self, error):
            super().connection_lost(error)
            sink.closed()

    class SinkController(Controller):
        def factory(self):
            return CountingSMTP(self.handler, **self.SMTP_kwargs)

    port = free_port()
    controller = SinkController(sink, hostname=HOST, port=port)
    controller.start()
    time.sleep(0.2)  # the controller's own test connection closes
    sink.sessions = sink.most_open = 0
    sink.open = max(sink.open, 0)
    try:
        yield sink, port
    finally:
        controller.stop()


# --- the database ----------------------------------------------------------------------------------------------


class Database:
    """The instance's database, read and written directly by the benchmark (``?`` placeholders on both)."""

    def __init__(self, kind: str, *, postgres: str, directory: Path):
        self.kind = kind
        self.server = postgres.rstrip("/")
        self.name = f"dais_bench_{secrets.token_hex(4)}"
        self.path = directory / "dais.sqlite3"
        self.conn = None

    @property
    def url(self) -> str:
        return f"{self.server}/{self.name}" if self.kind == "postgres" else f"sqlite:///{self.path}"

    def _admin(self):
        import psycopg

        return psycopg.connect(f"{self.server}/postgres", autocommit=True)

    @property
    def label(self) -> str:
        return f"PostgreSQL database {self.name}" if self.kind == "postgres" else f"SQLite {self.path}"

    def create(self) -> None:
        if self.kind == "postgres":
            with self._admin() as admin:
                admin.execute(f'CREATE DATABASE "{self.name}"')

    def connect(self) -> None:
        if self.kind == "postgres":
            import psycopg

            self.conn = psycopg.connect(self.url, autocommit=True)
        else:
            self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)

    def rows(self, sql: str, *params) -> list[tuple]:
        if self.kind == "postgres":
            return self.conn.execute(sql.replace("?", "%s"), params).fetchall()
        return self.conn.execute(sql, params).fetchall()

    def value(self, sql: str, *params):
        found = self.rows(sql, *params)
        return found[0][0] if found else None

    def connections(self) -> int | None:
        """Server connections open on this database (PostgreSQL only; this benchmark's own included)."""
        if self.kind != "postgres":
            return None
        return self.value("SELECT count(*) FROM pg_stat_activity WHERE datname = ?", self.name)

    def insert_subscribers(self, count: int, body_id: int) -> None:
        """``count`` confirmed subscriptions to ``body_id``, one in ten in Spanish."""
        now = datetime.now(UTC)
        columns = "email, token_hash, locale, digest, created_at, confirmed_at"
        rows = ((ADDRESS.format(n=n), "x" * 64, "es" if n % 10 == 9 else "en", "instant") for n in range(count))
        # Each subscriber follows the body's agendas (a row of follows, issue 19), made by one INSERT ... SELECT.
        follows = (
            "INSERT INTO follows (subscription_id, kind, body_id, created_at, confirmed_at) "  # noqa: S608 (an int)
            f"SELECT id, 'body', {int(body_id)}, created_at, confirmed_at FROM subscriptions"
        )
        if self.kind == "postgres":
            with self.conn.cursor() as cursor, cursor.copy(f"COPY subscriptions ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, now, now))
            self.conn.execute(follows)
            self.conn.execute("ANALYZE subscriptions")
            self.conn.execute("ANALYZE follows")
        else:
            stamp = now.replace(tzinfo=None).isoformat(sep=" ")  # SQLite keeps naive UTC (app/core/db.py)
            self.conn.execute("BEGIN")
            self.conn.executemany(
                f"INSERT INTO subscriptions ({columns}) VALUES (?, ?, ?, ?, ?, ?)",  # noqa: S608 (our own columns)
                ((*row, stamp, stamp) for row in rows),
            )
            self.conn.execute(follows)
            self.conn.execute("COMMIT")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def drop(self) -> None:
        if self.kind == "postgres":
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _time(value) -> datetime | None:
    """A timestamp read back: aware from PostgreSQL, a naive UTC string from SQLite."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


# --- Redis -------------------------------------------------------------------------------------------------------


def redis_clients(url: str) -> int:
    return redis.Redis.from_url(url).info("clients")["connected_clients"]


def rq_queue(url: str, queue: str) -> Queue:
    return Queue(queue, connection=redis.Redis.from_url(url))


def clear_redis(url: str, queue: str) -> int:
    """Remove the run's queue, its registries, its jobs and its workers' keys; returns how many keys."""
    client = redis.Redis.from_url(url)
    doomed = set(client.scan_iter(f"*{queue}*"))
    for key in client.scan_iter("rq:job:*"):
        if client.type(key) == b"hash" and client.hget(key, "origin") == queue.encode():
            doomed.add(key)
            doomed.update(client.scan_iter(key + b":*"))
    for key in client.scan_iter("rq:worker:*"):
        if client.type(key) == b"hash" and queue.encode() in (client.hget(key, "queues") or b""):
            doomed.add(key)
    for key in doomed:
        client.delete(key)
    return len(doomed)


# --- processes ---------------------------------------------------------------------------------------------------


class Process:
    """A child process with its output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict, log_path: Path):
        self.name, self.log_path = name, log_path
        with log_path.open("ab") as log:
            self.popen = subprocess.Popen(  # noqa: S603 (our own command line)
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self.started = time.monotonic()
        self.killed = False

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self) -> str:
        try:
            return self.log_path.read_bytes().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def rss_mb(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)
        self.killed = True

    def stop(self, timeout: float = 30) -> None:
        if self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


def gunicorn(env: dict, port: int, directory: Path, workers: int, threads: int) -> Process:
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
        "--timeout",
        "120",
        "--access-logfile",
        "-",
        "--no-control-socket",
        "wsgi:app",
    ]
    return Process("gunicorn", command, env, directory / "gunicorn.log")


def worker(env: dict, directory: Path, number: int) -> Process:
    return Process(f"worker {number}", [str(FLASK), "worker"], env, directory / f"worker-{number}.log")


# --- HTTP --------------------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping client that does not follow redirects; each request a new connection, as a browser's
    first request; ``last`` is the seconds the last request took, to the end of its answer."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.last = 0.0

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=120) as response:  # noqa: S310
                answer = response.status, dict(response.headers), response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            answer = error.code, dict(error.headers), error.read().decode(errors="replace")
        self.last = time.perf_counter() - started
        return answer


def csrf_token(page: str) -> str:
    for tag in re.findall(r"<input[^>]*>", page):
        if 'name="csrf_token"' in tag:
            return re.search(r'value="([^"]+)"', tag).group(1)
    raise RuntimeError("no CSRF token on the page")


def healthz_ms(base: str) -> float:
    browser = Browser(base)
    status, _headers, _body = browser.request("/healthz")
    if status != 200:
        raise RuntimeError(f"/healthz answered {status}")
    return browser.last * 1000


# --- the run -----------------------------------------------------------------------------------------------------


def environment(args, database: Database, queue: str, smtp_port: int, base: str, directory: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if not _OURS.match(key)}
    env.update(
        {
            "DAIS_CONFIG": "production",
            "FLASK_APP": "wsgi.py",
            "SECRET_KEY": secrets.token_hex(32),
            "SESSION_COOKIE_SECURE": "0",  # plain http on 127.0.0.1
            "DATABASE_URL": database.url,
            "REDIS_URL": args.redis,
            "JOBS_BACKEND": "rq",
            "JOBS_QUEUE": queue,
            "MAIL_SERVER": HOST,
            "MAIL_PORT": str(smtp_port),
            "MAIL_LEASE_SECONDS": str(args.lease),
            "MAIL_TIMEOUT_SECONDS": str(args.mail_timeout),
            "BASE_URL": base,
            "UPLOAD_DIR": str(directory / "uploads"),
            "STORAGE_BACKEND": "local",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def lease_note(args) -> str:
    return (
        f"MAIL_LEASE_SECONDS={args.lease}, MAIL_TIMEOUT_SECONDS={args.mail_timeout}: a batch (MAIL_BATCH_SIZE, 50) "
        f"takes {50 * args.delay:.0f} s of the sink's time; a worker stops sending from its batch "
        f"{2 * args.mail_timeout} s before its lease ends (2 x the timeout), which leaves "
        f"{args.lease - 2 * args.mail_timeout} s a batch, ample; a dead worker's batch waits at most {args.lease} s "
        "for another (the default, 300 s, is sized for a slow real server)"
    )


def outbox_counts(database: Database, mailing_id: int) -> Counter:
    counts = Counter(
        dict(
            database.rows(
                "SELECT status, count(*) FROM outbox_messages WHERE mailing_id = ? GROUP BY status", mailing_id
            )
        )
    )
    counts["claimed"] = database.value(
        "SELECT count(*) FROM outbox_messages WHERE mailing_id = ? AND status = 'queued' AND claimed_by IS NOT NULL",
        mailing_id,
    )
    return counts


def claims(database: Database, mailing_id: int) -> dict[str, int]:
    return dict(
        database.rows(
            "SELECT claimed_by, count(*) FROM outbox_messages WHERE mailing_id = ? AND claimed_by IS NOT NULL"
            " GROUP BY claimed_by",
            mailing_id,
        )
    )


def deliver_and_watch(args, database, mailing_id, sink, workers, env, directory, base, published_at, problems):
    """Poll every second until nothing of the mailing is queued; kill and replace a worker at half if asked.
    Returns what was observed."""
    total = args.subscribers
    seen = {"healthz": [], "kill": None, "rss": {}, "pg": [], "redis": [], "queue": []}
    last_sent, last_change = -1, time.monotonic()
    stalled_after = args.lease + 120
    dead_claims: dict[str, int] | None = None
    print(
        f"\n{'t (s)':>6} {'sent':>7} {'queued':>7} {'claimed':>7} {'failed':>6} {'msg/s':>6} {'sink':>7} "
        f"{'smtp':>4} {'jobs':>4} {'pg':>3} {'redis':>5} {'healthz ms':>10}"
    )
    previous = (time.monotonic(), 0)
    jobs = rq_queue(args.redis, env["JOBS_QUEUE"])
    while True:
        time.sleep(1)
        counts = outbox_counts(database, mailing_id)
        sent = counts["sent"]
        now = time.monotonic()
        rate = (sent - previous[1]) / (now - previous[0])
        previous = (now, sent)
        ms = healthz_ms(base)
        seen["healthz"].append(ms)
        pg = database.connections()
        clients = redis_clients(args.redis)
        queued_jobs = jobs.count
        seen["pg"].append(pg or 0)
        seen["redis"].append(clients)
        seen["queue"].append(queued_jobs)
        for process in workers:
            if not process.killed:
                seen["rss"].setdefault(process.name, []).append(process.rss_mb())
        print(
            f"{time.monotonic() - published_at:6.0f} {sent:7} {counts['queued']:7} {counts['claimed']:7} "
            f"{counts['failed']:6} {rate:6.0f} {len(sink.received):7} {sink.open:4} {queued_jobs:4} "
            f"{pg if pg is not None else '-':>3} {clients:5} {ms:10.1f}",
            flush=True,
        )
        for process in workers:
            if not process.killed and process.popen.poll() is not None:
                problems.append(f"{process.name} exited on its own ({process.popen.returncode})")
                process.killed = True

        if args.kill_halfway and seen["kill"] is None and sent >= total // 2:
            victim = next(p for p in workers if not p.killed)
            victim.kill()
            # Read after the kill: the dead worker's count no longer moves (each message it sent left its claim).
            frozen = claims(database, mailing_id)
            replacement = worker(env, directory, len(workers) + 1)
            workers.append(replacement)
            seen["kill"] = {"at": time.monotonic(), "sent": sent, "claims": frozen, "victim": victim.name}
            print(f"   SIGKILL {victim.name} (pid {victim.pid}) at {sent} sent; started {replacement.name}", flush=True)
        if seen["kill"] is not None:
            kill = seen["kill"]
            current = claims(database, mailing_id)
            since = time.monotonic() - kill["at"]
            if dead_claims is None and since >= 10:
                # a live worker's claim shrinks with every message it sends: one unchanged for 10 s is the dead one's
                dead_claims = {t: n for t, n in kill["claims"].items() if current.get(t) == n}
                kill["stranded"] = sum(dead_claims.values())
                print(f"   the killed worker's claim: {kill['stranded']} messages, waiting for the lease", flush=True)
            if dead_claims and "retaken" not in kill and not any(t in current for t in dead_claims):
                kill["retaken"] = since
                print(f"   its messages were taken again {since:.0f} s after the kill", flush=True)

        if counts["queued"] == 0:
            break
        if sent != last_sent:
            last_sent, last_change = sent, now
        elif now - last_change > stalled_after:
            problems.append(f"no message sent for {stalled_after} s: stopped waiting with {counts['queued']} queued")
            break
    return seen


def run(args, directory: Path) -> int:
    problems: list[str] = []
    queue = f"dais-bench-{secrets.token_hex(4)}"
    database = Database(args.database, postgres=args.postgres, directory=directory)
    total = args.subscribers
    app_port = free_port()
    base = f"http://{HOST}:{app_port}"
    database.create()
    processes: list[Process] = []
    try:
        with smtp_sink(args.delay) as (sink, smtp_port):
            env = environment(args, database, queue, smtp_port, base, directory)
            instance = Instance(directory, env)
            started = time.monotonic()
            instance.flask("db", "upgrade")
            instance.flask("seed-demo", "--force")
            done = subprocess.run(  # noqa: S603 (our own command line)
                [sys.executable, "-c", SETUP.format(title=MEETING_TITLE)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            meeting_id, body_id = map(int, done.stdout.split()[-2:])
            database.connect()
            t0 = time.monotonic()
            database.insert_subscribers(total, body_id)
            print(
                f"instance ready in {time.monotonic() - started:.0f} s: {database.label}, meeting {meeting_id}, "
                f"{total} subscribers inserted in {time.monotonic() - t0:.1f} s"
            )

            server = gunicorn(env, app_port, directory, args.app_workers, args.app_threads)
            processes.append(server)
            wait_until_up(base, server.popen, log=server.log)
            workers = [worker(env, directory, n) for n in range(1, args.workers + 1)]
            processes.extend(workers)
            print(
                f"gunicorn gthread {args.app_workers}x{args.app_threads} at {base}; {args.workers} flask workers; "
                f"Redis {args.redis} queue {queue}; SMTP sink 127.0.0.1:{smtp_port}, "
                f"{args.delay * 1000:.0f} ms a message"
            )
            print(lease_note(args))

            clerk = Browser(base)
            status, _h, page = clerk.request("/login")
            status, headers, _b = clerk.request(
                "/login", {"email": CLERK, "password": demo_password(), "csrf_token": csrf_token(page)}
            )
            if status not in (302, 303):
                raise RuntimeError(f"sign-in answered {status}")
            for _ in range(3):  # warm both app processes (imports, templates)
                status, _h, page = clerk.request(f"/staff/meetings/{meeting_id}")
            if status != 200:
                raise RuntimeError(f"the meeting page answered {status}")
            healthz = [healthz_ms(base) for _ in range(HEALTHZ_SAMPLES)]
            for _ in range(int(args.wait_workers * 10)):  # every worker up (its first tick done)
                if sum("Listening on" in p.log() or "*** Listening" in p.log() for p in workers) == len(workers):
                    break
                time.sleep(0.1)

            published_at = time.monotonic()
            published_wall = datetime.now(UTC)
            status, headers, _b = clerk.request(
                f"/staff/meetings/{meeting_id}/agenda/publish", {"csrf_token": csrf_token(page)}
            )
            publish_s = clerk.last
            if status not in (302, 303):
                problems.append(f"publish answered {status}, not a redirect")
            mailing_id, mailing_total = database.rows(
                "SELECT id, total FROM mailings WHERE kind = 'agenda' AND topic = ?", f"meeting:{meeting_id}"
            )[0]
            h50 = statistics.median(healthz)
            print(
                f"publish: {status} in {publish_s * 1000:.0f} ms (mailing {mailing_id}, {mailing_total} messages); "
                f"GET /healthz p50 {h50:.1f} ms (of {HEALTHZ_SAMPLES}): ratio x{publish_s * 1000 / h50:.0f}"
            )
            rss_start = {p.name: p.rss_mb() for p in workers}

            seen = deliver_and_watch(
                args, database, mailing_id, sink, workers, env, directory, base, published_at, problems
            )
            finished = time.monotonic()
            time.sleep(1)  # the last answers reach the sink's list
            rss_end = {p.name: p.rss_mb() for p in workers if not p.killed}
            failed_rq = rq_queue(args.redis, queue).failed_job_registry.count
            for process in workers:
                process.stop()
            server.stop()
            received = list(sink.received)
            sessions, most_open = sink.sessions, sink.most_open

        problems += check(args, database, mailing_id, mailing_total, received, publish_s, seen, [*workers, server])
        first, last = (
            _time(v)
            for v in database.rows(
                "SELECT min(sent_at), max(sent_at) FROM outbox_messages WHERE mailing_id = ?", mailing_id
            )[0]
        )
        delivery = (last - published_wall).total_seconds() if last else float("nan")
        print("\nfigures:")
        print(
            f"  publish request: {publish_s * 1000:.0f} ms; GET /healthz p50 {h50:.1f} ms before it, "
            f"ratio x{publish_s * 1000 / h50:.0f}"
        )
        during = seen["healthz"]
        print(
            f"  GET /healthz during delivery: p50 {statistics.median(during):.1f} ms, max {max(during):.1f} ms "
            f"({len(during)} samples)"
        )
        print(
            f"  delivered {total} in {delivery:.0f} s from the publish click ({total / delivery:.0f} messages/s); "
            f"first sent {(first - published_wall).total_seconds():.1f} s after it; "
            f"watched for {finished - published_at:.0f} s"
        )
        print(
            f"  SMTP sessions: {sessions} (about {len(received) / max(sessions, 1):.0f} messages each), "
            f"at most {most_open} at once"
        )
        print(f"  RQ jobs waiting: at most {max(seen['queue'])}; failed-job registry: {failed_rq}")
        if seen["pg"] and database.kind == "postgres":
            print(f"  PostgreSQL connections to the database: at most {max(seen['pg'])} (this script's own included)")
        print(f"  Redis clients (whole server): {min(seen['redis'])}..{max(seen['redis'])}")
        for name, start in rss_start.items():
            if name in rss_end:
                print(f"  {name} RSS: {start:.0f} MB at publish, {rss_end[name]:.0f} MB at the end")
        if seen["kill"]:
            kill = seen["kill"]
            print(
                f"  killed {kill['victim']} at {kill['sent']} sent; its claimed batch: "
                f"{kill.get('stranded', '?')} messages, taken again "
                f"{kill.get('retaken', float('nan')):.0f} s after the kill"
            )
    finally:
        for process in processes:
            process.stop(timeout=10)
        database.close()
        if not args.keep:
            database.drop()
        removed = clear_redis(args.redis, queue)
        kept = "kept" if args.keep else "removed"
        print(f"\ncleaned up: {database.label} {kept}; {removed} Redis keys of the run removed")

    if problems:
        print("\nFAILED:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("\nOK: every subscriber received the agenda, nobody twice beyond the in-flight message of a killed worker.")
    return 0


def demo_password() -> str:
    from app.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def check(args, database, mailing_id, mailing_total, received, publish_s, seen, processes) -> list[str]:
    problems = []
    total = args.subscribers
    counts = outbox_counts(database, mailing_id)
    print("\nchecks:")
    print(f"  publish request {publish_s * 1000:.0f} ms (limit {PUBLISH_LIMIT * 1000:.0f} ms)")
    if publish_s >= PUBLISH_LIMIT:
        problems.append(f"the publish request took {publish_s:.2f} s")
    print(
        f"  outbox rows: {mailing_total} written; sent {counts['sent']}, queued {counts['queued']}, "
        f"failed {counts['failed']}, skipped {counts['skipped']}"
    )
    if mailing_total != total:
        problems.append(f"the mailing has {mailing_total} messages, not {total}")
    if counts["sent"] != total or counts["queued"] or counts["failed"] or counts["skipped"]:
        problems.append(f"outbox rows not all sent: {dict(counts)}")
    expected = {ADDRESS.format(n=n) for n in range(total)}
    per_recipient = Counter(address for address, _ in received)
    lost = expected - set(per_recipient)
    strangers = set(per_recipient) - expected
    twice = {a: n for a, n in per_recipient.items() if n > 1}
    extra = sum(n - 1 for n in twice.values())
    print(
        f"  received: {len(received)} messages to {len(per_recipient)} recipients; lost {len(lost)}; "
        f"duplicates {extra} (recipients with more than one: {len(twice)})"
    )
    if lost:
        problems.append(f"{len(lost)} subscribers received nothing, e.g. {sorted(lost)[:3]}")
    if strangers:
        problems.append(f"{len(strangers)} unexpected recipients, e.g. {sorted(strangers)[:3]}")
    kills = sum(p.killed and p.name.startswith("worker") for p in processes)
    allowed = kills  # one message in flight per killed worker
    if extra > allowed:
        problems.append(f"{extra} duplicate messages (allowed: {allowed}): {sorted(twice)[:5]}")
    ids = dict(database.rows("SELECT recipient, message_id FROM outbox_messages WHERE mailing_id = ?", mailing_id))
    wrong_id = [a for a, message_id in received if ids.get(a) != message_id]
    same_id = all(len({m for a2, m in received if a2 == a}) == 1 for a in twice)
    print(
        f"  Message-ID as recorded in the outbox: {len(received) - len(wrong_id)} of {len(received)}; "
        f"duplicates carry the same Message-ID: {'yes' if same_id else 'NO'}"
    )
    if wrong_id:
        problems.append(f"{len(wrong_id)} messages whose Message-ID is not their row's, e.g. {wrong_id[:3]}")
    if not same_id:
        problems.append("a duplicate carries another Message-ID")
    for process in processes:
        tracebacks = process.log().count("Traceback (most recent call last)")
        if tracebacks:
            problems.append(f"{tracebacks} traceback(s) in the {process.name} log ({process.log_path})")
    print(f"  tracebacks in the logs: {sum(p.log().count('Traceback (most recent') for p in processes)}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=50_000, help="confirmed subscribers (50000)")
    parser.add_argument("--workers", type=int, default=4, help="flask worker processes (4)")
    parser.add_argument("--kill-halfway", action="store_true", help="SIGKILL one worker at half, start another")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432", help="server for the temp database"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis for the queue")
    parser.add_argument("--delay", type=float, default=0.02, help="seconds the SMTP sink takes per message (0.02)")
    parser.add_argument("--lease", type=int, default=30, help="MAIL_LEASE_SECONDS (30)")
    parser.add_argument("--mail-timeout", type=int, default=5, help="MAIL_TIMEOUT_SECONDS (5)")
    parser.add_argument("--app-workers", type=int, default=2, help="gunicorn processes (2)")
    parser.add_argument("--app-threads", type=int, default=4, help="threads per gunicorn process (4)")
    parser.add_argument("--wait-workers", type=float, default=30, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs) and the database")
    args = parser.parse_args(argv)
    directory = Path(tempfile.mkdtemp(prefix="dais-bench-mail-"))
    try:
        return run(args, directory)
    finally:
        if args.keep:
            print(f"logs kept in {directory}", file=sys.stderr)
        else:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
