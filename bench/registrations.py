"""Benchmark: N residents register to speak on one item at the same moment, on SQLite, through ``make run``'s
server. Issue 16, "nothing lost".

    .venv/bin/python -m bench.registrations                  # 300 residents, the demo's upcoming resolution
    .venv/bin/python -m bench.registrations --item general   # the item no one has signed up for yet
    .venv/bin/python -m bench.registrations -n 50 --keep     # fewer, and keep the temp dir (database, log)

A fresh instance (temp dir, migrated, demo seeded) is served by ``flask run`` on 127.0.0.1 and a free port
(bench/_server.py). Each simulated resident is a thread with its own cookie jar: it opens the form (GET, which
sets the session the form's CSRF token belongs to), waits at a barrier with all the others, then POSTs its
form with its own name and email. A burst of the same size on GET /healthz (one ``SELECT 1``) is measured
first on the same server, for scale, and 20 of each are sent one at a time afterwards.

Then the database is read directly (sqlite3) and checked:

- no answer was a 500, and every request got an answer;
- every request answered 2xx/3xx has its registration saved, once, and a 3xx goes to that registration's
  private page, whose link opens on it;
- every 503 (busy) saved nothing, except one whose page says that part of it may have been saved: those are
  counted as "maybe saved"; any other refusal of these valid forms (422, 429) is a failure;
- the item's queue places are unique and gap-free, 1..N, and the counter (comment_periods.last_position) is N;
- ``flask verify``: the audit log's hash chain is intact.

Exit status 0 when every check holds, 1 otherwise.
"""

import argparse
import contextlib
import http.cookiejar
import re
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bench._server import fresh_instance, serve

#: The form's own limit (config.py) is per IP: 10 a minute, 60 an hour. All the simulated residents come from
#: 127.0.0.1, and the app trusts no X-Forwarded-For unless PROXY_COUNT is set (it is not, in ``make run``).
RATE_LIMIT_FOR_RUN = "100000 per minute"
TIMEOUT = 180  # seconds a resident waits for an answer
SOLO = 20  # requests of each kind sent one at a time after the bursts, for the unloaded cost
NAME_PREFIX = "Bench Resident"
ITEMS = {
    # the demo's upcoming regular meeting: its resolution already has 40 speakers (places 1..40)
    "resolution": "Resolution adopting the hurricane season emergency plan",
    # the same meeting's general public comment: no sign-up yet, so the first request creates the comment period
    "general": "General public comment",
}


@dataclass
class Answer:
    name: str
    email: str
    status: int | str = "no answer"  # an int, or "error: ..." when no HTTP answer came
    seconds: float = 0.0
    location: str = ""
    body: str = ""
    extra: dict = field(default_factory=dict)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _client():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())


def _fetch(opener, url: str, data: dict | None = None) -> tuple[int, dict, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body)  # noqa: S310 (our own server)
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            return response.status, dict(response.headers), response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


