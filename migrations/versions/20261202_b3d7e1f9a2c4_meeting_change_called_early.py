"""meeting_changes.kind: add called_early

Revision ID: b3d7e1f9a2c4
Revises: 8ba5cb49be74
Create Date: 2026-12-02 16:00:00

MeetingChangeKind gained "called_early": a meeting called to order before the time in its notice, with the
clerk's reason, in the public change log. Autogenerate does not compare CHECK constraints, so the CHECK is
dropped and created again by hand with the new list of values (docs/migrations.md, "Adding a value").
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b3d7e1f9a2c4"
down_revision = "8ba5cb49be74"
branch_labels = None
depends_on = None

CHECK = "ck_meeting_changes_meeting_change_kind"
# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
OLD = (
    "published",
    "rescheduled",
    "relocated",
    "cancelled",
    "agenda_published",
    "agenda_amended",
    "outside_purpose",
)
NEW = OLD + ("called_early",)


def allow(values):
    return "kind IN ({})".format(", ".join(f"'{value}'" for value in values))


def replace_check(values):
    # A copy of the table on SQLite, ALTER TABLE ... DROP/ADD CONSTRAINT on PostgreSQL.
    with op.batch_alter_table("meeting_changes") as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(op.f(CHECK), allow(values))


def upgrade():
    replace_check(NEW)


def downgrade():
    # Public records are never deleted: a database that already holds such a change cannot go back.
    held = op.get_bind().execute(sa.text("SELECT count(*) FROM meeting_changes WHERE kind = 'called_early'")).scalar()
    if held:
        raise RuntimeError(f"{held} meeting change(s) of kind 'called_early' would violate the old CHECK; not downgrading.")
    replace_check(OLD)
