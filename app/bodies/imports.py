"""Importing members and their terms from a CSV file (issue 15): every row through ``create_member``,
``update_member``, ``add_term``, ``update_term`` and ``end_term``, so an import obeys every rule the setup pages do.

A row names a person (matched to the record by full name, whatever the case) and, optionally, one term: the body,
the seat's label and the start date. The person is added if new, or updated with the cells that are filled in
(an empty cell keeps what is on record). The term is added unless this person already has a term in that seat
from that day; then it is updated, or "unchanged" if it is the same. ``preview`` runs it all and rolls it back;
``apply`` keeps it only when no row has an error, with one audit entry for the whole import.
"""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.bodies import people, services
from app.bodies.models import Body, Member, Membership, Seat, TermBasis, TermEndReason
from app.core.csv_import import (
    ImportPreview,
    RowError,
    RowOutcome,
    RowResult,
    apply_in_savepoint,
    extra_cells_error,
    parse_choice,
    parse_date,
    preview_in_savepoint,
    read_rows,
    run_rows,
)
from app.core.errors import DomainError
from app.core.text import clean_text
from app.extensions import db

KIND = "members"
MEMBER_COLUMNS = ["full_name", "sort_name", "pronouns", "bio", "contact_email", "contact_phone"]
TERM_COLUMNS = ["body", "seat", "title", "basis", "term_start", "term_end", "end_reason"]
COLUMNS = MEMBER_COLUMNS + TERM_COLUMNS
REQUIRED = ["full_name"]

#: The services' field names, as the CSV calls them.
FIELD_TO_COLUMN = {"term_start_on": "term_start", "term_end_on": "term_end", "seat_id": "seat", "name": "full_name"}


