"""Issue 17, the residents' side of the queue and the clerk's no-show guard: a withdrawn request stays on the public
list, marked; a position-only registration is its own kind; withdrawing and marking a no-show each ask once,
without JavaScript; public pages never show a resident's contact details."""

import re

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.meetings import lifecycle
from app.minutes import services as minutes_service
from app.public_comment import intake as comment_intake
from app.public_comment import queue as speaker_queue
from app.public_comment import registration as speaker_registration
from app.public_comment import tallies as comment_tallies
from app.public_comment import written as written_comments
from app.public_comment.models import SpeakerRequest, SpeakerRequestStatus, Stance
from tests.conftest import login

R = SpeakerRequestStatus

#: Contact details and needs a resident gives: staff only, never on a public page.
PRIVATE = {
    "email": "withdrawn-wanda@example.org",
    "phone": "305-555-0142",
    "city": "Sugarloaf Private",
    "interpreter_language": "Haitian Creole",
    "accommodation": "wheelchair space please",
}


def _item(meeting):
    return next(i for i in meeting.items if i.title == "Resolution on the 287(g) agreement")


def _register(item, name, **kwargs):
    fields = {"stance": "oppose", "participation": "in_person", "disclaimer_version": comment_intake.DISCLAIMER_VERSION}
    fields.update(kwargs)
    return speaker_registration.register_speaker(item, name=name, **fields)


@pytest.fixture
def app_overrides(request):
    return getattr(request, "param", {})


def _link(registration) -> str:
    return f"/speak/{registration.request.id}-{registration.token}"


@pytest.fixture
def three(open_meeting, db):
    """A noticed meeting with three speakers on the resolution; the second, who gave contact details, withdraws."""
    meeting = open_meeting()
    item = _item(meeting)
    first = _register(item, "Ada First")
    second = _register(item, "Wanda Withdrawn", stance="support", **PRIVATE)
    third = _register(item, "Cy Third")
    speaker_registration.withdraw_request(second.request)
    db.session.commit()
    return meeting, item, (first, second, third)


# --- 1. a withdrawn request stays on the public list, marked -------------------------------------


def test_withdrawn_request_stays_on_the_public_list_marked_without_a_number(client, three):
    meeting, item, (first, second, third) = three
    page = client.get(f"/meetings/{meeting.id}/items/{item.id}").get_data(as_text=True)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page.split('id="speakers"')[1].split("</table>")[0], re.S)
    body = [re.sub(r"\s+", " ", row) for row in rows[1:]]  # after the header row
    assert [re.search(r"(Ada First|Wanda Withdrawn|Cy Third)", row).group(1) for row in body] == [
        "Ada First",
        "Wanda Withdrawn",
        "Cy Third",
    ]
    withdrawn = body[1]
    assert "<strong>Withdrawn</strong>" in withdrawn  # in words, not by colour alone
    assert ">2<" not in withdrawn and "No number" in withdrawn  # no place number
    assert body[0].startswith("<td>1</td>") and body[2].startswith("<td>3</td>")
    # Not counted as waiting: two speakers, one withdrawn.
    assert re.search(r"Speakers <span class=\"muted\">\(2; 1 withdrawn\)</span>", page)
    # The third resident has one speaker ahead, not two.
    assert speaker_queue.place_in_queue(third.request).place == 2


def test_the_withdrawn_residents_private_page_says_so(client, three):
    _meeting, _item_, (_first, second, _third) = three
    page = client.get(_link(second)).get_data(as_text=True)
    assert "You withdrew this request on" in page
    assert "stays on the public list of speakers, marked “Withdrawn”" in page
    assert "<strong>Withdrawn</strong>" in page
    assert "Registration number" not in page and "Your place in the queue" not in page
    assert "Withdraw my request" not in page


