"""Subscribe, confirm (double opt-in), unsubscribe (one click, RFC 8058) and the new-agenda mailing."""

import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.bodies.models import Body
from app.city.services import city_name
from app.core import audit, outbox
from app.core.errors import DomainError
from app.core.outbox import Mailing, MailingKind
from app.core.timeutil import utcnow
from app.core.tokens import hash_token, new_token, token_matches
from app.core.web import format_local
from app.extensions import db
from app.meetings.models import Meeting
from app.subscriptions.models import Subscription

EMAIL_MAX = 254


@dataclass
class Pending:
    subscription: Subscription
    token: str


def subscribe(email: str, body: Body | None, *, locale: str = "en") -> Pending:
    """Start (or restart) a subscription and queue the confirmation link to the address. Nothing else is sent to
    an address until its owner confirms it.

    Asking again for a pending or live subscription issues a new link, so the page and the mail look the same
    whether or not the address was known: the form does not reveal who is subscribed.
    """
    email = (email or "").strip().lower()
    if not email or len(email) > EMAIL_MAX or "@" not in email:
        raise DomainError(_("Enter an email address like name@example.com."), field="email")
    token = new_token()
    found = db.session.scalar(
        select(Subscription).where(
            Subscription.email == email,
            Subscription.unsubscribed_at.is_(None),
            Subscription.body_id.is_(None) if body is None else Subscription.body_id == body.id,
        )
    )
    if found is None:
        found = Subscription(email=email, body_id=body.id if body else None, created_at=utcnow())
        db.session.add(found)
    found.token_hash, found.locale = hash_token(token), locale
    db.session.flush()
    pending = Pending(found, token)
    send_confirmation(pending)
    return pending


def unsubscribe_token(subscription: Subscription) -> str:
    """A stable secret for the unsubscribe link, derived from the app's secret key: every message ever sent
    keeps a working link, and nothing more is stored."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"unsubscribe:{subscription.id}".encode(), hashlib.sha256).hexdigest()[:32]


def _get(subscription_id: int) -> Subscription | None:
    """The subscription with the body its pages name."""
    if subscription_id > 2**31 - 1:
        return None
    return db.session.get(Subscription, subscription_id, options=[joinedload(Subscription.body)])


def find_pending(subscription_id: int, token: str) -> Subscription | None:
    """The subscription a confirmation link names, if its secret matches (compared in constant time)."""
    found = _get(subscription_id)
    if found is None or not token_matches(found.token_hash, token):
        return None
    return found


def find_for_unsubscribe(subscription_id: int, token: str) -> Subscription | None:
    found = _get(subscription_id)
    if found is None or not hmac.compare_digest(unsubscribe_token(found), token):
        return None
    return found


def confirm(subscription: Subscription) -> None:
    if subscription.unsubscribed_at is not None:
        raise DomainError(_("This subscription was ended. Subscribe again to receive agendas."))
    if subscription.confirmed_at is None:
        subscription.confirmed_at = utcnow()
        audit.record("subscription.confirm", subscription, "Subscription confirmed", actor=None)
    db.session.flush()


def unsubscribe(subscription: Subscription) -> None:
    """Idempotent: a second click (or a mail client's automatic POST) changes nothing."""
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = utcnow()
        audit.record("subscription.end", subscription, "Subscription ended", actor=None)
    db.session.flush()


def unsubscribe_link(subscription: Subscription) -> str:
    return url_for(
        "portal.unsubscribe", subscription_id=subscription.id, token=unsubscribe_token(subscription), _external=True
    )


def _one_click(subscription: Subscription) -> dict:
    """RFC 2369 and RFC 8058 headers: a mail client can unsubscribe with one POST, no page visit."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_link(subscription)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def send_confirmation(pending: Pending) -> None:
    """Queue the confirmation link, in the transaction that records the subscription (app/core/outbox.py)."""
    subscription = pending.subscription
    confirm_link = outbox.external_url(
        "portal.subscription_confirm", subscription_id=subscription.id, token=pending.token
    )
    with force_locale(subscription.locale):
        scope = subscription.body.name if subscription.body else _("every commission and board")
        body = "\n".join(
            [
                _(
                    "Someone (we hope you) asked to receive the new agendas of %(scope)s from %(city)s.",
                    scope=scope,
                    city=city_name(),
                ),
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


def recipients(meeting: Meeting):
    """The confirmed, live subscribers of the meeting's body (or of every body), as (address, locale, id)."""
    return select(Subscription.email, Subscription.locale, Subscription.id).where(
        Subscription.confirmed_at.is_not(None),
        Subscription.unsubscribed_at.is_(None),
        or_(Subscription.body_id.is_(None), Subscription.body_id == meeting.body_id),
    )


def notify_agenda(meeting: Meeting, *, actor=None) -> Mailing:
    """Queue the published agenda for every confirmed subscriber of its body: the mailing is written in the
    publishing transaction, its messages by the first job (app/core/outbox.py ``expand``), however many
    subscribers: the request stays fast and a slow or absent mail server cannot undo or fail the publication.
    Each message is composed at delivery (``_compose_agenda``), in the
    subscriber's language, with their unsubscribe link and the RFC 8058 one-click headers; someone who
    unsubscribed in between is skipped.
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
    meeting = db.session.get(Meeting, mailing.params["meeting_id"], options=[joinedload(Meeting.body)])
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
        stop_link = unsubscribe_link(subscription)
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
                    "",
                    _("To stop receiving these messages, open: %(link)s", link=stop_link),
                ]
            )
            subject = _("Agenda published: %(title)s", title=meeting.title)
        composed[message.id] = outbox.Composed(subject, body, _one_click(subscription))
    return composed
