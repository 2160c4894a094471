"""Searching the index: criteria in, one page of results out, in a fixed number of queries.

A page is at most three statements: the record a typed number names (only when the query names one), a count
capped at ``COUNT_CAP`` + 1 rows (shown as "1,000+"), and the page. On PostgreSQL they run under
``SET LOCAL statement_timeout`` (``SEARCH_TIMEOUT_MS``) inside a savepoint; on SQLite a progress handler stops
the statement after the same time. Either way a slow search is ``SearchTimeout``, never a 500.
"""

import contextlib
import time
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin

from flask import current_app, request, url_for
from sqlalchemy import Float, Integer, and_, case, column, func, literal_column, or_, select, table, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.search.models import SearchDocument, SearchKind
from app.search.text import MAX_QUERY_CHARS, MAX_TERMS, Query, highlight, parse, spanish_stem  # noqa: F401
from app.topics.models import Topic, agenda_item_topics, agreement_topics, resolution_topics
from app.video.links import watch_url
from app.video.models import Recording
from app.video.transcript_models import CaptionTrack, TranscriptPassage

PER_PAGE = 20
#: What the form keeps of a typed query (the search itself reads MAX_QUERY_CHARS of it, MAX_TERMS words).
MAX_QUERY_INPUT = 1000
#: Counting stops here: "1,000+" is all a reader needs, and counting 150,000 matches is what made search slow.
COUNT_CAP = 1000
MAX_PAGE = COUNT_CAP // PER_PAGE + 1
#: Relevance is ranked among the newest this many matches (all of them when there are fewer): ranking every match
#: of a word found in most records would read every tsvector of the table for one page.
RANK_CANDIDATES = 200
SORTS = ("relevance", "newest", "oldest")
#: Status values offered as a filter; "superseded", "repealed" and "withdrawn" are flags.
FLAGS = ("superseded", "repealed", "withdrawn")
#: Where a legislative file stands between its steps (app.matters.models.MatterStatus), for the matter kind.
MATTER_STATUSES = ("introduced", "on_agenda", "first_reading_passed", "deferred", "continued", "tabled", "referred",
                   "filed")  # fmt: skip
STATUSES = ("adopted", "failed", "cancelled", "approved", "released", *MATTER_STATUSES, *FLAGS)
#: Characters of a document's stored text read for a snippet.
SNIPPET_SOURCE_CHARS = 5_000


class SearchTimeout(Exception):
    """The search ran past SEARCH_TIMEOUT_MS: the reader should narrow it."""


@dataclass
class Criteria:
    q: str = ""
    body_id: int | None = None
    kind: SearchKind | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None
    #: A topic's slug: items, resolutions and agreements tagged with it (through the tag tables, see ``_tagged``).
    topic: str | None = None
    sort: str = "relevance"
    page: int = 1


@dataclass
class Hit:
    kind: SearchKind
    target_id: int
    meeting_id: int | None
    item_id: int | None
    title: str
    snippet: str
    dated_on: date | None
    status: str
    flags: list[str]
    ref: str | None
    exact: bool = False
    plain_title: str = ""
    #: A transcript passage's part of the video and its second (``recording``: the part, for ``watch_url``).
    recording: object = None
    second: int = 0


@dataclass
class Results:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    capped: bool = False
    page: int = 1
    pages: int = 1
    query: Query = field(default_factory=Query)

    @property
    def total_label(self) -> str:
        return f"{COUNT_CAP:,}+" if self.capped else f"{self.total:,}"


def _filters(criteria: Criteria) -> list:
    d = SearchDocument
    where = []
    if criteria.body_id:
        where.append(d.body_id == criteria.body_id)
    if criteria.kind:
        where.append(d.kind == criteria.kind)
    if criteria.date_from:
        where.append(d.dated_on >= criteria.date_from)
    if criteria.date_to:
        where.append(d.dated_on <= criteria.date_to)
    if criteria.status in FLAGS:
        where.append(d.flags.contains(criteria.status))
    elif criteria.status:
        where.append(d.status == criteria.status)
    if criteria.topic:
        where.append(_tagged(criteria.topic))
    return where


