"""matters in search: a new kind of search document, ``matter``; ``ref`` holds a file number of up to 20 characters

Revision ID: f8d68f45c325
Revises: c1f5a8e3d7b2
Create Date: 2026-12-04 09:00:00

Issue 20: a public matter (one with an appearance on a published agenda of a public meeting) is a search document
of kind ``matter`` whose ``ref`` is its file number. The kind's CHECK is made again, and ``ref`` widened from 12 to
20 characters (matters' and items' file numbers are up to 20 by the city's pattern). On SQLite the table is copied,
so the trigger that keeps the FTS5 table in step is made again too. The documents themselves are not written here:
run ``flask search rebuild`` after upgrading (the builders of the day make every matter's document).
"""

import sqlalchemy as sa
from alembic import op

revision = "f8d68f45c325"
down_revision = "c1f5a8e3d7b2"
branch_labels = None
depends_on = None

# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
CHECK = "ck_search_documents_search_kind"
OLD = ("meeting", "item", "attachment", "minutes", "resolution", "agreement", "speaker", "transcript")
NEW = (*OLD, "matter")
SQLITE_TRIGGER = (
    "CREATE TRIGGER search_documents_fts_ad AFTER DELETE ON search_documents BEGIN "
    "DELETE FROM search_fts WHERE rowid = old.id; END"
)


def allow(values):
    return "kind IN ({})".format(", ".join(f"'{value}'" for value in values))


def change(values, ref_length):
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS search_documents_fts_ad")
    with op.batch_alter_table("search_documents") as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(op.f(CHECK), allow(values))
        batch_op.alter_column(
            "ref", existing_type=sa.String(length=20 if ref_length == 12 else 12), type_=sa.String(length=ref_length)
        )
    if sqlite:
        op.execute(SQLITE_TRIGGER)


def upgrade():
    change(NEW, 20)


def downgrade():
    op.execute("DELETE FROM search_documents WHERE kind = 'matter'")
    # A longer file number cannot go back into 12 characters: its item documents are made again by a rebuild.
    op.execute("DELETE FROM search_documents WHERE length(ref) > 12")
    change(OLD, 12)
