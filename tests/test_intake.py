"""Department intake: the route step by step, returns, rejections, deadlines, placement, roles, mail and audit."""

import io
import re

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.core.outbox import Mailing, MailingKind, OutboxMessage
from app.core.web import local_datetime
from app.extensions import db
from app.intake.models import Submission, SubmissionState
from app.meetings.models import AgendaItem, AgendaItemType
from tests.conftest import login
from tests.intake_helpers import PDF, regular_meeting, three_step_route


def csrf(client, url):
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return match.group(1) if match else ""


@pytest.fixture
def setup(app, create_user, create_meeting):
    app.config["WTF_CSRF_ENABLED"] = False
    head, legal, manager = three_step_route(create_user)
    staff = create_user(Role.department, display_name="Engineer")
    staff.department = "Public Works"
    other = create_user(Role.department, display_name="Parks clerk")
    other.department = "Parks"
    db.session.commit()
    meeting = regular_meeting(create_meeting)
    return {"head": head, "legal": legal, "manager": manager, "staff": staff, "other": other, "meeting": meeting}


def as_user(client, user):
    client.post("/logout")
    assert login(client, user.email).status_code == 302


def submit(client, meeting, **extra):
    data = {
        "item_type": "ordinance",
        "title": "Ordinance amending the sidewalk code",
        "summary_md": "Amends **chapter 12**.",
        "fiscal_impact": "$12,000 from the streets fund",
        "recommended_action": "Approve on first reading",
        "meeting_id": str(meeting.id),
        "then": "submit",
        "file": (io.BytesIO(PDF), "map.pdf"),
        **extra,
    }
    return client.post("/intake/new", data=data, content_type="multipart/form-data")


def only_submission():
    return db.session.scalars(select(Submission)).one()


def act(client, submission, action, comment=""):
    return client.post(f"/intake/{submission.id}/{action}", data={"comment": comment, "version": submission.version})


def mail_to(email):
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .join(Mailing)
            .where(Mailing.kind == MailingKind.intake_step, OutboxMessage.recipient == email)
            .order_by(OutboxMessage.id)  # oldest first: PostgreSQL returns rows in no set order otherwise
        )
    )


def test_full_route_then_placed(client, setup, create_user):
    s = setup
    as_user(client, s["staff"])
    response = submit(client, s["meeting"])
    assert response.status_code == 302, response.get_data(as_text=True)
    sub = only_submission()
    assert sub.state == SubmissionState.in_review and sub.current_step == 0 and not sub.late
    assert len(mail_to(s["head"].email)) == 1  # the next approver is told
    page = client.get("/intake/").get_data(as_text=True)
    assert "Department head" in page and "Head of Public Works" in page

    # The legal approver cannot act on the department head's step.
    as_user(client, s["legal"])
    assert act(client, sub, "approve").status_code == 422
    db.session.refresh(sub)
    assert sub.current_step == 0

    for user, step in ((s["head"], 1), (s["legal"], 2), (s["manager"], 3)):
        as_user(client, user)
        assert b"Ordinance amending" in client.get("/intake/inbox").data
        db.session.refresh(sub)
        response = act(client, sub, "approve", "fine")
        assert response.status_code == 302, response.get_data(as_text=True)
        db.session.refresh(sub)
        assert sub.current_step == min(step, 2)
    assert sub.state == SubmissionState.approved
    assert len(mail_to(s["legal"].email)) == 1 and len(mail_to(s["manager"].email)) == 1
    assert len(mail_to(s["staff"].email)) == 3

    clerk = create_user(Role.clerk)
    as_user(client, clerk)
    assert b"Ordinance amending" in client.get("/intake/ready").data
    # Where to place it: each meeting named with its day and time in the city (not the UTC date), and an
    # ordinance offered at its first reading.
    detail = client.get(f"/intake/{sub.id}").get_data(as_text=True)
    with client.application.test_request_context("/"):
        when = local_datetime(s["meeting"].start_at)
    assert f"Regular meeting ({when})" in detail
    assert re.search(r'<option selected value="first">First reading</option>', detail)
    section = s["meeting"].body.agenda_sections[0]
    response = client.post(
        f"/intake/{sub.id}/place", data={"target": f"{s['meeting'].id}:{section}", "version": sub.version}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    sub = only_submission()
    item = db.session.get(AgendaItem, sub.agenda_item_id)
    assert sub.state == SubmissionState.placed
    assert item.meeting_id == s["meeting"].id and item.section == section
    assert item.title == "Ordinance amending the sidewalk code" and item.item_type.value == "ordinance"
    assert item.body_md == "Amends **chapter 12**." and item.fiscal_impact.startswith("$12,000")
    assert item.recommended_action == "Approve on first reading"
    assert [a.original_filename for a in item.attachments] == ["map.pdf"]
    assert item.attachments[0].sha256 == sub.files[0].sha256
    assert item.attachments[0].stored_name != sub.files[0].stored_name  # copied through the storage layer
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "Submission")))
    assert {"intake.save", "intake.submit", "intake.approve", "intake.place"} <= actions
    history = client.get(f"/intake/{sub.id}").get_data(as_text=True)
    assert history.count("Approved") >= 3 and "Placed on an agenda" in history


