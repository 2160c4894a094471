"""Agenda packet builds (issue 18): status, progress, the stored PDF and its ETag (app/documents/packet_models.py)

Revision ID: e6ff9eaea663
Revises: f8fb2a89bcf8
Create Date: 2026-12-03 07:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e6ff9eaea663"
down_revision = "f8fb2a89bcf8"
branch_labels = None
depends_on = None

STATUSES = ("queued", "building", "done", "failed")


def upgrade():
    op.create_table(
        "packet_builds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="packet_build_status", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("etag", sa.String(length=64), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("stored_name", sa.String(length=120), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("conforming", sa.Boolean(), nullable=False),
        sa.Column("base_url", sa.String(length=300), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_packet_builds_meeting_id_meetings"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_packet_builds_requested_by_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packet_builds")),
    )
    with op.batch_alter_table("packet_builds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_packet_builds_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_packet_builds_etag"), ["etag"], unique=False)


def downgrade():
    with op.batch_alter_table("packet_builds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_packet_builds_etag"))
        batch_op.drop_index(batch_op.f("ix_packet_builds_meeting_id"))
    op.drop_table("packet_builds")
