"""The meeting video page in Chromium (issue 21), on the demo's June 30 special meeting: no request to any other
host before the resident presses Play, then the player is created; chapters seek; keyboard usable; axe clean in
English and Spanish; no sideways scroll at 320 px."""

import os
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.meetings.models import Meeting
from tests.browser import chromium_page
from tests.test_browser import assert_accessible, site  # noqa: F401  (the demo city behind a live server)
from tests.test_phone_browser import OVERFLOW_JS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("DAIS_TEST_DB") == "postgres", reason="layout is checked in the SQLite run"),
]


def _video_url(db, site):  # noqa: F811
    meeting = next(m for m in db.session.scalars(select(Meeting)) if m.title.startswith("Special City Commission"))
    return f"{site}/meetings/{meeting.id}/video"


def test_no_third_party_request_until_play_then_the_player(site, db):  # noqa: F811
    url = _video_url(db, site)
    with chromium_page() as page:
        hosts = []
        page.on("request", lambda request: hosts.append(urlsplit(request.url).hostname))
        page.route("https://video.example.gov/**", lambda route: route.fulfill(status=404, body=""))
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert set(hosts) == {"127.0.0.1"}, hosts
        assert page.locator("video, iframe").count() == 0
        assert_accessible(page)

        # A chapter of the same part sets where Play starts, without leaving the page.
        chapter = page.locator(".video-chapter-speaker a[data-seek]").first
        second = int(chapter.get_attribute("data-second"))
        chapter.focus()
        page.keyboard.press("Enter")
        play = page.get_by_role("button", name=re.compile(r"^Play from "))
        expect(play).to_be_focused()
        assert page.url == url
        clock = chapter.locator(".video-chapter-time").inner_text().strip()
        expect(play).to_have_text(f"Play from {clock}")
        expect(page.locator("#video-direct")).to_have_attribute(
            "href", f"https://video.example.gov/commission/2025-06-30-special-meeting.mp4#t={second}"
        )
        assert set(hosts) == {"127.0.0.1"}, hosts

        page.keyboard.press("Enter")  # Play, from the keyboard
        video = page.locator("#video-frame video")
        expect(video).to_have_count(1)
        expect(video).to_have_attribute("src", re.compile(rf"2025-06-30-special-meeting\.mp4#t={second}$"))
        page.wait_for_timeout(300)
        assert "video.example.gov" in hosts
        expect(play).to_be_hidden()


def test_the_video_page_is_accessible_in_spanish_and_fits_320_px(site, db):  # noqa: F811
    url = _video_url(db, site)
    with chromium_page() as page:
        page.goto(site + "/language/es")
        page.set_viewport_size({"width": 320, "height": 800})
        page.goto(url)
        expect(page.locator("h1")).to_contain_text("Vídeo")
        assert page.evaluate(OVERFLOW_JS) is None
        assert_accessible(page)
        meeting_page = url.removesuffix("/video")
        page.goto(meeting_page)
        watch = page.locator("a.watch-link").first
        expect(watch).to_be_visible()
        assert page.evaluate(OVERFLOW_JS) is None
