"""subscribers with many follows (body, topic, keyword, member, agreement, item), alerts, instant or daily digest

Revision ID: c7d2e9a4f1b8
Revises: b3d6f1a8c2e4
Create Date: 2026-12-03 10:30:00

Issue 19: a row of ``subscriptions`` becomes a subscriber (its address, language, digest choice); what it
followed (one body, or every body) moves to a row of ``follows``, confirmed and ended when the subscription was.
The subscription rows keep their ids, so every unsubscribe link ever mailed (an HMAC of the id) keeps working and
ends the same thing it ended before: an address that had two subscriptions keeps two subscribers, not merged.
``alerts``: one row per (subscriber, thing changed). Two new mailing kinds: follow_alert and follow_digest.
"""

import sqlalchemy as sa
from alembic import op

revision = "c7d2e9a4f1b8"
down_revision = "b3d6f1a8c2e4"
branch_labels = None
depends_on = None

# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
FOLLOW_KINDS = ("body", "topic", "keyword", "member", "agreement", "item")
ALERT_KINDS = ("item", "vote", "effect")
DIGESTS = ("instant", "daily")
CHECK = "ck_mailings_mailing_kind"
OLD = (
    "agenda",
    "speaker_confirmation",
    "subscription_confirmation",
    "invitation",
    "speaker_next",
    "accessible_copy_request",
    "security_notice",
)
NEW = (*OLD, "follow_alert", "follow_digest")


def allow(values):
    return "kind IN ({})".format(", ".join(f"'{value}'" for value in values))


def replace_check(values):
    with op.batch_alter_table("mailings") as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(op.f(CHECK), allow(values))


def _fk(table, column, target, ondelete="RESTRICT"):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade():
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*FOLLOW_KINDS, name="follow_kind", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column("body_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("keyword", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        _fk("follows", "subscription_id", "subscriptions", "CASCADE"),
        _fk("follows", "body_id", "bodies"),
        _fk("follows", "topic_id", "topics"),
        _fk("follows", "member_id", "members"),
        _fk("follows", "agreement_id", "agreements"),
        _fk("follows", "agenda_item_id", "agenda_items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
    )
    for column in ("subscription_id", "body_id", "topic_id", "member_id", "agreement_id", "agenda_item_id"):
        op.create_index(op.f(f"ix_follows_{column}"), "follows", [column], unique=False)

    # Each subscription's one body (or every body) becomes its first follow.
    op.execute(
        "INSERT INTO follows (subscription_id, kind, body_id, created_at, confirmed_at, ended_at) "
        "SELECT id, 'body', body_id, created_at, confirmed_at, unsubscribed_at FROM subscriptions ORDER BY id"
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_subscriptions_live",
            sqlite_where=sa.text("unsubscribed_at IS NULL"),
            postgresql_where=sa.text("unsubscribed_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_subscriptions_body_id"))
        batch_op.drop_constraint(batch_op.f("fk_subscriptions_body_id_bodies"), type_="foreignkey")
        batch_op.drop_column("body_id")
        batch_op.add_column(
            sa.Column(
                "digest",
                sa.Enum(*DIGESTS, name="subscription_digest", native_enum=False, create_constraint=True, length=40),
                nullable=True,
            )
        )
        batch_op.create_index("ix_subscriptions_email", ["email"], unique=False)
    op.execute("UPDATE subscriptions SET digest = 'instant'")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.alter_column("digest", existing_type=sa.String(length=40), nullable=False)

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*ALERT_KINDS, name="alert_kind", native_enum=False, create_constraint=True, length=40),
            nullable=False,
        ),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("follow_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mailing_id", sa.Integer(), nullable=True),
        _fk("alerts", "subscription_id", "subscriptions", "CASCADE"),
        _fk("alerts", "follow_id", "follows", "SET NULL"),
        _fk("alerts", "mailing_id", "mailings", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("subscription_id", "key", name=op.f("uq_alerts_subscription_id")),
    )
    op.create_index("ix_alerts_unsent", "alerts", ["mailing_id", "created_at"], unique=False)
    replace_check(NEW)


def downgrade():
    # Fails while a mailing is of a new kind. Only body follows can go back: one subscription per body follow
    # would change ids, so the first live body follow of each subscriber is kept, the rest is lost.
    replace_check(OLD)
    op.drop_index("ix_alerts_unsent", table_name="alerts")
    op.drop_table("alerts")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_subscriptions_email")
        batch_op.drop_constraint(op.f("ck_subscriptions_subscription_digest"), type_="check")
        batch_op.drop_column("digest")
        batch_op.add_column(sa.Column("body_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE subscriptions SET body_id = (SELECT f.body_id FROM follows f WHERE f.subscription_id = subscriptions.id "
        "AND f.kind = 'body' ORDER BY f.ended_at IS NOT NULL, f.id LIMIT 1)"
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_subscriptions_body_id_bodies"), "bodies", ["body_id"], ["id"], ondelete="RESTRICT"
        )
        batch_op.create_index(batch_op.f("ix_subscriptions_body_id"), ["body_id"], unique=False)
        batch_op.create_index(
            "ix_subscriptions_live",
            ["email", "body_id"],
            unique=True,
            sqlite_where=sa.text("unsubscribed_at IS NULL"),
            postgresql_where=sa.text("unsubscribed_at IS NULL"),
        )
    for column in ("agenda_item_id", "agreement_id", "member_id", "topic_id", "body_id", "subscription_id"):
        op.drop_index(op.f(f"ix_follows_{column}"), table_name="follows")
    op.drop_table("follows")
