"""staff_sessions: staff sign-ins recorded on the server, so that signing out ends them; users.session_token goes

Revision ID: b7e2d4f9a0c6
Revises: 9c3e5a7d1f24
Create Date: 2026-12-03 07:00:00

Issue 22: a session cookie copied before "Sign out" must not sign anyone in afterwards. Each sign-in is a row
(its token's SHA-256, device, address, last seen, absolute end, when and why it ended). The per-user
``session_token`` that the cookie used to carry is dropped: every session open before this migration ends
(staff sign in again once).
"""

import sqlalchemy as sa
from alembic import op

revision = "b7e2d4f9a0c6"
down_revision = "9c3e5a7d1f24"
branch_labels = None
depends_on = None

# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
ENDS = ("signed_out", "ended", "everywhere", "password", "deactivated", "reset")


def upgrade():
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.CheckConstraint(
            "end_reason IN ({})".format(", ".join(f"'{value}'" for value in ENDS)),
            name=op.f("ck_staff_sessions_session_end"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_staff_sessions_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    op.create_index(op.f("ix_staff_sessions_user_id"), "staff_sessions", ["user_id"], unique=False)
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_constraint(op.f("uq_users_session_token"), type_="unique")
        batch_op.drop_column("session_token")


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    connection = op.get_bind()
    import secrets

    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_urlsafe(32)))
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(op.f("uq_users_session_token"), ["session_token"])
    op.drop_index(op.f("ix_staff_sessions_user_id"), table_name="staff_sessions")
    op.drop_table("staff_sessions")
