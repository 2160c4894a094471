"""The search page in real Chromium at 320 px, in English and Spanish: axe-clean with results, filters and paging,
the header's search box leads there, and the form keeps what was typed."""

import pytest
from playwright.sync_api import expect

from tests.browser import chromium_page
from tests.test_browser import assert_accessible, site  # noqa: F401  (the demo city behind a live server)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["en", "es"])
def test_search_page_at_320px_is_accessible_and_keeps_the_query(site, language):  # noqa: F811
    with chromium_page() as page:
        page.set_viewport_size({"width": 320, "height": 900})
        page.goto(site + "/")
        if language != "en":
            with page.expect_navigation():
                page.locator(f'a[hreflang="{language}"]').click()
        page.locator(".site-menu > summary").click()  # on a phone the header's search box is in the menu
        box = page.locator("#site-q")
        box.fill("hurricane plan")
        with page.expect_navigation():
            box.press("Enter")
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator("#q")).to_have_value("hurricane plan")
        expect(page.locator("li.search-result").first).to_be_visible()
        expect(page.locator("li.search-result mark").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert_accessible(page)

        page.select_option("#kind", "resolution")
        page.locator("#from").fill("2000-01-01")
        with page.expect_navigation():
            page.locator("form.search-form button[type=submit]").click()
        expect(page.locator("#kind")).to_have_value("resolution")
        expect(page.locator("#from")).to_have_value("2000-01-01")
        assert_accessible(page)

        page.goto(site + "/search?q=" + "x" * 3000 + "&to=not-a-date")
        expect(page.locator(".flash-error")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert_accessible(page)
