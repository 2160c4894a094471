"""Caption files (issue 21): WebVTT and SRT read into cues, and every broken file refused whole with its reason."""

import pytest

from app.video import captions
from app.video.captions import CaptionError
from app.video.transcript_models import CaptionFormat
from tests.video_helpers import SRT, VTT


def test_the_fixture_reads_the_same_as_vtt_and_as_srt(app):
    fmt, cues = captions.parse(VTT.read_bytes(), "meeting.vtt")
    srt_fmt, srt_cues = captions.parse(SRT.read_bytes(), "meeting.srt")
    assert (fmt, srt_fmt) == (CaptionFormat.vtt, CaptionFormat.srt)
    assert 190 <= len(cues) <= 210
    assert cues == srt_cues
    assert cues[0] == captions.Cue(1, 2000, 7400, "Good evening, everyone, and welcome.")


def test_voice_tags_and_markup_are_read_as_words(app):
    data = b"WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500 align:start\n<v Ana>Hello <i>there</i>\n"
    _fmt, cues = captions.parse(data, "x.vtt")
    assert cues == [captions.Cue(1, 1000, 2500, "Hello there")]


def _refused(data: bytes, name: str = "captions.vtt") -> str:
    with pytest.raises(CaptionError) as refused:
        captions.parse(data, name)
    return refused.value.message


VALID = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne\n\n00:00:03.000 --> 00:00:04.000\nTwo\n"


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (
            "WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nLater\n\n00:00:01.000 --> 00:00:02.000\nEarlier\n",
            "a.vtt",
            "out of order: cue 2 starts at 00:00:01.000, before cue 1 (00:00:05.000)",
        ),
        (
            "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nOne\n\n00:00:03.000 --> 00:00:05.000\nTwo\n",
            "a.vtt",
            "Cues 1 and 2 overlap: cue 1 runs until 00:00:04.000 but cue 2 starts at 00:00:03.000",
        ),
        ("WEBVTT\n\n00:00:04.000 --> 00:00:02.000\nBackwards\n", "a.vtt", "Cue 1 ends (00:00:02.000) before it starts"),
        (
            "WEBVTT\n\n00:00:01.000 --> 00:0x:02.000\nBad\n",
            "a.vtt",
            "Cue 1: the timing “00:00:01.000 --> 00:0x:02.000”",
        ),
        ("WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nComma in a VTT\n", "a.vtt", "cannot be read"),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nOne\n\n3\n00:00:03,000 --> 00:00:04,000\nThree\n",
            "a.srt",
            "The SRT numbering is broken: cue 2 is numbered 3",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nOne\n\n00:00:03,000 --> 00:00:04,000\nNo number\n",
            "a.srt",
            "Cue 2: an SRT cue must start with its number",
        ),
        (
            "1\n00:00:01,000 --> 00:00:0x,000\nOne\n",
            "a.srt",
            "the timing “00:00:01,000 --> 00:00:0x,000” cannot be read",
        ),
        ("", "a.vtt", "The caption file is empty"),
        ("WEBVTT\n\n", "a.vtt", "The caption file is empty"),
        ("WEBVTT\n\nNOTE only a note\n", "a.vtt", "no cues"),
        ("Just some text", "a.vtt", "not a WebVTT caption file"),
    ],
)
def test_broken_files_are_refused_with_their_reason(app, data, name, says):
    message = _refused(data.encode(), name)
    assert says in message
    assert "Nothing was saved" in message


def test_not_utf8_says_so(app):
    message = _refused("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nCafé\n".encode("latin-1"))
    assert "not UTF-8" in message and "position" in message


def test_a_file_over_50_mb_is_refused_before_it_is_read(app):
    data = VALID.encode() + b"x" * (captions.MAX_CAPTION_BYTES - len(VALID) + 1)
    assert "larger than 50 MB" in _refused(data)


def test_windows_line_endings_and_a_byte_order_mark_are_fine(app):
    _fmt, cues = captions.parse(b"\xef\xbb\xbf" + VALID.replace("\n", "\r\n").encode(), "a.vtt")
    assert [c.text for c in cues] == ["One", "Two"]
