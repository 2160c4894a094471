"""Real Chromium: the public /verify page (how a resident checks a meeting's record digest) passes axe-core
(WCAG 2.1 AA and best practices) in English and in Spanish, reached the way a reader would: from the meeting page."""

import pytest
from playwright.sync_api import expect

from tests.browser import axe_violations, chromium_or_skip, chromium_page
from tests.test_record_integrity import decided  # noqa: F401  (an adjourned meeting with its digest pinned)

pytestmark = pytest.mark.browser

HEADINGS = {"en": "How to check the record of a meeting", "es": "Cómo comprobar"}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_verify_page_passes_axe_in_each_language(app, db, decided, live_server, language):  # noqa: F811
    chromium_or_skip()
    with chromium_page() as page:
        page.goto(f"{live_server}/meetings/{decided.id}")
        if language != "en":
            with page.expect_navigation():  # the visible language switch; it keeps the page
                page.locator(f'a[hreflang="{language}"]').click()
        page.locator('a[href="/verify"]').first.click()
        page.wait_for_url("**/verify")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_role("heading", level=1)).to_contain_text(HEADINGS[language])
        expect(page.locator("#verify-snippet")).to_contain_text("hashlib.sha256")
        violations, report = axe_violations(page)
        assert violations == [], report
