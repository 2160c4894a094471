"""The roles as people meet them: a viewer reads and changes nothing, a deputy clerk works as a clerk, and a
commissioner whose login has no member is told why the seat's pages are empty. tests/test_access.py holds the
route-by-route matrix."""

import re

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import func, select

from app.auth import sessions
from app.auth.models import Role, User
from app.auth.permissions import GRANTS, Permission
from app.meetings.models import Meeting
from app.public_comment import intake as comment_intake
from app.public_comment import registration as speaker_registration
from app.public_comment import written as written_comments
from tests.conftest import PASSWORD
from tests.votes_helpers import hold_comment, items, roll_call, start

SPEAKER_EMAIL = "ana.private@example.org"
SPEAKER_PHONE = "305-555-0199"
WRITER_EMAIL = "wren.private@example.org"


def page_text(response):
    return response.get_data(as_text=True)


def post_forms(html: str) -> list[str]:
    """The actions of the POST forms on a page, but the sign-out in the header."""
    return [a for a in re.findall(r'<form method="post"[^>]*action="([^"]*)"', html) if a != "/logout"] + [
        "(no action)" for _ in re.findall(r'<form method="post"(?![^>]*action=)[^>]*>', html)
    ]


def test_the_role_sets():
    editors, acting = GRANTS[Permission.edit_record], GRANTS[Permission.act_for_seat]
    assert Role.deputy_clerk in editors and Role.viewer not in editors
    assert Role.viewer in GRANTS[Permission.read_staff] and Role.viewer not in acting
    assert Role.commissioner in acting and Role.commissioner not in editors
    assert Role.deputy_clerk.label == "Deputy clerk" and Role.viewer.label == "Viewer"


@pytest.fixture
def in_session(commission, open_meeting, clock, db, members):
    """The commission in session with a speaker (with contact details) and a written comment on the resolution."""
    meeting = open_meeting(commission[0])
    item = items(meeting)[1]
    speaker_registration.register_speaker(
        item,
        name="Ana Resident",
        stance="oppose",
        participation="in_person",
        email=SPEAKER_EMAIL,
        phone=SPEAKER_PHONE,
        interpreter_language="Haitian Creole",
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    )
    written_comments.submit_written_comment(
        item,
        name="Wren Writer",
        stance="support",
        text="Yes please.",
        email=WRITER_EMAIL,
        city="Key West",
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    )
    start(meeting, clock, db)
    roll_call(meeting, list(members.values()))
    hold_comment(items(meeting)[1])
    db.session.commit()
    return meeting


# --- viewer -----------------------------------------------------------------------------------------------------------


