"""Issue 17, a commissioner's seat (/staff/meetings/<id>/seat): the item before the body, the motion, the roll
call with Yes / No / Abstain for their own seat only (through the clerk's service, with for_self_only), asking to
speak, moving and seconding, a disclosure offered when an abstention is refused; read-only for everyone else;
no 500 on bad input; a fixed number of queries as the meeting grows."""

import re

import pytest

from app.auth.models import Role
from app.meetings import agenda, floor
from app.meetings.models import AgendaItemType
from app.public_comment import registration as speaker_registration
from app.public_comment.intake import DISCLAIMER_VERSION
from app.votes import conflicts
from app.votes import motions as motion_service
from app.votes import roll_call as roll_call_service
from app.votes.models import DisclosureBasis, Motion, MotionKind, Vote, VoteChoice
from tests import votes_helpers as vh


@pytest.fixture
def seated(db, clock, open_meeting, commission):
    """A meeting in session, everyone present, comment held on the resolution, which is before the body."""
    body, members = commission
    meeting = open_meeting(body)
    vh.start(meeting, clock, db)
    vh.roll_call(meeting, members)
    resolution = vh.items(meeting)[1]
    vh.hold_comment(resolution)
    floor.take_up(resolution, actor=None)
    db.session.commit()
    return meeting, {m.full_name.split()[0]: m for m in members}, resolution


def _motion(meeting, item, members, *, open_it=True):
    motion = motion_service.make_motion(
        meeting,
        kind=MotionKind.main,
        text="Move to adopt the resolution on the 287(g) agreement",
        item=item,
        mover_id=members["Hollis"].id,
        seconder_id=members["Everett"].id,
        actor=None,
    )
    if open_it:
        roll_call_service.open_vote(motion, actor=None)
    from app.extensions import db

    db.session.commit()
    return motion


def _url(meeting, action=None):
    return f"/staff/meetings/{meeting.id}/seat" + (f"/{action}" if action else "")


def _vote_of(db, motion, member):
    db.session.expire_all()
    return db.session.scalar(db.select(Vote).where(Vote.motion_id == motion.id, Vote.member_id == member.id))


