"""Issue 17, guards on meeting day: call to order before the noticed time (a reason, recorded) or long after it (a
warning); adjourning with items open (listed, confirmed once) or with a roll call open (refused); closing a vote
with present members not voted (refused, naming each: F.S. 286.012); the commissioner's controls."""

import re
from datetime import timedelta

import pytest

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.legislation.models import ResolutionStatus
from app.legislation.services import find_resolution
from app.meetings import changes, lifecycle
from app.meetings.models import MeetingChange, MeetingChangeKind, MeetingStatus
from app.votes import motions as motion_service
from app.votes import roll_call as roll_call_service
from app.votes.models import MotionKind, Vote, VoteChoice
from app.votes.reading import open_items
from tests.votes_helpers import hold_comment, items, roll_call, start

REASON = "The mayor asked to begin early; everyone present agreed and the chamber was open."


@pytest.fixture
def meeting(commission, open_meeting):
    return open_meeting(commission[0])


@pytest.fixture
def session(meeting, clock, db, members):
    """The meeting in session at its noticed time, everyone present, comment held on the resolution."""
    start(meeting, clock, db)
    roll_call(meeting, list(members.values()))
    hold_comment(items(meeting)[1])
    db.session.commit()
    return meeting


def _motion(meeting, item, members, db, *, kind=MotionKind.main, open_vote=True, **extra):
    motion = motion_service.make_motion(
        meeting,
        item=item,
        kind=kind,
        text="Move to adopt",
        mover_id=members["Hollis"].id,
        seconder_id=members["Everett"].id,
        actor=None,
        **extra,
    )
    if open_vote:
        roll_call_service.open_vote(motion, actor=None)
    db.session.commit()
    return motion


def _vote_all(motion, members, choice=VoteChoice.yes, *, but=()):
    for name, member in members.items():
        if name not in but:
            roll_call_service.record_vote(motion, member.id, choice, actor=None)


def _entries(db, action):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)).all()


# --- 1. call to order ----------------------------------------------------------------------------------------


def test_call_to_order_before_the_noticed_time_needs_a_reason(meeting, clock, db):
    clock.now = meeting.start_at - timedelta(days=3)
    with pytest.raises(DomainError) as refused:
        lifecycle.start_meeting(meeting, actor=None)
    assert refused.value.field == "early_reason"
    assert "give the reason" in refused.value.message
    with pytest.raises(DomainError):
        lifecycle.start_meeting(meeting, actor=None, early_reason="   ")
    db.session.rollback()
    assert meeting.status == MeetingStatus.noticed

    check = lifecycle.start_meeting(meeting, actor=None, early_reason=REASON)
    db.session.commit()
    assert check.early and not check.late
    assert meeting.status == MeetingStatus.in_progress
    change = db.session.scalar(
        db.select(MeetingChange).where(
            MeetingChange.meeting_id == meeting.id, MeetingChange.kind == MeetingChangeKind.called_early
        )
    )
    assert change.reason == REASON
    assert change.data["called_at"] == clock.now.isoformat()
    assert change.data["noticed_at"] == meeting.start_at.isoformat()
    assert changes.describe(change).startswith("Called to order at ")
    (entry,) = _entries(db, "meeting.start")
    assert entry.data["early"] is True and entry.data["early_reason"] == REASON
    assert entry.data["called_at"] == clock.now.isoformat()


def test_call_to_order_on_time_needs_no_reason_and_logs_no_change(meeting, clock, db):
    clock.now = meeting.start_at
    check = lifecycle.start_meeting(meeting, actor=None)
    assert not check.early and not check.late
    kinds = {c.kind for c in db.session.scalars(db.select(MeetingChange).where(MeetingChange.meeting_id == meeting.id))}
    assert MeetingChangeKind.called_early not in kinds


@pytest.mark.parametrize(("late", "warned"), [(timedelta(hours=2), False), (timedelta(hours=2, minutes=1), True)])
def test_call_to_order_long_after_the_noticed_time_is_allowed_with_a_warning(meeting, clock, late, warned):
    clock.now = meeting.start_at + late
    check = lifecycle.start_meeting(meeting, actor=None)
    assert meeting.status == MeetingStatus.in_progress
    assert check.late is warned


def test_an_early_meeting_adopts_on_the_day_it_actually_met(meeting, clock, db, members):
    """The adoption is dated by the vote's own time (the real call to order days before), not the noticed day."""
    clock.now = meeting.start_at - timedelta(days=3)
    lifecycle.start_meeting(meeting, actor=None, early_reason=REASON)
    roll_call(meeting, list(members.values()))
    hold_comment(items(meeting)[1])
    motion = _motion(meeting, items(meeting)[1], members, db)
    _vote_all(motion, members)
    roll_call_service.close_vote(motion, actor=None)
    db.session.commit()
    resolution = find_resolution(items(meeting)[1])
    assert resolution.status == ResolutionStatus.adopted
    from app.core.timeutil import to_local

    assert resolution.adopted_on == to_local(clock.now).date()
    assert resolution.adopted_on != meeting.local_date


