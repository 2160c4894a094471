"""The audit log: an append-only record of every change made through a service.

There is deliberately no function here to change or remove an entry, and a flush-time guard refuses
any update or delete of an AuditEntry that reaches the session.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

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


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")
