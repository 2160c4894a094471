"""Real Chromium: the clerk's first journey, and axe-core on the pages it crosses."""

import pytest

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
        assert page.locator("h1").inner_text() == "City of Key West public meetings"
        assert_accessible(page)

        page.get_by_role("link", name="Staff sign-in").click()
        page.wait_for_url("**/login")
        assert_accessible(page)

        # A failed attempt keeps the email and reads out the error.
        page.get_by_label("Email").fill("clerk@keywest.example")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        assert "not correct" in page.get_by_role("alert").first.inner_text()
        assert page.get_by_label("Email").input_value() == "clerk@keywest.example"
        assert_accessible(page)

        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_label("Password").press("Enter")
        page.wait_for_url("**/dashboard/")
        assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"
        assert "Demo City Clerk" in page.locator("main").inner_text()
        assert "Marisol Quintana-Reyes" in page.locator("main").inner_text()
        assert_accessible(page)


def test_skip_link_is_first_and_moves_focus_to_main(site):
    with chromium_page() as page:
        page.goto(site + "/")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        assert focused == "Skip to main content"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"


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
        page.get_by_role("link", name="Add a user").click()
        page.get_by_label("Email").fill("new@keywest.example")
        page.get_by_role("button", name="Save").click()
        # The rejected form says what to fix, next to the field, and keeps what was typed.
        assert "Enter a name." in page.locator(".error-summary").inner_text()
        assert page.get_by_label("Email").input_value() == "new@keywest.example"
        assert_accessible(page)
        page.get_by_role("link", name="Audit log").click()
        assert_accessible(page)