def test_the_page_asks_for_the_reason_and_keeps_what_was_typed(client, login_as, meeting, clock, db):
    login_as(Role.clerk)
    clock.now = meeting.start_at - timedelta(hours=1)
    page = client.get(f"/staff/meetings/{meeting.id}").get_data(as_text=True)
    assert 'name="start-early_reason"' in page and "Call to order before the noticed time" in page

    refused = client.post(f"/staff/meetings/{meeting.id}/start", data={"start-early_reason": ""})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'name="start-early_reason"' in html and "give the reason" in html
    db.session.expire_all()
    assert meeting.status == MeetingStatus.noticed

    too_long = client.post(f"/staff/meetings/{meeting.id}/start", data={"start-early_reason": "x" * 2001})
    assert too_long.status_code == 422

    done = client.post(f"/staff/meetings/{meeting.id}/start", data={"start-early_reason": REASON})
    assert done.status_code == 302
    db.session.expire_all()
    assert meeting.status == MeetingStatus.in_progress
    public = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "before the time in the notice" in public and REASON in public


def test_the_page_warns_when_the_meeting_starts_long_after_its_noticed_time(client, login_as, meeting, clock, db):
    login_as(Role.clerk)
    clock.now = meeting.start_at + timedelta(hours=3)
    page = client.get(f"/staff/meetings/{meeting.id}").get_data(as_text=True)
    assert "more than two hours later" in page and 'name="start-early_reason"' not in page
    done = client.post(f"/staff/meetings/{meeting.id}/start", follow_redirects=True)
    assert done.status_code == 200
    assert "Meeting called to order." in done.get_data(as_text=True)
    assert "more than two hours later" in done.get_data(as_text=True)


# --- 2. adjourn ------------------------------------------------------------------------------------------------


def test_adjourning_with_items_open_lists_them_and_needs_a_confirmation(session, db):
    found = {item.title: why for item, why in open_items(session)}
    # The report is heard, not decided; the resolution and the ministerial item wait for a vote.
    assert found == {"Resolution on the 287(g) agreement": "not yet decided", "Approval of minutes": "not yet decided"}
    with pytest.raises(lifecycle.OpenItemsRemain) as refused:
        lifecycle.adjourn_meeting(session, actor=None)
    assert {i.title for i, _why in refused.value.items} == set(found)
    db.session.rollback()
    assert session.status == MeetingStatus.in_progress

    lifecycle.adjourn_meeting(session, actor=None, confirm_open_items=True)
    db.session.commit()
    assert session.status == MeetingStatus.adjourned
    (entry,) = _entries(db, "meeting.adjourn")
    assert entry.data == {"open_items_confirmed": True}


def test_decided_continued_and_withdrawn_items_are_not_open(session, db, members):
    resolution, minutes = items(session)[1], items(session)[2]
    motion = _motion(session, resolution, members, db, open_vote=False)
    assert (resolution, "a motion is pending") in open_items(session)
    roll_call_service.open_vote(motion, actor=None)
    assert (resolution, "a roll call is open") in open_items(session)
    _vote_all(motion, members)
    roll_call_service.close_vote(motion, actor=None)
    postpone = _motion(
        session, minutes, members, db, kind=MotionKind.postpone, postponed_to=session.local_date + timedelta(days=14)
    )
    _vote_all(postpone, members)
    roll_call_service.close_vote(postpone, actor=None)
    db.session.commit()
    assert open_items(session) == []
    lifecycle.adjourn_meeting(session, actor=None)  # nothing open: no confirmation needed
    assert session.status == MeetingStatus.adjourned


def test_adjourning_with_a_roll_call_open_is_refused_even_when_confirmed(session, db, members):
    _motion(session, items(session)[1], members, db)
    with pytest.raises(DomainError, match="Close the vote before adjourning"):
        lifecycle.adjourn_meeting(session, actor=None, confirm_open_items=True)
    db.session.rollback()
    assert session.status == MeetingStatus.in_progress


def test_the_adjourn_confirmation_page(client, login_as, session, db, members):
    login_as(Role.clerk)
    url = f"/staff/meetings/{session.id}/adjourn"
    asked = client.post(url)
    assert asked.status_code == 409
    html = asked.get_data(as_text=True)
    assert "Adjourn with items still open?" in html
    assert "Resolution on the 287(g) agreement" in html and "not yet decided" in html
    assert re.search(r'<input type="hidden" name="confirm" value="yes">', html)
    db.session.expire_all()
    assert session.status == MeetingStatus.in_progress
    # A confirm that is not a yes, or junk, confirms nothing and never fails.
    assert client.post(url, data={"confirm": ""}).status_code == 409
    assert client.post(url, data={"confirm": "yes"}).status_code == 302
    db.session.expire_all()
    assert session.status == MeetingStatus.adjourned


