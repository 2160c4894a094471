"""Benchmark: 2,000 residents follow a meeting live (Server-Sent Events) while the clerk runs the speaker queue
from the cockpit, one action a second. Issue 17: each viewer sees each change within 1 s (p95), on this machine,
with the server's CPU bounded.

    .venv/bin/python -m bench.live                                  # 2,000 viewers, 60 s, one gunicorn 2 x 1050
    .venv/bin/python -m bench.live --servers 2                      # viewers split across two gunicorn instances
    .venv/bin/python -m bench.live --viewers 500 --seconds 20 --app-workers 1 --app-threads 550

Served as production is (bench/_production.py): ``DAIS_CONFIG=production``, a temporary PostgreSQL database on
``--postgres``, Redis on ``--redis`` (so the live broker is ``RedisBroker``), gunicorn's gthread worker,
``--app-workers`` processes x ``--app-threads`` threads; each process accepts at most as many connections as it
has threads (``--worker-connections`` = threads), so a stream never waits for a thread in an accepted
connection: the other process takes it, or it waits in the listen backlog. ``LIVE_STREAM_SECONDS`` is raised
(``--stream-seconds``, 3600) so no stream ends during the run; the keep-alive stays 15 s.

The demo's upcoming meeting is put in session with ``--speakers`` on its resolution (bench/_meeting.py). Then:

- ``--viewers`` SSE clients (asyncio, raw sockets, in this process; ``--servers 2``: every other one on the second
  instance) open ``/meetings/<id>/live/events``, and each must receive the current snapshot first;
- the demo clerk (signed in on the first instance) follows the cockpit's next step once every ``--interval``
  (1 s) for ``--seconds`` (60 s): call the next speaker, start the timer, done speaking, again and again, each a
  POST to ``/staff/meetings/<id>/live/<action>`` followed by the cockpit page (for the next step's target), then
  one ``GET /healthz`` (the trivial route, in the same run, for scale);
- each new snapshot (SSE event id = its version) is matched to the action that caused it: the first version
  any viewer receives after the action's POST was sent, and its content is checked (call next: a speaker with
  the timer idle; start: running; spoke: no speaker).

Figures: per viewer and action, the delay from the clerk's POST answered (and from it sent: the snapshot is
published before the answer leaves the server) to that viewer receiving the event: p50, p95, max, by instance;
viewers that missed an event (never received it, nor any later one), that skipped one (a snapshot is the
latest state: a viewer woken after the next change gets the newer one only, so a skip means a delay beyond the
clerk's interval) or whose stream closed; the app servers' CPU (user + system from /proc of the gunicorn
processes, over the action phase; and over ``--idle`` seconds before it with every stream open), RSS and
threads; this process's own CPU (the load generator shares the machine). Checks (exit status 1): p95 from the
answer under 1 s; no viewer missed or skipped an event or was disconnected; every action answered 302 with its
expected step.
"""

import argparse
import asyncio
import json
import math
import os
import re
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench._meeting import in_session
from bench._production import children, clear_live, cpu_seconds, environment, gunicorn, rss_mb, threads_of
from bench._server import HOST, Instance, free_port, wait_until_up
from bench.cockpit import CYCLE, sign_in, step_of
from bench.mail import Database, csrf_token
from bench.registrations import percentile

P95_LIMIT = 1.0  # seconds
EXPECTED_TIMER = {"call_next": "idle", "start": "running", "spoke": None}  # the speaker's timer after each action
_EVENT = re.compile(rb"id: ([0-9a-f]+)\ndata: ([^\n]*)\n\n")


# --- the viewers ---------------------------------------------------------------------------------------------------


@dataclass
class Viewer:
    number: int
    port: int
    received: dict = field(default_factory=dict)  # version -> monotonic time first received
    status: int | None = None
    connected_at: float | None = None
    closed_at: float | None = None  # the current stream's end (None while it is open)
    error: str | None = None
    last_id: str | None = None  # sent back as Last-Event-ID when the stream reconnects, as a browser does
    ends: list = field(default_factory=list)  # when each stream ended
    reopened: list = field(default_factory=list)  # seconds from a stream's end to the next one's first byte


