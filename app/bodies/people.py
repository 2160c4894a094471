"""People on the record: members (details, staff-only contact, photo) and their terms in seats, with every
check and audit entry. Bodies, seats and rules are in ``services``."""

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.bodies.models import Body, Member, Membership, Seat, TermBasis, TermEndReason
from app.bodies.services import _clean_name
from app.core import audit
from app.core.errors import DomainError
from app.core.storage import delete_after_commit
from app.core.text import clean_text
from app.core.uploads import validate_and_store_image
from app.extensions import db

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class MemberInput:
    full_name: str
    sort_name: str = ""
    pronouns: str = ""
    bio: str = ""
    contact_email: str = ""
    contact_phone: str = ""


def default_sort_name(full_name: str) -> str:
    """ "Marisol Quintana-Reyes" -> "Quintana-Reyes, Marisol"."""
    parts = full_name.split()
    return f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else full_name


def _member_values(data: MemberInput) -> dict:
    full_name = _clean_name(data.full_name, "full_name", 120)
    sort_name = clean_text(data.sort_name or "") or default_sort_name(full_name)
    values = {
        "full_name": full_name,
        "sort_name": sort_name,
        "pronouns": clean_text(data.pronouns or ""),
        "bio": clean_text(data.bio or "", multiline=True),
        "contact_email": (data.contact_email or "").strip().lower(),
        "contact_phone": clean_text(data.contact_phone or ""),
    }
    for field, limit in (("sort_name", 120), ("pronouns", 40), ("bio", 4000), ("contact_email", 254)):
        if len(values[field]) > limit:
            raise DomainError(_("Use at most %(num)d characters.", num=limit), field=field)
    if len(values["contact_phone"]) > 40:
        raise DomainError(_("Use at most %(num)d characters.", num=40), field="contact_phone")
    if values["contact_email"] and not _EMAIL.match(values["contact_email"]):
        raise DomainError(_("Enter a valid email address."), field="contact_email")
    return values


def create_member(data: MemberInput, *, actor) -> Member:
    values = _member_values(data)
    twin = db.session.scalar(select(Member).where(func.lower(Member.full_name) == values["full_name"].lower()))
    if twin is not None:
        raise DomainError(
            _("%(name)s is already on the record; give them a new term instead.", name=twin.full_name),
            field="full_name",
        )
    member = Member(**values)
    db.session.add(member)
    db.session.flush()
    audit.record("member.create", member, f"Added member {member.full_name}", actor=actor, actor_label="setup")
    return member


#: The largest member photo accepted.
PHOTO_MAX_BYTES = 2 * 1024 * 1024


def set_member_photo(member: Member, upload, *, actor) -> Member:
    """Replace the member's public photo with an uploaded PNG, JPEG or plain SVG (checked by content)."""
    filename = getattr(upload, "filename", None)
    if upload is None or not hasattr(upload, "stream") or not isinstance(filename, str | None):
        raise DomainError(_("Choose a picture file."), field="photo")
    stored = validate_and_store_image(filename, upload.stream, field="photo", max_bytes=PHOTO_MAX_BYTES)
    delete_after_commit(member.photo_stored_name)  # the old photo goes once this commits
    member.photo_stored_name, member.photo_content_type = stored.stored_name, stored.content_type
    member.photo_sha256 = stored.sha256
    audit.record(
        "member.photo", member, f"New photo of {member.full_name}", actor=actor, data={"sha256": stored.sha256}
    )
    db.session.flush()
    return member


def remove_member_photo(member: Member, *, actor) -> Member:
    if member.photo_sha256 is None:
        raise DomainError(_("This member has no photo."), field="remove_photo")
    delete_after_commit(member.photo_stored_name)
    member.photo_stored_name = member.photo_content_type = member.photo_sha256 = None
    audit.record("member.photo_removed", member, f"Photo of {member.full_name} removed", actor=actor)
    db.session.flush()
    return member


def update_member(member: Member, data: MemberInput, *, actor) -> Member:
    values = _member_values(data)
    twin = db.session.scalar(select(Member).where(func.lower(Member.full_name) == values["full_name"].lower()))
    if twin is not None and twin is not member:
        raise DomainError(_("Another member is named %(name)s.", name=twin.full_name), field="full_name")
    before = {k: getattr(member, k) for k in values}
    for k, v in values.items():
        setattr(member, k, v)
    changed = sorted(k for k in values if before[k] != values[k])
    if changed:
        # Contact details are staff-only: the audit names what changed, not the values.
        audit.record(
            "member.update", member, f"Updated member {member.full_name}", actor=actor, data={"changed": changed}
        )
    db.session.flush()
    return member


@dataclass
class TermInput:
    seat_id: int
    term_start_on: date
    term_end_on: date | None = None
    title: str = ""
    basis: TermBasis = TermBasis.elected


