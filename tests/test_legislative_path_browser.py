"""Real Chromium, issue 20's whole path: a department submits an ordinance; three approvers approve it; the clerk
places it for its first reading and keeps its text; the commission passes it; Dais refuses a second reading too
early (no notice yet, then too soon after the notice), with the reason and the earliest date; the clerk records the
notice and places the second reading at a lawful meeting; an amendment to the text passes (version 2) and the
commission adopts it; the public matter page shows the whole path in order and the amendment as a redline; a
resolution deferred at that meeting appears on the next agenda by itself. axe runs on the pages a clerk uses."""

import os
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.auth.models import Role
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.matters.models import Matter, MatterStatus
from app.matters.readings import say_day
from app.meetings import agenda, lifecycle
from app.meetings.models import AgendaItemType, Meeting
from tests.browser import chromium_or_skip, chromium_page
from tests.intake_helpers import three_step_route
from tests.test_browser import assert_accessible
from tests.test_intake_browser import sign_in
from tests.votes_helpers import NAMES, make_commission

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("DAIS_TEST_DB") == "postgres", reason="checked once, in the SQLite run"),
]

TITLE = "Ordinance on sidewalk cafes"
INTRODUCED = (
    "Section 1. Cafe tables are allowed on sidewalks wider than six feet.\n\nSection 2. Takes effect on adoption."
)
AMENDED = (
    "Section 1. Cafe tables are allowed on sidewalks wider than eight feet.\n\nSection 2. Takes effect on adoption."
)


def _publish(meeting: Meeting) -> None:
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    lifecycle.publish_meeting(meeting, actor=None)
    agenda.publish_agenda(meeting, actor=None)
    db.session.commit()


def _call_to_order(page, site, meeting, clock):
    clock.now = meeting.start_at
    page.goto(f"{site}/staff/meetings/{meeting.id}")
    page.get_by_role("button", name="Call to order").click()
    page.get_by_role("link", name="Attendance and quorum").click()
    for name in NAMES:
        page.get_by_label(name).select_option("present_in_person")
    page.get_by_role("button", name="Record the roll call").click()
    expect(page.locator("[role=status]").first).to_contain_text("Quorum present")


def _hold_comment(page, site, item_id):
    page.goto(f"{site}/staff/items/{item_id}/queue")
    page.get_by_role("button", name="Open public comment").click()
    page.get_by_role("button", name="Close public comment").click()


def _move(page, site, item_id, *, kind="main", text, postpone_to=None, amends=None, matter_text=None) -> str:
    """Record a motion on the item and its second; returns the motion's page."""
    page.goto(f"{site}/staff/items/{item_id}/motions")
    page.get_by_label("Kind of motion").select_option(kind)
    page.get_by_label("The motion, as stated").fill(text)
    page.get_by_label("Moved by").select_option(label="Hollis Prendergast")
    if postpone_to is not None or amends is not None:
        page.get_by_text("Amendments, reconsideration, postponement, referral").click()
    if postpone_to is not None:
        page.get_by_label("Postpone to (date)").fill(postpone_to.isoformat())
    if amends is not None:
        page.get_by_label("Amends (for an amendment or substitute)").select_option(index=1)
        page.get_by_label("The text of the matter as amended (for an amendment)").fill(matter_text)
    page.get_by_role("button", name="Record the motion").click()
    page.get_by_label("Seconded by").select_option(label="Everett Lindqvist")
    page.get_by_role("button", name="Record the second").click()
    return page.url


def _roll_call(page, url):
    """Everyone votes yes; the vote closes and passes."""
    page.goto(url)
    page.get_by_role("button", name="Open the roll call").click()
    for name in NAMES:
        page.get_by_role("button", name=f"Yes {name}", exact=True).click()
    page.get_by_role("button", name="Close the vote").click()
    expect(page.locator("main")).to_contain_text(re.compile(r"7 yes, 0 no\. Passed\."))


