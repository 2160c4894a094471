"""The outbox: every email is a row here first, written in the transaction of the change that causes it.

A rolled-back change leaves no row, so it sends nothing; a committed change always has its rows, so nothing is
lost when the mail server, a worker or Redis is down: delivery only changes each row's status.

* ``send(...)``: one message, composed now (a confirmation, an invitation).
* ``send_to_many(...)``: one mailing to every row of a SELECT (every confirmed subscriber), inserted by the
  database in one INSERT ... SELECT, however many they are; each message is composed at delivery by the
  renderer its kind registered (``renderer``), in the recipient's language, with their own unsubscribe link.

Delivery (``drain``, run by the job queue): a worker *claims* a batch of due rows (a lease: claimed_by and
claimed_until, taken with SKIP LOCKED on PostgreSQL, so workers never share a row), opens one SMTP connection
for the batch, and records each message as it goes: sent (time, Message-ID) or failed (the server's answer),
or, for a temporary failure, queued again with exponential backoff. Each message's outcome is committed on its
own, so a worker killed in the middle loses only the outcome of the message in flight: that one may be sent
twice, the rest of its batch goes out once its lease expires. A message keeps its Message-ID across attempts.
"""

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from typing import Any

from flask import current_app, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core import audit, jobs, mail
from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.extensions import db


class MailingKind(LabeledEnum):
    agenda = "agenda", _l("Agenda published")
    speaker_confirmation = "speaker_confirmation", _l("Request to speak")
    subscription_confirmation = "subscription_confirmation", _l("Subscription confirmation")
    invitation = "invitation", _l("Staff invitation")


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
        jobs.after_commit("app.core.outbox.drain", n)


