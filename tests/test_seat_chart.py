"""A roll call as a seat chart (issue 19, started): one dot per member, its letter and colour, and the same counts in
words; the June 30, 2025 vote on the 287(g) resolution shows 6 yes and 1 no."""

import re

from sqlalchemy import select

from app.demo import seed_demo
from app.legislation.models import Resolution


def test_the_june_30_vote_is_six_dots_yes_and_one_no_with_words(client, db):
    seed_demo()
    db.session.commit()
    resolution = db.session.scalar(select(Resolution).where(Resolution.number == "25-187"))
    page = client.get(f"/resolutions/{resolution.id}").get_data(as_text=True)
    [svg] = re.findall(r"<svg[^>]*role=\"img\".*?</svg>", page, flags=re.S)
    choices = re.findall(r'data-choice="(\w+)"', svg)
    assert choices.count("yes") == 6 and choices.count("no") == 1 and len(choices) == 7
    title = re.search(r"<title id=\"seats-\d+-title\">([^<]*)</title>", svg).group(1)
    assert title == "6 yes, 1 no"
    assert "<figcaption>6 yes, 1 no</figcaption>" in page
    # Each dot carries its mark too, never colour alone.
    assert re.findall(r">(✓|✗)</text>", svg).count("✓") == 6 and re.findall(r">(✓|✗)</text>", svg).count("✗") == 1


def test_the_chart_follows_a_corrected_vote_and_the_page_language(client, db, create_user):
    from app.votes import corrections
    from app.votes.models import Motion, VoteChoice

    seed_demo()
    db.session.commit()
    resolution = db.session.scalar(select(Resolution).where(Resolution.number == "25-187"))
    motion = db.session.get(Motion, resolution.motion_id)
    no_vote = next(v for v in motion.votes if v.final_choice == VoteChoice.no)
    corrections.correct_vote(no_vote, VoteChoice.yes, reason="Clerk's error: the member said yes", actor=create_user())
    db.session.commit()
    page = client.get(f"/resolutions/{resolution.id}").get_data(as_text=True)
    assert "<figcaption>7 yes</figcaption>" in page
    client.get("/language/es")
    page = client.get(f"/resolutions/{resolution.id}").get_data(as_text=True)
    assert "<figcaption>7 a favor</figcaption>" in page
