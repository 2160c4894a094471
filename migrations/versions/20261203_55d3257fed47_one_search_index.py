"""One search over the whole record: search_documents with a stored tsvector and GIN index (PostgreSQL) or an FTS5
table (SQLite), filled from the public records; attachments' and agreement documents' text; the resolutions-only
full-text index of a1f3c5e7b9d2 removed (issue 18)

Revision ID: 55d3257fed47
Revises: b59a83bd85a1
Create Date: 2026-12-03 06:45:00

The index is filled here from the rows as they are at this revision, with raw SQL and a copy of the normalization of
app/search/text.py (not imported, so this migration stays as it was written). The text of files uploaded before
this revision is not extracted here (`flask search extract-texts` does it): their documents carry the file name and the item's title.
`flask search rebuild` makes the same index with the code of the day.
"""

import re
import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import snowballstemmer
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "55d3257fed47"
down_revision = "b59a83bd85a1"
branch_labels = None
depends_on = None

KINDS = ("meeting", "item", "attachment", "minutes", "resolution", "agreement", "speaker")

SQLITE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, stems, tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_documents_fts_ad AFTER DELETE ON search_documents BEGIN "
    "DELETE FROM search_fts WHERE rowid = old.id; END",
)
POSTGRES = (
    "ALTER TABLE search_documents ADD COLUMN tsv tsvector",
    # Kept in the row (not moved out to TOAST with the text): checking a row against a query then reads no more.
    "ALTER TABLE search_documents ALTER COLUMN tsv SET STORAGE MAIN",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)",
)
OLD_SQLITE = (
    "DROP TRIGGER IF EXISTS resolutions_fts_ai",
    "DROP TRIGGER IF EXISTS resolutions_fts_ad",
    "DROP TRIGGER IF EXISTS resolutions_fts_au",
    "DROP TABLE IF EXISTS resolutions_fts",
)
OLD_POSTGRES = ("DROP INDEX IF EXISTS ix_resolutions_fulltext",)

# ---- the normalization, as app/search/text.py had it at this revision ---------------------------------------------

