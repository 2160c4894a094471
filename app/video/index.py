"""The video index of a meeting, computed on read from its live log (issue 21, part A).

Every moment the log stamped (an item taken up, a speaker called, a motion made, a vote opened) maps to a part
and second of the recording: the part whose span holds it. Nothing is stored: when the clerk corrects a moment's
time (``app.video.services.correct_moment``), the chapters, the watch links and the minutes follow.

``marks(meeting_id)`` is two queries (the parts, then the log) and gives only keys and seconds: what the public
pages need for their "Watch" links. ``chapters(meeting)`` adds the titles (three more queries, fixed).
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import exists, select

from app.extensions import db
from app.meetings.models import AgendaItem, LogKind, Meeting, MeetingLogEntry
from app.public_comment.models import SpeakerRequest
from app.video.models import Recording
from app.video.transcript_models import CaptionTrack
from app.votes.models import Motion

K = LogKind
KINDS = ("item", "speaker", "motion", "vote")


@dataclass
class Mark:
    """One stretch of the meeting: ``kind`` ("item", "speaker", "motion", "vote") and ``key`` (the item, speaker
    request or motion id), from ``start`` to ``end`` (None while open), played at ``second`` of ``part``."""

    kind: str
    key: int
    start: datetime
    end: datetime | None
    part: int | None = None
    second: int | None = None
    end_second: int | None = None
    item_id: int | None = None
    title: str = ""
    outcome: str = ""

    @property
    def seconds(self) -> int | None:
        return int((self.end - self.start).total_seconds()) if self.end else None


@dataclass
class VideoIndex:
    meeting_id: int
    parts: list[Recording]
    marks: list[Mark] = field(default_factory=list)
    #: A part has captions: the meeting has a transcript to link to.
    captioned: bool = False

    def __bool__(self) -> bool:
        return bool(self.parts)

    def find(self, kind: str, key: int) -> Mark | None:
        """The first playable mark of ``kind`` for ``key`` (the first time an item was taken up)."""
        return self._by_key().get((kind, key))

    def _by_key(self) -> dict[tuple[str, int], Mark]:
        if not hasattr(self, "_cache"):
            self._cache: dict[tuple[str, int], Mark] = {}
            for mark in self.marks:
                if mark.part is not None:
                    self._cache.setdefault((mark.kind, mark.key), mark)
        return self._cache

    def part(self, number: int) -> Recording | None:
        return next((p for p in self.parts if p.part == number), None)

    def in_part(self, number: int) -> list[Mark]:
        return [m for m in self.marks if m.part == number]


def locate(parts: list[Recording], at: datetime) -> tuple[int, int] | None:
    """(part, second) of the moment ``at``: the first part (in playing order) that holds it, or None."""
    for recording in parts:
        second = recording.second_of(at)
        if second is not None:
            return recording.part, second
    return None


def recordings(meeting_id: int) -> tuple[list[Recording], bool]:
    """The meeting's parts in playing order, and whether any has captions (in the same query)."""
    captioned = exists().where(CaptionTrack.recording_id == Recording.id).correlate(Recording).label("captioned")
    rows = db.session.execute(
        select(Recording, captioned).where(Recording.meeting_id == meeting_id).order_by(Recording.part)
    ).all()
    return [row[0] for row in rows], any(row[1] for row in rows)


def _log(meeting_id: int):
    return db.session.execute(
        select(
            MeetingLogEntry.kind,
            MeetingLogEntry.at,
            MeetingLogEntry.item_id,
            MeetingLogEntry.speaker_request_id,
            MeetingLogEntry.motion_id,
        )
        .where(MeetingLogEntry.meeting_id == meeting_id)
        .order_by(MeetingLogEntry.at, MeetingLogEntry.id)
    ).all()


