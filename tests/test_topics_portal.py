"""Topics in public (issue 19): the topics list, a topic's page in time order and paged in a fixed number of
queries, a retired topic's page, the chips on the record's pages, the search filter on the page and the API, the
API's topics, the OCD subjects, the demo's topic pages and the Spanish labels."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.timeutil import utcnow
from app.demo import seed_demo
from app.legislation.models import Agreement, Resolution, ResolutionStatus
from app.meetings.models import AgendaItem, AgendaItemType
from app.search import index as search_index  # noqa: F401  (the index follows each flush)
from app.topics import services as topics
from app.topics.models import Topic


@pytest.fixture
def published(create_meeting, db):
    def make(body=None, **kw):
        meeting = create_meeting(body, status="noticed", **kw)
        meeting.agenda_published_at = meeting.first_published_at
        db.session.commit()
        return meeting

    return make


@pytest.fixture
def add_item(db):
    counter = iter(range(1, 10_000))

    def make(meeting, title, *, item_type=AgendaItemType.report, tags=()):
        n = next(counter)
        item = AgendaItem(
            meeting_id=meeting.id,
            section="Reports",
            position=n,
            label=f"{n}.A",
            title=title,
            body_md="",
            item_type=item_type,
            file_number=f"26-{n:04d}",
        )
        db.session.add(item)
        db.session.flush()
        if tags:
            topics.set_topics(item, list(tags), actor=None)
        db.session.commit()
        return item

    return make


@pytest.fixture
def harbor(db):
    topic = topics.create_topic("Harbor", "Boats, docks and the **marina**.", actor=None)
    db.session.commit()
    return topic


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_topic_page_lists_its_records_newest_first_with_their_meeting_and_body(
    client, db, published, add_item, harbor, create_body
):
    body = create_body(name="Port Authority")
    older = published(body, start_at=utcnow() - timedelta(days=40))
    newer = published(body, start_at=utcnow() - timedelta(days=5))
    add_item(older, "Dredging the channel", tags=[harbor])
    add_item(newer, "New mooring fees", tags=[harbor])
    item = add_item(newer, "A resolution on the marina lease", item_type=AgendaItemType.resolution, tags=[harbor])
    resolution = Resolution(agenda_item_id=item.id, item=item, title="Marina lease", status=ResolutionStatus.adopted)
    resolution.number, resolution.number_year, resolution.number_seq = "26-004", 2026, 4
    agreement = Agreement(title="Harbor patrol agreement", counterparty="County", category="Patrol")
    agreement.signed_on = (utcnow() - timedelta(days=1)).date()
    db.session.add_all([resolution, agreement])
    db.session.flush()
    topics.set_topics(resolution, [harbor], actor=None)
    topics.set_topics(agreement, [harbor], actor=None)
    add_item(published(), "Not about the harbor")
    unpublished = published()
    unpublished.agenda_published_at = None  # an agenda not yet public: its items are not listed
    db.session.commit()
    add_item(unpublished, "Secret harbor plan", tags=[harbor])

    html = _page(client, "/topics/harbor")
    assert "Topic: Harbor" in html and "<strong>marina</strong>" in html  # the description, as Markdown
    order = [html.index(t) for t in ("Harbor patrol agreement", "Marina lease", "New mooring fees", "Dredging")]
    assert order == sorted(order)
    assert "Resolution 26-004" in html and "Adopted" in html and "In force" in html
    assert "Port Authority" in html
    assert "Not about the harbor" not in html and "Secret harbor plan" not in html
    assert f'href="/meetings/{older.id}/items/' in html and f'href="/resolutions/{resolution.id}"' in html

    listing = _page(client, "/topics")
    assert 'href="/topics/harbor"' in listing
    # 3 public items (the resolution's own item among them), 1 resolution, 1 agreement
    row = listing[listing.index('href="/topics/harbor"') :]
    assert [cell.split("</td>")[0] for cell in row.split("<td>")[1:4]] == ["3", "1", "1"]


def test_a_topic_page_is_paged_in_a_fixed_number_of_queries(client, db, published, add_item, harbor, count_queries):
    meeting = published()
    for n in range(5):
        add_item(meeting, f"Harbor report {n}", tags=[harbor])
    _page(client, "/topics/harbor")  # warm
    with count_queries() as few:
        _page(client, "/topics/harbor?page=1")
    for n in range(5, 45):
        add_item(meeting, f"Harbor report {n}", tags=[harbor])
    with count_queries() as many:
        html = _page(client, "/topics/harbor?page=2")
    assert len(many) == len(few) <= 8, many
    assert "Page 2 of 3" in html and html.count('class="topic-entry ') == 20
    # Past the end: the last page; nonsense: the first.
    assert "Page 3 of 3" in _page(client, "/topics/harbor?page=99")
    assert "Page 1 of 3" in _page(client, "/topics/harbor?page=abc")


def test_a_retired_topic_keeps_its_page_and_unknown_ones_are_404(client, db, published, add_item, harbor):
    add_item(published(), "Ferry terminal", tags=[harbor])
    topics.retire_topic(harbor, actor=None)
    db.session.commit()
    html = _page(client, "/topics/harbor")
    assert "Ferry terminal" in html and "no longer used for new records" in html
    assert client.get("/topics/no-such-topic").status_code == 404
    assert client.get("/topics/" + "x" * 500).status_code == 404


def test_chips_on_the_item_resolution_and_agreement_pages_link_to_the_topic(client, db, published, add_item, harbor):
    meeting = published()
    item = add_item(meeting, "Marina resolution", item_type=AgendaItemType.resolution, tags=[harbor])
    resolution = Resolution(agenda_item_id=item.id, item=item, title="Marina resolution")
    agreement = Agreement(title="Dock agreement", counterparty="State", category="Lease")
    db.session.add_all([resolution, agreement])
    db.session.flush()
    topics.set_topics(resolution, [harbor], actor=None)
    topics.set_topics(agreement, [harbor], actor=None)
    db.session.commit()
    for url in (
        f"/meetings/{meeting.id}/items/{item.id}",
        f"/resolutions/{resolution.id}",
        f"/agreements/{agreement.id}",
    ):
        html = _page(client, url)
        assert 'class="topic-chip" href="/topics/harbor">Harbor</a>' in html, url
    untagged = add_item(meeting, "Nothing tagged")
    assert "topic-chip" not in _page(client, f"/meetings/{meeting.id}/items/{untagged.id}")


def test_search_filters_by_topic_on_the_page_and_the_api(client, db, published, add_item, harbor):
    meeting = published()
    add_item(meeting, "Lighthouse repair at the harbor", tags=[harbor])
    add_item(meeting, "Lighthouse repair downtown")
    html = _page(client, "/search?q=lighthouse&topic=harbor")
    assert "at the harbor" in html and "downtown" not in html
    assert '<option value="harbor" selected>Harbor</option>' in html
    # A topic alone lists everything under it.
    assert "at the harbor" in _page(client, "/search?topic=harbor")
    bad = client.get("/search?q=lighthouse&topic=nope")
    assert bad.status_code == 400 and "downtown" in bad.get_data(as_text=True)
    data = client.get("/api/v1/search?q=lighthouse&topic=harbor").json["data"]
    assert [d["title"] for d in data] == ["1.A Lighthouse repair at the harbor"]
    assert client.get("/api/v1/search?q=lighthouse&topic=nope").json["data"] == []
    # A value that cannot be a slug never reaches the database (PostgreSQL refuses a NUL byte in text).
    for garbage in ("%00x", "Harbor", "two words", "%C3%BE"):
        refused = client.get(f"/api/v1/search?q=lighthouse&topic={garbage}")
        assert refused.status_code == 400 and "topic" in refused.get_data(as_text=True), garbage


def test_the_search_page_keeps_its_query_count_with_the_topic_select(
    client, published, add_item, harbor, count_queries
):
    meeting = published()
    for n in range(25):
        add_item(meeting, f"Harbor item {n}", tags=[harbor])
    client.get("/search?q=harbor")
    with count_queries() as statements:
        response = client.get("/search?q=harbor&topic=harbor&sort=relevance")
    assert response.status_code == 200
    assert len(statements) <= 5, statements  # city profile, bodies and topics, SET LOCAL, the count, the page


def test_the_api_names_topics_and_lists_what_is_under_one(client, db, published, add_item, harbor):
    meeting = published()
    item = add_item(meeting, "Marina resolution", item_type=AgendaItemType.resolution, tags=[harbor])
    resolution = Resolution(agenda_item_id=item.id, item=item, title="Marina resolution")
    agreement = Agreement(title="Dock agreement", counterparty="State", category="Lease")
    db.session.add_all([resolution, agreement])
    db.session.flush()
    topics.set_topics(resolution, [harbor], actor=None)
    topics.set_topics(agreement, [harbor], actor=None)
    db.session.commit()
    tag = [{"slug": "harbor", "name": "Harbor"}]
    assert client.get(f"/api/v1/meetings/{meeting.id}").json["agenda_items"][0]["topics"] == tag
    assert client.get(f"/api/v1/resolutions/{resolution.id}").json["topics"] == tag
    assert client.get(f"/api/v1/agreements/{agreement.id}").json["topics"] == tag
    assert client.get(f"/api/v1/ocd/bills/{resolution.id}").json["subject"] == ["Harbor"]
    listed = client.get("/api/v1/topics").json["data"]
    assert listed[0]["slug"] == "harbor" and listed[0]["counts"] == {
        "agenda_items": 1,
        "resolutions": 1,
        "agreements": 1,
    }
    under = client.get("/api/v1/topics/harbor").json
    assert under["topic"]["name"] == "Harbor" and under["meta"]["total"] == 3
    assert {d["kind"] for d in under["data"]} == {"agenda_item", "resolution", "agreement"}
    assert client.get("/api/v1/topics/nope").status_code == 404
    assert client.get("/api/v1/topics/harbor?page=9").json["data"] == []


def test_the_demo_topic_pages_tell_the_287g_story(client, db):
    seed_demo()
    db.session.commit()
    assert seed_demo() == 0  # twice changes nothing
    html = _page(client, "/topics")
    for name in ("Police", "Immigration enforcement", "Intergovernmental agreements", "Budget", "Parks"):
        assert name in html
    page = _page(client, "/topics/immigration-enforcement")
    assert "287(g) Task Force Model Memorandum of Agreement" in page
    assert page.count("Resolution 25-") >= 2 and page.count('class="topic-entry ') >= 5
    assert 'href="/topics"' in _page(client, "/")  # the crawler reaches the topics from the navigation
    parks = db.session.scalar(select(Topic).where(Topic.name == "Parks"))
    assert "Truman Waterfront Park" in _page(client, f"/topics/{parks.slug}")


def test_spanish_labels(client, db, published, add_item, harbor):
    add_item(published(), "Ferry terminal", tags=[harbor])
    client.get("/language/es")
    assert "Temas" in _page(client, "/topics")
    html = _page(client, "/topics/harbor")
    assert "Tema: Harbor" in html and "Punto de la agenda" in html


def test_the_meeting_page_shows_each_items_topics_in_a_fixed_number_of_queries(
    client, db, published, add_item, harbor, count_queries
):
    meeting = published()
    parks = topics.create_topic("Parks", "", actor=None)
    db.session.commit()
    tagged = add_item(meeting, "Marina lease", tags=[harbor, parks])
    plain = add_item(meeting, "Nothing tagged")
    html = _page(client, f"/meetings/{meeting.id}")
    entry = html[html.index(f'id="item-{tagged.id}"') : html.index(f'id="item-{plain.id}"')]
    assert re.findall(r'class="topic-chip" href="/topics/(\w+)"', entry) == ["harbor", "parks"]
    assert "topic-chip" not in html[html.index(f'id="item-{plain.id}"') :].split("</li>")[0]
    with count_queries() as few:
        client.get(f"/meetings/{meeting.id}?fresh=1")
    for n in range(6):
        add_item(meeting, f"More {n}", tags=[harbor])
    with count_queries() as many:
        client.get(f"/meetings/{meeting.id}?fresh=2")
    assert len(many) == len(few) > 5  # the page was built both times, not served from the cache
