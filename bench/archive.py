"""A big-city archive in PostgreSQL, written with COPY (not through the services): 20 years of meetings,
150,000 agenda items, 20,000 numbered resolutions, 1,000 meetings whose items carry attachments with text, and
approved minutes.

    .venv/bin/python -m bench.archive                      # a new database "dais_archive" on the local server
    .venv/bin/python -m bench.archive --url postgresql://root@127.0.0.1:5432/other --items 15000 --resolutions 2000

The database is dropped and made again: ``flask db upgrade`` then ``flask seed-demo`` (the demo city gives the
body, members, users and the city profile), then the generated rows, then ``flask search rebuild`` (skip it with
``--no-index``). Text is drawn from a fixed vocabulary with a Zipf-like law (``random.Random(seed)``: the same
archive every time), so some words are common ("city" is in most items), some phrases frequent ("city manager")
and a few terms rare (``RARE_TERMS``: one item in ~5,000). ``archive_url()`` and ``generate()`` are reusable by
other benchmarks.
"""

import argparse
import io
import os
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).with_name("flask")
SERVER = "postgresql://root@127.0.0.1:5432"
DEFAULT_NAME = "dais_archive"

COMMON = [
    "city",
    "manager",
    "commission",
    "budget",
    "approve",
    "contract",
    "street",
    "park",
    "water",
    "police",
    "fire",
    "department",
    "agreement",
    "public",
    "hearing",
    "resolution",
    "ordinance",
    "amendment",
    "fiscal",
    "year",
    "funding",
    "grant",
    "staff",
    "report",
    "recommend",
    "authorize",
    "construction",
    "project",
    "services",
    "county",
    "state",
    "federal",
    "housing",
    "zoning",
    "permit",
    "property",
    "tax",
    "code",
    "review",
    "plan",
    "emergency",
    "utility",
    "sewer",
    "traffic",
    "safety",
    "parking",
    "harbor",
    "beach",
    "community",
    "development",
    "program",
    "lease",
]
FILLER = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "for",
    "on",
    "with",
    "by",
    "at",
    "from",
    "as",
    "is",
    "be",
    "this",
    "that",
    "will",
    "shall",
    "said",
    "such",
    "any",
    "all",
    "under",
    "within",
    "between",
    "each",
    "other",
    "which",
    "upon",
    "into",
    "city's",
    "pursuant",
    "section",
    "provided",
    "including",
    "whereas",
    "therefore",
    "hereby",
]
SPANISH = [
    "votación",
    "votaciones",
    "presupuesto",
    "ciudad",
    "comisión",
    "vivienda",
    "acuerdo",
    "audiencia",
    "pública",
    "calle",
    "parque",
    "agua",
    "seguridad",
    "desarrollo",
    "comunidad",
    "permiso",
    "propiedad",
    "impuesto",
]
#: Terms that occur in about one item in 5,000 ("287(g)" is written three ways, as records do).
RARE_TERMS = ("287(g)", "287 g", "287g", "Stock Island desalination", "Mallory Square seawall", "Bahama Village")
NAMES = [
    "Johnson",
    "Garcia",
    "Smith",
    "Rodriguez",
    "Williams",
    "Martinez",
    "Brown",
    "Lopez",
    "Davis",
    "Hernandez",
    "Wilson",
    "Perez",
    "Moore",
]


MEETING_COLUMNS = (
    "id", "body_id", "kind", "title", "start_at", "location", "purpose", "status", "first_published_at",
    "agenda_published_at", "sequence", "created_at", "updated_at",
)  # fmt: skip
ITEM_COLUMNS = (
    "id", "meeting_id", "section", "position", "label", "title", "body_md", "item_type", "file_number",
    "fiscal_impact", "public_comment_required", "created_at", "matter_id",
)  # fmt: skip
#: Every item is a matter's appearance (issue 20): one matter per generated item, its id offset like the items'.
MATTER_COLUMNS = ("id", "file_number", "matter_type", "title", "summary", "status", "created_at", "updated_at")
RESOLUTION_COLUMNS = (
    "id", "agenda_item_id", "title", "text_md", "status", "number", "number_year", "number_seq", "adopted_on",
    "effective_on", "created_at",
)  # fmt: skip
ATTACHMENT_COLUMNS = (
    "id", "agenda_item_id", "original_filename", "stored_name", "content_type", "size", "sha256", "created_at",
    "text_content",
)  # fmt: skip


