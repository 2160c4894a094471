"""The OpenAPI 3.1 document of /api/v1. Every object lists all its properties as required and allows no others,
so a response that drifts from this document fails the schemathesis test (tests/test_api.py)."""

from app.core.loaders import MAX_ID
from app.search.query import STATUSES
from app.votes.charts import KINDS as SEAT_KINDS


def _nullable(schema: dict) -> dict:
    kind = schema["type"]
    return {**schema, "type": [kind, "null"] if isinstance(kind, str) else [*kind, "null"]}


def _object(properties: dict, optional: tuple = ()) -> dict:
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "required": [k for k in properties if k not in optional],
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
URL = {"type": "string", "format": "uri"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
CHOICE = {"type": "string", "enum": ["yes", "no", "abstain", "absent", "excused"]}
SEARCH_KINDS = [
    "meeting",
    "item",
    "attachment",
    "minutes",
    "resolution",
    "agreement",
    "speaker",
    "transcript",
    "matter",
]
SEARCH_STATUSES = list(STATUSES)

SCHEMAS = {
    "Error": _object(
        {
            "error": _object(
                {
                    "status": INTEGER,
                    "title": STRING,
                    "message": STRING,
                    "parameter": STRING,
                    "retry_after_seconds": INTEGER,
                },
                optional=("parameter", "retry_after_seconds"),
            )
        }
    ),
    "PageMeta": _object({"page": INTEGER, "per_page": INTEGER, "total": INTEGER, "pages": INTEGER}),
    "PageLinks": _object({"self": URL, "next": _nullable(URL), "prev": _nullable(URL)}),
    "SearchResult": _object(
        {
            "kind": {"type": "string", "enum": SEARCH_KINDS},
            "id": INTEGER,
            "title": STRING,
            "title_html": STRING,
            "snippet_html": STRING,
            "date": _nullable(DATE),
            "status": STRING,
            "flags": _array({"type": "string", "enum": ["superseded", "repealed", "withdrawn"]}),
            "ref": _nullable(STRING),
            "exact": BOOLEAN,
            "meeting_id": _nullable(INTEGER),
            "item_id": _nullable(INTEGER),
            "html_url": URL,
        }
    ),
    "SearchMeta": _object(
        {
            "page": INTEGER,
            "per_page": INTEGER,
            "total": INTEGER,
            "capped": BOOLEAN,
            "pages": INTEGER,
            "trimmed": BOOLEAN,
        }
    ),
    "Person": _object({"id": INTEGER, "full_name": STRING}),
    "Seat": _object(
        {
            "number": INTEGER,
            "label": STRING,
            "selection": STRING,
            "member_id": _nullable(INTEGER),
            "vacant": BOOLEAN,
        }
    ),
    "Body": _object(
        {
            "id": INTEGER,
            "name": STRING,
            "kind": STRING,
            "seat_count": INTEGER,
            "quorum": INTEGER,
            "retired_on": _nullable(DATE),
            "seats": _array(_ref("Seat")),
            "url": URL,
        }
    ),
    "Membership": _object(
        {
            "body_id": INTEGER,
            "body_name": STRING,
            "title": STRING,
            "seat": STRING,
            "is_chair": BOOLEAN,
            "is_vice_chair": BOOLEAN,
            "basis": STRING,
            "end_reason": _nullable(STRING),
            "term_start_on": DATE,
            "term_end_on": _nullable(DATE),
        }
    ),
    "Member": _object(
        {
            "id": INTEGER,
            "full_name": STRING,
            "sort_name": STRING,
            "memberships": _array(_ref("Membership")),
            "photo_url": _nullable(URL),
            "url": URL,
            "html_url": URL,
        }
    ),
    "Meeting": _object(
        {
            "id": INTEGER,
            "body_id": INTEGER,
            "body_name": STRING,
            "kind": {"type": "string", "enum": ["regular", "special", "emergency", "workshop"]},
            "title": STRING,
            "start_at": DATETIME,
            "end_at": _nullable(DATETIME),
            "location": STRING,
            "status": STRING,
            "cancelled_reason": _nullable(STRING),
            "agenda_published_at": _nullable(DATETIME),
            "url": URL,
            "html_url": URL,
        }
    ),
    "AgendaItem": _object(
        {
            "id": INTEGER,
            "position": INTEGER,
            "label": STRING,
            "section": STRING,
            "title": STRING,
            "item_type": STRING,
            "file_number": STRING,
            "withdrawn": BOOLEAN,
            "public_comment_required": BOOLEAN,
            "resolution_id": _nullable(INTEGER),
            "motion_ids": _array(INTEGER),
            "topics": _array(_ref("TopicRef")),
        }
    ),
    "Attendance": _object(
        {
            "member_id": INTEGER,
            "full_name": STRING,
            "status": {"type": "string", "enum": ["present_in_person", "present_remote", "absent", "excused"]},
        }
    ),
    "Vote": _object(
        {
            "member_id": INTEGER,
            "full_name": STRING,
            "position": INTEGER,
            "choice": _nullable(CHOICE),
            "original_choice": _nullable(CHOICE),
            "corrected": BOOLEAN,
            "remote": BOOLEAN,
        }
    ),
    "Counts": _object(dict.fromkeys(("yes", "no", "abstain", "absent", "excused"), INTEGER)),
    # A closed roll call as seats (issue 19): members in the order called, then vacant seats; abstaining on a
    # disclosed conflict is "recused". Empty for a motion whose roll call is not closed.
    "RollCallSeat": _object(
        {
            "seat_number": _nullable(INTEGER),
            "seat_label": _nullable(STRING),
            "member_name": _nullable(STRING),
            "choice": {"type": "string", "enum": list(SEAT_KINDS)},
            "corrected": BOOLEAN,
        }
    ),
    "SeatCounts": _object(dict.fromkeys(SEAT_KINDS, INTEGER)),
    "Motion": _object(
        {
            "id": INTEGER,
            "meeting_id": INTEGER,
            "agenda_item_id": _nullable(INTEGER),
            "kind": STRING,
            "text": STRING,
            "original_text": STRING,
            "mover": _ref("Person"),
            "seconder": {"oneOf": [_ref("Person"), {"type": "null"}]},
            "status": {"type": "string", "enum": ["died", "withdrawn", "voting", "closed"]},
            "result": _nullable({"type": "string", "enum": ["passed", "failed"]}),
            "requirement": STRING,
            "result_sentence": _nullable(STRING),
            "opened_at": _nullable(DATETIME),
            "closed_at": _nullable(DATETIME),
            "counts": _ref("Counts"),
            "votes": _array(_ref("Vote")),
            "seats": _array(_ref("RollCallSeat")),
            "seat_counts": _ref("SeatCounts"),
            "url": URL,
        }
    ),
    "ResolutionLink": _object(
        {
            "kind": {"type": "string", "enum": ["supersedes", "amends", "rescinds"]},
            "direction": {"type": "string", "enum": ["to", "from"]},
            "resolution_id": INTEGER,
            "number": _nullable(STRING),
        }
    ),
    "Effect": _object(
        {
            "kind": STRING,
            "agreement_id": _nullable(INTEGER),
            "category": _nullable(STRING),
            "resolution_id": INTEGER,
            "resolution_number": _nullable(STRING),
            "effective_on": _nullable(DATE),
            "in_force": BOOLEAN,
        }
    ),
    "ResolutionCorrection": _object(
        {
            "field": {"type": "string", "enum": ["number", "effective_on"]},
            "before": STRING,
            "after": STRING,
            "reason": STRING,
            "corrected_at": DATETIME,
        }
    ),
    "Resolution": _object(
        {
            "id": INTEGER,
            "number": _nullable(STRING),
            "title": STRING,
            "text_md": STRING,
            "status": {"type": "string", "enum": ["draft", "adopted", "failed", "withdrawn"]},
            "adopted_on": _nullable(DATE),
            "effective_on": _nullable(DATE),
            "agenda_item_id": INTEGER,
            "meeting_id": INTEGER,
            "motion_id": _nullable(INTEGER),
            "sponsors": _array(_ref("Person")),
            "links": _array(_ref("ResolutionLink")),
            "effects": _array(_ref("Effect")),
            "corrections": _array(_ref("ResolutionCorrection")),
            "topics": _array(_ref("TopicRef")),
            "url": URL,
            "html_url": URL,
        }
    ),
    "AgreementStatus": _object(
        {"on": DATE, "status": STRING, "since": _nullable(DATE), "resolution_id": _nullable(INTEGER)}
    ),
    "Agreement": _object(
        {
            "id": INTEGER,
            "title": STRING,
            "counterparty": STRING,
            "category": STRING,
            "signed_on": _nullable(DATE),
            "signed_by": STRING,
            "status": _ref("AgreementStatus"),
            "effects": _array(_ref("Effect")),
            "topics": _array(_ref("TopicRef")),
            "url": URL,
            "html_url": URL,
        }
    ),
    "OcdEvent": {
        "type": "object",
        "description": "An Open Civic Data Event (pupa's event schema).",
        "required": ["_type", "id", "name", "start_date", "status", "agenda", "sources"],
        "properties": {"_type": {"const": "event"}, "sources": {"type": "array", "minItems": 1}},
    },
    "OcdVoteEvent": {
        "type": "object",
        "description": "An Open Civic Data VoteEvent (pupa's vote_event schema).",
        "required": ["_type", "id", "motion_text", "result", "legislative_session", "votes", "counts", "sources"],
        "properties": {
            "_type": {"const": "vote_event"},
            "result": {"type": "string", "enum": ["pass", "fail"]},
            "sources": {"type": "array", "minItems": 1},
        },
    },
    "OcdBill": {
        "type": "object",
        "description": "An Open Civic Data Bill of classification resolution.",
        "required": ["_type", "id", "identifier", "title", "classification", "legislative_session", "sources"],
        "properties": {"_type": {"const": "bill"}, "sources": {"type": "array", "minItems": 1}},
    },
}
SCHEMAS["MeetingDetail"] = _object(
    {
        **SCHEMAS["Meeting"]["properties"],
        "agenda_items": _array(_ref("AgendaItem")),
        "attendance": _array(_ref("Attendance")),
        "minutes_status": _nullable(
            {
                "type": "string",
                "enum": ["draft", "approved"],
                "description": "null until the clerk releases the minutes for approval; then draft (not yet "
                "approved by the body) or approved (by the body's vote, locked).",
            }
        ),
        "record_digest": _nullable(
            {
                "type": "string",
                "pattern": "^[0-9a-f]{64}$",
                "description": "The meeting's record digest pinned in the audit log (null until adjourned).",
            }
        ),
    }
)

SCHEMAS["MeetingRecord"] = _object(
    {
        "meeting_id": INTEGER,
        "algorithm": STRING,
        "record": {
            "type": "object",
            "description": "Attendance, motions with roll calls, resolutions and document SHA-256s, as hashed.",
        },
        "record_digest": _nullable({"type": "string", "pattern": "^[0-9a-f]{64}$"}),
        "pinned_at": _nullable(DATETIME),
        "html_url": URL,
    }
)


def _page_of(name: str) -> dict:
    return _object({"data": _array(_ref(name)), "meta": _ref("PageMeta"), "links": _ref("PageLinks")})


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "A parameter is not valid; `parameter` names it."),
    "404": _json(_ref("Error"), "No such public record."),
    "429": _json(_ref("Error"), "Too many requests; see Retry-After."),
}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path_id(name: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }


PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000}, "Page number, from 1."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Records per page (25 by default)."),
]
YEAR = _query("year", {"type": "integer", "minimum": 1900, "maximum": 2999}, "Calendar year.")
ID_FILTER = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
ON = _query("on", {"type": "string", "format": "date"}, "The day the agreement's status is computed for (today).")


def _list(summary: str, name: str, parameters: list) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": [*parameters, *PAGING],
            "responses": {"200": _json(_page_of(name), summary), **ERRORS},
        }
    }


def _one(summary: str, schema: str, id_name: str, parameters: tuple = ()) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": [_path_id(id_name), *parameters],
            "responses": {"200": _json(_ref(schema), summary), **ERRORS},
        }
    }


SEARCH = {
    "get": {
        "summary": "One search over the public record: meetings, agenda items, documents' text, minutes, "
        "resolutions, agreements, speakers (name and group) and matters (legislative files). English and Spanish "
        "stemming; a typed number (25-187, 2025-187, a file number 25-0123) puts its record first (a matter before its "
        "appearances); at most 20 results a page, counted up to 1,000 (`capped`).",
        "parameters": [
            _query("q", {"type": "string", "maxLength": 1000}, "Words, a phrase in double quotes, or a number."),
            _query("body", ID_FILTER, "Only this body's records."),
            _query("kind", {"type": "string", "enum": SEARCH_KINDS}, "Only this kind of record."),
            _query("from", {"type": "string", "format": "date"}, "Records dated on or after this day."),
            _query("to", {"type": "string", "format": "date"}, "Records dated on or before this day."),
            _query("status", {"type": "string", "enum": SEARCH_STATUSES}, "Only records with this status or flag."),
            _query(
                "topic",
                {"type": "string", "maxLength": 80, "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
                "Only items, resolutions and agreements tagged so (a topic's slug).",
            ),
            _query("sort", {"type": "string", "enum": ["relevance", "newest", "oldest"]}, "Order (relevance)."),
            _query("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000}, "Page number, from 1."),
        ],
        "responses": {
            "200": _json(
                _object({"data": _array(_ref("SearchResult")), "meta": _ref("SearchMeta"), "links": _ref("PageLinks")}),
                "One page of results",
            ),
            **ERRORS,
            "503": _json(_ref("Error"), "The search took too long (SEARCH_TIMEOUT_MS): narrow it."),
        },
    }
}


def document(server: str) -> dict:
    from app.api.openapi_matters import PATHS as MATTER_PATHS
    from app.api.openapi_matters import SCHEMAS as MATTER_SCHEMAS
    from app.api.openapi_topics import PATHS as TOPIC_PATHS
    from app.api.openapi_topics import SCHEMAS as TOPIC_SCHEMAS
    from app.api.openapi_video import PATHS as VIDEO_PATHS
    from app.api.openapi_video import SCHEMAS as VIDEO_SCHEMAS

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Dais open meeting data",
            "version": "1.0.0",
            "description": "Read-only public records: bodies, members, meetings with agenda items, motions "
            "with roll-call votes, resolutions, agreements with their effects, and an Open Civic "
            "Data export. No account or key is needed. Responses carry an ETag; send it back in "
            "If-None-Match to get 304 Not Modified. Lists are paged in a stable order.",
        },
        "servers": [{"url": server}],
        "paths": {
            "/bodies": _list("Commissions and boards", "Body", []),
            "/bodies/{body_id}": _one("A commission or board", "Body", "body_id"),
            "/members": _list("Members, past and present", "Member", []),
            "/members/{member_id}": _one("A member and their seats", "Member", "member_id"),
            "/meetings": _list(
                "Public meetings, the latest first",
                "Meeting",
                [
                    _query("body", ID_FILTER, "Only this body's meetings."),
                    _query(
                        "kind",
                        {"type": "string", "enum": ["regular", "special", "emergency", "workshop"]},
                        "Only this kind of meeting.",
                    ),
                    YEAR,
                ],
            ),
            "/meetings/{meeting_id}": _one(
                "A meeting with its agenda, attendance and motions", "MeetingDetail", "meeting_id"
            ),
            "/meetings/{meeting_id}/record": _one(
                "A meeting's record as hashed into its digest: SHA-256 of the canonical JSON of `record`",
                "MeetingRecord",
                "meeting_id",
            ),
            "/motions": _list(
                "Motions that reached the floor, with their roll calls",
                "Motion",
                [
                    _query("meeting", ID_FILTER, "Only this meeting's motions."),
                    _query("member", ID_FILTER, "Only roll calls this member was on."),
                ],
            ),
            "/motions/{motion_id}": _one("A motion and its roll call", "Motion", "motion_id"),
            "/resolutions": _list(
                "Resolutions of public agendas",
                "Resolution",
                [
                    _query("q", {"type": "string", "maxLength": 200}, "Full-text search over number, title and text."),
                    YEAR,
                    _query(
                        "status",
                        {"type": "string", "enum": ["draft", "adopted", "failed", "withdrawn"]},
                        "Only resolutions with this status.",
                    ),
                ],
            ),
            "/resolutions/{resolution_id}": _one(
                "A resolution with its links and effects", "Resolution", "resolution_id"
            ),
            "/agreements": _list("The agreements register", "Agreement", [ON]),
            "/search": SEARCH,
            "/agreements/{agreement_id}": _one(
                "An agreement and its status on a day", "Agreement", "agreement_id", (ON,)
            ),
            "/ocd/events/{meeting_id}": _one("A meeting as an Open Civic Data Event", "OcdEvent", "meeting_id"),
            "/ocd/vote-events/{motion_id}": _one(
                "A closed roll call as an Open Civic Data VoteEvent", "OcdVoteEvent", "motion_id"
            ),
            "/ocd/bills/{resolution_id}": _one("A resolution as an Open Civic Data Bill", "OcdBill", "resolution_id"),
            **TOPIC_PATHS,
            **MATTER_PATHS,
            **VIDEO_PATHS,
        },
        "components": {"schemas": {**SCHEMAS, **TOPIC_SCHEMAS, **VIDEO_SCHEMAS, **MATTER_SCHEMAS}},
    }
