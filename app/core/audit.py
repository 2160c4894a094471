"""The audit log: an append-only record of every change made through a service.

There is deliberately no function here to change or remove an entry, and a flush-time guard refuses
any update or delete of an AuditEntry that reaches the session.

The log is a hash chain: each entry stores ``prev_hash`` (the ``entry_hash`` of the entry before it, in id
order; "" for the first) and ``entry_hash``, the SHA-256 of its canonical content (``entry_content``). The
hashes are given at flush time, just before the INSERT, in the order the entries were recorded: on
PostgreSQL a transaction-scoped advisory lock is taken first, on SQLite the write lock, so two transactions
never chain onto the same entry. The hash does not cover the id: the chain itself fixes the order.
``flask verify`` recomputes it (``verify_chain``).
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, Integer, String, Text, event, inspect, select, text
from sqlalchemy.orm import Mapped, Session, lazyload, mapped_column, relationship

from app.core.db import UTCDateTime
from app.core.timeutil import utcnow
from app.extensions import db

if TYPE_CHECKING:  # names for the relationship annotations only; nothing is imported at run time
    from app.auth.models import User


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    #: The staff user who acted; NULL for the command line. RESTRICT: a user on the record is never deleted.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    #: Snapshot of who acted ("clerk@city.example", "cli"), kept even if the account is later renamed.
    actor_label: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_type: Mapped[str] = mapped_column(String(80))
    target_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    #: Before/after values and any other detail, as JSON.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    #: The entry_hash of the entry before this one ("" for the first entry of the log).
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    #: SHA-256 (hex) of entry_content(): this entry's content and prev_hash.
    entry_hash: Mapped[str] = mapped_column(String(64), default="", index=True)

    actor: Mapped["User | None"] = relationship("User", foreign_keys=[actor_id], lazy="joined")


def record(
    action: str, target, summary: str, *, actor=None, data: dict | None = None, target_type=None, actor_label=None
) -> AuditEntry:
    """Append one audit entry. ``summary`` is record text in the city's record language, not translated.

    ``actor`` is a User; without one, ``actor_label`` says who ("cli", "system")."""
    entry = AuditEntry(
        action=action,
        target_type=target_type or type(target).__name__,
        target_id=getattr(target, "id", None),
        summary=summary,
        data=data or {},
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else (actor_label or "system"),
        ip_address=request.remote_addr if has_request_context() else None,
        created_at=utcnow(),
    )
    db.session.add(entry)
    return entry


#: Any constant: the key of the PostgreSQL advisory lock that serializes appending to the chain.
CHAIN_LOCK_KEY = 160_016


def canonical_json(value) -> str:
    """The one JSON spelling hashed everywhere: sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def iso_utc(value: datetime | None) -> str | None:
    """A time as hashed: UTC, microseconds, "Z" (the same from SQLite and PostgreSQL)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_content(entry: "AuditEntry", prev_hash: str) -> str:
    """What an entry's hash covers: who did what to which record, when, with which values, after which entry."""
    return canonical_json(
        {
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "summary": entry.summary,
            # Through JSON and back: hash what the column stores (tuples become lists, keys strings).
            "data": json.loads(json.dumps(entry.data or {})),
            "actor_id": entry.actor_id,
            "actor_label": entry.actor_label,
            "created_at": iso_utc(entry.created_at),
            "prev_hash": prev_hash,
        }
    )


def entry_hash(entry: "AuditEntry", prev_hash: str) -> str:
    return hashlib.sha256(entry_content(entry, prev_hash).encode("utf-8")).hexdigest()


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session, flush_context, instances):
    """Give the entries about to be inserted their place in the chain, in the order they were recorded."""
    new = [obj for obj in session.new if isinstance(obj, AuditEntry)]
    if not new:
        return
    new.sort(key=lambda obj: inspect(obj).insert_order)
    connection = session.connection(bind_arguments={"mapper": inspect(AuditEntry)})
    if connection.dialect.name == "postgresql":
        # Held to the end of the transaction: the next writer reads the last hash only after this one commits.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    else:
        # SQLite: outside a writing request a transaction takes the write lock at its first statement that is not
        # a SELECT (app/core/sqlite.py); reads before it run in autocommit. This statement changes nothing but
        # takes the lock now, so the last hash is read with no other writer in between.
        connection.execute(text("UPDATE audit_entries SET id = id WHERE 1 = 0"))
    # On the connection, not the session: no autoflush from inside a flush. Sees this transaction's earlier flushes.
    last = connection.execute(
        select(AuditEntry.__table__.c.entry_hash).order_by(AuditEntry.__table__.c.id.desc()).limit(1)
    ).scalar()
    prev = last or ""
    for entry in new:
        if entry.created_at is None:
            entry.created_at = utcnow()
        if entry.data is None:
            entry.data = {}
        entry.prev_hash = prev
        entry.entry_hash = prev = entry_hash(entry, prev)


class ChainBreak:
    """The first entry of the log that does not hold: its id and what is wrong with it."""

    def __init__(self, entry_id: int, problem: str, what: str | None = None):
        self.entry_id = entry_id
        self.problem = problem
        self.what = what

    def __str__(self):
        what = f" ({self.what})" if self.what else ""
        return f"audit entry {self.entry_id}{what}: {self.problem}"


def verify_chain(session) -> tuple[int, ChainBreak | None]:
    """Walk the log in id order, recompute every hash. Returns (entries checked, first break or None)."""
    prev = ""
    count = 0
    query = select(AuditEntry).options(lazyload(AuditEntry.actor)).order_by(AuditEntry.id)
    rows = session.execute(query.execution_options(yield_per=500)).scalars()
    for entry in rows:
        count += 1
        if entry.prev_hash != prev:
            return count, ChainBreak(
                entry.id,
                "its prev_hash does not match the entry before it (an entry before it was removed or added)",
            )
        if entry.entry_hash != entry_hash(entry, prev):
            return count, ChainBreak(entry.id, "hash does not match its content (the entry was changed)")
        prev = entry.entry_hash
    return count, None


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")
