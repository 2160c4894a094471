"""recordings: a meeting's video, one row per part, tied to the meeting's clock

Revision ID: a1b2c3d4e5f6
Revises: c7d2e9a4f1b8
Create Date: 2026-12-03 13:20:00

Issue 21: each part of a meeting's video has its URL and ``zero_at``, the wall-clock moment at its second 0.
"""

import sqlalchemy as sa
from alembic import op

revision = "a1b2c3d4e5f6"
down_revision = "c7d2e9a4f1b8"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("zero_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_recordings_meeting_id_meetings"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_recordings_created_by_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("meeting_id", "part", name="meeting_part"),
    )
    with op.batch_alter_table("recordings") as batch_op:
        batch_op.create_index(batch_op.f("ix_recordings_meeting_id"), ["meeting_id"], unique=False)


def downgrade():
    with op.batch_alter_table("recordings") as batch_op:
        batch_op.drop_index(batch_op.f("ix_recordings_meeting_id"))
    op.drop_table("recordings")
