"""Public pages as the archive grows (issue 18): a member's page, the resolution list, the home page and the Atom
feeds, on the demo archive and on the demo grown 100-fold (``bench/_archive.py``), each timed against
``/healthz`` in the same run.

    .venv/bin/python -m bench.archive_pages                       # SQLite (flask run), then PostgreSQL (gunicorn)
    .venv/bin/python -m bench.archive_pages --database sqlite --rounds 20
    .venv/bin/python -m bench.archive_pages --cache SimpleCache   # with the page cache (default: NullCache)

For each database: a fresh instance with the demo, and a copy of it whose archive is grown by ``--factor`` (100)
with bulk INSERTs; both are served at once (SQLite: two ``flask run``; PostgreSQL: two databases, two gunicorns)
and measured side by side, so that both see the same load of a shared machine. A round is one request to each
page (``/healthz`` first) on the demo's server then on the grown one, each on a new connection, one at a time;
``--rounds`` (30) rounds.

The figure per page is its p50 divided by ``/healthz`` p50 in the same rounds (both servers' requests: the machine
is shared, and the ratio is what survives its load), and the growth is that ratio at 100x over the ratio on the
demo. The target is a growth under 2. The page cache is off (``CACHE_TYPE=NullCache``) unless ``--cache`` says
otherwise, so what is timed is the work of building each page; the ETag's 304 is not used (no ``If-None-Match``).
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench._archive import grow
from bench._production import environment, gunicorn
from bench._server import HOST, Instance, free_port, fresh_instance, serve, wait_until_up
from bench.mail import Database

TARGET = 2.0


def pages(member_id: int) -> dict[str, str]:
    return {
        "healthz": "/healthz",
        "member": f"/members/{member_id}",
        "resolutions": "/resolutions",
        "home": "/",
        "atom (resolutions)": "/feeds/resolutions.atom",
        "atom (agendas)": "/feeds/agendas.atom",
        "meetings": "/meetings",
    }


def fetch_ms(url: str) -> float:
    started = time.perf_counter()
    request = urllib.request.Request(url, headers={"Accept-Language": "en", "Connection": "close"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (our own server)
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
    return (time.perf_counter() - started) * 1000


def measure(bases: dict[str, str], member_id: int, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Every page of every server in turn, round after round: the two archives see the same machine load."""
    urls = pages(member_id)
    for base in bases.values():
        for path in urls.values():  # warm up: templates compiled, connections pooled, plans cached
            fetch_ms(base + path)
    times = {label: {name: [] for name in urls} for label in bases}
    for _round in range(rounds):
        for name, path in urls.items():
            for label, base in bases.items():
                times[label][name].append(fetch_ms(base + path))
    return times


def summary(times: dict[str, list[float]], health: float) -> dict[str, tuple[float, float, float]]:
    """name -> (p50 ms, p95 ms, p50 / ``health``)."""
    out = {}
    for name, values in times.items():
        ordered = sorted(values)
        p50 = statistics.median(ordered)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        out[name] = (p50, p95, p50 / health)
    return out


def member_of(env: dict) -> int:
    """The member with the most votes (the demo's first voter in roll-call order)."""
    import subprocess

    from bench._server import ROOT

    code = (
        "from sqlalchemy import select, func\n"
        "from app.extensions import db\nfrom app.votes.models import Vote\nfrom wsgi import app\n"
        "with app.app_context():\n"
        "    print('MEMBER', db.session.execute(select(Vote.member_id, func.count()).group_by(Vote.member_id)"
        ".order_by(func.count().desc(), Vote.member_id)).first()[0])\n"
    )
    done = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return int(next(line for line in done.stdout.splitlines() if line.startswith("MEMBER")).split()[1])


def pooled_healthz(times: dict[str, dict[str, list[float]]]) -> float:
    """/healthz p50 over both servers' requests: the two run the same code on the same machine in the same rounds,
    so a difference between their own /healthz is noise (which process the scheduler ran), not the archive."""
    return statistics.median(times["demo"]["healthz"] + times["grown"]["healthz"])


def report(label: str, times: dict[str, dict[str, list[float]]], added: dict) -> list[str]:
    health = pooled_healthz(times)
    demo, grown = summary(times["demo"], health), summary(times["grown"], health)
    print(f"\n{label}: added {added}; /healthz p50 {health:.1f} ms (both servers)")
    print(f"  {'page':<20} {'demo p50/p95 ms':>17} {'ratio':>7} {'100x p50/p95 ms':>17} {'ratio':>7} {'growth':>7}")
    problems = []
    for name in demo:
        d50, d95, dr = demo[name]
        g50, g95, gr = grown[name]
        growth = gr / dr
        mark = "" if name == "healthz" or growth < TARGET else "  <-- over 2x"
        print(f"  {name:<20} {d50:8.1f} /{d95:7.1f} {dr:6.1f}x {g50:8.1f} /{g95:7.1f} {gr:6.1f}x {growth:6.2f}{mark}")
        if mark:
            problems.append(f"{label}: {name} grew {growth:.2f}x")
    return problems


