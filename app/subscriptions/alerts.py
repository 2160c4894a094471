"""Alerts: something a subscriber follows changed (issue 19).

When an agenda is published (or amended), a roll call closes, or an agreement effect is recorded, the receivers in
``app.subscriptions.reactions`` describe what changed as ``Facts`` (its topics, words, members, agreements, item)
and ``record`` writes one alert per live subscriber whose live follow matches, in the transaction of the change.
The pair (subscriber, thing changed) is unique, so an alert fires once however often the change is seen (an
amended agenda names its items again). Mailing them is ``app.subscriptions.alert_mail``.

A keyword matches with search's own normalisation (``app.search.text``): case and accents folded, "287(g)",
"287 g" and "287g" one word; every word typed must be in the title or text, a quoted phrase in that order.
"""

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from app.core import jobs
from app.core.timeutil import utcnow
from app.extensions import db
from app.legislation.models import Agreement, AgreementEffect
from app.meetings.models import AgendaItem
from app.search.text import normalize_document, parse
from app.subscriptions.models import Alert, AlertKind, Follow, FollowKind, Subscription

_WORD = re.compile(r"[^\W_]+")


@dataclass
class Facts:
    """What a change is about, for matching follows."""

    kind: AlertKind
    ref_id: int
    text: str = ""
    topic_ids: set[int] = field(default_factory=set)
    member_ids: set[int] = field(default_factory=set)
    agreement_ids: set[int] = field(default_factory=set)
    item_ids: set[int] = field(default_factory=set)

    @cached_property
    def words(self) -> tuple[list[str], set[str]]:
        """The text as search normalises it, once for every keyword compared with it."""
        return _words(self.text)

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.ref_id}"


def _words(text: str) -> tuple[list[str], set[str]]:
    words = _WORD.findall(normalize_document(text))
    return words, set(words)


@lru_cache(maxsize=2048)
def _query(keyword: str):
    return parse(keyword)


def _keyword_in(keyword: str, words: list[str], present: set[str]) -> bool:
    query = _query(keyword)
    if not query.has_text or not all(w in present for w in query.words):
        return False
    joined = f" {' '.join(words)} "
    return all(f" {' '.join(phrase)} " in joined for phrase in query.phrases)


def keyword_matches(keyword: str, text: str) -> bool:
    """Every word of ``keyword`` is a word of ``text``, and each quoted phrase appears in order."""
    return _keyword_in(keyword, *_words(text))


def _agreements_of_category(category: str | None) -> set[int]:
    if not category or not category.strip():
        return set()
    return set(
        db.session.scalars(select(Agreement.id).where(func.lower(Agreement.category) == category.strip().lower()))
    )


def item_facts(item: AgendaItem, kind: AlertKind = AlertKind.item, ref_id: int | None = None) -> Facts:
    """An agenda item: its topics, sponsors, text, the agreements its category or its resolution's effects name."""
    agreements = _agreements_of_category(item.agreement_category)
    resolution = item.resolution
    text = [item.title, item.body_md or "", item.agreement_category or ""]
    topic_ids = {t.id for t in item.topics}
    if resolution is not None:
        agreements |= {e.agreement_id for e in resolution.effects if e.agreement_id}
        topic_ids |= {t.id for t in resolution.topics}
        text.append(resolution.title)
    return Facts(
        kind,
        ref_id if ref_id is not None else item.id,
        text="\n".join(text),
        topic_ids=topic_ids,
        member_ids={m.id for m in item.sponsors},
        agreement_ids=agreements,
        item_ids={item.id},
    )


def vote_facts(item: AgendaItem, motion) -> Facts:
    """A closed roll call on an item: the item's facts, and every member who moved, seconded or voted."""
    facts = item_facts(item, AlertKind.vote, motion.id)
    facts.text = "\n".join([facts.text, motion.text or ""])
    facts.member_ids |= {v.member_id for v in motion.votes} | {motion.mover_id}
    if motion.seconder_id:
        facts.member_ids.add(motion.seconder_id)
    return facts


def effect_facts(effect: AgreementEffect) -> Facts:
    resolution = effect.resolution
    agreement_ids = {effect.agreement_id} if effect.agreement_id else _agreements_of_category(effect.category)
    topic_ids = {t.id for t in resolution.topics}
    if effect.agreement is not None:
        topic_ids |= {t.id for t in effect.agreement.topics}
    text = [resolution.title, effect.category or "", effect.agreement.title if effect.agreement else ""]
    return Facts(
        AlertKind.effect,
        effect.id,
        text="\n".join(text),
        topic_ids=topic_ids,
        agreement_ids=agreement_ids,
        item_ids={resolution.agenda_item_id},
    )


def _candidates(facts: Facts) -> list[Follow]:
    """The live follows (of live, confirmed subscribers) that may match: by id in SQL, keywords in Python."""
    named = [Follow.kind == FollowKind.keyword]
    for column, ids in (
        (Follow.topic_id, facts.topic_ids),
        (Follow.member_id, facts.member_ids),
        (Follow.agreement_id, facts.agreement_ids),
        (Follow.agenda_item_id, facts.item_ids),
    ):
        if ids:
            named.append(column.in_(sorted(ids)))
    return list(
        db.session.scalars(
            select(Follow)
            .join(Subscription, Subscription.id == Follow.subscription_id)
            .where(
                Follow.kind != FollowKind.body,
                Follow.confirmed_at.is_not(None),
                Follow.ended_at.is_(None),
                Subscription.confirmed_at.is_not(None),
                Subscription.unsubscribed_at.is_(None),
                or_(*named),
            )
            .order_by(Follow.subscription_id, Follow.id)
        )
    )


def _matches(follow: Follow, facts: Facts) -> bool:
    if follow.kind == FollowKind.keyword:
        return _keyword_in(follow.keyword or "", *facts.words)
    return (
        follow.topic_id in facts.topic_ids
        or follow.member_id in facts.member_ids
        or follow.agreement_id in facts.agreement_ids
        or follow.agenda_item_id in facts.item_ids
    )


def _insert_ignoring_repeats(rows: list[dict]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING: an alert already recorded (by this or a concurrent change) stays one."""
    dialect = db.session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Alert)
    result = db.session.execute(statement.values(rows).on_conflict_do_nothing())
    return result.rowcount or 0


def record(facts: Facts) -> int:
    """One alert per subscriber whose follow matches; returns how many were new. The instant ones are mailed by a
    job once the change commits (``alert_mail.send_instant``); the daily ones wait for the digest."""
    first: dict[int, int] = {}
    for follow in _candidates(facts):
        if follow.subscription_id not in first and _matches(follow, facts):
            first[follow.subscription_id] = follow.id
    if not first:
        return 0
    now = utcnow()
    rows = [
        {
            "subscription_id": subscription_id,
            "key": facts.key,
            "kind": facts.kind,
            "ref_id": facts.ref_id,
            "follow_id": follow_id,
            "created_at": now,
        }
        for subscription_id, follow_id in first.items()
    ]
    added = _insert_ignoring_repeats(rows)
    if added:
        jobs.after_commit("app.subscriptions.alert_mail.send_instant_job")
    return added


def items_published(items) -> int:
    """An agenda published or amended: each item not withdrawn, once."""
    return sum(record(item_facts(item)) for item in items if item.withdrawn_at is None)