class _Forms(HTMLParser):
    """The page's forms, each a dict of its input fields' names and values."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif tag == "input" and self.forms and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.forms[-1].setdefault(attrs["name"], attrs.get("value") or "")


def speak_form_fields(html: str) -> dict:
    """The hidden fields of the register-to-speak form (CSRF token, one-time key, notice version)."""
    parser = _Forms()
    parser.feed(html)
    form = next((f for f in parser.forms if "submission_key" in f), None)
    if form is None:
        raise RuntimeError("no register-to-speak form on the page")
    return form


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def _burst(count: int, work, on_release=None) -> float:
    """Run work(n, barrier) in ``count`` threads; return the wall time from the barrier's release to the end."""
    barrier = threading.Barrier(count + 1)
    threads = [threading.Thread(target=work, args=(n, barrier), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=TIMEOUT)  # every thread is ready (its form loaded): release them all at once
    started = time.perf_counter()
    if on_release is not None:
        on_release()
    for thread in threads:
        thread.join(timeout=TIMEOUT + 30)
    return time.perf_counter() - started


class _NoBarrier:
    def wait(self, timeout=None):
        return 0


def probe(base: str, answer: Answer, barrier=_NoBarrier()) -> None:
    """GET /healthz (one SELECT 1): the trivial route the registrations are compared with."""
    opener = _client()
    barrier.wait(timeout=TIMEOUT)
    start = time.perf_counter()
    try:
        answer.status, _headers, _body = _fetch(opener, base + "/healthz")
    except Exception as error:  # noqa: BLE001 (counted and reported)
        answer.status = f"error: {type(error).__name__}"
    answer.seconds = time.perf_counter() - start


def register(base: str, meeting_id: int, item_id: int, answer: Answer, n: int, barrier=_NoBarrier()) -> None:
    """One resident: open the form (untimed), wait at the barrier, send it (timed)."""
    url = f"{base}/meetings/{meeting_id}/speak"
    opener = _client()
    try:
        status, _headers, page = _fetch(opener, f"{url}?item={item_id}")
        if status != 200:
            raise RuntimeError(f"GET form answered {status}")
        fields = speak_form_fields(page)
    except Exception as error:  # noqa: BLE001 (counted as no answer; the others go on)
        answer.status = f"error: form: {error}"
        barrier.wait(timeout=TIMEOUT)
        return
    fields.update(
        {
            "agenda_item_id": str(item_id),
            "name": answer.name,
            "email": answer.email,
            "stance": ("support", "oppose", "neutral")[n % 3],
            "participation": "remote" if n % 10 == 9 else "in_person",
            "website": "",
        }
    )
    barrier.wait(timeout=TIMEOUT)
    start = time.perf_counter()
    try:
        answer.status, headers, answer.body = _fetch(opener, url, fields)
        answer.location = headers.get("Location", "")
    except Exception as error:  # noqa: BLE001 (counted and reported)
        answer.status = f"error: {type(error).__name__}: {error}"
    answer.seconds = time.perf_counter() - start


def residents(count: int, tag: str = "") -> list[Answer]:
    return [Answer(f"{NAME_PREFIX} {tag}{n:04d}", f"bench.resident.{tag}{n:04d}@example.org") for n in range(count)]


def healthz_burst(base: str, count: int) -> tuple[list[Answer], float]:
    answers = [Answer(f"probe {n}", "") for n in range(count)]
    return answers, _burst(count, lambda n, barrier: probe(base, answers[n], barrier))


def registration_burst(
    base: str, meeting_id: int, item_id: int, count: int, on_release=None
) -> tuple[list[Answer], float]:
    answers = residents(count)

    def work(n, barrier):
        register(base, meeting_id, item_id, answers[n], n, barrier)

    return answers, _burst(count, work, on_release)


@contextlib.contextmanager
def write_lock_held(database, seconds: float):
    """Another process's writer (a long job, a backup) holding SQLite's write lock: taken now, released
    ``seconds`` after the burst starts (call the yielded function at the barrier's release)."""
    if not seconds:
        yield None
        return
    holder = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(seconds, holder.rollback)
    try:
        yield timer.start
        timer.join()
    finally:
        timer.cancel()
        if holder.in_transaction:
            holder.rollback()
        holder.close()


def one_at_a_time(base: str, meeting_id: int, item_id: int, count: int) -> tuple[list[Answer], list[Answer]]:
    """The same two requests with no one else on the server: what each costs by itself."""
    probes, answers = [Answer(f"probe {n}", "") for n in range(count)], residents(count, "solo-")
    for n in range(count):
        probe(base, probes[n])
        register(base, meeting_id, item_id, answers[n], n)
    return probes, answers


def private_links_that_fail(base: str, answers: list[Answer]) -> list[str]:
    """Open each redirected resident's private link (its token is in the address): it must show their request."""

    def fails(answer: Answer) -> bool:
        try:
            status, _headers, page = _fetch(_client(), base + answer.location)
        except Exception:  # noqa: BLE001 (a link that does not open)
            return True
        return status != 200 or answer.name not in page

    redirected = [a for a in answers if a.status in (302, 303)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return [a.name for a, failed in zip(redirected, pool.map(fails, redirected), strict=True) if failed]


def find_item(conn, which: str) -> tuple[int, int]:
    """(meeting id, item id) of the demo's upcoming meeting's item named ITEMS[which]."""
    row = conn.execute(
        "SELECT m.id, i.id FROM meetings m JOIN agenda_items i ON i.meeting_id = m.id "
        "WHERE m.status = 'noticed' AND m.agenda_published_at IS NOT NULL AND i.title = ?",
        (ITEMS[which],),
    ).fetchone()
    if row is None:
        raise RuntimeError(f"the demo has no upcoming item {ITEMS[which]!r}")
    return row


def latency_line(label: str, answers: list[Answer]) -> tuple[float, float, float]:
    seconds = [a.seconds for a in answers if isinstance(a.status, int)]
    p50, p95, worst = percentile(seconds, 50), percentile(seconds, 95), max(seconds, default=float("nan"))
    print(f"  {label:<14} p50 {p50 * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms   max {worst * 1000:8.1f} ms")
    return p50, p95, worst


def status_line(label: str, answers: list[Answer], wall: float) -> None:
    counts = Counter(a.status if isinstance(a.status, int) else "no answer" for a in answers)
    shown = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items(), key=lambda kv: str(kv[0])))
    print(f"  {label:<14} {shown}   (burst took {wall:.2f} s, {len(answers) / wall:.0f} requests/s)")


