"""Real Chromium, issue 17: the June 30 meeting run from the clerk's cockpit, with three more screens open at once
and never reloaded: Commissioner Okafor's seat page on her phone, the third resident's private page on hers, and
a viewer's public live page (and a resident who arrives later on the meeting page finds "Follow the meeting live"
at the top of a phone's screen).

The clerk drives everything from the cockpit's primary button, its forms and its keyboard shortcuts. The
resident's place moves live (3, 2, then "You are next"); the vote prompt appears on the commissioner's phone
without reload and she votes from it; the public page follows the item, the speaker and the clock, then the roll
call, pending (never "failed") while open, and the final 6-1 that the record keeps. axe runs on every new page in
English and Spanish."""

import pytest
from playwright.sync_api import expect

from app.auth.models import Role
from app.public_comment import registration as speaker_registration
from app.public_comment.intake import DISCLAIMER_VERSION
from tests.browser import chromium_or_skip, chromium_page, sign_in
from tests.conftest import PASSWORD
from tests.test_browser import assert_accessible
from tests.votes_helpers import items, make_commission

pytestmark = pytest.mark.browser

RESIDENTS = [("Ana Ruiz", "oppose"), ("Ben Cole", "oppose"), ("Cleo Park", "support")]


def press(page, key):
    """A shortcut, once the page's scripts are in (each action reloads the cockpit)."""
    page.wait_for_load_state("load")
    page.keyboard.press(key)


def _seed(db, create_body, create_member, create_user, open_meeting, clock):
    body, members = make_commission(create_body, create_member)
    meeting = open_meeting(body)
    item = items(meeting)[1]
    links = []
    for name, stance in RESIDENTS:
        registration = speaker_registration.register_speaker(
            item, name=name, stance=stance, participation="in_person", disclaimer_version=DISCLAIMER_VERSION
        )
        links.append(f"/speak/{registration.request.id}-{registration.token}")
    db.session.commit()
    clerk = create_user(Role.clerk)
    clock.now = meeting.start_at
    return meeting, item, {m.full_name: m for m in members}, clerk, links


