"""Benchmark: a big city's legislative record (issue 20, the scale check). A meeting with 1,645 agenda items (as
Chicago's council once had) and a matter with 40 appearances: their pages render within the budget, each under
1 s on PostgreSQL, in a fixed number of queries.

    .venv/bin/python -m bench.legislative                      # 1,645 items, 40 appearances, 10 rounds (3-4 min)
    .venv/bin/python -m bench.legislative --items 400 --rounds 5
    .venv/bin/python -m bench.legislative --packet             # then the packet, built by the worker (10 min more)
    .venv/bin/python -m bench.legislative --keep               # keep the database and the logs

A temporary PostgreSQL database on ``--postgres``, migrated and seeded with the demo (``flask seed-demo``), then
``bench/_agenda.py`` adds the long agenda (a noticed regular meeting, its agenda published, called to order, the
roll taken and its first resolution taken up) and the long-lived matter; and the same again at a small size
(``--small-items`` 12 items, ``--small-appearances`` 2), so each page's query count can be compared at both sizes.
Served as production serves it (``bench/_production.py``: ``DAIS_CONFIG=production``, Redis, gunicorn gthread
``--app-workers`` x ``--app-threads``), with the public page cache off (``CACHE_TYPE=NullCache``): what is timed
is the building of each page. The demo clerk signs in for the staff pages; the public ones are asked anonymously.

Each page's query count is taken in-process first (Flask's test client on the same database, statements counted;
the agenda PDF asked with its ETag, so nothing is built there), at both sizes, with the CPU time one request takes
in its thread (the least of three: a figure the machine's load hardly moves, to compare runs). Then, over HTTP:
the agenda PDF as the first reader after a change gets it, built by WeasyPrint in the request (its kept copy
removed before each of ``--pdf-builds`` requests); then ``--rounds`` rounds of one ``GET /healthz`` (one
``SELECT 1``, the trivial route) and each page once, one request at a time, each on a new connection, after two
warm-up requests of each. For each page: its query count, the p50 and p95 of its time, the p50 over
``/healthz``'s p50 in the same rounds, its size and its CPU time. Also the time the packet's cover (its index:
every item and the page it starts at) takes to render alone, in-process; and with ``--packet``, once the server
is stopped, the whole packet built by the worker (``flask worker --burst``, as production runs it; a staff report
rendered per item, so 4 to 10 minutes here).

Checks (exit status 1 if one fails): every page answers 200 and is under 1 s at p50 (``--limit-ms``); its query
count is the same at both sizes; no traceback in the server's log; with ``--packet``, the build is done.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._agenda import build
from bench._production import environment, gunicorn
from bench._server import FLASK, HOST, ROOT, Instance, free_port, wait_until_up
from bench.mail import Browser, Database, csrf_token, demo_password
from bench.registrations import percentile

CLERK = "clerk@keywest.example"

#: (name, who asks, path); the path's fields come from what bench/_agenda.py made.
PAGES = [
    ("/healthz (trivial)", "public", "/healthz"),
    ("meeting page (public agenda)", "public", "/meetings/{meeting}"),
    ("agenda builder (staff meeting page)", "staff", "/staff/meetings/{meeting}"),
    ("cockpit", "staff", "/staff/meetings/{meeting}/live"),
    ("cockpit, main part (live refresh)", "staff", "/staff/meetings/{meeting}/live?part=main"),
    ("consent agenda motion form", "staff", "/staff/meetings/{meeting}/consent"),
    ("agenda PDF (kept copy)", "public", "/meetings/{meeting}/agenda.pdf"),
    ("meeting in the API (JSON)", "public", "/api/v1/meetings/{meeting}"),
    ("matter page (public)", "public", "/matters/{file_number}"),
    ("matter page (staff)", "staff", "/staff/matters/{matter}"),
]

COUNT = """
import json, re, time
from sqlalchemy import event
from app.extensions import db
from wsgi import app

pages = json.loads({pages!r})
public, staff = app.test_client(), app.test_client()
login = staff.get("/login").get_data(as_text=True)
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
answer = staff.post("/login", data={{"email": {clerk!r}, "password": {password!r}, "csrf_token": token}})
assert answer.status_code in (302, 303), answer.status_code
statements = []
def before(conn, cursor, statement, parameters, context, executemany):
    statements.append(statement)
