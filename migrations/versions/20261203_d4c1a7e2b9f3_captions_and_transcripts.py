"""captions and transcripts: a caption track per recording part, its passages attributed from the live log

Revision ID: d4c1a7e2b9f3
Revises: b8e1f4c7a2d3
Create Date: 2026-12-03 14:00:00

Issue 21, part B: ``caption_tracks`` (one per recording part) and ``transcript_passages``; the search index gets a
new kind, ``transcript`` (its CHECK is made again; on SQLite the table is copied, so the trigger that keeps the
FTS5 table in step is made again too).
"""

import sqlalchemy as sa
from alembic import op

revision = "d4c1a7e2b9f3"
down_revision = "b8e1f4c7a2d3"
branch_labels = None
depends_on = None

# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
CHECK = "ck_search_documents_search_kind"
OLD = ("meeting", "item", "attachment", "minutes", "resolution", "agreement", "speaker")
NEW = (*OLD, "transcript")
SQLITE_TRIGGER = (
    "CREATE TRIGGER search_documents_fts_ad AFTER DELETE ON search_documents BEGIN "
    "DELETE FROM search_fts WHERE rowid = old.id; END"
)


def allow(values):
    return "kind IN ({})".format(", ".join(f"'{value}'" for value in values))


def replace_check(values):
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS search_documents_fts_ad")
    with op.batch_alter_table("search_documents") as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(op.f(CHECK), allow(values))
    if sqlite:
        op.execute(SQLITE_TRIGGER)


def upgrade():
    op.create_table(
        "caption_tracks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("original_filename", sa.String(length=200), nullable=False),
        sa.Column(
            "format",
            sa.Enum("vtt", "srt", name="caption_format", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("cue_count", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_caption_tracks_recording_id_recordings"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_caption_tracks_uploaded_by_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caption_tracks")),
    )
    with op.batch_alter_table("caption_tracks") as batch_op:
        batch_op.create_index(batch_op.f("ix_caption_tracks_recording_id"), ["recording_id"], unique=True)
    op.create_table(
        "transcript_passages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("start_ms", sa.Integer(), nullable=False),
        sa.Column("end_ms", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("cues", sa.JSON(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("speaker_request_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column(
            "attribution",
            sa.Enum("log", "staff", name="attribution_source", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("corrected_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("end_ms >= start_ms", name=op.f("ck_transcript_passages_ends_after_start")),
        sa.CheckConstraint(
            "speaker_request_id IS NULL OR member_id IS NULL", name=op.f("ck_transcript_passages_one_speaker")
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["caption_tracks.id"], name=op.f("fk_transcript_passages_track_id_caption_tracks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_items.id"], name=op.f("fk_transcript_passages_item_id_agenda_items"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["speaker_request_id"],
            ["speaker_requests.id"],
            name=op.f("fk_transcript_passages_speaker_request_id_speaker_requests"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_transcript_passages_member_id_members"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["corrected_by_id"], ["users.id"], name=op.f("fk_transcript_passages_corrected_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_passages")),
    )
    with op.batch_alter_table("transcript_passages") as batch_op:
        batch_op.create_index(batch_op.f("ix_transcript_passages_track_id"), ["track_id"], unique=False)
    replace_check(NEW)


def downgrade():
    op.execute("DELETE FROM search_documents WHERE kind = 'transcript'")
    replace_check(OLD)
    with op.batch_alter_table("transcript_passages") as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcript_passages_track_id"))
    op.drop_table("transcript_passages")
    with op.batch_alter_table("caption_tracks") as batch_op:
        batch_op.drop_index(batch_op.f("ix_caption_tracks_recording_id"))
    op.drop_table("caption_tracks")
