"""Subscribe (double opt-in), follow, manage, unsubscribe (one click, RFC 8058) and the new-agenda mailing.

A subscriber is one address (R12: never shown) with many follows. The public form asks for one follow at a time:
a new address, or a new follow of a known one, waits for the owner to open the confirmation link; a follow added
from the private manage page (whose link only the owner has) is live at once.
"""

import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from app.bodies.models import Body, Member
from app.city.services import city_name
from app.core import audit, outbox
from app.core.errors import DomainError
from app.core.outbox import Mailing, MailingKind
from app.core.timeutil import utcnow
from app.core.tokens import hash_token, new_token, token_matches
from app.core.web import format_local
from app.extensions import db
from app.legislation.models import Agreement
from app.meetings.models import AgendaItem, Meeting
from app.search.text import parse
from app.subscriptions.models import KEYWORD_MAX, Digest, Follow, FollowKind, Subscription
from app.topics.models import Topic

EMAIL_MAX = 254


@dataclass
class Wanted:
    """What a resident asks to follow: the kind and the one record (or keyword) it names."""

    kind: FollowKind
    body: Body | None = None
    topic: Topic | None = None
    member: Member | None = None
    agreement: Agreement | None = None
    item: AgendaItem | None = None
    keyword: str | None = None


@dataclass
class Pending:
    subscription: Subscription
    token: str
    follow: Follow | None = None


def _as_wanted(wanted) -> Wanted:
    """A Wanted, or a Body (or None: every body) for the agendas of a body, as the first form had it."""
    return wanted if isinstance(wanted, Wanted) else Wanted(FollowKind.body, body=wanted)


def clean_keyword(value: str | None) -> str:
    keyword = " ".join((value or "").split())
    if not keyword:
        raise DomainError(_("Enter a word or phrase to follow."), field="keyword")
    if len(keyword) > KEYWORD_MAX:
        raise DomainError(_("Use at most %(num)d characters.", num=KEYWORD_MAX), field="keyword")
    if not parse(keyword).has_text:
        raise DomainError(_("Enter letters or numbers to follow."), field="keyword")
    return keyword


def _check(wanted: Wanted) -> Wanted:
    needed = {
        FollowKind.topic: (wanted.topic, _("Choose a topic."), "topic"),
        FollowKind.member: (wanted.member, _("Choose a member."), "member"),
        FollowKind.agreement: (wanted.agreement, _("Choose an agreement."), "agreement"),
        FollowKind.item: (wanted.item, _("Choose an agenda item."), "item"),
    }
    if wanted.kind in needed and needed[wanted.kind][0] is None:
        _value, message, field = needed[wanted.kind]
        raise DomainError(message, field=field)
    if wanted.kind == FollowKind.keyword:
        wanted.keyword = clean_keyword(wanted.keyword)
    return wanted


def _target(wanted: Wanted) -> dict:
    """The follow's columns for what is wanted (only the one its kind names)."""
    return {
        "kind": wanted.kind,
        "body_id": wanted.body.id if wanted.kind == FollowKind.body and wanted.body else None,
        "topic_id": wanted.topic.id if wanted.kind == FollowKind.topic else None,
        "member_id": wanted.member.id if wanted.kind == FollowKind.member else None,
        "agreement_id": wanted.agreement.id if wanted.kind == FollowKind.agreement else None,
        "agenda_item_id": wanted.item.id if wanted.kind == FollowKind.item else None,
        "keyword": wanted.keyword if wanted.kind == FollowKind.keyword else None,
    }


def _same(follow: Follow, target: dict) -> bool:
    if follow.ended_at is not None:
        return False
    if target["kind"] == FollowKind.keyword:
        return follow.kind == FollowKind.keyword and parse(follow.keyword or "").words == parse(target["keyword"]).words
    return all(getattr(follow, name) == value for name, value in target.items())


