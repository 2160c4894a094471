"""Search at big-city scale (issue 18): /search and /api/v1/search over the generated archive (bench/archive.py) on
PostgreSQL, served by gunicorn as in production, with /healthz measured in the same run for the ratio.

    .venv/bin/python -m bench.search                  # reuses the database "dais_archive" (made first if missing)
    .venv/bin/python -m bench.search --rounds 5 --remake

One client, one request at a time (latency, not throughput): each round sends every query of each set (common
words, two-word phrases, rare terms, record numbers) to /search (relevance) and /api/v1/search (newest first),
each followed by a /healthz. Reports p50 / p95 / max per set and for /healthz, and the ratio of the p50s. Fails
(exit 1) on any 5xx but a 503 "took too long" (counted), on any answer slower than 2 s, or when a set misses
p50 < 50 ms or p95 < 200 ms.
"""

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg

from bench._production import environment, gunicorn
from bench._server import HOST, free_port, wait_until_up
from bench.archive import DEFAULT_NAME, archive_url, make_archive, vacuum

SETS = {
    "common words": ["city", "manager", "budget", "water", "street", "commission", "agreement", "presupuesto"],
    "two-word phrases": ["city manager", "fiscal year", "public hearing", "harbor beach", '"city manager"'],
    "rare terms": ["287g", "287(g)", "287 g", "desalination", "Bahama Village", "Mallory Square seawall", "zzyzx"],
    "record numbers": ["24-123", "2019-045", "F10500"],
}
LIMITS = {"p50": 50.0, "p95": 200.0, "max": 2000.0}


def _exists(name: str) -> bool:
    try:
        with psycopg.connect(archive_url(name)) as conn:
            return conn.execute("SELECT count(*) FROM search_documents").fetchone()[0] > 100_000
    except psycopg.Error:
        return False


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(name: str, rounds: int) -> int:
    vacuum(archive_url(name))
    directory = Path(tempfile.mkdtemp(prefix="dais-bench-search-"))
    port = free_port()
    base = f"http://{HOST}:{port}"
    url = archive_url(name).replace("postgresql://", "postgresql+psycopg://")
    env = environment(url, "", base, directory, JOBS_BACKEND="thread", API_RATE_LIMIT="100000 per minute")
    env.pop("REDIS_URL", None)
    server = gunicorn(env, port, directory, workers=2, threads=2, access_log=False)
    failures, times, timeouts, per_query = [], {"/healthz": []}, 0, {}
    try:
        wait_until_up(base, server.popen, log=server.log)
        conn = http.client.HTTPConnection(HOST, port, timeout=30)

        def get(path: str) -> tuple[int, float, bytes]:
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            return response.status, (time.perf_counter() - started) * 1000, body

        for q in [q for qs in SETS.values() for q in qs]:  # warm each plan and the caches once
            get("/search?" + urlencode({"q": q}))
        for _round in range(rounds):
            for label, queries in SETS.items():
                for q in queries:
                    for path in (
                        "/search?" + urlencode({"q": q}),
                        "/api/v1/search?" + urlencode({"q": q, "sort": "newest"}),
                    ):
                        status, ms, body = get(path)
                        if status == 503 and b"took too long" in body:
                            timeouts += 1
                        elif status != 200:
                            failures.append(f"{path}: {status}")
                        if ms > LIMITS["max"]:
                            failures.append(f"{path}: {ms:.0f} ms")
                        times.setdefault(label, []).append(ms)
                        per_query.setdefault(q, []).append(ms)
                        if path.startswith("/api/") and status == 200 and _round == 0:
                            meta = json.loads(body)["meta"]
                            print(f"  {q!r:28} {'1,000+' if meta['capped'] else meta['total']} matches")
                        status, ms, _body = get("/healthz")
                        times["/healthz"].append(ms)
    finally:
        server.stop()
    health = statistics.median(times["/healthz"])
    print(f"\n{'set':18} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p50/healthz':>12}")
    for label, values in times.items():
        p50, p95, top = pct(values, 50), pct(values, 95), max(values)
        print(f"{label:18} {len(values):4d} {p50:8.1f} {p95:8.1f} {top:8.1f} {p50 / health:12.1f}")
        if label != "/healthz" and (p50 > LIMITS["p50"] or p95 > LIMITS["p95"]):
            failures.append(f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms (limits {LIMITS['p50']}, {LIMITS['p95']})")
    print("\nslowest queries (p50 of /search and the API together):")
    for q, values in sorted(per_query.items(), key=lambda kv: -statistics.median(kv[1]))[:6]:
        print(f"  {q!r:28} p50 {statistics.median(values):7.1f} ms  max {max(values):7.1f} ms")
    print(f"timeouts (503 'took too long'): {timeouts}")
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default=DEFAULT_NAME, help="the archive's database on the local PostgreSQL")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--remake", action="store_true", help="generate the archive again first")
    args = parser.parse_args(argv)
    if args.remake or not _exists(args.name):
        make_archive(args.name)
    return run(args.name, args.rounds)


if __name__ == "__main__":
    sys.exit(main())
