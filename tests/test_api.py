"""The open-data API: schemathesis against its own OpenAPI document, the Open Civic Data export validated with
pupa's schemas, caching, CORS, errors and paging."""

import datetime as dt

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from pupa.scrape.schemas.bill import schema as BILL_SCHEMA
from pupa.scrape.schemas.event import schema as EVENT_SCHEMA
from pupa.scrape.schemas.vote_event import schema as VOTE_EVENT_SCHEMA
from sqlalchemy import select

from app.demo import seed_demo
from app.legislation.models import Resolution
from app.meetings.models import Meeting
from app.votes.models import Motion, MotionStatus
from tests import archive


@pytest.fixture
def demo(app, db):
    seed_demo()
    db.session.commit()
    return app


def test_every_operation_answers_as_documented(demo):
    """Schemathesis, in process, on every operation of /api/v1/openapi.json over the demo city: no 500, and every
    status, header and body matches the document. (Driven through Hypothesis directly: schemathesis' pytest
    plugin does not run under pytest 9.)"""
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo)
    operations = [result.ok() for result in api.get_all_operations()]
    # with /meetings/{meeting_id}/record (issue 16), /search (issue 18), /topics and /topics/{slug} (issue 19),
    # /meetings/{meeting_id}/video-index (issue 21),
    # /matters, /matters/{matter_id} and /ocd/matters/{matter_id} (issue 20)
    assert len(operations) == 23

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            case.call_and_validate()

        check()


def _ocd_validator(schema_dict):
    """pupa's own validation: JSON Schema draft 3 with its date and datetime types."""
    checker = jsonschema.Draft3Validator.TYPE_CHECKER.redefine(
        "datetime", lambda c, d: isinstance(d, dt.date | dt.datetime)
    ).redefine("date", lambda c, d: isinstance(d, dt.date) and not isinstance(d, dt.datetime))
    cls = jsonschema.validators.extend(jsonschema.Draft3Validator, type_checker=checker)
    return cls(schema_dict, format_checker=jsonschema.FormatChecker())


def validate_public_form(schema_dict, document) -> list[str]:
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in _ocd_validator(schema_dict).iter_errors(document)]


def test_ocd_export_of_the_demo_validates_against_pupa_schemas(client, demo, db):
    meetings = db.session.scalars(select(Meeting).where(Meeting.first_published_at.is_not(None))).all()
    closed = db.session.scalars(select(Motion).where(Motion.status == MotionStatus.closed)).all()
    resolutions = db.session.scalars(select(Resolution)).all()
    assert meetings and closed and resolutions
    for meeting in meetings:
        event = client.get(f"/api/v1/ocd/events/{meeting.id}").json
        assert validate_public_form(EVENT_SCHEMA, event) == [], meeting.title
        assert event["name"] and event["start_date"] and event["sources"][0]["url"].startswith("http")
        assert event["status"] in {"cancelled", "tentative", "confirmed", "passed"}
    for motion in closed:
        vote_event = client.get(f"/api/v1/ocd/vote-events/{motion.id}").json
        assert validate_public_form(VOTE_EVENT_SCHEMA, vote_event) == [], motion.text
        assert vote_event["result"] in {"pass", "fail"}
        assert vote_event["legislative_session"] and vote_event["motion_text"] and vote_event["sources"]
        for count in vote_event["counts"]:  # R16: counts equal the individual votes
            assert count["value"] == sum(1 for v in vote_event["votes"] if v["option"] == count["option"])
        assert len(vote_event["votes"]) == len(motion.votes)
    for resolution in resolutions:
        bill = client.get(f"/api/v1/ocd/bills/{resolution.id}").json
        assert validate_public_form(BILL_SCHEMA, bill) == [], resolution.title
        assert bill["classification"] == ["resolution"] and bill["sources"]

    # The June 30 vote, exactly.
    june30 = next(
        m
        for m in closed
        if "287(g)" in m.text
        and m.result.value == "passed"
        and db.session.get(Meeting, m.meeting_id).start_at.date() == dt.date(2025, 6, 30)
    )
    vote_event = client.get(f"/api/v1/ocd/vote-events/{june30.id}").json
    assert vote_event["identifier"] == "25-187" and vote_event["legislative_session"] == "2025"
    assert {c["option"]: c["value"] for c in vote_event["counts"]}["yes"] == 6
    assert vote_event["motion_classification"] == ["resolution-adoption"]
    event = client.get(f"/api/v1/ocd/events/{june30.meeting_id}").json
    linked = [e for item in event["agenda"] for e in item["related_entities"] if e["entity_type"] == "vote_event"]
    assert vote_event["id"] in [e["note"] for e in linked]
    reversal = db.session.scalar(select(Resolution.id).where(Resolution.number == "25-188"))
    bill = client.get(f"/api/v1/ocd/bills/{reversal}")
    assert {"identifier": "25-187", "legislative_session": "2025", "relation_type": "replaces"} in bill.json[
        "related_bills"
    ]


