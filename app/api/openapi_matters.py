"""The OpenAPI paths and schemas of matters (issue 20), kept beside ``app.api.openapi``; ``openapi.document`` merges
them."""

from app.api.openapi import DATE, DATETIME, INTEGER, STRING, URL, _array, _list, _nullable, _object, _one, _ref
from app.matters.models import MatterActionKind, MatterRelationKind, MatterStatus, MatterType, VersionSource
from app.matters.readings import MEDIA

_SUMMARY = {
    "id": INTEGER,
    "file_number": STRING,
    "type": {"type": "string", "enum": [t.value for t in MatterType]},
    "title": STRING,
    "status": {"type": "string", "enum": [s.value for s in MatterStatus]},
    "opened": DATE,
    "url": URL,
    "html_url": URL,
}

#: How a version of the text came to be: introduced, revised by staff, amended or substituted at a meeting.
_SOURCE = {"type": "string", "enum": [s.value for s in VersionSource]}

SCHEMAS = {
    "MatterSummary": _object(_SUMMARY),
    "MatterHistoryEntry": _object(
        {
            "kind": {"type": "string", "enum": ["appearance", "action", "vote", "document", "version"]},
            "at": DATETIME,
            "meeting_id": _nullable(INTEGER),
            "agenda_item_id": _nullable(INTEGER),
            "action": {"type": "string", "enum": [a.value for a in MatterActionKind]},
            "note": STRING,
            "target_date": _nullable(DATE),
            "target_meeting_id": _nullable(INTEGER),
            "referred_to": _nullable(STRING),
            "motion_id": _nullable(INTEGER),
            "motion_kind": STRING,
            "result": _nullable(STRING),
            "tally": _object({"yes": INTEGER, "no": INTEGER, "abstain": INTEGER, "absent": INTEGER}),
            "filename": STRING,
            "url": URL,
            "label": STRING,
            "reading": _nullable(STRING),
            "withdrawn": {"type": "boolean"},
            "version": INTEGER,
            "source": _SOURCE,
        },
        optional=(
            "action",
            "note",
            "target_date",
            "target_meeting_id",
            "referred_to",
            "motion_id",
            "motion_kind",
            "result",
            "tally",
            "filename",
            "url",
            "label",
            "reading",
            "withdrawn",
            "version",
            "source",
        ),
    ),  # fmt: skip
    "MatterVersion": _object(
        {
            "number": INTEGER,
            "at": DATETIME,
            "date": DATE,
            "source": _SOURCE,
            "title": STRING,
            "note": STRING,
            "meeting_id": _nullable(INTEGER),
            "motion_id": _nullable(INTEGER),
            "html_url": URL,
            "text_url": URL,
        }
    ),
    "MatterReadings": _object(
        {
            "notice_days": INTEGER,
            "first_reading_on": _nullable(DATE),
            "notice": _nullable(
                _object({"published_on": DATE, "medium": {"type": "string", "enum": list(MEDIA)}, "where": STRING})
            ),
            "earliest_second_reading": _nullable(DATE),
            "adopted_on": _nullable(DATE),
            "effective_on": _nullable(DATE),
        }
    ),
    "Matter": _object(
        {
            **_SUMMARY,
            "summary": STRING,
            "sponsors": _array(_object({"id": INTEGER, "name": STRING})),
            "topics": _array(_ref("TopicRef")),
            "relations": _array(
                _object(
                    {
                        "kind": {"type": "string", "enum": [k.value for k in MatterRelationKind]},
                        "direction": {"type": "string", "enum": ["from", "to"]},
                        "matter_id": _nullable(INTEGER),
                        "agreement_id": _nullable(INTEGER),
                    }
                )
            ),
            "history": _array(_ref("MatterHistoryEntry")),
            "versions": _array(_ref("MatterVersion")),
            #: Ordinances only (null otherwise): the two readings and the notice (F.S. 166.041).
            "readings": {"oneOf": [_ref("MatterReadings"), {"type": "null"}]},
        }
    ),
}

PATHS = {
    "/matters": _list("Matters (legislative files) with an appearance at a public meeting", "MatterSummary", []),
    "/matters/{matter_id}": _one(
        "A matter with its whole history in time order and the versions of its text", "Matter", "matter_id"
    ),
    "/ocd/matters/{matter_id}": _one(
        "A matter as an Open Civic Data Bill, its history as the bill's actions", "OcdBill", "matter_id"
    ),
}
