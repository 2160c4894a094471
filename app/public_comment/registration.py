"""Residents register to speak, without an account (F.S. 286.0114): queue places, duplicates, and the
private link to change or withdraw a request."""

import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from app.core import audit, live
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.core.tokens import hash_token, new_token, token_matches
from app.extensions import db
from app.meetings.models import AgendaItem, MeetingStatus
from app.public_comment.intake import (
    ACCOMMODATION_MAX,
    CITY_MAX,
    DISCLAIMER_VERSION,
    EMAIL_MAX,
    EMAIL_RE,
    GROUP_MAX,
    LANGUAGE_MAX,
    NAME_MAX,
    PHONE_MAX,
    PHONE_RE,
    check_public_submission,
    clean_field,
    parse_participation,
    parse_stance,
    phone_digits,
)
from app.public_comment.models import (
    CommentPeriod,
    CommentPolicy,
    SpeakerRequest,
    SpeakerRequestParticipation,
    SpeakerRequestStatus,
    Stance,
)
from app.public_comment.policy import effective_policy, require_commentable, signup_window

R = SpeakerRequestStatus
P = SpeakerRequestParticipation


def find_period(item: AgendaItem) -> CommentPeriod:
    """The item's comment period for reading: the stored one, or an unsaved empty one (nothing is written)."""
    period = db.session.scalar(select(CommentPeriod).where(CommentPeriod.agenda_item_id == item.id))
    return period if period is not None else CommentPeriod(agenda_item_id=item.id, last_position=0)


def period_for(item: AgendaItem) -> CommentPeriod:
    """The item's comment period, created on first use. The insert ignores a row a concurrent request made."""
    period = db.session.scalar(select(CommentPeriod).where(CommentPeriod.agenda_item_id == item.id))
    if period is not None:
        return period
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(CommentPeriod)
        .values(agenda_item_id=item.id, last_position=0)
        .on_conflict_do_nothing(index_elements=["agenda_item_id"])
    )
    return db.session.scalar(select(CommentPeriod).where(CommentPeriod.agenda_item_id == item.id))


