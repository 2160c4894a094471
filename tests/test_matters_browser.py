"""Real Chromium: the public matter page passes axe-core (WCAG 2.1 AA) in English and Spanish, at 320 px too."""

import pytest
from playwright.sync_api import expect

from app.core.timeutil import utcnow
from app.meetings import agenda
from app.meetings.models import AgendaItemType
from tests.browser import axe_violations, chromium_or_skip, chromium_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_matter_page_passes_axe(app, db, open_meeting, live_server, language):
    chromium_or_skip()
    meeting = open_meeting()
    item = next(i for i in meeting.items if i.title == "Resolution on the 287(g) agreement")
    later = open_meeting(meeting.body)
    agenda.add_item(later, section="Resolutions", title=item.title, body_md="", item_type=AgendaItemType.resolution,
                    matter=item.matter, amendment_reason="Brought back", actor=None)  # fmt: skip
    meeting.agenda_published_at = meeting.agenda_published_at or utcnow()
    db.session.commit()
    with chromium_page() as page:
        page.set_viewport_size({"width": 320, "height": 800})
        page.goto(f"{live_server}/meetings/{meeting.id}/items/{item.id}")
        if language != "en":
            with page.expect_navigation():
                page.locator(f'a[hreflang="{language}"]').click()
        expect(page.locator("html")).to_have_attribute("lang", language)
        with page.expect_navigation():
            page.locator(f'a[href$="/matters/{item.file_number}"]').first.click()
        expect(page.locator(".matter-entry-appearance")).to_have_count(2)
        violations, report = axe_violations(page)
        assert violations == [], report
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, width
