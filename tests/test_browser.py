"""Real Chromium: the clerk's first journey, and axe-core on the pages it crosses."""

import pytest
from playwright.sync_api import expect

from app.demo import DEMO_PASSWORD, seed_demo
from tests.browser import axe_violations, chromium_or_skip, chromium_page, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app, db, live_server):
    chromium_or_skip()
    seed_demo()
    db.session.commit()
    return live_server


def assert_accessible(page):
    violations, report = axe_violations(page)
    assert violations == [], report


def test_clerk_signs_in_and_sees_dashboard_with_no_axe_violations(site):
    with chromium_page() as page:
        page.goto(site + "/")
        expect(page.locator("h1")).to_have_text("City of Key West public meetings")
        assert_accessible(page)

        page.get_by_role("link", name="Staff sign-in").click()
        page.wait_for_url("**/login")
        assert_accessible(page)

        # A failed attempt keeps the email and reads out the error.
        page.get_by_label("Email").fill("clerk@keywest.example")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert").first).to_contain_text("not correct")
        expect(page.get_by_label("Email")).to_have_value("clerk@keywest.example")
        assert_accessible(page)

        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_label("Password").press("Enter")
        page.wait_for_url("**/dashboard/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
        expect(page.locator("main")).to_contain_text("Demo City Clerk")
        expect(page.locator("main")).to_contain_text("Marisol Quintana-Reyes")
        assert_accessible(page)


def test_skip_link_is_first_and_moves_focus_to_main(site):
    with chromium_page() as page:
        page.goto(site + "/")
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#main")).to_be_focused()


def test_layout_holds_at_320_px(site):
    with chromium_page() as page:
        page.set_viewport_size({"width": 320, "height": 640})
        page.goto(site + "/")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        assert_accessible(page)


def test_admin_pages_have_no_axe_violations(site):
    with chromium_page() as page:
        sign_in(page, site, "admin@keywest.example", DEMO_PASSWORD)
        page.get_by_role("link", name="Users").click()
        assert_accessible(page)
        page.get_by_role("link", name="Invite a user").click()
        page.get_by_label("Email").fill("new@keywest.example")
        page.get_by_role("button", name="Send the invitation").click()
        # The rejected form says what to fix, next to the field, and keeps what was typed.
        expect(page.locator(".error-summary")).to_contain_text("Enter a name.")
        expect(page.get_by_label("Email")).to_have_value("new@keywest.example")
        assert_accessible(page)
        page.get_by_label("Display name").fill("New Person")
        page.get_by_role("button", name="Send the invitation").click()
        # Back on the users page, with the invitation in the list of open invitations.
        expect(page.get_by_role("region", name="Open invitations")).to_contain_text("new@keywest.example")
        assert_accessible(page)
        page.get_by_role("link", name="Audit log").click()
        assert_accessible(page)