class Versions:
    """Every version seen by any viewer: when first seen and what it shows (parsed once, for the first viewer)."""

    def __init__(self):
        self.first_seen: dict[str, float] = {}
        self.content: dict[str, dict] = {}

    def note(self, version: str, data: bytes, at: float) -> None:
        if version not in self.first_seen:
            self.first_seen[version] = at
            snapshot = json.loads(data)
            speaker = snapshot.get("speaker")
            self.content[version] = {
                "position": speaker and speaker["position"],
                "timer": speaker and speaker["timer"],
                "heard": (snapshot.get("queue") or {}).get("heard"),
            }


class SSEClient(asyncio.Protocol):
    def __init__(self, viewer: Viewer, path: str, versions: Versions, on_end=None):
        self.viewer, self.path, self.versions, self.on_end = viewer, path, versions, on_end
        self.buffer = b""
        self.headers_done = False
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.viewer.connected_at = time.monotonic()
        self.viewer.closed_at = None
        resume = f"Last-Event-ID: {self.viewer.last_id}\r\n" if self.viewer.last_id else ""
        transport.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {HOST}:{self.viewer.port}\r\nAccept: text/event-stream\r\n"
            f"Cache-Control: no-cache\r\n{resume}User-Agent: dais-bench-live\r\n\r\n".encode()
        )

    def data_received(self, data: bytes):
        now = time.monotonic()
        self.buffer += data
        if not self.headers_done:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.viewer.status = int(self.buffer.split(b" ", 2)[1])
            self.buffer = self.buffer[end + 4 :]
            self.headers_done = True
            if self.viewer.ends:
                self.viewer.reopened.append(now - self.viewer.ends[-1])
        last = 0
        for match in _EVENT.finditer(self.buffer):
            version = match.group(1).decode()
            self.viewer.received.setdefault(version, now)
            self.viewer.last_id = version
            self.versions.note(version, match.group(2), now)
            last = match.end()
        if last:
            self.buffer = self.buffer[last:]
        if b"\r\n0\r\n\r\n" in self.buffer or self.buffer.startswith(b"0\r\n\r\n"):
            self.transport.close()  # the chunked body's end: the server ended the stream (LIVE_STREAM_SECONDS)
        elif len(self.buffer) > 1 << 20:
            self.buffer = self.buffer[-(1 << 16) :]  # keep-alives only: never the case for long

    def connection_lost(self, exc):
        self.viewer.closed_at = time.monotonic()
        self.viewer.ends.append(self.viewer.closed_at)
        if exc is not None:
            self.viewer.error = repr(exc)
        if self.on_end is not None:
            self.on_end(self.viewer)