def test_a_viewer_reads_the_staff_pages_without_a_single_button(client, login_as, in_session):
    login_as(Role.viewer)
    item = items(in_session)[1]
    pages = [
        "/dashboard/",
        "/staff/meetings",
        f"/staff/meetings/{in_session.id}",
        f"/staff/items/{item.id}/motions",
        f"/staff/items/{item.id}/queue",
        f"/staff/meetings/{in_session.id}/speakers",
        "/staff/agreements",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert post_forms(page_text(response)) == [], url
    meeting_page = page_text(client.get(f"/staff/meetings/{in_session.id}"))
    assert "Resolution on the 287(g) agreement" in meeting_page  # the agenda as staff see it


def test_the_same_pages_have_buttons_for_a_clerk(client, login_as, in_session):
    """The counterpart of the test above: the page does carry forms, the viewer's are taken away."""
    login_as(Role.clerk)
    item = items(in_session)[1]
    assert post_forms(page_text(client.get(f"/staff/meetings/{in_session.id}")))
    assert post_forms(page_text(client.get(f"/staff/items/{item.id}/motions")))
    assert post_forms(page_text(client.get(f"/staff/items/{item.id}/queue")))


def test_a_viewer_is_refused_every_write_even_with_a_valid_form(client, login_as, in_session, members, db):
    login_as(Role.viewer)
    item = items(in_session)[1]
    motion = {"motion-kind": "main", "motion-text": "Move to adopt", "motion-mover_id": str(members["Hollis"].id)}
    for url, data in [
        (f"/staff/items/{item.id}/motions", motion),
        (f"/staff/items/{item.id}/disclosures", {"disclose-member_id": str(members["Hollis"].id)}),
        (f"/staff/meetings/{in_session.id}/adjourn", {}),
        ("/admin/invitations/new", {"email": "x@city.example", "display_name": "X", "role": "admin"}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code == 403, url
        assert "Your account does not have access" in page_text(response)
    assert db.session.get(Meeting, in_session.id).status.value == "in_progress"


def test_a_viewer_may_still_sign_out_and_change_their_password(client, login_as):
    login_as(Role.viewer)
    changed = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "a-new-long-pass", "confirm": "a-new-long-pass"},
    )
    assert changed.status_code == 302
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_contact_details_are_for_editors_only(client, login_as, in_session):
    item = items(in_session)[1]
    urls = [f"/staff/items/{item.id}/queue", f"/staff/meetings/{in_session.id}/speakers"]
    private = [SPEAKER_EMAIL, SPEAKER_PHONE, WRITER_EMAIL]

    for role in (Role.viewer, Role.commissioner, Role.admin):  # administrators run accounts, not residents' data
        login_as(role)
        for url in urls:
            text = page_text(client.get(url))
            if url == urls[0]:
                assert "Ana Resident" in text, url  # the speaker is listed, their contact details are not
            else:  # who asked for an interpreter or an accommodation, and what, is the clerk's office's only
                assert "The clerk's office sees who asked and what they need." in text, url
            for detail in private:
                assert detail not in text, (role, url, detail)
        assert "Contact and needs (staff only)" not in page_text(client.get(urls[0]))
        client.post("/logout")

    for role in (Role.deputy_clerk, Role.clerk):
        login_as(role)
        queue = page_text(client.get(urls[0]))
        assert SPEAKER_EMAIL in queue and SPEAKER_PHONE in queue and WRITER_EMAIL in queue
        assert "Contact and needs (staff only)" in queue
        assert SPEAKER_EMAIL in page_text(client.get(urls[1]))
        client.post("/logout")


def test_every_display_of_contact_details_is_on_the_record(client, login_as, in_session, db):
    from app.core.audit import AuditEntry
    from app.public_comment.models import SpeakerRequest, WrittenComment

    item = items(in_session)[1]
    speaker = db.session.scalar(select(SpeakerRequest).where(SpeakerRequest.email == SPEAKER_EMAIL))
    writer = db.session.scalar(select(WrittenComment).where(WrittenComment.email == WRITER_EMAIL))

    def views():
        return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contacts.view")).all()

    login_as(Role.commissioner)  # names only: nothing shown, nothing recorded
    client.get(f"/staff/items/{item.id}/queue")
    client.get(f"/staff/meetings/{in_session.id}/speakers")
    assert views() == []
    client.post("/logout")

    clerk = login_as(Role.deputy_clerk)
    client.get(f"/staff/items/{item.id}/queue")
    client.get(f"/staff/meetings/{in_session.id}/speakers")
    queue_view, speakers_view = views()
    assert queue_view.actor_id == clerk.id and queue_view.target_type == "AgendaItem"
    assert queue_view.data["speaker_requests"] == [speaker.id] and queue_view.data["written_comments"] == [writer.id]
    assert speakers_view.data == {"page": "speakers", "speaker_requests": [speaker.id], "written_comments": []}


def test_the_viewer_notice(app, create_user, db):
    viewer = create_user(Role.viewer)
    with app.test_request_context("/dashboard/"):
        sessions.start(viewer)
        login_user(viewer)
        html = render_template("dashboard/_account_notice.html")
    assert "read-only access" in html


# --- deputy clerk -----------------------------------------------------------------------------------------------------


def test_a_deputy_clerk_schedules_and_runs_meetings(client, login_as, create_body, db):
    login_as(Role.deputy_clerk)
    body = create_body(name="City Commission", seat_count=7)
    assert "Schedule a meeting" in page_text(client.get("/staff/meetings"))
    response = client.post(
        "/staff/meetings/new",
        data={
            "body_id": str(body.id),
            "kind": "special",
            "title": "Special meeting: harbor lease",
            "start_local": "2026-03-12T17:00",
            "location": "City Hall, 1300 White Street",
            "purpose": "Consider the harbor lease",
        },
    )
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == "Special meeting: harbor lease"))
    assert meeting is not None
    detail = page_text(client.get(f"/staff/meetings/{meeting.id}"))
    assert "Publish notice" in detail and "Edit details" in detail
    assert client.post(f"/staff/meetings/{meeting.id}/publish", data={}).status_code == 302
    assert db.session.get(Meeting, meeting.id).status.value == "noticed"