MAX_INDEXED = 300_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER_LETTER = re.compile(r"\b(\d+)[\s\-]*(?:\(\s*([a-z])\s*\)|([a-z]))(?![\w(])")
_NUMBER_DASH = re.compile(r"(?<=\d)[-‐–](?=\d)")
_WORD = re.compile(r"[^\W_]+")
_MARKDOWN = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[*_`|]+|^\s*(?:[-+]|#+|>+)\s+", re.MULTILINE)
_SPANISH = snowballstemmer.stemmer("spanish")


def _fold(value):
    out = []
    for c in _CONTROL.sub(" ", value):
        kept = "".join(ch for ch in unicodedata.normalize("NFKD", c) if not unicodedata.combining(ch)).lower()
        out.append(kept if len(kept) == 1 else c.lower())
    return "".join(out)


def _normalize(value):
    folded = _NUMBER_DASH.sub(" ", _fold(value[:MAX_INDEXED]))
    return _NUMBER_LETTER.sub(lambda m: f"{m.group(1)}{m.group(2) or m.group(3)} {m.group(1)}", folded)


def _plain(value):
    return _MARKDOWN.sub(lambda m: m.group(1) or " ", value or "").strip()


def _stems(normalized):
    words = set(_WORD.findall(normalized))
    return " ".join(sorted({s for w in words if (s := _SPANISH.stemWord(w)) != w}))


PUBLIC = "(m.first_published_at IS NOT NULL OR m.imported_at IS NOT NULL)"
PUBLISHED = f"{PUBLIC} AND m.agenda_published_at IS NOT NULL"
SOURCES = {
    "meeting": f"SELECT m.id, m.title, coalesce(m.purpose, '') || char(10) || m.location AS body, m.id AS meeting_id, "
    f"NULL AS item_id, m.body_id, NULL AS ref, m.start_at AS at, NULL AS day, m.status, '' AS flags "
    f"FROM meetings m WHERE {PUBLIC}",
    "item": "SELECT i.id, trim(i.label || ' ' || i.title) AS title, i.body_md AS body, i.meeting_id, i.id AS item_id, "
    "m.body_id, i.file_number AS ref, m.start_at AS at, NULL AS day, "
    "CASE WHEN i.withdrawn_at IS NULL THEN '' ELSE 'withdrawn' END AS status, "
    "CASE WHEN i.withdrawn_at IS NULL THEN '' ELSE 'withdrawn' END AS flags "
    f"FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id WHERE {PUBLISHED}",
    "attachment": "SELECT a.id, a.original_filename AS title, i.title AS body, i.meeting_id, i.id AS item_id, "
    "m.body_id, NULL AS ref, m.start_at AS at, NULL AS day, '' AS status, '' AS flags "
    "FROM attachments a JOIN agenda_items i ON i.id = a.agenda_item_id JOIN meetings m ON m.id = i.meeting_id "
    f"WHERE {PUBLISHED}",
    "speaker": "SELECT s.id, s.name AS title, coalesce(s.group_name, '') AS body, i.title AS context, "
    "i.meeting_id, i.id AS item_id, m.body_id, NULL AS ref, m.start_at AS at, NULL AS day, s.status, "
    "CASE WHEN s.status = 'withdrawn' THEN 'withdrawn' ELSE '' END AS flags "
    "FROM speaker_requests s JOIN agenda_items i ON i.id = s.agenda_item_id JOIN meetings m ON m.id = i.meeting_id "
    f"WHERE {PUBLISHED}",
    "minutes": "SELECT n.id, m.title, n.body_md AS body, m.id AS meeting_id, NULL AS item_id, m.body_id, NULL AS ref, "
    "m.start_at AS at, NULL AS day, n.status, '' AS flags FROM minutes n JOIN meetings m ON m.id = n.meeting_id "
    f"WHERE {PUBLIC} AND n.status IN ('released', 'approved')",
    "resolution": "SELECT r.id, CASE WHEN r.number IS NULL THEN r.title ELSE r.number || ' ' || r.title END AS title, "
    "r.text_md AS body, i.meeting_id, i.id AS item_id, m.body_id, r.number AS ref, m.start_at AS at, "
    "r.adopted_on AS day, r.status, trim("
    "CASE WHEN EXISTS (SELECT 1 FROM resolution_links l JOIN resolutions s ON s.id = l.from_id WHERE l.to_id = r.id "
    "AND l.kind = 'supersedes' AND s.status = 'adopted') THEN 'superseded ' ELSE '' END || "
    "CASE WHEN EXISTS (SELECT 1 FROM resolution_links l JOIN resolutions s ON s.id = l.from_id WHERE l.to_id = r.id "
    "AND l.kind = 'rescinds' AND s.status = 'adopted') OR EXISTS (SELECT 1 FROM motions x WHERE "
    "x.target_id = r.motion_id AND x.kind = 'rescind' AND x.result = 'passed') THEN 'repealed ' ELSE '' END || "
    "CASE WHEN r.status = 'withdrawn' THEN 'withdrawn' ELSE '' END) AS flags "
    "FROM resolutions r JOIN agenda_items i ON i.id = r.agenda_item_id JOIN meetings m ON m.id = i.meeting_id "
    f"WHERE {PUBLISHED}",
    "agreement": "SELECT g.id, g.title, g.counterparty || char(10) || g.category || char(10) || g.description_md "
    "AS body, NULL AS meeting_id, NULL AS item_id, NULL AS body_id, NULL AS ref, g.created_at AS at, "
    "g.signed_on AS day, '' AS status, '' AS flags FROM agreements g",
}

PG_INSERT = (
    "INSERT INTO search_documents (kind, target_id, meeting_id, item_id, body_id, ref, title, body, dated_on, "
    "status, flags, language, indexed_at, tsv) VALUES (:kind, :target_id, :meeting_id, :item_id, :body_id, :ref, "
    ":title, :body, :dated_on, :status, :flags, :language, :indexed_at, "
    "setweight(to_tsvector('english', :ntitle), 'A') || setweight(to_tsvector('spanish', :ntitle), 'A') || "
    "setweight(to_tsvector('english', :nbody), 'B') || setweight(to_tsvector('spanish', :nbody), 'B'))"
)
SQLITE_INSERT = (
    "INSERT INTO search_documents (id, kind, target_id, meeting_id, item_id, body_id, ref, title, body, dated_on, "
    "status, flags, language, indexed_at) VALUES (:id, :kind, :target_id, :meeting_id, :item_id, :body_id, :ref, "
    ":title, :body, :dated_on, :status, :flags, :language, :indexed_at)"
)
SQLITE_FTS_INSERT = "INSERT INTO search_fts(rowid, title, body, stems) VALUES (:id, :ntitle, :nbody, :stems)"


def _as_utc(value):
    if value is None or isinstance(value, datetime):
        return value.replace(tzinfo=value.tzinfo or UTC) if value else None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _fill(bind):
    sqlite = bind.dialect.name == "sqlite"
    city = bind.execute(sa.text("SELECT timezone, record_language FROM city_profile")).first()
    zone = ZoneInfo(city.timezone if city else "America/New_York")
    language = city.record_language if city else "en"
    now = datetime.now(UTC)
    next_id = 1
    for kind, source in SOURCES.items():
        if not sqlite:
            source = source.replace("char(10)", "chr(10)")
        rows = []
        for r in bind.execute(sa.text(source)):
            title, body = (r.title or "")[:300], _plain(r.body)[:MAX_INDEXED]
            shown = "\n".join(filter(None, [body, getattr(r, "context", None)]))
            day = r.day or (_as_utc(r.at).astimezone(zone).date() if r.at else None)
            ntitle, nbody = _normalize(f"{title} {r.ref or ''}"), _normalize(body)
            rows.append(
                dict(  # noqa: C408
                    id=next_id,
                    kind=kind,
                    target_id=r.id,
                    meeting_id=r.meeting_id,
                    item_id=r.item_id,
                    body_id=r.body_id,
                    ref=r.ref,
                    title=title,
                    body=shown,
                    dated_on=day,
                    status=r.status or "",
                    flags=r.flags.strip(),
                    language=language,
                    indexed_at=now if not sqlite else now.replace(tzinfo=None),
                    ntitle=ntitle,
                    nbody=nbody,
                    stems=_stems(f"{ntitle} {nbody}"),
                )
            )
            next_id += 1
        if rows and sqlite:
            bind.execute(sa.text(SQLITE_INSERT), rows)
            bind.execute(sa.text(SQLITE_FTS_INSERT), rows)
        elif rows:
            bind.execute(sa.text(PG_INSERT), rows)


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="search_kind", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("body_id", sa.Integer(), nullable=True),
        sa.Column("ref", sa.String(length=12), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dated_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("flags", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("kind", "target_id", name="kind_target"),
    )
    with op.batch_alter_table("search_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_search_documents_body_id"), ["body_id"], unique=False)
        batch_op.create_index("ix_search_documents_dated_on", ["dated_on", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_documents_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_documents_ref"), ["ref"], unique=False)
    for statement in SQLITE if sqlite else POSTGRES:
        op.execute(statement)
    with op.batch_alter_table("agreement_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_content", sa.Text(), nullable=True))
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_content", sa.Text(), nullable=True))
    for statement in OLD_SQLITE if sqlite else OLD_POSTGRES:
        op.execute(statement)
    _fill(bind)
    if not sqlite:
        op.execute("ANALYZE search_documents")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS search_documents_fts_ad")
        op.execute("DROP TABLE IF EXISTS search_fts")
        # The resolutions-only index of a1f3c5e7b9d2, as it was.
        op.execute(
            "CREATE VIRTUAL TABLE resolutions_fts USING fts5(number, title, text_md, content='resolutions', "
            "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER resolutions_fts_ai AFTER INSERT ON resolutions BEGIN "
            "INSERT INTO resolutions_fts(rowid, number, title, text_md) "
            "VALUES (new.id, new.number, new.title, new.text_md); END"
        )
        op.execute(
            "CREATE TRIGGER resolutions_fts_ad AFTER DELETE ON resolutions BEGIN "
            "INSERT INTO resolutions_fts(resolutions_fts, rowid, number, title, text_md) "
            "VALUES ('delete', old.id, old.number, old.title, old.text_md); END"
        )
        op.execute(
            "CREATE TRIGGER resolutions_fts_au AFTER UPDATE ON resolutions BEGIN "
            "INSERT INTO resolutions_fts(resolutions_fts, rowid, number, title, text_md) "
            "VALUES ('delete', old.id, old.number, old.title, old.text_md); "
            "INSERT INTO resolutions_fts(rowid, number, title, text_md) "
            "VALUES (new.id, new.number, new.title, new.text_md); END"
        )
        op.execute("INSERT INTO resolutions_fts(resolutions_fts) VALUES ('rebuild')")
    else:
        op.execute(
            "CREATE INDEX ix_resolutions_fulltext ON resolutions USING gin "
            "(to_tsvector('english', coalesce(number, '') || ' ' || title || ' ' || text_md))"
        )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_column("text_content")
    with op.batch_alter_table("agreement_documents", schema=None) as batch_op:
        batch_op.drop_column("text_content")
    op.drop_table("search_documents")
