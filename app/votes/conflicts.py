"""Conflict disclosures (R7): stated before the roll opens, Form 8B due within FORM_8B_DAYS."""

from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.meetings import attendance
from app.meetings.models import AgendaItem, CommentExemption
from app.votes.models import ConflictDisclosure, DisclosureBasis
from app.votes.motions import require_session
from app.votes.reading import disclosure_for
from app.votes.rules import require_self


def disclose_conflict(
    item: AgendaItem, member_id: int, *, nature: str, basis: DisclosureBasis, actor, for_self_only: bool = False
) -> ConflictDisclosure:
    """F.S. 112.3143(3)(a): the member states the nature of the interest on the record before the vote; the
    Form 8B memorandum is due 15 days later (``FORM_8B_DAYS``)."""
    if for_self_only:
        require_self(actor, member_id, _("You can disclose only your own conflicts."))
    meeting = item.meeting
    require_session(meeting)
    if member_id not in {m.member_id for m in attendance.roll(meeting)}:
        raise DomainError(_("Choose a member of this body."), field="member_id")
    nature = clean_text(nature or "", multiline=True)
    if not nature:
        raise DomainError(_("State the nature of the interest."), field="nature")
    if len(nature) > 5000:
        raise DomainError(_("Keep the statement under 5,000 characters."), field="nature")
    if basis == DisclosureBasis.quasi_judicial and item.comment_exemption != CommentExemption.quasi_judicial:
        raise DomainError(_("The quasi-judicial ground applies only to a quasi-judicial item."), field="basis")
    if disclosure_for(item, member_id) is not None:
        raise DomainError(_("This member has already disclosed a conflict on this item."), field="member_id")
    days = current_app.config["FORM_8B_DAYS"]
    disclosure = ConflictDisclosure(
        meeting_id=meeting.id,
        agenda_item_id=item.id,
        member_id=member_id,
        nature_of_interest=nature,
        basis=basis,
        stated_at=utcnow(),
        form_8b_due_on=to_local(meeting.start_at).date() + timedelta(days=days),
        recorded_by_id=actor.id if actor else None,
    )
    db.session.add(disclosure)
    db.session.flush()
    audit.record(
        "conflict.disclosed",
        disclosure,
        f"Conflict disclosed on item {item.label} (member {member_id})",
        actor=actor,
        data={"basis": basis.value},
    )
    return disclosure


def file_form_8b(disclosure: ConflictDisclosure, *, filed_on: date, filename: str, stream, actor):
    from app.core.uploads import validate_and_store

    if disclosure.form_8b_filed_on is not None:
        raise DomainError(_("The memorandum was already filed."))
    today = to_local(utcnow()).date()
    if filed_on is None or filed_on > today or filed_on < to_local(disclosure.stated_at).date():
        raise DomainError(
            _("Give the date it was filed: not before the meeting and not in the future."), field="filed_on"
        )
    stored = validate_and_store(filename, stream)
    disclosure.form_8b_filed_on = filed_on
    disclosure.form_8b_filename, disclosure.form_8b_stored_name = stored.original_filename, stored.stored_name
    disclosure.form_8b_size = stored.size
    db.session.flush()
    audit.record("conflict.form_8b_filed", disclosure, f"Form 8B filed on {filed_on.isoformat()}", actor=actor)
    return disclosure


def open_disclosures() -> list[ConflictDisclosure]:
    """Disclosures whose Form 8B is not filed yet, the soonest due first (the clerk's dashboard)."""
    return list(
        db.session.scalars(
            select(ConflictDisclosure)
            .options(joinedload(ConflictDisclosure.item))
            .where(ConflictDisclosure.form_8b_filed_on.is_(None))
            .order_by(ConflictDisclosure.form_8b_due_on, ConflictDisclosure.id)
        )
    )
