"""Real Chromium: a clerk schedules a special meeting, builds its agenda with the keyboard, attaches a PDF
and publishes; axe-core runs on every page visited."""

import pytest
from playwright.sync_api import expect

from app.auth.models import Role
from tests.browser import chromium_or_skip, chromium_page, sign_in
from tests.conftest import PASSWORD
from tests.meetings_helpers import PDF
from tests.test_browser import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app, db, create_user, create_body, create_member, tmp_path, live_server):
    chromium_or_skip()
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    body = create_body(name="City Commission", seat_count=7)
    create_member(body, full_name="Hollis Prendergast")
    create_user(Role.clerk, email="clerk@city.example")
    return live_server


def test_clerk_builds_and_publishes_a_special_meeting(site, tmp_path):
    pdf = tmp_path / "staff-report.pdf"
    pdf.write_bytes(PDF)
    with chromium_page() as page:
        sign_in(page, site, "clerk@city.example", PASSWORD)

        page.get_by_role("link", name="Manage meetings", exact=True).click()
        assert_accessible(page)
        page.get_by_role("link", name="Schedule a meeting").click()
        assert_accessible(page)
        page.get_by_label("Kind of meeting").select_option("special")
        page.get_by_label("Title").fill("Special meeting on the 287(g) agreement")
        page.get_by_label("Starts").fill("2026-03-12T17:00")
        page.get_by_label("Place").fill("City Hall, 1300 White Street")
        page.get_by_label("Purpose stated in the call").fill("Consider the 287(g) agreement")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url("**/staff/meetings/*")
        assert_accessible(page)

        for title in ["First resolution", "Second resolution", "Third resolution"]:
            page.get_by_role("link", name="Add agenda item").click()
            page.get_by_label("Section").select_option("Resolutions")
            page.get_by_label("Title").fill(title)
            page.get_by_label("Hollis Prendergast").check()
            assert_accessible(page)
            page.get_by_role("button", name="Add item").click()
            page.wait_for_url("**/staff/meetings/*")

        # Reorder with the keyboard only: focus the button, press Enter.
        page.get_by_role("button", name="Move up 5.C Third resolution").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#agenda .agenda-item .item-head")).to_have_text(
            ["5.A First resolution", "5.B Third resolution", "5.C Second resolution"]
        )
        assert_accessible(page)

        page.get_by_role("link", name="Manage 5.B Third resolution").click()
        page.get_by_label("Document: PDF, DOCX, XLSX, PNG or JPEG, up to 20 MB").set_input_files(str(pdf))
        page.get_by_role("button", name="Attach").click()
        expect(page.get_by_role("status").first).to_contain_text("“staff-report.pdf” attached.")
        assert_accessible(page)
        page.get_by_role("link", name="Back to the meeting").click()

        page.get_by_role("button", name="Publish notice").click()
        expect(page.locator(".flashes")).to_contain_text("Notice published.")
        page.get_by_role("button", name="Publish agenda").click()
        expect(page.locator(".flashes")).to_contain_text("Agenda published.")
        assert_accessible(page)

        page.get_by_role("link", name="Public page").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Special meeting on the 287(g) agreement")
        expect(page.get_by_role("link", name="staff-report.pdf")).to_be_visible()
        expect(page.locator("#agenda")).to_contain_text("(PDF, 1 KB)")
        assert_accessible(page)
