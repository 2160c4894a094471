"""A roll call as seats (issue 19): plain data for the seat-chart partial and the API, computed here, not in templates.

One dot per member in the order called, then one per vacant seat. A member's dot shows the final choice (as
corrected); an abstention resting on a conflict disclosure is shown as ``recused``. The body's seats and terms for
every chart of a page come from one query, however many roll calls the page shows.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from app.bodies.models import Membership, Seat
from app.extensions import db
from app.votes.models import VoteChoice

#: The order counts are told in, and the dots' kinds.
KINDS = ("yes", "no", "abstain", "recused", "absent", "excused", "vacant")
#: A mark for each kind besides its colour (never colour alone); none needs translating.
MARKS = {"yes": "✓", "no": "✗", "abstain": "=", "recused": "⊘", "absent": "·", "excused": "·", "vacant": ""}


@dataclass
class Dot:
    kind: str
    member_name: str | None
    seat_number: int | None
    seat_label: str | None
    corrected: bool = False

    @property
    def mark(self) -> str:
        return MARKS[self.kind]


@dataclass
class SeatChart:
    motion_id: int
    dots: list[Dot] = field(default_factory=list)

    @property
    def counts(self) -> list[tuple[str, int]]:
        """(kind, number) for each kind present, in the order of KINDS."""
        found = defaultdict(int)
        for dot in self.dots:
            found[dot.kind] += 1
        return [(kind, found[kind]) for kind in KINDS if found[kind]]

    @property
    def corrected(self) -> int:
        return sum(1 for d in self.dots if d.corrected)

    def as_data(self) -> dict:
        """For the API: the seats in the order shown, and the counts (every kind, zeros included)."""
        counts = dict(self.counts)
        return {
            "seats": [
                {
                    "seat_number": d.seat_number,
                    "seat_label": d.seat_label,
                    "member_name": d.member_name,
                    "choice": d.kind,
                    "corrected": d.corrected,
                }
                for d in self.dots
            ],
            "seat_counts": {kind: counts.get(kind, 0) for kind in KINDS},
        }


@dataclass
class _Layout:
    """A body's seats with the terms that held them (a body has a few dozen rows at most)."""

    seats: list = field(default_factory=list)
    terms: list = field(default_factory=list)

    def on(self, day: date) -> tuple[dict[int, Seat], list[Seat]]:
        """Who held which seat on ``day`` (member id -> seat), and the seats active that day held by nobody."""
        active = [s for s in self.seats if s.is_active(day)]
        active_ids = {s.id for s in active}
        held: dict[int, Seat] = {}
        for term in self.terms:
            if term.seat_id in active_ids and term.is_current(day):
                held[term.member_id] = next(s for s in active if s.id == term.seat_id)
        taken = {s.id for s in held.values()}
        return held, [s for s in active if s.id not in taken]


def _layouts(body_ids: set[int]) -> dict[int, _Layout]:
    """Seats and terms of these bodies, in one query (a seat with no term comes with a null term)."""
    layouts: dict[int, _Layout] = {b: _Layout() for b in body_ids}
    if not body_ids:
        return layouts
    rows = db.session.execute(
        select(Seat, Membership)
        .outerjoin(Membership, Membership.seat_id == Seat.id)
        .where(Seat.body_id.in_(body_ids))
        .order_by(Seat.number, Membership.term_start_on)
    ).all()
    for seat, term in rows:
        layout = layouts[seat.body_id]
        if seat not in layout.seats:
            layout.seats.append(seat)
        if term is not None:
            layout.terms.append(term)
    return layouts


def seat_charts(motions) -> dict[int, SeatChart]:
    """A chart for every closed roll call among ``motions`` (their votes loaded, e.g. with ``reading.ROLL``), by
    motion id. One query in all (the bodies' seats and terms).

    An abstention is "recused" when it rests on a conflict disclosure: recorded with it, or corrected to abstain (a
    correction to abstain is refused without a disclosure made before the vote opened). An abstention without one
    (an imported record) stays "abstain"."""
    closed = [m for m in motions if m.is_closed and m.votes]
    if not closed:
        return {}
    layouts = _layouts({m.meeting.body_id for m in closed})
    charts = {}
    for motion in closed:
        held, empty = layouts[motion.meeting.body_id].on(motion.meeting.local_date)
        chart = SeatChart(motion.id)
        for vote in motion.votes:
            choice = vote.final_choice
            if choice is None:
                continue
            kind = choice.value
            if choice == VoteChoice.abstain and (vote.disclosure_id is not None or vote.is_corrected):
                kind = "recused"
            seat = held.get(vote.member_id)
            chart.dots.append(
                Dot(
                    kind=kind,
                    member_name=vote.member.full_name,
                    seat_number=seat.number if seat else None,
                    seat_label=seat.label if seat else None,
                    corrected=vote.is_corrected,
                )
            )
        # A seat nobody held that day is vacant; never more vacant seats than seats left over by those who voted
        # (a record imported without its terms shows no phantom vacancies).
        room = max(0, len(held) + len(empty) - len(chart.dots))
        for seat in empty[:room]:
            chart.dots.append(Dot(kind="vacant", member_name=None, seat_number=seat.number, seat_label=seat.label))
        charts[motion.id] = chart
    return charts