with app.app_context():
    engine = db.engine
out = {{}}
for name, (who, path) in pages.items():
    client = staff if who == "staff" else public
    # The agenda PDF is asked with its ETag: the same queries as for the kept copy, and nothing built here.
    headers = {{}}
    if path.endswith(".pdf"):
        headers["If-None-Match"] = client.get(path, headers={{"If-None-Match": '"x"'}}).headers["ETag"]
    client.get(path, headers=headers)  # warm: templates compiled, the user and the city read
    statements.clear()
    event.listen(engine, "before_cursor_execute", before)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    cpu = []
    for _ in range(3):  # the CPU time of the request in this thread, which the machine's load hardly changes; the
        started = time.thread_time()  # least of three, as the collector's pauses fall on every other request
        client.get(path, headers=headers)
        cpu.append(time.thread_time() - started)
    out[name] = [200 if response.status_code == 304 else response.status_code, len(statements), min(cpu)]
with app.app_context(), app.test_request_context():
    from flask_babel import force_locale
    from app.core.record import record_language
    from app.documents import packet_parts
    from app.documents.meetings import AGENDA, load_meeting
    meeting = load_meeting({meeting}, AGENDA)
    with force_locale(record_language()):
        started = time.perf_counter()
        plan = packet_parts.plan(meeting)
        planned = time.perf_counter() - started
        cover = packet_parts.cover_pdf(plan, [])
        out["_cover"] = [planned, time.perf_counter() - started - planned, len(cover)]
