"""Real Chromium: a department submits an ordinance, three approvers approve it, the clerk places it on a meeting;
axe finds nothing on the intake pages."""

import os

import pytest
from playwright.sync_api import expect

from app.auth.models import Role
from app.extensions import db
from tests.browser import chromium_or_skip, chromium_page
from tests.conftest import PASSWORD
from tests.intake_helpers import PDF, regular_meeting, three_step_route
from tests.test_browser import assert_accessible

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("DAIS_TEST_DB") == "postgres", reason="checked once, in the SQLite run"),
]


@pytest.fixture
def site(app, db, live_server):
    chromium_or_skip()
    return live_server


def sign_in(page, site, email):
    page.context.clear_cookies()
    page.goto(site + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_ordinance_through_three_steps_onto_an_agenda(site, create_user, create_meeting):
    head, legal, manager = three_step_route(create_user)
    staff = create_user(Role.department, display_name="Engineer")
    staff.department = "Public Works"
    clerk = create_user(Role.clerk, display_name="The Clerk")
    db.session.commit()
    meeting = regular_meeting(create_meeting)
    with chromium_page() as page:
        sign_in(page, site, staff.email)
        expect(page).to_have_url(f"{site}/intake/")
        page.get_by_role("link", name="New submission").click()
        assert_accessible(page)
        page.get_by_label("Kind of item").select_option("ordinance")
        page.get_by_label("Title").fill("Ordinance on sidewalk cafes")
        page.get_by_label("Summary").fill("Allows cafes on sidewalks.")
        page.get_by_label("Recommended action").fill("Approve on first reading")
        page.get_by_label("Requested meeting").select_option(str(meeting.id))
        page.get_by_label("Attach a PDF (optional)").set_input_files(
            {"name": "map.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        page.get_by_role("button", name="Submit for approval").click()
        expect(page.locator("main")).to_contain_text("Submitted for approval.")
        expect(page.locator("main")).to_contain_text("Department head")
        assert_accessible(page)

        for approver in (head, legal, manager):
            sign_in(page, site, approver.email)
            page.goto(site + "/intake/inbox")
            assert_accessible(page)
            page.get_by_role("link", name="Ordinance on sidewalk cafes").click()
            page.get_by_role("button", name="Approve").click()
            expect(page.locator("main")).to_contain_text("Recorded.")

        sign_in(page, site, clerk.email)
        page.goto(site + "/intake/ready")
        assert_accessible(page)
        page.get_by_role("link", name="Ordinance on sidewalk cafes").click()
        assert_accessible(page)
        page.get_by_label("Meeting and section").select_option(index=1)
        page.get_by_role("button", name="Place on the agenda").click()
        expect(page.locator("main")).to_contain_text("Placed on the agenda as item")
        page.goto(f"{site}/staff/meetings/{meeting.id}")
        expect(page.locator("main")).to_contain_text("Ordinance on sidewalk cafes")
        expect(page.locator("main")).to_contain_text("Approve on first reading")
        page.goto(site + "/intake/route")
        assert_accessible(page)
