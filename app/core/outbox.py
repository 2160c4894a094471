"""The outbox: every email is a row here first, written in the transaction of the change that causes it.

A rolled-back change leaves no row, so it sends nothing; a committed change always has its rows, so nothing is
lost when the mail server, a worker or Redis is down: delivery (app/core/delivery.py) only changes each row's
status, and what the clerk sees of it is in app/core/mail_progress.py.

* ``send(...)``: one message, composed now (a confirmation, an invitation).
* ``send_to_many(...)``: one mailing to everyone its kind's audience names (``audience``: every confirmed
  subscriber); the mailing is written now, its messages (one row each) by the first job (``expand``), in one
  INSERT ... SELECT however many they are; each message is composed at delivery by the renderer its kind
  registered (``renderer``), in the recipient's language, with their own unsubscribe link.
* ``retry_failed(...)``: the clerk queues a mailing's failed messages again.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Any

from flask import current_app, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, func, insert, literal, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.core import audit, jobs, mail
from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.extensions import db


class MailingKind(LabeledEnum):
    agenda = "agenda", _l("Agenda published")
    speaker_confirmation = "speaker_confirmation", _l("Request to speak")
    #: The speaker first in line once the one before them is called (app/public_comment/notify.py).
    speaker_next = "speaker_next", _l("You are next to speak")
    subscription_confirmation = "subscription_confirmation", _l("Subscription confirmation")
    invitation = "invitation", _l("Staff invitation")
    #: A resident asks the clerk for an accessible copy of a document (R14; app/legislation/accessibility.py).
    accessible_copy_request = "accessible_copy_request", _l("Accessible copy request")
    #: A staff member told of a change to their own sign-in (app/auth/notices.py).
    security_notice = "security_notice", _l("Sign-in change notice")
    #: What a subscriber follows changed: one message per subscriber and change (app/subscriptions/alerts.py).
    follow_alert = "follow_alert", _l("Follow alert")
    #: A daily subscriber's digest of what changed since the last one.
    follow_digest = "follow_digest", _l("Daily digest")
    #: A department submission waits on the recipient's approval step, or moved on (app/intake/notify.py).
    intake_step = "intake_step", _l("Agenda submission")


class MailStatus(LabeledEnum):
    queued = "queued", _l("Queued")
    sent = "sent", _l("Sent")
    failed = "failed", _l("Delivery failed")
    #: Not sent, on purpose: the subscriber left before the message was delivered.
    skipped = "skipped", _l("Not sent")


class Mailing(db.Model):
    """What was sent, why and to how many: one agenda to every subscriber, or one confirmation."""

    __tablename__ = "mailings"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MailingKind] = mapped_column(str_enum(MailingKind, "mailing_kind"))
    #: What the mailing is about, for the pages that list it ("meeting:12").
    topic: Mapped[str | None] = mapped_column(String(40), index=True)
    #: The clerk's name for it, in the record language at the time ("Agenda published: Regular meeting").
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: The site's address when it was written, for the links composed at delivery (a worker has no request).
    base_url: Mapped[str] = mapped_column(String(300), default="")
    #: What the kind's renderer needs (a meeting's id).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The messages hold a private link: their text is erased once delivered.
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Recipients: counted when written; exact once the messages are made (``expand``).
    total: Mapped[int] = mapped_column(Integer, default=0)
    #: When its messages were made: at once for one message; by the first job for a mailing to many (NULL until).
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxMessage(db.Model):
    """One message to one address. Private: the address is shown to the clerks only."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_mailing_status", "mailing_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailing_id: Mapped[int] = mapped_column(ForeignKey("mailings.id", ondelete="RESTRICT"))
    recipient: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    #: The row the renderer composes from (a subscription's id), for messages composed at delivery.
    ref_id: Mapped[int | None] = mapped_column(Integer)
    #: Composed when written (one-off messages); NULL for a mailing's messages, composed at delivery.
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    #: Given at the first attempt and kept: a message sent twice (a worker died) carries the same Message-ID.
    message_id: Mapped[str | None] = mapped_column(String(250))
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus, "mail_status"), default=MailStatus.queued)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The server's answer to the last failed attempt ("550 5.1.1 no such user").
    last_error: Mapped[str | None] = mapped_column(String(1000))


@dataclass(frozen=True)
class Composed:
    subject: str
    body: str
    headers: dict[str, str] | None = None


#: kind -> renderer(mailing, messages) -> {message id: Composed, or None to skip that recipient}
Renderer = Callable[[Mailing, list[OutboxMessage]], dict[int, Composed | None]]
_renderers: dict[MailingKind, Renderer] = {}
#: kind -> audience(mailing) -> a SELECT of (address, locale, ref_id): who a mailing to many goes to
Audience = Callable[[Mailing], Any]
_audiences: dict[MailingKind, Audience] = {}


def audience(kind: MailingKind):
    """Register who a mailing of ``kind`` goes to (``send_to_many``): a SELECT of (address, locale, ref_id)."""

    def register(function: Audience) -> Audience:
        _audiences[kind] = function
        return function

    return register


def renderer_for(kind: MailingKind) -> Renderer:
    return _renderers[kind]


def renderer(kind: MailingKind):
    """Register how the messages of ``kind`` are composed at delivery (``send_to_many``)."""

    def register(function: Renderer) -> Renderer:
        _renderers[kind] = function
        return function

    return register


# --- writing to the outbox -----------------------------------------------------------------------------------


def _base_url() -> str:
    return request.host_url if has_request_context() else current_app.config.get("BASE_URL", "")


