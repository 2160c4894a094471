"""resolution_corrections: an adopted resolution's number or effective date corrected, with a reason (issue 17)

Revision ID: a45d9d1e7a4e
Revises: 9d3e5b7a1c28
Create Date: 2026-12-02 18:25:31.269423

A new table only; nothing existing is copied or changed (the resolution search triggers are untouched).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a45d9d1e7a4e"
down_revision = "9d3e5b7a1c28"
branch_labels = None
depends_on = None

#: CorrectionField's values when this revision was written.
FIELDS = ("number", "effective_on")


def upgrade():
    op.create_table(
        "resolution_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resolution_id", sa.Integer(), nullable=False),
        sa.Column(
            "field",
            sa.Enum(*FIELDS, name="resolution_correction_field", native_enum=False, length=40, create_constraint=False),
            nullable=False,
        ),
        sa.Column("before", sa.String(length=12), nullable=False),
        sa.Column("after", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "field IN ({})".format(", ".join(f"'{field}'" for field in FIELDS)),
            name=op.f("ck_resolution_corrections_resolution_correction_field"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_resolution_corrections_actor_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["resolution_id"],
            ["resolutions.id"],
            name=op.f("fk_resolution_corrections_resolution_id_resolutions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_corrections")),
    )
    with op.batch_alter_table("resolution_corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resolution_corrections_resolution_id"), ["resolution_id"], unique=False)


def downgrade():
    with op.batch_alter_table("resolution_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resolution_corrections_resolution_id"))
    op.drop_table("resolution_corrections")
