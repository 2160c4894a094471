"""Accessible copies on request (R14), and the accessibility check of the whole archive.

Every public document the check flags carries a link to ask the clerk for an accessible copy. A request is a
row here (who asked, how to reach them, which document, what they need) and a mail to the clerk through the
outbox, in one transaction; the clerk marks it answered on the staff page. The requester's name and address
are private: shown to the clerks only, never on a public page, a feed or the API, and kept out of the audit log.

This module sits in the layer that knows both kinds of uploaded document: agenda attachments (app.meetings)
and agreement documents (this package). ``flask documents check`` checks the files uploaded before the check
existed, so the archive is flagged too.
"""

import re
from datetime import datetime

import click
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import audit, outbox
from app.core.db import UTCDateTime
from app.core.errors import DomainError
from app.core.outbox import MailingKind
from app.core.record import in_record_language
from app.core.text import clean_text
from app.core.timeutil import utcnow
from app.extensions import db
from app.legislation.models import AgreementDocument
from app.meetings import accessibility
from app.meetings.models import Attachment

NAME_MAX, EMAIL_MAX, DOCUMENT_MAX, NEEDS_MAX, NOTE_MAX = 200, 254, 300, 2000, 500


class AccessibleCopyRequest(db.Model):
    """A resident's request for an accessible copy of a public document. Private: the clerks only."""

    __tablename__ = "accessible_copy_requests"
    __table_args__ = (CheckConstraint("attachment_id IS NULL OR agreement_document_id IS NULL", name="one_document"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The document the link was next to (none when the resident named it themselves). RESTRICT: on the record.
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id", ondelete="RESTRICT"), index=True)
    agreement_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreement_documents.id", ondelete="RESTRICT"), index=True
    )
    #: The document as the resident named it (prefilled with the file's name and where it is).
    document: Mapped[str] = mapped_column(String(DOCUMENT_MAX))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    #: What they need: a format (large print, tagged PDF, plain text, read aloud), or anything else.
    needs: Mapped[str] = mapped_column(Text)
    #: The language of the form they used, to answer them in it.
    locale: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: The clerk's note on how it was answered ("Tagged PDF sent by mail").
    answer_note: Mapped[str | None] = mapped_column(String(NOTE_MAX))

    attachment: Mapped["Attachment | None"] = relationship("Attachment")
    agreement_document: Mapped["AgreementDocument | None"] = relationship("AgreementDocument")
    answered_by = relationship("User")

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


def _required(value, limit: int, field: str, message: str, *, multiline: bool = False) -> str:
    text = clean_text(value or "", multiline=multiline).strip()
    if not text:
        raise DomainError(message, field=field)
    if len(text) > limit:
        raise DomainError(_("Keep it under %(max)d characters.", max=limit), field=field)
    return text


#: One plain address, safe in a Reply-To header (the form's Email validator has checked it more closely).
ADDRESS = re.compile(r"^[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+$")


def _address(value) -> str:
    address = _required(value, EMAIL_MAX, "email", _("Enter your email address.")).lower()
    if not ADDRESS.match(address):
        raise DomainError(_("Enter an email address like name@example.com."), field="email")
    return address


def clerk_addresses() -> list[str]:
    """Where a request goes: the clerk's address in the city profile, else every active clerk's sign-in address."""
    from app.auth.models import Role, User
    from app.city.services import current_city

    address = current_city().clerk_email
    if address:
        return [address]
    return list(
        db.session.scalars(
            select(User.email).where(User.active.is_(True), User.role == Role.clerk).order_by(User.id)
        ).all()
    )


def request_copy(
    *,
    document: str,
    name: str,
    email: str,
    needs: str,
    locale: str,
    document_url: str = "",
    attachment: Attachment | None = None,
    agreement_document: AgreementDocument | None = None,
) -> AccessibleCopyRequest:
    """Record a resident's request and queue the mail to the clerk, in this transaction (R14)."""
    entry = AccessibleCopyRequest(
        attachment=attachment,
        agreement_document=agreement_document,
        document=_required(document, DOCUMENT_MAX, "document", _("Say which document you need.")),
        name=_required(name, NAME_MAX, "name", _("Enter your name.")),
        email=_address(email),
        needs=_required(needs, NEEDS_MAX, "needs", _("Say what you need."), multiline=True),
        locale=(locale or "en")[:8],
        created_at=utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    with in_record_language():
        subject = _("Accessible copy requested: %(document)s", document=entry.document)
        body = "\n".join(
            [
                _("A resident asked for an accessible copy of a document."),
                "",
                _("Document: %(document)s", document=entry.document),
                *([document_url] if document_url else []),
                _("Name: %(name)s", name=entry.name),
                _("Email: %(email)s", email=entry.email),
                _("Language of the request: %(locale)s", locale=entry.locale),
                "",
                _("What they need:"),
                entry.needs,
                "",
                _("Open requests: %(url)s", url=outbox.external_url("meetings.accessibility_requests")),
            ]
        )
    for address in clerk_addresses():
        outbox.send(
            MailingKind.accessible_copy_request,
            address,
            subject,
            body,
            topic=f"a11y:{entry.id}",
            title=f"Accessible copy request {entry.id}",
            headers={"Reply-To": entry.email},
            sensitive=True,  # the requester's contact details: the text is erased once delivered
        )
    audit.record(
        "accessibility.request",
        entry,
        f"Accessible copy requested: {entry.document}",
        actor_label="public",
        data={"attachment_id": entry.attachment_id, "agreement_document_id": entry.agreement_document_id},
    )
    return entry


def answer(entry: AccessibleCopyRequest, *, note: str | None, actor) -> AccessibleCopyRequest:
    if not entry.is_open:
        raise DomainError(_("This request was already marked answered."))
    entry.answered_at = utcnow()
    entry.answered_by_id = actor.id if actor else None
    entry.answer_note = clean_text(note or "").strip()[:NOTE_MAX] or None
    db.session.flush()
    audit.record(
        "accessibility.answered", entry, f"Accessible copy request {entry.id} answered", actor=actor, actor_label="cli"
    )
    return entry


def requests_page(*, answered_limit: int = 50) -> tuple[list[AccessibleCopyRequest], list[AccessibleCopyRequest]]:
    """(open requests, oldest first; the latest answered ones), with their documents loaded."""
    from sqlalchemy.orm import selectinload

    options = (
        selectinload(AccessibleCopyRequest.attachment).joinedload(Attachment.item),
        selectinload(AccessibleCopyRequest.agreement_document),
        selectinload(AccessibleCopyRequest.answered_by),
    )
    base = select(AccessibleCopyRequest).options(*options)
    open_ = db.session.scalars(
        base.where(AccessibleCopyRequest.answered_at.is_(None)).order_by(AccessibleCopyRequest.id)
    ).all()
    answered = db.session.scalars(
        base.where(AccessibleCopyRequest.answered_at.is_not(None))
        .order_by(AccessibleCopyRequest.answered_at.desc())
        .limit(answered_limit)
    ).all()
    return list(open_), list(answered)


# --- the archive ---------------------------------------------------------------------------------------------


def check_archive(*, everything: bool = False, batch: int = 50, echo=None) -> dict[str, int]:
    """Check every uploaded document not checked yet (``everything``: all of them again), committing every
    ``batch`` documents so a long run keeps what it did. Returns counts: checked, flagged, missing files."""
    counts = {"checked": 0, "flagged": 0, "missing": 0}
    for model in (Attachment, AgreementDocument):
        query = select(model.id).order_by(model.id)
        if not everything:
            query = query.where(model.accessibility_checked_at.is_(None))
        ids = db.session.scalars(query).all()
        for start in range(0, len(ids), batch):
            for document in db.session.scalars(select(model).where(model.id.in_(ids[start : start + batch]))):
                try:
                    found = accessibility.check_stored(document)
                except FileNotFoundError:
                    counts["missing"] += 1
                    if echo:
                        echo(f"missing file: {model.__tablename__} {document.id} {document.original_filename}")
                    continue
                counts["checked"] += 1
                counts["flagged"] += bool(found)
                if echo and found:
                    codes = ", ".join(issue.value for issue in found)
                    echo(f"{model.__tablename__} {document.id} {document.original_filename}: {codes}")
            db.session.commit()
    audit.record(
        "accessibility.archive_check",
        None,
        f"Accessibility check of the archive: {counts['checked']} checked, {counts['flagged']} flagged",
        actor_label="cli",
        target_type="archive",
        data=counts,
    )
    db.session.commit()
    return counts


@click.group("documents")
def documents_command():
    """Uploaded documents."""


@documents_command.command("check")
@click.option("--all", "everything", is_flag=True, help="Check every document again, not only unchecked ones.")
def check_command(everything):
    """Check uploaded documents for accessibility (R14) and store what each lacks."""
    counts = check_archive(everything=everything, echo=click.echo)
    click.echo(
        f"{counts['checked']} documents checked, {counts['flagged']} flagged, {counts['missing']} files missing."
    )
    if counts["missing"]:
        current_app.logger.warning("documents check: %d stored files are missing", counts["missing"])
