"""``/topics`` and ``/topics/<slug>``: every topic, and everything public under one in time order (issue 19).

A topic's page is one paged list over the three tag tables (a UNION ALL ordered by day, newest first), then the
records of that page loaded by kind: a fixed number of queries whatever the topic holds.
"""

from dataclasses import dataclass
from datetime import date

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import BigInteger, Date, cast, func, literal, literal_column, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from app.core.cache import public_page
from app.core.paging import page_of
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.legislation import services as legislation
from app.legislation.models import Agreement, AgreementEffect, Resolution
from app.meetings.models import AgendaItem, Meeting
from app.portal.views import bp
from app.topics import services as topics
from app.topics.models import agenda_item_topics, agreement_topics, resolution_topics

PER_PAGE = 20
ITEM, RESOLUTION, AGREEMENT = 0, 1, 2
_SHIFT = 32  # a page's key: kind << 32 | id (ids are below 2**31)


@dataclass(frozen=True)
class Entry:
    """One record under a topic, as its page lists it."""

    kind: str
    kind_label: str
    title: str
    url: str
    day: date | None
    details: list[str]


def _day(column):
    """The calendar day of a stored time, comparable with a Date column in a UNION on both databases."""
    if db.session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return cast(column, Date)


def _public_tags():
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


@bp.route("/topics", endpoint="topics")
@public_page()
def topics_index():
    tags = _public_tags()
    counts: dict[int, list[int]] = {}
    for topic_id, kind, n in db.session.execute(
        select(tags.c.topic_id, tags.c.kind, func.count()).group_by(tags.c.topic_id, tags.c.kind)
    ):
        counts.setdefault(topic_id, [0, 0, 0])[kind] = n
    shown = [(t, counts.get(t.id, [0, 0, 0])) for t in topics.all_topics()]
    # A retired topic is listed while something public carries it; its page stays reachable either way.
    shown = [(t, c) for t, c in shown if not t.is_retired or sum(c)]
    return render_template("portal/topics.html", topics=shown)


def _page_number() -> int:
    raw = request.args.get("page", "").strip()
    if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7:
        return int(raw)
    return 1


def _entries(keys: list[int]) -> list[Entry]:
    wanted: dict[int, list[int]] = {ITEM: [], RESOLUTION: [], AGREEMENT: []}
    for key in keys:
        wanted[key >> _SHIFT].append(key & ((1 << _SHIFT) - 1))
    loaded: dict[int, object] = {}
    if wanted[ITEM]:
        for item in db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.id.in_(wanted[ITEM]))
            .options(joinedload(AgendaItem.meeting).joinedload(Meeting.body))
        ).unique():
            loaded[(ITEM << _SHIFT) | item.id] = item
    if wanted[RESOLUTION]:
        for resolution in db.session.scalars(
            select(Resolution)
            .where(Resolution.id.in_(wanted[RESOLUTION]))
            .options(joinedload(Resolution.item).joinedload(AgendaItem.meeting).joinedload(Meeting.body))
        ).unique():
            loaded[(RESOLUTION << _SHIFT) | resolution.id] = resolution
    if wanted[AGREEMENT]:
        for agreement in db.session.scalars(
            select(Agreement)
            .where(Agreement.id.in_(wanted[AGREEMENT]))
            .options(selectinload(Agreement.effects).selectinload(AgreementEffect.resolution))
        ):
            loaded[(AGREEMENT << _SHIFT) | agreement.id] = agreement
    today = to_local(utcnow()).date()
    entries = []
    for key in keys:
        record = loaded.get(key)
        kind = key >> _SHIFT
        if record is None:
            continue
        if kind == ITEM:
            meeting = record.meeting
            entries.append(
                Entry(
                    "item",
                    _("Agenda item"),
                    f"{record.label} {record.title}",
                    url_for("portal.item", meeting_id=meeting.id, item_id=record.id),
                    to_local(meeting.start_at).date(),
                    [meeting.body.name, meeting.title],
                )
            )
        elif kind == RESOLUTION:
            meeting = record.item.meeting
            number = _("Resolution %(number)s", number=record.number) if record.number else _("Resolution")
            entries.append(
                Entry(
                    "resolution",
                    number,
                    record.title,
                    url_for("portal.resolution", resolution_id=record.id),
                    to_local(meeting.start_at).date(),
                    [str(record.status.label), meeting.body.name],
                )
            )
        else:
            state = legislation.agreement_status(record, today)
            entries.append(
                Entry(
                    "agreement",
                    _("Agreement"),
                    record.title,
                    url_for("portal.agreement", agreement_id=record.id),
                    record.signed_on,
                    [str(state.status.label), record.counterparty],
                )
            )
    return entries


@bp.route("/topics/<slug>")
@public_page("page")
def topic(slug: str):
    found = topics.get_by_slug(slug)
    if found is None:
        abort(404)
    tags = _public_tags()
    query = (
        select(tags.c.key)
        .where(tags.c.topic_id == found.id)
        .order_by(tags.c.day.desc().nulls_last(), tags.c.key.desc())
    )
    listed = page_of(query, _page_number(), PER_PAGE)
    return render_template(
        "portal/topic.html",
        topic=found,
        entries=_entries(list(listed.items)),
        page=listed.page,
        pages=max(listed.pages, 1),
        total=listed.total,
    )