def test_public_pages_never_show_contact_details(client, three, db):
    meeting, item, _speakers = three
    _register(item, "Paula Position", participation="written_only", stance="support", email="paula@example.org")
    db.session.commit()
    pages = [
        f"/meetings/{meeting.id}",
        f"/meetings/{meeting.id}/items/{item.id}",
        f"/meetings/{meeting.id}/display",
        f"/meetings/{meeting.id}/display.json",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        for secret in [*PRIVATE.values(), "paula@example.org"]:
            assert secret not in text, (url, secret)
    assert "Wanda Withdrawn" in client.get(pages[1]).get_data(as_text=True)


def test_withdrawn_requests_count_in_no_tally(three):
    meeting, item, _speakers = three
    tally = comment_tallies.tallies(meeting.id)[item.id]
    assert tally.spoken == {Stance.support: 0, Stance.oppose: 2, Stance.neutral: 0}


# --- 2. position only is its own kind ------------------------------------------------------------


@pytest.fixture
def positions(open_meeting, create_user, db):
    """One of each kind on the resolution: a speaker (oppose), a published letter (neutral), a position only
    (support), and a second position only that is withdrawn."""
    meeting = open_meeting()
    item = _item(meeting)
    clerk = create_user(Role.clerk)
    _register(item, "Sam Speaker")
    _register(item, "Paula Position", participation="written_only", stance="support")
    gone = _register(item, "Gina Gone", participation="written_only", stance="oppose").request
    speaker_registration.withdraw_request(gone)
    letter, _created = written_comments.submit_written_comment(
        item,
        name="Wren Writer",
        stance="neutral",
        text="Please consider this.",
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    )
    written_comments.publish_written_comment(letter, actor=clerk)
    db.session.commit()
    return meeting, item


def test_position_only_is_counted_as_its_own_kind_not_written(positions):
    meeting, item = positions
    tally = comment_tallies.tallies(meeting.id)[item.id]
    assert tally.spoken == {Stance.support: 0, Stance.oppose: 1, Stance.neutral: 0}
    assert tally.written == {Stance.support: 0, Stance.oppose: 0, Stance.neutral: 1}
    assert tally.position == {Stance.support: 1, Stance.oppose: 0, Stance.neutral: 0}
    assert tally.total == 3 and tally.by_stance == {Stance.support: 1, Stance.oppose: 1, Stance.neutral: 1}


def test_public_pages_label_position_only(client, positions):
    meeting, item = positions
    page = client.get(f"/meetings/{meeting.id}/items/{item.id}").get_data(as_text=True)
    assert '<th scope="col">Written</th><th scope="col">Position only</th>' in page
    assert '<th scope="row">Support</th><td>0</td><td>0</td><td>1</td>' in page
    assert '<th scope="row">Neutral</th><td>0</td><td>1</td><td>0</td>' in page
    assert '<th scope="row">Oppose</th><td>1</td><td>0</td><td>0</td>' in page
    meeting_page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Support 1 · Oppose 1 · Neutral 1" in meeting_page


def test_staff_pages_count_position_only(client, login_as, positions):
    meeting, item = positions
    login_as(Role.clerk)
    speakers = client.get(f"/staff/meetings/{meeting.id}/speakers").get_data(as_text=True)
    assert '<th scope="col">Written</th><th scope="col">Position only</th>' in speakers
    row = re.search(r"<tr><td>\S+ Resolution on the 287\(g\) agreement</td>(.*?)</tr>", speakers, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["1", "1", "1"]  # speakers, written, position only
    queue = client.get(f"/staff/items/{item.id}/queue").get_data(as_text=True)
    assert "Positions so far: support 1, oppose 1, neutral 1." in queue


def test_minutes_draft_counts_position_only_apart(positions):
    meeting, item = positions
    text = minutes_service.draft_minutes_text(meeting)
    assert "support 0 and 0, oppose 1 and 0, neutral 0 and 1." in text  # written = letters only
    assert "Positions recorded without speaking or writing: support 1, oppose 0, neutral 0." in text


# --- 3. withdrawing asks once ------------------------------------------------------------------


def test_withdrawing_asks_for_confirmation_naming_the_meeting_and_item(client, open_meeting, db):
    meeting = open_meeting()
    item = _item(meeting)
    registration = _register(item, "Ana Resident")
    db.session.commit()
    link = _link(registration)
    private = client.get(link).get_data(as_text=True)
    assert f'href="{link}/withdraw"' in private  # the button leads to the confirmation, it does not withdraw

    confirm = client.get(link + "/withdraw")
    assert confirm.status_code == 200
    assert confirm.headers["Cache-Control"] == "no-store" and confirm.headers["Referrer-Policy"] == "no-referrer"
    page = confirm.get_data(as_text=True)
    assert "<h1>Withdraw your request to speak?</h1>" in page
    assert meeting.title in page and f"{item.label} {item.title}" in page
    assert 'name="confirm" value="yes"' in page and 'name="csrf_token"' in page
    assert f'action="{link}/withdraw"' in page and f'href="{link}"' in page  # "keep my request" goes back
    db.session.refresh(registration.request)
    assert registration.request.status == R.waiting

    # A POST without the confirmation (an old page, a double click) only asks.
    for data in ({}, {"confirm": "no"}, {"confirm": "YES "}):
        again = client.post(link + "/withdraw", data=data)
        assert again.status_code == 200 and "Withdraw your request to speak?" in again.get_data(as_text=True)
    db.session.refresh(registration.request)
    assert registration.request.status == R.waiting

    done = client.post(link + "/withdraw", data={"confirm": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith(link)
    db.session.refresh(registration.request)
    assert registration.request.status == R.withdrawn
    # Nothing left to confirm: back to the private page, which says withdrawn.
    assert client.get(link + "/withdraw").status_code == 302
    assert client.post(link + "/withdraw").status_code == 302
    assert client.post(link + "/withdraw", data={"confirm": "yes"}).status_code == 302


def test_withdraw_confirmation_refuses_bad_links(client, open_meeting, db):
    meeting = open_meeting()
    registration = _register(_item(meeting), "Ana Resident")
    db.session.commit()
    speaker = registration.request
    for url in [
        f"/speak/{speaker.id}-wrongtoken/withdraw",
        f"/speak/{speaker.id + 1}-{registration.token}/withdraw",
        f"/speak/{speaker.id}-{'x' * 500}/withdraw",
    ]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={"confirm": "yes"}).status_code == 404, url


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_confirmed_withdrawal_still_needs_the_csrf_token(client, open_meeting, db):
    meeting = open_meeting()
    registration = _register(_item(meeting), "Ana Resident")
    db.session.commit()
    link = _link(registration)
    page = client.get(link + "/withdraw").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(link + "/withdraw", data={"confirm": "yes"}).status_code == 400
    assert client.post(link + "/withdraw", data={"confirm": "yes", "csrf_token": token}).status_code == 302
    assert db.session.get(SpeakerRequest, registration.request.id).status == R.withdrawn


# --- 4. the clerk's no-show asks once ------------------------------------------------------------


@pytest.fixture
def running(open_meeting, clock, db):
    meeting = open_meeting()
    item = _item(meeting)
    speakers = [_register(item, name).request for name in ("Ada First", "Ben Second")]
    clock.now = meeting.start_at
    lifecycle.start_meeting(meeting, actor=None)
    db.session.commit()
    return meeting, item, speakers


def test_no_show_asks_once_before_it_is_recorded(client, login_as, running, db):
    meeting, item, (first, second) = running
    login_as(Role.clerk)
    queue = client.get(f"/staff/items/{item.id}/queue").get_data(as_text=True)
    url = f"/staff/speakers/{second.id}/no-show"
    assert f'action="{url}"' in queue

    asked = client.post(url)
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "<h1>Mark Ben Second as a no-show?</h1>" in page
    assert f"{item.label} {item.title}" in page and meeting.title in page and "cannot be undone" in page
    assert 'name="confirm" value="yes"' in page and f'action="{url}"' in page
    assert f'href="/staff/items/{item.id}/queue#current"' in page
    db.session.refresh(second)
    assert second.status == R.waiting
    assert client.post(url, data={"confirm": "maybe"}).status_code == 200
    db.session.refresh(second)
    assert second.status == R.waiting

    done = client.post(url, data={"confirm": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/staff/items/{item.id}/queue#current")
    db.session.refresh(second)
    assert second.status == R.no_show
    # Already a no-show: nothing to confirm, the refusal comes back as a message.
    again = client.post(url, follow_redirects=True)
    assert again.status_code == 200 and "Only a speaker who has not spoken" in again.get_data(as_text=True)


def test_no_show_needs_no_confirmation_when_it_would_be_refused(client, login_as, open_meeting, db):
    meeting = open_meeting()  # noticed, not called to order: the service refuses
    speaker = _register(_item(meeting), "Ada First").request
    db.session.commit()
    login_as(Role.clerk)
    response = client.post(f"/staff/speakers/{speaker.id}/no-show", follow_redirects=True)
    assert response.status_code == 200 and "Call the meeting to order" in response.get_data(as_text=True)
    assert "as a no-show?" not in response.get_data(as_text=True)
    db.session.refresh(speaker)
    assert speaker.status == R.waiting


def test_no_show_confirmation_is_for_editors_only(client, login_as, running, db):
    _meeting, _item_, (first, _second) = running
    url = f"/staff/speakers/{first.id}/no-show"
    assert client.post(url).status_code in (302, 401)  # anonymous: to sign-in
    login_as(Role.viewer)
    assert client.post(url).status_code == 403
    assert client.post(url, data={"confirm": "yes"}).status_code == 403
    assert db.session.scalar(select(SpeakerRequest.status).where(SpeakerRequest.id == first.id)) == R.waiting
    assert client.post("/staff/speakers/999999/no-show").status_code in (403, 404)


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_no_show_steps_both_need_the_csrf_token(client, create_user, running, db):
    _meeting, _item_, (first, _second) = running
    clerk = create_user(Role.clerk)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert login(client, clerk.email, csrf_token=token).status_code == 302
    url = f"/staff/speakers/{first.id}/no-show"
    assert client.post(url).status_code == 400
    assert client.post(url, data={"confirm": "yes"}).status_code == 400
    assert db.session.scalar(select(SpeakerRequest.status).where(SpeakerRequest.id == first.id)) == R.waiting


# --- the new and changed pages in Chromium: axe in English and Spanish, 320 px without sideways scroll ------


def _no_sideways_scroll(page):
    page.set_viewport_size({"width": 320, "height": 700})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, (page.url, overflow)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "es"])
def test_resident_pages_in_chromium(open_meeting, db, live_server, language):
    from playwright.sync_api import expect

    from tests.browser import chromium_or_skip, chromium_page
    from tests.test_browser import assert_accessible

    chromium_or_skip()
    meeting = open_meeting()
    item = _item(meeting)
    _register(item, "Ada First")
    gone = _register(item, "Wanda Withdrawn", stance="support", **PRIVATE)
    _register(item, "Paula Position", participation="written_only", stance="support")
    waiting = _register(item, "Cy Third")
    speaker_registration.withdraw_request(gone.request)
    db.session.commit()
    base = live_server
    with chromium_page() as page:
        page.goto(f"{base}/language/{language}?next=/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        urls = [
            f"/meetings/{meeting.id}/items/{item.id}",  # the list with a withdrawn row, the position-only column
            _link(waiting) + "/withdraw",  # the confirmation
            _link(gone),  # the withdrawn resident's private page
        ]
        for url in urls:
            response = page.goto(base + url)
            assert response is not None and response.ok, url
            expect(page.locator("html")).to_have_attribute("lang", language)
            assert_accessible(page)
            _no_sideways_scroll(page)
            text = page.locator("main").inner_text()
            if url == urls[0]:
                for secret in PRIVATE.values():
                    assert secret not in page.content(), secret
                assert "Wanda Withdrawn" in text
        # The confirmation by keyboard: the first button is the one that withdraws, named in words.
        page.goto(base + _link(waiting) + "/withdraw")
        expect(page.locator("main")).to_contain_text(f"{item.label} {item.title}")
        page.locator("button.button-danger").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator(".banner").first).to_be_visible()
    db.session.expire_all()
    assert db.session.get(SpeakerRequest, waiting.request.id).status == R.withdrawn


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "es"])
def test_no_show_confirmation_in_chromium(open_meeting, create_user, clock, db, live_server, language):
    from playwright.sync_api import expect

    from tests.browser import chromium_or_skip, chromium_page, sign_in
    from tests.conftest import PASSWORD
    from tests.test_browser import assert_accessible

    chromium_or_skip()
    meeting = open_meeting()
    item = _item(meeting)
    first = _register(item, "Ada First").request
    clock.now = meeting.start_at
    lifecycle.start_meeting(meeting, actor=None)
    clerk = create_user(Role.clerk)
    db.session.commit()
    base = live_server
    with chromium_page() as page:
        sign_in(page, base, clerk.email, PASSWORD)
        page.goto(f"{base}/language/{language}?next=/staff/items/{item.id}/queue")
        expect(page.locator("html")).to_have_attribute("lang", language)
        with page.expect_navigation():
            page.locator(f'form[action="/staff/speakers/{first.id}/no-show"] button').click()
        expect(page.locator("h1")).to_contain_text("Ada First")
        expect(page.locator("main")).to_contain_text(f"{item.label} {item.title}")
        assert_accessible(page)
        _no_sideways_scroll(page)
        db.session.expire_all()
        assert db.session.get(SpeakerRequest, first.id).status == R.waiting
        page.locator("button.button-danger").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator(".flashes")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(SpeakerRequest, first.id).status == R.no_show