print("COUNTS " + json.dumps(out))
"""


def count(env: dict, made: dict) -> dict:
    """Each page's status, query count and CPU time, asked in-process on the same database; and the packet's cover."""
    agenda, matter = made["agenda"], made["matter"]
    fields = {"meeting": agenda["meeting"], "matter": matter["matter"], "file_number": matter["file_number"]}
    pages = {name: (who, path.format(**fields)) for name, who, path in PAGES}
    code = COUNT.format(pages=json.dumps(pages), clerk=CLERK, password=demo_password(), meeting=agenda["meeting"])
    done = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"counting the queries failed:\n{done.stdout}{done.stderr}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("COUNTS "))
    return json.loads(line.removeprefix("COUNTS "))


def sign_in(base: str) -> Browser:
    clerk = Browser(base)
    _status, _headers, page = clerk.request("/login")
    status, _headers, _body = clerk.request(
        "/login", {"email": CLERK, "password": demo_password(), "csrf_token": csrf_token(page)}
    )
    if status not in (302, 303):
        raise RuntimeError(f"sign-in answered {status}")
    return clerk


def size_of(headers: dict, body: str) -> int:
    """The answer's size in bytes as sent (Browser decodes the body, which a PDF's bytes do not survive)."""
    length = {k.lower(): v for k, v in headers.items()}.get("content-length")
    return int(length) if length else len(body.encode())


def measure(base: str, made: dict, rounds: int) -> dict[str, dict]:
    """{page: {"ms": [...], "bytes": n, "status": s}}, round after round, one request at a time."""
    agenda, matter = made["agenda"], made["matter"]
    fields = {"meeting": agenda["meeting"], "matter": matter["matter"], "file_number": matter["file_number"]}
    browsers = {"public": Browser(base), "staff": sign_in(base)}
    results = {name: {"ms": [], "bytes": 0, "status": set()} for name, _who, _path in PAGES}
    for _ in range(2):  # warm every thread: templates compiled, connections pooled, the agenda PDF kept
        for _name, who, path in PAGES:
            browsers[who].request(path.format(**fields))
    for _round in range(rounds):
        for name, who, path in PAGES:
            browser = browsers[who]
            status, headers, body = browser.request(path.format(**fields))
            results[name]["ms"].append(browser.last * 1000)
            results[name]["bytes"] = size_of(headers, body)
            results[name]["status"].add(status)
    return results


def agenda_pdf_built(base: str, made: dict, uploads: Path, times: int = 3) -> tuple[list[float], int]:
    """The agenda PDF as the first reader after a change gets it: the kept copy removed, built in the request."""
    meeting = made["agenda"]["meeting"]
    browser = Browser(base)
    took = []
    size = 0
    for _ in range(times):
        for kept in (uploads / "documents" / "agenda").glob(f"{meeting}-*.pdf"):
            kept.unlink()
        status, headers, body = browser.request(f"/meetings/{meeting}/agenda.pdf")
        if status != 200:
            raise RuntimeError(f"the agenda PDF answered {status}")
        took.append(browser.last * 1000)
        size = size_of(headers, body)
    return took, size


def packet_job(env: dict, database: Database, meeting: int) -> dict:
    """Run the queued packet build with ``flask worker --burst`` and read the build's row."""
    started = time.perf_counter()
    worker = subprocess.run(  # noqa: S603 (our own command line)
        [str(FLASK), "worker", "--burst"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    seconds = time.perf_counter() - started
    if worker.returncode != 0:
        raise RuntimeError(f"the worker failed:\n{worker.stdout}{worker.stderr}")
    database.connect()
    row = database.rows(
        "SELECT status, started_at, finished_at, pages, size, total, problems FROM packet_builds "
        "WHERE meeting_id = ? ORDER BY id DESC LIMIT 1",
        meeting,
    )
    if not row:
        return {"status": "none", "worker_seconds": seconds}
    status, began, ended, pages, size, steps, problems = row[0]
    build_seconds = (ended - began).total_seconds() if began and ended else None
    return {
        "status": status,
        "build_seconds": build_seconds,
        "worker_seconds": seconds,
        "pages": pages,
        "size": size,
        "steps": steps,
        "problems": len(problems or []),
    }


def report(results: dict, counts: dict, small_counts: dict, built: tuple, limit_ms: float) -> list[str]:
    problems = []
    health = statistics.median(results["/healthz (trivial)"]["ms"])
    print(
        f"\n  {'page':<38} {'queries':>9} {'p50 ms':>8} {'p95 ms':>8} {'p50/healthz':>12} {'bytes':>10} {'CPU ms':>7}"
    )
    for name, _who, _path in PAGES:
        values = results[name]["ms"]
        p50, p95 = statistics.median(values), percentile(values, 95)
        status, queries, cpu = counts[name]
        small = small_counts[name][1]
        shown = f"{queries}" if small == queries else f"{small}->{queries}"
        print(
            f"  {name:<38} {shown:>9} {p50:8.1f} {p95:8.1f} {p50 / health:11.1f}x {results[name]['bytes']:>10,}"
            f" {cpu * 1000:7.0f}"
        )
        if results[name]["status"] != {200} or status != 200:
            problems.append(f"{name}: answered {sorted(results[name]['status'])} (in-process {status})")
        if p50 >= limit_ms:
            problems.append(f"{name}: p50 {p50:.0f} ms, over {limit_ms:.0f} ms")
        if small != queries:
            problems.append(f"{name}: {small} queries at the small size, {queries} at the big one")
    took, size = built
    p50 = statistics.median(took)
    print(
        f"  {'agenda PDF (built in the request)':<38} {'':>9} {p50:8.1f} {max(took):8.1f} {p50 / health:11.1f}x "
        f"{size:>10,}   (n={len(took)}, p95 column: max)"
    )
    return problems


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench.legislative", description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=1645, help="items on the long agenda (1645)")
    p.add_argument("--appearances", type=int, default=40, help="appearances of the long-lived matter (40)")
    p.add_argument("--small-items", type=int, default=12, help="items on the small twin agenda (12)")
    p.add_argument("--small-appearances", type=int, default=2, help="appearances of the small twin matter (2)")
    p.add_argument("--rounds", type=int, default=10, help="requests to each page, one at a time (10)")
    p.add_argument("--limit-ms", type=float, default=1000.0, help="each page's p50 must be under this (1000)")
    p.add_argument("--pdf-builds", type=int, default=1, help="times the agenda PDF is built in the request (1)")
    p.add_argument("--packet", action="store_true", help="then build the packet with the worker (minutes)")
    p.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432", help="server for the temp database")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis (live broker, job queue)")
    p.add_argument("--app-workers", type=int, default=1, help="gunicorn processes (1)")
    p.add_argument("--app-threads", type=int, default=4, help="threads per gunicorn process (4)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir and the database")
    return p


def main(argv=None) -> int:  # noqa: PLR0915 (the run, step by step)
    args = parser().parse_args(argv)
    started = time.monotonic()
    directory = Path(tempfile.mkdtemp(prefix="dais-bench-legislative-"))
    database = Database("postgres", postgres=args.postgres, directory=directory)
    database.create()
    port = free_port()
    base = f"http://{HOST}:{port}"
    env = environment(database.url, args.redis, base, directory, CACHE_TYPE="NullCache")
    server = None
    problems: list[str] = []
    try:
        instance = Instance(directory, env)
        instance.flask("db", "upgrade")
        instance.flask("seed-demo", "--force")
        small = build(env, items=args.small_items, appearances=args.small_appearances, tag="small")
        made = build(env, items=args.items, appearances=args.appearances, tag="big")
        agenda, matter = made["agenda"], made["matter"]
        print(
            f"PostgreSQL, gunicorn gthread {args.app_workers}x{args.app_threads}, CACHE_TYPE=NullCache\n"
            f"  the long agenda: meeting {agenda['meeting']}, {agenda['items']:,} items in sections "
            f"{agenda['sections']}; consent items labelled {agenda['labels']}; {agenda['documents']} documents, "
            f"{agenda['sponsored']} items sponsored, {agenda['tagged']} tagged; "
            f"written in {agenda['write_seconds']} s, "
            f"published in {agenda['publish_seconds']} s; in session, item {agenda['taken_up']} on the floor\n"
            f"  the long-lived matter {matter['file_number']}: {matter['appearances']} appearances, {matter['steps']} "
            f"steps, {matter['roll_calls']} roll calls, {matter['documents']} documents\n"
            f"  the small twins: {small['agenda']['items']} items, {small['matter']['appearances']} appearances\n"
            f"  built in {small['seconds'] + made['seconds']:.0f} s"
        )
        counts = count(env, made)
        small_counts = count(env, small)
        server = gunicorn(env, port, directory, workers=args.app_workers, threads=args.app_threads)
        wait_until_up(base, server.popen, log=server.log)
        built = agenda_pdf_built(base, made, directory / "uploads", args.pdf_builds)  # leaves the kept copy
        results = measure(base, made, args.rounds)
        problems += report(results, counts, small_counts, built, args.limit_ms)
        planned, rendered, cover_size = counts["_cover"]
        print(
            f"\n  packet index (the cover: every item and the page it starts at), rendered alone: "
            f"{rendered * 1000:.0f} ms ({cover_size:,} bytes), after reading the plan in {planned * 1000:.0f} ms"
        )
        tracebacks = server.log().count("Traceback (most recent call last)")
        if tracebacks:
            problems.append(f"{tracebacks} traceback(s) in the gunicorn log ({server.log_path})")
        server.stop()
        server = None
        if args.packet:
            job = packet_job(env, database, agenda["meeting"])
            print(
                f"  packet built by the worker: {job['status']}, {job.get('build_seconds') or 0:.1f} s for the build "
                f"({job['worker_seconds']:.1f} s for the worker process), {job.get('pages')} pages, "
                f"{(job.get('size') or 0) / 1e6:.1f} MB, {job.get('steps')} steps, {job.get('problems')} problems"
            )
            if job["status"] != "done":
                problems.append(f"the packet build ended {job['status']}")
    finally:
        if server is not None:
            server.stop()
        from bench.mail import clear_redis

        clear_redis(args.redis, env["JOBS_QUEUE"])
        if not args.keep:
            database.drop()
            shutil.rmtree(directory, ignore_errors=True)
        else:
            print(f"kept: {database.label}, logs in {directory}", file=sys.stderr)
    print(f"\n{time.monotonic() - started:.0f} s in all")
    if problems:
        print("\nFAILED:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(f"\nOK: every page under {args.limit_ms:.0f} ms at p50, in the same number of queries at both sizes.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