def stretches(rows) -> list[Mark]:
    """The marks of a log (rows of kind, at, item_id, speaker_request_id, motion_id in time order), unplaced. An
    item runs from taken up to finished, the next item taken up, or adjournment; a speaker from called to
    finished or not answering; a motion is the moment it was made; a vote from opened to closed."""
    marks: list[Mark] = []
    open_item: Mark | None = None
    speakers: dict[int, Mark] = {}
    votes: dict[int, Mark] = {}
    for kind, at, item_id, speaker_id, motion_id in rows:
        closes = kind in (K.item_opened, K.adjourned) or (
            kind == K.item_closed and item_id in (None, getattr(open_item, "key", None))
        )
        if closes and open_item is not None:
            # An item's "finished" closes that item only (after a corrected time it may follow the next one's start).
            open_item.end = at
            open_item = None
        if kind == K.item_opened and item_id is not None:
            open_item = Mark("item", item_id, at, None, item_id=item_id)
            marks.append(open_item)
        elif kind == K.speaker_called and speaker_id is not None:
            speakers[speaker_id] = Mark("speaker", speaker_id, at, None, item_id=item_id)
            marks.append(speakers[speaker_id])
        elif kind in (K.speaker_finished, K.speaker_no_show) and speaker_id in speakers:
            mark = speakers.pop(speaker_id)
            mark.end, mark.outcome = at, kind.value
        elif kind == K.motion_made and motion_id is not None:
            marks.append(Mark("motion", motion_id, at, at, item_id=item_id))
        elif kind == K.vote_opened and motion_id is not None:
            votes[motion_id] = Mark("vote", motion_id, at, None, item_id=item_id)
            marks.append(votes[motion_id])
        elif kind == K.vote_closed and motion_id in votes:
            votes.pop(motion_id).end = at
    return marks


def _place(marks: list[Mark], parts: list[Recording]) -> list[Mark]:
    for mark in marks:
        where = locate(parts, mark.start)
        if where is None:
            continue
        mark.part, mark.second = where
        recording = next(p for p in parts if p.part == mark.part)
        end = recording.second_of(mark.end) if mark.end else None
        if end is None and mark.end is not None and recording.duration_seconds is not None:
            end = recording.duration_seconds  # the stream broke before the stretch ended: the chapter ends with it
        mark.end_second = max(end, mark.second) if end is not None else None
    return marks


def marks(meeting_id: int, *, logged: bool = True) -> VideoIndex:
    """The placed marks (keys and seconds only). One query without a recording, two with one; none when the
    caller knows the meeting has no log yet (``logged=False``: never called to order)."""
    parts, captioned = recordings(meeting_id) if logged else ([], False)
    if not parts:
        return VideoIndex(meeting_id, [])
    return VideoIndex(meeting_id, parts, _place(stretches(_log(meeting_id)), parts), captioned=captioned)


def chapters(meeting: Meeting) -> VideoIndex:
    """The placed marks with titles (the item's label and title, the speaker's name and position, the motion's
    text), in time order; marks outside every part are left out."""
    index = marks(meeting.id)
    placed = [m for m in index.marks if m.part is not None]
    if not placed:
        index.marks = []
        return index
    wanted = {kind: {m.key for m in placed if m.kind == kind} for kind in KINDS}
    items = {
        i.id: i
        for i in db.session.execute(
            select(AgendaItem.id, AgendaItem.label, AgendaItem.title).where(AgendaItem.meeting_id == meeting.id)
        )
    }
    speakers = {}
    if wanted["speaker"]:
        speakers = {
            s.id: s
            for s in db.session.execute(
                select(SpeakerRequest.id, SpeakerRequest.name, SpeakerRequest.stance).where(
                    SpeakerRequest.id.in_(wanted["speaker"])
                )
            )
        }
    motions = {}
    if wanted["motion"] | wanted["vote"]:
        motions = {
            m.id: m
            for m in db.session.execute(
                select(Motion.id, Motion.kind, Motion.text).where(Motion.id.in_(wanted["motion"] | wanted["vote"]))
            )
        }
    for mark in placed:
        mark.title = _title(mark, items, speakers, motions)
    index.marks = placed
    return index


def _title(mark: Mark, items, speakers, motions) -> str:
    if mark.kind == "item":
        item = items.get(mark.key)
        return f"{item.label} {item.title}".strip() if item else _("Item")
    if mark.kind == "speaker":
        speaker = speakers.get(mark.key)
        if speaker is None:
            return _("Speaker")
        return _("%(name)s (%(position)s)", name=speaker.name, position=str(speaker.stance.label).lower())
    motion = motions.get(mark.key)
    text = (motion.text[:120] if motion else "").strip()
    if mark.kind == "vote":
        return _("Vote: %(text)s", text=text)
    return _("Motion: %(text)s", text=text)


def clock(second: int | None) -> str:
    """1:02:15 or 3:12: a position in the video as people read it."""
    if second is None:
        return ""
    hours, rest = divmod(int(second), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
