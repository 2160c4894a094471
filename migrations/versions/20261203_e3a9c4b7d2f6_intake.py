"""department intake: the department role, users.department, the approval route, submissions, their steps and
files, agenda_items.recommended_action, mailings.kind intake_step

Revision ID: e3a9c4b7d2f6
Revises: e5a9c3f7d1b2
Create Date: 2026-12-03 14:10:00

Role gained "department": the users.role and invitations.role CHECKs are dropped and created again (docs/migrations.md,
"Adding a value"); MailingKind gained "intake_step" likewise.
"""

import sqlalchemy as sa
from alembic import op

revision = "e3a9c4b7d2f6"
down_revision = "e5a9c3f7d1b2"
branch_labels = None
depends_on = None

# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
OLD_ROLES = ("admin", "clerk", "deputy_clerk", "commissioner", "viewer")
NEW_ROLES = (*OLD_ROLES, "department")
OLD_KINDS = (
    "agenda",
    "speaker_confirmation",
    "speaker_next",
    "subscription_confirmation",
    "invitation",
    "accessible_copy_request",
    "security_notice",
    "follow_alert",
    "follow_digest",
)
NEW_KINDS = (*OLD_KINDS, "intake_step")
ITEM_TYPES = ("resolution", "ordinance", "motion", "presentation", "report", "ministerial")
STATES = ("draft", "in_review", "returned", "approved", "rejected", "placed")
ACTIONS = ("submitted", "approved", "returned", "rejected", "placed")


def allow(column, values):
    return "{} IN ({})".format(column, ", ".join(f"'{value}'" for value in values))


def replace_checks(roles, kinds):
    for table in ("users", "invitations"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_role"), type_="check")
            batch_op.create_check_constraint(op.f(f"ck_{table}_role"), allow("role", roles))
    with op.batch_alter_table("mailings") as batch_op:
        batch_op.drop_constraint(op.f("ck_mailings_mailing_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_mailings_mailing_kind"), allow("kind", kinds))


def _enum(values, name, length):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def _fk(table, column, target, ondelete="RESTRICT"):
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade():
    replace_checks(NEW_ROLES, NEW_KINDS)
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("department", sa.String(length=120), nullable=True))
    with op.batch_alter_table("agenda_items") as batch_op:
        batch_op.add_column(sa.Column("recommended_action", sa.Text(), nullable=True))
    op.create_table(
        "intake_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("close_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_settings")),
    )
    op.create_table(
        "intake_route_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("approver_ids", sa.JSON(), nullable=False),
        sa.Column("same_department", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_route_steps")),
    )
    op.create_table(
        "intake_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=120), nullable=False),
        sa.Column("submitter_id", sa.Integer(), nullable=False),
        sa.Column("item_type", _enum(ITEM_TYPES, "agenda_item_type", 40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary_md", sa.Text(), nullable=False),
        sa.Column("fiscal_impact", sa.Text(), nullable=False),
        sa.Column("recommended_action", sa.Text(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("state", _enum(STATES, "submission_state", 40), nullable=False),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.Column("current_step", sa.Integer(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        _fk("intake_submissions", "submitter_id", "users"),
        _fk("intake_submissions", "meeting_id", "meetings"),
        _fk("intake_submissions", "agenda_item_id", "agenda_items"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_submissions")),
    )
    with op.batch_alter_table("intake_submissions") as batch_op:
        for column in ("department", "submitter_id", "meeting_id", "state"):
            batch_op.create_index(batch_op.f(f"ix_intake_submissions_{column}"), [column], unique=False)
    op.create_table(
        "intake_submission_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("action", _enum(ACTIONS, "intake_step_action", 40), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=True),
        sa.Column("step_name", sa.String(length=120), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("intake_submission_steps", "submission_id", "intake_submissions", "CASCADE"),
        _fk("intake_submission_steps", "actor_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_submission_steps")),
    )
    with op.batch_alter_table("intake_submission_steps") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intake_submission_steps_submission_id"), ["submission_id"], unique=False
        )
    op.create_table(
        "intake_submission_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        _fk("intake_submission_files", "submission_id", "intake_submissions", "CASCADE"),
        _fk("intake_submission_files", "uploaded_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_submission_files")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_intake_submission_files_stored_name")),
    )
    with op.batch_alter_table("intake_submission_files") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intake_submission_files_submission_id"), ["submission_id"], unique=False
        )


def downgrade():
    # Fails while a user is department staff or a mailing is an intake one: change or remove those first.
    op.drop_table("intake_submission_files")
    op.drop_table("intake_submission_steps")
    op.drop_table("intake_submissions")
    op.drop_table("intake_route_steps")
    op.drop_table("intake_settings")
    with op.batch_alter_table("agenda_items") as batch_op:
        batch_op.drop_column("recommended_action")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("department")
    replace_checks(OLD_ROLES, OLD_KINDS)
