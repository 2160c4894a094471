"""The OpenAPI paths and schemas of the topics (issue 19), kept beside ``app.api.openapi`` so that one stays
readable; ``openapi.document`` merges them."""

from app.api.openapi import BOOLEAN, DATE, ERRORS, INTEGER, PAGING, STRING, URL, _array, _json, _nullable, _object, _ref

SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": 80},
    "description": "The topic's address, as in /topics/<slug> (kept when the topic is renamed).",
}

SCHEMAS = {
    "TopicRef": _object({"slug": STRING, "name": STRING}),
    "TopicCounts": _object({"agenda_items": INTEGER, "resolutions": INTEGER, "agreements": INTEGER}),
    "Topic": _object(
        {
            "slug": STRING,
            "name": STRING,
            "description": STRING,
            "retired": BOOLEAN,
            "url": URL,
            "html_url": URL,
            "counts": _ref("TopicCounts"),
        },
        optional=("counts",),
    ),
    "TopicRecord": _object(
        {
            "kind": {"type": "string", "enum": ["agenda_item", "resolution", "agreement"]},
            "id": INTEGER,
            "title": STRING,
            "date": _nullable(DATE),
            "label": STRING,
            "number": _nullable(STRING),
            "status": STRING,
            "meeting_id": INTEGER,
            "body": STRING,
            "url": URL,
            "html_url": URL,
        },
        optional=("label", "number", "status", "meeting_id", "body", "url"),
    ),
}

PATHS = {
    "/topics": {
        "get": {
            "summary": "Every topic, with how many public agenda items, resolutions and agreements carry it",
            "parameters": [],
            "responses": {"200": _json(_object({"data": _array(_ref("Topic"))}), "The topics"), **ERRORS},
        }
    },
    "/topics/{slug}": {
        "get": {
            "summary": "Everything public under a topic, newest first",
            "parameters": [SLUG, *PAGING],
            "responses": {
                "200": _json(
                    _object(
                        {
                            "topic": _ref("Topic"),
                            "data": _array(_ref("TopicRecord")),
                            "meta": _ref("PageMeta"),
                            "links": _ref("PageLinks"),
                        }
                    ),
                    "One page of the topic's records",
                ),
                **ERRORS,
            },
        }
    },
}
