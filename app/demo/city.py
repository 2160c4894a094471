"""The demo city: the City Commission and the Planning Board, their members and seats, and the demo logins.

Every person here is fictional. Each record is looked up by a natural key (body name, member's full name, email)
before it is created.
"""

from datetime import date

from sqlalchemy import select

from app.auth import services as auth_services
from app.auth.models import Role, User
from app.bodies import people, services
from app.bodies.models import Body, BodyKind, Member, Membership
from app.city.models import CityProfile
from app.city.services import update_city_profile
from app.extensions import db

#: Published (in the README and here), so flask seed-demo refuses to create these accounts in production.
DEMO_PASSWORD = "keywest-demo-2025"

#: (email, role, linked member's full name or None)
DEMO_LOGINS = [
    ("admin@keywest.example", "admin", None),
    ("clerk@keywest.example", "clerk", None),
    ("r.okafor@keywest.example", "commissioner", "Rosalind Okafor"),
    ("t.vandermeer@keywest.example", "commissioner", "Tobias Vandermeer"),
]

DISPLAY_NAMES = {
    "admin@keywest.example": "Demo Administrator",
    "clerk@keywest.example": "Demo City Clerk",
    "r.okafor@keywest.example": "Rosalind Okafor",
    "t.vandermeer@keywest.example": "Tobias Vandermeer",
}

TERM_START = date(2024, 11, 20)
#: Staggered four-year terms; every seat is filled both on June 30, 2025 and today.
TERM_END = date(2028, 11, 19)
NEXT_TERM_END = date(2030, 11, 19)

#: (full name, sort name, title, seat, seat number, chair)
COMMISSION = [
    ("Marisol Quintana-Reyes", "Quintana-Reyes, Marisol", "Mayor", "At-large", 0, True),
    ("Everett Lindqvist", "Lindqvist, Everett", "Vice Mayor", "District 1", 1, False),
    ("Rosalind Okafor", "Okafor, Rosalind", "Commissioner", "District 2", 2, False),
    ("Tobias Vandermeer", "Vandermeer, Tobias", "Commissioner", "District 3", 3, False),
    ("Celestine Arbuckle", "Arbuckle, Celestine", "Commissioner", "District 4", 4, False),
    ("Hollis Prendergast", "Prendergast, Hollis", "Commissioner", "District 5", 5, False),
    ("Ines Baptiste-Moreau", "Baptiste-Moreau, Ines", "Commissioner", "District 6", 6, False),
]

PLANNING_BOARD = [
    ("Wendell Aldana-Fisk", "Aldana-Fisk, Wendell", "Chair", "Seat 1", 1, True),
    ("Priya Castellanos", "Castellanos, Priya", "Vice Chair", "Seat 2", 2, False),
    ("Otis Marchetti", "Marchetti, Otis", "Board Member", "Seat 3", 3, False),
    ("Greta Ollivander-Shaw", "Ollivander-Shaw, Greta", "Board Member", "Seat 4", 4, False),
    ("Lionel Tupper", "Tupper, Lionel", "Board Member", "Seat 5", 5, False),
]


def _get_or_create_body(name: str, kind: BodyKind, seats: list[tuple]) -> tuple[Body, bool]:
    """The body through the setup service: its seats labelled as in the demo table, the default rules."""
    body = db.session.scalar(select(Body).where(Body.name == name))
    if body is not None:
        return body, False
    body = services.create_body(
        name=name,
        kind=kind,
        seat_count=len(seats),
        seat_labels=[row[3] for row in seats],
        rules=services.RulesInput(effective_on=TERM_START, note="Demo city charter"),
        actor=None,
    )
    return body, True


def _seat(body: Body, full_name, sort_name, title, seat_label, seat_number, _chair) -> int:
    created = 0
    member = db.session.scalar(select(Member).where(Member.full_name == full_name))
    if member is None:
        member = people.create_member(people.MemberInput(full_name=full_name, sort_name=sort_name), actor=None)
        created += 1
    exists = db.session.scalar(
        select(Membership).where(Membership.member_id == member.id, Membership.body_id == body.id)
    )
    if exists is None:
        seat = next(s for s in body.seats if s.label == seat_label)
        people.add_term(
            body,
            member,
            people.TermInput(
                seat_id=seat.id,
                term_start_on=TERM_START,
                term_end_on=NEXT_TERM_END if seat_number % 2 else TERM_END,
                title=title,
            ),
            actor=None,
        )
        created += 1
    return created


def seed_commission() -> tuple[Body, int]:
    """The City Commission and its seven seats; return it and how many records were added."""
    commission, new = _get_or_create_body("City Commission", BodyKind.commission, COMMISSION)
    created = int(new)
    for row in COMMISSION:
        created += _seat(commission, *row)
    if new:
        _officers(commission, COMMISSION)
    return commission, created


def seed_planning_board() -> int:
    board, new = _get_or_create_body("Planning Board", BodyKind.board, PLANNING_BOARD)
    created = int(new)
    for row in PLANNING_BOARD:
        created += _seat(board, *row)
    if new:
        _officers(board, PLANNING_BOARD)
    return created


def _officers(body: Body, rows: list[tuple]) -> None:
    """The chair is the row marked so; the vice-chair the row titled "Vice ..."."""
    ids = {m.member.full_name: m.member_id for m in body.memberships}
    chair = next(ids[r[0]] for r in rows if r[5])
    vice = next((ids[r[0]] for r in rows if r[2].startswith("Vice")), None)
    services.set_officers(body, chair_id=chair, vice_chair_id=vice, on=TERM_START, actor=None)


def seed_logins() -> int:
    """The demo's staff accounts, all with DEMO_PASSWORD; commissioners are linked to their member records."""
    created = 0
    for email, role, member_name in DEMO_LOGINS:
        if db.session.scalar(select(User).where(User.email == email)) is not None:
            continue
        member_id = None
        if member_name:
            member_id = db.session.scalar(select(Member.id).where(Member.full_name == member_name))
        auth_services.create_user(
            email=email,
            display_name=DISPLAY_NAMES[email],
            password=DEMO_PASSWORD,
            role=Role(role),
            member_id=member_id,
            actor=None,
        )
        created += 1
    return created


def seed_city_profile() -> int:
    """The demo city's name, zone and clerk's office, saved through the same service as the setup page."""
    if db.session.scalar(select(CityProfile.id)) is not None:
        return 0
    update_city_profile(
        name_en="City of Key West",
        name_es="Ciudad de Cayo Hueso",
        short_name="Key West",
        timezone="America/New_York",
        record_language="en",
        meeting_place="City Hall, 1300 White Street, Key West, FL 33040",
        clerk_email="clerk@keywest.example",
        clerk_phone="305-809-3835",
        actor_label="seed-demo",
    )
    return 1
