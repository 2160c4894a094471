"""meetings.imported_at: past meetings imported from the city's archive

Revision ID: 6c1e0a9d2b47
Revises: c1992b08691c
Create Date: 2026-12-02 09:40:00

A meeting imported from the archive (issue 15) was never noticed through Dais: it has no first_published_at, and
imported_at says when it came onto the public record. One nullable column; no data moves.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6c1e0a9d2b47"
down_revision = "c1992b08691c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    # Imported meetings would no longer be public (they have no notice): the column's dates are lost.
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("imported_at")
