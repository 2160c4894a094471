"""The public transcript page in real Chromium (issue 21): axe-clean at 320 px in English and Spanish, no sideways
scrolling, and a timestamp reached and followed with the keyboard opens the video at that second."""

import re

import pytest
from playwright.sync_api import expect

from app.video import transcript as service
from tests.browser import chromium_or_skip, chromium_page, sign_in
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


def test_the_clerk_uploads_is_refused_then_corrects_a_speaker(
    app, db, live_server, create_meeting, create_body, create_member, create_user, tmp_path
):
    from tests.conftest import PASSWORD

    chromium_or_skip()
    made = made_up_meeting(db, create_meeting, create_body, create_member)
    clerk = create_user("clerk")
    broken = tmp_path / "broken.srt"
    broken.write_text("1\n00:00:01,000 --> 00:00:02,000\nOne\n\n3\n00:00:03,000 --> 00:00:04,000\nThree\n")
    with chromium_page() as page:
        sign_in(page, live_server, clerk.email, PASSWORD)
        page.goto(f"{live_server}/staff/meetings/{made.meeting.id}/captions")
        page.get_by_role("link", name="Captions: Part 1").click()
        page.get_by_label("Caption file").set_input_files(str(broken))
        page.get_by_role("button", name="Upload captions").click()
        expect(page.locator("#file-error")).to_contain_text("The SRT numbering is broken: cue 2 is numbered 3")
        assert_accessible(page)

        page.get_by_label("Caption file").set_input_files(str(VTT))
        page.get_by_role("button", name="Upload captions").click()
        expect(page.get_by_text("Captions saved: 202 cues in 15 passages")).to_be_visible()
        assert_accessible(page)

        # The chair's "Thank you, Ms. Reyes" (00:05:21) was Tomás's, says the clerk, with the keyboard.
        select = page.get_by_label("Speaker of the passage at 00:05:21")
        select.select_option(label="Tomás Ortega (Old Town Neighbors)")
        select.press("Tab")
        page.keyboard.press("Enter")
        expect(page.get_by_text("Speaker corrected.")).to_be_visible()
        expect(page.get_by_label("Speaker of the passage at 00:05:21")).to_have_value(f"s{made.speakers['tomas'].id}")
