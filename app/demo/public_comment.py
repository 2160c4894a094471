"""Demo public comment: the commission's comment policy, the June 30, 2025 comment period as it was run
(dozens of speakers, most of them against the 287(g) agreement, just under two hours of speaking), written
comments, and residents signed up for the next regular meeting so a clerk can run a queue.

Every name is fictional. Nothing is added to a meeting that already has speakers, so seeding twice changes nothing.
"""

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from app.bodies.models import Body
from app.core import audit
from app.core.tokens import hash_token, new_token
from app.extensions import db
from app.meetings.models import AgendaItem, Meeting, MeetingStatus
from app.minutes.services import draft_minutes_text
from app.public_comment.intake import DISCLAIMER_VERSION
from app.public_comment.models import (
    CommentPolicy,
    SpeakerRequest,
    SpeakerRequestParticipation,
    SpeakerRequestStatus,
    SpeakerRequestTimer,
    Stance,
    TimeExtension,
    WrittenComment,
    WrittenCommentStatus,
)
from app.public_comment.registration import period_for

P = SpeakerRequestParticipation
R = SpeakerRequestStatus

FIRST = [
    "Maria",
    "James",
    "Lucia",
    "Robert",
    "Yolanda",
    "Daniel",
    "Teresa",
    "Samuel",
    "Nadia",
    "Victor",
    "Grace",
    "Hector",
    "Irene",
    "Pablo",
    "Olivia",
    "Marcus",
    "Carmen",
    "Dwight",
    "Renee",
    "Tomas",
    "Esther",
    "Luis",
    "Monique",
    "Arthur",
    "Beatriz",
    "Kendall",
    "Rosa",
    "Felix",
    "Naomi",
    "Ernesto",
    "Paula",
    "Winston",
    "Ximena",
    "Gordon",
    "Lena",
    "Rafael",
    "Sylvie",
    "Omar",
    "Dolores",
    "Curtis",
    "Ana",
    "Reggie",
    "Ingrid",
    "Julio",
]
LAST = [
    "Alvarez",
    "Thibodeaux",
    "Cartwright",
    "Delacroix",
    "Esposito",
    "Fairweather",
    "Galindo",
    "Holloway",
    "Ibarra",
    "Jorgensen",
    "Kowalczyk",
    "Lindgren",
    "Mancuso",
    "Nakashima",
    "Oyelaran",
    "Pemberton",
    "Quiroga",
    "Rasmussen",
    "Santangelo",
    "Trevino",
    "Underhill",
    "Valdivia",
    "Whitcombe",
    "Yarborough",
    "Zamora",
    "Abernathy",
    "Bustamante",
    "Castellano",
    "Dunleavy",
    "Echeverria",
    "Fitzhugh",
    "Guerrero",
    "Hargrove",
    "Iglesias",
    "Jablonski",
    "Kensington",
    "Lombardi",
    "Montalvo",
    "Northcutt",
    "Ocampo",
    "Prescott",
    "Renteria",
    "Stallworth",
    "Toussaint",
]

GROUPS = {3: "Keys Immigrant Rights Coalition", 17: "Island Law Enforcement Families"}
WRITTEN = [
    (
        Stance.support,
        "I have lived in Key West for 31 years. Our police should not be doing federal immigration "
        "enforcement. Please declare the agreement void.",
    ),
    (Stance.support, "The agreement was signed without a vote of this Commission. That alone should end it."),
    (
        Stance.support,
        "Many of the people who clean our hotels and cook in our restaurants are afraid to call the "
        "police. Please vote yes on the resolution.",
    ),
    (Stance.support, "Soy residente de Cayo Hueso. Apoyo la resolución: la policía local debe proteger a todos."),
    (Stance.support, "Please vote yes and bar similar agreements in the future."),
    (
        Stance.oppose,
        "State law requires cooperation with federal immigration authorities. Voiding the agreement "
        "puts the City and its officers at legal risk. Vote no.",
    ),
    (Stance.oppose, "Our officers should be able to work with every federal agency. I oppose the resolution."),
    (Stance.neutral, "I ask the Commission to get a written opinion from the State before voting either way."),
]


