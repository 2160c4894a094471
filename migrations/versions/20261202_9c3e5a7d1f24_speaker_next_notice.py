"""speaker_requests: the resident's language and when "you are next" was mailed; mailings.kind: speaker_next

Revision ID: 9c3e5a7d1f24
Revises: a45d9d1e7a4e
Create Date: 2026-12-02 18:45:00

A resident's private link shows their live place, and the speaker first in line gets one "you are next" mail
(issue 17). ``locale`` is the language the resident registered in (NULL for walk-ins and older requests: the
site's default language); ``next_notified_at`` keeps the mail to one per request. MailingKind gained
"speaker_next": the CHECK on mailings.kind is dropped and created again with the full list (docs/migrations.md).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9c3e5a7d1f24"
down_revision = "a45d9d1e7a4e"
branch_labels = None
depends_on = None

CHECK = "ck_mailings_mailing_kind"
# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
OLD = ("agenda", "speaker_confirmation", "subscription_confirmation", "invitation")
NEW = (*OLD, "speaker_next")


def allow(values):
    return "kind IN ({})".format(", ".join(f"'{value}'" for value in values))


def replace_check(values):
    # A copy of the table on SQLite, ALTER TABLE ... DROP/ADD CONSTRAINT on PostgreSQL.
    with op.batch_alter_table("mailings") as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(op.f(CHECK), allow(values))


def upgrade():
    with op.batch_alter_table("speaker_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("next_notified_at", sa.DateTime(timezone=True), nullable=True))
    replace_check(NEW)


def downgrade():
    # Fails while a mailing is a "speaker_next" one: those rows (sent mail, on record) would have no kind to go to.
    replace_check(OLD)
    with op.batch_alter_table("speaker_requests", schema=None) as batch_op:
        batch_op.drop_column("next_notified_at")
        batch_op.drop_column("locale")
