"""version columns on the records staff edit in forms: a save from an out-of-date page is refused, not lost

Revision ID: d1a7c5e9f3b2
Revises: c4f8a1e6b2d9
Create Date: 2026-12-03 07:40:00

Issue 22 ("no lost edits"): agenda items, minutes, resolutions, bodies and the city profile carry ``version``,
SQLAlchemy's version_id_col (every UPDATE says ``AND version = <read>`` and bumps it). Existing rows start at 1.
"""

import sqlalchemy as sa
from alembic import op

revision = "d1a7c5e9f3b2"
down_revision = "c4f8a1e6b2d9"
branch_labels = None
depends_on = None

TABLES = ("agenda_items", "minutes", "resolutions", "bodies", "city_profile")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("version")
