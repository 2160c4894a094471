"""Real Chromium: a resident registers to speak with the keyboard only, opens the private link and withdraws;
the clerk calls three speakers and runs the timer while the chamber display follows. axe-core runs on the
form, the confirmation, the private link and the chamber display."""

import re

import pytest

from app.auth.models import Role
from app.meetings import services as meetings
from app.public_comment import services as svc
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
        assert page.get_by_role("heading", level=1).inner_text() == "Register to speak"
        assert_accessible(page)

        tab_to(page, "#agenda_item_id")
        page.keyboard.press("End")  # the last item taking comment: the resolution
        assert page.locator("#agenda_item_id").input_value() == str(item.id)
        tab_to(page, "#name")
        page.keyboard.type("Keyboard Kim")
        tab_to(page, "#stance-0")  # Support; arrow keys move within the radio group
        page.keyboard.press("ArrowDown")
        assert page.locator("#stance-1").is_checked()  # Oppose
        tab_to(page, "#email")
        page.keyboard.type("kim@example.org")
        tab_to(page, "#interpreter_language")
        page.keyboard.type("Spanish")
        tab_to(page, "button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")

        assert page.get_by_role("heading", level=1).inner_text() == "You are registered to speak"
        assert page.locator(".queue-place .big-number").inner_text() == "1"
        assert_accessible(page)
        link = page.url.split("?")[0]
        assert re.search(r"/speak/\d+-[\w-]{20,}$", link)

        page.goto(link)  # the private link, opened later
        assert page.get_by_role("heading", level=1).inner_text() == "Your request to speak"
        assert "Spanish" in page.locator("main").inner_text()
        assert_accessible(page)
        tab_to(page, "button.button-danger")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Your request to speak is withdrawn" in page.locator(".flashes").inner_text()
        assert page.locator("dd strong").first.inner_text() == "Withdrawn"
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
        svc.register_speaker(
            item, name=name, stance="support", participation="in_person", disclaimer_version=svc.DISCLAIMER_VERSION
        )
    clock.now = meeting.start_at
    meetings.start_meeting(meeting, actor=None)
    create_user(Role.clerk, email="clerk@city.example")
    db.session.commit()
    base = live_server
    with chromium_page() as page:
        display = page.context.new_page()
        display.goto(f"{base}/meetings/{meeting.id}/display")
        assert display.locator(".display-name").inner_text() == "No one is speaking"
        assert_accessible(display)

        sign_in(page, base, "clerk@city.example", PASSWORD)
        page.goto(f"{base}/staff/items/{item.id}/queue")
        assert_accessible(page)
        for name in ("Ada First", "Ben Second", "Cy Third"):
            page.get_by_role("button", name=f"Call next speaker: {name}").click()
            assert page.locator(".current-name").inner_text().startswith(name)
            page.get_by_role("button", name="Start timer").click()
            clock.advance(seconds=50)
            page.get_by_role("button", name="Pause timer").click()
            assert page.locator(".timer-clock").inner_text() == "2:10"
            # The chamber display follows within a poll or two: name and the paused clock.
            display.wait_for_function(
                "(n) => document.querySelector('.display-name').textContent === n", arg=name, timeout=10_000
            )
            display.wait_for_function(
                "() => document.querySelector('.display-clock').textContent === '2:10'", timeout=10_000
            )
            if name == "Ben Second":
                page.get_by_label("Seconds to add").fill("30")
                page.get_by_label("Reason (kept on the record)").fill("Interrupted by applause")
                page.get_by_role("button", name="Add time").click()
                assert page.locator(".timer-clock").inner_text() == "2:40"
                assert "Interrupted by applause" in page.locator("#current").inner_text()
            page.get_by_role("button", name="Resume timer").click()
            # While running, the clerk's clock counts down in the browser.
            page.wait_for_function(
                "() => document.querySelector('.timer-clock').textContent !== '"
                + page.locator(".timer-clock").inner_text()
                + "'",
                timeout=5_000,
            )
            clock.advance(seconds=20)
            page.get_by_role("button", name="Done: mark as spoke").click()
            assert f"{name} marked as spoke." in page.locator(".flashes").inner_text()
        assert_accessible(page)
        assert "No one is at the podium." in page.locator("#current").inner_text()
        display.wait_for_function(
            "() => document.querySelector('.display-name').textContent === 'No one is speaking'", timeout=10_000
        )
        assert_accessible(display)
    db.session.expire_all()
    spoken = {r.name: r.elapsed_seconds for r in db.session.query(SpeakerRequest)}
    assert spoken == {"Ada First": 70, "Ben Second": 70, "Cy Third": 70}
