"""Real Chromium on the demo city: every public page reachable from the home page passes axe-core (WCAG 2.1 AA),
and three keyboard-only journeys: finding the June 30 meeting, reading its resolution, registering to speak."""

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect
from sqlalchemy import String, select

from tests.browser import chromium_page
from tests.test_browser import assert_accessible, site  # noqa: F401  (the demo city behind a live server)
from tests.test_i18n import CATALOG, PLACEHOLDER

pytestmark = pytest.mark.browser

#: Not pages to audit: staff sign-in, language switching, feeds and files, the JSON API, the live display.
SKIP_PREFIXES = ("/login", "/staff", "/dashboard", "/language/", "/api/", "/static/", "/agreements/documents/")
SKIP_SUFFIXES = (".ics", ".atom", ".json", ".pdf", ".vtt")


def _crawlable(base: str, href: str | None) -> str | None:
    if not href or href.startswith(("mailto:", "tel:", "javascript:")):
        return None
    parts = urlsplit(urljoin(base + "/", href))
    if f"{parts.scheme}://{parts.netloc}" != base:
        return None
    if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES) or "/documents/" in parts.path:
        return None
    # The video page at another second (a chapter or a "Watch" link) is the same page: crawled once.
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "t"])
    return parts.path + (f"?{query}" if query else "")


def _record_text(db) -> str:
    """Every text the record itself holds (titles, motions, minutes...): English data, rightly shown as entered."""
    chunks = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String)]
        if columns:
            for row in db.session.execute(select(*columns)):
                chunks.extend(str(v) for v in row if v)
    return "\n".join(chunks).lower()


def _english_phrases(record: str) -> set[str]:
    """Stretches of interface English (three words or more) that the Spanish catalog translates differently,
    leaving out any the record's own text contains."""
    with CATALOG.open("rb") as fh:
        catalog = read_po(fh, locale="es")
    phrases = set()
    for m in catalog:
        if not m.id:
            continue
        english = m.id if isinstance(m.id, str) else m.id[0]
        spanish = m.string if isinstance(m.string, str) else m.string[0]
        for part in PLACEHOLDER.split(english):
            part = part.strip(" .,:;()“”")
            if len(part.split()) >= 3 and part not in spanish and part.lower() not in record:
                phrases.add(part)
    return phrases


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_public_page_reachable_from_home_passes_axe(site, db, language):  # noqa: F811
    seen, queue, audited = {"/"}, ["/"], []
    english_left = _english_phrases(_record_text(db)) if language == "es" else set()
    assert language == "en" or len(english_left) > 500
    with chromium_page() as page:
        page.goto(site + "/")
        if language != "en":
            with page.expect_navigation():  # the visible switch, as a reader would use it; it keeps the page
                page.locator(f'a[hreflang="{language}"]').click()
            assert urlsplit(page.url).path == "/"
        while queue:
            path = queue.pop(0)
            response = page.goto(site + path)
            assert response is not None and response.ok, (path, response and response.status)
            expect(page.locator("html")).to_have_attribute("lang", language)
            assert_accessible(page)
            if english_left:
                # Hundreds of phrases must all be absent: one read of the loaded page (goto waited for it),
                # not an expect() per phrase.
                text = page.locator("body").inner_text()
                left = sorted(p for p in english_left if p in text)
                assert not left, (path, left)
            audited.append(path)
            for href in page.locator("a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
                found = _crawlable(site, href)
                if found and "month=" in found and "month=" in path:
                    continue  # one month page is audited; the others differ only in their meetings
                if found and found not in seen:
                    seen.add(found)
                    queue.append(found)
    # The crawl reached the whole public site, not just the home page.
    sections = ("/meetings", "/resolutions", "/agreements", "/members", "/public-comment", "/subscribe", "/topics")
    for expected in sections:
        assert expected in audited, expected
    assert any(p.startswith("/resolutions/") for p in audited) and any(p.startswith("/members/") for p in audited)
    assert any(p.startswith("/topics/") for p in audited)
    assert any("/speak" in p for p in audited) and any("month=" in p for p in audited)
    assert len(audited) >= 30, audited


def _tab_to(page, name: str, *, limit: int = 250) -> None:
    """Press Tab until the focused element's text or label contains ``name``; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement;
            return (e.innerText || e.value || e.getAttribute('aria-label') || '') + ' ' +
                   (e.labels && e.labels.length ? e.labels[0].innerText : ''); }""")
        if name in focused:
            return
    raise AssertionError(f"could not reach “{name}” with the Tab key")


