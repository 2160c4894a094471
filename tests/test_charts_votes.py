"""A roll call as seats (issue 19): one dot per member in the order called and one per vacant seat, each with a mark
besides its colour; the counts in words as the picture's title and caption; the same data in the API. The June 30,
2025 vote on the 287(g) resolution shows 6 yes and 1 no."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.bodies import services as body_services
from app.bodies.models import SeatSelection
from app.demo import seed_demo
from app.legislation.models import Resolution
from app.votes import conflicts
from app.votes import motions as motion_service
from app.votes import roll_call as roll_call_service
from app.votes.models import DisclosureBasis, Motion, MotionKind, VoteChoice
from tests.votes_helpers import hold_comment, items, roll_call, start


def _svgs(page: str) -> list[str]:
    return re.findall(r"<svg[^>]*role=\"img\".*?</svg>", page, flags=re.S)


def _choices(svg: str) -> list[str]:
    return re.findall(r'data-choice="(\w+)"', svg)


@pytest.fixture
def june_30(db):
    seed_demo()
    db.session.commit()
    resolution = db.session.scalar(select(Resolution).where(Resolution.number == "25-187"))
    return resolution, db.session.get(Motion, resolution.motion_id)


def test_the_june_30_vote_is_six_dots_yes_and_one_no_with_words(client, june_30):
    resolution, motion = june_30
    page = client.get(f"/resolutions/{resolution.id}").get_data(as_text=True)
    [svg] = _svgs(page)
    choices = _choices(svg)
    assert choices.count("yes") == 6 and choices.count("no") == 1 and len(choices) == 7
    assert re.search(r"<title id=\"seats-\d+-title\">([^<]*)</title>", svg).group(1) == "6 yes, 1 no"
    assert "<figcaption>6 yes, 1 no</figcaption>" in page
    # Each dot carries its mark too, never colour alone.
    marks = re.findall(r">(✓|✗)</text>", svg)
    assert marks.count("✓") == 6 and marks.count("✗") == 1
    # The dots follow the roll call; every member's dot names the seat they held that day.
    assert len(re.findall(r'data-seat="\d+"', svg)) == 7


def test_the_same_chart_is_on_the_item_page_the_meeting_page_and_the_api(client, june_30):
    resolution, motion = june_30
    item = resolution.item
    for url in (f"/meetings/{item.meeting_id}/items/{item.id}", f"/meetings/{item.meeting_id}"):
        page = client.get(url).get_data(as_text=True)
        [svg] = [s for s in _svgs(page) if "data-choice" in s]
        assert sorted(_choices(svg)) == ["no"] + ["yes"] * 6, url
        assert "6 yes, 1 no" in svg
    data = client.get(f"/api/v1/motions/{motion.id}").get_json()
    assert data["seat_counts"] == {
        "yes": 6, "no": 1, "abstain": 0, "recused": 0, "absent": 0, "excused": 0, "vacant": 0,
    }  # fmt: skip
    assert [s["choice"] for s in data["seats"]].count("yes") == 6
    tobias = next(s for s in data["seats"] if s["member_name"].startswith("Tobias"))
    assert tobias["choice"] == "no" and isinstance(tobias["seat_number"], int) and tobias["seat_label"]
    listed = client.get(f"/api/v1/motions?meeting={item.meeting_id}").get_json()["data"]
    assert [m["seat_counts"]["yes"] for m in listed] == [6]


def test_the_chart_follows_a_corrected_vote_and_the_page_language(client, db, create_user, june_30):
    from app.votes import corrections

    resolution, motion = june_30
    no_vote = next(v for v in motion.votes if v.final_choice == VoteChoice.no)
    corrections.correct_vote(no_vote, VoteChoice.yes, reason="Clerk's error: the member said yes", actor=create_user())
    db.session.commit()
    page = client.get(f"/resolutions/{resolution.id}").get_data(as_text=True)
    [svg] = _svgs(page)
    assert _choices(svg).count("yes") == 7 and svg.count('data-corrected="1"') == 1
    assert "<figcaption>7 yes<span" in page and "1 vote corrected after the meeting, circled" in page
    client.get("/language/es")
    page = client.get(f"/resolutions/{resolution.id}").get_data(as_text=True)
    assert "<figcaption>7 a favor<span" in page


def test_a_vacant_seat_and_a_recusal_are_dots_of_their_own(client, db, commission, members, open_meeting, clock):
    body, _ = commission
    vacant = body_services.add_seat(
        body, label="District 9", selection=SeatSelection.elected, established_on=date(2020, 1, 1), actor=None
    )
    db.session.commit()
    meeting = open_meeting(body)
    start(meeting, clock, db)
    roll_call(meeting, list(members.values()), Celestine="absent")
    item = items(meeting)[1]
    hold_comment(item)
    conflicts.disclose_conflict(
        item, members["Ines"].id, nature="Spouse works for the contractor", basis=DisclosureBasis.relative, actor=None
    )
    clock.advance(minutes=5)
    motion = motion_service.make_motion(
        meeting, kind=MotionKind.main, text="Move to adopt", item=item, mover_id=members["Hollis"].id,
        seconder_id=members["Everett"].id, actor=None,
    )  # fmt: skip
    roll_call_service.open_vote(motion, actor=None)
    choices = {
        "Marisol": "yes",
        "Everett": "yes",
        "Rosalind": "yes",
        "Tobias": "no",
        "Hollis": "yes",
        "Ines": "abstain",
    }
    for name, choice in choices.items():
        roll_call_service.record_vote(motion, members[name].id, VoteChoice(choice), actor=None)
    roll_call_service.close_vote(motion, actor=None)
    db.session.commit()

    page = client.get(f"/meetings/{meeting.id}/items/{item.id}").get_data(as_text=True)
    [svg] = [s for s in _svgs(page) if "data-choice" in s]
    assert sorted(_choices(svg)) == sorted(["yes"] * 4 + ["no", "recused", "absent", "vacant"])
    assert _choices(svg)[-1] == "vacant" and f'data-seat="{vacant.number}"' in svg
    words = "4 yes, 1 no, 1 recused for a conflict of interest, 1 absent, 1 vacant seat"
    assert f"<figcaption>{words}</figcaption>" in page and f">{words}</title>" in svg
    assert ">⊘</text>" in svg  # the recusal has its own mark
    data = client.get(f"/api/v1/motions/{motion.id}").get_json()
    assert data["seat_counts"]["vacant"] == 1 and data["seat_counts"]["recused"] == 1
    assert data["seats"][-1] == {
        "seat_number": vacant.number, "seat_label": "District 9", "member_name": None, "choice": "vacant",
        "corrected": False,
    }  # fmt: skip
    client.get("/language/es")
    page = client.get(f"/meetings/{meeting.id}/items/{item.id}").get_data(as_text=True)
    assert "4 a favor, 1 en contra, 1 se inhibió por conflicto de intereses, 1 ausente, 1 escaño vacante" in page


def test_the_staff_motion_page_shows_the_seats(client, login_as, june_30):
    _resolution, motion = june_30
    login_as("clerk")
    page = client.get(f"/staff/motions/{motion.id}").get_data(as_text=True)
    [svg] = _svgs(page)
    assert sorted(_choices(svg)) == ["no"] + ["yes"] * 6


def test_the_meeting_page_and_api_list_read_a_fixed_number_of_queries(client, db, june_30, count_queries):
    resolution, motion = june_30
    meeting_id = resolution.item.meeting_id
    client.get(f"/meetings/{meeting_id}")
    client.get(f"/api/v1/motions?meeting={meeting_id}")
    with count_queries() as few:
        client.get(f"/meetings/{meeting_id}")
    with count_queries() as api_few:
        client.get(f"/api/v1/motions?meeting={meeting_id}")
    # Three more roll calls on the same meeting: the same number of queries.
    _copy_roll_calls(db, motion, 3)
    with count_queries() as many:
        page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    with count_queries() as api_many:
        data = client.get(f"/api/v1/motions?meeting={meeting_id}").get_json()
    assert page.count('class="chart chart-seats"') == 4
    assert sum(1 for m in data["data"] if m["seat_counts"]["yes"] == 6) == 4
    assert len(many) == len(few) and len(api_many) == len(api_few)


def _copy_roll_calls(db, motion, n):
    """``n`` more closed roll calls like ``motion``, written straight to the tables (the record, not the rules)."""
    from app.votes.models import Vote

    for _ in range(n):
        copy = Motion(
            meeting_id=motion.meeting_id, agenda_item_id=motion.agenda_item_id, kind=motion.kind, text=motion.text,
            mover_id=motion.mover_id, seconder_id=motion.seconder_id, threshold_basis=motion.threshold_basis,
            threshold_fraction=motion.threshold_fraction, status=motion.status, result=motion.result,
            seats_at_vote=motion.seats_at_vote, opened_at=motion.opened_at, closed_at=motion.closed_at,
            roll_call_order=motion.roll_call_order,
        )  # fmt: skip
        db.session.add(copy)
        db.session.flush()
        for v in motion.votes:
            db.session.add(Vote(motion_id=copy.id, member_id=v.member_id, position=v.position, choice=v.choice))
    db.session.commit()


def test_the_july_8_meeting_shows_the_consent_roll_call_once_and_the_reversal(client, db, june_30):
    july_8 = db.session.scalar(select(Resolution).where(Resolution.number != "25-187", Resolution.number.is_not(None)))
    page = client.get(f"/meetings/{july_8.item.meeting_id}").get_data(as_text=True)
    section = re.search(r'<section class="chart chart-meeting-votes".*?</section>', page, flags=re.S).group(0)
    titles = re.findall(r"<title id=\"meeting-seats-\d+-title\">([^<]*)</title>", section)
    assert titles == ["6 yes, 1 absent", "4 yes, 2 no, 1 absent"]
    assert "Consent agenda: Adopt the consent agenda" in section
