"""What each kind of record contributes to the search index: one builder per kind, each a Core select of exactly
the columns it uses, restricted to what the public sees (see app/search/index.py for when they run).

A speaker card gives its name, its group and the item's title, and nothing else: no other column of
``speaker_requests`` is selected, so email, phone, city and needs can never reach the index.
"""

import re
from dataclasses import dataclass

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from app.bodies.models import Member
from app.core.record import in_record_language
from app.core.timeutil import to_local
from app.legislation import matter_history
from app.legislation.models import Agreement, AgreementDocument, LinkKind, Resolution, ResolutionLink, ResolutionStatus
from app.matters.models import Matter, MatterAction, MatterStatus
from app.meetings.models import AgendaItem, Attachment, Meeting, Minutes, MinutesStatus
from app.public_comment.models import SpeakerRequest, SpeakerRequestStatus
from app.search import text as search_text
from app.search.models import SearchKind
from app.video.models import Recording
from app.video.transcript_models import CaptionTrack, TranscriptPassage
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
    #: Shown after the text in a result but not searched (a speaker's item: a topic finds the item, not its speakers).
    context: str = ""


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
            r.group_name or "",
            context=r.item_title,
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


def _clock(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _transcripts(session, where) -> list[Doc]:
    # A speaker card gives its public name and group only, as for the speaker kind.
    rows = session.execute(
        select(
            TranscriptPassage.id,
            TranscriptPassage.text,
            TranscriptPassage.item_id,
            TranscriptPassage.start_ms,
            Recording.meeting_id,
            Recording.part,
            Meeting.body_id,
            Meeting.start_at,
            Meeting.title.label("meeting_title"),
            SpeakerRequest.name.label("speaker_name"),
            SpeakerRequest.group_name.label("speaker_group"),
            Member.full_name.label("member_name"),
        )
        .join(CaptionTrack, CaptionTrack.id == TranscriptPassage.track_id)
        .join(Recording, Recording.id == CaptionTrack.recording_id)
        .join(Meeting, Meeting.id == Recording.meeting_id)
        .outerjoin(SpeakerRequest, SpeakerRequest.id == TranscriptPassage.speaker_request_id)
        .outerjoin(Member, Member.id == TranscriptPassage.member_id)
        .where(Meeting.is_public, where)
    )
    docs = []
    for r in rows:
        name = r.member_name or r.speaker_name or ""
        if r.speaker_name and r.speaker_group:
            name = f"{r.speaker_name} ({r.speaker_group})"
        stamp = _clock(r.start_ms) if r.part == 1 else f"{r.part}/{_clock(r.start_ms)}"
        docs.append(
            Doc(
                SearchKind.transcript,
                r.id,
                f"{name}, {stamp}" if name else stamp,
                r.text,
                context=r.meeting_title,
                meeting_id=r.meeting_id,
                item_id=r.item_id,
                body_id=r.body_id,
                dated_on=_day(r.start_at),
            )
        )
    return docs


def _matters(session, where) -> list[Doc]:
    """A public matter (the public matter page's rule, app.legislation.matter_history.is_public: an appearance on a
    published agenda of a public meeting, or a matter from the city's archive): its file number and title, its
    summary and the words of its type and status; dated by its latest step the public page shows (a step at a
    meeting not yet public is left out)."""
    first_body = (
        select(Meeting.body_id)
        .join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.matter_id == Matter.id, Meeting.is_public, Meeting.agenda_published_at.is_not(None))
        .order_by(Meeting.start_at, Meeting.id)
        .limit(1)
        .scalar_subquery()
    )
    shown_step = or_(
        MatterAction.meeting_id.is_(None), and_(Meeting.is_public, Meeting.agenda_published_at.is_not(None))
    )
    last_step = (
        select(func.max(MatterAction.at))
        .outerjoin(Meeting, Meeting.id == MatterAction.meeting_id)
        .where(MatterAction.matter_id == Matter.id, shown_step)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Matter.id,
            Matter.file_number,
            Matter.title,
            Matter.summary,
            Matter.matter_type,
            Matter.status,
            Matter.created_at,
            func.coalesce(Matter.body_id, first_body).label("body_id"),
            last_step.label("last_step"),
        ).where(matter_history.is_public(), where)
    ).all()
    docs = []
    with in_record_language():
        for r in rows:
            words = f"{r.matter_type.label} · {r.status.label}"
            docs.append(
                Doc(
                    SearchKind.matter,
                    r.id,
                    f"{r.file_number} {r.title}"[:300],
                    "\n".join(filter(None, [plain(r.summary), words])),
                    body_id=r.body_id,
                    ref=r.file_number,
                    dated_on=_day(r.last_step or r.created_at),
                    status=r.status.value,
                    flags="withdrawn" if r.status == MatterStatus.withdrawn else "",
                )
            )
    return docs


BUILDERS = {
    SearchKind.meeting: (_meetings, Meeting.id, Meeting.id),
    SearchKind.item: (_items, AgendaItem.id, AgendaItem.meeting_id),
    SearchKind.attachment: (_attachments, Attachment.id, AgendaItem.meeting_id),
    SearchKind.speaker: (_speakers, SpeakerRequest.id, AgendaItem.meeting_id),
    SearchKind.minutes: (_minutes, Minutes.id, Minutes.meeting_id),
    SearchKind.resolution: (_resolutions, Resolution.id, AgendaItem.meeting_id),
    SearchKind.agreement: (_agreements, Agreement.id, None),
    SearchKind.transcript: (_transcripts, TranscriptPassage.id, Recording.meeting_id),
    #: A matter spans meetings: a meeting's change reaches its matters through app.search.index.changes.
    SearchKind.matter: (_matters, Matter.id, None),
}
