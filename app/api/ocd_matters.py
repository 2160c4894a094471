"""Open Civic Data: a matter (issue 20) as an OCD Bill, its history as the bill's actions (pupa's bill schema)."""

from flask import abort, jsonify, url_for

from app.api.matters import version_links
from app.api.ocd import _id
from app.api.views import bp
from app.city.services import city_name
from app.core.timeutil import to_local
from app.extensions import db
from app.legislation import matter_history
from app.matters.models import Matter, MatterActionKind, MatterRelationKind, VersionSource

A = MatterActionKind
_CLASSIFICATION = {
    "resolution": "resolution",
    "ordinance": "ordinance",
    "contract": "contract",
    "proclamation": "proclamation",
    "appointment": "appointment",
    "report": "study request",
    "other": "motion",
}
_ACTIONS = {
    A.introduced: ["introduction"],
    A.placed_on_agenda: [],
    A.approved: ["passage"],
    A.adopted: ["passage"],
    A.failed: ["failure"],
    A.deferred: ["deferral"],
    A.continued: ["deferral"],
    A.tabled: ["deferral"],
    A.referred: ["referral"],
    A.withdrawn: ["withdrawal"],
    A.first_reading_passed: ["reading-1"],
    A.second_reading_adopted: ["reading-2", "passage"],
    A.filed: ["filing"],
    A.reopened: [],
}
_AMENDED = {VersionSource.amended: "amendment-passage", VersionSource.substituted: "substitution"}
_RELATED = {MatterRelationKind.supersedes: "replaces", MatterRelationKind.amends: "companion"}


def _version_note(v) -> str:
    """The version's note, e.g. "Version 2 (amended at the meeting of 2025-07-08)"."""
    where = f" at the meeting of {to_local(v.meeting.start_at).date().isoformat()}" if v.meeting else ""
    return f"Version {v.number} ({v.source.value}{where})"


def _action(e: matter_history.Entry, organization: str) -> dict | None:
    if e.kind == matter_history.ACTION:
        description, classification = str(e.action.action.label), _ACTIONS[e.action.action]
    elif e.kind == matter_history.VERSION and e.version.source in _AMENDED:
        description = f"{e.version.source.label} (version {e.version.number})"
        classification = [_AMENDED[e.version.source]]
    else:
        return None
    return {
        "organization": e.meeting.body.name if e.meeting else organization,
        "date": to_local(e.at).date().isoformat(),
        "description": description,
        "classification": classification,
        "related_entities": [],
    }


def matter_bill_id(matter: Matter) -> str:
    return _id("bill", url_for("portal.matter", file_number=matter.file_number, _external=True))


def matter_bill(record: matter_history.MatterRecord) -> dict:
    matter = record.matter
    organization = record.items[0].meeting.body.name
    # The steps, and the amendments that changed the text at a meeting, in the history's time order.
    actions = [a for a in (_action(e, organization) for e in record.entries) if a is not None]
    return {
        "_type": "bill",
        "id": matter_bill_id(matter),
        "legislative_session": str(to_local(matter.created_at).year),
        "identifier": matter.file_number,
        "title": matter.title,
        "from_organization": organization,
        "classification": [_CLASSIFICATION[matter.matter_type.value]],
        "subject": [t.name for t in record.topics],
        "abstracts": [{"abstract": matter.summary, "note": ""}] if matter.summary else [],
        "other_titles": [],
        "other_identifiers": [],
        "actions": actions,
        "sponsorships": [
            {
                "primary": n == 0,
                "classification": "sponsor",
                "name": s.full_name,
                "entity_type": "person",
                "person_id": None,
                "organization_id": None,
            }
            for n, s in enumerate(record.sponsors)
        ],
        "related_bills": [
            {
                "identifier": r.to_matter.file_number,
                "legislative_session": str(to_local(r.to_matter.created_at).year),
                "relation_type": _RELATED[r.kind],
            }
            for r in record.relations_from
            if r.to_matter is not None and r.kind in _RELATED
        ],
        "versions": [
            {
                "note": _version_note(v),
                "date": to_local(v.created_at).date().isoformat(),
                "links": [
                    {"media_type": "text/html", "url": links["html_url"]},
                    {"media_type": "text/plain", "url": links["text_url"]},
                ],
            }
            for v in record.versions
            for links in [version_links(matter, v.number)]
        ],
        "documents": [
            {
                "note": e.attachment.original_filename,
                "date": to_local(e.at).date().isoformat(),
                "links": [
                    {
                        "media_type": e.attachment.content_type,
                        "url": url_for("meetings.attachment", attachment_id=e.attachment.id, _external=True),
                    }
                ],
            }
            for e in record.entries
            if e.kind == matter_history.DOCUMENT
        ],
        "sources": [
            {
                "url": url_for("portal.matter", file_number=matter.file_number, _external=True),
                "note": f"{city_name()} (Dais)",
            }
        ],
        "extras": {"status": matter.status.value, "type": matter.matter_type.value},
    }


@bp.route("/ocd/matters/<id:matter_id>", endpoint="ocd_matter")
def ocd_matter(matter_id: int):
    record = matter_history.public_matter(db.session.get(Matter, matter_id))
    if record is None:
        abort(404)
    return jsonify(matter_bill(record))
