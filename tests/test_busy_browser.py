"""The "system is busy" page as a resident meets it in Chromium: accessible, usable at 320 px, sent again with the
keyboard alone, and the request is then made once."""

import re

import pytest
from playwright.sync_api import expect

from app.core import sqlite as sqlite_tx
from app.public_comment import registration as speaker_registration
from tests.browser import chromium_or_skip, chromium_page
from tests.test_browser import assert_accessible
from tests.test_sqlite_busy import _item, _speakers, database_busy, sqlite_only

pytestmark = [pytest.mark.browser, sqlite_only]


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch):
    monkeypatch.setattr(sqlite_tx, "BUSY_TIMEOUT_MS", 300)


def test_a_resident_whose_form_meets_a_busy_database_sends_it_again_from_a_phone(
    db, open_meeting, live_server, database_url
):
    chromium_or_skip()
    meeting = open_meeting()
    item = _item(meeting)
    speaker_registration.period_for(item)
    db.session.commit()
    with chromium_page() as page:
        page.set_viewport_size({"width": 320, "height": 800})
        page.goto(f"{live_server}/meetings/{meeting.id}/speak")
        page.get_by_label("Agenda item").select_option(str(item.id))
        page.get_by_label("Your name").fill("Marisol Ortega-Díaz")
        page.get_by_role("radio", name=re.compile(r"^Oppose")).check()
        with database_busy(database_url, item.id):
            page.get_by_role("button", name="Register to speak").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("The system is busy")
        expect(page.locator("main")).to_contain_text("Your answers are kept below")
        expect(page.locator("main dd").filter(has_text="Marisol Ortega-Díaz")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        assert_accessible(page)
        assert _speakers(item) == 0

        send_again = page.get_by_role("button", name="Send again")
        send_again.focus()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_contain_text("Marisol Ortega-Díaz")
        expect(page).to_have_url(re.compile(r"/speak/\d+-"))
    assert _speakers(item) == 1