def _press_enter_and_wait(page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_keyboard_only_find_the_june_30_meeting_and_read_the_resolution(site):  # noqa: F811
    with chromium_page() as page:
        page.goto(site + "/")
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
        _tab_to(page, "Meetings")
        _press_enter_and_wait(page)
        _tab_to(page, "Year")
        page.keyboard.press("End")  # the oldest year in the list; the demo's meetings are all in 2025
        page.keyboard.type("2025")
        _tab_to(page, "Show meetings")
        _press_enter_and_wait(page)
        _tab_to(page, "Special City Commission Meeting: 287(g) agreement")
        _press_enter_and_wait(page)
        expect(page.locator("h1")).to_contain_text("287(g)")
        expect(page.locator("main")).to_contain_text("30 June 2025")
        _tab_to(page, "25-187")
        _press_enter_and_wait(page)
        main = page.locator("main")
        expect(main).to_contain_text("Majority of members present (4 of 7 needed): 6 yes, 1 no. Passed.")
        expect(main).to_contain_text("Tobias Vandermeer")
        _tab_to(page, "287(g)")  # on to the agreement it voided
        assert_accessible(page)


def test_keyboard_only_register_to_speak(site):  # noqa: F811
    with chromium_page() as page:
        page.goto(site + "/")
        _tab_to(page, "Regular City Commission Meeting")
        _press_enter_and_wait(page)
        _tab_to(page, "Register to speak")
        _press_enter_and_wait(page)
        _tab_to(page, "Agenda item")
        page.keyboard.press("ArrowDown")
        _tab_to(page, "Your name")
        page.keyboard.type("Keyboard Resident")
        _tab_to(page, "Support")  # a radio group takes one Tab stop; the arrow keys choose within it
        page.keyboard.press("ArrowDown")
        expect(page.get_by_role("radio", name=re.compile(r"^Oppose"))).to_be_focused()
        _tab_to(page, "Register to speak")
        _press_enter_and_wait(page)
        expect(page.locator("main")).to_contain_text("Keyboard Resident")
        expect(page.locator("main")).to_contain_text("place", ignore_case=True)
        assert_accessible(page)


def test_keyboard_only_in_spanish_switch_language_then_find_the_vote(site):  # noqa: F811
    """The same journey for a Spanish reader: the language switch is reachable by keyboard, and the June 30
    meeting, its vote and the agreement's status read in Spanish."""
    with chromium_page() as page:
        page.goto(site + "/meetings")
        _tab_to(page, "Español")
        _press_enter_and_wait(page)
        assert urlsplit(page.url).path == "/meetings"
        expect(page.locator("html")).to_have_attribute("lang", "es")
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Saltar al contenido principal")).to_be_focused()
        _tab_to(page, "Año")
        page.keyboard.press("End")
        page.keyboard.type("2025")
        _tab_to(page, "Mostrar reuniones")
        _press_enter_and_wait(page)
        _tab_to(page, "Special City Commission Meeting: 287(g) agreement")  # the record's own title
        _press_enter_and_wait(page)
        expect(page.locator("main")).to_contain_text("lunes, 30 de junio de 2025")
        expect(page.locator("main")).to_contain_text("Oradores")
        _tab_to(page, "25-187")
        _press_enter_and_wait(page)
        expect(page.locator("main")).to_contain_text(
            "Mayoría de los miembros presentes (se necesitan 4 de 7): 6 a favor, 1 en contra. Aprobada."
        )
        _tab_to(page, "287(g) Task Force")  # the agreement the resolution voided
        _press_enter_and_wait(page)
        expect(page).to_have_url(re.compile(r"/agreements/"))
        expect(page.locator("main")).to_contain_text("Estado")
        assert_accessible(page)
