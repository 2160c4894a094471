"""The list of topics and the tags on the record (app/topics/services.py)."""

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.meetings.models import AgendaItem, AgendaItemType
from app.topics import services as topics
from app.topics.models import Topic


@pytest.fixture
def item(db, create_meeting):
    meeting = create_meeting()
    found = AgendaItem(
        meeting_id=meeting.id,
        section="Resolutions",
        position=1,
        label="1.A",
        title="Declare the 287(g) agreement void",
        item_type=AgendaItemType.resolution,
        file_number="26-0001",
    )
    db.session.add(found)
    db.session.commit()
    return found


def test_a_topic_gets_a_readable_unique_address_that_survives_a_new_name(db):
    police = topics.create_topic("Policía y 287(g)", "Policing and immigration enforcement", actor=None)
    twin = topics.create_topic("Policia y 287 g", actor=None)
    db.session.commit()
    assert (police.slug, twin.slug) == ("policia-y-287-g", "policia-y-287-g-2")
    topics.edit_topic(police, "Police", "", actor=None)
    db.session.commit()
    assert topics.get_by_slug("policia-y-287-g").name == "Police"
    assert topics.get_by_slug("x" * 500) is None


@pytest.mark.parametrize(
    ("name", "field_message"),
    [("", "Give the topic a name."), ("   ", "Give the topic a name."), ("x" * 81, "at most 80 characters")],
)
def test_a_topic_needs_a_short_name(db, name, field_message):
    with pytest.raises(DomainError, match=field_message.replace("(", r"\(")) as refused:
        topics.create_topic(name, actor=None)
    assert refused.value.field == "name"


def test_two_topics_cannot_share_a_name_in_any_case(db):
    topics.create_topic("Budget", actor=None)
    with pytest.raises(DomainError, match="already a topic named"):
        topics.create_topic("budget", actor=None)
    other = topics.create_topic("Parks", actor=None)
    with pytest.raises(DomainError, match="already a topic named"):
        topics.edit_topic(other, "BUDGET", "", actor=None)


def test_tagging_is_audited_and_a_retired_topic_stays_but_cannot_be_added(db, item):
    police, budget = topics.create_topic("Police", actor=None), topics.create_topic("Budget", actor=None)
    assert topics.set_topics(item, topics.topics_by_ids([str(police.id), str(budget.id)]), actor=None)
    db.session.commit()
    assert [t.name for t in db.session.get(AgendaItem, item.id).topics] == ["Budget", "Police"]
    assert not topics.set_topics(item, [budget, police], actor=None)  # nothing changed, nothing audited
    topics.retire_topic(police, actor=None)
    assert topics.active_topics() == [budget]
    assert topics.set_topics(item, [police], actor=None)  # kept while it was already there
    parks = topics.create_topic("Parks", actor=None)
    topics.retire_topic(parks, actor=None)
    with pytest.raises(DomainError, match="retired topic"):
        topics.set_topics(item, [police, parks], actor=None)
    tags = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "topic.tag")).all()
    assert [(e.summary, e.data["removed"]) for e in tags] == [
        ("Topics set: Budget, Police", []),
        ("Topics set: Police", [budget.id]),
    ]


@pytest.mark.parametrize("ids", [["abc"], ["0"], [str(2**40)], ["999999"]])
def test_unknown_topic_ids_are_refused_not_dropped(db, ids):
    topics.create_topic("Police", actor=None)
    with pytest.raises(DomainError, match="Choose topics from the list"):
        topics.topics_by_ids(ids)


def test_a_topic_in_use_cannot_be_deleted_from_the_database(db, item):
    police = topics.create_topic("Police", actor=None)
    topics.set_topics(item, [police], actor=None)
    db.session.commit()
    db.session.delete(police)
    with pytest.raises(Exception):  # noqa: B017 (IntegrityError on both databases: RESTRICT)
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(Topic.name)) == "Police"