def test_return_with_comments_then_resubmit_starts_again(client, setup):
    s = setup
    as_user(client, s["staff"])
    submit(client, s["meeting"])
    sub = only_submission()
    as_user(client, s["head"])
    act(client, sub, "approve")
    as_user(client, s["legal"])
    db.session.refresh(sub)
    refused = act(client, sub, "return", "")
    assert refused.status_code == 422 and b"Say what should change" in refused.data
    assert act(client, sub, "return", "Cite the statute.").status_code == 302
    db.session.refresh(sub)
    assert sub.state == SubmissionState.returned
    assert "Cite the statute." in mail_to(s["staff"].email)[-1].body

    as_user(client, s["staff"])
    assert b"Cite the statute." in client.get(f"/intake/{sub.id}").data
    response = client.post(
        f"/intake/{sub.id}/edit",
        data={
            "item_type": "ordinance",
            "title": "Ordinance (F.S. 166.041)",
            "meeting_id": s["meeting"].id,
            "then": "submit",
            "version": sub.version,
        },
    )
    assert response.status_code == 302
    db.session.refresh(sub)
    assert sub.state == SubmissionState.in_review and sub.current_step == 0


def test_rejection_needs_reason(client, setup):
    s = setup
    as_user(client, s["staff"])
    submit(client, s["meeting"])
    sub = only_submission()
    as_user(client, s["head"])
    assert act(client, sub, "reject", "  ").status_code == 422
    assert act(client, sub, "reject", "Not this year.").status_code == 302
    db.session.refresh(sub)
    assert sub.state == SubmissionState.rejected
    assert act(client, sub, "approve").status_code in (409, 422)


def test_late_submission_is_flagged(client, setup, create_meeting):
    s = setup
    soon = regular_meeting(create_meeting, days=3)
    as_user(client, s["staff"])
    page = client.get("/intake/new").get_data(as_text=True)
    assert "closes 10 days before" in page.replace("\u00a0", " ") or "10 days" in page
    submit(client, soon)
    assert only_submission().late is True


def test_second_approver_on_same_step_is_told(client, setup, create_user):
    s = setup
    deputy = create_user(Role.department, display_name="Deputy head")
    deputy.department = "Public Works"
    db.session.commit()
    from app.intake import routes

    routes.save_route(
        [{"name": "Department head", "approver_ids": [s["head"].id, deputy.id], "same_department": True}],
        close_days=10,
        actor=None,
    )
    db.session.commit()
    as_user(client, s["staff"])
    submit(client, s["meeting"])
    sub = only_submission()
    stale_version = sub.version
    as_user(client, s["head"])
    assert act(client, sub, "approve").status_code == 302
    as_user(client, deputy)
    response = client.post(f"/intake/{sub.id}/return", data={"comment": "wait", "version": stale_version})
    assert response.status_code == 409 and b"acted on this submission first" in response.data
    db.session.refresh(sub)
    assert sub.state == SubmissionState.approved


def test_department_sees_only_its_own_and_no_staff_pages(client, setup):
    s = setup
    as_user(client, s["staff"])
    submit(client, s["meeting"])
    sub = only_submission()
    assert client.get("/dashboard/").status_code == 403
    assert client.get(f"/staff/meetings/{s['meeting'].id}").status_code in (403, 404)
    assert client.get("/intake/ready").status_code == 403
    assert client.get("/intake/route").status_code == 403
    as_user(client, s["other"])
    assert client.get(f"/intake/{sub.id}").status_code == 404
    assert b"Ordinance amending" not in client.get("/intake/").data


def test_refusals_keep_input_and_no_500(client, setup):
    s = setup
    as_user(client, s["staff"])
    response = submit(client, s["meeting"], title="x" * 400, summary_md="keep me")
    assert response.status_code == 422 and b"keep me" in response.data
    response = submit(client, s["meeting"], file=(io.BytesIO(b"not a pdf"), "map.pdf"), summary_md="kept too")
    assert response.status_code == 422 and b"kept too" in response.data
    assert client.get("/intake/99999999999999999999").status_code == 404
    assert client.post("/intake/99999999999/approve", data={}).status_code == 404
    assert submit(client, s["meeting"], meeting_id="99999999999999").status_code == 422
    assert db.session.scalars(select(Submission)).all() == []


