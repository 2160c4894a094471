"""Real Chromium, issue 17: a resident's private page follows the queue without a reload. The place moves from 2 to
"You are next" while the clerk calls the speaker before them (at the next poll, and at once on a "dais:live"
event), the tab's title says so, and no sound or reload is needed."""

import re

import pytest
from playwright.sync_api import expect

from app.auth.models import Role
from app.meetings import lifecycle
from app.public_comment import intake as comment_intake
from app.public_comment import queue as speaker_queue
from app.public_comment import registration as speaker_registration
from tests.browser import chromium_or_skip, chromium_page
from tests.test_browser import assert_accessible

pytestmark = pytest.mark.browser


def _item(meeting):
    return next(i for i in meeting.items if i.title == "Resolution on the 287(g) agreement")


def _register(item, name):
    return speaker_registration.register_speaker(
        item,
        name=name,
        stance="support",
        participation="in_person",
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    )


def _live_event(page) -> None:
    """What the app's live updates do on each change: a "dais:live" event on the document (the detail is the
    meeting's public snapshot, which the place script does not need)."""
    page.evaluate("document.dispatchEvent(new CustomEvent('dais:live', {detail: {speaker: null}}))")


def test_the_private_page_moves_from_2_to_you_are_next_without_reload(
    app, open_meeting, create_user, clock, db, live_server
):
    chromium_or_skip()
    meeting = open_meeting()
    item = _item(meeting)
    ada = _register(item, "Ada First").request
    ben = _register(item, "Ben Second")
    clock.now = meeting.start_at
    lifecycle.start_meeting(meeting, actor=None)
    clerk = create_user(Role.clerk, email="clerk@city.example")
    db.session.commit()
    base = live_server
    link = f"{base}/speak/{ben.request.id}-{ben.token}"
    with chromium_page() as page:
        page.clock.install()  # the page's timers run on a clock the test moves: a poll comes when it asks
        page.goto(link)
        place = page.locator(".queue-place")
        expect(place.locator(".big-number")).to_have_text("2")
        expect(place).to_contain_text("1 speaker is ahead of you.")
        alert = page.locator('.queue-place [role="alert"]')
        expect(alert).to_be_empty()  # there from the start (so it is announced when filled), empty takes no room
        expect(alert).to_be_hidden()
        title = page.title()
        assert not title.startswith("You are next")
        page.evaluate("window.__notReloaded = true")  # gone if the page reloads

        # The clerk calls Ada. The page learns it at its next poll (no live event has come): 10 s.
        speaker_queue.call_speaker(ada, actor=clerk)
        db.session.commit()
        page.clock.fast_forward(10_000)
        expect(page.get_by_role("alert")).to_have_text("You are next. Please come to the podium.")
        expect(place.locator(".big-number")).to_have_text("1")
        expect(place).to_contain_text("At the podium now: Ada First")
        expect(page).to_have_title(re.compile(r"^You are next · "))
        assert page.evaluate("window.__notReloaded === true")
        assert_accessible(page)

        # Ada spoke and Ben is called: a live event brings it at once, without waiting for the poll.
        speaker_queue.start_timer(ada, actor=clerk)
        clock.advance(seconds=75)
        speaker_queue.mark_spoke(ada, actor=clerk)
        speaker_queue.call_speaker(db.session.merge(ben.request), actor=clerk)
        db.session.commit()
        _live_event(page)
        expect(place).to_contain_text("It is your turn: you have been called to speak.")
        expect(page.locator("#request-status strong")).to_have_text("Speaking now")
        expect(alert).to_be_empty()
        expect(place.locator(".big-number")).to_be_hidden()
        expect(page).to_have_title(title)
        assert page.evaluate("window.__notReloaded === true")

        # While live events come, the page does not poll as well; 15 s after the last one, it polls again.
        fetched = []
        page.on("request", lambda request: fetched.append(request.url) if "place.json" in request.url else None)
        page.clock.fast_forward(10_000)
        page.wait_for_timeout(500)
        assert fetched == []
        with page.expect_request(re.compile(r"/place\.json$")):
            page.clock.fast_forward(10_000)
        assert len(fetched) == 1, fetched


def test_without_javascript_the_place_is_as_of_the_load_with_a_refresh_link(
    app, open_meeting, create_user, clock, db, live_server
):
    chromium_or_skip()
    meeting = open_meeting()
    item = _item(meeting)
    ada = _register(item, "Ada First").request
    ben = _register(item, "Ben Second")
    clock.now = meeting.start_at
    lifecycle.start_meeting(meeting, actor=None)
    clerk = create_user(Role.clerk, email="clerk@city.example")
    db.session.commit()
    link = f"{live_server}/speak/{ben.request.id}-{ben.token}"
    with chromium_page() as page:
        context = page.context.browser.new_context(java_script_enabled=False, locale="en-US")
        page = context.new_page()
        page.goto(link)
        expect(page.locator(".queue-place .big-number")).to_have_text("2")
        speaker_queue.call_speaker(ada, actor=clerk)
        db.session.commit()
        with page.expect_navigation():
            page.get_by_role("link", name="Refresh").click()
        expect(page.get_by_role("alert")).to_have_text("You are next. Please come to the podium.")
        expect(page.locator(".queue-place .big-number")).to_have_text("1")
        expect(page.locator(".queue-place")).to_contain_text("At the podium now: Ada First")
        # Ada is done; a second Refresh loads the page again too (a link to a fragment of it would not).
        speaker_queue.mark_spoke(ada, actor=clerk)
        db.session.commit()
        with page.expect_navigation():
            page.get_by_role("link", name="Refresh").click()
        expect(page.locator(".queue-place")).not_to_contain_text("At the podium now")
        expect(page.get_by_role("alert")).to_have_text("You are next. Please come to the podium.")