def test_the_adjourn_button_says_to_close_the_open_vote(client, login_as, session, db, members):
    login_as(Role.clerk)
    _motion(session, items(session)[1], members, db)
    refused = client.post(f"/staff/meetings/{session.id}/adjourn", data={"confirm": "yes"}, follow_redirects=True)
    assert "Close the vote before adjourning" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert session.status == MeetingStatus.in_progress


# --- 3. closing a vote ---------------------------------------------------------------------------------------


def test_closing_with_present_members_not_voted_is_refused_naming_each(session, db, members):
    """F.S. 286.012: a vote is recorded for each member present; nobody's vote is recorded for them."""
    motion = _motion(session, items(session)[1], members, db)
    _vote_all(motion, members, but=("Rosalind", "Tobias"))
    db.session.commit()
    with pytest.raises(roll_call_service.MembersNotVoted) as refused:
        roll_call_service.close_vote(motion, actor=None)
    assert {v.member.full_name for v in refused.value.votes} == {"Rosalind Okafor", "Tobias Vandermeer"}
    assert "286.012" in refused.value.message
    db.session.rollback()
    assert motion.is_open
    missing = db.session.scalars(db.select(Vote).where(Vote.motion_id == motion.id, Vote.choice.is_(None))).all()
    assert len(missing) == 2


def test_the_refusal_links_to_each_members_vote(client, login_as, session, db, members):
    login_as(Role.clerk)
    motion = _motion(session, items(session)[1], members, db)
    _vote_all(motion, members, but=("Rosalind",))
    db.session.commit()
    refused = client.post(f"/staff/motions/{motion.id}/close")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    okafor = members["Rosalind"].id
    assert f'href="#vote-{okafor}"' in html and f'id="vote-{okafor}"' in html
    assert "Record the vote of Rosalind Okafor" in html and "F.S. 286.012" in html


# --- 4. the commissioner's controls --------------------------------------------------------------------------


def test_the_disclosure_form_starts_on_the_commissioners_own_name(client, login_as, session, members):
    login_as(Role.commissioner, member=members["Rosalind"])
    html = client.get(f"/staff/items/{items(session)[1].id}/motions").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="disclose-member_id".*?</select>', html, re.S).group(0)
    assert re.search(
        rf'<option selected value="{members["Rosalind"].id}">Rosalind Okafor</option>', select
    ) or re.search(rf'<option value="{members["Rosalind"].id}" selected>', select)
    assert 'value=""' not in select


def test_movers_and_seconders_are_members_present(client, login_as, meeting, clock, db, members, commission):
    start(meeting, clock, db)
    roll_call(meeting, list(members.values()), Rosalind="excused", Tobias="absent")
    hold_comment(items(meeting)[1])
    db.session.commit()
    login_as(Role.clerk)
    html = client.get(f"/staff/items/{items(meeting)[1].id}/motions").get_data(as_text=True)
    for name in ("motion-mover_id", "motion-seconder_id"):
        select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
        assert "Hollis Prendergast" in select
        assert "Rosalind Okafor" not in select and "Tobias Vandermeer" not in select
    # The disclosure menu still lists the whole roll.
    assert "Rosalind Okafor" in re.search(r'<select[^>]*name="disclose-member_id".*?</select>', html, re.S).group(0)


def test_yes_no_and_abstain_are_three_distinct_buttons(client, login_as, session, db, members):
    motion = _motion(session, items(session)[1], members, db)
    login_as(Role.commissioner, member=members["Rosalind"])
    html = client.get(f"/staff/motions/{motion.id}").get_data(as_text=True)
    for value, glyph, word in [("yes", "✓", "Yes"), ("no", "✗", "No"), ("abstain", "⊘", "Abstain")]:
        assert re.search(
            rf'<button type="submit" name="own-choice" value="{value}" class="button vote-button vote-{value}[^"]*">'
            rf'<span class="vote-glyph" aria-hidden="true">{glyph}</span> {word}</button>',
            html,
        ), value
    assert client.post(f"/staff/motions/{motion.id}/my-vote", data={"own-choice": "no"}).status_code == 302
    vote = db.session.scalar(
        db.select(Vote).where(Vote.motion_id == motion.id, Vote.member_id == members["Rosalind"].id)
    )
    assert vote.choice.value == "no"


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/staff/motions/{motion}/my-vote", {"own-choice": "maybe"}),
        ("/staff/motions/{motion}/my-vote", {}),
        ("/staff/motions/{motion}/votes", {"vote-member_id": "abc", "vote-choice": "yes"}),
        ("/staff/motions/{motion}/votes", {"vote-member_id": "", "vote-choice": "[]"}),
        ("/staff/meetings/{meeting}/start", {"start-early_reason": ["a", "b"]}),
        ("/staff/meetings/{meeting}/adjourn", {"confirm": ["y", "n"]}),
    ],
)
def test_bad_input_is_refused_never_a_500(client, create_user, session, db, members, url, data):
    from tests.conftest import login

    motion = _motion(session, items(session)[1], members, db)
    commissioner = "my-vote" in url
    user = create_user(Role.commissioner, member=members["Rosalind"]) if commissioner else create_user(Role.clerk)
    login(client, user.email)
    response = client.post(url.format(motion=motion.id, meeting=session.id), data=data)
    assert response.status_code < 500