def check(conn, answers: list[Answer], item_id: int) -> list[str]:
    """What went wrong, as sentences (empty: every check holds). Prints the figures it checks."""
    problems = []
    rows = conn.execute(
        "SELECT id, name, queue_position FROM speaker_requests WHERE agenda_item_id = ? AND name LIKE ?",
        (item_id, f"{NAME_PREFIX} %"),
    ).fetchall()
    saved = Counter(name for _id, name, _pos in rows)
    ids = {name: request_id for request_id, name, _pos in rows}
    twice = [name for name, n in saved.items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} residents saved more than once, e.g. {twice[:3]}")

    no_answer = [a for a in answers if not isinstance(a.status, int)]
    if no_answer:
        problems.append(f"{len(no_answer)} requests got no answer, e.g. {no_answer[0].status}")
    errors = [a for a in answers if a.status == 500]
    if errors:
        problems.append(f"{len(errors)} answers of 500")
    ok = [a for a in answers if isinstance(a.status, int) and a.status < 400]
    lost = [a.name for a in ok if a.name not in saved]
    if lost:
        problems.append(f"{len(lost)} answered 2xx/3xx but not saved, e.g. {lost[:3]}")
    astray = [a.name for a in ok if a.status in (302, 303) and f"/speak/{ids.get(a.name)}-" not in a.location]
    if astray:
        problems.append(f"{len(astray)} redirects not to the resident's own request, e.g. {astray[:3]}")
    maybe = [a for a in answers if a.status == 503 and "may have been saved" in a.body]
    unexpected = [a for a in answers if isinstance(a.status, int) and a.status >= 400 and a.status not in (500, 503)]
    if unexpected:
        kinds = Counter(a.status for a in unexpected)
        problems.append(f"valid forms refused (the run's premise is broken): {dict(kinds)}, e.g. {unexpected[0].name}")
    refused = [a for a in answers if isinstance(a.status, int) and a.status >= 400 and a not in maybe]
    saved_anyway = [a.name for a in refused if a.name in saved]
    if saved_anyway:
        problems.append(f"{len(saved_anyway)} refused (4xx/5xx) yet saved, e.g. {saved_anyway[:3]}")
    unknown = [a.name for a in no_answer if a.name in saved]
    print(
        f"  saved: {len(saved)} of {len(answers)} residents; answered 2xx/3xx: {len(ok)}; refused: {len(refused)}"
        f" (503: {sum(a.status == 503 for a in refused)}); maybe saved: {len(maybe)}"
        + (f"; no answer but saved: {len(unknown)}" if unknown else "")
    )

    positions = [
        pos
        for (pos,) in conn.execute(
            "SELECT queue_position FROM speaker_requests WHERE agenda_item_id = ? AND queue_position IS NOT NULL",
            (item_id,),
        )
    ]
    last = conn.execute("SELECT last_position FROM comment_periods WHERE agenda_item_id = ?", (item_id,)).fetchone()
    last = last[0] if last else 0
    expected = list(range(1, len(positions) + 1))
    print(f"  queue places on the item: {len(positions)}, counter at {last}")
    if sorted(positions) != expected:
        dupes = [p for p, n in Counter(positions).items() if n > 1]
        gaps = sorted(set(expected) - set(positions))
        problems.append(f"queue places not 1..{len(positions)}: duplicates {dupes[:5]}, gaps {gaps[:5]}")
    if last != len(positions):
        problems.append(f"the item's counter says {last}, but {len(positions)} places are taken")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--residents", type=int, default=300, help="concurrent registrations (300)")
    parser.add_argument("--item", choices=sorted(ITEMS), default="resolution", help="which item (resolution)")
    parser.add_argument(
        "--hold-lock",
        type=float,
        default=0,
        metavar="SECONDS",
        help="hold SQLite's write lock from another connection for the burst's first SECONDS (0): exercises the "
        "503 'busy, nothing was saved' answer (the app waits up to 10 s for the lock)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server.log)")
    args = parser.parse_args(argv)
    count = args.residents

    print(
        f"PUBLIC_FORM_RATE_LIMIT raised to {RATE_LIMIT_FOR_RUN!r} for this run: the form's limit is per IP "
        "(10 a minute by default), every simulated resident comes from 127.0.0.1, and the app does not trust "
        "X-Forwarded-For (PROXY_COUNT=0, as in make run)."
    )
    with fresh_instance(keep=args.keep, PUBLIC_FORM_RATE_LIMIT=RATE_LIMIT_FOR_RUN) as instance:
        with instance.connect() as conn:
            meeting_id, item_id = find_item(conn, args.item)
            before = conn.execute("SELECT count(*) FROM speaker_requests WHERE agenda_item_id = ?", (item_id,))
            print(f"item {item_id} ({ITEMS[args.item]}), meeting {meeting_id}: {before.fetchone()[0]} speakers before")
        if args.hold_lock:
            print(f"another connection holds SQLite's write lock for the burst's first {args.hold_lock:g} s")
        with serve(instance) as server:
            print(f"server: flask run (Werkzeug, threaded) at {server.base}, SQLite {instance.database}")
            probes, probe_wall = healthz_burst(server.base, count)
            with write_lock_held(instance.database, args.hold_lock) as release_later:
                answers, wall = registration_burst(server.base, meeting_id, item_id, count, release_later)
            solo_probes, solo = one_at_a_time(server.base, meeting_id, item_id, SOLO)
            broken_links = private_links_that_fail(server.base, answers + solo)
        log = server.log()

        print(f"\n{count} concurrent requests each:")
        status_line("GET /healthz", probes, probe_wall)
        status_line("POST speak", answers, wall)
        print("latency (from the barrier's release to the whole answer read):")
        h50, h95, hmax = latency_line("GET /healthz", probes)
        r50, r95, rmax = latency_line("POST speak", answers)
        print(f"  ratio speak/healthz: p50 x{r50 / h50:.1f}, p95 x{r95 / h95:.1f}, max x{rmax / hmax:.1f}")
        print(f"  throughput ratio healthz/speak: x{wall / probe_wall:.1f} (burst wall times)")
        print(f"  per registration, wall time of the burst / residents: {wall / count * 1000:.1f} ms")
        print(f"one at a time ({SOLO} of each, nobody else on the server):")
        s50, _s95, _smax = latency_line("GET /healthz", solo_probes)
        o50, _o95, _omax = latency_line("POST speak", solo)
        print(f"  ratio speak/healthz: p50 x{o50 / s50:.1f}")

        print(f"\nchecks (database read directly; {count} residents in the burst, then {SOLO} one at a time):")
        with instance.connect() as conn:
            problems = check(conn, answers + solo, item_id)
        redirected = sum(a.status in (302, 303) for a in answers + solo)
        print(f"  private links that open on the resident's request: {redirected - len(broken_links)} of {redirected}")
        if broken_links:
            problems.append(f"{len(broken_links)} private links do not open, e.g. {broken_links[:3]}")
        mails = len(list(instance.outbox.glob("*.eml"))) if instance.outbox.exists() else 0
        print(f"  confirmation mails in the outbox: {mails}")
        tracebacks = log.count("Traceback (most recent call last)")
        print(f"  tracebacks in the server log: {tracebacks}")
        try:
            print("  " + instance.flask("verify").strip().splitlines()[-1])
        except RuntimeError as error:
            problems.append(f"flask verify failed: {error}")
        if tracebacks and args.keep:
            print(f"  see {instance.directory / 'server.log'}")
        samples = {a.status: a for a in answers + solo if a.status not in (302, 303) and isinstance(a.status, int)}
        for status, sample in sorted(samples.items()):
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", sample.body))
            print(f"  sample {status} ({sample.name}): {text[:300]}")

    if problems:
        print("\nFAILED:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("\nOK: no 500, every answered registration saved once, queue places unique and gap-free.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