def test_a_tie_exports_as_fail_with_counts_from_the_votes(client, create_body, create_member, db):
    body = create_body(name="Six-seat board", seat_count=6)
    members = [create_member(body, full_name=f"Board Member{n}", seat_number=n) for n in range(1, 7)]
    archive.build(body, members, years=1, meetings_per_year=1, items_per_meeting=3, speakers_per_item=0)
    tie = db.session.scalars(select(Motion).order_by(Motion.id)).all()[2]  # the third item: 3 yes, 3 no
    vote_event = client.get(f"/api/v1/ocd/vote-events/{tie.id}").json
    counts = {c["option"]: c["value"] for c in vote_event["counts"]}
    assert (counts["yes"], counts["no"], vote_event["result"]) == (3, 3, "fail")
    assert validate_public_form(VOTE_EVENT_SCHEMA, vote_event) == []


def test_etag_gives_304_and_cors_allows_any_origin(client, demo):
    first = client.get("/api/v1/meetings", headers={"Origin": "https://example.org"})
    assert first.status_code == 200 and first.headers["Access-Control-Allow-Origin"] == "*"
    etag = first.headers["ETag"]
    again = client.get("/api/v1/meetings", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/api/v1/meetings?page=2&per_page=1", headers={"If-None-Match": etag}).status_code == 200
    preflight = client.options(
        "/api/v1/meetings", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 200 and "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert client.post("/api/v1/meetings").status_code == 405


@pytest.mark.parametrize(
    "url, parameter",
    [
        ("/api/v1/meetings?page=0", "page"),
        ("/api/v1/meetings?per_page=101", "per_page"),
        ("/api/v1/meetings?year=abc", "year"),
        ("/api/v1/meetings?kind=secret", "kind"),
        ("/api/v1/resolutions?status=lost", "status"),
        ("/api/v1/agreements?on=2025-13-01", "on"),
        ("/api/v1/motions?meeting=%C2%B2", "meeting"),
        ("/api/v1/meetings?body=99999999999999999999", "body"),
    ],
)
def test_bad_parameters_are_a_clear_400(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400
    assert response.json["error"]["parameter"] == parameter and response.json["error"]["message"]


def test_missing_records_are_json_404(client, demo, db):
    from app.bodies.models import Body

    draft = Meeting(
        body_id=db.session.scalar(select(Body.id)),
        kind="special",
        title="Not noticed",
        start_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        location="City Hall",
    )
    db.session.add(draft)
    db.session.commit()
    for url in (
        "/api/v1/meetings/999999",
        "/api/v1/meetings/99999999999999999999",
        f"/api/v1/meetings/{draft.id}",
        "/api/v1/nothing-here",
        "/api/v1/ocd/bills/999999",
    ):
        response = client.get(url)
        assert response.status_code == 404 and response.json["error"]["status"] == 404, url


def test_pages_are_stable_and_complete(client, commission, db):
    body, members = commission
    archive.build(body, members, years=1, meetings_per_year=7, items_per_meeting=1, speakers_per_item=0)
    seen = []
    url = "/api/v1/meetings?per_page=3"
    while url:
        page = client.get(url.replace("http://localhost", "")).json
        seen += [m["id"] for m in page["data"]]
        url = page["links"]["next"]
    assert len(seen) == len(set(seen)) == 7 and page["meta"] == {"page": 3, "per_page": 3, "total": 7, "pages": 3}
    assert client.get("/api/v1/motions?per_page=100").json["meta"]["total"] == 7
    member = client.get(f"/api/v1/motions?member={members[0].id}").json
    assert member["meta"]["total"] == 7 and all(v["choice"] in ("yes", "no") for v in member["data"][0]["votes"])


def test_agreement_status_on_a_date(client, demo, db):
    from app.legislation.models import Agreement

    agreement = db.session.scalar(select(Agreement))
    states = {
        day: client.get(f"/api/v1/agreements/{agreement.id}?on={day}").json["status"]["status"]
        for day in ("2025-06-30", "2025-07-01", "2025-07-08")
    }
    assert states == {"2025-06-30": "active", "2025-07-01": "void", "2025-07-08": "active"}
