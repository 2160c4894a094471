"""Delivering the outbox (app/core/outbox.py): the jobs the queue runs, and the tick that finds lost work.

``drain`` (the job): a worker *claims* a batch of due rows (a lease: claimed_by and claimed_until, taken with
SKIP LOCKED on PostgreSQL, so workers never share a row), opens one SMTP connection for the batch, and records
each message as it goes: sent (time, Message-ID) or failed (the server's answer), or, for a temporary failure,
queued again with exponential backoff. Each message's outcome is committed on its own, so a worker killed in the
middle loses only the outcome of the message in flight: that one may be sent twice, the rest of its batch goes
out once its lease expires. A message keeps its Message-ID across attempts.

``wake`` (every worker's tick): makes the messages of a mailing whose first job was lost, and queues delivery
for what is due (a retry whose time came, a dead worker's batch).
"""

import random
import uuid
from datetime import datetime, timedelta
from math import ceil

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from app.core import jobs, mail
from app.core.outbox import Composed, Mailing, MailStatus, OutboxMessage, expand_pending, renderer_for
from app.core.timeutil import utcnow
from app.extensions import db


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
                composed.update(renderer_for(mailing.kind)(mailing, group))
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
        jobs.enqueue("app.core.delivery.drain", _slot)
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
        started += jobs.enqueue("app.core.delivery.drain", slot)
    return started