def _overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    return a_start <= (b_end or date.max) and b_start <= (a_end or date.max)


def _check_term(body: Body, member: Member, data: TermInput, term: Membership | None = None) -> Seat:
    seat = next((s for s in body.seats if s.id == data.seat_id), None)
    if seat is None:
        raise DomainError(_("Choose a seat of this body."), field="seat_id")
    if data.term_end_on is not None and data.term_end_on < data.term_start_on:
        raise DomainError(_("A term cannot end before it starts."), field="term_end_on")
    if body.retired_on is not None and data.term_start_on >= body.retired_on:
        raise DomainError(
            _("%(body)s is retired since %(day)s.", body=body.name, day=body.retired_on.isoformat()),
            field="term_start_on",
        )
    if data.term_start_on < seat.established_on or (seat.retired_on and data.term_start_on >= seat.retired_on):
        raise DomainError(_("The seat %(seat)s did not exist on that day.", seat=seat.label), field="term_start_on")
    for other in body.memberships:
        if other is term:
            continue
        if other.seat_id == seat.id and _overlaps(
            other.term_start_on, other.term_end_on, data.term_start_on, data.term_end_on
        ):
            raise DomainError(
                _(
                    "%(name)s holds the seat %(seat)s from %(start)s%(until)s; terms in one seat cannot overlap.",
                    name=other.member.full_name,
                    seat=seat.label,
                    start=other.term_start_on.isoformat(),
                    until=f" to {other.term_end_on.isoformat()}" if other.term_end_on else "",
                ),
                field="term_start_on",
            )
        if other.member_id == member.id and _overlaps(
            other.term_start_on, other.term_end_on, data.term_start_on, data.term_end_on
        ):
            raise DomainError(
                _("%(name)s already holds another seat of this body then.", name=member.full_name),
                field="term_start_on",
            )
    if len(data.title or "") > 60:
        raise DomainError(_("Use at most %(num)d characters.", num=60), field="title")
    return seat


def add_term(body: Body, member: Member, data: TermInput, *, actor) -> Membership:
    """A term of ``member`` in one of the body's seats; refused if it overlaps another term in that seat or
    another seat the member holds on the same body."""
    seat = _check_term(body, member, data)
    term = Membership(
        member_id=member.id,
        body_id=body.id,
        seat_id=seat.id,
        title=clean_text(data.title or "") or seat.label,
        basis=data.basis,
        term_start_on=data.term_start_on,
        term_end_on=data.term_end_on,
    )
    term.member, term.seat = member, seat
    body.memberships.append(term)
    db.session.flush()
    audit.record(
        "term.add",
        member,
        f"{member.full_name}: {seat.label}, {body.name}, from {data.term_start_on.isoformat()}",
        actor=actor,
        actor_label="setup",
        data={
            "term_id": term.id,
            "seat_id": seat.id,
            "start": data.term_start_on.isoformat(),
            "end": data.term_end_on.isoformat() if data.term_end_on else None,
            "basis": data.basis.value,
        },
    )
    return term


def update_term(term: Membership, data: TermInput, *, actor) -> Membership:
    seat = _check_term(term.body, term.member, data, term)
    before = (term.seat_id, term.term_start_on, term.term_end_on, term.title, term.basis)
    term.seat, term.seat_id = seat, seat.id
    term.term_start_on, term.term_end_on = data.term_start_on, data.term_end_on
    if term.term_end_on is None:
        term.end_reason = None  # a term without an end did not end early
    term.title = clean_text(data.title or "") or seat.label
    term.basis = data.basis
    if before != (term.seat_id, term.term_start_on, term.term_end_on, term.title, term.basis):
        audit.record(
            "term.update",
            term.member,
            f"Term of {term.member.full_name} in {seat.label} changed",
            actor=actor,
            data={"term_id": term.id},
        )
    db.session.flush()
    return term


def end_term(term: Membership, on: date, reason: TermEndReason | None, *, actor) -> Membership:
    """End a term early (resigned, removed, died, term limit): the seat is vacant from the next day."""
    if on < term.term_start_on:
        raise DomainError(_("A term cannot end before it starts."), field="term_end_on")
    if term.term_end_on is not None and on > term.term_end_on:
        raise DomainError(_("That is after the term's scheduled end."), field="term_end_on")
    # An officer's flags stay on the term: they presided during it, and until its last day they still do.
    term.term_end_on, term.end_reason = on, reason
    audit.record(
        "term.end",
        term.member,
        f"Term of {term.member.full_name} in {term.seat.label} ended {on.isoformat()}",
        actor=actor,
        data={"term_id": term.id, "reason": reason.value if reason else None},
    )
    db.session.flush()
    return term
