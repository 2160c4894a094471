"""Attendance and quorum (R4): the roll call at the start of a meeting, then arrivals and departures.

F.S. 166.041 and AGO 2010-34: a quorum must be physically present, so only members present in person count
(unless the body's setting says otherwise). Remote members take part while an in-person quorum holds.
"""

import random
from dataclasses import dataclass

from flask_babel import gettext as _

from app.bodies.models import BodyRollCallOrder, Membership
from app.core import audit
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db
from app.meetings import floor
from app.meetings.models import Attendance, AttendanceStatus, LogKind, Meeting, MeetingStatus

A = AttendanceStatus


def roll(meeting: Meeting, *, rotation: int = 0, seed: int = 0) -> list[Membership]:
    """The members holding a seat on the meeting's day, in the body's roll-call order (R10).

    Rotating order: alphabetical with the chair last, the other members starting ``rotation`` places later
    (the caller passes the number of roll calls the body took before, so each vote starts one name later).
    Random order: alphabetical, then shuffled by ``seed`` (recorded with the vote, so the draw can be repeated)."""
    seated = meeting.body.current_memberships(meeting.local_date)
    order = meeting.rules.roll_call_order
    if order == BodyRollCallOrder.random:
        shuffled = sorted(seated, key=lambda m: m.member.sort_name)
        random.Random(seed).shuffle(shuffled)  # noqa: S311  (repeatable from the recorded seed, by design)
        return shuffled
    if order == BodyRollCallOrder.seat_order:
        return sorted(seated, key=lambda m: m.seat_number)
    ordered = sorted(seated, key=lambda m: (m.is_chair, m.member.sort_name))  # alphabetical, the chair last
    if order == BodyRollCallOrder.rotating:
        members = [m for m in ordered if not m.is_chair]
        chairs = [m for m in ordered if m.is_chair]
        if members:
            shift = rotation % len(members)
            ordered = members[shift:] + members[:shift] + chairs
    return ordered


def attendance_of(meeting: Meeting, member_id: int) -> Attendance | None:
    return next((a for a in meeting.attendances if a.member_id == member_id), None)


def is_present(meeting: Meeting, member_id: int) -> bool:
    row = attendance_of(meeting, member_id)
    return row is not None and row.is_present


@dataclass
class Quorum:
    in_person: int
    remote: int
    needed: int
    #: Members who count toward quorum: in person only, unless the body's setting allows remote members.
    counted: int

    @property
    def present(self) -> int:
        return self.in_person + self.remote

    @property
    def has_quorum(self) -> bool:
        return self.counted >= self.needed


def quorum(meeting: Meeting) -> Quorum:
    """Who is here now and whether they make a quorum; recomputed on every call (R4: at every vote)."""
    here = [a for a in meeting.attendances if a.is_present]
    in_person = sum(1 for a in here if a.in_person)
    remote = len(here) - in_person
    counted = in_person if meeting.rules.quorum_in_person_only else len(here)
    return Quorum(in_person=in_person, remote=remote, needed=meeting.quorum_needed, counted=counted)


def _require_running(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.in_progress:
        raise DomainError(_("Attendance is taken once the meeting is called to order, until it adjourns."))


def take_roll(meeting: Meeting, statuses: dict[int, str], *, actor) -> Quorum:
    """Record every seated member as present in person, present remotely, absent or excused."""
    _require_running(meeting)
    members = roll(meeting)
    missing = [m.member.full_name for m in members if not statuses.get(m.member_id)]
    if missing:
        raise DomainError(_("Record every member: %(names)s.", names=", ".join(missing)))
    existing = {a.member_id: a for a in meeting.attendances}
    now = utcnow()
    recorded = {}
    for membership in members:
        try:
            status = A(statuses[membership.member_id])
        except ValueError:
            raise DomainError(_("Choose present in person, present remotely, absent or excused.")) from None
        row = existing.get(membership.member_id)
        if row is None:
            row = Attendance(meeting_id=meeting.id, member_id=membership.member_id, status=status)
            db.session.add(row)
            meeting.attendances.append(row)
        present = status in (A.present_in_person, A.present_remote)
        if present and row.arrived_at is None:
            row.arrived_at = now
        if not present:
            row.arrived_at = row.departed_at = None
        row.status, row.recorded_at = status, now
        row.recorded_by_id = actor.id if actor else None
        recorded[membership.member.full_name] = status.value
    db.session.flush()
    state = quorum(meeting)
    floor.stamp(
        meeting,
        LogKind.roll_taken,
        f"Roll taken: {state.in_person} in person, {state.remote} remote",
        actor=actor,
        at=now,
    )
    audit.record(
        "meeting.roll_call",
        meeting,
        f"Roll call of '{meeting.title}': {state.in_person} in person, {state.remote} remote",
        actor=actor,
        data={"attendance": recorded, "quorum": state.has_quorum},
    )
    return state


def all_present(meeting: Meeting, *, actor) -> Quorum:
    """The roll in one step: every seated member present in person (the usual case; exceptions after it)."""
    return take_roll(meeting, {m.member_id: A.present_in_person.value for m in roll(meeting)}, actor=actor)


def _row(meeting: Meeting, member_id: int) -> Attendance:
    row = next((a for a in meeting.attendances if a.member_id == member_id), None)
    if row is None:
        raise DomainError(_("Call the roll first."))
    return row


def record_arrival(meeting: Meeting, member_id: int, *, remote: bool = False, actor) -> Attendance:
    """A member absent at the roll call arrives, or one who left comes back."""
    _require_running(meeting)
    row = _row(meeting, member_id)
    if row.is_present:
        raise DomainError(_("%(name)s is already present.", name=row.member.full_name))
    now = utcnow()
    row.status = A.present_remote if remote else A.present_in_person
    row.arrived_at = row.arrived_at or now
    row.departed_at = None
    row.recorded_by_id = actor.id if actor else None
    floor.stamp(
        meeting, LogKind.member_arrived, f"{row.member.full_name} arrived", actor=actor, member_id=member_id, at=now
    )
    db.session.flush()
    audit.record(
        "meeting.arrival",
        meeting,
        f"{row.member.full_name} arrived ({row.status.value})",
        actor=actor,
        data={"member_id": member_id, "at": now.isoformat()},
    )
    return row


def record_departure(meeting: Meeting, member_id: int, *, actor) -> Attendance:
    """A member leaves before adjournment; the quorum is re-checked at the next vote."""
    _require_running(meeting)
    row = _row(meeting, member_id)
    if not row.is_present:
        raise DomainError(_("%(name)s is not present.", name=row.member.full_name))
    now = utcnow()
    row.departed_at = now
    row.recorded_by_id = actor.id if actor else None
    floor.stamp(
        meeting, LogKind.member_departed, f"{row.member.full_name} left", actor=actor, member_id=member_id, at=now
    )
    db.session.flush()
    audit.record(
        "meeting.departure",
        meeting,
        f"{row.member.full_name} left",
        actor=actor,
        data={"member_id": member_id, "at": now.isoformat()},
    )
    return row