def test_june_30_from_the_cockpit_with_the_public_following_live(
    app, db, create_body, create_member, create_user, open_meeting, clock, live_server
):
    chromium_or_skip()
    meeting, item, members, clerk, links = _seed(db, create_body, create_member, create_user, open_meeting, clock)
    okafor = create_user(Role.commissioner, member=members["Rosalind Okafor"])
    base = live_server
    with chromium_page() as page:
        browser = page.context.browser
        phone = {"viewport": {"width": 390, "height": 844}, "locale": "en-US", "has_touch": True}
        seat = browser.new_context(**phone).new_page()
        sign_in(seat, base, okafor.email, PASSWORD)
        seat.goto(f"{base}/staff/meetings/{meeting.id}/seat")
        resident = browser.new_context(**phone).new_page()
        resident.goto(base + links[2])  # Cleo Park, third in line
        place = resident.locator(".queue-place")
        expect(place.locator(".big-number")).to_have_text("3")
        assert_accessible(resident)
        viewer = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US").new_page()
        viewer.goto(f"{base}/meetings/{meeting.id}/live")
        live = viewer.locator("[data-live-view]")
        expect(live).to_contain_text("No item is before the body.")
        assert_accessible(viewer)

        sign_in(page, base, clerk.email, PASSWORD)
        page.goto(f"{base}/staff/meetings/{meeting.id}/live")
        assert_accessible(page)
        primary = page.locator("[data-shortcut='n']")
        expect(primary).to_have_text("Call to order")
        primary.click()
        expect(primary).to_have_text("All present")
        primary.click()
        expect(page.locator("main")).to_contain_text("Quorum: 7 of 4 needed present in person.")
        page.get_by_role("button", name=f"Take up {item.label} {item.title}").click()
        expect(viewer.locator("[data-live-field='item']")).to_have_text(f"{item.label} {item.title}")

        # A resident arriving on the meeting page from a link in the news, on a phone, sees "Follow the meeting
        # live" as the page's first action without scrolling (issue 19), and it takes them to the live page.
        arriving = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US").new_page()
        arriving.goto(f"{base}/meetings/{meeting.id}")
        follow = arriving.locator("[data-primary-action]").first
        expect(follow).to_have_text("Follow the meeting live")
        expect(follow).to_be_in_viewport(ratio=1)
        assert follow.bounding_box()["height"] >= 44
        follow.click()
        expect(arriving.locator("[data-live-field='item']")).to_have_text(f"{item.label} {item.title}")
        arriving.context.close()

        # Public comment: call, time and finish each resident with the keyboard shortcuts.
        for number, (name, _stance) in enumerate(RESIDENTS):
            expect(primary).to_have_text("Call the next speaker")
            press(page, "n")
            expect(viewer.locator("[data-live-field='speaker']")).to_have_text(name)
            if number == 0:
                expect(place.locator(".big-number")).to_have_text("2")  # moved up without reload
            elif number == 1:
                expect(resident.get_by_role("alert")).to_have_text("You are next. Please come to the podium.")
            else:
                expect(place).to_contain_text("It is your turn: you have been called to speak.")
            expect(primary).to_have_text("Start the timer")
            press(page, "t")
            expect(primary).to_have_text("Done speaking")
            expect(viewer.locator("[data-live-clock]")).not_to_have_text("3:00")  # counting down, no reload
            press(page, "d")
            expect(page.locator(".flashes")).to_contain_text("Marked as spoke.")
        expect(primary).to_have_text("Close public comment")
        primary.click()
        expect(viewer.locator("[data-live-field='speaker']")).to_have_text("No one is speaking")

        # The motion, from the cockpit's own form, then the roll call.
        expect(primary).to_have_text("Take the motion")
        page.get_by_label("Moved by").select_option(label="Hollis Prendergast")
        page.get_by_label("Seconded by").select_option(label="Everett Lindqvist")
        page.get_by_role("button", name="Record the motion").click()
        expect(primary).to_have_text("Open the vote")
        primary.click()
        expect(viewer.locator("[data-live-field='vote_heading']")).to_have_text("Vote open")
        # The prompt reaches the commissioner's phone without reload; she votes from her seat.
        yes = seat.get_by_role("button", name="Yes", exact=True)
        expect(yes).to_be_visible()
        expect(seat.locator("#seat-vote-title")).to_be_focused()
        assert_accessible(seat)
        yes.click()
        expect(seat.locator(".seat-voted")).to_have_text("You voted Yes")
        expect(viewer.locator("[data-live-field='vote_counts']")).to_contain_text("6 still to vote")
        votes = [("Celestine Arbuckle", "Yes"), ("Ines Baptiste", "Yes"), ("Tobias Vandermeer", "No")]
        votes += [(n, "Yes") for n in ("Everett Lindqvist", "Hollis Prendergast", "Marisol Quintana")]
        for count, (name, choice) in enumerate(votes, start=2):
            page.get_by_role("button", name=f"{choice} {name}", exact=True).click()
            state = viewer.locator("[data-live-field='vote_state']")
            expect(viewer.locator("[data-live-field='vote_counts']")).to_contain_text(f"{7 - count} still to vote")
            expect(state).not_to_contain_text("Failed")
        expect(viewer.locator("[data-live-field='vote_state']")).to_have_text("Will pass when closed.")
        expect(primary).to_have_text("Close the vote")
        primary.click()
        expect(viewer.locator("[data-live-field='vote_heading']")).to_have_text("Passed")
        expect(viewer.locator("[data-live-field='vote_counts']")).to_have_text("6 yes, 1 no, 0 abstaining")
        expect(viewer.locator("[data-live-list='roll'] tr")).to_have_count(7)
        expect(seat.locator("#seat-main")).to_contain_text("Passed")
        assert_accessible(viewer)
        assert_accessible(page)
        assert_accessible(seat)

        # In Spanish, the same pages pass axe too.
        page.goto(f"{base}/language/es?next=/staff/meetings/{meeting.id}/live")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        assert_accessible(page)
        viewer.goto(f"{base}/language/es?next=/meetings/{meeting.id}/live")
        expect(viewer.locator("[data-live-field='vote_heading']")).to_have_text("Aprobada")
        assert_accessible(viewer)
        seat.goto(f"{base}/language/es?next=/staff/meetings/{meeting.id}/seat")
        assert_accessible(seat)
    db.session.expire_all()
    from app.legislation.services import find_resolution

    resolution = find_resolution(item)
    assert resolution.motion.passed
    tally = {v.member.full_name: v.final_choice.value for v in resolution.motion.votes}
    assert sorted(tally.values()) == ["no"] + ["yes"] * 6 and tally["Tobias Vandermeer"] == "no"
    assert {v.member.full_name: v.recorded_by_id for v in resolution.motion.votes}["Rosalind Okafor"] == okafor.id
