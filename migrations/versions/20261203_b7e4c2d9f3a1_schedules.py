"""schedules: a body's regular meeting schedule, the city's holidays, agenda templates' standing items

Revision ID: b7e4c2d9f3a1
Revises: d4c1a7e2b9f3
Create Date: 2026-12-03 13:16:01

Issue 20 (part): recurring meetings and agenda templates. New tables only.
"""

from alembic import op
import sqlalchemy as sa


revision = "b7e4c2d9f3a1"
down_revision = "d4c1a7e2b9f3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "city_holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_holidays")),
        sa.UniqueConstraint("on", name=op.f("uq_city_holidays_on")),
    )
    op.create_table(
        "agenda_template_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column(
            "meeting_kind",
            sa.Enum(
                "regular",
                "special",
                "emergency",
                "workshop",
                name="template_meeting_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("section", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "item_type",
            sa.Enum(
                "resolution",
                "ordinance",
                "motion",
                "presentation",
                "report",
                "ministerial",
                name="template_item_type",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name=op.f("fk_agenda_template_items_body_id_bodies"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_template_items")),
    )
    with op.batch_alter_table("agenda_template_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_template_items_body_id"), ["body_id"], unique=False)

    op.create_table(
        "meeting_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column(
            "repeat",
            sa.Enum("monthly", "weekly", name="schedule_repeat", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("ordinals", sa.JSON(), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "regular",
                "special",
                "emergency",
                "workshop",
                name="schedule_meeting_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column(
            "holiday_policy",
            sa.Enum(
                "skip", "next_business_day", name="holiday_policy", native_enum=False, create_constraint=True, length=40
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name=op.f("fk_meeting_schedules_body_id_bodies"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_schedules")),
    )
    with op.batch_alter_table("meeting_schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_schedules_body_id"), ["body_id"], unique=False)


def downgrade():
    with op.batch_alter_table("meeting_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_schedules_body_id"))

    op.drop_table("meeting_schedules")
    with op.batch_alter_table("agenda_template_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_template_items_body_id"))

    op.drop_table("agenda_template_items")
    op.drop_table("city_holidays")
