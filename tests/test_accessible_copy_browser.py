"""Real Chromium: the meeting page's notice beside a document that is not accessible, and the form to ask for an
accessible copy (empty, refused with messages, sent), pass axe-core (WCAG 2.1 AA and best practices) in English
and in Spanish, reached the way a reader would: from the meeting page's link."""

import re

import pytest
from playwright.sync_api import expect

from tests.accessibility_helpers import attach, make_pdf
from tests.browser import axe_violations, chromium_or_skip, chromium_page, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def flagged(db, open_meeting):
    meeting = open_meeting()
    item = next(i for i in meeting.items if i.title == "Resolution on the 287(g) agreement")
    attach(item, make_pdf(tagged=False, lang=None), "staff-report.pdf")
    db.session.commit()
    return meeting


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_notice_and_the_request_form_pass_axe_in_each_language(app, db, flagged, live_server, language):
    chromium_or_skip()
    with chromium_page() as page:
        page.goto(f"{live_server}/meetings/{flagged.id}")
        if language != "en":
            with page.expect_navigation():  # the visible language switch; it keeps the page
                page.locator(f'a[hreflang="{language}"]').click()
        expect(page.locator("html")).to_have_attribute("lang", language)
        note = page.locator(".a11y-note")
        expect(note).to_have_count(1)
        violations, report = axe_violations(page)
        assert violations == [], report
        note.locator("a").click()
        page.wait_for_url("**/accessible-copy?attachment=*")
        expect(page.locator("input[name=document]")).to_have_value(re.compile(r"^staff-report\.pdf \("))
        violations, report = axe_violations(page)
        assert violations == [], report
        page.locator("input[name=name]").fill("Rosa Reader")
        page.locator("main button[type=submit].button").click()  # email and needs missing: refused, with messages
        expect(page.locator(".error-summary")).to_be_visible()
        expect(page.locator("input[name=name]")).to_have_value("Rosa Reader")
        violations, report = axe_violations(page)
        assert violations == [], report
        page.locator("input[name=email]").fill("rosa@example.org")
        page.locator("textarea[name=needs]").fill("Large print, please.")
        page.locator("main button[type=submit].button").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.locator(".error-summary")).to_have_count(0)
        violations, report = axe_violations(page)
        assert violations == [], report


def test_the_clerks_findings_ocr_button_and_description_form_pass_axe(app, db, flagged, live_server, create_user):
    from app.auth.models import Role
    from tests.accessibility_helpers import PNG
    from tests.conftest import PASSWORD

    chromium_or_skip()
    item = next(i for i in flagged.items if i.title == "Resolution on the 287(g) agreement")
    attach(item, make_pdf(pages=("image",)), "scan.pdf")
    attach(item, PNG, "map.png")
    db.session.commit()
    clerk = create_user(Role.clerk)
    with chromium_page() as page:
        sign_in(page, live_server, clerk.email, PASSWORD)
        page.goto(f"{live_server}/staff/items/{item.id}")
        expect(page.get_by_text("Not fully accessible:").first).to_be_visible()
        expect(page.get_by_label("Description of the picture map.png")).to_be_visible()
        violations, report = axe_violations(page)
        assert violations == [], report
        page.get_by_label("Description of the picture map.png").fill("A map of the harbor channel.")
        page.get_by_role("button", name="Save description").click()
        expect(page.get_by_text("Description saved.")).to_be_visible()
        violations, report = axe_violations(page)
        assert violations == [], report
