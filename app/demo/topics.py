"""Demo topics (issue 19): the 287(g) story under "Police", "Immigration enforcement" and "Intergovernmental
agreements", and a few ordinary subjects, so that the topic pages have something to show."""

from sqlalchemy import select

from app.extensions import db
from app.legislation.models import Agreement, Resolution
from app.meetings.models import AgendaItem
from app.topics import services as topics
from app.topics.models import Topic

TOPICS = [
    ("Police", "The Police Department: its agreements, policies and budget."),
    ("Immigration enforcement", "The City's part, or refusal of a part, in federal immigration enforcement."),
    ("Intergovernmental agreements", "Agreements between the City and county, state or federal agencies."),
    ("Budget", "The City's budget, fees and spending."),
    ("Parks", "Parks, the waterfront and public spaces."),
    ("Emergency preparedness", "Hurricanes, storms and the City's emergency plans."),
]
STORY_287G = ("Police", "Immigration enforcement", "Intergovernmental agreements")
#: (words in an item's title, the topics it carries); a resolution drafted from the item carries them too.
ITEMS = [
    ("287(g)", STORY_287G),
    ("Truman Waterfront Park", ("Parks", "Budget")),
    ("hurricane season emergency plan", ("Emergency preparedness",)),
    ("City Manager's report", ("Budget",)),
]


def seed_topics() -> int:
    created = 0
    by_name = {t.name: t for t in db.session.scalars(select(Topic))}
    for name, description in TOPICS:
        if name not in by_name:
            by_name[name] = topics.create_topic(name, description, actor=None)
            created += 1
    for words, names in ITEMS:
        chosen = [by_name[n] for n in names]
        for item in db.session.scalars(select(AgendaItem).where(AgendaItem.title.contains(words))):
            if not item.topics:
                topics.set_topics(item, chosen, actor=None)
            resolution = db.session.scalar(select(Resolution).where(Resolution.agenda_item_id == item.id))
            if resolution is not None and not resolution.topics:
                topics.set_topics(resolution, chosen, actor=None)
    for agreement in db.session.scalars(select(Agreement).where(Agreement.title.contains("287(g)"))):
        if not agreement.topics:
            topics.set_topics(agreement, [by_name[n] for n in STORY_287G], actor=None)
    db.session.flush()
    return created