def run_sqlite(args) -> list[str]:
    """The demo and a copy of it grown, each served by its own ``flask run``, measured side by side."""
    settings = {"CACHE_TYPE": args.cache}
    with fresh_instance(keep=args.keep, **settings) as grown_instance:
        member = member_of(grown_instance.env)
        demo_dir = Path(tempfile.mkdtemp(prefix="dais-bench-demo-"))
        try:
            shutil.copy(grown_instance.database, demo_dir / "dais.sqlite3")
            env = {**grown_instance.env, "DATABASE_URL": f"sqlite:///{demo_dir / 'dais.sqlite3'}"}
            env.update(MAIL_OUTBOX_DIR=str(demo_dir / "outbox"), UPLOAD_DIR=str(demo_dir / "uploads"))
            demo_instance = Instance(demo_dir, env)
            added = grow(grown_instance.env, args.factor)
            with serve(demo_instance) as demo, serve(grown_instance) as grown:
                times = measure({"demo": demo.base, "grown": grown.base}, member, args.rounds)
                tracebacks = demo.log().count("Traceback") + grown.log().count("Traceback")
        finally:
            shutil.rmtree(demo_dir, ignore_errors=True)
    problems = report(f"SQLite, flask run, CACHE_TYPE={args.cache}", times, added)
    return problems + ([f"SQLite: {tracebacks} traceback(s)"] if tracebacks else [])


def clear_cache(redis_url: str, prefixes: list[str]) -> None:
    """Remove the run's page-cache keys from Redis (the generation has no timeout; pages expire on their own)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for prefix in prefixes:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)


def run_postgres(args) -> list[str]:
    """Two databases, the demo and the demo grown, each served by its own gunicorn, measured side by side."""
    directory = Path(tempfile.mkdtemp(prefix="dais-bench-archive-"))
    label = f"PostgreSQL, gunicorn gthread {args.app_workers}x{args.app_threads} each, CACHE_TYPE={args.cache}"
    databases, servers, bases, envs = {}, {}, {}, {}
    try:
        for which in ("demo", "grown"):
            folder = directory / which
            folder.mkdir()
            database = databases[which] = Database("postgres", postgres=args.postgres, directory=folder)
            database.create()
            port = free_port()
            bases[which] = f"http://{HOST}:{port}"
            cache = {"CACHE_TYPE": args.cache, "CACHE_KEY_PREFIX": f"dais-bench-{which}-{port}:"}
            envs[which] = environment(database.url, args.redis, bases[which], folder, **cache)
            instance = Instance(folder, envs[which])
            instance.flask("db", "upgrade")
            instance.flask("seed-demo", "--force")
        member = member_of(envs["grown"])
        added = grow(envs["grown"], args.factor)
        for which in ("demo", "grown"):
            port = int(bases[which].rsplit(":", 1)[1])
            servers[which] = gunicorn(
                envs[which],
                port,
                directory / which,
                workers=args.app_workers,
                threads=args.app_threads,
                name=f"gunicorn-{which}",
            )
            wait_until_up(bases[which], servers[which].popen, log=servers[which].log)
        times = measure(bases, member, args.rounds)
        tracebacks = sum(server.log().count("Traceback") for server in servers.values())
        problems = report(label, times, added)
        return problems + ([f"PostgreSQL: {tracebacks} traceback(s)"] if tracebacks else [])
    finally:
        for server in servers.values():
            server.stop()
        clear_cache(args.redis, [env["CACHE_KEY_PREFIX"] for env in envs.values()])
        if not args.keep:
            for database in databases.values():
                database.drop()
            shutil.rmtree(directory, ignore_errors=True)
        else:
            print(f"kept: {', '.join(d.label for d in databases.values())}, logs in {directory}", file=sys.stderr)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench.archive_pages", description=__doc__.split("\n\n")[0])
    p.add_argument("--factor", type=int, default=100, help="how many times the demo's archive to add (100)")
    p.add_argument("--rounds", type=int, default=30, help="requests to each page, one at a time (30)")
    p.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--cache", default="NullCache", help="CACHE_TYPE for the server (NullCache: pages are built)")
    p.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432", help="server for the temp database")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis (production's broker and cache)")
    p.add_argument("--app-workers", type=int, default=1, help="gunicorn processes per server (1)")
    p.add_argument("--app-threads", type=int, default=4, help="threads per gunicorn process (4)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir and the database")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    started = time.monotonic()
    problems: list[str] = []
    for kind in ["sqlite", "postgres"] if args.database == "both" else [args.database]:
        problems += run_sqlite(args) if kind == "sqlite" else run_postgres(args)
    print(f"\n{time.monotonic() - started:.0f} s in all")
    if problems:
        print("\nOVER THE TARGET:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(f"\nOK: every page within {TARGET:.0f}x of its time on the demo archive (as a ratio to /healthz).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
