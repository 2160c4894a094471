"""Real Chromium: an administrator requires a second factor of clerks; a clerk enrols from the QR page, signs in with
a code, and manages their devices; a stale save shows the conflict page. axe on each page, English and Spanish."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from app.demo import DEMO_PASSWORD, seed_demo
from tests.browser import axe_violations, chromium_or_skip, chromium_page, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app, db, live_server, real_time):
    chromium_or_skip()
    seed_demo()
    db.session.commit()
    return live_server


def assert_accessible(page, site, where):
    """axe on ``where`` in Spanish, then in English (the page is left in English)."""
    for language in ("es", "en"):
        page.goto(f"{site}/language/{language}?next={where}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        violations, report = axe_violations(page)
        assert violations == [], f"{language} {where}: {report}"


def test_second_factor_from_requirement_to_sign_in(site, clock):
    """The server reads the test's clock (set to the real time when the site started): codes follow it."""
    with chromium_page() as admin:
        sign_in(admin, site, "admin@keywest.example", DEMO_PASSWORD)
        admin.goto(site + "/admin/security")
        assert_accessible(admin, site, "/admin/security")
        admin.get_by_label("Clerks and deputy clerks must sign in with a second factor").check()
        admin.get_by_role("button", name="Save").click()
        expect(admin.locator(".flash").first).to_contain_text("Saved")
        admin.goto(site + "/staff/roles")
        expect(admin.get_by_role("table", name="Permissions by role")).to_contain_text("contact details")
        assert_accessible(admin, site, "/staff/roles")

    with chromium_page() as clerk:
        clerk.goto(site + "/login")
        clerk.get_by_label("Email").fill("clerk@keywest.example")
        clerk.get_by_label("Password").fill(DEMO_PASSWORD)
        clerk.get_by_role("button", name="Sign in").click()
        expect(clerk).to_have_url(re.compile(r"/account/two-factor$"))  # must enrol before anything else
        clerk.goto(site + "/staff/meetings")
        expect(clerk).to_have_url(re.compile(r"/account/two-factor$"))
        expect(clerk.locator(".flash").first).to_contain_text("requires a second factor")
        assert_accessible(clerk, site, "/account/two-factor")
        clerk.get_by_role("button", name="Set up two-factor sign-in").click()
        expect(clerk.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
        secret = clerk.locator("#totp-secret").inner_text().replace(" ", "")
        violations, report = axe_violations(clerk)
        assert violations == [], report
        clerk.get_by_label("The 6-digit code your app shows").fill(pyotp.TOTP(secret).at(clock.now))
        clerk.get_by_role("button", name="Turn it on").click()
        expect(clerk.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
        expect(clerk.locator("#recovery-codes li")).to_have_count(10)
        violations, report = axe_violations(clerk)
        assert violations == [], report
        clerk.get_by_role("link", name="I have kept them: continue").click()
        expect(clerk.get_by_role("heading", level=1)).to_have_text("Dashboard")

        clerk.get_by_role("button", name="Sign out").click()
        clerk.goto(site + "/login")
        clerk.get_by_label("Email").fill("clerk@keywest.example")
        clerk.get_by_label("Password").fill(DEMO_PASSWORD)
        clerk.get_by_role("button", name="Sign in").click()
        expect(clerk).to_have_url(re.compile(r"/login/code$"))
        assert_accessible(clerk, site, "/login/code")
        clerk.get_by_label("Code").fill("000000")
        clerk.get_by_role("button", name="Sign in").click()
        expect(clerk.get_by_role("alert").first).to_contain_text("not correct")
        clerk.get_by_label("Code").fill(
            pyotp.TOTP(secret).at(clock.now.timestamp() + 30)
        )  # a step after the enrolment's
        clerk.get_by_role("button", name="Sign in").click()
        expect(clerk.get_by_role("heading", level=1)).to_have_text("Dashboard")

        clerk.goto(site + "/account/sessions")
        expect(clerk.get_by_text("This device")).to_be_visible()
        assert_accessible(clerk, site, "/account/sessions")


def test_a_stale_save_shows_both_versions_and_keeps_the_text(site, db):
    from sqlalchemy import select

    from app.meetings.models import AgendaItem, Meeting, MeetingStatus

    # An item of a meeting still ahead (adjourned meetings' agendas are frozen).
    item_id = db.session.scalar(
        select(AgendaItem.id)
        .join(Meeting)
        .where(Meeting.status.in_([MeetingStatus.draft, MeetingStatus.noticed]), AgendaItem.withdrawn_at.is_(None))
        .order_by(AgendaItem.id.desc())
        .limit(1)
    )
    with chromium_page() as mine, chromium_page() as theirs:
        sign_in(mine, site, "clerk@keywest.example", DEMO_PASSWORD)
        sign_in(theirs, site, "admin@keywest.example", DEMO_PASSWORD)
        for page in (mine, theirs):
            page.goto(f"{site}/staff/items/{item_id}")
        theirs.get_by_label("Title").fill("Their title")
        if theirs.locator("#amendment_reason").count():
            theirs.locator("#amendment_reason").fill("Corrected by the City Attorney")
        theirs.get_by_role("button", name="Save").first.click()
        expect(theirs.locator(".flash").first).to_contain_text("saved")

        mine.get_by_label("Title").fill("My title")
        if mine.locator("#amendment_reason").count():
            mine.locator("#amendment_reason").fill("Typo")
        mine.get_by_role("button", name="Save").first.click()
        conflict = mine.get_by_role("region", name="Someone else saved this while you were editing")
        expect(conflict).to_contain_text("Their title")
        expect(conflict).to_contain_text("My title")
        expect(mine.get_by_label("Title")).to_have_value("My title")
        violations, report = axe_violations(mine)
        assert violations == [], report
