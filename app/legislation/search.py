"""Full-text search over resolutions: SQLite FTS5 or PostgreSQL text search, an exact number match first.

The search index is not a model: SQLite keeps an FTS5 table filled by triggers, PostgreSQL a GIN expression
index. Both are created by the migration and, for the test database built with ``create_all``, by the DDL
hooks below; ``include_object`` keeps Alembic's autogenerate from proposing to drop them.
"""

import re
from dataclasses import dataclass, field

from sqlalchemy import DDL, Float, Integer, and_, case, event, exists, func, literal, literal_column, or_, select, text
from sqlalchemy.sql import Select

from app.core.paging import page_of
from app.extensions import db
from app.legislation.models import AgreementEffect, EffectKind, Resolution, ResolutionStatus
from app.meetings.models import AgendaItem, Meeting, agenda_item_sponsors

#: Names of the search objects that live outside the models (see ``include_object``).
SEARCH_OBJECTS = frozenset(
    {
        "resolutions_fts",
        "resolutions_fts_data",
        "resolutions_fts_idx",
        "resolutions_fts_docsize",
        "resolutions_fts_config",
        "ix_resolutions_fulltext",
    }
)

#: The text search configuration (PostgreSQL) and tokenizer (SQLite): English stemming on both.
PG_DOCUMENT = "to_tsvector('english', coalesce(number, '') || ' ' || title || ' ' || text_md)"
#: The same expression with qualified columns, for queries that join other tables; the planner matches it to the index.
PG_QUERY_DOCUMENT = (
    "to_tsvector('english', coalesce(resolutions.number, '') || ' ' || resolutions.title || ' ' || resolutions.text_md)"
)
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE resolutions_fts USING fts5(number, title, text_md, content='resolutions', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER resolutions_fts_ai AFTER INSERT ON resolutions BEGIN "
    "INSERT INTO resolutions_fts(rowid, number, title, text_md) VALUES (new.id, new.number, new.title, new.text_md); "
    "END",
    "CREATE TRIGGER resolutions_fts_ad AFTER DELETE ON resolutions BEGIN "
    "INSERT INTO resolutions_fts(resolutions_fts, rowid, number, title, text_md) "
    "VALUES ('delete', old.id, old.number, old.title, old.text_md); END",
    "CREATE TRIGGER resolutions_fts_au AFTER UPDATE ON resolutions BEGIN "
    "INSERT INTO resolutions_fts(resolutions_fts, rowid, number, title, text_md) "
    "VALUES ('delete', old.id, old.number, old.title, old.text_md); "
    "INSERT INTO resolutions_fts(rowid, number, title, text_md) VALUES (new.id, new.number, new.title, new.text_md); "
    "END",
)
PG_DDL = (f"CREATE INDEX ix_resolutions_fulltext ON resolutions USING gin ({PG_DOCUMENT})",)

for _statement in SQLITE_DDL:
    event.listen(Resolution.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in PG_DDL:
    event.listen(Resolution.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic hook: the search index is made by hand in the migration, not from the models."""
    return not (reflected and name in SEARCH_OBJECTS)


PER_PAGE = 20
SORTS = ("relevance", "newest", "oldest")
_WORD = re.compile(r"\w+", re.UNICODE)
#: "25-187", "25 187", "Resolution 25-187": what a person types for a number.
_NUMBER = re.compile(r"\b(\d{2})\s*[-‐–]\s*(\d{1,4})\b")


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
    match = _NUMBER.search(q)
    return f"{match.group(1)}-{int(match.group(2)):03d}" if match else None


def _fts5_query(q: str) -> str:
    """User text as an FTS5 query that cannot be a syntax error: each word quoted, the last as a prefix."""
    words = _WORD.findall(q)[:12]
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def public_resolutions() -> Select:
    """Resolutions whose agenda is public, with nothing else applied."""
    return (
        select(Resolution)
        .join(AgendaItem, AgendaItem.id == Resolution.agenda_item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Meeting.agenda_published_at.is_not(None))
    )


def apply_text(query: Select, q: str):
    """Restrict ``query`` to resolutions matching the words (or naming the number) in ``q``.

    Returns the query, a relevance expression (lower is better) and the number ``q`` names, if any.
    """
    q = q.replace("\x00", "")  # PostgreSQL text cannot hold NUL
    number = number_in(q)
    if db.engine.dialect.name == "postgresql":
        document = literal_column(PG_QUERY_DOCUMENT)
        tsquery = func.websearch_to_tsquery(literal_column("'english'"), q)
        hit = document.op("@@")(tsquery)
        relevance = -func.ts_rank(document, tsquery)  # lower sorts first, as bm25 below
    else:
        match = _fts5_query(q)
        hits = (
            text(
                "SELECT rowid AS id, bm25(resolutions_fts, 10.0, 5.0, 1.0) AS score "
                "FROM resolutions_fts WHERE resolutions_fts MATCH :match"
            )
            .bindparams(match=match)
            .columns(id=Integer, score=Float)
            .subquery("hits")
        )
        query = query.outerjoin(hits, hits.c.id == Resolution.id)
        hit = hits.c.id.is_not(None) if match else literal(False)
        relevance = func.coalesce(hits.c.score, 0.0)
    return query.where(or_(hit, Resolution.number == number) if number else hit), relevance, number


def search(criteria: Criteria) -> Results:
    """One page of public resolutions matching the criteria; two queries (count and page)."""
    query = public_resolutions()
    relevance, number = literal(0.0), None
    q = criteria.q.strip()
    if q:
        query, relevance, number = apply_text(query, q)
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
    elif criteria.sort == "relevance" and q:
        order = (relevance, *newest)
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
