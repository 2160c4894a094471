"""A matter's whole public life on one page (issue 20): its appearances at public meetings, the steps recorded
on it, the votes with their tallies, the documents and the versions of its text, in time order; its relations both
ways. A fixed number of queries whatever the number of appearances (tests/test_matters_pages.py counts them) or of
versions (tests/test_matter_versions.py)."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.matters.models import Matter, MatterAction, MatterRelation, MatterVersion
from app.meetings.models import AgendaItem, Attachment, Meeting
from app.votes.models import Motion, MotionStatus
from app.votes.reading import ROLL, tally

#: Kinds of history entries, in the order they sort when two share a moment.
APPEARANCE, ACTION, VOTE, DOCUMENT, VERSION = "appearance", "action", "vote", "document", "version"
_RANK = {APPEARANCE: 0, DOCUMENT: 1, VOTE: 2, VERSION: 3, ACTION: 4}


@dataclass
class Entry:
    kind: str
    at: datetime
    item: AgendaItem | None = None
    meeting: Meeting | None = None
    action: MatterAction | None = None
    motion: Motion | None = None
    tally: object = None
    attachment: Attachment | None = None
    target_meeting: Meeting | None = None
    version: MatterVersion | None = None


@dataclass
class MatterRecord:
    matter: Matter
    items: list[AgendaItem]
    entries: list[Entry]
    sponsors: list = field(default_factory=list)
    topics: list = field(default_factory=list)
    relations_from: list[MatterRelation] = field(default_factory=list)
    relations_to: list[MatterRelation] = field(default_factory=list)
    #: The versions of its text the public may see, oldest first (texts not loaded).
    versions: list[MatterVersion] = field(default_factory=list)


def public_matter(matter: Matter | None) -> MatterRecord | None:
    """The public record of ``matter``, or None if nothing of it is public yet: no appearance on a published
    agenda of a public meeting. A matter brought in from the city's archive (app.matters.archive: steps, never an
    agenda item in Dais) is public by its steps, those at meetings shown when the meeting is public."""
    if matter is None:
        return None
    items = list(
        db.session.scalars(
            select(AgendaItem)
            .join(Meeting, AgendaItem.meeting_id == Meeting.id)
            .where(AgendaItem.matter_id == matter.id, Meeting.is_public, Meeting.agenda_published_at.is_not(None))
            .options(
                joinedload(AgendaItem.meeting),
                selectinload(AgendaItem.sponsors),
                selectinload(AgendaItem.topics),
                selectinload(AgendaItem.attachments),
            )
            .order_by(AgendaItem.id)
        ).unique()
    )
    if not items and db.session.scalar(select(Matter.id).where(Matter.id == matter.id, is_public())) is None:
        return None
    return _record(matter, items)


def is_public():
    """The one rule, as SQL on ``Matter``: an appearance on a published agenda of a public meeting, or a matter
    from the city's archive (steps on record, never on an agenda in Dais). For lists, the API and search."""
    any_item = select(AgendaItem.id).where(AgendaItem.matter_id == Matter.id)
    shown = any_item.join(Meeting, AgendaItem.meeting_id == Meeting.id).where(
        Meeting.is_public, Meeting.agenda_published_at.is_not(None)
    )
    stepped = select(MatterAction.id).where(MatterAction.matter_id == Matter.id)
    return or_(exists(shown), and_(~exists(any_item), exists(stepped)))


def public_versions(matter: Matter | None) -> list[MatterVersion] | None:
    """The versions of ``matter``'s text the public may see (oldest first, texts not loaded), or None when the
    matter is not public (the rule of ``public_matter``). Two queries (three for a matter never on an agenda)."""
    if matter is None:
        return None
    shown = set(
        db.session.scalars(
            select(AgendaItem.meeting_id)
            .join(Meeting, AgendaItem.meeting_id == Meeting.id)
            .where(AgendaItem.matter_id == matter.id, Meeting.is_public, Meeting.agenda_published_at.is_not(None))
        )
    )
    if not shown and db.session.scalar(select(Matter.id).where(Matter.id == matter.id, is_public())) is None:
        return None
    return _versions(matter, shown)


