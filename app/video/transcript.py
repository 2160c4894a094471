"""Captions to transcript: upload (replacing a part's track and its passages in one transaction) and correction.

Services own the rules and the audit; they flush and never commit (the view's ``attempt`` does).
"""

import re

from flask_babel import gettext as _
from sqlalchemy import select

from app.bodies.models import Member, Membership
from app.core import audit
from app.core.errors import DomainError
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.meetings.models import MeetingLogEntry
from app.public_comment.models import SpeakerRequest
from app.video import attribution, captions
from app.video.models import Recording
from app.video.transcript_models import FILENAME_MAX, AttributionSource, CaptionTrack, TranscriptPassage

LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")


def track_for(recording: Recording) -> CaptionTrack | None:
    return db.session.scalar(select(CaptionTrack).where(CaptionTrack.recording_id == recording.id))


def log_entries(meeting_id: int) -> list[MeetingLogEntry]:
    return list(
        db.session.scalars(
            select(MeetingLogEntry)
            .where(MeetingLogEntry.meeting_id == meeting_id)
            .order_by(MeetingLogEntry.at, MeetingLogEntry.id)
        )
    )


def upload_track(recording: Recording, *, filename: str, data: bytes, language: str, actor) -> CaptionTrack:
    """Parse ``data`` (refused whole with a ``CaptionError``), attribute each cue from the live log, and store the
    track and its passages, replacing the part's previous track and every passage of it."""
    language = (language or "").strip()
    if not LANGUAGE.match(language):
        raise DomainError(_("Choose the language of the captions."), field="language")
    filename = (filename or "captions").replace("\\", "/").rsplit("/", 1)[-1][:FILENAME_MAX] or "captions"
    fmt, cues = captions.parse(data, filename)
    passages = attribution.attribute(cues, attribution.stretches(log_entries(recording.meeting_id), recording.zero_at))
    old = track_for(recording)
    replaced = None
    if old is not None:
        replaced = {"filename": old.original_filename, "cue_count": old.cue_count, "passages": len(old.passages)}
        db.session.delete(old)
        db.session.flush()
    track = CaptionTrack(
        recording_id=recording.id,
        original_filename=filename,
        format=fmt,
        language=language,
        cue_count=len(cues),
        uploaded_at=utcnow(),
        uploaded_by_id=getattr(actor, "id", None),
    )
    track.passages = [
        TranscriptPassage(
            start_ms=p.start_ms,
            end_ms=p.end_ms,
            text=p.text,
            cues=p.cues,
            item_id=p.item_id,
            speaker_request_id=p.holder.speaker_request_id,
            member_id=p.holder.member_id,
            attribution=AttributionSource.log,
        )
        for p in passages
    ]
    db.session.add(track)
    db.session.flush()
    audit.record(
        "captions.replaced" if replaced else "captions.uploaded",
        track,
        f"Captions {filename} ({len(cues)} cues, {len(passages)} passages) for part {recording.part} of meeting "
        f"{recording.meeting_id}",
        actor=actor,
        data={
            "recording_id": recording.id,
            "part": recording.part,
            "format": fmt.value,
            "language": language,
            "cue_count": len(cues),
            "passages": len(passages),
            "replaced": replaced,
        },
    )
    return track


def remove_track(recording: Recording, *, actor) -> None:
    """Remove the part's captions and every passage of them (from the transcript and the search index). A
    recording part with captions must go through this before it is deleted (the foreign key is RESTRICT)."""
    track = track_for(recording)
    if track is None:
        raise DomainError(_("This part has no captions."))
    audit.record(
        "captions.removed",
        track,
        f"Captions {track.original_filename} removed from part {recording.part} of meeting {recording.meeting_id}",
        actor=actor,
        data={"recording_id": recording.id, "cue_count": track.cue_count, "passages": len(track.passages)},
    )
    db.session.delete(track)
    db.session.flush()


# ---- correcting a passage's speaker -------------------------------------------------------------------------------


def speaker_choices(meeting) -> list[tuple[str, str]]:
    """What a passage can be attributed to: "" (unattributed, the chair), each of the meeting's speaker cards
    ("s<id>", public name and group only) and each member of the body on the meeting's day ("m<id>")."""
    day = to_local(meeting.start_at).date()
    speakers = db.session.execute(
        select(SpeakerRequest.id, SpeakerRequest.name, SpeakerRequest.group_name)
        .where(SpeakerRequest.meeting_id == meeting.id)
        .order_by(SpeakerRequest.name, SpeakerRequest.id)
    ).all()
    members = db.session.execute(
        select(Member.id, Member.full_name)
        .join(Membership, Membership.member_id == Member.id)
        .where(
            Membership.body_id == meeting.body_id,
            Membership.term_start_on <= day,
            (Membership.term_end_on.is_(None)) | (Membership.term_end_on >= day),
        )
        .distinct()
        .order_by(Member.full_name)
    ).all()
    choices = [("", _("Unattributed (the chair or staff)"))]
    choices += [(f"m{m.id}", m.full_name) for m in members]
    choices += [(f"s{s.id}", f"{s.name} ({s.group_name})" if s.group_name else s.name) for s in speakers]
    return choices


def correct_passage(passage: TranscriptPassage, choice: str, *, actor) -> TranscriptPassage:
    """The clerk sets who spoke a passage: a choice of ``speaker_choices`` (anything else is refused)."""
    meeting = passage.track.recording.meeting
    if choice not in {value for value, _label in speaker_choices(meeting)}:
        raise DomainError(_("Choose a speaker from the list."), field="speaker")
    before = {"speaker_request_id": passage.speaker_request_id, "member_id": passage.member_id}
    passage.speaker_request_id = int(choice[1:]) if choice.startswith("s") else None
    passage.member_id = int(choice[1:]) if choice.startswith("m") else None
    passage.attribution = AttributionSource.staff
    passage.corrected_at = utcnow()
    passage.corrected_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(
        "transcript.corrected",
        passage,
        f"Transcript passage at {captions.clock(passage.start_ms)} of part {passage.track.recording.part} of "
        f"meeting {meeting.id} attributed to {choice or 'nobody'}",
        actor=actor,
        data={
            "before": before,
            "after": {"speaker_request_id": passage.speaker_request_id, "member_id": passage.member_id},
        },
    )
    return passage


def choice_of(passage: TranscriptPassage) -> str:
    if passage.speaker_request_id:
        return f"s{passage.speaker_request_id}"
    if passage.member_id:
        return f"m{passage.member_id}"
    return ""