def test_missing_csrf_is_refused(app, client, setup):
    as_user(client, setup["staff"])
    app.config["WTF_CSRF_ENABLED"] = True
    response = submit(client, setup["meeting"])
    assert response.status_code in (400, 422)
    assert db.session.scalars(select(Submission)).all() == []


def test_recommended_action_shows_on_the_agenda(client, setup, create_user):
    from app.meetings import agenda

    meeting = setup["meeting"]
    item = agenda.add_item(
        meeting,
        section=meeting.body.agenda_sections[0],
        title="Sidewalks",
        body_md="",
        item_type=AgendaItemType.ordinance,
        actor=None,
    )
    item.recommended_action = "Adopt on first reading"
    db.session.commit()
    as_user(client, create_user(Role.clerk))
    assert b"Adopt on first reading" in client.get(f"/staff/meetings/{meeting.id}").data


def test_admin_sets_a_users_department(client, create_user):
    target = create_user(Role.department)
    as_user(client, create_user(Role.admin))
    client.application.config["WTF_CSRF_ENABLED"] = False
    page = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert 'name="department"' in page
    response = client.post(
        f"/admin/users/{target.id}",
        data={"display_name": "Engineer", "role": "department", "member_id": "", "department": "Public Works"},
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.department == "Public Works"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.update")).all()[-1]
    assert entry.data["after"]["department"] == "Public Works"
    assert 'name="department"' not in client.get("/admin/invitations/new").get_data(as_text=True)


def test_route_edits_do_not_change_submissions_in_flight(client, setup, create_user):
    s = setup
    as_user(client, s["staff"])
    submit(client, s["meeting"])
    sub = only_submission()
    assert [step["name"] for step in sub.route] == ["Department head", "Legal", "City Manager"]
    clerk = create_user(Role.clerk)
    as_user(client, clerk)
    refused = client.post("/intake/route", data={"close_days": "7", "name_0": "Only step", "approvers_0": []})
    assert refused.status_code == 422 and b"Only step" in refused.data  # no approver: refused, typed name kept
    saved = client.post(
        "/intake/route", data={"close_days": "7", "name_0": "Only step", "approvers_0": [str(clerk.id)]}
    )
    assert saved.status_code == 302
    db.session.refresh(sub)
    assert [step["name"] for step in sub.route] == ["Department head", "Legal", "City Manager"]
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "intake.route")).all()
    page = client.get("/intake/route").get_data(as_text=True)
    assert 'value="7"' in page and "Only step" in page


def test_department_nav_shows_only_what_it_may_open(client, setup):
    as_user(client, setup["staff"])
    page = client.get("/intake/").get_data(as_text=True)
    assert "Agenda submissions" in page and "/dashboard/" not in page and "Manage meetings" not in page


def test_the_form_and_list_query_counts_do_not_grow_with_meetings(client, setup, create_meeting, count_queries):
    as_user(client, setup["staff"])
    client.get("/intake/new")
    with count_queries() as few:
        assert client.get("/intake/new").status_code == 200
    for days in (40, 50, 60):
        regular_meeting(create_meeting, days=days)
    with count_queries() as more:
        assert client.get("/intake/new").status_code == 200
    assert len(more) == len(few)


def test_a_save_racing_another_is_refused_by_the_row_version(app, setup):
    """Both approvers read version v; the other one's save lands first (a direct UPDATE here). This one's UPDATE
    ... WHERE version = v then matches nothing: refused as a conflict, and nothing of it is kept."""
    from sqlalchemy import update

    from app.core.actions import attempt
    from app.intake import workflow
    from app.intake.models import SubmissionStep

    s = setup
    with app.test_request_context():
        sub = workflow.save_draft(
            None,
            actor=s["staff"],
            item_type="ordinance",
            title="Race",
            summary_md="",
            fiscal_impact="",
            recommended_action="",
            meeting_id=s["meeting"].id,
        )
        workflow.submit(sub, actor=s["staff"])
        db.session.commit()
        steps_before = len(db.session.scalars(select(SubmissionStep)).all())
        db.session.execute(
            update(Submission).where(Submission.id == sub.id).values(version=Submission.version + 1),
            execution_options={"synchronize_session": False},
        )
        with attempt(flash_error=False) as done:
            workflow.approve(sub, actor=s["head"])
        assert not done and "Someone else saved this" in done.error.message
        assert len(db.session.scalars(select(SubmissionStep)).all()) == steps_before
