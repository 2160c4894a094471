"""Keeping the list of topics and tagging the record with them. Every change is audited."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text, slugify
from app.core.timeutil import utcnow
from app.extensions import db
from app.topics.models import NAME_MAX, SLUG_MAX, Topic

DESCRIPTION_MAX = 2000


def active_topics() -> list[Topic]:
    """The topics offered for tagging and following, by name."""
    return list(db.session.scalars(select(Topic).where(Topic.retired_at.is_(None)).order_by(Topic.name)))


def all_topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.retired_at.is_not(None), Topic.name)))


def get_by_slug(slug: str) -> Topic | None:
    if len(slug) > SLUG_MAX:
        return None
    return db.session.scalar(select(Topic).where(Topic.slug == slug))


def _checked_name(name: str, *, other_than: Topic | None = None) -> str:
    name = clean_text(name)
    if not name:
        raise DomainError(_("Give the topic a name."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_("A topic's name has at most %(max)d characters.", max=NAME_MAX), field="name")
    same = select(Topic.id).where(func.lower(Topic.name) == name.lower())
    if other_than is not None:
        same = same.where(Topic.id != other_than.id)
    if db.session.scalar(same) is not None:
        raise DomainError(_("There is already a topic named %(name)s.", name=name), field="name")
    return name


def _checked_description(description: str) -> str:
    description = clean_text(description, multiline=True)
    if len(description) > DESCRIPTION_MAX:
        raise DomainError(_("A description has at most %(max)d characters.", max=DESCRIPTION_MAX), field="description")
    return description


def _free_slug(name: str) -> str:
    """The name's slug, made unique with a number when two names read the same in ASCII."""
    base = slugify(name, SLUG_MAX - 4) or "topic"
    taken = set(db.session.scalars(select(Topic.slug).where(Topic.slug.like(f"{base}%"))))
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def create_topic(name: str, description: str = "", *, actor) -> Topic:
    topic = Topic(name=_checked_name(name), description=_checked_description(description), created_at=utcnow())
    topic.slug = _free_slug(topic.name)
    db.session.add(topic)
    db.session.flush()
    audit.record("topic.create", topic, f"Topic created: {topic.name}", actor=actor)
    return topic


def edit_topic(topic: Topic, name: str, description: str, *, actor) -> None:
    """A new name keeps the slug: published links to the topic page go on working."""
    old = topic.name
    topic.name = _checked_name(name, other_than=topic)
    topic.description = _checked_description(description)
    db.session.flush()
    audit.record(
        "topic.edit", topic, f"Topic edited: {topic.name}", actor=actor, data={"old_name": old, "name": topic.name}
    )


def retire_topic(topic: Topic, *, actor) -> None:
    """No longer offered for tagging; its page and its tags stay."""
    if topic.retired_at is None:
        topic.retired_at = utcnow()
        db.session.flush()
        audit.record("topic.retire", topic, f"Topic retired: {topic.name}", actor=actor)


def restore_topic(topic: Topic, *, actor) -> None:
    if topic.retired_at is not None:
        topic.retired_at = None
        db.session.flush()
        audit.record("topic.restore", topic, f"Topic restored: {topic.name}", actor=actor)


def topics_by_ids(ids) -> list[Topic]:
    """The topics named by a form's ids (strings or ints); unknown ids are refused, not dropped silently."""
    try:
        wanted = {int(i) for i in ids if str(i).strip()}
    except (TypeError, ValueError):
        raise DomainError(_("Choose topics from the list."), field="topics") from None
    if not wanted:
        return []
    if max(wanted) > 2**31 - 1 or min(wanted) < 1:
        raise DomainError(_("Choose topics from the list."), field="topics")
    found = list(db.session.scalars(select(Topic).where(Topic.id.in_(wanted)).order_by(Topic.name)))
    if len(found) != len(wanted):
        raise DomainError(_("Choose topics from the list."), field="topics")
    return found


def set_topics(record, topics: list[Topic], *, actor) -> bool:
    """Tag an agenda item, a resolution or an agreement (anything with a ``topics`` list). A retired topic
    already on the record may stay, but cannot be newly added. Returns whether anything changed."""
    before = {t.id for t in record.topics}
    after = {t.id for t in topics}
    added = [t for t in topics if t.id not in before]
    if any(t.is_retired for t in added):
        raise DomainError(_("A retired topic cannot be added."), field="topics")
    if before == after:
        return False
    record.topics = sorted(topics, key=lambda t: t.name)
    db.session.flush()
    names = ", ".join(t.name for t in record.topics) or "none"
    audit.record(
        "topic.tag",
        record,
        f"Topics set: {names}",
        actor=actor,
        data={"added": sorted(after - before), "removed": sorted(before - after)},
    )
    return True


def tag_counts() -> dict[int, tuple[int, int, int]]:
    """Per topic: how many agenda items, resolutions and agreements carry it (drafts included), in one query."""
    from sqlalchemy import literal, union_all

    from app.topics.models import agenda_item_topics, agreement_topics, resolution_topics

    tags = union_all(
        *(
            select(table.c.topic_id, literal(n).label("kind"))
            for n, table in enumerate((agenda_item_topics, resolution_topics, agreement_topics))
        )
    ).subquery()
    counts: dict[int, list[int]] = {}
    for topic_id, kind, n in db.session.execute(
        select(tags.c.topic_id, tags.c.kind, func.count()).group_by(tags.c.topic_id, tags.c.kind)
    ):
        counts.setdefault(topic_id, [0, 0, 0])[kind] = n
    return {topic_id: tuple(c) for topic_id, c in counts.items()}
