"""city profile, notice versions and first-run setup tokens

Revision ID: c17e0a5d2b93
Revises: 4df10232324a
Create Date: 2026-12-02 09:30:00

The city profile moves the city's name, logo, time zone, record language and R12 notices from config into the
database (one row). Each wording of a notice is kept in city_notice_versions. setup_tokens holds the digest of the
one-time link `flask setup` prints on a database without users.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c17e0a5d2b93"
down_revision = "4df10232324a"
branch_labels = None
depends_on = None

# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
NOTICE_KINDS = ("records", "email")


def upgrade():
    op.create_table(
        "city_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("name_es", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=60), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("record_language", sa.String(length=8), nullable=False),
        sa.Column("meeting_place", sa.String(length=500), nullable=False),
        sa.Column("clerk_email", sa.String(length=254), nullable=False),
        sa.Column("clerk_phone", sa.String(length=40), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("footer_text", sa.Text(), nullable=False),
        sa.Column("records_notice", sa.Text(), nullable=False),
        sa.Column("records_notice_version", sa.Integer(), nullable=False),
        sa.Column("email_notice", sa.Text(), nullable=False),
        sa.Column("email_notice_version", sa.Integer(), nullable=False),
        sa.Column("logo_stored_name", sa.String(length=64), nullable=True),
        sa.Column("logo_content_type", sa.String(length=40), nullable=True),
        sa.Column("logo_sha256", sa.String(length=64), nullable=True),
        sa.Column("logo_size", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_profile")),
    )
    op.create_table(
        "city_notice_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*NOTICE_KINDS, name="notice_kind", native_enum=False, length=40, create_constraint=False),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_label", sa.String(length=255), nullable=False),
        sa.CheckConstraint(
            "kind IN ({})".format(", ".join(f"'{kind}'" for kind in NOTICE_KINDS)),
            name=op.f("ck_city_notice_versions_notice_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_notice_versions")),
        sa.UniqueConstraint("kind", "version", name=op.f("uq_city_notice_versions_kind_version")),
    )
    op.create_table(
        "setup_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setup_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_setup_tokens_token_hash")),
    )


def downgrade():
    op.drop_table("setup_tokens")
    op.drop_table("city_notice_versions")
    op.drop_table("city_profile")