def test_a_deputy_clerk_is_not_an_administrator(client, login_as):
    login_as(Role.deputy_clerk)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/invitations/new").status_code == 403


def test_the_new_roles_are_stored(create_user, db):
    for role in (Role.deputy_clerk, Role.viewer):
        user = create_user(role)
        db.session.expire_all()
        assert db.session.get(User, user.id).role == role
    assert db.session.scalar(select(func.count(User.id)).where(User.role == Role.viewer)) == 1


# --- a commissioner whose login has no member -----------------------------------------------------------------------


def test_an_unlinked_commissioner_is_told_why_instead_of_empty_forms(client, login_as, in_session, members, db):
    login_as(Role.commissioner)
    item = items(in_session)[1]
    page = client.get(f"/staff/items/{item.id}/motions")
    assert page.status_code == 200
    text = page_text(page)
    assert "Your login is not linked to your member record yet" in text
    assert "Ask the City Clerk's Office" in text
    assert post_forms(text) == []

    motion = {"motion-kind": "main", "motion-text": "Move to adopt", "motion-mover_id": str(members["Hollis"].id)}
    refused = client.post(f"/staff/items/{item.id}/motions", data=motion)
    assert refused.status_code == 403
    assert "Your login is not linked to your member record yet" in page_text(refused)
    disclosed = client.post(f"/staff/items/{item.id}/disclosures", data={"disclose-nature": "Employer"})
    assert disclosed.status_code == 403
    from app.votes.models import ConflictDisclosure, Motion

    assert db.session.scalar(select(func.count(Motion.id))) == 0
    assert db.session.scalar(select(func.count(ConflictDisclosure.id))) == 0


def test_a_linked_commissioner_gets_the_forms_for_their_seat(client, login_as, in_session, members):
    login_as(Role.commissioner, member=members["Hollis"])
    item = items(in_session)[1]
    text = page_text(client.get(f"/staff/items/{item.id}/motions"))
    assert "not linked to your member record" not in text
    assert f"/staff/items/{item.id}/motions" in post_forms(text)


def test_an_unlinked_commissioner_cannot_vote_and_is_told_why(client, login_as, in_session, members, db):
    from app.votes import motions as motion_service
    from app.votes import roll_call as roll_call_service
    from app.votes.models import MotionKind

    item = items(in_session)[1]
    motion = motion_service.make_motion(
        in_session,
        item=item,
        kind=MotionKind.main,
        text="Move to adopt",
        mover_id=members["Hollis"].id,
        seconder_id=members["Everett"].id,
        actor=None,
    )
    roll_call_service.open_vote(motion, actor=None)
    db.session.commit()
    login_as(Role.commissioner)
    response = client.post(f"/staff/motions/{motion.id}/my-vote", data={"own-choice": "yes"})
    assert response.status_code == 403
    assert "Your login is not linked to your member record yet" in page_text(response)
    assert "not linked" in page_text(client.get(f"/staff/motions/{motion.id}"))


def test_the_commissioner_notice_needs_only_current_user(app, create_user, create_member):
    unlinked = create_user(Role.commissioner, email="nolink@city.example")
    linked = create_user(Role.commissioner, member=create_member())
    with app.test_request_context("/dashboard/"):
        sessions.start(unlinked)
        login_user(unlinked)
        html = render_template("dashboard/_account_notice.html")
    assert "not linked to your member record" in html and "nolink@city.example" in html
    with app.test_request_context("/dashboard/"):
        sessions.start(linked)
        login_user(linked)
        assert render_template("dashboard/_account_notice.html").strip() == ""
    with app.test_request_context("/dashboard/"):
        assert render_template("dashboard/_account_notice.html").strip() == ""  # anonymous: nothing
