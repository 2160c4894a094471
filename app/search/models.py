"""The search index: one row per public record that can be found (``search_documents``).

The row holds what a result shows (title, a capped copy of the text for snippets, date, status, flags) and what
the filters need (kind, body, date). The matching structure lives beside it, outside the model, because it
differs by database and is made by hand in the migration (and, for the test database built with
``create_all``, by the DDL hooks below):

- PostgreSQL: a stored ``tsv tsvector`` column (English and Spanish configurations, title weighted A, text B),
  written by the indexer from the normalized text, with a GIN index. Nothing is recomputed per row at query time.
- SQLite: an FTS5 table ``search_fts(title, body, stems)`` whose rowid is the document's id; a trigger removes
  the FTS row when its document row goes, whoever deletes it.

``include_object`` keeps Alembic's autogenerate from proposing to drop them.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DDL, Date, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.extensions import db


class SearchKind(LabeledEnum):
    meeting = "meeting", _l("Meeting")
    item = "item", _l("Agenda item")
    attachment = "attachment", _l("Attachment")
    minutes = "minutes", _l("Minutes")
    resolution = "resolution", _l("Resolution")
    agreement = "agreement", _l("Agreement")
    speaker = "speaker", _l("Speaker")
    transcript = "transcript", _l("Transcript passage")
    matter = "matter", _l("Legislative file")


class SearchDocument(db.Model):
    """A public record as search sees it. Rebuilt from the record (``app.search.index``), never edited by hand."""

    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("kind", "target_id", name="kind_target"),
        #: Newest (or oldest) first walks this index; so does picking the newest matches to rank.
        Index("ix_search_documents_dated_on", "dated_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SearchKind] = mapped_column(str_enum(SearchKind, "search_kind"))
    #: The id of the record in its own table (meetings, agenda_items, attachments, minutes, resolutions, ...).
    target_id: Mapped[int] = mapped_column(Integer)
    #: Where the result links: the meeting and the item it belongs to, when it belongs to one.
    meeting_id: Mapped[int | None] = mapped_column(Integer, index=True)
    item_id: Mapped[int | None] = mapped_column(Integer)
    body_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: A resolution's number ("25-123"), an item's or a matter's file number ("25-0123", up to 20 characters by the
    #: city's pattern): an exact match is listed first.
    ref: Mapped[str | None] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    #: The text as written (capped), for snippets; the index holds its normalized form.
    body: Mapped[str] = mapped_column(Text, default="")
    dated_on: Mapped[date | None] = mapped_column(Date)
    #: The record's own status value (a resolution "adopted", a meeting "cancelled", minutes "approved").
    status: Mapped[str] = mapped_column(String(40), default="")
    #: Space-separated: superseded, repealed, withdrawn. Shown in the results.
    flags: Mapped[str] = mapped_column(String(60), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def flag_list(self) -> list[str]:
        return self.flags.split()


#: Names of the search objects that live outside the models (see ``include_object``).
SEARCH_OBJECTS = frozenset(
    {
        "search_fts",
        "search_fts_data",
        "search_fts_idx",
        "search_fts_docsize",
        "search_fts_config",
        "search_fts_content",
        "ix_search_documents_tsv",
    }
)

#: The same statements are copied into the migration (which must stay as it was written).
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, stems, tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_documents_fts_ad AFTER DELETE ON search_documents BEGIN "
    "DELETE FROM search_fts WHERE rowid = old.id; END",
)
PG_DDL = (
    "ALTER TABLE search_documents ADD COLUMN tsv tsvector",
    # Kept in the row (not moved out to TOAST with the text): checking a row against a query then reads no more.
    "ALTER TABLE search_documents ALTER COLUMN tsv SET STORAGE MAIN",
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)",
)

for _statement in SQLITE_DDL:
    event.listen(SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in PG_DDL:
    event.listen(SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic hook: the search structures are made by hand in the migration, not from the models."""
    if reflected and type_ == "column" and name == "tsv" and getattr(obj, "table", None) is not None:
        return obj.table.name != "search_documents"
    return not (reflected and name in SEARCH_OBJECTS)
