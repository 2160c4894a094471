"""Benchmark: the clerk's cockpit with 2,000 speakers waiting on one item. Issue 17: the page stays under 200 KB
and each action answers with p95 under 300 ms.

    .venv/bin/python -m bench.cockpit                         # SQLite (make run) then PostgreSQL (gunicorn)
    .venv/bin/python -m bench.cockpit --database sqlite --cycles 10
    .venv/bin/python -m bench.cockpit --database postgres --speakers 500 --keep

For each database, a fresh instance:

- ``sqlite``: as ``make run`` serves it (bench/_server.py: ``DAIS_CONFIG=development``, ``flask run``);
- ``postgres``: as production does (bench/_production.py: ``DAIS_CONFIG=production``, a temporary database on
  ``--postgres``, Redis on ``--redis`` as the live broker, gunicorn gthread ``--app-workers`` x ``--app-threads``).

The demo's upcoming regular meeting gets ``--speakers`` online registrations on its resolution (the services,
bench/_meeting.py), is called to order, takes the roll and takes up the resolution. The demo clerk signs in
and opens the cockpit (``/staff/meetings/<id>/live``); its size is measured. Then the clerk follows the
cockpit's own next step ``--cycles`` times round: "Call the next speaker" (``call_next``), "Start the timer"
(``start``), "Done speaking" (``spoke``), each a POST answered by a redirect to the cockpit, whose GET is timed
too (what the clerk waits for after a click: the POST and the page), and so is ``?part=main`` (10 times), the
part of the page every open cockpit fetches again when the live stream announces a change. Before each cycle
one ``GET /healthz`` (one ``SELECT 1``), the trivial route, measured in the same run for scale. Each request on a
new connection.

Checks (exit status 1 if one fails): the page is under 200 KB; each action's p95 is under 300 ms; every POST is
answered 302 and every step is the one expected (call_next, start, spoke, in turn).
"""

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench._meeting import CLERK, in_session
from bench._production import clear_live, environment, gunicorn
from bench._server import HOST, Instance, free_port, fresh_instance, serve, wait_until_up
from bench.mail import Browser, Database, csrf_token, demo_password
from bench.registrations import percentile

PAGE_LIMIT = 200 * 1024  # bytes
ACTION_P95_LIMIT = 0.300  # seconds
CYCLE = ("call_next", "start", "spoke")
_STEP = re.compile(r'data-step="(\w+)" data-step-target="(\d*)"')


def step_of(page: str) -> tuple[str | None, str]:
    found = _STEP.search(page)
    return (found.group(1), found.group(2)) if found else (None, "")


def sign_in(base: str) -> Browser:
    clerk = Browser(base)
    _status, _h, page = clerk.request("/login")
    status, _h, _b = clerk.request(
        "/login", {"email": CLERK, "password": demo_password(), "csrf_token": csrf_token(page)}
    )
    if status not in (302, 303):
        raise RuntimeError(f"sign-in answered {status}")
    return clerk


def measure(base: str, meeting_id: int, cycles: int) -> tuple[dict, list[str]]:
    """Time the cockpit page and the clerk's actions; returns (timings in seconds by name, problems)."""
    problems: list[str] = []
    url = f"/staff/meetings/{meeting_id}/live"
    clerk = sign_in(base)
    times: dict[str, list[float]] = {
        "healthz": [],
        "page": [],
        "part=main": [],
        **{a: [] for a in CYCLE},
        "page after": [],
    }
    sizes = []
    for _ in range(3):  # warm every process and thread (imports, templates)
        clerk.request(url)
        clerk.request("/healthz")
    for _ in range(10):
        status, _h, page = clerk.request(url)
        times["page"].append(clerk.last)
        sizes.append(len(page.encode()))
        if status != 200:
            raise RuntimeError(f"the cockpit answered {status}")
    token = csrf_token(page)
    for _ in range(10):  # what each open cockpit fetches again on every change the live stream announces
        status, _h, part = clerk.request(url + "?part=main")
        times["part=main"].append(clerk.last)
        if status != 200:
            raise RuntimeError(f"the cockpit's main part answered {status}")
    times["part size"] = [len(part.encode())]
    for cycle in range(cycles):
        clerk.request("/healthz")
        times["healthz"].append(clerk.last)
        for expected in CYCLE:
            action, target = step_of(page)
            if action != expected:
                problems.append(f"cycle {cycle}: the next step is {action}, not {expected}")
                return times | {"size": sizes}, problems
            status, _h, _b = clerk.request(f"{url}/{action}", {"csrf_token": token, "target_id": target})
            times[action].append(clerk.last)
            if status != 302:
                problems.append(f"cycle {cycle}: {action} answered {status}")
            status, _h, page = clerk.request(url)
            times["page after"].append(clerk.last)
            sizes.append(len(page.encode()))
    return times | {"size": sizes}, problems


