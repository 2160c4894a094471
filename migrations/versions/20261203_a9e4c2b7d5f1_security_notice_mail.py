"""mailings.kind: security_notice (a staff member is told of a change to their sign-in)

Revision ID: a9e4c2b7d5f1
Revises: 55d3257fed47
Create Date: 2026-12-03 08:30:00

Issue 22: a password set or reset, a second factor turned on, off or reset, new recovery codes: the account's
owner gets one mail saying so. The CHECK on mailings.kind is dropped and created again with the full list
(docs/migrations.md).
"""

from alembic import op

revision = "a9e4c2b7d5f1"
down_revision = "55d3257fed47"
branch_labels = None
depends_on = None

CHECK = "ck_mailings_mailing_kind"
# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
OLD = (
    "agenda",
    "speaker_confirmation",
    "subscription_confirmation",
    "invitation",
    "speaker_next",
    "accessible_copy_request",
)
NEW = (*OLD, "security_notice")


def allow(values):
    return "kind IN ({})".format(", ".join(f"'{value}'" for value in values))


def replace_check(values):
    with op.batch_alter_table("mailings") as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(op.f(CHECK), allow(values))


def upgrade():
    replace_check(NEW)


def downgrade():
    # Fails while a mailing is a "security_notice" one: those rows (sent mail) would have no kind to go to.
    replace_check(OLD)