def _policy(commission: Body) -> CommentPolicy:
    policy = db.session.scalar(
        select(CommentPolicy).where(CommentPolicy.body_id == commission.id).order_by(CommentPolicy.version).limit(1)
    )
    if policy is None:
        policy = CommentPolicy(
            body_id=commission.id,
            version=1,
            adopted_on=date(2024, 1, 9),
            adopted_by="Resolution 24-008 (demo)",
            speaker_seconds=180,
            group_seconds=300,
            item_cap_minutes=None,
            signup_closes_minutes=60,
            written_accepted=True,
            written_max_chars=3000,
            ceding_allowed=True,
            created_at=datetime(2024, 1, 9, 15, 0, tzinfo=UTC),
        )
        db.session.add(policy)
        db.session.flush()
        audit.record(
            "comment_policy.adopt",
            policy,
            "Comment policy version 1 of City Commission (demo data)",
            actor_label="seed-demo",
        )
    for meeting in db.session.scalars(
        select(Meeting).where(
            Meeting.body_id == commission.id,
            Meeting.first_published_at.is_not(None),
            Meeting.comment_policy_id.is_(None),
        )
    ):
        meeting.comment_policy_id = policy.id
    return policy


def _names(rng: random.Random, count: int) -> list[str]:
    firsts, lasts = FIRST[:], LAST[:]
    rng.shuffle(firsts)
    rng.shuffle(lasts)
    return [f"{firsts[i % len(firsts)]} {lasts[i % len(lasts)]}" for i in range(count)]


def _card(item, position, name, stance, *, at, participation=P.in_person, status=R.waiting, group=None, **fields):
    return SpeakerRequest(
        period_id=period_for(item).id,
        agenda_item_id=item.id,
        meeting_id=item.meeting_id,
        queue_position=position,
        token_hash=hash_token(new_token()),
        name=name,
        stance=stance,
        participation=participation,
        is_group_representative=group is not None,
        group_name=group,
        disclaimer_version=DISCLAIMER_VERSION,
        status=status,
        allotted_seconds=(300 if group else 180) if participation != P.written_only else 0,
        created_at=at,
        updated_at=at,
        **fields,
    )


