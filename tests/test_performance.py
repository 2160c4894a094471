"""Query budgets against a large generated archive, and HTTP revalidation of public pages.

The archive holds three years of meetings, thousands of resolutions, tens of thousands of votes and speakers;
every public page and API endpoint must stay within a fixed number of SQL statements.
"""

from sqlalchemy import func, insert, literal, select

from app.legislation.models import Agreement, Resolution
from app.meetings.models import AgendaItem, Meeting
from app.public_comment.models import SpeakerRequest
from app.topics.models import Topic, agenda_item_topics, resolution_topics
from app.votes.models import Motion, Vote
from tests import archive

#: 10 for the page itself, plus the city profile every request loads once (app/city).
BUDGET = 11
#: An adjourned meeting's public page also reads its pinned record digest (issue 16): one query more.
#: A resolution's public page also lists its corrections after adoption (issue 17): one query more.
#: Both draw their roll calls as seats (issue 19): the body's seats and terms, one query more; the meeting page also
#: its timeline from the live log, one more again; and its recording's parts for the "Watch" links (issue 21), one
#: more (the log is read a second time only when a recording is attached).
BUDGETS = {"adjourned meeting page": BUDGET + 4, "resolution page": BUDGET + 2}


def test_every_public_page_and_endpoint_stays_within_budget_on_a_large_archive(client, commission, db, count_queries):
    body, members = commission
    agreement = Agreement(title="Harbor lease master agreement", counterparty="Marina operator", category="lease")
    db.session.add(agreement)
    db.session.commit()
    written = archive.build(
        body,
        members,
        years=3,
        meetings_per_year=24,
        items_per_meeting=30,
        speakers_per_item=5,
        first_year=2022,
        agreement=agreement,
    )
    assert written["resolutions"] >= 2000 and written["votes"] >= 15000 and written["speakers"] >= 10000
    assert db.session.scalar(select(func.count()).select_from(Vote)) == written["votes"]
    assert db.session.scalar(select(func.count()).select_from(SpeakerRequest)) == written["speakers"]

    # A topic on every item and resolution of the archive (issue 19): its page and the API stay within budget.
    harbor = Topic(name="Harbor", slug="harbor")
    db.session.add(harbor)
    db.session.flush()
    db.session.execute(
        insert(agenda_item_topics).from_select(
            ["agenda_item_id", "topic_id"], select(AgendaItem.id, literal(harbor.id))
        )
    )
    db.session.execute(
        insert(resolution_topics).from_select(["resolution_id", "topic_id"], select(Resolution.id, literal(harbor.id)))
    )
    db.session.commit()
    meeting = db.session.scalar(select(Meeting).order_by(Meeting.start_at.desc()))
    item = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id))
    resolution = db.session.scalar(select(Resolution).where(Resolution.number.is_not(None)).order_by(Resolution.id))
    motion = db.session.scalar(select(Motion).order_by(Motion.id.desc()))
    member = members[3]
    urls = [
        "/",
        "/meetings",
        "/meetings?year=2023&page=2",
        "/meetings?month=2023-06",
        f"/meetings?body={body.id}",
        f"/meetings/{meeting.id}",
        f"/meetings/{meeting.id}/items/{item.id}",
        "/resolutions",
        "/topics",
        "/topics/harbor?page=3",
        "/search?topic=harbor&q=harbor",
        "/resolutions?q=harbor+lease&page=3",
        f"/resolutions?q={resolution.number}",
        "/resolutions?year=2023",
        f"/resolutions?sponsor={member.id}",
        "/resolutions?effect=ratifies",
        f"/resolutions/{resolution.id}",
        "/agreements",
        f"/agreements/{agreement.id}?on=2023-05-01",
        "/members",
        f"/members/{member.id}",
        f"/members/{member.id}?vote=no&page=2",
        "/public-comment",
        "/feeds/agendas.atom",
        "/feeds/resolutions.atom",
        "/meetings.ics",
        f"/meetings/{meeting.id}/calendar.ics",
        f"/bodies/{body.id}/agendas.atom",
        "/api/v1/",
        "/api/v1/bodies",
        "/api/v1/members",
        f"/api/v1/members/{member.id}",
        "/api/v1/meetings?per_page=100",
        f"/api/v1/meetings/{meeting.id}",
        "/api/v1/motions?per_page=100",
        f"/api/v1/motions?member={member.id}&page=3",
        f"/api/v1/motions/{motion.id}",
        "/api/v1/resolutions?per_page=100",
        "/api/v1/resolutions?q=marina&per_page=100",
        f"/api/v1/resolutions/{resolution.id}",
        "/api/v1/agreements",
        "/api/v1/topics",
        "/api/v1/topics/harbor?page=2",
        f"/api/v1/agreements/{agreement.id}",
        f"/api/v1/ocd/events/{meeting.id}",
        f"/api/v1/ocd/vote-events/{motion.id}",
        f"/api/v1/ocd/bills/{resolution.id}",
    ]
    over = {}
    for url in urls:
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        budget = {
            f"/meetings/{meeting.id}": BUDGETS["adjourned meeting page"],
            f"/resolutions/{resolution.id}": BUDGETS["resolution page"],
        }.get(url, BUDGET)
        if len(statements) > budget:
            over[url] = len(statements)
    assert over == {}, over


def test_a_repeat_visit_to_an_unchanged_page_is_a_304(client, open_meeting, db):
    meeting = open_meeting()
    for url in ("/", f"/meetings/{meeting.id}", "/meetings", "/resolutions", "/feeds/agendas.atom", "/meetings.ics"):
        first = client.get(url)
        assert first.status_code == 200 and first.headers["ETag"], url
        assert "no-cache" in first.headers["Cache-Control"]
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"", url
    # A change to the record changes the page and its ETag.
    first = client.get(f"/meetings/{meeting.id}")
    meeting.title = "Special meeting, retitled"
    db.session.commit()
    changed = client.get(f"/meetings/{meeting.id}", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "retitled" in changed.get_data(as_text=True)
