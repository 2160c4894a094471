"""Where a moment of a meeting's video can be watched: Dais's own video page, or the host's page directly."""

import re
from urllib.parse import parse_qs, urlsplit

from flask import url_for

from app.video.models import Recording

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


def provider(url: str) -> str:
    """ "youtube", "vimeo", "hls" (an .m3u8 playlist) or "file" (an MP4/WebM the city hosts)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in YOUTUBE_HOSTS:
        return "youtube"
    if host in VIMEO_HOSTS:
        return "vimeo"
    if parts.path.lower().endswith(".m3u8"):
        return "hls"
    return "file"


def youtube_id(url: str) -> str | None:
    parts = urlsplit(url)
    if (parts.hostname or "").lower() == "youtu.be":
        candidate = parts.path.lstrip("/").split("/")[0]
    elif parts.path.startswith(("/embed/", "/live/", "/shorts/")):
        candidate = parts.path.split("/")[2]
    else:
        candidate = (parse_qs(parts.query).get("v") or [""])[0]
    return candidate if re.fullmatch(r"[A-Za-z0-9_-]{6,20}", candidate or "") else None


def direct_url(recording: Recording, second: int) -> str:
    """The host's own page at ``second``: the plain link beside the player, which works without Dais's script."""
    second = max(0, int(second))
    kind = provider(recording.url)
    if kind == "youtube" and (video := youtube_id(recording.url)):
        return f"https://www.youtube.com/watch?v={video}&t={second}s"
    base = recording.url.split("#", 1)[0]
    if kind == "vimeo":
        return f"{base}#t={second}s"
    return f"{base}#t={second}"  # W3C media fragment: browsers start an MP4 there


def watch_url(recording: Recording, second: int) -> str:
    """Dais's video page for the meeting, opened at ``second`` of ``recording``'s part."""
    return url_for("portal.meeting_video", meeting_id=recording.meeting_id, part=recording.part, t=max(0, int(second)))
