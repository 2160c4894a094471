"""resolution full-text search: an FTS5 table with triggers (SQLite) or a GIN index (PostgreSQL)

Revision ID: a1f3c5e7b9d2
Revises: dcf37714c3f0
Create Date: 2026-11-21 09:00:00

Written by hand: neither object is a model, so autogenerate ignores them (app.legislation.search.include_object).
The statements are copied here, not imported, so this migration stays as it was written.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1f3c5e7b9d2'
down_revision = 'dcf37714c3f0'
branch_labels = None
depends_on = None

SQLITE = (
    "CREATE VIRTUAL TABLE resolutions_fts USING fts5(number, title, text_md, content='resolutions', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER resolutions_fts_ai AFTER INSERT ON resolutions BEGIN "
    "INSERT INTO resolutions_fts(rowid, number, title, text_md) VALUES (new.id, new.number, new.title, new.text_md); "
    "END",
    "CREATE TRIGGER resolutions_fts_ad AFTER DELETE ON resolutions BEGIN "
    "INSERT INTO resolutions_fts(resolutions_fts, rowid, number, title, text_md) "
    "VALUES ('delete', old.id, old.number, old.title, old.text_md); END",
    "CREATE TRIGGER resolutions_fts_au AFTER UPDATE ON resolutions BEGIN "
    "INSERT INTO resolutions_fts(resolutions_fts, rowid, number, title, text_md) "
    "VALUES ('delete', old.id, old.number, old.title, old.text_md); "
    "INSERT INTO resolutions_fts(rowid, number, title, text_md) VALUES (new.id, new.number, new.title, new.text_md); "
    "END",
    # Index what was adopted before this migration.
    "INSERT INTO resolutions_fts(resolutions_fts) VALUES ('rebuild')",
)
POSTGRES = (
    "CREATE INDEX ix_resolutions_fulltext ON resolutions USING gin "
    "(to_tsvector('english', coalesce(number, '') || ' ' || title || ' ' || text_md))",
)


def upgrade():
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRES:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("resolutions_fts_ai", "resolutions_fts_ad", "resolutions_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS resolutions_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_resolutions_fulltext")
