"""The meeting's live log: every moment of the floor stamped by the service that made it (app/meetings/floor.py)

Revision ID: c5e1a7b3d9f0
Revises: f4a8c2e6b1d3
Create Date: 2026-12-02 18:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5e1a7b3d9f0"
down_revision = "f4a8c2e6b1d3"
branch_labels = None
depends_on = None

KINDS = (
    "called_to_order",
    "roll_taken",
    "member_arrived",
    "member_departed",
    "item_opened",
    "item_closed",
    "comment_opened",
    "comment_closed",
    "speaker_called",
    "timer_started",
    "timer_paused",
    "timer_stopped",
    "time_added",
    "speaker_finished",
    "speaker_no_show",
    "floor_requested",
    "floor_granted",
    "motion_made",
    "motion_seconded",
    "vote_opened",
    "vote_closed",
    "adjourned",
)


def upgrade():
    op.create_table(
        "meeting_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="meeting_log_kind", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("speaker_request_id", sa.Integer(), nullable=True),
        sa.Column("motion_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_log_meeting_id_meetings"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["agenda_items.id"], name=op.f("fk_meeting_log_item_id_agenda_items"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["speaker_request_id"],
            ["speaker_requests.id"],
            name=op.f("fk_meeting_log_speaker_request_id_speaker_requests"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["motions.id"], name=op.f("fk_meeting_log_motion_id_motions"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_meeting_log_member_id_members"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_meeting_log_actor_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_log")),
    )
    with op.batch_alter_table("meeting_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_log_meeting_id"), ["meeting_id"], unique=False)


def downgrade():
    with op.batch_alter_table("meeting_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_log_meeting_id"))
    op.drop_table("meeting_log")