def _add_follow(subscription: Subscription, wanted: Wanted, *, confirmed: bool) -> Follow:
    target = _target(wanted)
    found = next((f for f in subscription.follows if _same(f, target)), None)
    if found is None:
        found = Follow(subscription=subscription, created_at=utcnow(), **target)
        db.session.add(found)
    if confirmed and found.confirmed_at is None:
        found.confirmed_at = utcnow()
    return found


def subscriber_for(email: str) -> Subscription | None:
    """The address's live subscriber: the oldest confirmed one (an address that had one subscription per body
    before follows existed keeps those rows), else the newest pending one."""
    return db.session.scalar(
        select(Subscription)
        .where(Subscription.email == email, Subscription.unsubscribed_at.is_(None))
        .order_by(Subscription.confirmed_at.is_(None), Subscription.confirmed_at, Subscription.id.desc())
        .limit(1)
    )


def subscribe(email: str, wanted=None, *, locale: str = "en", digest: Digest = Digest.instant) -> Pending:
    """Ask to follow ``wanted`` and queue the confirmation link to the address. Nothing else is sent to an address
    until its owner confirms it; a new follow of a known address also waits for that link.

    Asking again issues a new link, so the page and the mail look the same whether or not the address was known:
    the form does not reveal who is subscribed.
    """
    email = (email or "").strip().lower()
    if not email or len(email) > EMAIL_MAX or "@" not in email:
        raise DomainError(_("Enter an email address like name@example.com."), field="email")
    wanted = _check(_as_wanted(wanted))
    token = new_token()
    found = subscriber_for(email)
    if found is None:
        found = Subscription(email=email, created_at=utcnow(), digest=digest)
        db.session.add(found)
    elif found.confirmed_at is None:
        found.digest = digest
    found.token_hash, found.locale = hash_token(token), locale
    follow = _add_follow(found, wanted, confirmed=False)
    db.session.flush()
    pending = Pending(found, token, follow)
    send_confirmation(pending)
    return pending