class Audience:
    """The viewers, on an asyncio loop in a thread of their own (the clerk works in the main thread)."""

    def __init__(self, ports: list[int], meeting_id: int, count: int, batch: int):
        self.viewers = [Viewer(n, ports[n % len(ports)]) for n in range(count)]
        self.versions = Versions()
        self.path = f"/meetings/{meeting_id}/live/events"
        self.batch = batch
        self.loop = asyncio.new_event_loop()
        self.transports: list = []
        self.stopping = False
        self.reconnects = 0
        self.thread = threading.Thread(target=self.loop.run_forever, name="viewers", daemon=True)

    def start(self, timeout: float) -> float:
        """Open every stream, ``batch`` at a time; wait until each has its first snapshot. Returns seconds."""
        self.thread.start()
        started = time.monotonic()
        future = asyncio.run_coroutine_threadsafe(self._open_all(), self.loop)
        future.result(timeout=timeout)
        while time.monotonic() - started < timeout:
            if all(v.received or v.closed_at for v in self.viewers):
                break
            time.sleep(0.2)
        return time.monotonic() - started

    async def _open_all(self):
        for first in range(0, len(self.viewers), self.batch):
            results = await asyncio.gather(
                *(self._open(v) for v in self.viewers[first : first + self.batch]), return_exceptions=True
            )
            for viewer, result in zip(self.viewers[first : first + self.batch], results, strict=True):
                if isinstance(result, BaseException):
                    viewer.error, viewer.closed_at = repr(result), time.monotonic()
            await asyncio.sleep(0.05)

    async def _open(self, viewer: Viewer):
        transport, _protocol = await self.loop.create_connection(
            lambda: SSEClient(viewer, self.path, self.versions, self._ended), HOST, viewer.port
        )
        self.transports.append(transport)

    def _ended(self, viewer: Viewer) -> None:
        """A stream ended: reconnect after the stream's ``retry: 1000``, as a browser's EventSource does."""
        if not self.stopping:
            self.loop.call_later(1.0, self._reconnect, viewer)

    def _reconnect(self, viewer: Viewer) -> None:
        if self.stopping:
            return
        self.reconnects += 1
        task = self.loop.create_task(self._open(viewer))
        task.add_done_callback(lambda t: t.cancelled() or t.exception() is None or self._ended(viewer))

    def stop(self):
        self.stopping = True

        def close():
            for transport in self.transports:
                transport.close()

        self.loop.call_soon_threadsafe(close)
        time.sleep(0.5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


# --- the clerk -----------------------------------------------------------------------------------------------------


@dataclass
class Action:
    name: str
    sent: float
    answered: float
    status: int
    version: str | None = None


def clerk_runs(base: str, meeting_id: int, seconds: float, interval: float, problems: list[str]):
    """Follow the cockpit's next step every ``interval`` for ``seconds``; returns (actions, healthz seconds,
    page seconds)."""
    url = f"/staff/meetings/{meeting_id}/live"
    clerk = sign_in(base)
    status, _h, page = clerk.request(url)
    if status != 200:
        raise RuntimeError(f"the cockpit answered {status}")
    token = csrf_token(page)
    actions: list[Action] = []
    healthz: list[float] = []
    pages: list[float] = []
    started = time.monotonic()
    tick = 0
    while time.monotonic() - started < seconds:
        action, target = step_of(page)
        expected = CYCLE[len(actions) % len(CYCLE)]
        if action != expected:
            problems.append(f"action {len(actions)}: the cockpit's next step is {action}, not {expected}")
            break
        sent = time.monotonic()
        status, _h, _b = clerk.request(f"{url}/{action}", {"csrf_token": token, "target_id": target})
        actions.append(Action(action, sent, time.monotonic(), status))
        if status != 302:
            problems.append(f"action {len(actions)} ({action}) answered {status}")
        _status, _h, page = clerk.request(url)
        pages.append(clerk.last)
        clerk.request("/healthz")
        healthz.append(clerk.last)
        tick += 1
        pause = started + tick * interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    return actions, healthz, pages


def match(actions: list[Action], versions: Versions, problems: list[str]) -> None:
    """The version each action produced: the first one seen after it was sent (and before the next was sent)."""
    ordered = sorted(versions.first_seen.items(), key=lambda kv: kv[1])
    for n, action in enumerate(actions):
        until = actions[n + 1].sent if n + 1 < len(actions) else math.inf
        found = [v for v, at in ordered if action.sent <= at < until]
        if not found:
            problems.append(f"action {n} ({action.name}): no viewer received a new snapshot")
            continue
        if len(found) > 1:
            problems.append(f"action {n} ({action.name}): {len(found)} new snapshots, expected one")
        action.version = found[0]
        timer = versions.content[found[0]]["timer"]
        if timer != EXPECTED_TIMER[action.name]:
            problems.append(f"action {n} ({action.name}): its snapshot shows the timer {timer}")


# --- the run -------------------------------------------------------------------------------------------------------


def raise_file_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def stats(values: list[float]) -> str:
    if not values:
        return "no data"
    return (
        f"p50 {statistics.median(values) * 1000:.0f} ms, p95 {percentile(values, 95) * 1000:.0f} ms, "
        f"max {max(values) * 1000:.0f} ms"
    )


def run(args, directory: Path) -> int:
    problems: list[str] = []
    limit = raise_file_limit(args.viewers * (2 if args.servers == 1 else 3) + 1000)  # both ends of each stream
    database = Database("postgres", postgres=args.postgres, directory=directory)
    database.create()
    ports = [free_port() for _ in range(args.servers)]
    bases = [f"http://{HOST}:{port}" for port in ports]
    settings = {"LIVE_STREAM_SECONDS": str(args.stream_seconds)}
    env = environment(database.url, args.redis, bases[0], directory, **settings)
    servers = []
    setup = {"meeting": 0}
    audience = None
    try:
        Instance(directory, env).flask("db", "upgrade")
        Instance(directory, env).flask("seed-demo", "--force")
        setup = in_session(env, args.speakers)
        clear_live(args.redis, setup["meeting"])
        threads = args.app_threads
        for n, port in enumerate(ports, 1):
            server = gunicorn(
                env,
                port,
                directory,
                workers=args.app_workers,
                threads=threads,
                connections=threads,
                name=f"gunicorn{n}",
            )
            servers.append(server)
        for server, base in zip(servers, bases, strict=True):
            wait_until_up(base, server.popen, log=server.log, timeout=120)
        print(
            f"{args.servers} x gunicorn gthread {args.app_workers} x {threads} (worker-connections {threads}) on "
            f"{', '.join(bases)}; PostgreSQL {database.name}; Redis {args.redis}; meeting {setup['meeting']} with "
            f"{args.speakers} speakers; LIVE_STREAM_SECONDS={args.stream_seconds}; open files limit {limit}; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        pids = lambda: [p for s in servers for p in (s.pid, *children(s.pid))]  # noqa: E731

        audience = Audience(ports, setup["meeting"], args.viewers, args.batch)
        opened = audience.start(timeout=args.connect_timeout)
        viewers = audience.viewers
        ready = sum(1 for v in viewers if v.received)
        print(
            f"{ready} of {args.viewers} viewers have the current snapshot, {opened:.1f} s after the first connect; "
            f"statuses {dict(sorted(_count(v.status for v in viewers).items(), key=str))}; "
            f"server threads {threads_of(pids())}, RSS {rss_mb(pids()):.0f} MB",
            flush=True,
        )
        if ready < args.viewers:
            problems.append(f"only {ready} of {args.viewers} viewers received the first snapshot")

        idle_before, idle_at = cpu_seconds(pids()), time.monotonic()
        time.sleep(args.idle)  # every stream open, nothing happening: the cost of holding them
        idle = (cpu_seconds(pids()) - idle_before) / (time.monotonic() - idle_at)
        cpu_before, own_before, wall_before = cpu_seconds(pids()), _own_cpu(), time.monotonic()
        load_before = os.getloadavg()[0]
        actions, healthz, pages = clerk_runs(bases[0], setup["meeting"], args.seconds, args.interval, problems)
        wall = time.monotonic() - wall_before
        cpu, own = cpu_seconds(pids()) - cpu_before, _own_cpu() - own_before
        rss, threads_now = rss_mb(pids()), threads_of(pids())
        load_after = os.getloadavg()[0]
        time.sleep(args.grace)

        match(actions, audience.versions, problems)
        from_answer, from_sent = defaultdict(list), defaultdict(list)
        missed: dict[int, int] = {}  # never received, nor anything after it
        superseded: dict[int, int] = {}  # not received, but a later snapshot was: the viewer skipped a stale one
        for viewer in viewers:
            for n, action in enumerate(actions):
                if action.version is None:
                    continue
                at = viewer.received.get(action.version)
                if at is None:
                    later = any(a.version in viewer.received for a in actions[n + 1 :] if a.version)
                    counts = superseded if later else missed
                    counts[viewer.number] = counts.get(viewer.number, 0) + 1
                    continue
                from_answer[viewer.port].append(at - action.answered)
                from_sent[viewer.port].append(at - action.sent)
        # without a stream at the end (and not just in the 1 s a browser waits before it reconnects)
        closed = [v for v in viewers if v.closed_at is not None and time.monotonic() - v.closed_at > 3]
        ends = sum(len(v.ends) for v in viewers)
        reopened = [d for v in viewers for d in v.reopened]
        every_answer = [d for values in from_answer.values() for d in values]
        every_sent = [d for values in from_sent.values() for d in values]
        action_times = [a.answered - a.sent for a in actions]

        print("\nfigures:")
        print(
            f"  {len(actions)} clerk actions in {args.seconds:.0f} s ({_names(actions)}); "
            f"each POST {stats(action_times)}; the cockpit page after it {stats(pages)}"
        )
        print(f"  GET /healthz, once a second: {stats(healthz)}")
        print(f"  event delay, from the POST answered: {stats(every_answer)}  ({len(every_answer)} deliveries)")
        print(f"  event delay, from the POST sent:     {stats(every_sent)}")
        if len(ports) > 1:
            for n, port in enumerate(ports, 1):
                label = "the clerk's" if n == 1 else "the other"
                print(f"    instance {n} ({label}), from the answer: {stats(from_answer[port])}")
        h50 = statistics.median(healthz) if healthz else float("nan")
        if every_sent:
            print(
                f"  ratios to /healthz p50 ({h50 * 1000:.0f} ms): event p50 from the POST sent "
                f"x{statistics.median(every_sent) / h50:.1f}, "
                f"the POST itself x{statistics.median(action_times) / h50:.1f}"
            )
        print(
            f"  viewers that missed an event: {len(missed)} ({sum(missed.values())} events); that skipped one "
            f"(the next change came before it reached them; they got the newer one): {len(superseded)} "
            f"({sum(superseded.values())} events); "
            f"without a stream at the end: {len(closed)}" + (f" e.g. {closed[0].error}" if closed else "")
        )
        print(
            f"  streams ended by the server and reopened (Last-Event-ID, after 1 s): {ends} ends, "
            f"{audience.reconnects} reconnections; from an end to the new stream's answer: {stats(reopened)}"
        )
        print(
            f"  app servers' CPU over {wall:.0f} s: {cpu:.1f} s = {cpu / wall * 100:.0f}% of one core "
            f"({cpu / max(len(actions), 1) * 1000:.0f} ms per action for {args.viewers} viewers); "
            f"RSS {rss:.0f} MB; threads {threads_now}; before the actions, streams open and idle: "
            f"{idle * 100:.0f}% of one core"
        )
        print(
            f"  this load generator's CPU: {own:.1f} s = {own / wall * 100:.0f}% of one core; "
            f"load average {load_before:.1f} -> {load_after:.1f} (2 cores)"
        )

        if every_answer and percentile(every_answer, 95) >= P95_LIMIT:
            p95 = percentile(every_answer, 95)
            problems.append(f"event delay p95 {p95:.2f} s from the answer (limit {P95_LIMIT} s)")
        if missed:
            problems.append(f"{len(missed)} viewers missed {sum(missed.values())} events")
        if superseded:
            problems.append(f"{len(superseded)} viewers skipped {sum(superseded.values())} events (delivered late)")
        if closed:
            problems.append(f"{len(closed)} viewers without a stream at the end")
        if ends and args.stream_seconds > args.seconds + args.idle + opened:
            problems.append(f"{ends} streams ended before LIVE_STREAM_SECONDS ({args.stream_seconds} s)")
        for server in servers:
            tracebacks = server.log().count("Traceback (most recent call last)")
            if tracebacks:
                problems.append(f"{tracebacks} traceback(s) in {server.log_path}")
    finally:
        if audience is not None:
            audience.stop()
        for server in servers:
            server.stop(timeout=15)
        clear_live(args.redis, setup["meeting"], env["JOBS_QUEUE"])
        if not args.keep:
            database.drop()
        else:
            print(f"kept: {database.label}", file=sys.stderr)

    if problems:
        print("\nFAILED:")
        for problem in problems[:30]:
            print(f"  - {problem}")
        return 1
    print(f"\nOK: every viewer received every change, p95 under {P95_LIMIT:.0f} s.")
    return 0


def _count(values) -> dict:
    counts: dict = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _names(actions: list[Action]) -> str:
    return ", ".join(f"{count} {name}" for name, count in _count(a.name for a in actions).items())


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench.live", description=__doc__.split("\n\n")[0])
    p.add_argument("--viewers", type=int, default=2000, help="SSE clients (2000)")
    p.add_argument("--seconds", type=float, default=60, help="how long the clerk acts (60)")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between the clerk's actions (1)")
    p.add_argument("--servers", type=int, choices=[1, 2], default=1, help="gunicorn instances, viewers split (1)")
    p.add_argument("--app-workers", type=int, default=2, help="gunicorn processes per instance (2)")
    p.add_argument("--app-threads", type=int, default=None, help="threads per process (viewers / processes + 50)")
    p.add_argument("--speakers", type=int, default=100, help="speakers on the item (100; 3 actions each)")
    p.add_argument("--stream-seconds", type=int, default=3600, help="LIVE_STREAM_SECONDS for the run (3600)")
    p.add_argument("--batch", type=int, default=100, help="viewers connecting at once (100)")
    p.add_argument("--connect-timeout", type=float, default=120, help="seconds for every viewer to connect (120)")
    p.add_argument("--idle", type=float, default=5.0, help="seconds idle with every stream open, for CPU (5)")
    p.add_argument("--grace", type=float, default=3.0, help="seconds to wait for the last event (3)")
    p.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432", help="server for the temp database")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis (live broker)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (logs) and the database")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if args.app_threads is None:
        args.app_threads = math.ceil(args.viewers / (args.servers * args.app_workers)) + 50
    directory = Path(tempfile.mkdtemp(prefix="dais-bench-live-"))
    try:
        return run(args, directory)
    finally:
        if args.keep:
            print(f"logs kept in {directory}", file=sys.stderr)
        else:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
