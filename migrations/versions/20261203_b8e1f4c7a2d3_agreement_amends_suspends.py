"""agreement effects: amends and suspends

Revision ID: b8e1f4c7a2d3
Revises: a1b2c3d4e5f6
Create Date: 2026-12-03 13:40:00

Issue 19: an agreement's life has amendments (terms change, standing kept) and suspensions (out of force until
reinstated). Two new values of ``agreement_effect_kind``; the CHECK is recreated (batch mode, for SQLite).
"""

import sqlalchemy as sa
from alembic import op

revision = "b8e1f4c7a2d3"
down_revision = "a1b2c3d4e5f6"
branch_labels = None
depends_on = None

# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
CHECK = "ck_agreement_effects_agreement_effect_kind"
OLD = ("authorizes", "ratifies", "terminates", "voids", "reinstates", "prohibits")
NEW = ("authorizes", "ratifies", "amends", "suspends", "terminates", "voids", "reinstates", "prohibits")


def allow(values):
    return "kind IN ({})".format(", ".join(f"'{value}'" for value in values))


def replace_check(values):
    with op.batch_alter_table("agreement_effects") as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(op.f(CHECK), allow(values))


def upgrade():
    replace_check(NEW)


def downgrade():
    # The record is never deleted to go back a version: refuse while an amendment or suspension is on record.
    count = op.get_bind().execute(sa.text("SELECT count(*) FROM agreement_effects WHERE kind IN ('amends', 'suspends')"))
    if count.scalar():
        raise RuntimeError("Agreement effects of kind amends or suspends are on record; they cannot be downgraded.")
    replace_check(OLD)
