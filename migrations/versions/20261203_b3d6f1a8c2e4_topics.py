"""topics, and the tag tables for agenda items, resolutions and agreements

Revision ID: b3d6f1a8c2e4
Revises: a9e4c2b7d5f1
Create Date: 2026-12-03 10:00:00

Issue 19: a small list of topics kept by the clerks, tagged on the record, so a resident can follow a subject.
"""

import sqlalchemy as sa
from alembic import op


revision = "b3d6f1a8c2e4"
down_revision = "a9e4c2b7d5f1"
branch_labels = None
depends_on = None

TAGGED = (
    ("agenda_item_topics", "agenda_items", "agenda_item_id"),
    ("resolution_topics", "resolutions", "resolution_id"),
    ("agreement_topics", "agreements", "agreement_id"),
)


def upgrade():
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint("name", name=op.f("uq_topics_name")),
        sa.UniqueConstraint("slug", name=op.f("uq_topics_slug")),
    )
    for name, target_table, target in TAGGED:
        op.create_table(
            name,
            sa.Column(target, sa.Integer(), nullable=False),
            sa.Column("topic_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                [target], [f"{target_table}.id"], name=op.f(f"fk_{name}_{target}_{target_table}"), ondelete="CASCADE"
            ),
            sa.ForeignKeyConstraint(
                ["topic_id"], ["topics.id"], name=op.f(f"fk_{name}_topic_id_topics"), ondelete="RESTRICT"
            ),
            sa.PrimaryKeyConstraint(target, "topic_id", name=op.f(f"pk_{name}")),
        )
        op.create_index(f"ix_{name}_topic_id", name, ["topic_id"], unique=False)


def downgrade():
    for name, _target_table, _target in reversed(TAGGED):
        op.drop_index(f"ix_{name}_topic_id", table_name=name)
        op.drop_table(name)
    op.drop_table("topics")