def archive_url(name: str = DEFAULT_NAME) -> str:
    return f"{SERVER}/{name}"


class Words:
    """Words with a Zipf-like law: the i-th word of the vocabulary drawn with weight 1 / (i + 1)."""

    def __init__(self, rng: random.Random):
        extra = [f"{a}{b}" for a in ("pro", "re", "sub", "inter", "con", "de") for b in COMMON]  # a long tail
        self.vocabulary = COMMON + FILLER + SPANISH + extra
        rng.shuffle(self.vocabulary)
        weights = [1 / (i + 1) for i in range(len(self.vocabulary))]
        total, running, self.cumulative = sum(weights), 0.0, []
        for w in weights:
            running += w / total
            self.cumulative.append(running)
        self.rng = rng

    def text(self, n: int) -> str:
        words = self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=n)
        if self.rng.random() < 0.3:
            words.insert(self.rng.randrange(len(words)), "city manager")
        if self.rng.random() < 1 / 5000:
            words.insert(self.rng.randrange(len(words)), self.rng.choice(RARE_TERMS))
        return " ".join(words)

    def title(self) -> str:
        return self.text(self.rng.randint(5, 12)).capitalize()[:290]


def _copy(cursor, table: str, columns: tuple, rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v).replace("\\", "\\\\").replace("\t", " ") for v in row))
        buffer.write("\n")
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def generate(
    url: str, *, items: int = 150_000, resolutions: int = 20_000, years: int = 20, with_attachments: int = 1_000
) -> dict:
    """Write the generated rows into the migrated, demo-seeded database at ``url``; returns the counts."""
    rng = random.Random(18)  # noqa: S311  (the same archive every run, not a secret)
    words = Words(rng)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        body_id = cur.execute("SELECT min(id) FROM bodies").fetchone()[0]
        meeting_id = cur.execute("SELECT coalesce(max(id), 0) FROM meetings").fetchone()[0] + 1000
        item_id = cur.execute("SELECT coalesce(max(id), 0) FROM agenda_items").fetchone()[0] + 1000
        matter_offset = cur.execute("SELECT coalesce(max(id), 0) FROM matters").fetchone()[0] + 1000 - item_id
        matter_rows = []
        per_meeting = 20
        n_meetings = -(-items // per_meeting)
        first = date.today().replace(month=1, day=1) - timedelta(days=365 * years)
        span = 365 * years
        meetings, item_rows, resolution_rows, attachment_rows, minutes_rows = [], [], [], [], []
        resolution_every = max(1, items // resolutions)
        sequence_by_year: dict[int, int] = {}
        attach_every = max(1, n_meetings // max(1, with_attachments))
        for m in range(n_meetings):
            mid = meeting_id + m
            start = datetime.combine(first + timedelta(days=span * m // n_meetings), datetime.min.time(), UTC)
            start += timedelta(hours=22)
            published = start - timedelta(days=10)
            title = rng.choice(["Regular City Commission Meeting", "Special Call Meeting", "Budget Workshop"])
            meetings.append(
                (mid, body_id, "regular", title, start, "City Hall, 1300 White Street", words.text(12), "adjourned",
                 published, published, 0, published, published)
            )  # fmt: skip
            minutes_rows.append((mid, mid, words.text(400), "approved", start, start))
            for p in range(per_meeting):
                iid = item_id + m * per_meeting + p
                n = m * per_meeting + p
                if n >= items:
                    break
                kind = "resolution" if n % resolution_every == 0 else rng.choice(["motion", "report", "presentation"])
                file_number = f"F{iid}"
                title = words.title()
                matter_type = {"resolution": "resolution", "report": "report"}.get(kind, "other")
                matter_rows.append(
                    (iid + matter_offset, file_number, matter_type, title, "", "adopted", published, published)
                )
                item_rows.append(
                    (iid, mid, "Regular agenda", p + 1, f"{p + 1}", title, words.text(80), kind, file_number,
                     "", True, published, iid + matter_offset)
                )  # fmt: skip
                if kind == "resolution" and len(resolution_rows) < resolutions:
                    year = start.year
                    seq = sequence_by_year[year] = sequence_by_year.get(year, 0) + 1
                    number = f"{year % 100:02d}-{seq:03d}"
                    resolution_rows.append(
                        (iid, iid, words.title(), words.text(150), "adopted", number, year, seq, start.date(),
                         start.date(), published)
                    )  # fmt: skip
                if m % attach_every == 0 and p < 5:
                    content = words.text(1500)
                    attachment_rows.append(
                        (iid, iid, f"staff-report-{iid}.pdf", f"bench{iid:020d}", "application/pdf", len(content),
                         "0" * 64, published, content)
                    )  # fmt: skip
        _copy(cur, "meetings", MEETING_COLUMNS, meetings)
        _copy(cur, "matters", MATTER_COLUMNS, matter_rows)
        _copy(cur, "agenda_items", ITEM_COLUMNS, item_rows)
        _copy(cur, "resolutions", RESOLUTION_COLUMNS, resolution_rows)
        _copy(cur, "attachments", ATTACHMENT_COLUMNS, attachment_rows)
        _copy(cur, "minutes", ("id", "meeting_id", "body_md", "status", "created_at", "updated_at"), minutes_rows)
        for table in ("meetings", "matters", "agenda_items", "resolutions", "attachments", "minutes"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
        # Later resolutions supersede some earlier ones: the results must say so.
        cur.execute(
            "INSERT INTO resolution_links (from_id, to_id, kind) SELECT n.id, r.id, 'supersedes' FROM resolutions r "
            "JOIN LATERAL (SELECT s.id FROM resolutions s WHERE s.id > r.id ORDER BY s.id LIMIT 1) n ON true "
            "WHERE r.id % 97 = 0 AND r.id >= 1000"
        )
        conn.commit()
    return {
        "meetings": len(meetings),
        "items": len(item_rows),
        "resolutions": len(resolution_rows),
        "attachments": len(attachment_rows),
        "minutes": len(minutes_rows),
    }


def vacuum(url: str) -> None:
    """VACUUM ANALYZE the index: what autovacuum would do some time after a rebuild, done now for steady figures."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE search_documents")


def _flask(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DAIS_CONFIG": "development", "FLASK_APP": "wsgi.py"}
    subprocess.run([str(FLASK), *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def make_archive(name: str = DEFAULT_NAME, *, index: bool = True, **sizes) -> str:
    """Drop and make the database ``name``, migrate and seed it, generate the archive, index it; its URL."""
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = archive_url(name)
    sqlalchemy_url = url.replace("postgresql://", "postgresql+psycopg://")
    _flask(sqlalchemy_url, "db", "upgrade")
    _flask(sqlalchemy_url, "seed-demo")
    started = time.monotonic()
    counts = generate(url, **sizes)
    print(f"generated {counts} in {time.monotonic() - started:.1f} s", flush=True)
    if index:
        started = time.monotonic()
        _flask(sqlalchemy_url, "search", "rebuild")
        vacuum(url)
        print(f"indexed in {time.monotonic() - started:.1f} s", flush=True)
    return url


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default=DEFAULT_NAME, help="database name on the local PostgreSQL server")
    parser.add_argument("--items", type=int, default=150_000)
    parser.add_argument("--resolutions", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--with-attachments", type=int, default=1_000, help="meetings whose items carry attachments")
    parser.add_argument("--no-index", action="store_true", help="skip flask search rebuild")
    args = parser.parse_args(argv)
    url = make_archive(
        args.name,
        index=not args.no_index,
        items=args.items,
        resolutions=args.resolutions,
        years=args.years,
        with_attachments=args.with_attachments,
    )
    print(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
