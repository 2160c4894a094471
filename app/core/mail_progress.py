"""What the clerk sees of the outbox: each mailing's counts by state, a meeting's mail, what has not gone."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select

from app.core.outbox import Mailing, MailingKind, MailStatus, OutboxMessage
from app.extensions import db


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
