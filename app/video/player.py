"""What the video page's Play button creates, per part: the embed address (YouTube through youtube-nocookie,
Vimeo's player) or the media file for a ``<video>`` (MP4, or HLS where the browser plays it natively). Nothing
here is requested before the resident presses Play: the page carries these as data attributes only."""

import re
from urllib.parse import urlsplit

from app.video.links import provider, youtube_id
from app.video.models import Recording

#: The page's Content-Security-Policy lets exactly these players be framed, and media come from any https host.
FRAME_HOSTS = ("https://www.youtube-nocookie.com", "https://player.vimeo.com")


def vimeo_id(url: str) -> str | None:
    match = re.search(r"/(?:video/)?(\d{5,12})(?:$|[/?#])", urlsplit(url).path + "#")
    return match.group(1) if match else None


def embed(recording: Recording) -> dict:
    """``kind`` ("iframe", "video", "hls", or "link" when Dais cannot embed it) and ``src`` with ``{t}`` where the
    starting second goes."""
    kind = provider(recording.url)
    if kind == "youtube" and (video := youtube_id(recording.url)):
        return {"kind": "iframe", "src": f"https://www.youtube-nocookie.com/embed/{video}?start={{t}}&autoplay=1"}
    if kind == "vimeo" and (video := vimeo_id(recording.url)):
        return {"kind": "iframe", "src": f"https://player.vimeo.com/video/{video}?autoplay=1#t={{t}}s"}
    base = recording.url.split("#", 1)[0]
    if kind == "hls":
        return {"kind": "hls", "src": base}
    if kind == "file" and urlsplit(base).scheme == "https":
        return {"kind": "video", "src": base}
    return {"kind": "link", "src": ""}


def content_security_policy(base: str) -> str:
    """The app's policy, plus the two players' frames and media from https hosts (the video page only)."""
    return base.replace("object-src", f"frame-src {' '.join(FRAME_HOSTS)}; media-src 'self' https:; object-src")
