"""Issue 17, the clerk's cockpit (/staff/meetings/<id>/live): the next step at every point of a meeting, every
action a plain form that comes back to it, a page that stays small and its queries fixed as the queue grows."""

import re

import pytest

from app.auth.models import Role
from app.meetings import floor
from app.meetings.models import LogKind
from app.public_comment import registration as speaker_registration
from app.public_comment.intake import DISCLAIMER_VERSION
from app.public_comment.models import SpeakerRequestStatus
from app.votes.models import Motion, MotionStatus
from tests import votes_helpers as vh
from tests.meetings_helpers import adopt_policy


@pytest.fixture
def meeting(db, clock, open_meeting, commission):
    body, members = commission
    m = open_meeting(body)
    clock.now = m.start_at
    return m


def _walk_ins(item, count, start=0):
    for n in range(start, start + count):
        speaker_registration.register_speaker(
            item,
            name=f"Speaker {n:04d}",
            stance="oppose" if n % 6 else "support",
            participation="in_person",
            disclaimer_version=DISCLAIMER_VERSION,
            walk_in=True,
            email=f"speaker{n}@example.org",
        )


def _step(client, meeting):
    page = client.get(f"/staff/meetings/{meeting.id}/live")
    assert page.status_code == 200
    found = re.search(r'data-step="(\w+)" data-step-target="(\d*)"', page.get_data(as_text=True))
    if found is None:
        return (None, None)
    action, target = found.groups()
    return ("link", target) if action in ("take_motion", "motion_page") else (action, target or None)


def _post(client, meeting, action, **data):
    return client.post(f"/staff/meetings/{meeting.id}/live/{action}", data=data)


def test_the_next_step_walks_a_meeting_from_call_to_order_to_adjournment(client, db, login_as, meeting, members):
    login_as(Role.clerk)
    general, resolution, minutes = vh.items(meeting)
    _walk_ins(resolution, 2)
    db.session.commit()
    assert _step(client, meeting)[0] == "call_to_order"
    assert _post(client, meeting, "call_to_order").status_code == 302
    assert _step(client, meeting)[0] == "all_present"
    _post(client, meeting, "all_present")
    action, target = _step(client, meeting)
    assert (action, int(target)) == ("take_up", meeting.active_items[0].id)
    # Take up the resolution directly: its queue leads.
    _post(client, meeting, "take_up", target_id=resolution.id)
    assert _step(client, meeting) == ("call_next", str(resolution.id))
    _post(client, meeting, "call_next", target_id=resolution.id)
    action, speaker_id = _step(client, meeting)
    assert action == "start"
    _post(client, meeting, "start", target_id=speaker_id)
    assert _step(client, meeting) == ("spoke", speaker_id)
    _post(client, meeting, "spoke", target_id=speaker_id)
    assert _step(client, meeting)[0] == "call_next"
    _post(client, meeting, "call_next", target_id=resolution.id)
    action, second = _step(client, meeting)
    _post(client, meeting, "spoke", target_id=second)
    assert _step(client, meeting) == ("close_comment", str(resolution.id))
    _post(client, meeting, "close_comment", target_id=resolution.id)
    assert _step(client, meeting)[0] == "link"  # take the motion: the form below
    response = _post(
        client,
        meeting,
        "take_motion",
        target_id=resolution.id,
        text="Move to adopt",
        mover_id=members["Hollis"].id,
        seconder_id=members["Everett"].id,
    )
    assert response.status_code == 302
    motion = db.session.query(Motion).filter_by(agenda_item_id=resolution.id).one()
    assert _step(client, meeting) == ("open_vote", str(motion.id))
    _post(client, meeting, "open_vote", target_id=motion.id)
    assert _step(client, meeting) == ("close_vote", str(motion.id))
    # The clerk records the votes called aloud: the seven, one says no.
    for name, m in members.items():
        _post(client, meeting, "vote", target_id=motion.id, member_id=m.id, choice="no" if name == "Tobias" else "yes")
    _post(client, meeting, "close_vote", target_id=motion.id)
    db.session.refresh(motion)
    assert motion.status == MotionStatus.closed and motion.passed
    action, target = _step(client, meeting)
    assert action == "take_up"
    kinds = [e.kind for e in floor.entries(meeting)]
    assert LogKind.vote_closed in kinds and LogKind.speaker_finished in kinds


