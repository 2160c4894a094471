"""Real Chromium: the public compare page of a matter's versions passes axe-core at 320 px and 1280 px, fits a
phone, marks inserted and deleted words with words and lines (not colour alone), and its GET form works."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.timeutil import utcnow
from app.matters import versions as matter_versions
from app.meetings import agenda
from app.meetings.models import AgendaItemType
from tests.browser import axe_violations, chromium_or_skip, chromium_page

pytestmark = pytest.mark.browser

TEXTS = [
    "**WHEREAS** the City owns the harbor lands; and\n\n1. The City Manager shall report on the lease by July 1, "
    "2025, to the Commission.\n\n2. This resolution takes effect immediately.",
    "**WHEREAS** the City owns the harbor lands; and\n\n1. The City Clerk shall not report on the lease before "
    "July 8, 2025, to the Commission.\n\n2. This resolution takes effect immediately.",
    "**WHEREAS** the City owns the harbor lands; and\n\n1. The City Clerk shall not report on the lease before "
    "July 8, 2025, to the Commission.\n\n2. This resolution takes effect on October 1, 2025.\n\n3. "
    "Supercalifragilisticexpialidociouslylongwordsthatmustwrapon/a/phone/screen/without/scrolling.",
]


@pytest.fixture
def matter(db, create_meeting):
    meeting = create_meeting(kind="regular", start_at=utcnow() + timedelta(days=7), status="noticed")
    item = agenda.add_item(meeting, section="Resolutions", title="Harbor lease", body_md="",
                           item_type=AgendaItemType.resolution, actor=None)  # fmt: skip
    meeting.agenda_published_at = utcnow()
    for text in TEXTS:
        matter_versions.add_by_staff(item.matter, text, note="Staff revision", actor=None)
    db.session.commit()
    return item.matter


@pytest.mark.parametrize("width", [320, 1280])
def test_the_compare_page_passes_axe_and_marks_changes_in_words(matter, live_server, width):
    chromium_or_skip()
    with chromium_page() as page:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/matters/{matter.file_number}")
        with page.expect_navigation():
            page.get_by_role("link", name="Compare two versions").click()
        expect(page.get_by_role("heading", name="Changes from version 2 to version 3")).to_be_visible()
        violations, report = axe_violations(page)
        assert violations == [], report
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        # The choice is a plain GET form.
        page.get_by_label("From version").select_option("1")
        page.get_by_label("To version").select_option("2")
        with page.expect_navigation():
            page.get_by_role("button", name="Compare").click()
        assert "from=1" in page.url and "to=2" in page.url
        expect(page.get_by_role("heading", name="Changes from version 1 to version 2")).to_be_visible()

        # Each change is said in words to a screen reader and drawn as a line, whatever the colours.
        inserted, deleted = page.locator(".redline-text ins"), page.locator(".redline-text del")
        expect(inserted.first).to_be_visible()
        expect(deleted.first).to_be_visible()
        for marks, word, line in ((inserted, "[inserted:", "underline"), (deleted, "[deleted:", "line-through")):
            for n in range(marks.count()):
                mark = marks.nth(n)
                assert mark.text_content().startswith(word), mark.text_content()
                assert line in mark.evaluate("e => getComputedStyle(e).textDecorationLine")
        changed = [inserted.nth(n).text_content() for n in range(inserted.count())]
        assert any("Clerk" in t for t in changed) and any("not" in t for t in changed)
        assert any("Manager" in deleted.nth(n).text_content() for n in range(deleted.count()))
        violations, report = axe_violations(page)
        assert violations == [], report

        # A wrong number is a message on the page, not an error page.
        page.goto(f"{live_server}/matters/{matter.file_number}/compare?from=nine")
        expect(page.get_by_role("alert")).to_contain_text("There is no version")
        violations, report = axe_violations(page)
        assert violations == [], report

        page.goto(f"{live_server}/matters/{matter.file_number}/versions/3")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Version 3")
        violations, report = axe_violations(page)
        assert violations == [], report
        assert page.evaluate("document.documentElement.scrollWidth") <= width
