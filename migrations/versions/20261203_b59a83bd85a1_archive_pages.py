"""votes.corrected_choice (backfilled) and the indexes the public lists and feeds read in order (issue 18)

Revision ID: b59a83bd85a1
Revises: e6ff9eaea663
Create Date: 2026-12-03 07:10:00

A member's page filtered and counted each vote's final choice with a correlated subquery on vote_corrections,
row by row; ``votes.corrected_choice`` is the newest correction's choice, kept by the ORM whenever a correction
is written (app/votes/models.py, ``_keep_corrected_choice``) and backfilled here from the corrections already on
record. The indexes let the resolution list, the home page and the Atom feeds read their first rows in index
order instead of sorting whole tables.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b59a83bd85a1"
down_revision = "e6ff9eaea663"
branch_labels = None
depends_on = None

# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
CHOICES = ("yes", "no", "abstain", "absent", "excused")


def upgrade():
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "corrected_choice",
                sa.Enum(*CHOICES, name="corrected_vote_choice", native_enum=False, create_constraint=True, length=40),
                nullable=True,
            )
        )
    op.execute(
        "UPDATE votes SET corrected_choice = (SELECT c.new_choice FROM vote_corrections c WHERE c.vote_id = votes.id "
        "ORDER BY c.id DESC LIMIT 1) WHERE EXISTS (SELECT 1 FROM vote_corrections c WHERE c.vote_id = votes.id)"
    )
    op.create_index("ix_meetings_agenda_published_at", "meetings", ["agenda_published_at"])
    op.create_index("ix_meetings_body_start", "meetings", ["body_id", "start_at"])
    op.create_index("ix_agenda_item_sponsors_member_id", "agenda_item_sponsors", ["member_id"])
    op.create_index("ix_resolutions_number_order", "resolutions", ["number_year", "number_seq", "id"])
    op.create_index("ix_resolutions_status_adopted", "resolutions", ["status", "adopted_on", "number_seq"])
    if op.get_bind().dialect.name == "postgresql":  # its DESC puts NULLs first: the newest-first order needs its own
        op.create_index(
            "ix_resolutions_newest",
            "resolutions",
            [sa.text("number_year DESC NULLS LAST"), sa.text("number_seq DESC NULLS LAST"), sa.text("id DESC")],
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_resolutions_newest", table_name="resolutions")
    op.drop_index("ix_resolutions_status_adopted", table_name="resolutions")
    op.drop_index("ix_resolutions_number_order", table_name="resolutions")
    op.drop_index("ix_agenda_item_sponsors_member_id", table_name="agenda_item_sponsors")
    op.drop_index("ix_meetings_body_start", table_name="meetings")
    op.drop_index("ix_meetings_agenda_published_at", table_name="meetings")
    with op.batch_alter_table("votes", schema=None) as batch_op:
        # The column's CHECK first: SQLite's copy of the table would otherwise keep a CHECK on a missing column.
        batch_op.drop_constraint(op.f("ck_votes_corrected_vote_choice"), type_="check")
        batch_op.drop_column("corrected_choice")
