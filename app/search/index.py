"""Keeping the search index current: what each kind of record contributes, and when it is reindexed.

Every flush that changes an indexed record reindexes it in the same transaction (``after_flush``), so the index
is committed or rolled back with the change. ``rebuild`` makes the whole index again (``flask search rebuild``).

Only what the public sees is indexed (the same rules as the portal):
- a meeting once its notice is published or it was imported (``Meeting.is_public``);
- its agenda items, their attachments' text, speakers (name and group only: never email, phone, city or needs)
  and resolutions once the agenda is published;
- minutes once released for approval or approved (never a draft);
- agreements (the register is public).
"""

import re
from dataclasses import dataclass

from sqlalchemy import Select, and_, delete, event, exists, func, insert, inspect, or_, select, text
from sqlalchemy.orm import Session, aliased

from app.core.record import record_language
from app.core.timeutil import to_local, utcnow
from app.legislation.models import Agreement, AgreementDocument, LinkKind, Resolution, ResolutionLink, ResolutionStatus
from app.meetings.models import AgendaItem, Attachment, Meeting, Minutes, MinutesStatus
from app.public_comment.models import SpeakerRequest, SpeakerRequestStatus
from app.search import text as search_text
from app.search.models import SearchDocument, SearchKind
from app.votes.models import Motion, MotionKind, MotionResult