def _versions(matter: Matter, shown_meeting_ids: set[int]) -> list[MatterVersion]:
    """Versions made by the clerk, and those made at a meeting the public can see (where the matter appears)."""
    versions = db.session.scalars(
        select(MatterVersion)
        .where(MatterVersion.matter_id == matter.id)
        .options(joinedload(MatterVersion.meeting), joinedload(MatterVersion.motion))
        .order_by(MatterVersion.number)
    ).all()
    return [v for v in versions if v.meeting_id is None or v.meeting_id in shown_meeting_ids]


def _record(matter: Matter, items: list[AgendaItem]) -> MatterRecord:
    item_ids = [i.id for i in items]
    meetings = {i.meeting_id: i.meeting for i in items}
    versions = _versions(matter, set(meetings))
    entries = [Entry(APPEARANCE, i.meeting.start_at, item=i, meeting=i.meeting) for i in items]
    for item in items:
        entries += [
            Entry(DOCUMENT, a.created_at, item=item, meeting=item.meeting, attachment=a) for a in item.attachments
        ]
    by_id = {i.id: i for i in items}
    motions = db.session.scalars(
        select(Motion)
        .where(Motion.agenda_item_id.in_(item_ids), Motion.status == MotionStatus.closed)
        .options(*ROLL)
        .order_by(Motion.id)
    ).all()
    for motion in motions:
        item = by_id[motion.agenda_item_id]
        entries.append(
            Entry(VOTE, motion.closed_at or item.meeting.start_at, item=item, meeting=item.meeting, motion=motion,
                  tally=tally(motion.votes))
        )  # fmt: skip
    actions = db.session.scalars(
        select(MatterAction).where(MatterAction.matter_id == matter.id).order_by(MatterAction.at, MatterAction.id)
    ).all()
    targets = {m for a in actions for m in (a.target_meeting_id, a.meeting_id) if m} - set(meetings)
    if targets:
        meetings |= {
            m.id: m for m in db.session.scalars(select(Meeting).where(Meeting.id.in_(targets), Meeting.is_public))
        }
    for action in actions:
        if action.meeting_id is not None and action.meeting_id not in meetings:
            continue  # a step at a meeting not yet public
        entries.append(
            Entry(ACTION, action.at, item=by_id.get(action.agenda_item_id), meeting=meetings.get(action.meeting_id),
                  action=action, target_meeting=meetings.get(action.target_meeting_id))
        )  # fmt: skip
    entries += [Entry(VERSION, v.created_at, meeting=v.meeting, motion=v.motion, version=v) for v in versions]
    entries.sort(key=lambda e: (e.at, _RANK[e.kind]))
    relations = relations_of(matter)
    sponsors, topics = {}, {}
    for item in items:
        sponsors |= {m.id: m for m in item.sponsors}
        topics |= {t.id: t for t in item.topics}
    return MatterRecord(
        matter=matter,
        items=items,
        entries=entries,
        sponsors=sorted(sponsors.values(), key=lambda m: m.sort_name),
        topics=sorted(topics.values(), key=lambda t: t.name),
        relations_from=[r for r in relations if r.from_matter_id == matter.id],
        relations_to=[r for r in relations if r.to_matter_id == matter.id],
        versions=versions,
    )


def relations_of(matter) -> list[MatterRelation]:
    """The matter's relations both ways (amends, supersedes, repeals; authorizes an agreement), in one query."""
    return list(
        db.session.scalars(
            select(MatterRelation)
            .where(or_(MatterRelation.from_matter_id == matter.id, MatterRelation.to_matter_id == matter.id))
            .options(
                joinedload(MatterRelation.from_matter),
                joinedload(MatterRelation.to_matter),
                joinedload(MatterRelation.agreement),
            )
            .order_by(MatterRelation.id)
        )
    )
