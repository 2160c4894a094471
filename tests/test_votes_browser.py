"""Real Chromium: the June 30 scenario from an empty meeting to the public resolution page.

The clerk calls the meeting to order, takes attendance, holds public comment, records the motion and its second,
opens the roll call and records votes; a commissioner signed in on another browser records her own vote; the
clerk closes the vote; the public resolution page shows the result. axe-core runs on every page visited."""

import re

import pytest
from playwright.sync_api import expect

from app.auth.models import Role
from app.legislation.services import find_resolution
from app.votes.models import MotionResult
from tests.browser import chromium_or_skip, chromium_page, sign_in
from tests.conftest import PASSWORD
from tests.test_browser import assert_accessible
from tests.votes_helpers import items, make_commission

pytestmark = pytest.mark.browser

ROLL = [
    "Celestine Arbuckle",
    "Ines Baptiste",
    "Everett Lindqvist",
    "Rosalind Okafor",
    "Hollis Prendergast",
    "Tobias Vandermeer",
    "Marisol Quintana",
]


def test_the_june_30_vote_in_the_browser(
    app, db, create_body, create_member, create_user, open_meeting, clock, live_server
):
    chromium_or_skip()
    body, members = make_commission(create_body, create_member)
    by_name = {m.full_name: m for m in members}
    meeting = open_meeting(body)
    item = items(meeting)[1]
    clerk = create_user(Role.clerk)
    okafor = create_user(Role.commissioner, member=by_name["Rosalind Okafor"])
    clock.now = meeting.start_at
    base = live_server
    with chromium_page() as page:
        sign_in(page, base, clerk.email, PASSWORD)
        page.goto(f"{base}/staff/meetings/{meeting.id}")
        page.get_by_role("button", name="Call to order").click()
        page.get_by_role("link", name="Attendance and quorum").click()
        assert_accessible(page)
        for name in ROLL:
            page.get_by_label(name).select_option("present_in_person")
        page.get_by_role("button", name="Record the roll call").click()
        expect(page.locator("[role=status]").first).to_contain_text("Quorum present")

        # R5: the vote waits for public comment; the clerk opens and closes the period on the queue page.
        page.goto(f"{base}/staff/items/{item.id}/motions")
        expect(page.locator("main")).to_contain_text("Public comment has not been held yet")
        assert_accessible(page)
        page.goto(f"{base}/staff/items/{item.id}/queue")
        page.get_by_role("button", name="Open public comment").click()
        page.get_by_role("button", name="Close public comment").click()

        page.goto(f"{base}/staff/items/{item.id}/motions")
        page.get_by_label("Kind of motion").select_option("main")
        page.get_by_label("The motion, as stated").fill(
            "Move to adopt the resolution declaring the 287(g) agreement void and unenforceable."
        )
        page.get_by_label("Moved by").select_option(label="Hollis Prendergast")
        page.get_by_role("button", name="Record the motion").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Main motion"))
        assert_accessible(page)
        page.get_by_label("Seconded by").select_option(label="Everett Lindqvist")
        page.get_by_role("button", name="Record the second").click()
        page.get_by_role("button", name="Open the roll call").click()
        assert_accessible(page)
        motion_url = page.url
        # The names are listed in the order to call them: alphabetical, the chair last.
        expect(page.locator("#roll tbody th")).to_have_text(ROLL)
        for name in [
            "Celestine Arbuckle",
            "Ines Baptiste",
            "Everett Lindqvist",
            "Hollis Prendergast",
            "Marisol Quintana",
        ]:
            page.get_by_role("button", name=f"Yes {name}", exact=True).click()
        page.get_by_role("button", name="No Tobias Vandermeer", exact=True).click()

        # Commissioner Okafor, signed in on her own device, records her own vote.
        other = page.context.browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        mine = other.new_page()
        sign_in(mine, base, okafor.email, PASSWORD)
        mine.goto(motion_url)
        assert_accessible(mine)
        mine.get_by_role("button", name="Yes", exact=True).click()
        expect(mine.locator(".flashes")).to_contain_text("Your vote is recorded: Yes.")
        other.close()

        page.reload()
        page.get_by_role("button", name="Close the vote").click()
        result = "Majority of members present (4 of 7 needed): 6 yes, 1 no. Passed."
        expect(page.locator("main")).to_contain_text(result)
        assert_accessible(page)

        resolution = find_resolution(item)
        public = page.context.browser.new_context(locale="en-US").new_page()
        public.goto(f"{base}/meetings/{meeting.id}")
        public.get_by_role("link", name=f"Resolution {resolution.number}").click()
        expect(public.locator("main")).to_contain_text(result)
        expect(public.locator("main")).to_contain_text("Moved by Hollis Prendergast, seconded by Everett Lindqvist")
        expect(public.locator("#roll tbody th")).to_have_text(ROLL)
        assert_accessible(public)
    db.session.expire_all()
    assert resolution.motion.result == MotionResult.passed
    assert {v.member.full_name: v.recorded_by_id for v in resolution.motion.votes}["Rosalind Okafor"] == okafor.id