#: A result's snippet is taken from this much of the stored text.
STORED_BODY_CHARS = search_text.MAX_INDEXED_CHARS
_MARKDOWN = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[*_`|]+|^\s*(?:[-+]|#+|>+)\s+", re.MULTILINE)


def plain(value: str | None) -> str:
    """Markdown as the words a reader sees (links keep their text), for indexing and snippets."""
    return _MARKDOWN.sub(lambda m: m.group(1) or " ", value or "").strip()


@dataclass
class Doc:
    kind: SearchKind
    target_id: int
    title: str
    body: str = ""
    meeting_id: int | None = None
    item_id: int | None = None
    body_id: int | None = None
    ref: str | None = None
    dated_on: object = None
    status: str = ""
    flags: str = ""


def _day(value):
    return to_local(value).date() if value is not None else None


# ---- what each kind contributes -----------------------------------------------------------------------------------


def _meetings(session, where) -> list[Doc]:
    rows = session.execute(
        select(
            Meeting.id,
            Meeting.body_id,
            Meeting.title,
            Meeting.purpose,
            Meeting.location,
            Meeting.start_at,
            Meeting.status,
        ).where(Meeting.is_public, where)
    )
    return [
        Doc(
            SearchKind.meeting,
            r.id,
            r.title,
            "\n".join(filter(None, [r.purpose, r.location])),
            meeting_id=r.id,
            body_id=r.body_id,
            dated_on=_day(r.start_at),
            status=r.status.value,
        )
        for r in rows
    ]


def _public_item_columns():
    return (Meeting.body_id, Meeting.start_at, AgendaItem.meeting_id)


def _published(query: Select) -> Select:
    return query.join(Meeting, Meeting.id == AgendaItem.meeting_id).where(
        Meeting.is_public, Meeting.agenda_published_at.is_not(None)
    )


def _items(session, where) -> list[Doc]:
    rows = session.execute(
        _published(
            select(
                AgendaItem.id,
                AgendaItem.label,
                AgendaItem.title,
                AgendaItem.body_md,
                AgendaItem.file_number,
                AgendaItem.withdrawn_at,
                *_public_item_columns(),
            )
        ).where(where)
    )
    return [
        Doc(
            SearchKind.item,
            r.id,
            f"{r.label} {r.title}".strip(),
            plain(r.body_md),
            meeting_id=r.meeting_id,
            item_id=r.id,
            body_id=r.body_id,
            ref=r.file_number,
            dated_on=_day(r.start_at),
            status="withdrawn" if r.withdrawn_at else "",
            flags="withdrawn" if r.withdrawn_at else "",
        )
        for r in rows
    ]


def _attachments(session, where) -> list[Doc]:
    rows = session.execute(
        _published(
            select(
                Attachment.id,
                Attachment.agenda_item_id,
                Attachment.original_filename,
                Attachment.text_content,
                AgendaItem.title.label("item_title"),
                *_public_item_columns(),
            ).join(AgendaItem, AgendaItem.id == Attachment.agenda_item_id)
        ).where(where)
    )
    return [
        Doc(
            SearchKind.attachment,
            r.id,
            r.original_filename,
            f"{r.item_title}\n{r.text_content or ''}",
            meeting_id=r.meeting_id,
            item_id=r.agenda_item_id,
            body_id=r.body_id,
            dated_on=_day(r.start_at),
        )
        for r in rows
    ]


def _speakers(session, where) -> list[Doc]:
    # Name and group only: the columns below are the whole of what a speaker card gives the index.
    rows = session.execute(
        _published(
            select(
                SpeakerRequest.id,
                SpeakerRequest.agenda_item_id,
                SpeakerRequest.name,
                SpeakerRequest.group_name,
                SpeakerRequest.status,
                AgendaItem.title.label("item_title"),
                *_public_item_columns(),
            ).join(AgendaItem, AgendaItem.id == SpeakerRequest.agenda_item_id)
        ).where(where)
    )
    return [
        Doc(
            SearchKind.speaker,
            r.id,
            r.name,
            "\n".join(filter(None, [r.group_name, r.item_title])),
            meeting_id=r.meeting_id,
            item_id=r.agenda_item_id,
            body_id=r.body_id,
            dated_on=_day(r.start_at),
            status=r.status.value,
            flags="withdrawn" if r.status == SpeakerRequestStatus.withdrawn else "",
        )
        for r in rows
    ]


def _minutes(session, where) -> list[Doc]:
    rows = session.execute(
        select(Minutes.id, Minutes.meeting_id, Minutes.body_md, Minutes.status, Meeting.title, Meeting.body_id)
        .add_columns(Meeting.start_at)
        .join(Meeting, Meeting.id == Minutes.meeting_id)
        .where(Meeting.is_public, Minutes.status.in_([MinutesStatus.released, MinutesStatus.approved]), where)
    )
    return [
        Doc(
            SearchKind.minutes,
            r.id,
            r.title,
            plain(r.body_md),
            meeting_id=r.meeting_id,
            body_id=r.body_id,
            dated_on=_day(r.start_at),
            status=r.status.value,
        )
        for r in rows
    ]


def _resolutions(session, where) -> list[Doc]:
    source = aliased(Resolution)
    linked = {}
    for kind in (LinkKind.supersedes, LinkKind.rescinds):
        linked[kind] = exists().where(
            ResolutionLink.to_id == Resolution.id,
            ResolutionLink.kind == kind,
            ResolutionLink.from_id == source.id,
            source.status == ResolutionStatus.adopted,
        )
    rescinded = exists().where(
        Motion.target_id == Resolution.motion_id,
        Motion.kind == MotionKind.rescind,
        Motion.result == MotionResult.passed,
    )
    rows = session.execute(
        _published(
            select(
                Resolution.id,
                Resolution.agenda_item_id,
                Resolution.title,
                Resolution.text_md,
                Resolution.number,
                Resolution.status,
                Resolution.adopted_on,
                linked[LinkKind.supersedes].label("superseded"),
                or_(linked[LinkKind.rescinds], and_(Resolution.motion_id.is_not(None), rescinded)).label("repealed"),
                *_public_item_columns(),
            ).join(AgendaItem, AgendaItem.id == Resolution.agenda_item_id)
        ).where(where)
    )
    docs = []
    for r in rows:
        flags = [f for f, on in (("superseded", r.superseded), ("repealed", r.repealed)) if on]
        if r.status == ResolutionStatus.withdrawn:
            flags.append("withdrawn")
        title = f"{r.number} {r.title}" if r.number else r.title
        docs.append(
            Doc(
                SearchKind.resolution,
                r.id,
                title[:300],
                plain(r.text_md),
                meeting_id=r.meeting_id,
                item_id=r.agenda_item_id,
                body_id=r.body_id,
                ref=r.number,
                dated_on=r.adopted_on or _day(r.start_at),
                status=r.status.value,
                flags=" ".join(flags),
            )
        )
    return docs


def _agreements(session, where) -> list[Doc]:
    rows = session.execute(
        select(
            Agreement.id,
            Agreement.title,
            Agreement.counterparty,
            Agreement.category,
            Agreement.description_md,
            Agreement.signed_on,
            Agreement.created_at,
        ).where(where)
    ).all()
    texts: dict[int, list[str]] = {}
    if rows:
        for agreement_id, name, content in session.execute(
            select(AgreementDocument.agreement_id, AgreementDocument.original_filename, AgreementDocument.text_content)
            .where(AgreementDocument.agreement_id.in_([r.id for r in rows]))
            .order_by(AgreementDocument.id)
        ):
            texts.setdefault(agreement_id, []).extend([name, content or ""])
    return [
        Doc(
            SearchKind.agreement,
            r.id,
            r.title,
            "\n".join([r.counterparty, r.category, plain(r.description_md), *texts.get(r.id, [])]),
            dated_on=r.signed_on or _day(r.created_at),
        )
        for r in rows
    ]


BUILDERS = {
    SearchKind.meeting: (_meetings, Meeting.id, Meeting.id),
    SearchKind.item: (_items, AgendaItem.id, AgendaItem.meeting_id),
    SearchKind.attachment: (_attachments, Attachment.id, AgendaItem.meeting_id),
    SearchKind.speaker: (_speakers, SpeakerRequest.id, AgendaItem.meeting_id),
    SearchKind.minutes: (_minutes, Minutes.id, Minutes.meeting_id),
    SearchKind.resolution: (_resolutions, Resolution.id, AgendaItem.meeting_id),
    SearchKind.agreement: (_agreements, Agreement.id, None),
}


# ---- writing ------------------------------------------------------------------------------------------------------


def _values(doc: Doc, language: str) -> dict:
    return {
        "kind": doc.kind.value,
        "target_id": doc.target_id,
        "meeting_id": doc.meeting_id,
        "item_id": doc.item_id,
        "body_id": doc.body_id,
        "ref": doc.ref,
        "title": doc.title[:300],
        "body": doc.body[:STORED_BODY_CHARS],
        "dated_on": doc.dated_on,
        "status": doc.status,
        "flags": doc.flags,
        "language": language,
        "indexed_at": utcnow(),
        "ntitle": search_text.normalize_document(f"{doc.title} {doc.ref or ''}"),
        "nbody": search_text.normalize_document(doc.body),
    }


_PG_INSERT = text(
    "INSERT INTO search_documents (kind, target_id, meeting_id, item_id, body_id, ref, title, body, dated_on, "
    "status, flags, language, indexed_at, tsv) VALUES "
    "(:kind, :target_id, :meeting_id, :item_id, :body_id, :ref, :title, :body, :dated_on, :status, :flags, "
    ":language, :indexed_at, "
    "setweight(to_tsvector('english', :ntitle), 'A') || setweight(to_tsvector('spanish', :ntitle), 'A') || "
    "setweight(to_tsvector('english', :nbody), 'B') || setweight(to_tsvector('spanish', :nbody), 'B')) "
    # Two transactions reindexing the same record: the second one's DELETE did not see the first one's new row.
    "ON CONFLICT (kind, target_id) DO UPDATE SET meeting_id = excluded.meeting_id, item_id = excluded.item_id, "
    "body_id = excluded.body_id, ref = excluded.ref, title = excluded.title, body = excluded.body, "
    "dated_on = excluded.dated_on, status = excluded.status, flags = excluded.flags, language = excluded.language, "
    "indexed_at = excluded.indexed_at, tsv = excluded.tsv"
)
_SQLITE_FTS_INSERT = text("INSERT INTO search_fts(rowid, title, body, stems) VALUES (:id, :ntitle, :nbody, :stems)")


def write(session: Session, docs: list[Doc]) -> None:
    """Insert documents (their old rows must be gone): the row, and the tsvector or the FTS5 row."""
    if not docs:
        return
    language = record_language()
    values = [_values(d, language) for d in docs]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_PG_INSERT, values)
        return
    table = SearchDocument.__table__
    first = (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1
    for offset, row in enumerate(values):
        row["id"] = first + offset
        row["stems"] = search_text.spanish_stems(f"{row['ntitle']} {row['nbody']}")
    columns = {c.name for c in table.columns}
    connection.execute(insert(table), [{k: v for k, v in row.items() if k in columns} for row in values])
    connection.execute(_SQLITE_FTS_INSERT, values)


def reindex(session: Session, kind: SearchKind, ids=(), meeting_ids=()) -> None:
    """Make the documents of ``kind`` for these records (or every record of these meetings) again."""
    ids, meeting_ids = set(ids), set(meeting_ids)
    if not ids and not meeting_ids:
        return
    build, id_column, meeting_column = BUILDERS[kind]
    table = SearchDocument.__table__
    scope = []
    conditions = []
    if ids:
        scope.append(table.c.target_id.in_(ids))
        conditions.append(id_column.in_(ids))
    if meeting_ids and meeting_column is not None:
        scope.append(table.c.meeting_id.in_(meeting_ids))
        conditions.append(meeting_column.in_(meeting_ids))
    if not conditions:
        return
    connection = session.connection()
    connection.execute(delete(table).where(table.c.kind == kind.value, or_(*scope)))
    write(session, build(session, or_(*conditions)))


def rebuild(session: Session, batch: int = 2000, echo=None) -> int:
    """The whole index again, kind by kind, in batches; returns the number of documents."""
    connection = session.connection()
    connection.execute(delete(SearchDocument.__table__))
    if connection.dialect.name == "sqlite":
        connection.execute(text("DELETE FROM search_fts"))
    total = 0
    for kind, (build, id_column, _meeting_column) in BUILDERS.items():
        last = 0
        while True:
            ids = session.scalars(select(id_column).where(id_column > last).order_by(id_column).limit(batch)).all()
            if not ids:
                break
            docs = build(session, id_column.in_(ids))
            write(session, docs)
            total += len(docs)
            last = ids[-1]
        if echo:
            echo(f"{kind.value}: indexed")
    if connection.dialect.name == "postgresql":
        # The planner needs the new statistics (how common each lexeme is) to choose between the GIN index and
        # walking the date index; without them a common word is planned as a rare one.
        connection.execute(text("ANALYZE search_documents"))
    return total


# ---- what a flush changed -----------------------------------------------------------------------------------------

#: A change to these makes the whole meeting's documents again (who may see them, their date or body).
MEETING_TREE = ("first_published_at", "imported_at", "agenda_published_at", "start_at", "body_id")
MEETING_OWN = ("title", "purpose", "location", "status")
WATCHED = {
    AgendaItem: ("title", "label", "body_md", "file_number", "withdrawn_at", "meeting_id"),
    Attachment: ("original_filename", "text_content", "agenda_item_id"),
    SpeakerRequest: ("name", "group_name", "status"),
    Minutes: ("body_md", "status"),
    Resolution: ("title", "text_md", "number", "status", "adopted_on", "motion_id"),
    Agreement: ("title", "counterparty", "category", "description_md", "signed_on"),
    AgreementDocument: ("original_filename", "text_content"),
    ResolutionLink: ("from_id", "to_id", "kind"),
    Motion: ("result",),
}
KIND_OF = {
    AgendaItem: SearchKind.item,
    Attachment: SearchKind.attachment,
    SpeakerRequest: SearchKind.speaker,
    Minutes: SearchKind.minutes,
    Resolution: SearchKind.resolution,
    Agreement: SearchKind.agreement,
}


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[n].history.has_changes() for n in names)


def changes(session: Session) -> tuple[dict, set]:
    """The records a flush changed, by kind, and the meetings whose every document is made again."""
    ids: dict[SearchKind, set] = {}
    trees: set[int] = set()
    rescinds: set[int] = set()

    def add(kind, record_id):
        if record_id is not None:
            ids.setdefault(kind, set()).add(record_id)

    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        fresh = obj in session.new or obj in session.deleted
        if isinstance(obj, Meeting):
            if fresh or _changed(obj, MEETING_TREE):
                trees.add(obj.id)
            elif _changed(obj, MEETING_OWN):
                add(SearchKind.meeting, obj.id)
            continue
        watched = WATCHED.get(type(obj))
        if watched is None or not (fresh or _changed(obj, watched)):
            continue
        if isinstance(obj, AgreementDocument):
            add(SearchKind.agreement, obj.agreement_id)
        elif isinstance(obj, ResolutionLink):
            add(SearchKind.resolution, obj.to_id)
            add(SearchKind.resolution, obj.from_id)
        elif isinstance(obj, Motion):
            if obj.kind == MotionKind.rescind and obj.target_id:
                rescinds.add(obj.target_id)
        else:
            add(KIND_OF[type(obj)], obj.id)
            if isinstance(obj, Resolution) and _changed(obj, ("status",)):
                ids.setdefault(SearchKind.resolution, set()).update(
                    session.scalars(select(ResolutionLink.to_id).where(ResolutionLink.from_id == obj.id))
                )
    if rescinds:
        add_ids = session.scalars(select(Resolution.id).where(Resolution.motion_id.in_(rescinds)))
        ids.setdefault(SearchKind.resolution, set()).update(add_ids)
    return ids, trees


@event.listens_for(Session, "after_flush")
def _reindex_after_flush(session: Session, flush_context) -> None:
    if session.info.get("search_indexing_off"):
        return
    ids, trees = changes(session)
    if not ids and not trees:
        return
    for kind in BUILDERS:
        reindex(session, kind, ids.get(kind, ()), trees if kind != SearchKind.agreement else ())