def _vote(page, site, item_id, *, text, comment=True, **motion):
    if comment:
        _hold_comment(page, site, item_id)
    _roll_call(page, _move(page, site, item_id, text=text, **motion))


def _place_second_reading(page, site, meeting, file_number):
    page.goto(f"{site}/staff/meetings/{meeting.id}/items/new")
    page.get_by_label("Bring back an existing matter (optional): its file number").fill(file_number)
    page.get_by_label("Section").select_option(index=1)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Type of item").select_option("ordinance")
    page.get_by_label("Reading (ordinances only)").select_option("second")
    page.get_by_role("button", name="Add item").click()


def test_an_ordinance_from_intake_to_adoption_and_a_deferral_carried_forward(
    app, db, live_server, create_body, create_member, create_user, create_meeting, clock
):
    chromium_or_skip()
    site = live_server
    body, _members = make_commission(create_body, create_member)
    head, legal, manager = three_step_route(create_user)
    engineer = create_user(Role.department, display_name="Engineer")
    engineer.department = "Public Works"
    clerk = create_user(Role.clerk, display_name="The Clerk")
    base = utcnow().replace(hour=21, minute=0, second=0, microsecond=0) + timedelta(days=20)

    def meeting(days, title):
        return create_meeting(body, kind="regular", start_at=base + timedelta(days=days), title=title)

    first, early, later, following = (
        meeting(0, "First meeting"), meeting(5, "Early meeting"), meeting(14, "Later meeting"),
        meeting(28, "Following meeting"),
    )  # fmt: skip
    deferred = agenda.add_item(
        later, section=body.agenda_sections[1], title="Resolution naming a street", body_md="",
        item_type=AgendaItemType.resolution, actor=None,
    )  # fmt: skip
    db.session.commit()
    first_day, following_day = to_local(first.start_at).date(), to_local(following.start_at).date()

    with chromium_page() as page:
        # A department submits the ordinance; three approvers approve; the clerk places it for its first reading.
        sign_in(page, site, engineer.email)
        page.goto(site + "/intake/new")
        page.get_by_label("Kind of item").select_option("ordinance")
        page.get_by_label("Title").fill(TITLE)
        page.get_by_label("Summary").fill("Allows cafe tables on sidewalks wider than six feet.")
        page.get_by_label("Recommended action").fill("Pass on first reading")
        page.get_by_label("Requested meeting").select_option(str(first.id))
        page.get_by_role("button", name="Submit for approval").click()
        expect(page.locator("main")).to_contain_text("Submitted for approval.")
        for approver in (head, legal, manager):
            sign_in(page, site, approver.email)
            page.goto(site + "/intake/inbox")
            page.get_by_role("link", name=TITLE).click()
            page.get_by_role("button", name="Approve").click()
            expect(page.locator("main")).to_contain_text("Recorded.")
        sign_in(page, site, clerk.email)
        page.goto(site + "/intake/ready")
        page.get_by_role("link", name=TITLE).click()
        page.get_by_label("Meeting and section").select_option(f"{first.id}:{body.agenda_sections[1]}")
        expect(page.get_by_label("Reading (ordinances only)")).to_have_value("first")
        page.get_by_role("button", name="Place on the agenda").click()
        expect(page.locator("main")).to_contain_text("Placed on the agenda as item")
        matter = db.session.query(Matter).filter_by(title=TITLE).one()
        number = matter.file_number

        # The clerk keeps the ordinance's text as introduced (version 1).
        page.goto(f"{site}/staff/matters/{matter.id}")
        page.get_by_label("The full text of the matter").fill(INTRODUCED)
        page.get_by_role("button", name="Save as a new version").click()
        expect(page.locator("main")).to_contain_text("Version 1")

        # First reading, in session.
        _publish(first)
        _call_to_order(page, site, first, clock)
        item_id = db.session.get(Meeting, first.id).items[-1].id
        _vote(page, site, item_id, text="Move to pass the ordinance on first reading.")
        db.session.expire_all()
        assert db.session.get(Matter, matter.id).status == MatterStatus.first_reading_passed

        # Too early: no notice recorded yet, and one published today would come too late for the early meeting.
        _place_second_reading(page, site, early, number)
        with app.test_request_context("/"):
            soonest = say_day(first_day + timedelta(days=10))
            earliest = say_day(first_day + timedelta(days=11))
        expect(page.locator("main")).to_contain_text("no notice of the ordinance is recorded yet")
        expect(page.locator("main")).to_contain_text(soonest)
        expect(page.get_by_label("Title")).to_have_value(TITLE)
        assert_accessible(page)

        # The clerk records the notice published the day after the first reading.
        page.goto(f"{site}/staff/matters/{matter.id}")
        page.get_by_label("Published on").fill((first_day + timedelta(days=1)).isoformat())
        page.get_by_label("Published in").select_option("newspaper")
        page.get_by_label("Newspaper's name, or the notice's web address").fill("Key West Citizen")
        page.get_by_role("button", name="Record the notice").click()
        expect(page.locator("main")).to_contain_text("Notice recorded on matter")
        expect(page.locator("main")).to_contain_text(earliest)
        assert_accessible(page)

        # Still too early for the early meeting: now with the notice's date and the earliest lawful date.
        _place_second_reading(page, site, early, number)
        expect(page.locator("main")).to_contain_text("Too early for the second reading")
        expect(page.locator("main")).to_contain_text(f"The earliest lawful date is {earliest}")
        _place_second_reading(page, site, later, number)
        expect(page.locator("main")).to_contain_text("added (file number")
        expect(page.locator("main")).not_to_contain_text("Second reading not yet lawful")

        # Second reading and adoption; a resolution at the same meeting is deferred to the following meeting.
        _publish(later)
        _call_to_order(page, site, later, clock)
        second_id = next(i.id for i in db.session.get(Meeting, later.id).items if i.matter_id == matter.id)
        _hold_comment(page, site, second_id)
        main_motion = _move(page, site, second_id, text="Move to adopt the ordinance on second reading.")
        # An amendment to the text passes first: the matter's text becomes version 2, tied to that motion.
        amendment = _move(page, site, second_id, kind="amend", text="Move to amend: six feet becomes eight feet.",
                          amends=True, matter_text=AMENDED)  # fmt: skip
        _roll_call(page, amendment)
        _roll_call(page, main_motion)
        _vote(page, site, deferred.id, kind="postpone", text="Move to postpone", postpone_to=following_day,
              comment=False)  # fmt: skip
        db.session.expire_all()
        assert db.session.get(Matter, matter.id).status == MatterStatus.adopted

        page.goto(f"{site}/staff/meetings/{following.id}")
        expect(page.locator("#agenda")).to_contain_text("Resolution naming a street")
        expect(page.locator("#agenda")).to_contain_text(deferred.file_number)

        # The public matter page: the whole path, in order.
        public = page.context.browser.new_context(locale="en-US").new_page()
        public.goto(f"{site}/matters/{number}")
        main = public.locator("main")
        expect(public.locator(".matter-entry-appearance")).to_have_count(2)
        expect(main).to_contain_text("Passed on first reading")
        expect(main).to_contain_text("Adopted on second reading")
        expect(main).to_contain_text("Key West Citizen")
        expect(main).to_contain_text("Takes effect")
        expect(main).to_contain_text("Submitted by the Public Works department")
        history = main.locator(".matter-history").inner_text()
        steps = ["Submitted by the Public Works department", "Approved for the agenda", "Passed on first reading",
                 "Version 2", "Adopted on second reading"]  # fmt: skip
        assert [history.index(step) for step in steps] == sorted(history.index(step) for step in steps), history
        assert_accessible(public)

        # What the amendment changed, as a redline in words (not colour alone).
        public.get_by_role("link", name=re.compile("compare with the previous version")).first.click()
        expect(public.locator(".redline-text del").first).to_contain_text("[deleted: six")
        expect(public.locator(".redline-text ins").first).to_contain_text("[inserted: eight")
        assert_accessible(public)
        public.context.close()
