"""A member's record in pictures (issue 19): attendance month by month, votes with and against the majority, and the
same by topic; the numbers match the record, and the page reads the same number of queries however long it is."""

import re

from sqlalchemy import delete, insert, select

from app.bodies.models import Member
from app.demo import seed_demo
from app.legislation.models import Resolution
from app.topics import services as topic_services
from app.topics.models import agenda_item_topics, agreement_topics, resolution_topics
from tests.test_archive_pages import grow


def _section(page: str) -> str:
    return re.search(r'<section class="chart chart-member".*?</section>', page, flags=re.S).group(0)


def _member(db, first: str) -> Member:
    return db.session.scalar(select(Member).where(Member.full_name.like(f"{first} %")))


def _demo_without_topics(db) -> None:
    """The demo city with its topic tags taken off, so a test tags exactly what it counts."""
    seed_demo()
    for table in (agenda_item_topics, resolution_topics, agreement_topics):
        db.session.execute(delete(table))
    db.session.commit()


def test_attendance_by_month_and_votes_with_and_against_the_majority(client, db):
    _demo_without_topics(db)
    tobias, celestine = _member(db, "Tobias"), _member(db, "Celestine")
    section = _section(client.get(f"/members/{tobias.id}").get_data(as_text=True))
    months = re.findall(r'data-month="([\d-]+)" data-present="(\d+)" data-absent="(\d+)" data-excused="(\d+)"', section)
    assert months == [("2025-06", "1", "0", "0"), ("2025-07", "1", "0", "0")]
    # June 30 he voted no (against the 6-1 majority); July 8 yes twice, with the majority.
    assert "2 votes with the majority, 1 against it" in section
    assert re.search(r'chart-bar-with" [^>]*data-count="2"', section) and re.search(
        r'chart-bar-against" [^>]*data-count="1"', section
    )
    assert "None of this member's roll calls is on an item tagged with a topic yet." in section

    section = _section(client.get(f"/members/{celestine.id}").get_data(as_text=True))
    assert re.findall(r'data-month="([\d-]+)" data-present="(\d+)" data-absent="(\d+)"', section) == [
        ("2025-06", "1", "0"),
        ("2025-07", "0", "1"),
    ]
    assert section.count('class="chart-cross"') == 1  # the absence is crossed out, not only coloured
    assert '<th scope="row">July 2025</th><td>0</td><td>0</td><td>1</td>' in section

    client.get("/language/es")
    section = _section(client.get(f"/members/{celestine.id}").get_data(as_text=True))
    assert "El registro en imágenes" in section and "julio de 2025" in section


def test_votes_by_topic(client, db):
    _demo_without_topics(db)
    police = topic_services.create_topic("Harbor patrol", actor=None)
    june_30 = db.session.scalar(select(Resolution).where(Resolution.number == "25-187")).item
    topic_services.set_topics(june_30, [police], actor=None)
    db.session.commit()
    tobias, ines = _member(db, "Tobias"), _member(db, "Ines")
    section = _section(client.get(f"/members/{tobias.id}").get_data(as_text=True))
    assert '<tr><th scope="row">Harbor patrol</th><td>1</td><td>0</td><td>1</td></tr>' in section
    assert 'data-with="0" data-against="1"' in section
    section = _section(client.get(f"/members/{ines.id}").get_data(as_text=True))
    assert '<tr><th scope="row">Harbor patrol</th><td>1</td><td>1</td><td>0</td></tr>' in section


def test_the_member_page_reads_the_same_queries_as_the_record_grows(client, db, commission, count_queries):
    body, members = commission
    grow(body, members, 6, first_id=800_000)
    police = topic_services.create_topic("Harbor", actor=None)
    db.session.commit()
    url = f"/members/{members[-1].id}"
    client.get(url)
    with count_queries() as before:
        client.get(url)
    grow(body, members, 40, first_id=810_000)
    item_ids = db.session.scalars(select(Resolution.agenda_item_id).where(Resolution.id > 800_000)).all()
    db.session.execute(insert(agenda_item_topics), [{"agenda_item_id": i, "topic_id": police.id} for i in item_ids])
    db.session.commit()
    with count_queries() as after:
        page = client.get(url).get_data(as_text=True)
    assert len(after) == len(before)
    section = _section(page)
    # Every grown roll call is on a Harbor item; the last member voted no on the first resolution of each meeting.
    row = re.search(r'<tr><th scope="row">Harbor</th><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>', section)
    assert int(row.group(1)) == len(item_ids) and int(row.group(2)) + int(row.group(3)) <= len(item_ids)
    assert len(re.findall(r"data-month=", section)) <= 24