def _june_30(item: AgendaItem) -> int:
    """44 speaker cards, a finished queue: 38 spoke (just under two hours), 4 no-shows, 2 withdrawn."""
    rng = random.Random(20250630)  # noqa: S311 (repeatable demo data, not security)
    meeting = item.meeting
    names = _names(rng, 44)
    stances = [Stance.support] * 35 + [Stance.oppose] * 7 + [Stance.neutral] * 2
    rng.shuffle(stances)
    stances[3], stances[17] = Stance.support, Stance.oppose  # the two group representatives
    no_shows, withdrawn = {9, 26, 33, 41}, {14, 38}
    opened = meeting.start_at + timedelta(minutes=12)
    clock = opened
    period = period_for(item)
    period.opened_at = opened
    requests = []
    for i, (name, stance) in enumerate(zip(names, stances, strict=True)):
        signed_up = meeting.first_published_at + timedelta(hours=2, minutes=97 * i % 3000)
        participation = P.remote if i % 7 == 5 else P.in_person
        fields = {}
        if i % 4 == 0:
            fields["email"] = f"{name.split()[0].lower()}.{name.split()[1].lower()}@example.org"
        if i % 6 == 1:
            fields["city"] = "Key West"
        if i in (2, 22):
            fields["interpreter_language"] = "Spanish"
        card = _card(
            item, i + 1, name, stance, at=signed_up, participation=participation, group=GROUPS.get(i), **fields
        )
        if i in withdrawn:
            card.status, card.withdrawn_at = R.withdrawn, meeting.start_at - timedelta(hours=3)
        elif i in no_shows:
            card.status, card.called_at, card.finished_at = R.no_show, clock, clock + timedelta(seconds=20)
            clock += timedelta(seconds=25)
        else:
            base = card.allotted_seconds
            spoken = base - rng.randint(0, 25) if card.is_group_representative else rng.randint(150, 190)
            card.status, card.timer = R.spoke, SpeakerRequestTimer.stopped
            card.called_at, card.timer_started_at = clock, None
            card.elapsed_seconds = min(spoken, base + 10)
            card.finished_at = clock + timedelta(seconds=card.elapsed_seconds)
            clock = card.finished_at + timedelta(seconds=rng.randint(15, 30))
        requests.append(card)
    db.session.add_all(requests)
    db.session.flush()
    interpreted = requests[2]
    if interpreted.status == R.spoke:
        interpreted.allotted_seconds += 60
        interpreted.elapsed_seconds += 55
        db.session.add(
            TimeExtension(
                request_id=interpreted.id,
                seconds=60,
                created_at=interpreted.called_at,
                reason="Consecutive interpretation from Spanish",
            )
        )
    period.last_position = len(requests)
    period.closed_at = clock
    for n, (stance, text) in enumerate(WRITTEN):
        db.session.add(
            WrittenComment(
                agenda_item_id=item.id,
                meeting_id=meeting.id,
                name=_names(random.Random(n + 7), 1)[0],  # noqa: S311
                stance=stance,
                text=text,
                disclaimer_version=DISCLAIMER_VERSION,
                status=WrittenCommentStatus.published,
                created_at=meeting.first_published_at + timedelta(hours=5 + 3 * n),
                published_at=meeting.start_at - timedelta(hours=2),
            )
        )
    db.session.add(
        WrittenComment(
            agenda_item_id=item.id,
            meeting_id=meeting.id,
            name="Anonymous Tipster",
            stance=Stance.oppose,
            text="[withheld]",
            disclaimer_version=DISCLAIMER_VERSION,
            status=WrittenCommentStatus.hidden,
            created_at=meeting.first_published_at + timedelta(hours=30),
            hidden_at=meeting.start_at - timedelta(hours=2),
            hidden_reason="Names the home address of a listed law-enforcement officer: exempt under F.S. 119.071(4)(d)",
        )
    )
    return len(requests) + len(WRITTEN) + 1


def _upcoming(item: AgendaItem) -> int:
    """Forty residents signed up for the next regular meeting: about two hours at 3:00 each, for a clerk to run."""
    rng = random.Random(item.id)  # noqa: S311 (repeatable demo data)
    names = _names(rng, 40)
    cards = []
    for i, name in enumerate(names):
        stance = [Stance.support, Stance.support, Stance.oppose, Stance.neutral][i % 4]
        cards.append(
            _card(
                item,
                i + 1,
                name,
                stance,
                at=item.meeting.first_published_at + timedelta(hours=i + 1),
                participation=P.remote if i % 9 == 4 else P.in_person,
                group={6: "Old Town Neighbors", 23: "Keys Chamber of Commerce"}.get(i),
                email=f"resident{i + 1}@example.org" if i % 3 == 0 else None,
            )
        )
    db.session.add_all(cards)
    db.session.flush()
    period_for(item).last_position = len(cards)
    return len(cards)


def _has_speakers(item: AgendaItem) -> bool:
    return bool(
        db.session.scalar(
            select(func.count()).select_from(SpeakerRequest).where(SpeakerRequest.agenda_item_id == item.id)
        )
    )


def seed_public_comment(commission: Body) -> int:
    created = 0
    _policy(commission)
    meetings = db.session.scalars(select(Meeting).where(Meeting.body_id == commission.id)).all()
    for meeting in meetings:
        resolution = next((i for i in meeting.items if i.item_type.value == "resolution"), None)
        if resolution is None or _has_speakers(resolution):
            continue
        if "287(g)" in meeting.title and meeting.status == MeetingStatus.adjourned:
            created += _june_30(resolution)
            db.session.flush()
            if meeting.minutes is not None and not meeting.minutes.is_locked:
                meeting.minutes.body_md = draft_minutes_text(meeting)  # the draft now records the speakers
        elif meeting.status == MeetingStatus.noticed and meeting.agenda_published_at is not None:
            created += _upcoming(resolution)
    db.session.flush()
    return created
