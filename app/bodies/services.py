"""Bodies, their seats and rules, members and their terms: every rule about them, every write, every audit entry.

The setup pages, the CSV import and the demo all go through these functions, so each path is the same one.
"""

from dataclasses import dataclass, fields
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.bodies.events import body_retiring
from app.bodies.models import (
    Body,
    BodyKind,
    BodyQuorumRule,
    BodyRollCallOrder,
    BodyRules,
    Membership,
    Seat,
    SeatSelection,
    ThresholdBasis,
    ThresholdFraction,
    VacancyRule,
    today_local,
)
from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text
from app.extensions import db

MAX_SEATS = 60

# --- reading ---------------------------------------------------------------------------------------

#: Loader options for a body shown with its seats, terms and rules: a fixed number of queries for any number.
BODY_WHOLE = (
    selectinload(Body.seats),
    selectinload(Body.rule_versions),
    selectinload(Body.memberships).joinedload(Membership.member),
)


def bodies_with_members(*, include_retired: bool = True) -> list[Body]:
    """Every body with its memberships and members, in a fixed number of queries whatever their number."""
    query = select(Body).options(*BODY_WHOLE).order_by(Body.name)
    if not include_retired:
        query = query.where(Body.retired_on.is_(None))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class RosterRow:
    """One seat on a given day: who held it (None when vacant) and in what capacity."""

    seat: Seat
    term: Membership | None

    @property
    def vacant(self) -> bool:
        return self.term is None


def roster_on(body: Body, on: date) -> list[RosterRow]:
    """Every seat of the body on ``on``, in seat order, with the term that filled it or None (vacant)."""
    by_seat = {m.seat_id: m for m in body.current_memberships(on)}
    return [RosterRow(seat=s, term=by_seat.get(s.id)) for s in body.seats_on(on)]


# --- rules -----------------------------------------------------------------------------------------


@dataclass
class RulesInput:
    """The versioned rules as typed in a form; validated by ``check_rules``."""

    effective_on: date
    quorum_rule: BodyQuorumRule = BodyQuorumRule.majority_of_seats
    quorum_fixed: int | None = None
    quorum_in_person_only: bool = True
    vacancy_rule: VacancyRule = VacancyRule.count_vacant_seats
    threshold_basis: ThresholdBasis = ThresholdBasis.members_present
    threshold_fraction: ThresholdFraction = ThresholdFraction.majority
    threshold_min_yes: int = 0
    roll_call_order: BodyRollCallOrder = BodyRollCallOrder.alphabetical_chair_last
    seconds_required: bool = True
    notice_special_block_hours: int = 24
    notice_special_warn_hours: int = 72
    notice_regular_warn_hours: int = 7 * 24
    note: str = ""


RULE_FIELDS = [f.name for f in fields(RulesInput) if f.name not in ("effective_on", "note")]


def check_rules(rules: RulesInput, seat_count: int) -> None:
    """Refuse rules nobody could meet, naming the field: a quorum larger than the seats, a threshold that
    needs more yes votes than there are seats, a warning lead time shorter than the blocking one."""
    if rules.quorum_rule == BodyQuorumRule.fixed:
        if not rules.quorum_fixed:
            raise DomainError(_("Enter the number of members that make a quorum."), field="quorum_fixed")
        if not 1 <= rules.quorum_fixed <= seat_count:
            raise DomainError(
                _(
                    "A quorum of %(num)d cannot be reached with %(seats)d seats.",
                    num=rules.quorum_fixed,
                    seats=seat_count,
                ),
                field="quorum_fixed",
            )
    if not 0 <= rules.threshold_min_yes <= seat_count:
        raise DomainError(
            _(
                "A minimum of %(num)d yes votes cannot be reached with %(seats)d seats.",
                num=rules.threshold_min_yes,
                seats=seat_count,
            ),
            field="threshold_min_yes",
        )
    for name in ("notice_special_block_hours", "notice_special_warn_hours", "notice_regular_warn_hours"):
        if not 0 <= getattr(rules, name) <= 24 * 60:
            raise DomainError(_("Lead times are between 0 and 1,440 hours."), field=name)
    if rules.notice_special_warn_hours < rules.notice_special_block_hours:
        raise DomainError(
            _("The warning lead time cannot be shorter than the blocking one."), field="notice_special_warn_hours"
        )
    if len(rules.note or "") > 300:
        raise DomainError(_("Use at most 300 characters."), field="note")


def _rules_data(rules) -> dict:
    return {
        name: (value.value if hasattr(value, "value") else value)
        for name in RULE_FIELDS
        for value in [getattr(rules, name)]
    }


def lock_body(body: Body) -> None:
    """Serialise the versioned changes of one body (its rules, its comment policy): two saved at the same moment
    become consecutive versions instead of one failing on UNIQUE(body_id, version). PostgreSQL: a row lock held
    until the commit; SQLite: a writing request already holds the database's write lock (app/core/sqlite.py)."""
    db.session.execute(select(Body.id).where(Body.id == body.id).with_for_update())


