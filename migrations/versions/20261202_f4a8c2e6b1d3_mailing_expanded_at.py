"""mailings.expanded_at: a mailing to many is written with the change, its messages by the first job

Revision ID: f4a8c2e6b1d3
Revises: b3d7e1f9a2c4
Create Date: 2026-12-02 16:30:00

Mailings written before this revision had their messages made at once: they are marked expanded when created.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f4a8c2e6b1d3"
down_revision = "b3d7e1f9a2c4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mailings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expanded_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE mailings SET expanded_at = created_at")


def downgrade():
    with op.batch_alter_table("mailings", schema=None) as batch_op:
        batch_op.drop_column("expanded_at")