# --- in the browser, with axe, in English and Spanish ----------------------------------------------------------


def _in_each_language(page, base, url, act=None):
    """Visit ``url`` in Spanish and then in English, doing ``act`` (language-independent locators) each time, and
    run axe on the page it leads to. Ends in English."""
    from playwright.sync_api import expect

    from tests.test_browser import assert_accessible

    for code in ("es", "en"):
        page.goto(f"{base}/language/{code}?next=/")
        page.goto(base + url)
        if act is not None:
            act(page)
        expect(page.locator("html")).to_have_attribute("lang", code)
        assert_accessible(page)


def _submit(action):
    return lambda page: page.locator(f'form[action$="/{action}"] button[type=submit]').first.click()


@pytest.mark.browser
def test_the_guards_in_the_browser(app, db, commission, open_meeting, members, create_user, clock, live_server):
    from playwright.sync_api import expect

    from tests.browser import chromium_or_skip, chromium_page, sign_in
    from tests.conftest import PASSWORD

    chromium_or_skip()
    meeting = open_meeting(commission[0])
    clerk = create_user(Role.clerk)
    okafor = create_user(Role.commissioner, member=members["Rosalind"])
    clock.now = meeting.start_at - timedelta(hours=1)
    base = live_server
    detail = f"/staff/meetings/{meeting.id}"
    with chromium_page() as page:
        sign_in(page, base, clerk.email, PASSWORD)
        _in_each_language(page, base, detail)
        expect(page.get_by_label("Reason to call the meeting to order before the noticed time")).to_be_visible()
        _in_each_language(page, base, detail, _submit("start"))  # refused without a reason: the page again
        expect(page.locator(".error-summary")).to_contain_text("give the reason")
        page.locator("#start-early_reason").fill(REASON)
        page.get_by_role("button", name="Call to order before the noticed time").click()
        expect(page.locator(".flashes")).to_contain_text("Meeting called to order.")

        db.session.expire_all()  # the server called it to order
        roll_call(meeting, list(members.values()))
        hold_comment(items(meeting)[1])
        db.session.commit()
        motion = _motion(meeting, items(meeting)[1], members, db)
        motion_url = f"/staff/motions/{motion.id}"

        # The commissioner, on a phone: her name already chosen for a disclosure, three distinct vote buttons.
        other = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
        mine = other.new_page()
        sign_in(mine, base, okafor.email, PASSWORD)
        mine.goto(f"{base}/staff/items/{items(meeting)[1].id}/motions")
        expect(mine.locator("#disclose-member_id")).to_have_value(str(members["Rosalind"].id))
        _in_each_language(mine, base, motion_url)
        mine.get_by_role("button", name="Yes", exact=True).click()
        expect(mine.locator(".flashes")).to_contain_text("Your vote is recorded: Yes.")
        other.close()

        # The clerk cannot close the vote while present members have not voted: each is named, with a link.
        _in_each_language(page, base, motion_url, _submit("close"))
        expect(page.locator(".error-summary")).to_contain_text("F.S. 286.012")
        expect(page.get_by_role("link", name="Record the vote of Tobias Vandermeer")).to_be_visible()
        for member in members.values():
            if member.full_name != "Rosalind Okafor":
                page.get_by_role("button", name=f"Yes {member.full_name}", exact=True).click()
        page.get_by_role("button", name="Close the vote").click()
        expect(page.locator("main")).to_contain_text("Passed.")

        # Adjourning with the minutes item undecided: the list, then one confirmation.
        _in_each_language(page, base, detail, _submit("adjourn"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Adjourn with items still open?")
        expect(page.locator("main")).to_contain_text("Approval of minutes")
        page.get_by_role("button", name="Adjourn with these items open").click()
        expect(page.locator(".flashes")).to_contain_text("Meeting adjourned.")
