"""``/topics`` and ``/topics/<slug>``: every topic, and everything public under one in time order (issue 19).
The listing itself is ``app.legislation.topic_records``."""

from dataclasses import dataclass
from datetime import date

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from app.core.cache import public_page
from app.core.timeutil import to_local, utcnow
from app.legislation import services as legislation
from app.legislation import topic_records
from app.legislation.topic_records import AGREEMENT, ITEM
from app.portal.views import bp
from app.topics import services as topics

PER_PAGE = 20


@dataclass(frozen=True)
class Entry:
    """One record under a topic, as its page lists it."""

    kind: str
    kind_label: str
    title: str
    url: str
    day: date | None
    details: list[str]


@bp.route("/topics", endpoint="topics")
@public_page()
def topics_index():
    counts = topic_records.public_counts()
    shown = [(t, counts.get(t.id, (0, 0, 0))) for t in topics.all_topics()]
    # A retired topic is listed while something public carries it; its page stays reachable either way.
    shown = [(t, c) for t, c in shown if not t.is_retired or sum(c)]
    return render_template("portal/topics.html", topics=shown)


def _page_number() -> int:
    raw = request.args.get("page", "").strip()
    if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7:
        return int(raw)
    return 1


def _entry(kind: int, record, today: date) -> Entry:
    if kind == ITEM:
        meeting = record.meeting
        return Entry(
            "item",
            _("Agenda item"),
            f"{record.label} {record.title}",
            url_for("portal.item", meeting_id=meeting.id, item_id=record.id),
            to_local(meeting.start_at).date(),
            [meeting.body.name, meeting.title],
        )
    if kind == AGREEMENT:
        state = legislation.agreement_status(record, today)
        return Entry(
            "agreement",
            _("Agreement"),
            record.title,
            url_for("portal.agreement", agreement_id=record.id),
            record.signed_on,
            [str(state.status.label), record.counterparty],
        )
    meeting = record.item.meeting
    return Entry(
        "resolution",
        _("Resolution %(number)s", number=record.number) if record.number else _("Resolution"),
        record.title,
        url_for("portal.resolution", resolution_id=record.id),
        to_local(meeting.start_at).date(),
        [str(record.status.label), meeting.body.name],
    )


@bp.route("/topics/<slug>")
@public_page("page")
def topic(slug: str):
    found = topics.get_by_slug(slug)
    if found is None:
        abort(404)
    listed = topic_records.under_topic(found, _page_number(), PER_PAGE)
    today = to_local(utcnow()).date()
    return render_template(
        "portal/topic.html",
        topic=found,
        entries=[_entry(kind, record, today) for kind, record in listed.records],
        page=listed.page,
        pages=listed.pages,
        total=listed.total,
    )