def adopt_rules(body: Body, rules: RulesInput, *, actor) -> BodyRules:
    """A new version of the body's rules, in force from ``rules.effective_on``. Earlier versions stay, and a
    meeting already noticed keeps the version it was noticed under."""
    lock_body(body)
    check_rules(rules, max(len(body.seats_on(rules.effective_on)), 1))
    latest = body.rule_versions[-1] if body.rule_versions else None
    if latest is not None and _rules_data(latest) == _rules_data(rules) and latest.effective_on <= rules.effective_on:
        raise DomainError(_("These rules are the ones already in force; nothing to change."), field="effective_on")
    version = (db.session.scalar(select(func.max(BodyRules.version)).where(BodyRules.body_id == body.id)) or 0) + 1
    row = BodyRules(
        body_id=body.id,
        version=version,
        effective_on=rules.effective_on,
        note=clean_text(rules.note or "")[:300],
        created_by=getattr(actor, "display_name", "") or "",
        **{name: getattr(rules, name) for name in RULE_FIELDS},
    )
    body.rule_versions.append(row)
    db.session.flush()
    audit.record(
        "body.rules",
        body,
        f"Rules of {body.name}: version {version}, in force from {rules.effective_on.isoformat()}",
        actor=actor,
        data={"version": version, "effective_on": rules.effective_on.isoformat(), **_rules_data(rules)},
    )
    return row


def rules_input_from(rules: BodyRules, effective_on: date) -> RulesInput:
    """A form's starting values: the rules in force, to change from a new date."""
    return RulesInput(effective_on=effective_on, note="", **{name: getattr(rules, name) for name in RULE_FIELDS})


# --- bodies ----------------------------------------------------------------------------------------


def _clean_name(name: str, field: str, limit: int) -> str:
    value = clean_text(name or "")
    if not value:
        raise DomainError(_("Enter a name."), field=field)
    if len(value) > limit:
        raise DomainError(_("Use at most %(num)d characters.", num=limit), field=field)
    return value


def _check_body_name(name: str, body: Body | None = None) -> str:
    value = _clean_name(name, "name", 120)
    clash = db.session.scalar(select(Body).where(func.lower(Body.name) == value.lower()))
    if clash is not None and clash is not body:
        raise DomainError(_("Another body is already named “%(name)s”.", name=clash.name), field="name")
    return value


def create_body(
    *,
    name: str,
    kind: BodyKind,
    seat_count: int,
    rules: RulesInput,
    seat_labels: list[str] | None = None,
    seat_selection: SeatSelection = SeatSelection.elected,
    agenda_sections: list[str] | None = None,
    actor,
) -> Body:
    """A body with ``seat_count`` seats ("Seat 1"... unless labels are given) and its first rules."""
    name = _check_body_name(name)
    if not isinstance(seat_count, int) or not 1 <= seat_count <= MAX_SEATS:
        raise DomainError(_("A body has between 1 and %(num)d seats.", num=MAX_SEATS), field="seat_count")
    labels = [clean_text(x) for x in (seat_labels or []) if clean_text(x)]
    if labels and len(labels) != seat_count:
        raise DomainError(
            _("Give one label per seat: %(labels)d labels for %(seats)d seats.", labels=len(labels), seats=seat_count),
            field="seat_labels",
        )
    _check_labels(labels)
    check_rules(rules, seat_count)
    body = Body(name=name, kind=kind)
    if agenda_sections is not None:
        body.agenda_sections = check_sections(agenda_sections)
    db.session.add(body)
    db.session.flush()
    for n in range(1, seat_count + 1):
        body.seats.append(
            Seat(
                number=n,
                label=labels[n - 1] if labels else _("Seat %(num)d", num=n),
                selection=seat_selection,
                established_on=rules.effective_on,
            )
        )
    db.session.flush()
    audit.record(
        "body.create",
        body,
        f"Created body {name} ({kind.value}, {seat_count} seats)",
        actor=actor,
        actor_label="setup",
        data={"name": name, "kind": kind.value, "seats": [s.label for s in body.seats]},
    )
    adopt_rules(body, rules, actor=actor)
    return body


def update_body(body: Body, *, name: str, kind: BodyKind, actor) -> Body:
    before = {"name": body.name, "kind": body.kind.value}
    body.name = _check_body_name(name, body)
    body.kind = kind
    after = {"name": body.name, "kind": body.kind.value}
    if before != after:
        audit.record(
            "body.update", body, f"Updated body {body.name}", actor=actor, data={"before": before, "after": after}
        )
    db.session.flush()
    return body


def retire_body(body: Body, on: date, *, actor) -> None:
    """A body that stops meeting keeps its record; it leaves the lists of bodies to schedule for."""
    if body.retired_on is not None:
        raise DomainError(_("This body is already retired."))
    body_retiring.send(body, on=on)  # meetings refuses while the body has meetings from that day on
    body.retired_on = on
    audit.record("body.retire", body, f"Retired body {body.name} from {on.isoformat()}", actor=actor)
    db.session.flush()


def reinstate_body(body: Body, *, actor) -> None:
    if body.retired_on is None:
        raise DomainError(_("This body is not retired."))
    body.retired_on = None
    audit.record("body.reinstate", body, f"Reinstated body {body.name}", actor=actor)
    db.session.flush()


