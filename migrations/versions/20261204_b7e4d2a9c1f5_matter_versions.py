"""matter versions: every version of a matter's text, and an amendment's text of the matter (issue 20)

Revision ID: b7e4d2a9c1f5
Revises: f8d68f45c325
Create Date: 2026-12-04 10:20:00

``matter_versions`` keeps each version of a matter's full text (append-only, numbered per matter), with the motion
and meeting of an amendment that made it. ``motions.matter_text``: for an amendment, the matter's text as amended.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b7e4d2a9c1f5"
down_revision = "f8d68f45c325"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "matter_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("matter_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "introduced",
                "revised",
                "amended",
                "substituted",
                name="matter_version_source",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("motion_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("number >= 1", name=op.f("ck_matter_versions_number_positive")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_matter_versions_actor_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["matter_id"], ["matters.id"], name=op.f("fk_matter_versions_matter_id_matters"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_matter_versions_meeting_id_meetings"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["motions.id"], name=op.f("fk_matter_versions_motion_id_motions"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matter_versions")),
        sa.UniqueConstraint("matter_id", "number", name=op.f("uq_matter_versions_matter_number")),
    )
    with op.batch_alter_table("matter_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_matter_versions_matter_id"), ["matter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_matter_versions_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_matter_versions_motion_id"), ["motion_id"], unique=False)

    with op.batch_alter_table("motions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("matter_text", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("motions", schema=None) as batch_op:
        batch_op.drop_column("matter_text")

    with op.batch_alter_table("matter_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_matter_versions_motion_id"))
        batch_op.drop_index(batch_op.f("ix_matter_versions_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_matter_versions_matter_id"))

    op.drop_table("matter_versions")
