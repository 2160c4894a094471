"""Documents attached to agenda items (R14): checked by content, stored outside the web root; after the agenda
is published each one is an amendment with a reason in the public change log."""

from flask_babel import gettext as _

from app.core import audit
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.core.uploads import validate_and_store
from app.extensions import db
from app.meetings import accessibility
from app.meetings.agenda import record_amendment, require_editable_agenda
from app.meetings.models import AgendaItem, Attachment
from app.meetings.texts import stored_text


def add_attachment(
    item: AgendaItem, *, filename: str | None, stream, amendment_reason: str | None = None, actor
) -> Attachment:
    if item.is_withdrawn:
        raise DomainError(_("A withdrawn item cannot take attachments."))
    reason = require_editable_agenda(item.meeting, amendment_reason)
    stored = validate_and_store(filename, stream)
    attachment = Attachment(
        agenda_item_id=item.id,
        original_filename=stored.original_filename,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=actor.id if actor else None,
        created_at=utcnow(),
        text_content=stored_text(stored),
    )
    accessibility.check_stored(attachment)  # R14: what the file lacks, shown to the clerk and the public
    db.session.add(attachment)
    db.session.flush()
    record_amendment(
        item.meeting,
        f"Document '{stored.original_filename}' attached to item {item.label}",
        reason,
        actor,
        {
            "event": "document_attached",
            "item_id": item.id,
            "attachment_id": attachment.id,
            "label": item.label,
            "filename": stored.original_filename,
        },
    )
    audit.record(
        "attachment.add",
        attachment,
        f"Attached '{stored.original_filename}' to item {item.label}",
        actor=actor,
        data={"sha256": stored.sha256, "size": stored.size, "content_type": stored.content_type},
    )
    db.session.flush()
    return attachment