def send(
    kind: MailingKind,
    to: str,
    subject: str,
    body: str,
    *,
    topic: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    locale: str = "en",
    sensitive: bool = False,
    actor=None,
) -> Mailing:
    """Queue one message composed now. Sent once the current transaction commits; never if it rolls back."""
    now = utcnow()
    mailing = Mailing(
        kind=kind,
        topic=topic,
        title=(title or subject)[:300],
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
        jobs.enqueue("app.core.outbox.drain", n)


def expand_pending() -> int:
    """Make the messages of every mailing still waiting for them (its job was lost). Returns how many."""
    waiting = list(db.session.scalars(select(Mailing.id).where(Mailing.expanded_at.is_(None)).order_by(Mailing.id)))
    db.session.commit()
    return sum(expand(mailing_id) for mailing_id in waiting)


# --- delivery ------------------------------------------------------------------------------------------------


def _due(now: datetime):
    return and_(
        OutboxMessage.status == MailStatus.queued,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


def claim(limit: int) -> tuple[str, datetime, list[OutboxMessage]]:
    """Take up to ``limit`` due messages for this worker, oldest first, and commit the claim."""
    now = utcnow()
    token = uuid.uuid4().hex
    until = now + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    # Two statements, not UPDATE ... WHERE id IN (SELECT ... LIMIT ... SKIP LOCKED): PostgreSQL may run such a
    # subquery more than once, each time skipping other rows, and claim more than ``limit``.
    chosen = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not chosen:
        db.session.commit()
        return token, until, []
    # The due condition again on the UPDATE: on SQLite (no row locks) a row another worker claimed in between
    # is left to it.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(chosen), _due(now))
        .values(claimed_by=token, claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    # Read back by primary key (claimed_by has no index), only what this UPDATE took.
    batch = select(OutboxMessage).where(OutboxMessage.id.in_(chosen), OutboxMessage.claimed_by == token)
    messages = list(db.session.scalars(batch.order_by(OutboxMessage.id)))
    for message in messages:
        if message.message_id is None:
            message.message_id = mail.new_message_id()
    db.session.commit()
    # The commit expired them: load them again in one query, not one query per message at its first use.
    messages = list(db.session.scalars(batch.order_by(OutboxMessage.id)))
    return token, until, messages


def _compose(messages: list[OutboxMessage]) -> dict[int, Composed | None | Exception]:
    composed: dict[int, Composed | None | Exception] = {}
    later: dict[int, list[OutboxMessage]] = {}
    for message in messages:
        if message.subject is not None:
            composed[message.id] = Composed(message.subject, message.body or "", message.headers)
        else:
            later.setdefault(message.mailing_id, []).append(message)
    for mailing_id, group in later.items():
        mailing = db.session.get(Mailing, mailing_id)
        try:
            with current_app.test_request_context(base_url=mailing.base_url or None):
                composed.update(_renderers[mailing.kind](mailing, group))
        except Exception as exc:  # noqa: BLE001 (a message that cannot be composed fails alone, with the reason)
            current_app.logger.exception("could not compose mailing %s", mailing_id)
            composed.update({m.id: exc for m in group})
    return composed


def _backoff(attempts: int) -> timedelta:
    config = current_app.config
    seconds = min(config["MAIL_RETRY_MAX_SECONDS"], config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1))
    return timedelta(seconds=seconds * random.uniform(0.9, 1.1))  # noqa: S311 (jitter, not a secret)


def _record(message_id: int, token: str, **values) -> None:
    """One message's outcome, committed on its own (only while this worker still holds the claim)."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == token)
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _retry_or_fail(message: dict, token: str, answer: str) -> None:
    attempts = message["attempts"] + 1
    if attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        _record(message["id"], token, status=MailStatus.failed, attempts=attempts, last_error=answer[:1000])
    else:
        _record(
            message["id"],
            token,
            attempts=attempts,
            last_error=answer[:1000],
            next_attempt_at=utcnow() + _backoff(attempts),
        )


def deliver(token: str, until: datetime, messages: list[OutboxMessage]) -> dict[str, int]:
    """Send the claimed messages over one connection; record each outcome as it happens."""
    composed = _compose(messages)
    # One read per mailing, not per message (nothing else holds the mailing, so the session may have let it go).
    sensitive = {i: db.session.get(Mailing, i).sensitive for i in {m.mailing_id for m in messages}}
    plain = [
        {
            "id": m.id,
            "to": m.recipient,
            "message_id": m.message_id,
            "attempts": m.attempts,
            "sensitive": sensitive[m.mailing_id],
        }
        for m in messages
    ]
    db.session.commit()  # nothing open while talking to the mail server (only reads since the claim)
    counts = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    # Stop early rather than let the lease run out mid-batch (another worker would then take the same rows).
    stop_at = until - timedelta(seconds=2 * current_app.config["MAIL_TIMEOUT_SECONDS"])
    pending = list(plain)
    try:
        with mail.connection() as connection:
            while pending:
                message = pending.pop(0)
                content = composed.get(message["id"])
                if isinstance(content, Exception):
                    _record(message["id"], token, status=MailStatus.failed, last_error=f"not composed: {content}")
                    counts["failed"] += 1
                    continue
                if content is None:
                    _record(message["id"], token, status=MailStatus.skipped)
                    counts["skipped"] += 1
                    continue
                if utcnow() >= stop_at:
                    pending.insert(0, message)
                    break
                email = mail.build_message(
                    message["to"],
                    content.subject,
                    content.body,
                    message_id=message["message_id"],
                    headers=content.headers,
                )
                try:
                    connection.send(email)
                except mail.DeliveryError as exc:
                    if exc.permanent:
                        _record(
                            message["id"],
                            token,
                            status=MailStatus.failed,
                            attempts=message["attempts"] + 1,
                            last_error=exc.answer,
                        )
                        counts["failed"] += 1
                        continue
                    _retry_or_fail(message, token, exc.answer)
                    counts["retry"] += 1
                    if exc.connection_lost:
                        raise
                    continue
                values = {"status": MailStatus.sent, "sent_at": utcnow(), "attempts": message["attempts"] + 1}
                if message["sensitive"]:
                    values.update(body="", headers=None)  # the private link is not kept once it is delivered
                _record(message["id"], token, **values)
                counts["sent"] += 1
    except mail.DeliveryError as exc:
        # Could not connect, or the connection broke: the rest of the batch waits for its next attempt too.
        for message in pending:
            _retry_or_fail(message, token, exc.answer)
            counts["retry"] += 1
        pending = []
    if pending:  # the lease is nearly over: give the rest back, untouched, for the next claim
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([m["id"] for m in pending]), OutboxMessage.claimed_by == token)
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return counts


def drain(_slot: int = 0) -> dict[str, int]:
    """The job: deliver due messages, a batch at a time, up to MAIL_BATCHES_PER_JOB batches; then, if more
    are due, enqueue a successor (so a long mailing is many short jobs, shared by every worker)."""
    config = current_app.config
    totals = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    for _ in range(config["MAIL_BATCHES_PER_JOB"]):
        token, until, messages = claim(config["MAIL_BATCH_SIZE"])
        if not messages:
            return totals
        for key, value in deliver(token, until, messages).items():
            totals[key] += value
    if due_count():
        jobs.enqueue("app.core.outbox.drain", _slot)
    return totals


def due_count(now: datetime | None = None) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(_due(now or utcnow()))) or 0


@jobs.on_tick
def wake() -> int:
    """The tick: make the messages of a mailing whose first job was lost, then enqueue delivery for what is due
    (a retry whose time came, a dead worker's claimed rows), up to MAIL_PARALLEL_JOBS jobs in the queue at once.
    Returns how many delivery jobs it enqueued."""
    expand_pending()
    due = due_count()
    db.session.commit()  # end the read: nothing stays open while the jobs run
    if not due:
        return 0
    config = current_app.config
    wanted = min(config["MAIL_PARALLEL_JOBS"], ceil(due / (config["MAIL_BATCH_SIZE"] * config["MAIL_BATCHES_PER_JOB"])))
    started = 0
    for slot in range(max(0, wanted - jobs.queued_count())):
        started += jobs.enqueue("app.core.outbox.drain", slot)
    return started


# --- what the clerk sees and does ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    queued: int
    retrying: int
    sent: int
    failed: int
    skipped: int

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.skipped

    @property
    def finished(self) -> bool:
        return self.queued + self.retrying == 0

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)

    def as_dict(self) -> dict[str, int | bool]:
        return {
            "total": self.total,
            "queued": self.queued,
            "retrying": self.retrying,
            "sent": self.sent,
            "failed": self.failed,
            "skipped": self.skipped,
            "done": self.done,
            "percent": self.percent,
            "finished": self.finished,
        }


def progress(chosen: list[Mailing]) -> dict[int, Progress]:
    """Counts by state for each mailing, in one query."""
    mailing_ids = [m.id for m in chosen]
    if not mailing_ids:
        return {}
    retrying = and_(OutboxMessage.status == MailStatus.queued, OutboxMessage.attempts > 0)
    state = case((retrying, "retrying"), else_=OutboxMessage.status)
    rows = db.session.execute(
        select(OutboxMessage.mailing_id, state, func.count())
        .where(OutboxMessage.mailing_id.in_(mailing_ids))
        .group_by(OutboxMessage.mailing_id, state)
    )
    counts: dict[int, dict[str, int]] = {i: {} for i in mailing_ids}
    for mailing_id, name, count in rows:
        counts[mailing_id][str(name)] = count
    for mailing in chosen:
        if mailing.expanded_at is None:  # its messages are not made yet: every recipient counted is queued
            counts[mailing.id] = {"queued": mailing.total}
    return {
        i: Progress(
            total=sum(c.values()),
            queued=c.get("queued", 0),
            retrying=c.get("retrying", 0),
            sent=c.get("sent", 0),
            failed=c.get("failed", 0),
            skipped=c.get("skipped", 0),
        )
        for i, c in counts.items()
    }


def mailings_query(*, topic: str | None = None, kind: MailingKind | None = None):
    """Newest first."""
    query = select(Mailing).order_by(Mailing.id.desc())
    if topic is not None:
        query = query.where(Mailing.topic == topic)
    if kind is not None:
        query = query.where(Mailing.kind == kind)
    return query


def mailings(*, topic: str | None = None, kind: MailingKind | None = None, limit: int = 50) -> list[Mailing]:
    return list(db.session.scalars(mailings_query(topic=topic, kind=kind).limit(limit)))


@dataclass(frozen=True)
class TopicLine:
    """One line of a meeting's mail: a mailing to many, or every one-off message of one kind together (sixty
    confirmations to speakers are one line, not sixty)."""

    kind: MailingKind
    title: str
    created_at: datetime
    progress: Progress
    mailing_id: int | None  # None for a group of one-off messages
    count: int  # mailings in the line


def topic_lines(topic: str, *, limit: int = 500) -> list[TopicLine]:
    """The mail about ``topic`` ("meeting:12"), newest first, in two queries."""
    found = mailings(topic=topic, limit=limit)
    counts = progress(found)
    lines: list[TopicLine] = []
    groups: dict[MailingKind, list[Mailing]] = {}
    for mailing in found:
        if mailing.kind == MailingKind.agenda:
            lines.append(TopicLine(mailing.kind, mailing.title, mailing.created_at, counts[mailing.id], mailing.id, 1))
        else:
            groups.setdefault(mailing.kind, []).append(mailing)
    for kind, members in groups.items():
        summed = Progress(*(sum(getattr(counts[m.id], f) for m in members) for f in Progress.__dataclass_fields__))
        lines.append(TopicLine(kind, "", members[0].created_at, summed, None, len(members)))
    return sorted(lines, key=lambda line: line.created_at, reverse=True)


def problems(mailing: Mailing, *, limit: int = 200) -> list[OutboxMessage]:
    """The messages that failed or are waiting to be retried, with the server's answer (clerks only)."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.mailing_id == mailing.id,
                or_(
                    OutboxMessage.status == MailStatus.failed,
                    and_(OutboxMessage.status == MailStatus.queued, OutboxMessage.attempts > 0),
                ),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


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