def _tagged(slug: str):
    """Documents whose record carries the topic: an item, a resolution or an agreement, matched on the document's
    kind and target id through the record's tag table (each indexed on its topic)."""
    d = SearchDocument
    topic_id = select(Topic.id).where(Topic.slug == slug).scalar_subquery()
    tagged = []
    for kind, tags, key in (
        (SearchKind.item, agenda_item_topics, "agenda_item_id"),
        (SearchKind.resolution, resolution_topics, "resolution_id"),
        (SearchKind.agreement, agreement_topics, "agreement_id"),
    ):
        ids = select(tags.c[key]).where(tags.c.topic_id == topic_id)
        tagged.append(and_(d.kind == kind, d.target_id.in_(ids)))
    return or_(*tagged)


# ---- matching, per database ---------------------------------------------------------------------------------------


def _pg_tsquery(query: Query):
    """(english(w) | spanish(w)) & ... for each word; phrases with phraseto_tsquery. Never a syntax error."""

    def either(fn, value):
        english = getattr(func, fn)(literal_column("'english'::regconfig"), value)
        spanish = getattr(func, fn)(literal_column("'spanish'::regconfig"), value)
        return english.op("||")(spanish)

    parts = [either("plainto_tsquery", w) for w in query.words]
    parts += [either("phraseto_tsquery", " ".join(p)) for p in query.phrases]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.op("&&")(part)
    return combined


def _fts5_match(query: Query) -> str:
    """The FTS5 expression: each word, or its Spanish stem in the stems column; phrases quoted."""
    parts = []
    for word in query.words:
        stem = spanish_stem(word)
        parts.append(f'("{word}" OR stems : "{stem}")' if stem != word else f'"{word}"')
    parts += ['"' + " ".join(p) + '"' for p in query.phrases]
    return " AND ".join(parts)


