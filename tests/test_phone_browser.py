"""Real Chromium on the demo city, phone first (issue 19): every public page reachable from the home page fits a
320, 390 and 1280 px wide window with no sideways scroll, shows its primary action (register to speak, watch
live, subscribe) without scrolling on a 390 x 844 phone, and passes axe-core there, in English and Spanish."""

import os
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser import chromium_page
from tests.test_browser import assert_accessible, site  # noqa: F401  (the demo city behind a live server)
from tests.test_portal_browser import _crawlable

pytestmark = [
    pytest.mark.browser,
    # Layout and axe do not depend on the database: checked once, in the SQLite run (CI's 30 minutes on 2 cores).
    pytest.mark.skipif(os.environ.get("DAIS_TEST_DB") == "postgres", reason="layout is checked in the SQLite run"),
]

PHONE = {"width": 390, "height": 844}
WIDTHS = (320, 1280)

#: What sticks out past the window's right edge: the outermost such elements, with their width.
OVERFLOW_JS = """() => {
  const doc = document.documentElement, limit = window.innerWidth;
  if (doc.scrollWidth <= limit) return null;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect(), parent = el.parentElement;
    const parentOut = parent && parent.getBoundingClientRect().right > limit + 0.5;
    if (box.right > limit + 0.5 && box.width > 0 && !parentOut) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + [...el.classList].join('.');
      out.push(`${name} right=${Math.round(box.right)}`);
    }
  }
  return {scrollWidth: doc.scrollWidth, innerWidth: limit, widest: out.slice(0, 5)};
}"""

PRIMARY_JS = """() => [...document.querySelectorAll('[data-primary-action]')].map(e => {
  const box = e.getBoundingClientRect();
  return {text: e.innerText.trim().slice(0, 60), top: box.top + window.scrollY, height: box.height};
})"""


def _crawl(page, base: str, *, limit: int = 80) -> list[str]:
    """The public pages reachable from the home page (one month page; at most ``limit``)."""
    seen, queue, found = {"/"}, ["/"], []
    while queue and len(found) < limit:
        path = queue.pop(0)
        response = page.goto(base + path)
        assert response is not None and response.ok, (path, response and response.status)
        found.append(path)
        for href in page.locator("a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
            link = _crawlable(base, href)
            if link and "month=" in link and any("month=" in p for p in seen):
                continue
            if link and link not in seen:
                seen.add(link)
                queue.append(link)
    return found


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_public_page_fits_a_phone_and_shows_its_primary_action(site, language):  # noqa: F811
    problems, with_action = [], []
    with chromium_page() as page:
        page.set_viewport_size(PHONE)
        page.goto(site + "/")
        if language != "en":
            with page.expect_navigation():
                page.locator(f'a[hreflang="{language}"]').click()
        paths = _crawl(page, site)
        for path in paths:
            page.set_viewport_size(PHONE)
            page.goto(site + path)
            overflow = page.evaluate(OVERFLOW_JS)
            if overflow:
                problems.append((path, 390, overflow))
            for action in page.evaluate(PRIMARY_JS):
                with_action.append(path)
                if action["top"] + min(action["height"], 44) > PHONE["height"]:
                    problems.append((path, "primary action below the fold", action))
                if action["height"] < 44:
                    problems.append((path, "primary action smaller than 44 px", action))
            assert_accessible(page)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 800})
                overflow = page.evaluate(OVERFLOW_JS)
                if overflow:
                    problems.append((path, width, overflow))
    assert not problems, "\n".join(map(str, problems))
    assert len(paths) >= 30, paths
    # The pages a resident comes to act on carry their action at the top.
    assert "/" in with_action
    assert any(urlsplit(p).path.startswith("/meetings/") for p in with_action), with_action
    assert any(urlsplit(p).path.startswith("/bodies/") for p in with_action), with_action


def test_header_is_compact_on_a_phone_and_its_menu_opens_by_keyboard(site):  # noqa: F811
    with chromium_page() as page:
        page.set_viewport_size(PHONE)
        page.goto(site + "/meetings")
        header = page.locator(".site-header").bounding_box()
        assert header is not None and header["height"] <= 72, header
        # On the narrowest phone too: the city's name, the other language and Menu keep to one row.
        page.set_viewport_size({"width": 320, "height": 640})
        narrow = page.locator(".site-header").bounding_box()
        assert narrow is not None and narrow["height"] <= 72, narrow
        page.set_viewport_size(PHONE)
        nav = page.get_by_role("navigation", name="Main")
        assert not nav.is_visible()
        menu = page.locator(".site-menu > summary")
        for _ in range(4):  # the skip link, the city's name, the other language, then the menu
            page.keyboard.press("Tab")
        expect(menu).to_be_focused()
        expect(menu).to_have_text("Menu")
        page.keyboard.press("Enter")
        expect(nav).to_be_visible()
        assert page.get_by_role("searchbox").is_visible()
        # On a wide screen the menu is simply there, with no button to press.
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(site + "/meetings")
        assert page.get_by_role("navigation", name="Main").is_visible()
        assert not menu.is_visible()
