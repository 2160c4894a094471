"""``GET /api/v1/topics`` and ``/api/v1/topics/<slug>``: the topics, and everything public under one, newest first
(issue 19)."""

from flask import abort, jsonify, url_for

from app.api import serializers
from app.api.views import DEFAULT_PER_PAGE, MAX_PER_PAGE, bp, int_param
from app.core.timeutil import to_local, utcnow
from app.legislation import services as legislation
from app.legislation import topic_records
from app.legislation.topic_records import AGREEMENT, ITEM
from app.topics import services as topics


def _topic(t, counts=None) -> dict:
    data = {
        "slug": t.slug,
        "name": t.name,
        "description": t.description,
        "retired": t.is_retired,
        "url": url_for("api.topic", slug=t.slug, _external=True),
        "html_url": url_for("portal.topic", slug=t.slug, _external=True),
    }
    if counts is not None:
        data["counts"] = dict(zip(("agenda_items", "resolutions", "agreements"), counts, strict=True))
    return data


@bp.route("/topics", endpoint="topics")
def topics_list():
    counts = topic_records.public_counts()
    return jsonify({"data": [_topic(t, counts.get(t.id, (0, 0, 0))) for t in topics.all_topics()]})


def _record(kind: int, record, today) -> dict:
    if kind == ITEM:
        meeting = record.meeting
        return {
            "kind": "agenda_item",
            "id": record.id,
            "title": record.title,
            "label": record.label,
            "date": to_local(meeting.start_at).date().isoformat(),
            "meeting_id": meeting.id,
            "body": meeting.body.name,
            "html_url": url_for("portal.item", meeting_id=meeting.id, item_id=record.id, _external=True),
        }
    if kind == AGREEMENT:
        return {
            "kind": "agreement",
            "id": record.id,
            "title": record.title,
            "date": serializers.day(record.signed_on),
            "status": legislation.agreement_status(record, today).status.value,
            "url": url_for("api.agreement", agreement_id=record.id, _external=True),
            "html_url": url_for("portal.agreement", agreement_id=record.id, _external=True),
        }
    meeting = record.item.meeting
    return {
        "kind": "resolution",
        "id": record.id,
        "title": record.title,
        "number": record.number,
        "status": record.status.value,
        "date": to_local(meeting.start_at).date().isoformat(),
        "meeting_id": meeting.id,
        "url": url_for("api.resolution", resolution_id=record.id, _external=True),
        "html_url": url_for("portal.resolution", resolution_id=record.id, _external=True),
    }


@bp.route("/topics/<slug>")
def topic(slug: str):
    found = topics.get_by_slug(slug)
    if found is None:
        abort(404)
    page = int_param("page", default=1, high=1_000_000)
    per_page = int_param("per_page", default=DEFAULT_PER_PAGE, high=MAX_PER_PAGE)
    listed = topic_records.under_topic(found, page, per_page, past_the_end="empty")
    today = to_local(utcnow()).date()

    def link(n):
        return url_for("api.topic", slug=found.slug, page=n, per_page=per_page, _external=True)

    return jsonify(
        {
            "topic": _topic(found),
            "data": [_record(kind, record, today) for kind, record in listed.records],
            "meta": {"page": page, "per_page": per_page, "total": listed.total, "pages": listed.pages},
            "links": {
                "self": link(page),
                "next": link(page + 1) if page < listed.pages else None,
                "prev": link(page - 1) if page > 1 else None,
            },
        }
    )