def _matching(query: Query):
    """(condition, candidate columns, FTS5 table or None, score of a candidate) for the query's text.

    The score is computed only for the candidates (at most COUNT_CAP rows: the newest matches), never for every
    match: a word in every record would otherwise rank 190,000 tsvectors for one page.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        tsquery = _pg_tsquery(query)
        tsv = literal_column("search_documents.tsv", type_=TSVECTOR)
        return tsv.op("@@")(tsquery), [tsv.label("tsv")], None, lambda cand: func.ts_rank(cand.c.tsv, tsquery)
    fts = table("search_fts", column("rowid", Integer))
    condition = literal_column("search_fts").op("MATCH")(_fts5_match(query))
    bm25 = -func.bm25(literal_column("search_fts"), 10.0, 1.0, 1.0, type_=Float)  # bm25: lower is better
    return condition, [bm25.label("score")], fts, lambda cand: cand.c.score


def _from(columns, fts):
    """SELECT columns FROM search_documents, joined to the FTS5 table on its rowid when there is one."""
    base = select(*columns).select_from(SearchDocument)
    return base.join(fts, fts.c.rowid == SearchDocument.id) if fts is not None else base


@contextlib.contextmanager
def time_limit():
    """Run the statements under the search timeout; a cancelled statement becomes SearchTimeout."""
    ms = int(current_app.config.get("SEARCH_TIMEOUT_MS", 3000))
    connection = db.session.connection()
    nested = db.session.begin_nested()
    raw = None
    try:
        if connection.dialect.name == "postgresql":
            # Counting matches goes through the GIN index, never a scan of every row's tsvector.
            db.session.execute(text(f"SET LOCAL statement_timeout = {ms}"))
        else:
            raw = connection.connection.dbapi_connection
            deadline = time.monotonic() + ms / 1000
            raw.set_progress_handler(lambda: time.monotonic() > deadline, 20000)
        yield
        nested.commit()
    except OperationalError as error:
        nested.rollback()
        if "cancel" in str(error).lower() or "interrupt" in str(error).lower():
            raise SearchTimeout() from None
        raise
    except BaseException:
        if nested.is_active:
            nested.rollback()
        raise
    finally:
        if raw is not None:
            raw.set_progress_handler(None, 0)


def _row_hit(row, query: Query, *, exact=False) -> Hit:
    return Hit(
        kind=SearchKind(row.kind),
        target_id=row.target_id,
        meeting_id=row.meeting_id,
        item_id=row.item_id,
        title=highlight(row.title, query),
        snippet=highlight(row.body_part or "", query, window=True),
        dated_on=row.dated_on,
        status=row.status,
        flags=row.flags.split(),
        ref=row.ref,
        exact=exact,
        plain_title=row.title,
    )


def _columns():
    d = SearchDocument
    return (
        d.id,
        d.kind,
        d.target_id,
        d.meeting_id,
        d.item_id,
        d.title,
        func.substr(d.body, 1, SNIPPET_SOURCE_CHARS).label("body_part"),
        d.dated_on,
        d.status,
        d.flags,
        d.ref,
    )


def _exact_order(query: Query):
    """Records a typed number names: the number nearest to what was typed first, and of those the matter (the file
    itself) before its appearances and other records."""
    d = SearchDocument
    nearest = case({ref: n for n, ref in enumerate(query.ref_order)}, value=d.ref, else_=len(query.ref_order))
    return (nearest, case((d.kind == SearchKind.matter, 0), else_=1), d.kind, d.id)


def search(criteria: Criteria) -> Results:
    """One page of public records matching the criteria. Raises SearchTimeout when it runs too long."""
    d = SearchDocument
    query = parse(criteria.q)
    last = RANK_CANDIDATES // PER_PAGE if criteria.sort == "relevance" and query.has_text else MAX_PAGE
    results = Results(query=query, page=max(1, min(criteria.page, last)))
    where = _filters(criteria)
    if query.empty and not where:
        return results
    exact_rows = []
    with time_limit():
        if query.refs and results.page == 1:
            exact_rows = db.session.execute(
                select(*_columns()).where(d.ref.in_(query.refs), *where).order_by(*_exact_order(query)).limit(5)
            ).all()
        if not query.has_text:
            if query.refs:  # only a number was typed: what it names is the whole answer
                results.hits = [_row_hit(r, query, exact=True) for r in exact_rows]
                results.total = len(results.hits)
                return results
            condition, candidate_columns, fts, score = None, [], None, None
        else:
            condition, candidate_columns, fts, score = _matching(query)
        conditions = [c for c in (condition, *where) if c is not None]
        counted = _from([d.id], fts).where(*conditions).limit(COUNT_CAP + 1).subquery()
        total = db.session.scalar(select(func.count()).select_from(counted))
        newest = (d.dated_on.desc(), d.id.desc())
        # Few matches (the count says so): read them all through the text index and sort them; an order that no
        # index serves forces that plan, which PostgreSQL would not choose for a word rarer than its statistics
        # record (it would walk the date index through every row). Many: the planner chooses, and for a common
        # word walks the date index from the newest and stops as soon as the page (or the candidates) are found.
        few = total <= COUNT_CAP
        unindexed = func.coalesce(d.dated_on, d.dated_on)
        offset = (results.page - 1) * PER_PAGE
        if criteria.sort == "relevance" and score is not None:
            candidates = (
                _from([d.id, d.dated_on, *candidate_columns], fts)
                .where(*conditions)
                .order_by(*((unindexed.desc(), d.id.desc()) if few else newest))
                .limit(RANK_CANDIDATES)
                .subquery("candidates")
            )
            ranked = score(candidates)
            top = (
                select(candidates.c.id, ranked.label("score"))
                .order_by(ranked.desc(), candidates.c.dated_on.desc(), candidates.c.id.desc())
                .limit(PER_PAGE)
                .offset(offset)
                .subquery("top")
            )
            order = (top.c.score.desc(), *newest)
        else:
            oldest = criteria.sort == "oldest"
            order = (d.dated_on.asc(), d.id.asc()) if oldest else newest
            forced = (unindexed.asc(), d.id.asc()) if oldest else (unindexed.desc(), d.id.desc())
            read = forced if few else order
            top = _from([d.id], fts).where(*conditions).order_by(*read).limit(PER_PAGE).offset(offset).subquery("top")
        rows = db.session.execute(select(*_columns()).join(top, top.c.id == d.id).order_by(*order)).all()
    exact_ids = {r.id for r in exact_rows}
    results.hits = [_row_hit(r, query, exact=True) for r in exact_rows]
    results.hits += [_row_hit(r, query) for r in rows if r.id not in exact_ids]
    results.total = min(total, COUNT_CAP) + len(exact_ids - {r.id for r in rows})
    _place_passages(results.hits)
    results.capped = total > COUNT_CAP
    listed = min(total, RANK_CANDIDATES if criteria.sort == "relevance" and query.has_text else COUNT_CAP)
    results.pages = max(1, min(MAX_PAGE, -(-listed // PER_PAGE)))
    return results


def matching_ids(kind: SearchKind, q: str):
    """A subquery of the target ids of ``kind`` matching ``q`` or named by it (for lists that keep their order)."""
    query = parse(q)
    d = SearchDocument
    named = d.ref.in_(query.refs) if query.refs else None
    if not query.has_text:
        return select(d.target_id).where(d.kind == kind, named if named is not None else literal_column("1") == 0)
    condition, _candidate_columns, fts, _score = _matching(query)
    text_match = _from([d.target_id], fts).where(d.kind == kind, condition)
    if named is None:
        return text_match
    return text_match.union(select(d.target_id).where(d.kind == kind, named))


def _place_passages(hits: list[Hit]) -> None:
    """Where each transcript passage of the page plays: its part and second (one query, only when there are some)."""
    ids = [h.target_id for h in hits if h.kind == SearchKind.transcript]
    if not ids:
        return
    rows = db.session.execute(
        select(TranscriptPassage.id, TranscriptPassage.start_ms, Recording)
        .join(CaptionTrack, CaptionTrack.id == TranscriptPassage.track_id)
        .join(Recording, Recording.id == CaptionTrack.recording_id)
        .where(TranscriptPassage.id.in_(ids))
    ).all()
    placed = {r.id: (r.Recording, r.start_ms // 1000) for r in rows}
    for hit in hits:
        if hit.kind == SearchKind.transcript and hit.target_id in placed:
            hit.recording, hit.second = placed[hit.target_id]


def hit_url(hit: Hit, **options) -> str:
    """The public page a result links to (the portal's routes, named by endpoint); a transcript passage links to
    the meeting's video at the passage's second."""
    if hit.kind == SearchKind.transcript:
        if hit.recording is not None:
            url = watch_url(hit.recording, hit.second)
            return urljoin(request.host_url, url) if options.get("_external") else url
        return url_for("portal.meeting_transcript", meeting_id=hit.meeting_id, **options)
    if hit.kind == SearchKind.resolution:
        return url_for("portal.resolution", resolution_id=hit.target_id, **options)
    if hit.kind == SearchKind.agreement:
        return url_for("portal.agreement", agreement_id=hit.target_id, **options)
    if hit.kind == SearchKind.matter:
        return url_for("portal.matter", file_number=hit.ref, **options)
    if hit.kind in (SearchKind.meeting, SearchKind.minutes):
        anchor = "minutes" if hit.kind == SearchKind.minutes else None
        return url_for("portal.meeting", meeting_id=hit.meeting_id, _anchor=anchor, **options)
    anchor = "speakers" if hit.kind == SearchKind.speaker else None
    return url_for("portal.item", meeting_id=hit.meeting_id, item_id=hit.item_id, _anchor=anchor, **options)
