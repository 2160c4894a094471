"""Public comment (F.S. 286.0114, R5, R6, R12): policies, sign-up, written comments and the live queue.

Every change goes through here and is written to the audit log. Residents act without an account: their
changes are logged as "public" with no user.
"""

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, literal, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite

from app.bodies.models import Body
from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import format_seconds, to_local, utcnow
from app.core.tokens import hash_token
from app.extensions import db
from app.meetings.models import AgendaItem, Meeting, MeetingStatus
from app.public_comment.models import (
    CommentPeriod,
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

R = SpeakerRequestStatus
T = SpeakerRequestTimer
P = SpeakerRequestParticipation

STANCE_LABELS = {Stance.support: _l("Support"), Stance.oppose: _l("Oppose"), Stance.neutral: _l("Neutral")}
PARTICIPATION_LABELS = {
    P.in_person: _l("In person, in the chamber"),
    P.remote: _l("Remotely, by video or phone"),
    P.written_only: _l("I will not speak; record my position only"),
}
STATUS_LABELS = {
    R.waiting: _l("Waiting"),
    R.checked_in: _l("Checked in"),
    R.called: _l("Speaking now"),
    R.spoke: _l("Spoke"),
    R.no_show: _l("No-show"),
    R.withdrawn: _l("Withdrawn"),
    R.ceded: _l("Ceded time"),
}
TIMER_LABELS = {T.idle: _l("Not started"), T.running: _l("Running"), T.paused: _l("Paused"), T.stopped: _l("Stopped")}

#: The public-records notice shown before every public form (R12). A new wording gets a new version; the
#: version each resident saw is stored with their card or comment.
DISCLAIMER_VERSION = "PR-2025-1"


def disclaimer_paragraphs() -> list[str]:
    return [
        _(
            "Under Florida's public records law (Chapter 119, Florida Statutes), what you submit here is a public "
            "record: your name, the item, your position, your group and any written comment can be seen by anyone."
        ),
        _(
            "Under Florida law, e-mail addresses are public records. If you do not want your e-mail address released "
            "in response to a public records request, do not send electronic mail to this entity. Instead, contact "
            "this office by phone or in writing (F.S. 668.6076)."
        ),
        _(
            "Email, phone, city and accommodation details are optional. Dais shows them only to the City Clerk's "
            "staff, never on a public page, but they can still be released in response to a public records request "
            "unless a statutory exemption applies."
        ),
    ]


def stance_label(stance) -> str:
    return str(STANCE_LABELS[Stance(stance)])


def participation_label(value) -> str:
    return str(PARTICIPATION_LABELS[P(value)])


def status_label(value) -> str:
    return str(STATUS_LABELS[R(value)])


def timer_label(value) -> str:
    return str(TIMER_LABELS[T(value)])


# --- policy ------------------------------------------------------------------------------------


def default_policy(body: Body) -> CommentPolicy:
    """The rules used when a body has adopted none: an unsaved policy with the configured defaults."""
    config = current_app.config
    return CommentPolicy(
        body_id=body.id,
        version=0,
        adopted_on=None,
        adopted_by="",
        speaker_seconds=config["COMMENT_SPEAKER_SECONDS"],
        group_seconds=config["COMMENT_GROUP_SECONDS"],
        item_cap_minutes=None,
        signup_closes_minutes=config["COMMENT_SIGNUP_CLOSES_MINUTES"],
        written_accepted=True,
        written_max_chars=config["COMMENT_WRITTEN_MAX_CHARS"],
        ceding_allowed=False,
    )


def policies(body: Body) -> list[CommentPolicy]:
    return list(
        db.session.scalars(
            select(CommentPolicy).where(CommentPolicy.body_id == body.id).order_by(CommentPolicy.version.desc())
        )
    )


def policy_in_force(body: Body, on: date) -> CommentPolicy | None:
    """The latest version adopted on or before ``on``; a version adopted for a later date is not yet in force."""
    return db.session.scalar(
        select(CommentPolicy)
        .where(CommentPolicy.body_id == body.id, CommentPolicy.adopted_on <= on)
        .order_by(CommentPolicy.adopted_on.desc(), CommentPolicy.version.desc())
        .limit(1)
    )


def effective_policy(meeting: Meeting) -> CommentPolicy:
    """The rules of this meeting: the version stamped at notice, else the one in force today, else defaults."""
    if meeting.comment_policy is not None:
        return meeting.comment_policy
    return policy_in_force(meeting.body, to_local(utcnow()).date()) or default_policy(meeting.body)


def stamp_policy(meeting: Meeting) -> None:
    """R6: called when the notice is published; the meeting keeps this version whatever is adopted later."""
    if meeting.comment_policy_id is None:
        policy = policy_in_force(meeting.body, to_local(utcnow()).date())
        if policy is not None:
            meeting.comment_policy = policy


POLICY_LIMITS = {
    "speaker_seconds": (30, 1800),
    "group_seconds": (30, 3600),
    "item_cap_minutes": (1, 24 * 60),
    "signup_closes_minutes": (0, 7 * 24 * 60),
    "written_max_chars": (100, 20000),
}


def adopt_policy(
    body: Body,
    *,
    adopted_on: date,
    adopted_by: str,
    speaker_seconds: int,
    group_seconds: int,
    item_cap_minutes: int | None,
    signup_closes_minutes: int,
    written_accepted: bool,
    written_max_chars: int,
    ceding_allowed: bool,
    actor,
) -> CommentPolicy:
    """R6: a new version of the body's comment policy. Versions are never edited; meetings already noticed
    keep the version stamped on them."""
    values = {
        "speaker_seconds": speaker_seconds,
        "group_seconds": group_seconds,
        "item_cap_minutes": item_cap_minutes,
        "signup_closes_minutes": signup_closes_minutes,
        "written_max_chars": written_max_chars,
    }
    for name, value in values.items():
        low, high = POLICY_LIMITS[name]
        if value is None and name == "item_cap_minutes":
            continue
        if value is None or not low <= value <= high:
            raise DomainError(_("Enter a number from %(low)d to %(high)d.", low=low, high=high), field=name)
    if group_seconds < speaker_seconds:
        raise DomainError(
            _("A group representative cannot have less time than an individual speaker."), field="group_seconds"
        )
    if adopted_on is None or not date(2000, 1, 1) <= adopted_on <= date(2100, 12, 31):
        raise DomainError(_("Enter the date the policy was adopted."), field="adopted_on")
    latest = db.session.scalar(select(func.max(CommentPolicy.version)).where(CommentPolicy.body_id == body.id))
    policy = CommentPolicy(
        body_id=body.id,
        version=(latest or 0) + 1,
        adopted_on=adopted_on,
        adopted_by=clean_text(adopted_by),
        written_accepted=bool(written_accepted),
        ceding_allowed=bool(ceding_allowed),
        created_by_id=actor.id if actor else None,
        **values,
    )
    db.session.add(policy)
    db.session.flush()
    audit.record(
        "comment_policy.adopt",
        policy,
        f"Comment policy version {policy.version} of {body.name}",
        actor=actor,
        data={
            **values,
            "adopted_on": adopted_on.isoformat(),
            "adopted_by": policy.adopted_by,
            "written_accepted": policy.written_accepted,
            "ceding_allowed": policy.ceding_allowed,
        },
    )
    return policy


# --- the sign-up window -------------------------------------------------------------------------


@dataclass
class SignupWindow:
    closes_at: datetime
    #: "unpublished" (no agenda yet), "open", "closed", "ended" (adjourned), "cancelled"
    state: str

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def message(self) -> str:
        from app.core.web import format_local

        closes = format_local(self.closes_at)
        if self.state == "unpublished":
            return _("Sign-up opens when the agenda is published and closes at %(closes)s.", closes=closes)
        if self.state == "cancelled":
            return _("This meeting was cancelled; sign-up is closed.")
        if self.state == "ended":
            return _("This meeting has ended. The speakers and comments below are the record.")
        if self.state == "closed":
            return _(
                "Sign-up for this meeting closed at %(closes)s. You can still ask to speak in the chamber "
                "before the item is called.",
                closes=closes,
            )
        return _("Sign-up is open until %(closes)s.", closes=closes)


def signup_window(
    meeting: Meeting, *, now: datetime | None = None, policy: CommentPolicy | None = None
) -> SignupWindow:
    """R6: sign-up opens when the agenda is published and closes the policy's minutes before the start."""
    now = now or utcnow()
    policy = policy or effective_policy(meeting)
    closes = meeting.start_at - timedelta(minutes=policy.signup_closes_minutes)
    opens = meeting.agenda_published_at
    if meeting.status == MeetingStatus.cancelled:
        state = "cancelled"
    elif meeting.status == MeetingStatus.adjourned:
        state = "ended"
    elif meeting.status == MeetingStatus.in_progress or now >= closes:
        state = "closed"
    elif opens is None:
        state = "unpublished"
    else:
        state = "open"
    return SignupWindow(closes_at=closes, state=state)


def commentable_items(meeting: Meeting) -> list[AgendaItem]:
    """Items a resident can comment on: on the agenda, not withdrawn, not exempt from comment (R5)."""
    return [i for i in meeting.active_items if i.public_comment_required]


def _require_commentable(item: AgendaItem) -> None:
    if item.is_withdrawn or not item.public_comment_required:
        raise DomainError(_("This item does not take public comment. Choose another item."), field="agenda_item_id")


# --- periods and queue places ---------------------------------------------------------------------


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


# --- registering to speak -------------------------------------------------------------------------

NAME_MAX, GROUP_MAX, EMAIL_MAX, PHONE_MAX, CITY_MAX, LANGUAGE_MAX, ACCOMMODATION_MAX = 120, 120, 254, 40, 80, 60, 1000
PHONE_RE = re.compile(r"^[0-9+()\-. ]{7,40}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value, field: str, max_length: int, *, required=False, multiline=False, label=None) -> str | None:
    if value is not None and CONTROL_RE.search(value):
        raise DomainError(_("Remove the control characters from this field."), field=field)
    value = clean_text(value, multiline=multiline)
    if not multiline:
        value = " ".join(value.split())
    if required and not value:
        raise DomainError(_("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainError(
            _("Use at most %(max)d characters (you typed %(length)d).", max=max_length, length=len(value)), field=field
        )
    return value or None


def _digits(phone: str | None) -> str:
    return "".join(ch for ch in phone or "" if ch.isdigit())


def _check_public_submission(meeting: Meeting, disclaimer_version: str | None, *, policy=None) -> None:
    """R6 window and R12 notice: a resident's form is taken only while sign-up is open, after the notice."""
    window = signup_window(meeting, policy=policy)
    if not window.is_open:
        raise DomainError(window.message())
    if disclaimer_version != DISCLAIMER_VERSION:
        raise DomainError(_("Read the public-records notice, then submit the form again."))


def _stance(value) -> Stance:
    try:
        return Stance(value)
    except ValueError:
        raise DomainError(_("Choose support, oppose or neutral."), field="stance") from None


def _participation(value) -> P:
    try:
        return P(value)
    except ValueError:
        raise DomainError(_("Choose how you will take part."), field="participation") from None


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
        if phone and candidate.phone and _digits(candidate.phone) == _digits(phone):
            return candidate
    return None


def _clean_card(
    *, name, group_name, is_group_representative, email, phone, city, interpreter_language, accommodation
) -> dict:
    name = _text(name, "name", NAME_MAX, required=True)
    group_name = _text(group_name, "group_name", GROUP_MAX)
    if is_group_representative and not group_name:
        raise DomainError(_("Name the group you speak for."), field="group_name")
    email = _text(email, "email", EMAIL_MAX)
    if email and not EMAIL_RE.match(email):
        raise DomainError(_("Enter an email address like name@example.com, or leave it empty."), field="email")
    phone = _text(phone, "phone", PHONE_MAX)
    if phone and (not PHONE_RE.match(phone) or len(_digits(phone)) < 7):
        raise DomainError(_("Enter a phone number with at least 7 digits, or leave it empty."), field="phone")
    return {
        "name": name,
        "group_name": group_name if is_group_representative else None,
        "is_group_representative": bool(is_group_representative),
        "email": email,
        "phone": phone,
        "city": _text(city, "city", CITY_MAX),
        "interpreter_language": _text(interpreter_language, "interpreter_language", LANGUAGE_MAX),
        "accommodation": _text(accommodation, "accommodation", ACCOMMODATION_MAX, multiline=True),
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
    actor=None,
) -> Registration:
    """A resident asks to be heard on an item (286.0114(2), (4)(c)).

    Online sign-up is refused outside the window (R6). A repeat of the same person on the same item, or a
    double submission of the same form, returns the existing request. A walk-in is added by the clerk at any
    time until the meeting is adjourned.
    """
    meeting = item.meeting
    if submission_key:
        existing = db.session.scalar(select(SpeakerRequest).where(SpeakerRequest.submission_key == submission_key))
        if existing is not None:
            return Registration(existing, None, False)
    _require_commentable(item)
    if walk_in:
        if meeting.status in (MeetingStatus.cancelled, MeetingStatus.adjourned, MeetingStatus.draft):
            raise DomainError(_("Speakers can be added only to a noticed meeting that has not ended."))
    else:
        _check_public_submission(meeting, disclaimer_version)
    stance = _stance(stance)
    participation = _participation(participation)
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
    token = secrets.token_urlsafe(24)
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
        **card,
    )
    if speaks:
        request.queue_position = _next_position(period)
    db.session.add(request)
    db.session.flush()
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


def find_request(request_id: int, token: str) -> SpeakerRequest | None:
    """The private link: the token is compared in constant time against the stored hash."""
    request = db.session.get(SpeakerRequest, request_id)
    if request is None or not token or len(token) > 100:
        return None
    if not hmac.compare_digest(request.token_hash, hash_token(token)):
        return None
    return request


def reissue_token(request: SpeakerRequest) -> str:
    """A new private link for a request (the old one stops working); sent only to the email on file."""
    token = secrets.token_urlsafe(24)
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
    stance = _stance(stance)
    participation = _participation(participation)
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
    audit.record(
        "speaker.withdraw", request, f"Speaker request of {request.name} withdrawn", actor=actor, actor_label="public"
    )
    db.session.flush()


# --- queue reading --------------------------------------------------------------------------------


def queue(item: AgendaItem) -> list[SpeakerRequest]:
    """Every speaking request of the item in queue order (written-only cards have no place)."""
    return list(
        db.session.scalars(
            select(SpeakerRequest)
            .where(SpeakerRequest.agenda_item_id == item.id, SpeakerRequest.queue_position.is_not(None))
            .order_by(SpeakerRequest.queue_position)
        )
    )


@dataclass
class Place:
    #: 1 = next; None when the request is no longer waiting.
    place: int | None
    ahead: int
    wait_seconds: int


def place_in_queue(request: SpeakerRequest, *, now: datetime | None = None) -> Place:
    """Where a resident stands: speakers still to be heard before them and a rough wait from their times."""
    if request.status not in (R.waiting, R.checked_in) or request.queue_position is None:
        return Place(None, 0, 0)
    now = now or utcnow()
    ahead = db.session.scalars(
        select(SpeakerRequest).where(
            SpeakerRequest.agenda_item_id == request.agenda_item_id,
            SpeakerRequest.queue_position < request.queue_position,
            SpeakerRequest.status.in_([R.waiting, R.checked_in, R.called]),
        )
    ).all()
    wait = sum(max(0, r.remaining(now)) if r.status == R.called else r.allotted_seconds for r in ahead)
    return Place(len(ahead) + 1, len(ahead), wait)


def current_speaker(meeting: Meeting) -> SpeakerRequest | None:
    return db.session.scalar(
        select(SpeakerRequest)
        .where(SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.status == R.called)
        .order_by(SpeakerRequest.called_at.desc())
        .limit(1)
    )


def period_used_seconds(item: AgendaItem, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    return sum(r.elapsed(now) for r in queue(item) if r.status in (R.spoke, R.called))


# --- the clerk's queue ----------------------------------------------------------------------------


def _require_in_progress(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.in_progress:
        raise DomainError(_("Call the meeting to order before running the speaker queue."))


def _log(request: SpeakerRequest, action: str, summary: str, actor, **data) -> None:
    request.updated_at = utcnow()
    audit.record(f"speaker.{action}", request, summary, actor=actor, data={"item_id": request.agenda_item_id, **data})
    db.session.flush()


def add_walk_in(item: AgendaItem, *, actor, **card) -> SpeakerRequest:
    registration = register_speaker(item, walk_in=True, actor=actor, disclaimer_version=DISCLAIMER_VERSION, **card)
    if not registration.created:
        raise DomainError(
            _(
                "%(name)s is already in this queue (place %(place)s).",
                name=registration.request.name,
                place=registration.request.queue_position or "-",
            )
        )
    return registration.request


def check_in(request: SpeakerRequest, *, actor) -> None:
    if request.status != R.waiting:
        raise DomainError(_("Only a waiting speaker can be checked in."))
    if request.meeting.status not in (MeetingStatus.noticed, MeetingStatus.rescheduled, MeetingStatus.in_progress):
        raise DomainError(_("Check-in is open from the notice until the meeting ends."))
    request.status = R.checked_in
    request.checked_in_at = utcnow()
    _log(request, "check_in", f"{request.name} checked in", actor)


def open_period(item: AgendaItem, *, actor) -> CommentPeriod:
    """The chair opens public comment on the item (the R5 evidence starts here)."""
    _require_in_progress(item.meeting)
    _require_commentable(item)
    period = period_for(item)
    if period.is_open:
        raise DomainError(_("Public comment on this item is already open."))
    if period.opened_at is None:
        period.opened_at = utcnow()
    period.closed_at = None
    audit.record("comment_period.open", item, f"Public comment opened on {item.label} {item.title}", actor=actor)
    db.session.flush()
    return period


def close_period(item: AgendaItem, *, actor) -> CommentPeriod:
    """The chair closes public comment; speakers still waiting stay on record as they are."""
    period = period_for(item)
    if not period.is_open:
        raise DomainError(_("Public comment on this item is not open."))
    current = current_speaker(item.meeting)
    if current is not None and current.agenda_item_id == item.id:
        raise DomainError(_("Finish the current speaker before closing public comment."))
    period.closed_at = utcnow()
    audit.record("comment_period.close", item, f"Public comment closed on {item.label} {item.title}", actor=actor)
    db.session.flush()
    return period


def call_speaker(request: SpeakerRequest, *, actor) -> None:
    """Call a speaker to the podium. One speaker at a time per meeting; opens the item's comment period."""
    meeting = request.meeting
    _require_in_progress(meeting)
    if request.status not in (R.waiting, R.checked_in) or not request.speaks:
        raise DomainError(_("Only a waiting speaker can be called."))
    current = current_speaker(meeting)
    if current is not None:
        raise DomainError(_("%(name)s is still speaking. Mark them as spoke or no-show first.", name=current.name))
    period = request.period
    if period.closed_at is not None:
        raise DomainError(_("Public comment on this item is closed. Reopen it to call more speakers."))
    if period.opened_at is None:
        open_period(request.item, actor=actor)
    request.status = R.called
    request.called_at = utcnow()
    _log(request, "call", f"{request.name} called to speak", actor, queue_position=request.queue_position)


def call_next(item: AgendaItem, *, actor) -> SpeakerRequest:
    """The next speaker in registration order."""
    nxt = next((r for r in queue(item) if r.status in (R.waiting, R.checked_in)), None)
    if nxt is None:
        raise DomainError(_("No one is waiting to speak on this item."))
    call_speaker(nxt, actor=actor)
    return nxt


def _require_called(request: SpeakerRequest) -> None:
    _require_in_progress(request.meeting)
    if request.status != R.called:
        raise DomainError(_("Call this speaker first."))


def start_timer(request: SpeakerRequest, *, actor) -> None:
    _require_called(request)
    if request.timer not in (T.idle, T.paused):
        raise DomainError(_("The timer is already running or has been stopped."))
    request.timer = T.running
    request.timer_started_at = utcnow()
    _log(request, "timer_start", f"Timer started for {request.name}", actor, elapsed=request.elapsed_seconds)


def _accumulate(request: SpeakerRequest, now: datetime) -> None:
    request.elapsed_seconds = request.elapsed(now)
    request.timer_started_at = None


def pause_timer(request: SpeakerRequest, *, actor) -> None:
    _require_called(request)
    if request.timer != T.running:
        raise DomainError(_("The timer is not running."))
    _accumulate(request, utcnow())
    request.timer = T.paused
    _log(request, "timer_pause", f"Timer paused for {request.name}", actor, elapsed=request.elapsed_seconds)


def stop_timer(request: SpeakerRequest, *, actor) -> None:
    _require_called(request)
    if request.timer not in (T.running, T.paused):
        raise DomainError(_("The timer has not been started."))
    _accumulate(request, utcnow())
    request.timer = T.stopped
    _log(request, "timer_stop", f"Timer stopped for {request.name}", actor, elapsed=request.elapsed_seconds)


MAX_EXTENSION_SECONDS = 600


def add_time(request: SpeakerRequest, *, seconds: int, reason: str, actor) -> TimeExtension:
    """The chair extends a speaker's time. Logged with the reason, for the record of even-handed treatment."""
    _require_called(request)
    reason = _text(reason, "reason", 500)
    if not reason:
        raise DomainError(_("Give the reason for the extra time; it is kept on the record."), field="reason")
    if seconds is None or not 1 <= seconds <= MAX_EXTENSION_SECONDS:
        raise DomainError(_("Add from 1 to %(max)d seconds.", max=MAX_EXTENSION_SECONDS), field="seconds")
    if request.timer == T.stopped:
        request.timer = T.paused  # more time after a stop: the clerk restarts the timer
    request.allotted_seconds += seconds
    extension = TimeExtension(
        request_id=request.id, seconds=seconds, reason=reason, created_at=utcnow(), actor_id=actor.id if actor else None
    )
    db.session.add(extension)
    _log(
        request,
        "extend",
        f"{seconds} seconds added for {request.name}: {reason}",
        actor,
        seconds=seconds,
        reason=reason,
    )
    return extension


def cede_time(donor: SpeakerRequest, *, to: SpeakerRequest, actor) -> TimeExtension:
    """A registered speaker gives their time to another speaker on the same item, if the policy allows it."""
    policy = effective_policy(donor.meeting)
    if not policy.ceding_allowed:
        raise DomainError(_("This meeting's comment policy does not allow ceding time."))
    if donor.id == to.id or donor.agenda_item_id != to.agenda_item_id:
        raise DomainError(_("Time can be ceded only to another speaker on the same item."), field="recipient_id")
    if donor.status not in (R.waiting, R.checked_in) or not donor.speaks:
        raise DomainError(_("Only a speaker who has not spoken can cede their time."))
    if to.status not in (R.waiting, R.checked_in, R.called) or not to.speaks:
        raise DomainError(_("The speaker receiving the time must still be in the queue."), field="recipient_id")
    seconds = donor.allotted_seconds
    donor.status = R.ceded
    donor.ceded_to_id = to.id
    donor.finished_at = utcnow()
    to.allotted_seconds += seconds
    if to.timer == T.stopped:
        to.timer = T.paused
    extension = TimeExtension(
        request_id=to.id,
        seconds=seconds,
        ceded_from_id=donor.id,
        created_at=utcnow(),
        reason=f"Time ceded by {donor.name}",
        actor_id=actor.id if actor else None,
    )
    db.session.add(extension)
    _log(donor, "cede", f"{donor.name} ceded {seconds} seconds to {to.name}", actor, to=to.id, seconds=seconds)
    return extension


def mark_spoke(request: SpeakerRequest, *, actor) -> None:
    _require_called(request)
    now = utcnow()
    if request.timer == T.running:
        _accumulate(request, now)
    if request.timer != T.idle:
        request.timer = T.stopped
    request.status = R.spoke
    request.finished_at = now
    _log(
        request,
        "spoke",
        f"{request.name} spoke ({format_seconds(request.elapsed_seconds)})",
        actor,
        elapsed=request.elapsed_seconds,
    )


def mark_no_show(request: SpeakerRequest, *, actor) -> None:
    """Called but not there (or not answering remotely). A speaker who already spoke cannot be a no-show."""
    _require_in_progress(request.meeting)
    if request.status not in (R.waiting, R.checked_in, R.called) or request.elapsed(utcnow()) > 0:
        raise DomainError(_("Only a speaker who has not spoken can be marked as a no-show."))
    request.status = R.no_show
    request.timer_started_at = None
    request.timer = T.idle
    request.finished_at = utcnow()
    _log(request, "no_show", f"{request.name} did not answer when called", actor)


# --- written comments -----------------------------------------------------------------------------


def submit_written_comment(
    item: AgendaItem,
    *,
    name,
    stance,
    text,
    email=None,
    city=None,
    disclaimer_version: str | None,
    submission_key: str | None = None,
) -> tuple:
    """A written comment within the policy's length. Returns (comment, created)."""
    if submission_key:
        existing = db.session.scalar(select(WrittenComment).where(WrittenComment.submission_key == submission_key))
        if existing is not None:
            return existing, False
    _require_commentable(item)
    meeting = item.meeting
    policy = effective_policy(meeting)
    if not policy.written_accepted:
        raise DomainError(_("This body does not take written comments."))
    _check_public_submission(meeting, disclaimer_version, policy=policy)
    stance = _stance(stance)
    name = _text(name, "name", NAME_MAX, required=True)
    body = _text(text, "text", policy.written_max_chars, required=True, multiline=True)
    email = _text(email, "email", EMAIL_MAX)
    if email and not EMAIL_RE.match(email):
        raise DomainError(_("Enter an email address like name@example.com, or leave it empty."), field="email")
    duplicate = db.session.scalar(
        select(WrittenComment).where(
            WrittenComment.agenda_item_id == item.id,
            func.lower(WrittenComment.name) == name.lower(),
            WrittenComment.text == body,
        )
    )
    if duplicate is not None:
        return duplicate, False
    comment = WrittenComment(
        agenda_item_id=item.id,
        meeting_id=meeting.id,
        submission_key=submission_key,
        name=name,
        stance=stance,
        text=body,
        email=email,
        city=_text(city, "city", CITY_MAX),
        disclaimer_version=disclaimer_version,
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    audit.record(
        "written_comment.submit",
        comment,
        f"Written comment by {name} on {item.label} {item.title}",
        actor_label="public",
        data={"item_id": item.id, "stance": stance.value, "length": len(body)},
    )
    return comment, True


def publish_written_comment(comment: WrittenComment, *, actor) -> None:
    if comment.status == WrittenCommentStatus.published:
        raise DomainError(_("This comment is already published."))
    comment.status = WrittenCommentStatus.published
    comment.published_at = utcnow()
    comment.hidden_at = comment.hidden_reason = None
    comment.reviewed_by_id = actor.id if actor else None
    audit.record("written_comment.publish", comment, f"Published the written comment of {comment.name}", actor=actor)
    db.session.flush()


def hide_written_comment(comment: WrittenComment, *, reason: str, actor) -> None:
    """Hidden, never deleted (Ch. 119): the comment and the reason stay on record for staff."""
    reason = _text(reason, "reason", 500)
    if not reason:
        raise DomainError(
            _("Give the reason for hiding this comment (for example the statutory exemption)."), field="reason"
        )
    if comment.status == WrittenCommentStatus.hidden:
        raise DomainError(_("This comment is already hidden."))
    comment.status = WrittenCommentStatus.hidden
    comment.hidden_at = utcnow()
    comment.hidden_reason = reason
    comment.reviewed_by_id = actor.id if actor else None
    audit.record(
        "written_comment.hide",
        comment,
        f"Hid the written comment of {comment.name}: {reason}",
        actor=actor,
        data={"reason": reason},
    )
    db.session.flush()


# --- public reading -------------------------------------------------------------------------------


@dataclass
class Tally:
    spoken: dict
    written: dict

    @classmethod
    def empty(cls) -> "Tally":
        return cls(_empty(), _empty())

    @property
    def total(self) -> int:
        return sum(self.spoken.values()) + sum(self.written.values())


def _empty() -> dict:
    return dict.fromkeys(Stance, 0)


#: Requests that count in the tallies as heard or to be heard (not withdrawn, not a no-show).
COUNTED = (R.waiting, R.checked_in, R.called, R.spoke, R.ceded)


def tallies(meeting_id: int) -> dict[int, Tally]:
    """Support / oppose / neutral per item, spoken and written, in one grouped query.

    Written = published written comments plus written-only cards; spoken = speaker cards still standing
    (not withdrawn, not a no-show).
    """
    cards = (
        select(
            SpeakerRequest.agenda_item_id,
            SpeakerRequest.stance,
            cast(SpeakerRequest.participation, String(40)),
            func.count(),
        )
        .where(SpeakerRequest.meeting_id == meeting_id, SpeakerRequest.status.in_(COUNTED))
        .group_by(SpeakerRequest.agenda_item_id, SpeakerRequest.stance, SpeakerRequest.participation)
    )
    letters = (
        select(WrittenComment.agenda_item_id, WrittenComment.stance, literal("letter", String(40)), func.count())
        .where(WrittenComment.meeting_id == meeting_id, WrittenComment.status == WrittenCommentStatus.published)
        .group_by(WrittenComment.agenda_item_id, WrittenComment.stance)
    )
    result: dict[int, Tally] = {}
    for item_id, stance, kind, count in db.session.execute(union_all(cards, letters)):
        tally = result.setdefault(item_id, Tally.empty())
        written = kind in ("letter", P.written_only.value)
        (tally.written if written else tally.spoken)[Stance(stance)] += count
    return result


def comment_summary(meeting: Meeting) -> dict[int, list[str]]:
    """For the draft minutes: per item, the comment period, who spoke and in what position, the tallies.

    Record text in the city's record language, like the rest of the minutes.
    """
    cards = db.session.scalars(
        select(SpeakerRequest)
        .where(SpeakerRequest.meeting_id == meeting.id, SpeakerRequest.status == R.spoke)
        .order_by(SpeakerRequest.agenda_item_id, SpeakerRequest.called_at, SpeakerRequest.queue_position)
    ).all()
    totals = tallies(meeting.id)
    result: dict[int, list[str]] = {}
    for item_id, tally in totals.items():
        spoke = [c for c in cards if c.agenda_item_id == item_id]
        lines = [
            f"Public comment: {len(spoke)} spoke, {format_seconds(sum(c.elapsed_seconds for c in spoke))} "
            f"in all. Positions, speakers and written: support {tally.spoken[Stance.support]} and "
            f"{tally.written[Stance.support]}, oppose {tally.spoken[Stance.oppose]} and "
            f"{tally.written[Stance.oppose]}, neutral {tally.spoken[Stance.neutral]} and "
            f"{tally.written[Stance.neutral]}."
        ]
        if spoke:
            lines.append(
                "Speakers: "
                + "; ".join(
                    f"{c.name}{f' for {c.group_name}' if c.group_name else ''} ({c.stance.value})" for c in spoke
                )
                + "."
            )
        result[item_id] = lines
    return result


def public_speakers(item: AgendaItem) -> list[SpeakerRequest]:
    """The speaker list as the public sees it: not withdrawn; name, group, position and status only."""
    return [r for r in queue(item) if r.status != R.withdrawn]


def published_comments(item: AgendaItem) -> list[WrittenComment]:
    return list(
        db.session.scalars(
            select(WrittenComment)
            .where(WrittenComment.agenda_item_id == item.id, WrittenComment.status == WrittenCommentStatus.published)
            .order_by(WrittenComment.created_at, WrittenComment.id)
        )
    )
