"""Public comment on an item in pictures (issue 19): support / oppose / neutral, spoken and written, with the numbers
on the bars, the same in a table, and the speaking time used; counted in SQL, so the page's queries stay fixed."""

import re

import pytest
from sqlalchemy import func, select

from app.core.timeutil import utcnow
from app.demo import seed_demo
from app.legislation.models import Resolution
from app.public_comment.models import (
    SpeakerRequest,
    SpeakerRequestStatus,
    Stance,
    WrittenComment,
    WrittenCommentStatus,
)
from app.public_comment.tallies import tallies


@pytest.fixture
def june_30_item(db):
    seed_demo()
    db.session.commit()
    return db.session.scalar(select(Resolution).where(Resolution.number == "25-187")).item


def _chart(page: str) -> str:
    return re.search(r'<section class="chart chart-comment".*?</section>', page, flags=re.S).group(0)


def _bars(chart: str) -> dict[tuple[str, str], int]:
    found = {}
    for stance, block in re.findall(r'data-stance="(\w+)">(.*?)</g>', chart, flags=re.S):
        for kind, count in re.findall(r'data-kind="(\w+)" data-count="(\d+)"', block):
            found[(stance, kind)] = int(count)
    return found


def test_the_bars_and_the_table_match_the_tally_and_the_speaking_time(client, db, june_30_item):
    item = june_30_item
    tally = tallies(item.meeting_id)[item.id]
    chart = _chart(client.get(f"/meetings/{item.meeting_id}/items/{item.id}").get_data(as_text=True))
    bars = _bars(chart)
    for stance in Stance:
        assert bars[(stance.value, "spoken")] == tally.spoken[stance]
        assert bars[(stance.value, "written")] == tally.written[stance]
        # The number is written on the picture, not only in its size.
        assert f">{stance.label}: {tally.by_stance[stance]}</text>" in chart
    assert tally.spoken[Stance.support] > 0 and tally.written[Stance.oppose] > 0
    # The table says the same, row by row.
    row = r'<tr><th scope="row">(\w+)</th><td>(\d+)</td><td>(\d+)</td>(?:<td>\d+</td>)?<td>(\d+)</td>'
    rows = re.findall(row, chart)
    assert {r[0]: tuple(map(int, r[1:])) for r in rows} == {
        str(s.label): (tally.spoken[s], tally.written[s], tally.by_stance[s]) for s in Stance
    }
    spoke = db.session.execute(
        select(func.count(), func.sum(SpeakerRequest.elapsed_seconds)).where(
            SpeakerRequest.agenda_item_id == item.id, SpeakerRequest.status == SpeakerRequestStatus.spoke
        )
    ).one()
    assert spoke[0] > 0
    assert f"{spoke[0]} people spoke for {round(spoke[1] / 60)} minutes in all" in chart


def test_in_spanish(client, june_30_item):
    item = june_30_item
    client.get("/language/es")
    chart = _chart(client.get(f"/meetings/{item.meeting_id}/items/{item.id}").get_data(as_text=True))
    assert "El comentario público en cifras" in chart and ">De palabra</text>" in chart and "A favor" in chart
    assert "personas hablaron" in chart


def test_no_picture_when_nobody_commented(client, commission, open_meeting):
    meeting = open_meeting(commission[0])
    item = next(i for i in meeting.items if i.public_comment_required)
    page = client.get(f"/meetings/{meeting.id}/items/{item.id}").get_data(as_text=True)
    assert "chart-comment" not in page


def test_more_comments_same_queries(client, db, june_30_item, count_queries):
    item = june_30_item
    url = f"/meetings/{item.meeting_id}/items/{item.id}"
    client.get(url)
    with count_queries() as before:
        client.get(url)
    for n in range(25):
        db.session.add(
            WrittenComment(
                agenda_item_id=item.id, meeting_id=item.meeting_id, name=f"Resident {n}", stance=Stance.neutral,
                text="A letter.", disclaimer_version="1", status=WrittenCommentStatus.published, published_at=utcnow(),
            )
        )  # fmt: skip
    db.session.commit()
    with count_queries() as after:
        chart = _chart(client.get(url).get_data(as_text=True))
    assert _bars(chart)[("neutral", "written")] == tallies(item.meeting_id)[item.id].written[Stance.neutral]
    assert len(after) == len(before)