def test_a_commissioner_votes_yes_from_the_seat_and_sees_the_running_tally(client, db, login_as, seated):
    meeting, members, resolution = seated
    okafor = login_as(Role.commissioner, member=members["Rosalind"])
    page = client.get(_url(meeting)).get_data(as_text=True)
    assert resolution.title in page and "Ask to speak" in page
    assert 'name="own-choice"' not in page and "data-seat-part" in page
    motion = _motion(meeting, resolution, members)
    page = client.get(_url(meeting)).get_data(as_text=True)
    assert re.search(r"<title>Vote open – Move to adopt", page)
    assert 'id="seat-vote-title"' in page and motion.text in page
    for value, glyph in (("yes", "✓"), ("no", "✗"), ("abstain", "⊘")):  # colour, glyph and word
        assert f'name="own-choice" value="{value}"' in page and glyph in page
    response = client.post(
        _url(meeting, "vote"), data={"motion_id": motion.id, "member_id": members["Rosalind"].id, "own-choice": "yes"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/seat#seat-vote")
    vote = _vote_of(db, motion, members["Rosalind"])
    assert vote.choice == VoteChoice.yes and vote.recorded_by_id == okafor.id
    page = client.get(_url(meeting)).get_data(as_text=True)
    assert "You voted Yes" in page and "Your vote is recorded: Yes." in page
    assert "Vote open (" in page and "1 yes, 0 no; 6 still to vote" in page and "Failed" not in page
    # The fragment the script fetches is the main region alone.
    part = client.get(_url(meeting) + "?part=main").get_data(as_text=True)
    assert part.lstrip().startswith('<div id="seat-main"') or 'id="seat-main"' in part[:2000]
    assert "<html" not in part and f'data-vote-open="{motion.id}"' in part


def test_a_commissioner_votes_only_as_themselves(client, db, login_as, seated, create_user):
    meeting, members, resolution = seated
    motion = _motion(meeting, resolution, members)
    login_as(Role.commissioner, member=members["Rosalind"])
    other = members["Tobias"]
    response = client.post(
        _url(meeting, "vote"), data={"motion_id": motion.id, "member_id": other.id, "own-choice": "no"}
    )
    assert response.status_code == 403
    assert _vote_of(db, motion, other).choice is None
    for junk in ("x", "", "99999999999999999999"):
        response = client.post(
            _url(meeting, "vote"), data={"motion_id": motion.id, "member_id": junk, "own-choice": "no"}
        )
        assert response.status_code == 403, junk
    client.post("/logout")
    # A clerk acts from the cockpit: the seat is read-only for them, and its actions refuse them.
    login_as(Role.clerk)
    page = client.get(_url(meeting)).get_data(as_text=True)
    assert "Open the cockpit" in page and 'name="own-choice"' not in page and "/seat/" not in page
    post = client.post(_url(meeting, "vote"), data={"motion_id": motion.id, "member_id": other.id, "own-choice": "no"})
    assert post.status_code == 403
    client.post("/logout")
    login_as(Role.viewer)
    assert 'name="own-choice"' not in client.get(_url(meeting)).get_data(as_text=True)
    assert client.post(_url(meeting, "ask")).status_code == 403
    client.post("/logout")
    # A commissioner of another body follows the meeting but cannot vote on it.
    from app.bodies.models import Member

    stranger = Member(full_name="Outside Member", sort_name="Member, Outside")
    db.session.add(stranger)
    db.session.commit()
    login_as(Role.commissioner, member=stranger)
    page = client.get(_url(meeting)).get_data(as_text=True)
    assert "do not hold a seat" in page and 'name="own-choice"' not in page
    assert client.post(_url(meeting, "ask")).status_code == 422
    client.post("/logout")
    assert client.get(_url(meeting)).status_code == 302  # anonymous: to the sign-in page
    assert _vote_of(db, motion, other).choice is None


def test_abstaining_without_a_disclosure_is_refused_and_the_disclosure_form_offered(client, db, login_as, seated):
    meeting, members, resolution = seated
    motion = _motion(meeting, resolution, members)
    login_as(Role.commissioner, member=members["Rosalind"])
    refused = client.post(
        _url(meeting, "vote"),
        data={"motion_id": motion.id, "member_id": members["Rosalind"].id, "own-choice": "abstain"},
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'role="alert"' in page and "may abstain only for a conflict of interest disclosed" in page
    assert re.search(r'<details class="panel seat-disclose" id="seat-disclose" open>', page)
    assert re.search(rf'<option selected value="{members["Rosalind"].id}">Rosalind Okafor</option>', page)
    assert "it cannot cover this vote" in page
    assert _vote_of(db, motion, members["Rosalind"]).choice is None
    # A refused disclosure keeps what was typed.
    bad = client.post(
        _url(meeting, "disclose"),
        data={
            "disclose-member_id": members["Rosalind"].id,
            "disclose-basis": "quasi_judicial",
            "disclose-nature": "My employer",
        },
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "only to a quasi-judicial item" in text and "My employer</textarea>" in text


def test_a_conflict_disclosed_before_the_vote_lets_the_member_abstain(client, db, login_as, seated):
    meeting, members, resolution = seated
    login_as(Role.commissioner, member=members["Rosalind"])
    empty = client.post(_url(meeting, "disclose"), data={"disclose-basis": "own", "disclose-nature": ""})
    assert empty.status_code == 422 and "State the nature of the interest." in empty.get_data(as_text=True)
    done = client.post(
        _url(meeting, "disclose"), data={"disclose-basis": "own", "disclose-nature": "My spouse's firm bid"}
    )
    assert done.status_code == 302
    motion = _motion(meeting, resolution, members)
    page = client.get(_url(meeting)).get_data(as_text=True)
    assert "You disclosed a conflict on this item" in page
    response = client.post(
        _url(meeting, "vote"),
        data={"motion_id": motion.id, "member_id": members["Rosalind"].id, "own-choice": "abstain"},
    )
    assert response.status_code == 302
    assert _vote_of(db, motion, members["Rosalind"]).choice == VoteChoice.abstain
    assert "You voted Abstain" in client.get(_url(meeting)).get_data(as_text=True)


def test_ask_to_speak_move_and_second_from_the_seats(client, db, login_as, seated):
    meeting, members, resolution = seated
    login_as(Role.commissioner, member=members["Rosalind"])
    assert client.post(_url(meeting, "ask")).status_code == 302
    assert floor.floor_requests(meeting) == [members["Rosalind"].id]
    page = client.get(_url(meeting)).get_data(as_text=True)
    assert "Your request to speak is with the chair." in page and "/seat/ask" not in page
    again = client.post(_url(meeting, "ask"))
    assert again.status_code == 422 and "already with the chair" in again.get_data(as_text=True)
    # A motion too long is refused and shown again with what was typed.
    long_text = "Move to adopt " + "x" * 20_000
    refused = client.post(_url(meeting, "move"), data={"move-text": long_text})
    assert refused.status_code == 422
    assert "too long" in refused.get_data(as_text=True) and "x" * 200 in refused.get_data(as_text=True)
    assert client.post(_url(meeting, "move"), data={"move-text": "Move to adopt as amended"}).status_code == 302
    motion = db.session.scalar(db.select(Motion).where(Motion.agenda_item_id == resolution.id))
    assert motion.mover_id == members["Rosalind"].id and motion.seconder_id is None
    assert "Second this motion" not in client.get(_url(meeting)).get_data(as_text=True)  # not one's own
    client.post("/logout")
    login_as(Role.clerk)
    cockpit = client.get(f"/staff/meetings/{meeting.id}/live").get_data(as_text=True)
    assert "Asking to speak" in cockpit and "Rosalind Okafor" in cockpit
    client.post("/logout")
    login_as(Role.commissioner, member=members["Ines"])
    assert "Second this motion" in client.get(_url(meeting)).get_data(as_text=True)
    assert client.post(_url(meeting, "second"), data={"motion_id": motion.id}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Motion, motion.id).seconder_id == members["Ines"].id
    refused = client.post(_url(meeting, "second"), data={"motion_id": motion.id})
    assert refused.status_code == 422 and "already has a second" in refused.get_data(as_text=True)


def test_a_commissioner_without_a_member_is_told_why(client, login_as, seated):
    meeting, _members, _resolution = seated
    login_as(Role.commissioner)
    page = client.get(_url(meeting))
    assert page.status_code == 200 and "not linked to your member record" in page.get_data(as_text=True)
    assert client.post(_url(meeting, "ask")).status_code == 403


def test_bad_ids_and_input_never_fail(client, db, login_as, seated, create_meeting):
    meeting, members, resolution = seated
    motion = _motion(meeting, resolution, members)
    login_as(Role.commissioner, member=members["Rosalind"])
    me = members["Rosalind"].id
    other = create_meeting()
    for action, data, status in [
        ("vote", {"motion_id": "abc", "own-choice": "yes"}, 422),
        ("vote", {"motion_id": "99999999999999999999", "own-choice": "yes"}, 422),
        ("vote", {"motion_id": str(motion.id), "member_id": str(me), "own-choice": "maybe"}, 422),
        ("vote", {"motion_id": str(motion.id), "member_id": str(me), "own-choice": "absent"}, 422),
        ("vote", {}, 422),
        ("second", {"motion_id": "-1"}, 422),
        ("disclose", {"disclose-basis": "nonsense", "disclose-nature": "x"}, 422),
        ("move", {}, 422),
        ("explode", {}, 404),
    ]:
        response = client.post(_url(meeting, action), data=data)
        assert response.status_code == status, (action, data, response.status_code)
    assert _vote_of(db, motion, members["Rosalind"]).choice is None
    assert client.get(_url(other)).status_code == 404  # a draft meeting has no seat page
    assert client.get("/staff/meetings/99999999999999999999/seat").status_code == 404
    assert client.post(f"/staff/meetings/{other.id}/seat/vote", data={"motion_id": motion.id}).status_code == 404
    # A vote closed meanwhile: a clear 409, nothing recorded.
    for name, m in members.items():
        roll_call_service.record_vote(motion, m.id, VoteChoice.yes, actor=None) if name != "Rosalind" else None
    roll_call_service.record_vote(motion, me, VoteChoice.no, actor=None)
    roll_call_service.close_vote(motion, actor=None)
    db.session.commit()
    late = client.post(_url(meeting, "vote"), data={"motion_id": motion.id, "member_id": me, "own-choice": "yes"})
    assert late.status_code == 409 and "This vote is not open" in late.get_data(as_text=True)
    assert _vote_of(db, motion, members["Rosalind"]).choice == VoteChoice.no


def test_a_post_without_its_csrf_token_is_a_clear_400(app, client, db, login_as, seated):
    meeting, members, resolution = seated
    motion = _motion(meeting, resolution, members)
    login_as(Role.commissioner, member=members["Rosalind"])
    app.config["WTF_CSRF_ENABLED"] = True  # after signing in (the fixture restores the config after the test)
    response = client.post(_url(meeting, "vote"), data={"motion_id": motion.id, "own-choice": "yes"})
    assert response.status_code == 400 and "security token" in response.get_data(as_text=True)
    assert _vote_of(db, motion, members["Rosalind"]).choice is None


def test_the_page_queries_stay_fixed_as_the_meeting_grows(client, db, login_as, seated, count_queries):
    meeting, members, resolution = seated
    motion = _motion(meeting, resolution, members)
    login_as(Role.commissioner, member=members["Rosalind"])
    client.get(_url(meeting))
    with count_queries() as small:
        assert client.get(_url(meeting)).status_code == 200
    # More items, speakers, floor requests and votes recorded.
    for n in range(12):
        agenda.add_item(
            meeting,
            section="Reports",
            title=f"Report {n}",
            body_md="",
            item_type=AgendaItemType.report,
            amendment_reason="Added at the meeting",
            actor=None,
        )
    for n in range(20):
        speaker_registration.register_speaker(
            resolution,
            name=f"Speaker {n}",
            stance="oppose",
            participation="in_person",
            disclaimer_version=DISCLAIMER_VERSION,
            walk_in=True,
        )
    for name in ("Tobias", "Ines", "Hollis"):
        floor.request_floor(meeting, members[name].id, name, actor=None)
        roll_call_service.record_vote(motion, members[name].id, VoteChoice.yes, actor=None)
    conflicts.disclose_conflict(
        vh.items(meeting)[0], members["Tobias"].id, nature="x", basis=DisclosureBasis.own, actor=None
    )
    db.session.commit()
    with count_queries() as big:
        page = client.get(_url(meeting))
    assert page.status_code == 200
    assert len(big) == len(small) <= 20, (len(small), len(big))
    assert "3 members are waiting to be recognized" in page.get_data(as_text=True)


def test_the_dashboard_and_the_meeting_page_link_to_the_seat(client, db, login_as, seated):
    meeting, members, _resolution = seated
    login_as(Role.commissioner, member=members["Rosalind"])
    seat = f'href="/staff/meetings/{meeting.id}/seat"'
    assert seat in client.get("/dashboard/").get_data(as_text=True)
    assert seat in client.get(f"/staff/meetings/{meeting.id}").get_data(as_text=True)
    client.post("/logout")
    # A commissioner of another body is not sent to this meeting's seats.
    from app.bodies.models import Member

    stranger = Member(full_name="Outside Member", sort_name="Member, Outside")
    db.session.add(stranger)
    db.session.commit()
    login_as(Role.commissioner, member=stranger)
    assert seat not in client.get("/dashboard/").get_data(as_text=True)
    client.post("/logout")
    login_as(Role.clerk)
    dashboard = client.get("/dashboard/").get_data(as_text=True)
    assert f'href="/staff/meetings/{meeting.id}/live"' in dashboard and seat not in dashboard


def test_the_snapshot_names_pending_motions_so_the_seats_refresh_when_one_is_made_or_seconded(db, seated):
    from app.core import live

    meeting, members, resolution = seated
    before, _payload = live.build(meeting.id)
    motion = _motion(meeting, resolution, members, open_it=False)
    version, payload = live.build(meeting.id)
    assert version != before
    assert live.decode(payload)["pending"] == [{"motion_id": motion.id, "item_id": resolution.id, "seconded": True}]
    roll_call_service.open_vote(motion, actor=None)
    db.session.commit()
    assert live.decode(live.build(meeting.id)[1])["pending"] == []


def test_before_the_call_to_order_the_seat_waits_for_the_meeting(client, db, login_as, open_meeting, commission):
    body, members = commission
    meeting = open_meeting(body)
    login_as(Role.commissioner, member=members[2])
    page = client.get(_url(meeting)).get_data(as_text=True)
    assert "The meeting is not in session (Noticed)" in page and "Acting for Rosalind Okafor" in page
    assert "/seat/" not in page  # nothing to do yet: no forms
    assert client.post(_url(meeting, "ask")).status_code == 422
