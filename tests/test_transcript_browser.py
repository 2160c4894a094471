"""The public transcript page in real Chromium (issue 21): axe-clean at 320 px in English and Spanish, no sideways
scrolling, and a timestamp reached and followed with the keyboard opens the video at that second."""

import re

import pytest
from playwright.sync_api import expect

from app.video import transcript as service
from tests.browser import chromium_or_skip, chromium_page
from tests.test_browser import assert_accessible
from tests.video_helpers import MARISOL_SECOND, VTT, made_up_meeting

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "es"])
def test_transcript_page_at_320px_with_the_keyboard(
    app, db, live_server, create_meeting, create_body, create_member, language
):
    chromium_or_skip()
    made = made_up_meeting(db, create_meeting, create_body, create_member)
    track = service.upload_track(made.recording, filename=VTT.name, data=VTT.read_bytes(), language="en", actor=None)
    service.correct_passage(track.passages[3], f"s{made.speakers['tomas'].id}", actor=None)
    db.session.commit()
    url = f"{live_server}/meetings/{made.meeting.id}/transcript"
    with chromium_page() as page:
        page.set_viewport_size({"width": 320, "height": 900})
        page.goto(url)
        if language != "en":
            with page.expect_navigation():
                page.locator(f'a[hreflang="{language}"]').click()
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_role("heading", level=2, name="1.A Harbor dredging contract")).to_be_visible()
        expect(page.get_by_role("heading", level=3, name="Marisol Reyes").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert_accessible(page)

        # Tab to Marisol's first timestamp and follow it with Enter: the video page at her second.
        link = page.locator(f'a.transcript-time[href$="t={MARISOL_SECOND}"]')
        expect(link).to_have_accessible_name(re.compile(r"00:02:18$"))
        link.focus()
        expect(link).to_be_focused()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith(f"/meetings/{made.meeting.id}/video?part=1&t={MARISOL_SECOND}")
