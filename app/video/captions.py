"""Reading an uploaded caption file (WebVTT or SRT) into cues, or refusing it with a clear message.

webvtt-py reads the cues (timing, text without its tags, a ``<v Name>`` voice); what it lets through or reports
only as "Invalid format" is checked here first, block by block, so the clerk is told which cue is wrong and why:
not UTF-8, empty, too big, an unreadable timestamp, SRT numbering that skips or repeats, a cue that ends before it
starts, cues out of order, cues that overlap. Nothing is saved unless the whole file is accepted.
"""

import io
import re
from dataclasses import dataclass

import webvtt
from flask_babel import gettext as _
from webvtt.errors import MalformedFileError

from app.core.errors import DomainError
from app.video.transcript_models import CaptionFormat

#: The largest caption file accepted (a four-hour meeting's captions are well under 1 MB).
MAX_CAPTION_BYTES = 50 * 1024 * 1024
MAX_CUES = 100_000

_VTT_TIME = r"(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_SRT_TIME = r"(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{3})"
VTT_TIMING = re.compile(rf"^{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t].*)?$")
SRT_TIMING = re.compile(rf"^{_SRT_TIME}[ \t]+-->[ \t]+{_SRT_TIME}(?:[ \t].*)?$")
_BLOCKS = re.compile(r"\n[ \t]*\n+")


class CaptionError(DomainError):
    def __init__(self, message: str):
        super().__init__(message, field="file")


@dataclass(frozen=True)
class Cue:
    number: int  #: 1, 2, ... in the file
    start_ms: int
    end_ms: int
    text: str


def _ms(groups) -> int:
    hours, minutes, seconds, millis = groups
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def clock(ms: int) -> str:
    """00:01:02.345 (as the file writes it, for messages)."""
    seconds, millis = divmod(max(0, ms), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def detect_format(filename: str, text: str) -> CaptionFormat:
    if text.lstrip().startswith("WEBVTT"):
        return CaptionFormat.vtt
    if filename.lower().endswith(".vtt"):
        raise CaptionError(
            _("The file does not start with “WEBVTT”: it is not a WebVTT caption file. Nothing was saved.")
        )
    return CaptionFormat.srt


def decode(data: bytes) -> str:
    if len(data) > MAX_CAPTION_BYTES:
        raise CaptionError(
            _("The caption file is larger than %(limit)s MB. Nothing was saved.", limit=MAX_CAPTION_BYTES >> 20)
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaptionError(
            _(
                "The caption file is not UTF-8 text (an unreadable byte at position %(position)s). Save it as "
                "UTF-8 from your captioning tool and upload it again. Nothing was saved.",
                position=exc.start,
            )
        ) from None
    if "\x00" in text:
        raise CaptionError(_("The caption file is not text. Nothing was saved."))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _timings(text: str, fmt: CaptionFormat) -> list[tuple[int, int, int]]:
    """(number, start_ms, end_ms) of each cue block, checking what webvtt-py does not: timestamps and numbering."""
    blocks = [b for b in _BLOCKS.split(text.strip()) if b.strip()]
    if fmt == CaptionFormat.vtt:
        blocks = blocks[1:]  # the WEBVTT header block
    timing_re = VTT_TIMING if fmt == CaptionFormat.vtt else SRT_TIMING
    found = []
    for block in blocks:
        lines = [line.strip() for line in block.split("\n")]
        if fmt == CaptionFormat.vtt and lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        number = len(found) + 1
        timing_line = next((line for line in lines[:2] if "-->" in line), None)
        if fmt == CaptionFormat.srt:
            if not lines[0].isdigit():
                raise CaptionError(
                    _(
                        "Cue %(number)s: an SRT cue must start with its number, found “%(line)s”. Nothing was saved.",
                        number=number,
                        line=lines[0][:60],
                    )
                )
            if int(lines[0]) != number:
                raise CaptionError(
                    _(
                        "The SRT numbering is broken: cue %(number)s is numbered %(found)s. Number the cues 1, 2, 3… "
                        "in order. Nothing was saved.",
                        number=number,
                        found=lines[0][:12],
                    )
                )
            timing_line = lines[1] if len(lines) > 1 else None
        match = timing_re.match(timing_line or "")
        if match is None:
            raise CaptionError(
                _(
                    "Cue %(number)s: the timing “%(line)s” cannot be read (expected 00:01:02.000 --> 00:01:04.500). "
                    "Nothing was saved.",
                    number=number,
                    line=(timing_line or lines[0])[:60],
                )
            )
        found.append((number, _ms(match.groups()[:4]), _ms(match.groups()[4:8])))
        if len(found) > MAX_CUES:
            raise CaptionError(_("The file has more than %(count)s cues. Nothing was saved.", count=MAX_CUES))
    return found


def _check_order(timings: list[tuple[int, int, int]]) -> None:
    previous = None
    for number, start, end in timings:
        if end <= start:
            raise CaptionError(
                _(
                    "Cue %(number)s ends (%(end)s) before it starts (%(start)s). Nothing was saved.",
                    number=number,
                    start=clock(start),
                    end=clock(end),
                )
            )
        if previous is not None:
            p_number, p_start, p_end = previous
            if start < p_start:
                raise CaptionError(
                    _(
                        "The cues are out of order: cue %(number)s starts at %(start)s, before cue %(previous)s "
                        "(%(previous_start)s). Nothing was saved.",
                        number=number,
                        start=clock(start),
                        previous=p_number,
                        previous_start=clock(p_start),
                    )
                )
            if start < p_end:
                raise CaptionError(
                    _(
                        "Cues %(previous)s and %(number)s overlap: cue %(previous)s runs until %(previous_end)s but "
                        "cue %(number)s starts at %(start)s. Nothing was saved.",
                        number=number,
                        start=clock(start),
                        previous=p_number,
                        previous_end=clock(p_end),
                    )
                )
        previous = (number, start, end)


def parse(data: bytes, filename: str = "") -> tuple[CaptionFormat, list[Cue]]:
    """The cues of an uploaded file, or ``CaptionError`` saying what is wrong (nothing is written here)."""
    text = decode(data)
    if not text.strip() or text.strip() == "WEBVTT":
        raise CaptionError(_("The caption file is empty. Nothing was saved."))
    fmt = detect_format(filename, text)
    timings = _timings(text, fmt)
    if not timings:
        raise CaptionError(_("The caption file has no cues. Nothing was saved."))
    _check_order(timings)
    try:
        captions = webvtt.from_buffer(io.StringIO(text), format=fmt.value).captions
    except MalformedFileError:
        captions = None
    if captions is None or len(captions) != len(timings):
        raise CaptionError(_("The caption file cannot be read as %(format)s. Nothing was saved.", format=fmt.label))
    return fmt, [
        Cue(number, start, end, " ".join(caption.text.split()))
        for (number, start, end), caption in zip(timings, captions, strict=True)
    ]
