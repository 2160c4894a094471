"""The resolution list's filters and its ``q=``, answered from the one search index (app.search).

Same interface as the list had before (``Criteria``, ``SORTS``, ``search``, ``filter_choices``): the words go
through the index (``query.matching_ids``) and a typed number ("25-123", "2025-123") puts its resolution first.
"""

from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, literal, select
from sqlalchemy.sql import Select

from app.core.paging import page_of
from app.extensions import db
from app.legislation.models import AgreementEffect, EffectKind, Resolution, ResolutionStatus
from app.legislation.search import public_resolutions
from app.meetings.models import agenda_item_sponsors
from app.search.models import SearchKind
from app.search.query import matching_ids
from app.search.text import parse

PER_PAGE = 20
SORTS = ("relevance", "newest", "oldest")


@dataclass
class Criteria:
    q: str = ""
    year: int | None = None
    status: ResolutionStatus | None = None
    sponsor_id: int | None = None
    effect: EffectKind | None = None
    sort: str = "newest"
    page: int = 1


@dataclass
class Results:
    rows: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    exact_number: str | None = None


def number_in(q: str) -> str | None:
    """The resolution number a query names, normalized to ``YY-NNN``."""
    refs = parse(q).refs
    return refs[0] if refs else None


def apply_text(query: Select, q: str):
    """Restrict a select of resolutions to those the index finds for ``q``; (query, relevance, number)."""
    number = number_in(q)
    return query.where(Resolution.id.in_(matching_ids(SearchKind.resolution, q))), literal(0), number


def filtered(query, criteria: Criteria):
    """``query`` of resolutions narrowed by the list's filters (year, status, sponsor, effect on an agreement)."""
    if criteria.year:
        query = query.where(Resolution.number_year == criteria.year)
    if criteria.status:
        query = query.where(Resolution.status == criteria.status)
    if criteria.sponsor_id:
        query = query.where(
            exists().where(
                agenda_item_sponsors.c.agenda_item_id == Resolution.agenda_item_id,
                agenda_item_sponsors.c.member_id == criteria.sponsor_id,
            )
        )
    if criteria.effect:
        query = query.where(
            exists().where(AgreementEffect.resolution_id == Resolution.id, AgreementEffect.kind == criteria.effect)
        )
    return query


def search(criteria: Criteria) -> Results:
    """One page of public resolutions matching the criteria; two queries (count and page)."""
    query = public_resolutions()
    number = None
    q = criteria.q.strip()
    if q:
        query, _relevance, number = apply_text(query, q)
    query = filtered(query, criteria)
    exact = case((Resolution.number == number, 0), else_=1) if number else literal(1)
    newest = (
        Resolution.number_year.desc().nulls_last(),
        Resolution.number_seq.desc().nulls_last(),
        Resolution.id.desc(),
    )
    if criteria.sort == "oldest":
        order = (
            Resolution.number_year.asc().nulls_last(),
            Resolution.number_seq.asc().nulls_last(),
            Resolution.id.asc(),
        )
    else:
        order = newest
    listed = page_of(query.order_by(exact, *order), criteria.page, PER_PAGE)
    rows = listed.items
    return Results(
        rows=rows,
        total=listed.total,
        page=listed.page,
        pages=max(listed.pages, 1),
        exact_number=number if number and any(r.number == number for r in rows) else None,
    )


def filter_choices() -> tuple[list[int], list]:
    """The years and sponsors offered as filters: two queries, bounded by the record, not by the page."""
    from app.bodies.models import Member

    years = db.session.scalars(
        select(Resolution.number_year)
        .where(Resolution.number_year.is_not(None))
        .distinct()
        .order_by(Resolution.number_year.desc())
    ).all()
    sponsors = db.session.scalars(
        select(Member)
        .where(
            exists().where(
                and_(
                    agenda_item_sponsors.c.member_id == Member.id,
                    agenda_item_sponsors.c.agenda_item_id == Resolution.agenda_item_id,
                )
            )
        )
        .order_by(Member.sort_name)
    ).all()
    return list(years), list(sponsors)