def report(label: str, times: dict, problems: list[str]) -> dict:
    sizes = times.pop("size")
    part = times.pop("part size", [0])[0]
    healthz = statistics.median(times["healthz"])
    print(f"\n{label}:")
    print(
        f"  cockpit page: {max(sizes) / 1024:.1f} KB at most ({min(sizes) / 1024:.1f} KB at least); "
        f"its main part (?part=main, fetched again by each open cockpit on every change): {part / 1024:.1f} KB"
    )
    if max(sizes) >= PAGE_LIMIT:
        problems.append(f"{label}: the cockpit page is {max(sizes) / 1024:.0f} KB")
    print(f"  {'request':<12} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p50/healthz':>12}")
    row = {"size_kb": max(sizes) / 1024}
    for name, values in times.items():
        if not values:
            continue
        p50, p95, top = statistics.median(values), percentile(values, 95), max(values)
        row[name] = (p50, p95, top)
        print(
            f"  {name:<12} {len(values):4} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {top * 1000:8.1f} {p50 / healthz:11.1f}x"
        )
        if name in CYCLE and p95 >= ACTION_P95_LIMIT:
            problems.append(f"{label}: {name} p95 {p95 * 1000:.0f} ms")
    return row


def run_sqlite(args) -> tuple[dict, list[str]]:
    with fresh_instance(keep=args.keep) as instance:
        setup = in_session(instance.env, args.speakers)
        print(f"SQLite, flask run: meeting {setup['meeting']}, {args.speakers} speakers ({setup['registered']:.0f} s)")
        with serve(instance) as server:
            times, problems = measure(server.base, setup["meeting"], args.cycles)
            tracebacks = server.log().count("Traceback (most recent call last)")
        if tracebacks:
            problems.append(f"{tracebacks} traceback(s) in the server log")
    return report(f"SQLite, flask run, {args.speakers} speakers", times, problems), problems


def run_postgres(args) -> tuple[dict, list[str]]:
    directory = Path(tempfile.mkdtemp(prefix="dais-bench-cockpit-"))
    database = Database("postgres", postgres=args.postgres, directory=directory)
    database.create()
    port = free_port()
    base = f"http://{HOST}:{port}"
    env = environment(database.url, args.redis, base, directory)
    server = None
    setup = {"meeting": 0}
    try:
        instance = Instance(directory, env)
        instance.flask("db", "upgrade")
        instance.flask("seed-demo", "--force")
        setup = in_session(env, args.speakers)
        clear_live(args.redis, setup["meeting"])
        label = f"PostgreSQL, gunicorn gthread {args.app_workers}x{args.app_threads}, {args.speakers} speakers"
        print(f"{label}: meeting {setup['meeting']} ({setup['registered']:.0f} s to register)")
        server = gunicorn(env, port, directory, workers=args.app_workers, threads=args.app_threads)
        wait_until_up(base, server.popen, log=server.log)
        times, problems = measure(base, setup["meeting"], args.cycles)
        tracebacks = server.log().count("Traceback (most recent call last)")
        if tracebacks:
            problems.append(f"{tracebacks} traceback(s) in the gunicorn log ({server.log_path})")
        return report(label, times, problems), problems
    finally:
        if server is not None:
            server.stop()
        clear_live(args.redis, setup["meeting"], env["JOBS_QUEUE"])
        if not args.keep:
            database.drop()
            shutil.rmtree(directory, ignore_errors=True)
        else:
            print(f"kept: {database.label}, logs in {directory}", file=sys.stderr)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench.cockpit", description=__doc__.split("\n\n")[0])
    p.add_argument("--speakers", type=int, default=2000, help="speakers waiting on the item (2000)")
    p.add_argument("--cycles", type=int, default=30, help="rounds of call next, start, spoke (30)")
    p.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432", help="server for the temp database")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis (live broker, job queue)")
    p.add_argument("--app-workers", type=int, default=2, help="gunicorn processes (2)")
    p.add_argument("--app-threads", type=int, default=4, help="threads per gunicorn process (4)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir and the database")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    started = time.monotonic()
    problems: list[str] = []
    runs = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    for kind in runs:
        _row, found = (run_sqlite if kind == "sqlite" else run_postgres)(args)
        problems += found
    print(f"\n{time.monotonic() - started:.0f} s in all")
    if problems:
        print("\nFAILED:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(f"\nOK: page under {PAGE_LIMIT // 1024} KB, every action's p95 under {ACTION_P95_LIMIT * 1000:.0f} ms.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
