"""A WebVTT chapters file per part of a meeting's recording: one cue per item taken up in that part, from the
second it was taken up to the second it was finished (or the next item, or the part's end). Written with
webvtt-py; a player reads it as ``<track kind="chapters">``."""

from webvtt import Caption, WebVTT

from app.video.index import VideoIndex


def _stamp(second: int) -> str:
    hours, rest = divmod(max(0, int(second)), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.000"


def item_cues(index: VideoIndex, part: int) -> list[tuple[int, int, str]]:
    """(start, end, title) of each item chapter of ``part``, in time order, never overlapping."""
    items = sorted((m for m in index.in_part(part) if m.kind == "item"), key=lambda m: m.second)
    recording = index.part(part)
    cues = []
    for number, mark in enumerate(items):
        following = items[number + 1].second if number + 1 < len(items) else None
        end = mark.end_second
        if end is None or (following is not None and end > following):
            end = following if following is not None else (recording.duration_seconds if recording else None)
        if end is None or end <= mark.second:
            end = mark.second + 1
        cues.append((mark.second, end, mark.title))
    return cues


def chapters_vtt(index: VideoIndex, part: int) -> str:
    vtt = WebVTT()
    for number, (start, end, title) in enumerate(item_cues(index, part), start=1):
        vtt.captions.append(Caption(_stamp(start), _stamp(end), title.replace("-->", "->"), identifier=str(number)))
    return vtt.content
