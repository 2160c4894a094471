"""The clerk's workspace as a user meets it: forms, messages, kept input, public pages."""

import io
import re

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.meetings.models import AgendaItem, Attachment, Meeting, MeetingStatus
from tests.meetings_helpers import PDF


@pytest.fixture
def clerk_client(client, login_as, app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    login_as(Role.clerk)
    return client


def text(response):
    return response.get_data(as_text=True)


def test_schedule_meeting_with_bad_input_keeps_what_was_typed(clerk_client, create_body, db):
    body = create_body(name="City Commission", seat_count=7)
    response = clerk_client.post(
        "/staff/meetings/new",
        data={
            "body_id": str(body.id),
            "kind": "special",
            "title": "Special meeting on 287(g)",
            "start_local": "not a date",
            "location": "City Hall",
            "purpose": "",
            "remote_url": "javascript:alert(1)",
        },
    )
    assert response.status_code == 422
    page = text(response)
    assert "Enter a date and time" in page
    assert "Enter a full web address." in page
    assert 'value="Special meeting on 287(g)"' in page
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_special_meeting_without_purpose_is_refused(clerk_client, create_body, db):
    body = create_body()
    response = clerk_client.post(
        "/staff/meetings/new",
        data={
            "body_id": str(body.id),
            "kind": "special",
            "title": "Special",
            "start_local": "2026-06-30T17:00",
            "location": "City Hall",
            "purpose": "  ",
        },
    )
    assert response.status_code == 422
    assert "needs the purpose stated in the call" in text(response)


def test_nonexistent_local_time_is_refused(clerk_client, create_body):
    body = create_body()
    response = clerk_client.post(
        "/staff/meetings/new",
        data={
            "body_id": str(body.id),
            "kind": "regular",
            "title": "Night",
            "start_local": "2027-03-14T02:30",
            "location": "City Hall",
        },
    )
    assert response.status_code == 422
    assert "does not exist on that day" in text(response)


def test_invalid_choices_and_huge_body_id_are_form_errors(clerk_client, create_body):
    create_body()
    for body_id in ["99999999999999999999", "abc", "-1"]:
        response = clerk_client.post(
            "/staff/meetings/new",
            data={
                "body_id": body_id,
                "kind": "secret",
                "title": "X",
                "start_local": "2027-03-14T10:00",
                "location": "City Hall",
            },
        )
        assert response.status_code == 422


def test_full_clerk_flow_publish_amend_and_public_page(clerk_client, client, create_body, create_member, db, clock):
    body = create_body(name="City Commission", seat_count=7)
    sponsor = create_member(body, full_name="Hollis Prendergast")
    response = clerk_client.post(
        "/staff/meetings/new",
        data={
            "body_id": str(body.id),
            "kind": "special",
            "title": "Special meeting: 287(g) agreement",
            "start_local": "2026-03-12T17:00",
            "location": "City Hall, 1300 White Street",
            "purpose": "Consider a resolution on the police department's 287(g) agreement",
        },
    )
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    detail = text(clerk_client.get(f"/staff/meetings/{meeting.id}"))
    assert "Blocked:" not in detail  # ten days of notice

    response = clerk_client.post(
        f"/staff/meetings/{meeting.id}/items/new",
        data={
            "section": "Resolutions",
            "title": "Resolution declaring the 287(g) agreement void",
            "item_type": "resolution",
            "body_md": "Declares the agreement **void**. <script>alert(1)</script>",
            "sponsor_ids": [str(sponsor.id)],
            "public_comment_required": "y",
            "comment_exemption": "",
            "within_purpose": "yes",
            "file": (io.BytesIO(PDF), "resolution.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, text(response)
    item = db.session.scalar(select(AgendaItem))
    assert item.label == "5.A" and item.sponsors[0].id == sponsor.id and len(item.attachments) == 1

    # Public page does not exist while the meeting is a draft.
    assert client.application.test_client().get(f"/meetings/{meeting.id}").status_code == 404
    assert clerk_client.post(f"/staff/meetings/{meeting.id}/publish", data={}).status_code == 302
    assert clerk_client.post(f"/staff/meetings/{meeting.id}/agenda/publish", data={}).status_code == 302
    assert db.session.get(Meeting, meeting.id).agenda_published_at is not None

    # After publication, an amendment without a reason is refused and nothing changes.
    refused = clerk_client.post(
        f"/staff/items/{item.id}",
        data={
            "title": "Changed title",
            "item_type": "resolution",
            "body_md": "",
            "public_comment_required": "y",
            "comment_exemption": "",
            "sponsor_ids": [str(sponsor.id)],
            "amendment_reason": "",
        },
    )
    assert refused.status_code == 422
    assert "give the reason for this amendment" in text(refused)
    assert 'value="Changed title"' in text(refused)
    assert db.session.get(AgendaItem, item.id).title != "Changed title"
    ok = clerk_client.post(
        f"/staff/items/{item.id}",
        data={
            "title": "Resolution declaring the 287(g) agreement void and unenforceable",
            "item_type": "resolution",
            "body_md": "Declares the agreement **void**. <script>alert(1)</script>",
            "public_comment_required": "y",
            "comment_exemption": "",
            "sponsor_ids": [str(sponsor.id)],
            "amendment_reason": "Title corrected by the City Attorney",
        },
    )
    assert ok.status_code == 302

    anonymous = client.application.test_client()
    public = text(anonymous.get(f"/meetings/{meeting.id}"))
    assert "Special meeting: 287(g) agreement" in public
    assert "Amended agenda, 1 change." in public
    assert "Title corrected by the City Attorney" in public
    assert "286.0105" in public and "286.26" in public
    assert "<script>alert(1)</script>" not in public and "<strong>void</strong>" in public
    assert "(PDF, 1 KB)" in public
    link = re.search(r'href="(/meetings/\d+/documents/[^"]+)"', public).group(1)
    document = anonymous.get(link)
    assert document.status_code == 200 and document.data == PDF
    assert document.mimetype == "application/pdf"


def test_draft_meeting_and_its_documents_are_not_public(clerk_client, create_meeting, db, app):
    from app.meetings import agenda, documents
    from app.meetings.models import AgendaItemType

    meeting = create_meeting(kind="regular")
    item = agenda.add_item(
        meeting,
        section="Reports",
        title="Draft report",
        body_md="",
        item_type=AgendaItemType.report,
        actor=None,
    )
    attachment = documents.add_attachment(item, filename="r.pdf", stream=io.BytesIO(PDF), actor=None)
    db.session.commit()
    anonymous = app.test_client()
    assert anonymous.get(f"/meetings/{meeting.id}").status_code == 404
    assert anonymous.get(f"/meetings/{meeting.id}/documents/{attachment.id}/r.pdf").status_code == 404
    assert "Draft report" not in text(anonymous.get("/"))


def test_cancelled_meeting_stays_public_with_reason(clerk_client, create_meeting, db, app):
    meeting = create_meeting(kind="regular", status="noticed")
    response = clerk_client.post(f"/staff/meetings/{meeting.id}/cancel", data={"cancel-reason": "Hurricane Milton"})
    assert response.status_code == 302
    assert db.session.get(Meeting, meeting.id).status == MeetingStatus.cancelled
    page = text(app.test_client().get(f"/meetings/{meeting.id}"))
    assert "Cancelled" in page and "Hurricane Milton" in page


def test_bad_upload_says_why_and_keeps_the_rest_of_the_form(clerk_client, create_meeting, db, tmp_path):
    meeting = create_meeting(kind="regular")
    response = clerk_client.post(
        f"/staff/meetings/{meeting.id}/items/new",
        data={
            "section": "Reports",
            "title": "Budget report",
            "item_type": "report",
            "body_md": "Quarterly numbers",
            "public_comment_required": "y",
            "comment_exemption": "",
            "fiscal_impact": "$12,000",
            "file": (io.BytesIO(b"MZ\x90\x00binary"), "budget.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = text(response)
    assert "none of those" in page and "Choose the file again" in page
    assert 'value="Budget report"' in page and "Quarterly numbers" in page and "$12,000" in page
    assert db.session.scalar(select(func.count(AgendaItem.id))) == 0
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    uploads = tmp_path / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_keyboard_reorder_buttons_on_meeting_page(clerk_client, create_meeting, db):
    from app.meetings import agenda
    from app.meetings.models import AgendaItemType

    meeting = create_meeting(kind="regular")
    first = agenda.add_item(
        meeting,
        section="Reports",
        title="First",
        body_md="",
        item_type=AgendaItemType.report,
        actor=None,
    )
    second = agenda.add_item(
        meeting,
        section="Reports",
        title="Second",
        body_md="",
        item_type=AgendaItemType.report,
        actor=None,
    )
    db.session.commit()
    page = text(clerk_client.get(f"/staff/meetings/{meeting.id}"))
    assert 'Move up<span class="visually-hidden"> 8.B Second' in page
    clerk_client.post(f"/staff/items/{second.id}/move", data={"direction": "up", "back": "meeting"})
    assert (db.session.get(AgendaItem, second.id).label, db.session.get(AgendaItem, first.id).label) == ("8.A", "8.B")


def test_commissioner_reads_draft_but_sees_no_edit_controls(client, login_as, create_meeting):
    meeting = create_meeting(kind="regular", title="Budget workshop draft")
    login_as(Role.commissioner)
    page = text(client.get(f"/staff/meetings/{meeting.id}"))
    assert "Budget workshop draft" in page
    assert "Publish notice" not in page and "Add agenda item" not in page
    assert client.post(f"/staff/meetings/{meeting.id}/publish").status_code == 403


def test_public_meeting_page_query_count_is_bounded(app, create_meeting, db, count_queries):
    from app.meetings import agenda, documents
    from app.meetings.models import AgendaItemType

    meeting = create_meeting(kind="regular", status="noticed")
    for n in range(3):
        agenda.add_item(
            meeting,
            section="Reports",
            title=f"R{n}",
            body_md="",
            item_type=AgendaItemType.report,
            actor=None,
        )
    agenda.publish_agenda(meeting, actor=None)
    db.session.commit()
    client = app.test_client()
    url = f"/meetings/{meeting.id}"  # read before counting: the committed object would reload inside the count
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for n in range(20):
        item = agenda.add_item(
            meeting,
            section="Resolutions",
            title=f"X{n}",
            body_md="",
            item_type=AgendaItemType.resolution,
            actor=None,
            amendment_reason="Late",
        )
        documents.add_attachment(item, filename="x.pdf", stream=io.BytesIO(PDF), actor=None, amendment_reason="Late")
    db.session.commit()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 10, "\n".join(q[:400] for q in many)


@pytest.mark.parametrize("value", ["9999-12-31T23:59", "0001-01-01T00:00", "2026-13-01T10:00", "x" * 5000])
def test_out_of_range_dates_are_form_errors(clerk_client, create_body, value):
    body = create_body()
    response = clerk_client.post(
        "/staff/meetings/new",
        data={"body_id": str(body.id), "kind": "regular", "title": "T", "start_local": value, "location": "City Hall"},
    )
    assert response.status_code == 422


def test_overlong_fields_are_refused_and_kept(clerk_client, create_body, db):
    body = create_body()
    response = clerk_client.post(
        "/staff/meetings/new",
        data={
            "body_id": str(body.id),
            "kind": "regular",
            "title": "T" * 201,
            "start_local": "2026-06-30T17:00",
            "location": "City Hall",
        },
    )
    assert response.status_code == 422
    assert "T" * 201 in text(response)
    assert db.session.scalar(select(func.count(Meeting.id))) == 0


def test_public_agenda_shows_labels_not_stored_values(app, create_meeting, db):
    from app.meetings import agenda
    from app.meetings.models import AgendaItemType, CommentExemption

    meeting = create_meeting(kind="regular", status="noticed")
    agenda.add_item(
        meeting,
        section="Consent Agenda",
        title="Approve minutes",
        body_md="",
        item_type=AgendaItemType.ministerial,
        public_comment_required=False,
        comment_exemption=CommentExemption.quasi_judicial,
        actor=None,
    )
    agenda.publish_agenda(meeting, actor=None)
    db.session.commit()
    page = text(app.test_client().get(f"/meetings/{meeting.id}"))
    assert "No public comment: Quasi-judicial proceeding" in page
    assert "quasi_judicial" not in page and "quasi judicial" not in page
