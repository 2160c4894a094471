"""The clerk attaches a meeting's recording, part by part, and ties each part to the meeting's clock (issue 21).

A part's start is given either as the wall-clock moment of its second 0, or by matching one moment of the live
log to its position in the video ("called to order at 00:03:12"): ``zero_at = moment - 3:12``. The clerk may
also correct the time of a logged moment; the original stays in the audit and the index (computed on read)
follows. Each call flushes; the view commits (``app.core.actions.attempt``).
"""

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from app.core import audit, live
from app.core.errors import DomainError
from app.core.text import clean_text
from app.extensions import db
from app.meetings.models import Meeting, MeetingLogEntry
from app.video import transcript
from app.video.models import LABEL_MAX, URL_MAX, Recording

#: A part of more than 24 hours is a typing mistake; so is a part numbered past 50.
MAX_SECONDS = 24 * 3600
MAX_PART = 50
#: A corrected moment stays within a day of the meeting's scheduled start.
CORRECTION_WINDOW = timedelta(days=1)

_POSITION = re.compile(r"^(?:(\d{1,2}):)?(\d{1,2}):(\d{2})$")


def parse_position(text: str | None) -> int | None:
    """Seconds from "01:02:15", "1:02:15", "3:12" or "75" (seconds); None if it is not a position."""
    text = (text or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 5:
        return int(text)
    match = _POSITION.match(text)
    if not match:
        return None
    hours, minutes, seconds = int(match.group(1) or 0), int(match.group(2)), int(match.group(3))
    if seconds > 59 or (match.group(1) is not None and minutes > 59):
        return None
    total = hours * 3600 + minutes * 60 + seconds
    return total if total <= MAX_SECONDS else None


def _check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise DomainError(_("Enter the address of the video."), field="url")
    if len(url) > URL_MAX:
        raise DomainError(_("The address is too long (at most %(max)d characters).", max=URL_MAX), field="url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise DomainError(_("Enter a web address starting with https:// or http://."), field="url")
    return url


def _check_part(meeting: Meeting, number: int | None, recording: Recording | None = None) -> int:
    if number is None or not 1 <= number <= MAX_PART:
        raise DomainError(_("Enter a part number from 1 to %(max)d.", max=MAX_PART), field="part")
    clash = db.session.scalar(select(Recording.id).where(Recording.meeting_id == meeting.id, Recording.part == number))
    if clash is not None and (recording is None or clash != recording.id):
        raise DomainError(_("This meeting already has a part %(number)d.", number=number), field="part")
    return number


def _check_duration(seconds: int | None) -> int | None:
    if seconds is not None and not 0 < seconds <= MAX_SECONDS:
        raise DomainError(_("Enter a length of at most 24 hours, for example 2:15:00."), field="duration")
    return seconds


def moment(meeting: Meeting, entry_id: int | None) -> MeetingLogEntry:
    entry = db.session.get(MeetingLogEntry, entry_id) if entry_id and 0 < entry_id < 2**31 else None
    if entry is None or entry.meeting_id != meeting.id:
        raise DomainError(_("Choose a moment of this meeting's log."), field="moment_id")
    return entry


def zero_from_moment(entry: MeetingLogEntry, position: int | None) -> datetime:
    """The wall-clock moment of the video's second 0, when ``entry`` plays at ``position`` seconds."""
    if position is None:
        raise DomainError(_("Enter the position in the video, for example 00:03:12 or 3:12."), field="position")
    return entry.at - timedelta(seconds=position)


def _describe(recording: Recording) -> dict:
    return {
        "part": recording.part,
        "url": recording.url,
        "label": recording.label,
        "zero_at": recording.zero_at.isoformat(),
        "duration_seconds": recording.duration_seconds,
    }


def _check_zero(meeting: Meeting, zero_at: datetime | None) -> datetime:
    if zero_at is None:
        raise DomainError(_("Give the video's start, or a moment of the log and its position."), field="start_local")
    if abs(zero_at - meeting.start_at) > CORRECTION_WINDOW:
        raise DomainError(_("The video's start must be within a day of the meeting's start."), field="start_local")
    return zero_at


def add_recording(
    meeting: Meeting,
    *,
    part: int | None,
    url: str,
    label: str = "",
    zero_at: datetime | None,
    duration_seconds: int | None = None,
    actor,
) -> Recording:
    recording = Recording(
        meeting_id=meeting.id,
        part=_check_part(meeting, part),
        url=_check_url(url),
        label=clean_text(label)[:LABEL_MAX],
        zero_at=_check_zero(meeting, zero_at),
        duration_seconds=_check_duration(duration_seconds),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(recording)
    db.session.flush()
    audit.record(
        "recording.add",
        recording,
        f"Added part {recording.part} of the recording of '{meeting.title}'",
        actor=actor,
        data=_describe(recording),
    )
    live.touch(meeting.id)
    return recording


def update_recording(
    recording: Recording,
    *,
    part: int | None,
    url: str,
    label: str = "",
    zero_at: datetime | None,
    duration_seconds: int | None = None,
    actor,
) -> Recording:
    meeting = recording.meeting
    before = _describe(recording)
    recording.part = _check_part(meeting, part, recording)
    recording.url = _check_url(url)
    recording.label = clean_text(label)[:LABEL_MAX]
    recording.zero_at = _check_zero(meeting, zero_at)
    recording.duration_seconds = _check_duration(duration_seconds)
    db.session.flush()
    after = _describe(recording)
    if after != before:
        audit.record(
            "recording.update",
            recording,
            f"Changed part {recording.part} of the recording of '{meeting.title}'",
            actor=actor,
            data={"before": before, "after": after},
        )
        live.touch(meeting.id)
    return recording


def remove_recording(recording: Recording, *, actor) -> None:
    """Remove a part, and its captions with it (their transcript passages leave the page and the search index)."""
    meeting = recording.meeting
    if transcript.track_for(recording) is not None:
        transcript.remove_track(recording, actor=actor)
    audit.record(
        "recording.remove",
        recording,
        f"Removed part {recording.part} of the recording of '{meeting.title}'",
        actor=actor,
        data=_describe(recording),
    )
    db.session.delete(recording)
    db.session.flush()
    live.touch(meeting.id)


def correct_moment(entry: MeetingLogEntry, *, at: datetime | None, reason: str, actor) -> MeetingLogEntry:
    """The clerk corrects when a logged moment happened (the gavel was at 5:02, not 5:04). The original time stays in
    the audit; the video index, the timeline and the minutes read the corrected one."""
    meeting = db.session.get(Meeting, entry.meeting_id)
    if at is None:
        raise DomainError(_("Enter the corrected time."), field="at_local")
    if abs(at - meeting.start_at) > CORRECTION_WINDOW:
        raise DomainError(_("The corrected time must be within a day of the meeting's start."), field="at_local")
    reason = clean_text(reason)
    if not reason:
        raise DomainError(_("Give the reason for the correction."), field="reason")
    if at == entry.at:
        return entry
    original = entry.at
    entry.at = at
    db.session.flush()
    audit.record(
        "meeting.log_correct",
        entry,
        f"Corrected the time of '{entry.summary}' in '{meeting.title}'",
        actor=actor,
        target_type="MeetingLogEntry",
        data={
            "meeting_id": meeting.id,
            "before": original.isoformat(),
            "after": at.isoformat(),
            "reason": reason[:500],
        },
    )
    live.touch(meeting.id)
    return entry
