"""minutes: released for approval, approved by a vote of the body (issue 17)

Revision ID: 9d3e5b7a1c28
Revises: c5e1a7b3d9f0
Create Date: 2026-12-02 19:00:00

MinutesStatus gained "released": the clerk's draft is staff only until released as the draft for approval.
New columns: minutes.released_at; minutes.approval_item_id (the "Approval of the minutes" item of a later
meeting); minutes.approved_motion_id (the passed motion that approved them).

Until now every draft was public from the moment it existed, so existing drafts become released (nothing leaves
the public record), released when they were created; approved minutes stay approved, and count as released
from their creation too. Autogenerate does not compare CHECK constraints: the CHECK is dropped and created again
by hand (docs/migrations.md, "Adding a value").

Downgrade: released minutes become drafts again (the old code shows every draft to the public, as it did before);
which drafts had not been released, and which motion approved which minutes, is lost.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9d3e5b7a1c28"
down_revision = "c5e1a7b3d9f0"
branch_labels = None
depends_on = None

CHECK = "ck_minutes_minutes_status"
# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
OLD = ("draft", "approved")
NEW = ("draft", "released", "approved")


def allow(values):
    return "status IN ({})".format(", ".join(f"'{value}'" for value in values))


def upgrade():
    with op.batch_alter_table("minutes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("approval_item_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approved_motion_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_minutes_approval_item_id"), ["approval_item_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_minutes_approval_item_id_agenda_items"),
            "agenda_items",
            ["approval_item_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_minutes_approved_motion_id_motions"),
            "motions",
            ["approved_motion_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(op.f(CHECK), allow(NEW))
    op.execute("UPDATE minutes SET status = 'released' WHERE status = 'draft'")
    op.execute("UPDATE minutes SET released_at = created_at")


def downgrade():
    op.execute("UPDATE minutes SET status = 'draft' WHERE status = 'released'")
    with op.batch_alter_table("minutes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(op.f(CHECK), allow(OLD))
        batch_op.drop_constraint(batch_op.f("fk_minutes_approved_motion_id_motions"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_minutes_approval_item_id_agenda_items"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_minutes_approval_item_id"))
        batch_op.drop_column("approved_motion_id")
        batch_op.drop_column("approval_item_id")
        batch_op.drop_column("released_at")
