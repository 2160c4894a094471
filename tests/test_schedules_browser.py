"""Real Chromium: the clerk gives a body its regular schedule and agenda template, previews the dates and schedules
them; axe finds nothing on the new pages (English and Spanish) and none scrolls sideways at 320 px."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.models import Role
from app.meetings.models import Meeting
from tests.browser import chromium_or_skip, chromium_page, sign_in
from tests.conftest import PASSWORD
from tests.test_browser import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app, db, live_server):
    chromium_or_skip()
    return live_server


def test_clerk_schedules_a_year_of_meetings_from_a_template(site, db, create_user, create_body):
    clerk = create_user(Role.clerk)
    body = create_body(name="Harbor Board")
    db.session.commit()
    visited = []
    with chromium_page() as page:
        sign_in(page, site, clerk.email, PASSWORD)
        page.goto(f"{site}/staff/bodies/{body.id}")
        page.get_by_role("link", name="Agenda template").click()
        page.get_by_label("Section").select_option("Roll Call")
        page.get_by_label("Title").fill("Roll call")
        page.get_by_role("button", name="Add the item").click()
        expect(page.locator("main")).to_contain_text("Standing item added.")
        assert_accessible(page)
        visited.append(page.url)

        page.goto(f"{site}/staff/bodies/{body.id}/schedule")
        page.get_by_label("Starts at (local time)").fill("17:00")
        page.get_by_label("Title of the meetings").fill("Harbor Board meeting")
        page.get_by_label("Place").fill("City Hall, Room 2")
        page.get_by_role("button", name="Add the rule").click()
        expect(page.locator("main")).to_contain_text("The first and third Tuesday of each month")
        assert_accessible(page)
        visited.append(page.url)

        page.get_by_label("The next meetings").check()
        page.get_by_label("How many meetings").fill("4")
        page.get_by_role("button", name="Show the dates").click()
        expect(page.get_by_role("button", name="Schedule 4 meetings")).to_be_visible()
        assert_accessible(page)
        visited.append(page.url)
        page.get_by_role("button", name="Schedule 4 meetings").click()
        expect(page.locator("main")).to_contain_text("4 draft meetings scheduled.")
        expect(page.locator("main")).to_contain_text("Nothing new to schedule")
        visited.append(page.url)

        page.goto(f"{site}/staff/bodies/holidays")
        assert_accessible(page)
        visited.append(page.url)

        page.get_by_role("link", name="Español").click()
        for url in visited:
            page.goto(url)
            expect(page.locator("html")).to_have_attribute("lang", "es")
            assert_accessible(page)

        page.set_viewport_size({"width": 320, "height": 700})
        for url in visited:
            page.goto(url)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, url
    db.session.expire_all()
    meetings = db.session.scalars(select(Meeting).where(Meeting.body_id == body.id)).all()
    assert len(meetings) == 4 and all(m.items[0].title == "Roll call" for m in meetings)
