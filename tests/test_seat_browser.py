"""Real Chromium: a commissioner's seat on a phone. The clerk opens a roll call (through the services, committed,
then published as a request would); the vote buttons appear on the commissioner's phone without a reload, the page
title says so and the focus moves to the vote; she votes Yes and sees it. axe-core in English and Spanish; no
sideways scroll at 320 px; the buttons are at least 44 px. A member typing keeps the focus when a vote opens."""

import re

import pytest
from playwright.sync_api import expect

from app.auth.models import Role
from app.core import live
from app.meetings import floor
from app.votes import motions as motion_service
from app.votes import roll_call as roll_call_service
from app.votes.models import MotionKind, VoteChoice
from tests import votes_helpers as vh
from tests.browser import chromium_or_skip, chromium_page, sign_in
from tests.conftest import PASSWORD
from tests.test_browser import assert_accessible

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def seated(db, clock, open_meeting, commission):
    body, members = commission
    meeting = open_meeting(body)
    vh.start(meeting, clock, db)
    vh.roll_call(meeting, members)
    resolution = vh.items(meeting)[1]
    vh.hold_comment(resolution)
    floor.take_up(resolution, actor=None)
    motion = motion_service.make_motion(
        meeting,
        kind=MotionKind.main,
        text="Move to adopt the resolution declaring the 287(g) agreement void",
        item=resolution,
        mover_id=members[5].id,
        seconder_id=members[1].id,
        actor=None,
    )
    db.session.commit()
    live.publish(meeting.id)  # changed outside a request: publish as the request's after_request hook would
    return meeting, {m.full_name.split()[0]: m for m in members}, resolution, motion


def _open_the_vote(db, meeting, motion):
    """What the clerk's "Open the vote" does, committed for real, then pushed to every screen."""
    roll_call_service.open_vote(motion, actor=None)
    db.session.commit()
    live.publish(meeting.id)


def _phone(page):
    context = page.context.browser.new_context(viewport=PHONE, locale="en-US", has_touch=True, is_mobile=True)
    return context.new_page()


def test_the_vote_appears_on_the_phone_and_the_commissioner_votes_yes(app, db, seated, create_user, live_server):
    chromium_or_skip()
    meeting, members, resolution, motion = seated
    okafor = create_user(Role.commissioner, member=members["Rosalind"])
    base = live_server
    with chromium_page() as desk:
        phone = _phone(desk)
        sign_in(phone, base, okafor.email, PASSWORD)
        phone.get_by_role("link", name=re.compile("Your seat")).first.click()
        phone.wait_for_url(f"**/staff/meetings/{meeting.id}/seat")
        expect(phone.locator("#seat-main")).to_contain_text(resolution.title)
        expect(phone.locator("#seat-main")).to_contain_text(motion.text)
        expect(phone.get_by_role("button", name="Yes", exact=True)).to_have_count(0)
        assert_accessible(phone)
        phone.evaluate("window.__sameDocument = true")
        expect(phone.locator("[data-live-events]")).to_be_attached()

        _open_the_vote(db, meeting, motion)

        yes = phone.get_by_role("button", name="Yes", exact=True)
        expect(yes).to_be_visible()
        assert phone.evaluate("window.__sameDocument === true")  # no reload
        expect(phone).to_have_title(re.compile(r"^Vote open – Move to adopt"))
        expect(phone.locator("#seat-vote-title")).to_be_focused()
        for name in ("Yes", "No", "Abstain"):
            box = phone.get_by_role("button", name=name, exact=True).bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44, (name, box)
        assert_accessible(phone)

        # Abstaining without a conflict disclosed before the vote: refused, said plainly, the disclosure offered.
        phone.get_by_role("button", name="Abstain", exact=True).click()
        expect(phone.get_by_role("alert")).to_contain_text("may abstain only for a conflict of interest disclosed")
        expect(phone.get_by_label("Member", exact=True)).to_have_value(str(members["Rosalind"].id))
        assert_accessible(phone)

        phone.get_by_role("button", name="Yes", exact=True).click()
        expect(phone.locator(".seat-voted")).to_have_text("You voted Yes")
        expect(phone.locator(".running-tally")).to_contain_text("1 yes, 0 no; 6 still to vote")
        expect(phone.locator(".running-tally")).not_to_contain_text("Failed")
        assert_accessible(phone)

        # The others vote through the clerk: the tally follows on the phone without a reload.
        phone.evaluate("window.__sameDocument = true")
        roll_call_service.record_vote(motion, members["Tobias"].id, VoteChoice.no, actor=None)
        db.session.commit()
        live.publish(meeting.id)
        expect(phone.locator(".running-tally")).to_contain_text("1 yes, 1 no; 5 still to vote")
        assert phone.evaluate("window.__sameDocument === true")

        with phone.expect_navigation():
            phone.locator('a[hreflang="es"]').click()
        expect(phone.locator("html")).to_have_attribute("lang", "es")
        expect(phone.locator(".seat-voted")).to_be_visible()
        assert_accessible(phone)

        phone.set_viewport_size({"width": 320, "height": 640})
        for language in ("es", "en"):
            if language == "en":
                with phone.expect_navigation():
                    phone.locator('a[hreflang="en"]').click()
            overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (language, overflow)
    db.session.expire_all()
    vote = next(v for v in motion.votes if v.member_id == members["Rosalind"].id)
    assert vote.choice == VoteChoice.yes and vote.recorded_by_id == okafor.id


def test_a_vote_opening_while_the_member_types_does_not_take_the_focus(app, db, seated, create_user, live_server):
    chromium_or_skip()
    meeting, members, _resolution, motion = seated
    user = create_user(Role.commissioner, member=members["Celestine"])
    with chromium_page() as desk:
        phone = _phone(desk)
        sign_in(phone, live_server, user.email, PASSWORD)
        phone.goto(f"{live_server}/staff/meetings/{meeting.id}/seat")
        phone.get_by_text("Declare a conflict on this item").click()
        nature = phone.get_by_label("Nature of the interest, as stated on the record")
        nature.fill("My employer")
        expect(nature).to_be_focused()

        _open_the_vote(db, meeting, motion)

        expect(phone).to_have_title(re.compile(r"^Vote open – "))
        expect(phone.locator("[data-seat-status]")).to_contain_text("A vote is open")
        expect(nature).to_be_focused()
        expect(nature).to_have_value("My employer")
        # Once the member leaves the field, the vote is there; the focus is theirs.
        phone.keyboard.press("Tab")
        expect(phone.get_by_role("button", name="Yes", exact=True)).to_be_visible()
        expect(phone.locator("#seat-vote-title")).not_to_be_focused()
        expect(nature).to_have_value("My employer")  # what was typed survives the refresh
