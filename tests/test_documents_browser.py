"""Printing public pages in real Chromium (print media emulated, then printed to PDF): the record without the
site's chrome, links out of the page with their address, whole table rows."""

import io

import pypdf
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.legislation.models import Resolution
from app.meetings.models import Meeting, MeetingKind
from tests.browser import chromium_page
from tests.test_browser import site  # noqa: F401  (the demo city behind a live server)

pytestmark = pytest.mark.browser

#: What must not print: the site's navigation, footer, skip link, and anything to click or fill in. Of the header
#: only the brand prints (the city's logo and name).
CHROME = "nav, footer, form, button, .button, .skip-link, input, select, textarea, header > * > :not(.brand)"

VISIBLE = """(selector) => [...document.querySelectorAll(selector)].filter(e => {
  const style = getComputedStyle(e);
  const box = e.getBoundingClientRect();
  return style.display !== 'none' && style.visibility !== 'hidden' && box.width > 0 && box.height > 0;
}).map(e => e.outerHTML.slice(0, 120))"""

AFTER = "(e) => getComputedStyle(e, '::after').content"
BREAK = "(e) => getComputedStyle(e).breakInside"


def _printed_text(page) -> str:
    reader = pypdf.PdfReader(io.BytesIO(page.pdf(format="Letter")))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def _public_pages(db):
    special = db.session.scalar(select(Meeting).where(Meeting.kind == MeetingKind.special))
    resolution = db.session.scalar(select(Resolution).where(Resolution.number == "25-187"))
    return special, resolution


def test_public_pages_print_without_the_sites_chrome(site, db):  # noqa: F811
    special, resolution = _public_pages(db)
    with chromium_page() as page:
        page.emulate_media(media="print")
        for path in ("/", f"/meetings/{special.id}", f"/resolutions/{resolution.id}", "/resolutions", "/meetings"):
            page.goto(site + path)
            expect(page.locator("main h1")).to_be_visible()
            assert page.evaluate(VISIBLE, CHROME) == [], path
            assert page.locator("header").inner_text().split() == ["City", "of", "Key", "West", "Public", "meetings"]
            printed = _printed_text(page)
            assert page.locator("main h1").inner_text().split()[0] in printed, path
            for screen_only in ("Skip to main content", "Staff sign-in", "Powered by Dais", "How to speak", "Español"):
                assert screen_only not in printed, (path, screen_only)

        # The meeting: the record prints (notice, agenda); links to its PDFs print their full address; the
        # buttons to register do not.
        page.goto(site + f"/meetings/{special.id}")
        printed = _printed_text(page)
        assert "Notice of meeting" in printed and "25-0011" in printed
        assert "Register to speak" not in printed
        pdf_link = page.locator(f'a[href$="/meetings/{special.id}/agenda.pdf"]')
        assert page.evaluate(AFTER, pdf_link.element_handle()) == f'" <{site}/meetings/{special.id}/agenda.pdf>"'
        assert f"{site}/meetings/{special.id}/agenda.pdf" in printed.replace(" ", "")
        # Moving between the site's pages is not worth the ink.
        home_link = page.locator("main a[href='/']").first
        assert page.evaluate(AFTER, home_link.element_handle()) in ("none", "normal")

        # The resolution's roll call: rows never split across pages.
        page.goto(site + f"/resolutions/{resolution.id}")
        rows = page.locator("main table tr")
        assert rows.count() >= 8
        assert {page.evaluate(BREAK, rows.nth(n).element_handle()) for n in range(rows.count())} == {"avoid"}
        assert "6 yes, 1 no" in _printed_text(page)


def test_the_screen_still_shows_the_chrome(site):  # noqa: F811
    """The print rules apply to print only: on screen the header, navigation and footer are there."""
    with chromium_page() as page:
        page.goto(site + "/")
        expect(page.locator("header.site-header")).to_be_visible()
        expect(page.locator("nav.site-nav")).to_be_visible()
        expect(page.locator("footer.site-footer")).to_be_visible()
