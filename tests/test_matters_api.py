"""Matters in the open-data API and the Open Civic Data export (issue 20)."""

from datetime import timedelta

from pupa.scrape.schemas.bill import schema as BILL_SCHEMA

from app.core.timeutil import utcnow
from app.matters import services as matter_service
from app.meetings import agenda, documents
from app.meetings.models import AgendaItemType
from tests.meetings_helpers import pdf_file
from tests.test_api import validate_public_form


def _published_item(db, create_meeting, body, *, days, matter=None, public=True):
    meeting = create_meeting(body, kind="regular", start_at=utcnow() + timedelta(days=days), title=f"Meeting {days}",
                             status="noticed" if public else None)  # fmt: skip
    item = agenda.add_item(meeting, section="Resolutions", title="Harbor ordinance", body_md="",
                           item_type=AgendaItemType.ordinance, reading="first", matter=matter, actor=None)  # fmt: skip
    if public:
        meeting.agenda_published_at = utcnow()
    db.session.commit()
    return item


def test_matters_list_and_detail_with_history(client, db, create_meeting, create_body):
    body = create_body(name="City Commission", seat_count=5)
    first = _published_item(db, create_meeting, body, days=7)
    _published_item(db, create_meeting, body, days=14, matter=first.matter)
    hidden = _published_item(db, create_meeting, body, days=21, public=False)
    listing = client.get("/api/v1/matters").json
    assert [m["file_number"] for m in listing["data"]] == [first.file_number]
    detail = client.get(f"/api/v1/matters/{first.matter_id}").json
    assert detail["type"] == "ordinance" and detail["status"] == "on_agenda"
    kinds = [(h["kind"], h.get("action")) for h in detail["history"]]
    assert kinds.count(("appearance", None)) == 2 and ("action", "introduced") in kinds
    assert [h["at"] for h in detail["history"]] == sorted(h["at"] for h in detail["history"])
    assert client.get(f"/api/v1/matters/{hidden.matter_id}").status_code == 404
    assert client.get("/api/v1/matters/99999999").status_code == 404


def test_ocd_bill_of_a_matter_validates_against_pupa(client, db, create_meeting, create_body):
    body = create_body(name="City Commission", seat_count=5)
    item = _published_item(db, create_meeting, body, days=7)
    documents.add_attachment(item, filename="staff-report.pdf", stream=pdf_file()[0], amendment_reason="Report",
                             actor=None)  # fmt: skip
    matter_service.record_by_hand(item.matter, "referred", note="To the planning board", referred_to="Planning Board",
                                  actor=None)  # fmt: skip
    db.session.commit()
    bill = client.get(f"/api/v1/ocd/matters/{item.matter_id}").json
    assert validate_public_form(BILL_SCHEMA, bill) == []
    assert bill["identifier"] == item.file_number and bill["classification"] == ["ordinance"]
    assert [a["classification"] for a in bill["actions"]][-1] == ["referral"]
    assert bill["documents"][0]["note"] == "staff-report.pdf"
    assert client.get("/api/v1/ocd/matters/99999999").status_code == 404