def _next_position(period: CommentPeriod) -> int:
    """One UPDATE ... RETURNING: a row lock on PostgreSQL, the write lock on SQLite. No two callers get the
    same place and no place is skipped."""
    value = db.session.execute(
        update(CommentPeriod)
        .where(CommentPeriod.id == period.id)
        .values(last_position=CommentPeriod.last_position + 1)
        .returning(CommentPeriod.last_position)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return value


@dataclass
class Registration:
    request: SpeakerRequest
    #: The private link's token: only when a new request was made (it is stored hashed, never shown again).
    token: str | None
    created: bool


def _allotted(policy: CommentPolicy, is_group: bool) -> int:
    return policy.group_seconds if is_group else policy.speaker_seconds


def _find_duplicate(item: AgendaItem, name: str, email: str | None, phone: str | None) -> SpeakerRequest | None:
    """Same person, same item: same name and email, or same name and phone (R6 forms, no duplicate cards)."""
    if not email and not phone:
        return None
    candidates = db.session.scalars(
        select(SpeakerRequest).where(
            SpeakerRequest.agenda_item_id == item.id,
            func.lower(SpeakerRequest.name) == name.lower(),
            SpeakerRequest.status != R.withdrawn,
        )
    )
    for candidate in candidates:
        if email and candidate.email and candidate.email.lower() == email.lower():
            return candidate
        if phone and candidate.phone and phone_digits(candidate.phone) == phone_digits(phone):
            return candidate
    return None


def _clean_card(
    *, name, group_name, is_group_representative, email, phone, city, interpreter_language, accommodation
) -> dict:
    name = clean_field(name, "name", NAME_MAX, required=True)
    group_name = clean_field(group_name, "group_name", GROUP_MAX)
    if is_group_representative and not group_name:
        raise DomainError(_("Name the group you speak for."), field="group_name")
    email = clean_field(email, "email", EMAIL_MAX)
    if email and not EMAIL_RE.match(email):
        raise DomainError(_("Enter an email address like name@example.com, or leave it empty."), field="email")
    phone = clean_field(phone, "phone", PHONE_MAX)
    if phone and (not PHONE_RE.match(phone) or len(phone_digits(phone)) < 7):
        raise DomainError(_("Enter a phone number with at least 7 digits, or leave it empty."), field="phone")
    return {
        "name": name,
        "group_name": group_name if is_group_representative else None,
        "is_group_representative": bool(is_group_representative),
        "email": email,
        "phone": phone,
        "city": clean_field(city, "city", CITY_MAX),
        "interpreter_language": clean_field(interpreter_language, "interpreter_language", LANGUAGE_MAX),
        "accommodation": clean_field(accommodation, "accommodation", ACCOMMODATION_MAX, multiline=True),
    }


def register_speaker(
    item: AgendaItem,
    *,
    name: str,
    stance: Stance,
    participation: P,
    is_group_representative=False,
    group_name=None,
    email=None,
    phone=None,
    city=None,
    interpreter_language=None,
    accommodation=None,
    disclaimer_version: str | None,
    submission_key: str | None = None,
    walk_in: bool = False,
    locale: str | None = None,
    actor=None,
) -> Registration:
    """A resident asks to be heard on an item (286.0114(2), (4)(c)).

    Online sign-up is refused outside the window (R6). A repeat of the same person on the same item, or a
    double submission of the same form, returns the existing request. A walk-in is added by the clerk at any
    time until the meeting is adjourned. ``locale`` is the language the resident uses: later mail is written in it.
    """
    meeting = item.meeting
    if submission_key:
        existing = db.session.scalar(select(SpeakerRequest).where(SpeakerRequest.submission_key == submission_key))
        if existing is not None:
            return Registration(existing, None, False)
    require_commentable(item)
    if walk_in:
        if meeting.status in (MeetingStatus.cancelled, MeetingStatus.adjourned, MeetingStatus.draft):
            raise DomainError(_("Speakers can be added only to a noticed meeting that has not ended."))
    else:
        check_public_submission(meeting, disclaimer_version)
    stance = parse_stance(stance)
    participation = parse_participation(participation)
    card = _clean_card(
        name=name,
        group_name=group_name,
        is_group_representative=is_group_representative,
        email=email,
        phone=phone,
        city=city,
        interpreter_language=interpreter_language,
        accommodation=accommodation,
    )
    duplicate = _find_duplicate(item, card["name"], card["email"], card["phone"])
    if duplicate is not None:
        return Registration(duplicate, None, False)
    policy = effective_policy(meeting)
    period = period_for(item)
    token = new_token()
    now = utcnow()
    speaks = participation != P.written_only
    request = SpeakerRequest(
        period_id=period.id,
        agenda_item_id=item.id,
        meeting_id=meeting.id,
        token_hash=hash_token(token),
        submission_key=submission_key,
        stance=stance,
        participation=participation,
        disclaimer_version=disclaimer_version or DISCLAIMER_VERSION,
        walk_in=walk_in,
        status=R.waiting,
        allotted_seconds=_allotted(policy, card["is_group_representative"]) if speaks else 0,
        created_at=now,
        updated_at=now,
        locale=str(locale)[:8] if locale else None,
        **card,
    )
    if speaks:
        request.queue_position = _next_position(period)
    db.session.add(request)
    db.session.flush()
    live.touch(item.meeting_id)
    audit.record(
        "speaker.register",
        request,
        f"{'Walk-in' if walk_in else 'Online'} speaker request by {request.name} on {item.label} {item.title}",
        actor=actor,
        actor_label="public",
        data={
            "item_id": item.id,
            "stance": stance.value,
            "participation": participation.value,
            "queue_position": request.queue_position,
            "group": request.group_name,
        },
    )
    return Registration(request, token, True)


def mail_token(request: SpeakerRequest) -> str:
    """A second secret for the private link, derived from the app's secret key and the stored hash, for mail
    written after registration (the token itself is never stored, so it cannot be put in a later message).

    Nothing more is stored, and a new link (``reissue_token``) ends this one too, since the hash changes."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"speaker:{request.id}:{request.token_hash}".encode(), hashlib.sha256).hexdigest()[:32]


def find_request(request_id: int, token: str) -> SpeakerRequest | None:
    """The private link: the token is compared in constant time against the stored hash (or, for a link sent
    later by mail, against ``mail_token``)."""
    if not token or len(token) > 100:
        return None
    request = db.session.get(
        SpeakerRequest, request_id, options=[joinedload(SpeakerRequest.item), joinedload(SpeakerRequest.meeting)]
    )
    if request is None:
        return None
    if token_matches(request.token_hash, token) or hmac.compare_digest(mail_token(request).encode(), token.encode()):
        return request
    return None


def reissue_token(request: SpeakerRequest) -> str:
    """A new private link for a request (the old one stops working); sent only to the email on file."""
    token = new_token()
    request.token_hash = hash_token(token)
    audit.record("speaker.reissue_link", request, f"New private link for {request.name}", actor_label="public")
    db.session.flush()
    return token


def update_request(
    request: SpeakerRequest,
    *,
    stance,
    participation,
    is_group_representative,
    group_name,
    email,
    phone,
    city,
    interpreter_language,
    accommodation,
) -> None:
    """The resident changes their card while sign-up is open. The name stays: it is who registered."""
    if not request.is_active or request.status != R.waiting:
        raise DomainError(_("This request can no longer be changed."))
    window = signup_window(request.meeting)
    if not window.is_open:
        raise DomainError(window.message())
    stance = parse_stance(stance)
    participation = parse_participation(participation)
    card = _clean_card(
        name=request.name,
        group_name=group_name,
        is_group_representative=is_group_representative,
        email=email,
        phone=phone,
        city=city,
        interpreter_language=interpreter_language,
        accommodation=accommodation,
    )
    before = {"stance": request.stance.value, "participation": request.participation.value, "group": request.group_name}
    if participation != P.written_only and request.queue_position is None:
        request.queue_position = _next_position(request.period)  # joins the end of the queue
    if participation == P.written_only and request.queue_position is not None:
        raise DomainError(
            _(
                "To stop speaking but keep your position on record, withdraw this request and send a "
                "written comment instead."
            ),
            field="participation",
        )
    request.stance, request.participation = stance, participation
    for key, value in card.items():
        setattr(request, key, value)
    policy = effective_policy(request.meeting)
    request.allotted_seconds = _allotted(policy, request.is_group_representative) if request.speaks else 0
    request.updated_at = utcnow()
    db.session.flush()
    live.touch(request.meeting_id)
    audit.record(
        "speaker.update",
        request,
        f"{request.name} changed their speaker request",
        actor_label="public",
        data={
            "before": before,
            "after": {"stance": stance.value, "participation": participation.value, "group": request.group_name},
        },
    )


def withdraw_request(request: SpeakerRequest, *, actor=None) -> None:
    """A withdrawn request stays on record, struck from the queue; its place is not reused."""
    if request.status not in (R.waiting, R.checked_in):
        raise DomainError(_("Only a request that has not been called can be withdrawn."))
    request.status = R.withdrawn
    request.withdrawn_at = request.updated_at = utcnow()
    live.touch(request.meeting_id)
    audit.record(
        "speaker.withdraw", request, f"Speaker request of {request.name} withdrawn", actor=actor, actor_label="public"
    )
    db.session.flush()
