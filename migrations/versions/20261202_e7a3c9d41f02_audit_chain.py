"""audit_entries: a hash chain (prev_hash, entry_hash), computed for the entries already there

Revision ID: e7a3c9d41f02
Revises: d2995a1c991a
Create Date: 2026-12-02 10:20:00

Each entry stores the SHA-256 of the entry before it and its own. The upgrade chains the existing entries in id
order with the same canonical JSON as app/core/audit.py:entry_content (copied here, not imported: this revision
must keep computing what it computed when it was written). The downgrade drops the columns (and the chain).
"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "e7a3c9d41f02"
down_revision = "d2995a1c991a"
branch_labels = None
depends_on = None


def _iso(value):
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands back text: naive UTC
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hash(row, prev):
    data = row.data
    if isinstance(data, str):
        data = json.loads(data)
    content = json.dumps(
        {
            "action": row.action,
            "target_type": row.target_type,
            "target_id": row.target_id,
            "summary": row.summary,
            "data": data or {},
            "actor_id": row.actor_id,
            "actor_label": row.actor_label,
            "created_at": _iso(row.created_at),
            "prev_hash": prev,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def upgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_audit_entries_entry_hash"), ["entry_hash"], unique=False)

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, action, target_type, target_id, summary, data, actor_id, actor_label, created_at "
            "FROM audit_entries ORDER BY id"
        )
    ).all()
    prev = ""
    update = sa.text("UPDATE audit_entries SET prev_hash = :prev, entry_hash = :hash WHERE id = :id")
    for row in rows:
        digest = _hash(row, prev)
        bind.execute(update, {"prev": prev, "hash": digest, "id": row.id})
        prev = digest

    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", server_default=None)
        batch_op.alter_column("entry_hash", server_default=None)


def downgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_entry_hash"))
        batch_op.drop_column("entry_hash")
        batch_op.drop_column("prev_hash")
