"""Keeping the topics and tagging the record with them (issue 19): the staff page (create, edit, retire, restore,
with what was typed kept on a refusal), who may use it, and the topics field of the item, resolution and agreement
forms (audited; a retired topic kept but not newly added; a form without the field leaves the tags alone; the
version check still refuses a stale page)."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.legislation.models import Agreement, Resolution, ResolutionStatus
from app.meetings import agenda
from app.meetings.models import AgendaItem, AgendaItemType
from app.topics import services as topics
from app.topics.models import Topic


def text(response) -> str:
    return response.get_data(as_text=True)


def version_in(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def audits(db, action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


@pytest.fixture
def clerk(login_as):
    return login_as(Role.clerk)


@pytest.fixture
def two(db):
    harbor = topics.create_topic("Harbor", actor=None)
    parks = topics.create_topic("Parks", actor=None)
    db.session.commit()
    return harbor, parks


def test_a_clerk_creates_edits_retires_and_restores_a_topic(client, db, clerk):
    response = client.post("/staff/topics/", data={"new-name": "  Harbor ", "new-description": "Boats and docks."})
    assert response.status_code == 302
    topic = db.session.scalar(select(Topic))
    assert (topic.name, topic.slug, topic.description) == ("Harbor", "harbor", "Boats and docks.")
    assert audits(db, "topic.create")[0].actor_id == clerk.id

    page = text(client.get("/staff/topics/"))
    assert "Harbor" in page and 'href="/topics/harbor"' in page

    assert (
        client.post(f"/staff/topics/{topic.id}", data={"name": "Harbor and marina", "description": ""}).status_code
        == 302
    )
    db.session.expire_all()
    assert (topic.name, topic.slug) == ("Harbor and marina", "harbor")  # the address is kept

    assert client.post(f"/staff/topics/{topic.id}/retire").status_code == 302
    db.session.expire_all()
    assert topic.is_retired and "Retired" in text(client.get("/staff/topics/"))
    assert client.post(f"/staff/topics/{topic.id}/restore").status_code == 302
    db.session.expire_all()
    assert not topic.is_retired
    assert [len(audits(db, a)) for a in ("topic.edit", "topic.retire", "topic.restore")] == [1, 1, 1]


def test_refusals_keep_what_was_typed(client, db, clerk, two):
    empty = client.post("/staff/topics/", data={"new-name": "", "new-description": "Kept description"})
    assert empty.status_code == 422
    assert "Give the topic a name." in text(empty) and "Kept description" in text(empty)

    same = client.post("/staff/topics/", data={"new-name": "harbor", "new-description": "Typed"})
    assert same.status_code == 422 and "There is already a topic named harbor." in text(same)
    assert 'value="harbor"' in text(same) and "Typed" in text(same)

    long = client.post("/staff/topics/", data={"new-name": "x" * 81})
    assert long.status_code == 422 and "at most 80 characters" in text(long)

    harbor, parks = two
    clash = client.post(f"/staff/topics/{parks.id}", data={"name": "Harbor", "description": "Mine"})
    assert clash.status_code == 422 and "There is already a topic named Harbor." in text(clash)
    assert "Mine" in text(clash)
    assert client.get("/staff/topics/99999").status_code == 404
    assert db.session.scalar(select(Topic.id).where(Topic.name == "x" * 81)) is None


def test_only_editors_keep_the_topics(client, login_as, two):
    login_as(Role.commissioner)
    assert client.get("/staff/topics/").status_code == 403
    assert client.post("/staff/topics/", data={"new-name": "Mine"}).status_code == 403


@pytest.fixture
def item(create_meeting, db):
    meeting = create_meeting(kind="regular")
    item = agenda.add_item(
        meeting,
        section=meeting.body.agenda_sections[0],
        title="Marina lease",
        body_md="Summary.",
        item_type=AgendaItemType.resolution,
        actor=None,
    )
    db.session.commit()
    return item


def item_form(version: str, **extra) -> dict:
    return {
        "version": version,
        "title": "Marina lease",
        "item_type": "resolution",
        "body_md": "Summary.",
        "public_comment_required": "y",
        "comment_exemption": "",
        **extra,
    }


def test_tagging_an_item_through_its_form(client, db, clerk, two, item):
    harbor, parks = two
    url = f"/staff/items/{item.id}"
    page = text(client.get(url))
    assert 'name="topic_ids"' in page and "Harbor" in page and "Parks" in page
    saved = client.post(url, data={**item_form(version_in(page)), "topic_ids": ["", str(harbor.id), str(parks.id)]})
    assert saved.status_code == 302
    db.session.expire_all()
    assert [t.name for t in db.session.get(AgendaItem, item.id).topics] == ["Harbor", "Parks"]
    entry = audits(db, "topic.tag")[-1]
    assert entry.actor_id == clerk.id and entry.data == {"added": sorted([harbor.id, parks.id]), "removed": []}

    # A form without the field (a script, an older page) leaves the topics alone.
    page = text(client.get(url))
    assert re.search(rf'value="{harbor.id}"[^>]*checked|checked[^>]*value="{harbor.id}"', page)
    assert client.post(url, data=item_form(version_in(page), title="Marina lease, amended")).status_code == 302
    db.session.expire_all()
    assert len(db.session.get(AgendaItem, item.id).topics) == 2

    # Every box unticked (the marker alone): the topics are cleared.
    page = text(client.get(url))
    assert client.post(url, data={**item_form(version_in(page)), "topic_ids": [""]}).status_code == 302
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).topics == []


def test_a_retired_topic_stays_but_cannot_be_added(client, db, clerk, two, item):
    harbor, parks = two
    topics.set_topics(item, [harbor], actor=None)
    topics.retire_topic(harbor, actor=None)
    topics.retire_topic(parks, actor=None)
    db.session.commit()
    url = f"/staff/items/{item.id}"
    page = text(client.get(url))
    assert "Harbor (retired)" in page and "Parks" not in page  # kept on the record, the other not offered
    refused = client.post(url, data={**item_form(version_in(page)), "topic_ids": ["", str(harbor.id), str(parks.id)]})
    assert refused.status_code == 422 and "Choose topics from the list." in text(refused)
    nonsense = client.post(url, data={**item_form(version_in(page)), "topic_ids": ["", "abc", "99999999999999"]})
    assert nonsense.status_code == 422
    kept = client.post(url, data={**item_form(version_in(page)), "topic_ids": ["", str(harbor.id)]})
    assert kept.status_code == 302
    db.session.expire_all()
    assert [t.name for t in db.session.get(AgendaItem, item.id).topics] == ["Harbor"]


def test_a_stale_page_is_still_refused_and_the_ticked_topics_kept(app, client, db, clerk, two, item, create_user):
    harbor, _parks = two
    url = f"/staff/items/{item.id}"
    stale = version_in(text(client.get(url)))
    assert client.post(url, data=item_form(stale, title="Someone else's title")).status_code == 302
    refused = client.post(url, data={**item_form(stale, title="Mine"), "topic_ids": ["", str(harbor.id)]})
    assert refused.status_code == 409
    assert re.search(rf'checked[^>]*value="{harbor.id}"|value="{harbor.id}"[^>]*checked', text(refused))
    db.session.expire_all()
    assert db.session.get(AgendaItem, item.id).topics == []


def test_tagging_a_resolution_draft_and_an_adopted_one(client, db, clerk, two, item):
    harbor, parks = two
    url = f"/staff/items/{item.id}/resolution"
    page = text(client.get(url))
    form = {"res-title": "Marina lease", "res-text_md": "Text", "res-topic_ids": ["", str(harbor.id)]}
    assert client.post(url, data=form).status_code == 302
    resolution = db.session.scalar(select(Resolution).where(Resolution.agenda_item_id == item.id))
    assert [t.name for t in resolution.topics] == ["Harbor"]

    resolution.status, resolution.adopted_on, resolution.effective_on = ResolutionStatus.adopted, date(2026, 1, 5), None
    resolution.number, resolution.number_year, resolution.number_seq = "26-001", 2026, 1
    resolution.effective_on = resolution.adopted_on
    db.session.commit()
    page = text(client.get(url))
    assert "Save the topics" in page
    topics_only = {
        "topics_only": "1",
        "res-version": re.search(r'name="res-version" type="hidden" value="(\d+)"', page).group(1),
    }
    saved = client.post(url, data={**topics_only, "res-topic_ids": ["", str(parks.id)]})
    assert saved.status_code == 302
    db.session.expire_all()
    resolution = db.session.get(Resolution, resolution.id)
    assert [t.name for t in resolution.topics] == ["Parks"] and resolution.text_md == "Text"
    assert len(audits(db, "topic.tag")) == 2


def test_tagging_an_agreement(client, db, clerk, two):
    harbor, _parks = two
    form = {"agr-title": "Dock MOA", "agr-counterparty": "State", "agr-category": "Lease"}
    assert client.post("/staff/agreements/new", data={**form, "agr-topic_ids": ["", str(harbor.id)]}).status_code == 302
    agreement = db.session.scalar(select(Agreement))
    assert [t.name for t in agreement.topics] == ["Harbor"]
    page = text(client.get(f"/staff/agreements/{agreement.id}"))
    assert re.search(rf'checked[^>]*value="{harbor.id}"|value="{harbor.id}"[^>]*checked', page)
    refused = client.post(
        f"/staff/agreements/{agreement.id}", data={**form, "agr-title": "", "agr-topic_ids": ["", "12345"]}
    )
    assert refused.status_code == 422 and "Choose topics from the list." in text(refused)