def external_url(endpoint: str, **values) -> str:
    """An absolute link for a message: from the request when there is one, else from BASE_URL (a job, the CLI)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config.get("BASE_URL") or None):
        return url_for(endpoint, _external=True, **values)


def _deliver_after_commit(count: int) -> None:
    """Start enough jobs to keep MAIL_PARALLEL_JOBS workers busy, once the change commits."""
    batch = current_app.config["MAIL_BATCH_SIZE"] * current_app.config["MAIL_BATCHES_PER_JOB"]
    for n in range(min(current_app.config["MAIL_PARALLEL_JOBS"], max(1, ceil(count / batch)))):
        jobs.after_commit("app.core.delivery.drain", n)


def send(
    kind: MailingKind,
    to: str,
    subject: str | None,
    body: str | None,
    *,
    topic: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    locale: str = "en",
    ref_id: int | None = None,
    sensitive: bool = False,
    actor=None,
) -> Mailing:
    """Queue one message composed now. Sent once the current transaction commits; never if it rolls back.

    With ``subject`` and ``body`` None, the message is composed at delivery by the renderer its kind registered
    (``renderer``), from the row ``ref_id`` names, in ``locale``; give a ``title`` then."""
    if subject is None and kind not in _renderers:
        raise LookupError(f"no renderer registered for {kind}")
    now = utcnow()
    mailing = Mailing(
        kind=kind,
        topic=topic,
        title=(title or subject or kind.value)[:300],
        created_at=now,
        created_by_id=getattr(actor, "id", None),
        base_url=_base_url(),
        sensitive=sensitive,
        total=1,
        expanded_at=now,
    )
    db.session.add(mailing)
    db.session.flush()
    db.session.add(
        OutboxMessage(
            mailing_id=mailing.id,
            recipient=to,
            locale=locale,
            ref_id=ref_id,
            subject=subject,
            body=body,
            headers=headers,
            message_id=mail.new_message_id(),
            status=MailStatus.queued,
            attempts=0,
            next_attempt_at=now,
        )
    )
    db.session.flush()
    _deliver_after_commit(1)
    return mailing


def send_to_many(
    kind: MailingKind, *, title: str, topic: str | None = None, params: dict | None = None, actor=None
) -> Mailing:
    """Queue a mailing to everyone its kind's audience names (``audience``), composed at delivery by its
    renderer (``renderer``).

    The mailing is written now, in the current transaction, with the number of recipients counted; its messages
    (one row each, however many) are made by the first job once the change commits (``expand``), so a
    publication answers at once even for 50,000 subscribers. If that job never runs (Redis down, the process
    died), every worker's tick makes them: a committed mailing is never lost."""
    if kind not in _renderers or kind not in _audiences:
        raise LookupError(f"no renderer or audience registered for {kind}")
    mailing = Mailing(
        kind=kind,
        topic=topic,
        title=title[:300],
        created_at=utcnow(),
        created_by_id=getattr(actor, "id", None),
        base_url=_base_url(),
        params=params or {},
        total=0,
    )
    db.session.add(mailing)
    db.session.flush()
    mailing.total = db.session.scalar(select(func.count()).select_from(_audiences[kind](mailing).subquery()))
    db.session.flush()
    jobs.after_commit("app.core.outbox.expand", mailing.id)
    return mailing


def expand(mailing_id: int) -> int:
    """The job that makes a mailing's messages: one INSERT ... SELECT of its audience as it stands now, in one
    transaction with the mark that it is done (so it is done once, by whoever comes first); then delivery starts.
    Returns how many messages it made (0 if it was done already)."""
    now = utcnow()
    taken = db.session.execute(
        update(Mailing)
        .where(Mailing.id == mailing_id, Mailing.expanded_at.is_(None))
        .values(expanded_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        db.session.commit()
        return 0
    mailing = db.session.get(Mailing, mailing_id)
    chosen = _audiences[mailing.kind](mailing).subquery()
    address, locale, ref_id = list(chosen.c)
    rows = select(
        literal(mailing.id),
        address,
        locale,
        ref_id,
        literal(MailStatus.queued.value),
        literal(0),
        literal(now, UTCDateTime()),
    ).order_by(ref_id)
    columns = ["mailing_id", "recipient", "locale", "ref_id", "status", "attempts", "next_attempt_at"]
    db.session.execute(insert(OutboxMessage).from_select(columns, rows))
    total = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.mailing_id == mailing.id)
    )
    mailing.total = total
    db.session.commit()
    if total:
        _start_delivery(total)
    return total


def _start_delivery(count: int) -> None:
    batch = current_app.config["MAIL_BATCH_SIZE"] * current_app.config["MAIL_BATCHES_PER_JOB"]
    for n in range(min(current_app.config["MAIL_PARALLEL_JOBS"], max(1, ceil(count / batch)))):
        jobs.enqueue("app.core.delivery.drain", n)


def expand_pending() -> int:
    """Make the messages of every mailing still waiting for them (its job was lost). Returns how many."""
    waiting = list(db.session.scalars(select(Mailing.id).where(Mailing.expanded_at.is_(None)).order_by(Mailing.id)))
    db.session.commit()
    return sum(expand(mailing_id) for mailing_id in waiting)


def retry_failed(mailing: Mailing, *, actor) -> int:
    """Queue the failed messages of ``mailing`` again, now, from their first attempt. Returns how many."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.mailing_id == mailing.id, OutboxMessage.status == MailStatus.failed)
        .values(status=MailStatus.queued, attempts=0, next_attempt_at=now, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount
    if count:
        audit.record(
            "mail.retry",
            mailing,
            f"Mail retried: {count} failed message(s) of '{mailing.title}' queued again",
            actor=actor,
            data={"count": count},
        )
        _deliver_after_commit(count)
    db.session.flush()
    return count
