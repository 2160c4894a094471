"""Real Chromium: a resident registers to speak with the keyboard only, opens the private link and withdraws
after confirming; the clerk calls three speakers and runs the timer while the chamber display follows. axe-core
runs on the form, the confirmations, the private link and the chamber display."""

import re

import pytest
from playwright.sync_api import expect

from app.auth.models import Role
from app.meetings import lifecycle
from app.public_comment import intake as comment_intake
from app.public_comment import registration as speaker_registration
from app.public_comment.models import SpeakerRequest, SpeakerRequestStatus
from tests.browser import chromium_or_skip, chromium_page, sign_in
from tests.conftest import PASSWORD
from tests.test_browser import assert_accessible

pytestmark = pytest.mark.browser


def _item(meeting):
    return next(i for i in meeting.items if i.title == "Resolution on the 287(g) agreement")


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has focus (the keyboard user's way there)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => document.activeElement && document.activeElement.matches(sel)", selector):
            return
    raise AssertionError(f"{selector} never received focus by Tab")


def test_resident_registers_with_the_keyboard_then_withdraws(app, open_meeting, db, live_server):
    chromium_or_skip()
    meeting = open_meeting()
    item = _item(meeting)
    base = live_server
    with chromium_page() as page:
        page.goto(f"{base}/meetings/{meeting.id}")
        tab_to(page, "a[href$='/speak']")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Register to speak")
        assert_accessible(page)

        tab_to(page, "#agenda_item_id")
        page.keyboard.press("End")  # the last item taking comment: the resolution
        expect(page.locator("#agenda_item_id")).to_have_value(str(item.id))
        tab_to(page, "#name")
        page.keyboard.type("Keyboard Kim")
        tab_to(page, "#stance-0")  # Support; arrow keys move within the radio group
        page.keyboard.press("ArrowDown")
        expect(page.locator("#stance-1")).to_be_checked()  # Oppose
        tab_to(page, "#email")
        page.keyboard.type("kim@example.org")
        tab_to(page, "#interpreter_language")
        page.keyboard.type("Spanish")
        tab_to(page, "button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")

        expect(page.get_by_role("heading", level=1)).to_have_text("You are registered to speak")
        expect(page.locator(".queue-place .big-number")).to_have_text("1")
        assert_accessible(page)
        link = page.url.split("?")[0]
        assert re.search(r"/speak/\d+-[\w-]{20,}$", link)

        page.goto(link)  # the private link, opened later
        expect(page.get_by_role("heading", level=1)).to_have_text("Your request to speak")
        expect(page.locator("main")).to_contain_text("Spanish")
        assert_accessible(page)
        tab_to(page, "a.button-danger")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        # Withdrawing asks once, naming the meeting and the item (tests/test_queue_residents.py).
        expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw your request to speak?")
        expect(page.locator("main")).to_contain_text(item.title)
        assert_accessible(page)
        tab_to(page, "button.button-danger")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator(".flashes")).to_contain_text("Your request to speak is withdrawn")
        expect(page.locator("dd strong").first).to_have_text("Withdrawn")
        assert_accessible(page)
    db.session.expire_all()
    speaker = db.session.query(SpeakerRequest).one()
    assert (speaker.name, speaker.stance.value, speaker.status) == (
        "Keyboard Kim",
        "oppose",
        SpeakerRequestStatus.withdrawn,
    )


def test_clerk_calls_three_speakers_and_runs_the_timer(app, open_meeting, create_user, clock, db, live_server):
    chromium_or_skip()
    meeting = open_meeting()
    item = _item(meeting)
    for name in ("Ada First", "Ben Second", "Cy Third"):
        speaker_registration.register_speaker(
            item,
            name=name,
            stance="support",
            participation="in_person",
            disclaimer_version=comment_intake.DISCLAIMER_VERSION,
        )
    clock.now = meeting.start_at
    lifecycle.start_meeting(meeting, actor=None)
    create_user(Role.clerk, email="clerk@city.example")
    db.session.commit()
    base = live_server
    with chromium_page() as page:
        # Both pages run on Playwright's clock, which the test moves on: the display polls the moment the test
        # asks (not every two seconds), and the clerk's countdown moves without waiting a real second.
        display = page.context.new_page()
        display.clock.install()
        page.clock.install()
        display.goto(f"{base}/meetings/{meeting.id}/display")
        expect(display.locator(".display-name")).to_have_text("No one is speaking")
        assert_accessible(display)

        sign_in(page, base, "clerk@city.example", PASSWORD)
        page.goto(f"{base}/staff/items/{item.id}/queue")
        assert_accessible(page)
        for name in ("Ada First", "Ben Second", "Cy Third"):
            page.get_by_role("button", name=f"Call next speaker: {name}").click()
            expect(page.locator(".current-name")).to_have_text(re.compile("^" + re.escape(name)))
            page.get_by_role("button", name="Start timer").click()
            clock.advance(seconds=50)
            page.get_by_role("button", name="Pause timer").click()
            expect(page.locator(".timer-clock")).to_have_text("2:10")
            # The chamber display follows at its next poll: name and the paused clock.
            display.clock.fast_forward(2_000)
            expect(display.locator(".display-name")).to_have_text(name)
            expect(display.locator(".display-clock")).to_have_text("2:10")
            if name == "Ben Second":
                page.get_by_label("Seconds to add").fill("30")
                page.get_by_label("Reason (kept on the record)").fill("Interrupted by applause")
                page.get_by_role("button", name="Add time").click()
                expect(page.locator(".timer-clock")).to_have_text("2:40")
                expect(page.locator("#current")).to_contain_text("Interrupted by applause")
            page.get_by_role("button", name="Resume timer").click()
            expect(page.locator(".timer-clock")).to_have_attribute("data-running", "true")
            # While running, the clerk's clock counts down in the browser: it soon shows another time.
            resumed_at = page.locator(".timer-clock").text_content()
            page.clock.fast_forward(1_000)
            expect(page.locator(".timer-clock")).not_to_have_text(resumed_at, timeout=5_000)
            clock.advance(seconds=20)
            page.get_by_role("button", name="Done: mark as spoke").click()
            expect(page.locator(".flashes")).to_contain_text(f"{name} marked as spoke.")
        assert_accessible(page)
        expect(page.locator("#current")).to_contain_text("No one is at the podium.")
        display.clock.fast_forward(2_000)
        expect(display.locator(".display-name")).to_have_text("No one is speaking")
        assert_accessible(display)
    db.session.expire_all()
    spoken = {r.name: r.elapsed_seconds for r in db.session.query(SpeakerRequest)}
    assert spoken == {"Ada First": 70, "Ben Second": 70, "Cy Third": 70}
