"""Two-factor sign-in (users' TOTP secret, recovery codes, the roles the city requires it of); contact retention

Revision ID: c4f8a1e6b2d9
Revises: b7e2d4f9a0c6
Create Date: 2026-12-03 07:20:00

Issue 22. ``users.totp_secret`` (base32) is set once the user proved their authenticator app has it;
``totp_last_step`` keeps a code from being accepted twice. ``recovery_codes`` hold a salted SHA-256 of each
one-time code. ``city_profile.two_factor_roles`` is the city's choice (NULL: config TWO_FACTOR_ROLES), and
``contact_retention_months`` how long residents' contact details are kept (NULL: CONTACT_RETENTION_MONTHS).
"""

import sqlalchemy as sa
from alembic import op

revision = "c4f8a1e6b2d9"
down_revision = "b7e2d4f9a0c6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    with op.batch_alter_table("city_profile") as batch_op:
        batch_op.add_column(sa.Column("two_factor_roles", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("contact_retention_months", sa.Integer(), nullable=True))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    op.create_index(op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_recovery_codes_user_id"), table_name="recovery_codes")
    op.drop_table("recovery_codes")
    with op.batch_alter_table("city_profile") as batch_op:
        batch_op.drop_column("contact_retention_months")
        batch_op.drop_column("two_factor_roles")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
