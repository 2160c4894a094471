"""Keeping the search index current: writing documents, reindexing what a flush changed, rebuilding it all.

Every flush that changes an indexed record reindexes it in the same transaction (``after_flush``), so the index
is committed or rolled back with the change. ``rebuild`` makes the whole index again (``flask search rebuild``).

Only what the public sees is indexed (the same rules as the portal; the builders are in app/search/builders.py):
- a meeting once its notice is published or it was imported (``Meeting.is_public``);
- its agenda items, their attachments' text, speakers (name and group only: never email, phone, city or needs)
  and resolutions once the agenda is published;
- minutes once released for approval or approved (never a draft);
- agreements (the register is public);
- a matter once one of its items is on a published agenda of a public meeting (the public matter page's rule).
"""

from sqlalchemy import delete, event, func, insert, inspect, or_, select, text
from sqlalchemy.orm import Session

from app.core.record import record_language
from app.core.timeutil import utcnow
from app.legislation.models import Agreement, AgreementDocument, Resolution, ResolutionLink
from app.matters.models import Matter, MatterAction
from app.meetings.models import AgendaItem, Attachment, Meeting, Minutes
from app.public_comment.models import SpeakerRequest
from app.search import text as search_text
from app.search.builders import BUILDERS, STORED_BODY_CHARS, Doc
from app.search.models import SearchDocument, SearchKind
from app.video.transcript_models import TranscriptPassage
from app.votes.models import Motion, MotionKind

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
        "body": "\n".join(filter(None, [doc.body, doc.context]))[:STORED_BODY_CHARS],
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
    AgendaItem: ("title", "label", "body_md", "file_number", "withdrawn_at", "meeting_id", "matter_id"),
    Attachment: ("original_filename", "text_content", "agenda_item_id"),
    SpeakerRequest: ("name", "group_name", "status"),
    Minutes: ("body_md", "status"),
    Resolution: ("title", "text_md", "number", "status", "adopted_on", "motion_id"),
    Agreement: ("title", "counterparty", "category", "description_md", "signed_on"),
    AgreementDocument: ("original_filename", "text_content"),
    ResolutionLink: ("from_id", "to_id", "kind"),
    Motion: ("result",),
    TranscriptPassage: ("text", "item_id", "speaker_request_id", "member_id", "track_id"),
    Matter: ("file_number", "title", "summary", "matter_type", "status", "body_id"),
    MatterAction: ("at", "meeting_id", "matter_id"),
}
KIND_OF = {
    AgendaItem: SearchKind.item,
    Attachment: SearchKind.attachment,
    SpeakerRequest: SearchKind.speaker,
    Minutes: SearchKind.minutes,
    Resolution: SearchKind.resolution,
    Agreement: SearchKind.agreement,
    TranscriptPassage: SearchKind.transcript,
    Matter: SearchKind.matter,
}
#: An item's move between matters or meetings changes whether (and when) its matter is public.
ITEM_MATTER = ("matter_id", "meeting_id")


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
        elif isinstance(obj, MatterAction):
            for matter_id in _values_of(obj, "matter_id"):
                add(SearchKind.matter, matter_id)
        else:
            add(KIND_OF[type(obj)], obj.id)
            if isinstance(obj, AgendaItem) and (fresh or _changed(obj, ITEM_MATTER)):
                for matter_id in _values_of(obj, "matter_id"):
                    add(SearchKind.matter, matter_id)
            if isinstance(obj, Resolution) and _changed(obj, ("status",)):
                ids.setdefault(SearchKind.resolution, set()).update(
                    session.scalars(select(ResolutionLink.to_id).where(ResolutionLink.from_id == obj.id))
                )
    if rescinds:
        add_ids = session.scalars(select(Resolution.id).where(Resolution.motion_id.in_(rescinds)))
        ids.setdefault(SearchKind.resolution, set()).update(add_ids)
    renamed = [
        obj.id for obj in session.dirty if isinstance(obj, SpeakerRequest) and _changed(obj, ("name", "group_name"))
    ]
    if renamed:  # a transcript passage's title names its speaker
        said = session.scalars(select(TranscriptPassage.id).where(TranscriptPassage.speaker_request_id.in_(renamed)))
        ids.setdefault(SearchKind.transcript, set()).update(said)
    if trees:  # a meeting made public (or its agenda published, its date moved): its matters' documents too
        ids.setdefault(SearchKind.matter, set()).update(
            session.scalars(select(AgendaItem.matter_id).where(AgendaItem.meeting_id.in_(trees)).distinct())
        )
    return ids, trees


def _values_of(obj, name: str) -> set:
    """The attribute's value now and, if this flush changed it, before (an item moved to another matter: both)."""
    history = inspect(obj).attrs[name].history
    values = {getattr(obj, name), *history.deleted}
    return {v for v in values if v is not None}


@event.listens_for(Session, "after_flush")
def _reindex_after_flush(session: Session, flush_context) -> None:
    if session.info.get("search_indexing_off"):
        return
    ids, trees = changes(session)
    if not ids and not trees:
        return
    for kind, (_build, _id_column, meeting_column) in BUILDERS.items():
        reindex(session, kind, ids.get(kind, ()), trees if meeting_column is not None else ())
