"""ordinance notices: the published notice of a proposed ordinance, per matter; a matter's stated effective date
(issue 20, F.S. 166.041(3)(a))

Revision ID: c1f5a8e3d7b2
Revises: 904af784feb2
Create Date: 2026-12-03 17:00:00
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c1f5a8e3d7b2"
down_revision = "904af784feb2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ordinance_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column(
            "medium",
            sa.Enum("newspaper", "website", name="notice_medium", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column("where", sa.String(length=300), nullable=False),
        sa.Column("proof", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["matter_id"], ["matters.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ordinance_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ordinance_notices_matter_id"), ["matter_id"], unique=False)
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("matters", schema=None) as batch_op:
        batch_op.drop_column("effective_on")
    with op.batch_alter_table("ordinance_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ordinance_notices_matter_id"))
    op.drop_table("ordinance_notices")
