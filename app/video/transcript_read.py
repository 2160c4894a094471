"""The transcript as readers see it: parts, items as sections, speakers as headings, passages linked to the video;
and its downloads (plain text, WebVTT with ``<v Name>`` voice tags). Two queries whatever the transcript's size.

Only public columns are read: a speaker card gives its name and group, never its contact details."""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.bodies.models import Member
from app.extensions import db
from app.meetings.models import AgendaItem
from app.public_comment.models import SpeakerRequest
from app.video.captions import clock
from app.video.models import Recording
from app.video.transcript_models import AttributionSource, CaptionTrack, TranscriptPassage


@dataclass
class Line:
    id: int
    start_ms: int
    end_ms: int
    text: str
    cues: list
    corrected: bool

    @property
    def second(self) -> int:
        return self.start_ms // 1000

    @property
    def stamp(self) -> str:
        return clock(self.start_ms).split(".")[0]


@dataclass
class Turn:
    """One speaker's consecutive passages: an h3."""

    speaker: str
    is_attributed: bool
    corrected: bool
    lines: list[Line] = field(default_factory=list)


@dataclass
class Section:
    """One item's stretch of a part (or the time outside any item): an h2."""

    item_id: int | None
    title: str
    turns: list[Turn] = field(default_factory=list)


@dataclass
class Part:
    recording: Recording
    language: str
    filename: str
    sections: list[Section] = field(default_factory=list)


def speaker_name(name: str | None, group: str | None, member: str | None) -> str:
    if member:
        return member
    if name:
        return _("%(name)s, for %(group)s", name=name, group=group) if group else name
    return _("Unattributed (the chair or staff)")


def transcript(meeting_id: int) -> list[Part]:
    recordings = list(
        db.session.scalars(select(Recording).where(Recording.meeting_id == meeting_id).order_by(Recording.part))
    )
    if not recordings:
        return []
    speaker = aliased(SpeakerRequest)
    rows = db.session.execute(
        select(
            TranscriptPassage.id,
            TranscriptPassage.start_ms,
            TranscriptPassage.end_ms,
            TranscriptPassage.text,
            TranscriptPassage.cues,
            TranscriptPassage.item_id,
            TranscriptPassage.attribution,
            CaptionTrack.recording_id,
            CaptionTrack.language,
            CaptionTrack.original_filename,
            AgendaItem.label.label("item_label"),
            AgendaItem.title.label("item_title"),
            speaker.name.label("speaker_name"),
            speaker.group_name.label("speaker_group"),
            Member.full_name.label("member_name"),
        )
        .join(CaptionTrack, CaptionTrack.id == TranscriptPassage.track_id)
        .outerjoin(AgendaItem, AgendaItem.id == TranscriptPassage.item_id)
        .outerjoin(speaker, speaker.id == TranscriptPassage.speaker_request_id)
        .outerjoin(Member, Member.id == TranscriptPassage.member_id)
        .where(CaptionTrack.recording_id.in_([r.id for r in recordings]))
        .order_by(CaptionTrack.recording_id, TranscriptPassage.start_ms, TranscriptPassage.id)
    ).all()
    parts = {r.id: None for r in recordings}
    by_id = {r.id: r for r in recordings}
    for row in rows:
        part = parts[row.recording_id]
        if part is None:
            part = parts[row.recording_id] = Part(by_id[row.recording_id], row.language, row.original_filename)
        if not part.sections or part.sections[-1].item_id != row.item_id:
            title = f"{row.item_label} {row.item_title}".strip() if row.item_id else _("Outside an agenda item")
            part.sections.append(Section(row.item_id, title))
        section = part.sections[-1]
        name = speaker_name(row.speaker_name, row.speaker_group, row.member_name)
        corrected = row.attribution == AttributionSource.staff
        attributed = bool(row.speaker_name or row.member_name)
        if not section.turns or (section.turns[-1].speaker, section.turns[-1].corrected) != (name, corrected):
            section.turns.append(Turn(name, attributed, corrected))
        section.turns[-1].lines.append(Line(row.id, row.start_ms, row.end_ms, row.text, row.cues or [], corrected))
    return [p for p in parts.values() if p is not None]


# ---- downloads ----------------------------------------------------------------------------------------------------


def as_text(meeting, parts: list[Part]) -> str:
    out = [meeting.title, _("Transcript from the captions, attributed from the meeting log."), ""]
    for part in parts:
        if len(parts) > 1:
            out += [_("Part %(number)s", number=part.recording.part), ""]
        for section in part.sections:
            out += [section.title, "=" * min(len(section.title), 72), ""]
            for turn in section.turns:
                marker = (
                    _("attribution corrected by the clerk") if turn.corrected else _("attributed from the meeting log")
                )
                out.append(f"{turn.speaker} ({marker})")
                out += [f"[{line.stamp}] {line.text}" for line in turn.lines]
                out.append("")
    return "\n".join(out).rstrip() + "\n"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def as_vtt(part: Part) -> str:
    """The part's cues with their own timing, each in a ``<v Name>`` voice tag (none for unattributed ones)."""
    out = ["WEBVTT", f"Language: {part.language}", ""]
    for section in part.sections:
        for turn in section.turns:
            voice = _escape(turn.speaker).replace("\n", " ") if turn.is_attributed else ""
            for line in turn.lines:
                for start, end, text in line.cues:
                    out += [
                        f"{clock(start)} --> {clock(end)}",
                        f"<v {voice}>{_escape(text)}" if voice else _escape(text),
                        "",
                    ]
    return "\n".join(out)