def _secret(purpose: str, subscription: Subscription) -> str:
    """A stable secret for a link, derived from the app's secret key: every message ever sent keeps a working
    link, and nothing more is stored."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{subscription.id}".encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe_token(subscription: Subscription) -> str:
    return _secret("unsubscribe", subscription)


def manage_token(subscription: Subscription) -> str:
    return _secret("manage", subscription)


def _get(subscription_id: int) -> Subscription | None:
    """The subscriber with its follows and what they name."""
    if subscription_id > 2**31 - 1:
        return None
    return db.session.get(
        Subscription,
        subscription_id,
        options=[
            selectinload(Subscription.follows).selectinload(getattr(Follow, name))
            for name in ("body", "topic", "member", "agreement", "item")
        ],
    )


def find_pending(subscription_id: int, token: str) -> Subscription | None:
    """The subscriber a confirmation link names, if its secret matches (compared in constant time)."""
    found = _get(subscription_id)
    if found is None or not token_matches(found.token_hash, token):
        return None
    return found


def _find_by_secret(purpose: str, subscription_id: int, token: str) -> Subscription | None:
    found = _get(subscription_id)
    if found is None or not hmac.compare_digest(_secret(purpose, found), token or ""):
        return None
    return found


def find_for_unsubscribe(subscription_id: int, token: str) -> Subscription | None:
    return _find_by_secret("unsubscribe", subscription_id, token)


def find_for_manage(subscription_id: int, token: str) -> Subscription | None:
    return _find_by_secret("manage", subscription_id, token)


def confirm(subscription: Subscription) -> None:
    """The owner opened the link: the address and every follow waiting for it are live."""
    if subscription.unsubscribed_at is not None:
        raise DomainError(_("This subscription was ended. Subscribe again to receive agendas."))
    now = utcnow()
    if subscription.confirmed_at is None:
        subscription.confirmed_at = now
        audit.record("subscription.confirm", subscription, "Subscription confirmed", actor=None)
    waiting = [f for f in subscription.follows if f.confirmed_at is None and f.ended_at is None]
    for follow in waiting:
        follow.confirmed_at = now
    if waiting:
        audit.record(
            "subscription.follow",
            subscription,
            f"{len(waiting)} follow(s) confirmed",
            actor=None,
            data={"count": len(waiting)},
        )
    db.session.flush()


def unsubscribe(subscription: Subscription) -> None:
    """Everything ends. Idempotent: a second click (or a mail client's automatic POST) changes nothing."""
    if subscription.unsubscribed_at is None:
        now = utcnow()
        subscription.unsubscribed_at = now
        for follow in subscription.follows:
            if follow.ended_at is None:
                follow.ended_at = now
        audit.record("subscription.end", subscription, "Subscription ended", actor=None)
    db.session.flush()


# --- the private manage page ------------------------------------------------------------------------------


def _live(subscription: Subscription) -> None:
    if subscription.unsubscribed_at is not None:
        raise DomainError(_("This subscription was ended. Subscribe again to receive agendas."))


def add_follow(subscription: Subscription, wanted: Wanted) -> Follow:
    """From the manage page: its secret link is the owner's proof, so the follow is live at once (once the address
    itself is confirmed)."""
    _live(subscription)
    follow = _add_follow(subscription, _check(wanted), confirmed=subscription.confirmed_at is not None)
    db.session.flush()
    audit.record("subscription.follow", subscription, f"Follow added ({follow.kind.value})", actor=None)
    return follow


def end_follow(subscription: Subscription, follow_id: int) -> Follow:
    follow = next((f for f in subscription.follows if f.id == follow_id), None)
    if follow is None:
        raise DomainError(_("That follow is not on this list."))
    if follow.ended_at is None:
        follow.ended_at = utcnow()
        audit.record("subscription.unfollow", subscription, f"Follow ended ({follow.kind.value})", actor=None)
    db.session.flush()
    return follow


def set_digest(subscription: Subscription, digest: Digest) -> None:
    _live(subscription)
    if subscription.digest != digest:
        subscription.digest = digest
        audit.record("subscription.digest", subscription, f"Digest set to {digest.value}", actor=None)
    db.session.flush()


def describe(follow: Follow) -> str:
    """What a follow names, in words, in the current language."""
    if follow.kind == FollowKind.body:
        if follow.body is None:
            return _("New agendas of every commission and board")
        return _("New agendas of %(body)s", body=follow.body.name)
    if follow.kind == FollowKind.topic:
        return _("Topic: %(name)s", name=follow.topic.name)
    if follow.kind == FollowKind.keyword:
        return _("Words: “%(words)s”", words=follow.keyword)
    if follow.kind == FollowKind.member:
        return _("Member: %(name)s", name=follow.member.full_name)
    if follow.kind == FollowKind.agreement:
        return _("Agreement: %(title)s", title=follow.agreement.title)
    return _("Agenda item: %(title)s", title=follow.item.title)


def manage_link(subscription: Subscription) -> str:
    return outbox.external_url("portal.manage", subscription_id=subscription.id, token=manage_token(subscription))


def unsubscribe_link(subscription: Subscription) -> str:
    return url_for(
        "portal.unsubscribe", subscription_id=subscription.id, token=unsubscribe_token(subscription), _external=True
    )


def one_click(subscription: Subscription) -> dict:
    """RFC 2369 and RFC 8058 headers: a mail client can unsubscribe with one POST, no page visit."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_link(subscription)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def footer(subscription: Subscription) -> list[str]:
    """The last lines of every message to a subscriber: where to manage, and how to stop (in its language)."""
    return [
        "",
        _(
            "To change what you follow or how often we write: %(link)s",
            link=url_for(
                "portal.manage", subscription_id=subscription.id, token=manage_token(subscription), _external=True
            ),
        ),
        _("To stop receiving these messages, open: %(link)s", link=unsubscribe_link(subscription)),
    ]


def send_confirmation(pending: Pending) -> None:
    """Queue the confirmation link, in the transaction that records the subscription (app/core/outbox.py)."""
    subscription = pending.subscription
    confirm_link = outbox.external_url(
        "portal.subscription_confirm", subscription_id=subscription.id, token=pending.token
    )
    with force_locale(subscription.locale):
        what = describe(pending.follow) if pending.follow is not None else ""
        body = "\n".join(
            [
                _("Someone (we hope you) asked to follow this on the meetings site of %(city)s:", city=city_name()),
                what,
                "",
                _("To confirm, open this link:"),
                confirm_link,
                "",
                _("If you did not ask for this, ignore this message: nothing will be sent to you."),
                "",
                _("Under Florida law, e-mail addresses are public records (F.S. 668.6076)."),
            ]
        )
        subject = _("Confirm your subscription to new agendas")
    outbox.send(
        MailingKind.subscription_confirmation,
        subscription.email,
        subject,
        body,
        title=f"Subscription confirmation #{subscription.id}",
        locale=subscription.locale,
        sensitive=True,
    )


# --- new agendas, to the followers of a body --------------------------------------------------------------


def recipients(meeting: Meeting):
    """The confirmed, live subscribers following the meeting's body (or every body), as (address, locale, id)."""
    follows_body = exists().where(
        Follow.subscription_id == Subscription.id,
        Follow.kind == FollowKind.body,
        Follow.confirmed_at.is_not(None),
        Follow.ended_at.is_(None),
        or_(Follow.body_id.is_(None), Follow.body_id == meeting.body_id),
    )
    return select(Subscription.email, Subscription.locale, Subscription.id).where(
        Subscription.confirmed_at.is_not(None), Subscription.unsubscribed_at.is_(None), follows_body
    )


def notify_agenda(meeting: Meeting, *, actor=None) -> Mailing:
    """Queue the published agenda for every confirmed follower of its body: the mailing is written in the
    publishing transaction, its messages by the first job (app/core/outbox.py ``expand``), however many
    subscribers: the request stays fast and a slow or absent mail server cannot undo or fail the publication.
    Each message is composed at delivery (``_compose_agenda``), in the subscriber's language, with their
    unsubscribe link and the RFC 8058 one-click headers; someone who unsubscribed in between is skipped. An
    agenda is mailed at once whatever the digest choice: it opens the time to speak or write before the meeting.
    """
    return outbox.send_to_many(
        MailingKind.agenda,
        title=f"Agenda published: {meeting.body.name}, {meeting.title}",
        topic=f"meeting:{meeting.id}",
        params={"meeting_id": meeting.id},
        actor=actor,
    )


@outbox.audience(MailingKind.agenda)
def _agenda_audience(mailing):
    return recipients(db.session.get(Meeting, mailing.params["meeting_id"]))


@outbox.renderer(MailingKind.agenda)
def _compose_agenda(mailing, messages) -> dict:
    meeting = db.session.get(Meeting, mailing.params["meeting_id"])
    found = {
        s.id: s
        for s in db.session.scalars(
            select(Subscription).where(Subscription.id.in_([m.ref_id for m in messages if m.ref_id is not None]))
        )
    }
    meeting_link = url_for("portal.meeting", meeting_id=meeting.id, _external=True)
    composed = {}
    for message in messages:
        subscription = found.get(message.ref_id)
        if subscription is None or not subscription.is_active:
            composed[message.id] = None  # unsubscribed since the agenda was published: not sent
            continue
        with force_locale(message.locale):
            body = "\n".join(
                [
                    _("The agenda of this meeting is published:"),
                    "",
                    f"{meeting.body.name}: {meeting.title}",
                    format_local(meeting.start_at),
                    meeting.location,
                    "",
                    _("Agenda, and how to speak or send a written comment:"),
                    meeting_link,
                    *footer(subscription),
                ]
            )
            subject = _("Agenda published: %(title)s", title=meeting.title)
        composed[message.id] = outbox.Composed(subject, body, one_click(subscription))
    return composed
