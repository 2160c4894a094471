"""ordinance notice days: the city's days of published notice before an ordinance's adoption

Revision ID: e5a9c3f7d1b2
Revises: b7e4c2d9f3a1
Create Date: 2026-12-03 14:15:00

Issue 20 (part): ``city_profile.ordinance_notice_days`` (NULL: the statute's 10 days, F.S. 166.041(3)(a);
app/legislation/readings.py).
"""

from alembic import op
import sqlalchemy as sa


revision = "e5a9c3f7d1b2"
down_revision = "b7e4c2d9f3a1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("city_profile") as batch_op:
        batch_op.add_column(sa.Column("ordinance_notice_days", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("city_profile") as batch_op:
        batch_op.drop_column("ordinance_notice_days")
