"""The clerk brings a matter back from the add-item form by its file number (issue 20)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.meetings import agenda
from app.meetings.models import AgendaItem, AgendaItemType


@pytest.fixture
def clerk_client(client, login_as, app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    login_as(Role.clerk)
    return client


def _form(**extra):
    return {
        "section": "Reports",
        "title": "Harbor lease",
        "item_type": "report",
        "body_md": "",
        "public_comment_required": "y",
        "comment_exemption": "",
        **extra,
    }


def test_bring_back_by_file_number_and_refusals_keep_the_form(clerk_client, create_meeting, db):
    first = create_meeting(kind="regular")
    item = agenda.add_item(first, section="Reports", title="Harbor lease", body_md="", item_type=AgendaItemType.report,
                           actor=None)  # fmt: skip
    db.session.commit()
    later = create_meeting(first.body, kind="regular", start_at=first.start_at + timedelta(days=14))
    response = clerk_client.post(f"/staff/meetings/{later.id}/items/new", data=_form(file_number=item.file_number))
    assert response.status_code == 302, response.get_data(as_text=True)
    again = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == later.id))
    assert again.matter_id == item.matter_id and again.file_number == item.file_number

    for number, message in ((item.file_number, "already on this agenda"), ("99-9999", "No matter has"),
                            ("x" * 30, "Field cannot be longer")):  # fmt: skip
        response = clerk_client.post(f"/staff/meetings/{later.id}/items/new", data=_form(file_number=number))
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and message in page and "Harbor lease" in page
    response = clerk_client.post(f"/staff/meetings/{later.id}/items/new", data=_form(reading="first"))
    assert response.status_code == 422 and "Only an ordinance" in response.get_data(as_text=True)
    response = clerk_client.post(f"/staff/meetings/{later.id}/items/new", data=_form(reading="third"))
    assert response.status_code == 422


def test_a_matter_brought_back_keeps_its_title_when_the_title_is_left_empty(clerk_client, create_meeting, db):
    first = create_meeting(kind="regular")
    item = agenda.add_item(first, section="Reports", title="Harbor lease renewal", body_md="",
                           item_type=AgendaItemType.report, actor=None)  # fmt: skip
    db.session.commit()
    later = create_meeting(first.body, kind="regular", start_at=first.start_at + timedelta(days=14))
    response = clerk_client.post(
        f"/staff/meetings/{later.id}/items/new", data=_form(file_number=item.file_number, title="")
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    again = db.session.scalar(select(AgendaItem).where(AgendaItem.meeting_id == later.id))
    assert again.title == "Harbor lease renewal" and again.matter_id == item.matter_id
    response = clerk_client.post(f"/staff/meetings/{later.id}/items/new", data=_form(title=""))
    assert response.status_code == 422 and "Enter a title." in response.get_data(as_text=True)


def test_the_public_cannot_add_items(client, create_meeting, db):
    meeting = create_meeting(kind="regular")
    assert client.post(f"/staff/meetings/{meeting.id}/items/new", data=_form()).status_code in (302, 401, 403)


def test_staff_matter_page_records_steps_and_relations(client, login_as, create_meeting, db):
    meeting = create_meeting(kind="regular")
    item = agenda.add_item(meeting, section="Reports", title="Harbor lease", body_md="",
                           item_type=AgendaItemType.report, actor=None)  # fmt: skip
    other = agenda.add_item(meeting, section="Reports", title="Old lease", body_md="",
                            item_type=AgendaItemType.report, actor=None)  # fmt: skip
    db.session.commit()
    url = f"/staff/matters/{item.matter_id}"
    assert client.get(url).status_code in (302, 401)  # signed out
    login_as(Role.clerk)
    assert "Harbor lease" in client.get(url).get_data(as_text=True)
    assert client.get("/staff/matters/99999999").status_code == 404
    # A referral needs to whom; the form comes back with what was typed.
    response = client.post(f"{url}/actions", data={"action-action": "referred", "action-note": "Kept text"})
    assert response.status_code == 422 and "Kept text" in response.get_data(as_text=True)
    response = client.post(f"{url}/actions", data={"action-action": "adopted", "action-note": "x"})
    assert response.status_code == 422
    response = client.post(f"{url}/actions", data={"action-action": "referred", "action-note": "For review",
                                                    "action-referred_to": "Planning Board"})  # fmt: skip
    assert response.status_code == 302
    assert item.matter.status.value == "referred"
    response = client.post(f"{url}/relations", data={"relation-kind": "supersedes", "relation-to_file_number": "zz"})
    assert response.status_code == 422 and "No matter has that file number" in response.get_data(as_text=True)
    response = client.post(f"{url}/relations", data={"relation-kind": "authorizes", "relation-agreement_id": "99999"})
    assert response.status_code == 422
    response = client.post(f"{url}/relations", data={"relation-kind": "supersedes",
                                                      "relation-to_file_number": other.file_number})  # fmt: skip
    assert response.status_code == 302
    assert "Superseded by" in client.get(f"/staff/matters/{other.matter_id}").get_data(as_text=True)


def test_a_viewer_cannot_record_steps(client, login_as, create_meeting, db):
    meeting = create_meeting(kind="regular")
    item = agenda.add_item(meeting, section="Reports", title="Harbor lease", body_md="",
                           item_type=AgendaItemType.report, actor=None)  # fmt: skip
    db.session.commit()
    login_as(Role.viewer)
    url = f"/staff/matters/{item.matter_id}"
    assert client.get(url).status_code == 200
    assert client.post(f"{url}/actions", data={"action-action": "filed", "action-note": "x"}).status_code == 403


def test_the_clerk_sets_the_file_number_pattern(client, login_as, create_meeting, db):
    from app.city.models import CityProfile

    db.session.add(CityProfile(timezone="America/New_York", record_language="en"))
    db.session.commit()
    login_as(Role.clerk)
    assert "25-0123" in client.get("/staff/matters/numbering").get_data(as_text=True)
    response = client.post("/staff/matters/numbering", data={"file_number_pattern": "{yyyy}"})
    assert response.status_code == 422 and "{yyyy}" in response.get_data(as_text=True)
    response = client.post("/staff/matters/numbering", data={"file_number_pattern": "{yyyy}-{nnnn}"})
    assert response.status_code == 302
    meeting = create_meeting(kind="regular")
    item = agenda.add_item(meeting, section="Reports", title="R", body_md="", item_type=AgendaItemType.report,
                           actor=None)  # fmt: skip
    assert len(item.file_number) == 9 and item.file_number.endswith("-0001")


def test_a_matter_continued_by_hand_comes_onto_that_days_agenda(clerk_client, create_meeting, db):
    from app.core.timeutil import to_local
    from app.matters.models import MatterActionKind, MatterStatus
    from app.meetings import agenda_template
    from app.meetings.models import MeetingKind

    first = create_meeting(kind="regular")
    item = agenda.add_item(first, section="Reports", title="Harbor lease", body_md="", item_type=AgendaItemType.report,
                           actor=None)  # fmt: skip
    later = create_meeting(first.body, kind="regular", start_at=first.start_at + timedelta(days=14))
    db.session.commit()
    day = to_local(later.start_at).date()
    page = f"/staff/matters/{item.matter_id}"
    response = clerk_client.post(
        f"{page}/actions",
        data={"action-action": "continued", "action-note": "Continued at the applicant's request",
              "action-target_date": day.isoformat()},
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    carried = db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == later.id)).all()
    assert [i.matter_id for i in carried] == [item.matter_id]
    step = [a for a in item.matter.actions if a.action == MatterActionKind.continued][-1]
    assert (step.action, step.target_date, step.target_meeting_id) == (MatterActionKind.continued, day, later.id)
    assert item.matter.status == MatterStatus.continued

    # Continued to a day with no meeting yet: placed when a meeting of the body is scheduled that day.
    farther = day + timedelta(days=14)
    response = clerk_client.post(
        f"{page}/actions",
        data={"action-action": "continued", "action-note": "Again", "action-target_date": farther.isoformat()},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [a for a in item.matter.actions if a.action == MatterActionKind.continued][-1].target_meeting_id is None
    made = agenda_template.schedule_meeting(
        body=first.body, kind=MeetingKind.regular, title="Regular meeting",
        start_at=later.start_at + timedelta(days=14), end_at=None, location="City Hall", remote_url=None,
        purpose=None, actor=None,
    )  # fmt: skip
    db.session.commit()
    assert [i.matter_id for i in made.items if i.matter_id == item.matter_id] == [item.matter_id]
    assert [a for a in item.matter.actions if a.action == MatterActionKind.continued][-1].target_meeting_id == made.id
    response = clerk_client.post(
        f"{page}/actions", data={"action-action": "continued", "action-note": "x", "action-target_date": "2026-13-40"}
    )
    assert response.status_code == 422
