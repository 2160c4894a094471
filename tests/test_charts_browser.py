"""Real Chromium: every page with a picture of the record (issue 19) passes axe-core, in English and in Spanish, and
each picture fits a 320-pixel-wide screen with its words readable."""

import os
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.bodies import services as body_services
from app.bodies.models import Body, Member, SeatSelection
from app.legislation.models import Agreement, Resolution
from app.topics import services as topic_services
from tests.browser import chromium_page
from tests.test_browser import assert_accessible, site  # noqa: F401  (the demo city behind a live server)

pytestmark = [
    pytest.mark.browser,
    # Layout and axe do not depend on the database: checked once, in the SQLite run (CI's 30 minutes on 2 cores).
    pytest.mark.skipif(os.environ.get("DAIS_TEST_DB") == "postgres", reason="layout is checked in the SQLite run"),
]


def _pages(db) -> dict[str, str]:
    """The demo with a vacant seat on the commission and the June 30 item tagged, so every kind of picture shows."""
    resolution = db.session.scalar(select(Resolution).where(Resolution.number == "25-187"))
    item = resolution.item
    commission = db.session.get(Body, item.meeting.body_id)
    body_services.add_seat(
        commission, label="District 9", selection=SeatSelection.elected, established_on=date(2020, 1, 1), actor=None
    )
    topic_services.set_topics(item, [topic_services.create_topic("Harbor patrol", actor=None)], actor=None)
    db.session.commit()
    tobias = db.session.scalar(select(Member).where(Member.full_name.like("Tobias %")))
    return {
        "resolution": f"/resolutions/{resolution.id}",
        "item": f"/meetings/{item.meeting_id}/items/{item.id}",
        "meeting": f"/meetings/{item.meeting_id}",
        "agreement": f"/agreements/{db.session.scalar(select(Agreement.id))}",
        "member": f"/members/{tobias.id}",
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_pages_with_pictures_pass_axe_and_fit_a_small_screen(site, db, language):  # noqa: F811
    pages = _pages(db)
    shots = os.environ.get("CHART_SCREENSHOTS")  # a folder to keep screenshots in, to look at them
    with chromium_page() as page:
        page.goto(site + f"/language/{language}")
        for name, path in pages.items():
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(site + path)
            expect(page.locator("html")).to_have_attribute("lang", language)
            pictures = page.locator('svg[role="img"]')
            expect(pictures.first).to_be_visible()
            assert_accessible(page)
            # Every picture is named by its own title, and scales down to a 320-pixel screen.
            page.set_viewport_size({"width": 320, "height": 640})
            for n in range(pictures.count()):
                svg = pictures.nth(n)
                labelled = svg.get_attribute("aria-labelledby")
                assert page.locator(f"#{labelled}").text_content().strip(), (name, n)
                svg.scroll_into_view_if_needed()
                box = svg.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320, (name, n, box)
                if shots:
                    svg.screenshot(path=os.path.join(shots, f"{language}-{name}-{n}.png"))
            if name == "meeting":
                expect(page.locator('[data-choice="vacant"]').first).to_be_attached()