def check_sections(sections: list[str]) -> list[str]:
    cleaned = [clean_text(s) for s in sections if clean_text(s)]
    if not cleaned:
        raise DomainError(_("List at least one agenda section."), field="agenda_sections")
    if len(cleaned) > 30 or any(len(s) > 80 for s in cleaned):
        raise DomainError(_("Use at most 30 sections of at most 80 characters each."), field="agenda_sections")
    if len({s.lower() for s in cleaned}) != len(cleaned):
        raise DomainError(_("Each section name may appear only once."), field="agenda_sections")
    return cleaned


# --- seats -----------------------------------------------------------------------------------------


def _check_labels(labels: list[str]) -> None:
    if any(len(x) > 60 for x in labels):
        raise DomainError(_("A seat label has at most 60 characters."), field="seat_labels")
    if len({x.lower() for x in labels}) != len(labels):
        raise DomainError(_("Each seat needs its own label."), field="seat_labels")


def update_seat(seat: Seat, *, label: str, selection: SeatSelection, actor) -> Seat:
    label = _clean_name(label, "label", 60)
    clash = next((s for s in seat.body.seats if s is not seat and s.label.lower() == label.lower()), None)
    if clash is not None:
        raise DomainError(_("Another seat of this body is labelled “%(label)s”.", label=clash.label), field="label")
    before = {"label": seat.label, "selection": seat.selection.value}
    seat.label, seat.selection = label, selection
    after = {"label": seat.label, "selection": seat.selection.value}
    if before != after:
        audit.record(
            "seat.update",
            seat.body,
            f"Seat {seat.number} of {seat.body.name}: {label}",
            actor=actor,
            data={"seat_id": seat.id, "before": before, "after": after},
        )
    db.session.flush()
    return seat


def add_seat(body: Body, *, label: str, selection: SeatSelection, established_on: date, actor) -> Seat:
    label = _clean_name(label, "label", 60)
    if any(s.label.lower() == label.lower() for s in body.seats):
        raise DomainError(_("Another seat of this body is labelled “%(label)s”.", label=label), field="label")
    if len(body.seats) >= MAX_SEATS:
        raise DomainError(_("A body has between 1 and %(num)d seats.", num=MAX_SEATS), field="label")
    seat = Seat(
        number=max((s.number for s in body.seats), default=0) + 1,
        label=label,
        selection=selection,
        established_on=established_on,
    )
    body.seats.append(seat)
    db.session.flush()
    audit.record(
        "seat.add",
        body,
        f"Added seat {label} to {body.name} from {established_on.isoformat()}",
        actor=actor,
        data={"seat_id": seat.id},
    )
    return seat


def retire_seat(seat: Seat, on: date, *, actor) -> None:
    """A seat abolished from ``on``: refused while a term in it runs past that day."""
    if seat.retired_on is not None:
        raise DomainError(_("This seat is already retired."))
    if on < seat.established_on:
        raise DomainError(_("A seat cannot be retired before it was established."), field="retired_on")
    running = [
        m for m in seat.body.memberships if m.seat_id == seat.id and (m.term_end_on is None or m.term_end_on >= on)
    ]
    if running:
        raise DomainError(
            _("End the term of %(name)s in this seat first.", name=running[0].member.full_name), field="retired_on"
        )
    remaining = [s for s in seat.body.seats_on(on) if s is not seat]
    if not remaining:
        raise DomainError(_("A body keeps at least one seat."), field="retired_on")
    # The rules in force that day and every later version must still be reachable with one seat fewer.
    in_force = seat.body.rules_on(on)
    for rules in [r for r in seat.body.rule_versions if r is in_force or r.effective_on > on]:
        try:
            check_rules(rules_input_from(rules, rules.effective_on), len(remaining))
        except DomainError as exc:
            raise DomainError(
                _("With one seat fewer: %(problem)s Change the rules first.", problem=exc.message), field="retired_on"
            ) from None
    seat.retired_on = on
    audit.record("seat.retire", seat.body, f"Retired seat {seat.label} of {seat.body.name}", actor=actor)
    db.session.flush()


def set_officers(body: Body, *, chair_id: int | None, vice_chair_id: int | None, on: date, actor) -> None:
    """Mark the chair and vice-chair among the terms current on ``on`` (member ids)."""
    current = body.current_memberships(on)
    ids = {m.member_id for m in current}
    for field, value in (("chair_id", chair_id), ("vice_chair_id", vice_chair_id)):
        if value is not None and value not in ids:
            raise DomainError(_("Choose a member who holds a seat on this body."), field=field)
    if chair_id is not None and chair_id == vice_chair_id:
        raise DomainError(_("The chair and the vice-chair are two different members."), field="vice_chair_id")
    for m in current:
        m.is_chair = m.member_id == chair_id
        m.is_vice_chair = m.member_id == vice_chair_id
    audit.record(
        "body.officers",
        body,
        f"Officers of {body.name} set",
        actor=actor,
        data={"chair_member_id": chair_id, "vice_chair_member_id": vice_chair_id},
    )
    db.session.flush()


def today() -> date:
    return today_local()