def test_closing_a_vote_with_members_not_voted_is_refused_naming_them(client, db, login_as, meeting, members):
    login_as(Role.clerk)
    _post(client, meeting, "call_to_order")
    _post(client, meeting, "all_present")
    _general, resolution, _minutes = vh.items(meeting)
    vh.hold_comment(resolution)
    db.session.commit()
    _post(
        client,
        meeting,
        "take_motion",
        target_id=resolution.id,
        text="Move",
        mover_id=members["Hollis"].id,
        seconder_id=members["Everett"].id,
    )
    motion = db.session.query(Motion).filter_by(agenda_item_id=resolution.id).one()
    _post(client, meeting, "open_vote", target_id=motion.id)
    response = _post(client, meeting, "close_vote", target_id=motion.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Marisol Quintana" in page and motion.status == MotionStatus.voting


def test_no_show_asks_once_and_adjourn_lists_open_items(client, db, login_as, meeting, members):
    login_as(Role.clerk)
    _general, resolution, _minutes = vh.items(meeting)
    _walk_ins(resolution, 2)
    db.session.commit()
    _post(client, meeting, "call_to_order")
    _post(client, meeting, "all_present")
    _post(client, meeting, "take_up", target_id=resolution.id)
    first = speaker_registration.find_period(resolution)
    speakers = sorted(resolution.meeting.items[0].meeting.items, key=lambda i: i.id)  # noqa: F841
    asked = _post(client, meeting, "by_place", place="1", what="no_show")
    assert asked.status_code == 200 and "confirm" in asked.get_data(as_text=True)
    from app.public_comment.models import SpeakerRequest

    one = db.session.query(SpeakerRequest).filter_by(agenda_item_id=resolution.id, queue_position=1).one()
    assert one.status == SpeakerRequestStatus.waiting
    _post(client, meeting, "by_place", place="1", what="no_show", confirm="yes")
    db.session.refresh(one)
    assert one.status == SpeakerRequestStatus.no_show and first is not None
    held = _post(client, meeting, "adjourn")
    assert held.status_code == 409 and resolution.title in held.get_data(as_text=True)
    assert meeting.status.value == "in_progress"
    _post(client, meeting, "adjourn", confirm="yes")
    db.session.refresh(meeting)
    assert meeting.status.value == "adjourned"


def test_cede_time_by_place_in_one_dialog(client, db, clock, login_as, open_meeting, commission):
    from app.public_comment.models import SpeakerRequest

    body, _members = commission
    adopt_policy(body)
    meeting = open_meeting(body)
    clock.now = meeting.start_at
    login_as(Role.clerk)
    _general, resolution, _minutes = vh.items(meeting)
    _walk_ins(resolution, 3)
    db.session.commit()
    _post(client, meeting, "call_to_order")
    _post(client, meeting, "all_present")
    _post(client, meeting, "take_up", target_id=resolution.id)
    page = client.get(f"/staff/meetings/{meeting.id}/live").get_data(as_text=True)
    assert page.count('name="from_place"') == 1
    _post(client, meeting, "cede", from_place="3", to_place="1")
    by_place = {s.queue_position: s for s in db.session.query(SpeakerRequest).filter_by(agenda_item_id=resolution.id)}
    assert by_place[3].status == SpeakerRequestStatus.ceded
    assert by_place[1].allotted_seconds == 2 * by_place[3].allotted_seconds
    refused = _post(client, meeting, "cede", from_place="99", to_place="1")
    assert refused.status_code == 302
    assert "No speaker has place 99" in client.get(refused.headers["Location"]).get_data(as_text=True)


def test_page_stays_small_and_its_queries_fixed_as_the_queue_grows(client, db, login_as, meeting, count_queries):
    login_as(Role.clerk)
    _general, resolution, _minutes = vh.items(meeting)
    _walk_ins(resolution, 5)
    db.session.commit()
    _post(client, meeting, "call_to_order")
    _post(client, meeting, "all_present")
    _post(client, meeting, "take_up", target_id=resolution.id)
    url = f"/staff/meetings/{meeting.id}/live"
    client.get(url)
    with count_queries() as small:
        small_page = client.get(url)
    _walk_ins(resolution, 57, start=5)
    db.session.commit()
    with count_queries() as big:
        big_page = client.get(url)
    assert len(big) == len(small)
    assert len(big_page.data) < 60_000, len(big_page.data)
    assert len(big_page.data) - len(small_page.data) < 57 * 150  # linear, and small per speaker
    assert "speaker5@example.org" not in big_page.get_data(as_text=True)  # no contact details on the cockpit
    assert big_page.get_data(as_text=True).count("<option") < 40


def test_only_editors_act_and_bad_input_never_fails(client, db, login_as, meeting, members, create_meeting):
    login_as(Role.commissioner, member=members["Hollis"])
    assert client.get(f"/staff/meetings/{meeting.id}/live").status_code == 200
    assert _post(client, meeting, "call_to_order").status_code == 403
    client.post("/logout")
    login_as(Role.clerk)
    _post(client, meeting, "call_to_order")
    other = create_meeting()
    for action, data in [
        ("take_up", {"target_id": "99999999999999999999999"}),
        ("take_up", {"target_id": "abc"}),
        ("take_up", {}),
        ("vote", {"target_id": "1", "member_id": "x", "choice": "maybe"}),
        ("cede", {"from_place": "-1", "to_place": "1e9"}),
        ("by_place", {"place": "1", "what": "explode"}),
        ("arrive", {"member_id": "0"}),
        ("grant_floor", {"member_id": str(members["Hollis"].id)}),
        ("take_motion", {"target_id": str(vh.items(meeting)[1].id), "text": "x" * 30_000}),
    ]:
        response = _post(client, meeting, action, **data)
        assert response.status_code == 302, (action, response.status_code)
    assert _post(client, meeting, "explode").status_code == 404
    assert client.get(f"/staff/meetings/{other.id}/live").status_code == 404
    assert client.get("/staff/meetings/99999999999999999999/live").status_code == 404


def test_the_full_queue_page_has_one_cede_dialog_and_grows_linearly(
    client, db, clock, login_as, open_meeting, commission
):
    from app.public_comment.models import SpeakerRequest

    body, _members = commission
    adopt_policy(body)
    meeting = open_meeting(body)
    _general, resolution, _minutes = vh.items(meeting)
    _walk_ins(resolution, 62)
    db.session.commit()
    login_as(Role.clerk)
    page = client.get(f"/staff/items/{resolution.id}/queue").get_data(as_text=True)
    assert page.count("<option") <= 2 * 62 + 2
    assert page.count('name="cede-donor_id"') == 1
    speakers = {s.queue_position: s for s in db.session.query(SpeakerRequest).filter_by(agenda_item_id=resolution.id)}
    response = client.post(
        f"/staff/items/{resolution.id}/queue/cede",
        data={"cede-donor_id": speakers[5].id, "cede-recipient_id": speakers[2].id},
    )
    assert response.status_code == 302
    db.session.refresh(speakers[5])
    assert speakers[5].status == SpeakerRequestStatus.ceded and speakers[5].ceded_to_id == speakers[2].id
    refused = client.post(f"/staff/items/{resolution.id}/queue/cede", data={"cede-donor_id": "99999999999"})
    assert refused.status_code == 302


def test_the_agenda_takes_up_any_item_from_one_form(client, db, login_as, meeting, members):
    """A long agenda is one form whose buttons name their item, not a form (and a CSRF token) per item."""
    login_as(Role.clerk)
    general, resolution, minutes = vh.items(meeting)
    _post(client, meeting, "call_to_order")
    _post(client, meeting, "all_present")
    page = client.get(f"/staff/meetings/{meeting.id}/live").get_data(as_text=True)
    start = page.index('<ol class="cockpit-agenda">')
    agenda = page[page.rindex("<form", 0, start) : page.index("</ol>", start)]
    assert f'action="/staff/meetings/{meeting.id}/live/take_up"' in agenda and agenda.count("<form") == 1
    for item in (general, resolution, minutes):
        assert f'name="target_id" value="{item.id}"' in agenda
    token = re.search(r'name="csrf_token" value="([^"]+)"', agenda).group(1)
    response = client.post(
        f"/staff/meetings/{meeting.id}/live/take_up", data={"csrf_token": token, "target_id": resolution.id}
    )
    assert response.status_code == 302
    assert _step(client, meeting)[1] == str(resolution.id)
