"""The public matter page (issue 20): the whole life in time order, a fixed number of queries for any number of
appearances, nothing from a meeting that is not public."""

from datetime import timedelta

from app.core.timeutil import utcnow
from app.matters import services as matter_service
from app.meetings import agenda
from app.meetings.models import AgendaItemType


def _appearances(db, create_meeting, body, n, *, matter=None, public=True, offset=0):
    items = []
    for k in range(n):
        meeting = create_meeting(body, kind="regular", start_at=utcnow() + timedelta(days=7 * (k + offset + 1)),
                                 title=f"Meeting {k + offset}", status="noticed" if public else None)  # fmt: skip
        item = agenda.add_item(meeting, section="Resolutions", title="Harbor lease", body_md="",
                               item_type=AgendaItemType.motion, agreement_category="Lease", matter=matter,
                               actor=None)  # fmt: skip
        matter = item.matter
        if public:
            meeting.agenda_published_at = utcnow()
        items.append(item)
    db.session.commit()
    return items


def test_the_page_shows_every_appearance_in_order(client, db, create_meeting, create_body):
    body = create_body(name="City Commission", seat_count=5)
    items = _appearances(db, create_meeting, body, 3)
    matter = items[0].matter
    html = client.get(f"/matters/{matter.file_number}").get_data(as_text=True)
    assert f"File {matter.file_number}" in html and "Contract or agreement approval" in html
    assert [html.index(f"Meeting {k}<") for k in range(3)] == sorted(html.index(f"Meeting {k}<") for k in range(3))
    assert html.count("matter-entry-appearance") == 3
    assert client.get(f"/matters/id/{matter.id}").headers["Location"].endswith(f"/matters/{matter.file_number}")


def test_not_public_and_unknown_are_404(client, db, create_meeting, create_body):
    body = create_body(name="City Commission", seat_count=5)
    hidden = _appearances(db, create_meeting, body, 1, public=False)[0]
    assert client.get(f"/matters/{hidden.file_number}").status_code == 404
    for bad in ("99-9999", "x" * 300, "%00", "../etc"):
        assert client.get(f"/matters/{bad}").status_code == 404
    assert client.get("/matters/id/99999999999999999999").status_code == 404


def test_forty_appearances_in_a_fixed_number_of_queries(client, db, create_meeting, create_body, count_queries):
    body = create_body(name="City Commission", seat_count=5)
    items = _appearances(db, create_meeting, body, 2)
    matter = items[0].matter
    other = _appearances(db, create_meeting, body, 1, offset=50)[0].matter
    matter_service.relate(other, "supersedes", to_file_number=matter.file_number, actor=None)
    db.session.commit()
    url = f"/matters/{matter.file_number}"
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _appearances(db, create_meeting, body, 38, matter=matter, offset=2)
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert html.count("matter-entry-appearance") == 40
    assert "Superseded by" in html and other.file_number in html
    assert len(many) == len(few) <= 12, many


def test_the_demo_287g_matters_tell_the_story(client, app, db):
    from sqlalchemy import select

    from app.demo import seed_demo
    from app.legislation.models import Resolution, ResolutionStatus

    seed_demo()
    db.session.commit()
    june30, july8 = db.session.scalars(
        select(Resolution).where(Resolution.title.contains("287(g)")).order_by(Resolution.id)
    ).all()[:2]
    assert june30.item.matter.status.value == "adopted" and july8.item.matter.status.value == "adopted"
    assert june30.status != ResolutionStatus.draft
    html = client.get(f"/matters/{july8.item.file_number}").get_data(as_text=True)
    assert "Supersedes" in html and june30.item.file_number in html and "Authorizes an agreement" in html
    first = client.get(f"/matters/{june30.item.file_number}").get_data(as_text=True)
    assert "Superseded by" in first and "matter-entry-vote" in first and " yes, " in first