class _Run:
    """One pass over the rows: the bodies are loaded once, and rows already seen are remembered."""

    def __init__(self, actor):
        self.actor = actor
        self.bodies = {b.name.lower(): b for b in services.bodies_with_members()}
        self.seen: dict[tuple, int] = {}
        self.members: dict[str, Member] | None = None

    def row(self, number: int, record: dict[str, str], result: RowResult) -> None:
        try:
            self._row(number, record, result)
        except DomainError as exc:
            exc.field = FIELD_TO_COLUMN.get(exc.field, exc.field)
            raise

    def _row(self, number: int, record: dict[str, str], result: RowResult) -> None:
        extra_cells_error(record)
        full_name = clean_text(record.get("full_name", ""))
        if not full_name:
            raise RowError("full_name", _("Enter the member's full name."))
        term = self._term_cells(record)
        key = (" ".join(full_name.lower().split()), *((term[0].lower(), term[1].lower(), term[2]) if term else ()))
        if key in self.seen:
            raise RowError(None, _("This row repeats row %(row)d.", row=self.seen[key]))
        self.seen[key] = number
        body = seat = None
        if term:
            body, seat = self._seat(term[0], term[1])

        member = self._member(full_name)
        if member is None:
            member = people.create_member(self._member_input(record, None), actor=self.actor)
            self.members[member.full_name.lower()] = member
            result.outcome = RowOutcome.new
            result.actions.append(_("Adds the member %(name)s.", name=member.full_name))
        else:
            before = {c: getattr(member, c) for c in MEMBER_COLUMNS}
            people.update_member(member, self._member_input(record, member), actor=self.actor)
            changed = [c for c in MEMBER_COLUMNS if getattr(member, c) != before[c]]
            if changed:
                result.outcome = RowOutcome.updated
                result.actions.append(
                    _("Updates %(name)s: %(columns)s.", name=member.full_name, columns=", ".join(changed))
                )
            else:
                result.actions.append(_("%(name)s is already on record as given.", name=member.full_name))
        if term:
            self._apply_term(body, seat, member, term, result)

    def _member(self, full_name: str) -> Member | None:
        """The member of that name on record, or added by an earlier row that was kept (a refused row's
        member left the session with its savepoint)."""
        if self.members is None:
            self.members = {m.full_name.lower(): m for m in db.session.scalars(select(Member))}
        member = self.members.get(full_name.lower())
        return member if member is not None and member in db.session else None

    def _term_cells(self, record: dict[str, str]):
        """(body, seat, start, end, title, basis, end reason) or None for a row without a term."""
        body_name = clean_text(record.get("body", ""))
        if not body_name:
            filled = [c for c in TERM_COLUMNS if record.get(c)]
            if filled:
                raise RowError(
                    "body", _("Give the body of this term (the column %(name)s is filled in).", name=filled[0])
                )
            return None
        seat_label = clean_text(record.get("seat", ""))
        if not seat_label:
            raise RowError("seat", _("Give the label of the seat, as on the body's page (“District 1”)."))
        if not record.get("term_start"):
            raise RowError("term_start", _("Give the day the term starts."))
        start = parse_date(record["term_start"], "term_start")
        end = parse_date(record["term_end"], "term_end") if record.get("term_end") else None
        # An empty cell keeps what is on record for a term already there (a new term is "elected" by default).
        basis = parse_choice(record["basis"], "basis", TermBasis) if record.get("basis") else None
        reason = parse_choice(record["end_reason"], "end_reason", TermEndReason) if record.get("end_reason") else None
        if reason is not None and end is None:
            raise RowError("term_end", _("A term with an end reason needs the day it ended."))
        title = clean_text(record.get("title", ""))
        return (body_name, seat_label, start, end, title, basis, reason)

    def _seat(self, body_name: str, seat_label: str) -> tuple[Body, Seat]:
        body = self.bodies.get(body_name.lower())
        if body is None:
            raise RowError(
                "body",
                _("No body is named “%(name)s”. Bodies: %(names)s.", name=body_name, names=self._body_names()),
            )
        seat = next((s for s in body.seats if s.label.lower() == seat_label.lower()), None)
        if seat is None:
            raise RowError(
                "seat",
                _(
                    "%(body)s has no seat “%(seat)s”. Its seats: %(seats)s.",
                    body=body.name,
                    seat=seat_label,
                    seats=", ".join(s.label for s in body.seats),
                ),
            )
        return body, seat

    def _body_names(self) -> str:
        return ", ".join(b.name for b in self.bodies.values()) or _("none yet")

    @staticmethod
    def _member_input(record: dict[str, str], member: Member | None) -> people.MemberInput:
        """The row's cells; an empty cell keeps what is on record."""
        return people.MemberInput(
            **{c: record.get(c) or (getattr(member, c) if member is not None else "") for c in MEMBER_COLUMNS}
        )

    def _apply_term(self, body: Body, seat: Seat, member: Member, term, result: RowResult) -> None:
        _body, _seat, start, end, title, basis, reason = term
        where = {"seat": seat.label, "body": body.name, "start": start.isoformat()}
        existing = next(
            (
                m
                for m in body.memberships
                if m.member_id == member.id and m.seat_id == seat.id and m.term_start_on == start
            ),
            None,
        )
        if existing is None:
            added = people.add_term(
                body,
                member,
                people.TermInput(
                    seat_id=seat.id, term_start_on=start, term_end_on=end, title=title, basis=basis or TermBasis.elected
                ),
                actor=self.actor,
            )
            result.outcome = RowOutcome.new
            if end is None:
                result.actions.append(_("Adds a term: %(seat)s, %(body)s, from %(start)s.", **where))
            else:
                result.actions.append(
                    _("Adds a term: %(seat)s, %(body)s, from %(start)s to %(end)s.", end=end.isoformat(), **where)
                )
            if reason is not None:
                self._end(added, end, reason, result)
            return
        before = (existing.term_end_on, existing.title, existing.basis, existing.end_reason)
        people.update_term(
            existing,
            people.TermInput(
                seat_id=seat.id,
                term_start_on=start,
                term_end_on=end or existing.term_end_on,
                title=title or existing.title,
                basis=basis or existing.basis,
            ),
            actor=self.actor,
        )
        if reason is not None and existing.end_reason != reason:
            self._end(existing, end, reason, result)
        if (existing.term_end_on, existing.title, existing.basis, existing.end_reason) != before:
            if result.outcome == RowOutcome.unchanged:
                result.outcome = RowOutcome.updated
            result.actions.append(_("Updates the term in %(seat)s, %(body)s, from %(start)s.", **where))
        else:
            result.actions.append(_("The term in %(seat)s, %(body)s, from %(start)s is already on record.", **where))

    def _end(self, term: Membership, end: date, reason: TermEndReason, result: RowResult) -> None:
        people.end_term(term, end, reason, actor=self.actor)
        result.actions.append(_("It ended on %(day)s: %(reason)s.", day=end.isoformat(), reason=reason.label))


def _run(data: bytes, actor) -> ImportPreview:
    rows = read_rows(data, COLUMNS, REQUIRED)
    run = _Run(actor)
    return run_rows(rows, run.row, kind=KIND)


def check_file(data: bytes) -> int:
    """The number of rows, if the file can be read at all; else FileRefused (nothing run, nothing written)."""
    return len(read_rows(data, COLUMNS, REQUIRED))


def preview(data: bytes, *, actor=None) -> ImportPreview:
    """What the file would do, row by row; nothing is saved. Raises FileRefused for a file that cannot be read."""
    return preview_in_savepoint(lambda: _run(data, actor))


def apply(data: bytes, *, actor, filename: str = "") -> ImportPreview:
    """Import every row or none: raises ImportHasErrors (nothing saved) if any row has an error. Flushes, never
    commits; one audit entry for the import, besides each service's own."""

    return apply_in_savepoint(
        lambda: _run(data, actor),
        action="import.members",
        summary=lambda counts: (
            f"Imported members and terms from {filename or 'a CSV file'}: {counts['new']} new, "
            f"{counts['updated']} updated, {counts['unchanged']} unchanged"
        ),
        filename=filename,
        actor=actor,
    )
