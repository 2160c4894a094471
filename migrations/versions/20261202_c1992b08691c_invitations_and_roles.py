"""invitations and roles: deputy_clerk and viewer; the invitations table

Revision ID: c1992b08691c
Revises: c17e0a5d2b93
Create Date: 2026-12-02 08:53:42.329956

Role gained "deputy_clerk" and "viewer". Autogenerate does not compare CHECK constraints, so the users.role CHECK
is dropped and created again by hand with the new list of values (docs/migrations.md, "Adding a value"). The new
invitations table gets its own role CHECK, ck_invitations_role, with the full list.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c1992b08691c"
down_revision = "c17e0a5d2b93"
branch_labels = None
depends_on = None

CHECK = "ck_users_role"
# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
OLD = ("admin", "clerk", "commissioner")
NEW = ("admin", "clerk", "deputy_clerk", "commissioner", "viewer")


def allow(values):
    return "role IN ({})".format(", ".join(f"'{value}'" for value in values))


def replace_check(values):
    # A copy of the table on SQLite, ALTER TABLE ... DROP/ADD CONSTRAINT on PostgreSQL.
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(op.f(CHECK), allow(values))


def upgrade():
    replace_check(NEW)
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column(
            "role",
            sa.Enum(*NEW, name="role", native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_invitations_email_lowercase")),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f("fk_invitations_invited_by_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_invitations_member_id_members"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_invitations_user_id_users"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_member_id"), ["member_id"], unique=False)


def downgrade():
    # The invitations go (pending ones are lost: invite again). Narrowing the users CHECK fails while a user is a
    # deputy clerk or a viewer: give those users another role first if you really mean to go back.
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_member_id"))
        batch_op.drop_index(batch_op.f("ix_invitations_email"))
    op.drop_table("invitations")
    replace_check(OLD)
