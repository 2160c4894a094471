"""Document accessibility (R14): findings on uploads, OCR'd copies, requests for accessible copies

Revision ID: f8fb2a89bcf8
Revises: d1a7c5e9f3b2
Create Date: 2026-12-03 07:00:00

attachments and agreement_documents: what the accessibility check found (``accessibility``, a JSON list of issue
codes; NULL until checked) and when. attachments also: the text alternative of a picture (``description``) and
the OCR'd accessible copy stored next to the original (``accessible_*``, ``ocr_*``); the original stays the
record. accessible_copy_requests: a resident's request for an accessible copy (private contact details).
MailingKind gained "accessible_copy_request": the CHECK on mailings.kind is dropped and created again with the
full list (docs/migrations.md). Columns are only added to attachments and agreement_documents (no CHECK, no
unique constraint: a unique index), so SQLite does not copy those tables.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f8fb2a89bcf8"
down_revision = "d1a7c5e9f3b2"
branch_labels = None
depends_on = None

CHECK = "ck_mailings_mailing_kind"
# Copied, not imported from the app: this revision must keep meaning what it meant when it was written.
OLD = ("agenda", "speaker_confirmation", "subscription_confirmation", "invitation", "speaker_next")
NEW = (*OLD, "accessible_copy_request")


def allow(values):
    return "kind IN ({})".format(", ".join(f"'{value}'" for value in values))


def replace_check(values):
    # A copy of the table on SQLite, ALTER TABLE ... DROP/ADD CONSTRAINT on PostgreSQL.
    with op.batch_alter_table("mailings") as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_="check")
        batch_op.create_check_constraint(op.f(CHECK), allow(values))


def upgrade():
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accessibility", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("accessibility_checked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("accessible_stored_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("accessible_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("accessible_size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("accessible_issues", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("ocr_requested_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("ocr_error", sa.String(length=500), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_attachments_accessible_stored_name"), ["accessible_stored_name"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_attachments_ocr_requested_at"), ["ocr_requested_at"], unique=False)
    with op.batch_alter_table("agreement_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accessibility", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("accessibility_checked_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "accessible_copy_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("agreement_document_id", sa.Integer(), nullable=True),
        sa.Column("document", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answer_note", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "attachment_id IS NULL OR agreement_document_id IS NULL",
            name=op.f("ck_accessible_copy_requests_one_document"),
        ),
        sa.ForeignKeyConstraint(
            ["agreement_document_id"],
            ["agreement_documents.id"],
            name=op.f("fk_accessible_copy_requests_agreement_document_id_agreement_documents"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_accessible_copy_requests_answered_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachments.id"],
            name=op.f("fk_accessible_copy_requests_attachment_id_attachments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accessible_copy_requests")),
    )
    with op.batch_alter_table("accessible_copy_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accessible_copy_requests_agreement_document_id"), ["agreement_document_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_accessible_copy_requests_answered_at"), ["answered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_accessible_copy_requests_attachment_id"), ["attachment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_accessible_copy_requests_created_at"), ["created_at"], unique=False)
    replace_check(NEW)


def downgrade():
    # Fails while a mailing is an "accessible_copy_request" one: those rows (sent mail) would have no kind to go to.
    replace_check(OLD)
    op.drop_table("accessible_copy_requests")
    with op.batch_alter_table("agreement_documents", schema=None) as batch_op:
        batch_op.drop_column("accessibility_checked_at")
        batch_op.drop_column("accessibility")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_ocr_requested_at"))
        batch_op.drop_index(batch_op.f("ix_attachments_accessible_stored_name"))
        for column in (
            "ocr_error",
            "ocr_requested_at",
            "accessible_issues",
            "accessible_size",
            "accessible_sha256",
            "accessible_stored_name",
            "description",
            "accessibility_checked_at",
            "accessibility",
        ):
            batch_op.drop_column(column)
