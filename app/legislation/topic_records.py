"""Everything public under a topic (issue 19), for the topic's page and the API: one paged list over the three tag
tables (a UNION ALL ordered by day, newest first), then the records of one page loaded by kind. A fixed number of
queries whatever the topic holds. Here because this is the lowest layer that knows items, resolutions and
agreements."""

from dataclasses import dataclass

from sqlalchemy import BigInteger, Date, cast, func, literal, literal_column, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from app.core.paging import page_of
from app.extensions import db
from app.legislation.models import Agreement, AgreementEffect, Resolution
from app.meetings.models import AgendaItem, Meeting
from app.topics.models import Topic, agenda_item_topics, agreement_topics, resolution_topics

ITEM, RESOLUTION, AGREEMENT = 0, 1, 2
_SHIFT = 32  # a row's key: kind << 32 | id (ids are below 2**31), one unique column to order and page by


def _day(column):
    """The calendar day of a stored time, comparable with a Date column in a UNION on both databases."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return cast(column, Date)


def public_tags():
    """(topic_id, kind, key, day) for every public tag: an item or a resolution whose agenda is published, and
    every agreement (the register is public)."""
    published = (Meeting.agenda_published_at.is_not(None), Meeting.is_public)

    def key(kind, column):
        return (literal_column(str(kind << _SHIFT), BigInteger) + column).label("key")

    items = (
        select(
            agenda_item_topics.c.topic_id,
            literal(ITEM).label("kind"),
            key(ITEM, AgendaItem.id),
            _day(Meeting.start_at).label("day"),
        )
        .join(AgendaItem, AgendaItem.id == agenda_item_topics.c.agenda_item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(*published)
    )
    resolutions = (
        select(
            resolution_topics.c.topic_id,
            literal(RESOLUTION).label("kind"),
            key(RESOLUTION, Resolution.id),
            _day(Meeting.start_at).label("day"),
        )
        .join(Resolution, Resolution.id == resolution_topics.c.resolution_id)
        .join(AgendaItem, AgendaItem.id == Resolution.agenda_item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(*published)
    )
    agreements = select(
        agreement_topics.c.topic_id,
        literal(AGREEMENT).label("kind"),
        key(AGREEMENT, agreement_topics.c.agreement_id),
        _day(Agreement.signed_on).label("day"),
    ).join(Agreement, Agreement.id == agreement_topics.c.agreement_id)
    return union_all(items, resolutions, agreements).subquery("tags")


def public_counts() -> dict[int, tuple[int, int, int]]:
    """Per topic id: how many public items, resolutions and agreements carry it (one query)."""
    tags = public_tags()
    counts: dict[int, list[int]] = {}
    for topic_id, kind, n in db.session.execute(
        select(tags.c.topic_id, tags.c.kind, func.count()).group_by(tags.c.topic_id, tags.c.kind)
    ):
        counts.setdefault(topic_id, [0, 0, 0])[kind] = n
    return {topic_id: tuple(c) for topic_id, c in counts.items()}


@dataclass
class TopicPage:
    """One page of what is under a topic: (kind, record) pairs, newest first."""

    records: list[tuple[int, object]]
    page: int
    pages: int
    total: int


def under_topic(topic: Topic, page: int, per_page: int, *, past_the_end: str = "last") -> TopicPage:
    """One page of the public records carrying ``topic``, newest first: a count, the page of keys, and one query
    per kind on the page (items with their meeting and body; resolutions with theirs; agreements with their
    effects, for their status)."""
    tags = public_tags()
    query = (
        select(tags.c.key)
        .where(tags.c.topic_id == topic.id)
        .order_by(tags.c.day.desc().nulls_last(), tags.c.key.desc())
    )
    listed = page_of(query, page, per_page, past_the_end=past_the_end)
    keys = [int(k) for k in listed.items]
    wanted: dict[int, list[int]] = {ITEM: [], RESOLUTION: [], AGREEMENT: []}
    for key in keys:
        wanted[key >> _SHIFT].append(key & ((1 << _SHIFT) - 1))
    loaded: dict[tuple[int, int], object] = {}
    if wanted[ITEM]:
        for item in db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.id.in_(wanted[ITEM]))
            .options(joinedload(AgendaItem.meeting).joinedload(Meeting.body))
        ).unique():
            loaded[(ITEM, item.id)] = item
    if wanted[RESOLUTION]:
        for resolution in db.session.scalars(
            select(Resolution)
            .where(Resolution.id.in_(wanted[RESOLUTION]))
            .options(joinedload(Resolution.item).joinedload(AgendaItem.meeting).joinedload(Meeting.body))
        ).unique():
            loaded[(RESOLUTION, resolution.id)] = resolution
    if wanted[AGREEMENT]:
        for agreement in db.session.scalars(
            select(Agreement)
            .where(Agreement.id.in_(wanted[AGREEMENT]))
            .options(selectinload(Agreement.effects).selectinload(AgreementEffect.resolution))
        ):
            loaded[(AGREEMENT, agreement.id)] = agreement
    records = []
    for key in keys:
        kind, record_id = key >> _SHIFT, key & ((1 << _SHIFT) - 1)
        if (kind, record_id) in loaded:
            records.append((kind, loaded[(kind, record_id)]))
    return TopicPage(records=records, page=listed.page, pages=max(listed.pages, 1), total=listed.total)
