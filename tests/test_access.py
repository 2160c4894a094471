"""Every staff route x every role: anonymous -> login page, wrong role -> 403, right role -> 200/302."""

import pytest

from app.auth.models import Role

ANON, COMM, CLERK, ADMIN = "anonymous", "commissioner", "clerk", "admin"
ROLES = [ANON, COMM, CLERK, ADMIN]

# (method, url template, roles allowed, status when allowed)
MATRIX = [
    ("GET", "/dashboard/", {COMM, CLERK, ADMIN}, 200),
    ("GET", "/account/password", {COMM, CLERK, ADMIN}, 200),
    ("GET", "/admin/users", {ADMIN}, 200),
    ("GET", "/admin/users/new", {ADMIN}, 200),
    ("POST", "/admin/users/new", {ADMIN}, 422),  # empty form: allowed in, then refused with messages
    ("GET", "/admin/users/{target}", {ADMIN}, 200),
    ("POST", "/admin/users/{target}", {ADMIN}, 302),  # missing fields keep their stored values
    ("POST", "/admin/users/{target}/password", {ADMIN}, 422),
    ("POST", "/admin/users/{target}/deactivate", {ADMIN}, 302),
    ("POST", "/admin/users/{target}/reactivate", {ADMIN}, 302),
    ("GET", "/admin/audit", {ADMIN}, 200),
    # The clerk's workspace: commissioners read everything (drafts too) but change nothing.
    ("GET", "/staff/meetings", {COMM, CLERK, ADMIN}, 200),
    ("GET", "/staff/meetings/new", {CLERK, ADMIN}, 200),
    ("POST", "/staff/meetings/new", {CLERK, ADMIN}, 422),
    ("GET", "/staff/meetings/{meeting}", {COMM, CLERK, ADMIN}, 200),
    ("GET", "/staff/meetings/{meeting}/edit", {CLERK, ADMIN}, 200),
    ("POST", "/staff/meetings/{meeting}/edit", {CLERK, ADMIN}, 422),
    ("POST", "/staff/meetings/{meeting}/publish", {CLERK, ADMIN}, 422),  # already published: refused with a message
    ("GET", "/staff/meetings/{meeting}/reschedule", {CLERK, ADMIN}, 200),
    ("POST", "/staff/meetings/{meeting}/reschedule", {CLERK, ADMIN}, 422),
    ("POST", "/staff/meetings/{meeting}/cancel", {CLERK, ADMIN}, 302),
    ("POST", "/staff/meetings/{meeting}/start", {CLERK, ADMIN}, 302),
    ("POST", "/staff/meetings/{meeting}/adjourn", {CLERK, ADMIN}, 302),
    ("POST", "/staff/meetings/{meeting}/agenda/publish", {CLERK, ADMIN}, 302),
    ("GET", "/staff/meetings/{meeting}/items/new", {CLERK, ADMIN}, 200),
    ("POST", "/staff/meetings/{meeting}/items/new", {CLERK, ADMIN}, 422),
    ("GET", "/staff/items/{item}", {CLERK, ADMIN}, 200),
    ("POST", "/staff/items/{item}", {CLERK, ADMIN}, 422),
    ("POST", "/staff/items/{item}/move", {CLERK, ADMIN}, 302),
    ("POST", "/staff/items/{item}/section", {CLERK, ADMIN}, 422),
    ("POST", "/staff/items/{item}/withdraw", {CLERK, ADMIN}, 422),
    ("POST", "/staff/items/{item}/attachments", {CLERK, ADMIN}, 422),
    ("GET", "/staff/attachments/{attachment}", {COMM, CLERK, ADMIN}, 200),
    ("POST", "/staff/meetings/{meeting}/minutes/generate", {CLERK, ADMIN}, 302),
    ("GET", "/staff/meetings/{meeting}/minutes", {CLERK, ADMIN}, 200),
    ("POST", "/staff/meetings/{meeting}/minutes", {CLERK, ADMIN}, 302),
    ("POST", "/staff/meetings/{meeting}/minutes/approve", {CLERK, ADMIN}, 302),
    ("GET", "/staff/meetings/{meeting}/attendance", {CLERK, ADMIN}, 200),
    ("POST", "/staff/meetings/{meeting}/attendance", {CLERK, ADMIN}, 422),  # not in progress: refused
    ("POST", "/staff/meetings/{meeting}/attendance/{member}/arrive", {CLERK, ADMIN}, 302),
    ("GET", "/staff/bodies/{body}/settings", {CLERK, ADMIN}, 200),
    ("POST", "/staff/bodies/{body}/settings", {CLERK, ADMIN}, 422),
    # Setting up the city: bodies, seats, rules, members and terms are the clerk's and the administrator's.
    ("GET", "/staff/bodies/", {CLERK, ADMIN}, 200),
    ("GET", "/staff/bodies/new", {CLERK, ADMIN}, 200),
    ("POST", "/staff/bodies/new", {CLERK, ADMIN}, 422),
    ("GET", "/staff/bodies/{body}", {CLERK, ADMIN}, 200),
    ("POST", "/staff/bodies/{body}", {CLERK, ADMIN}, 302),  # missing fields keep their stored values
    ("POST", "/staff/bodies/{body}/officers", {CLERK, ADMIN}, 302),  # no officers chosen: none marked
    ("POST", "/staff/bodies/{body}/seats", {CLERK, ADMIN}, 422),
    ("GET", "/staff/bodies/{body}/seats/{seat}", {CLERK, ADMIN}, 200),
    ("POST", "/staff/bodies/{body}/seats/{seat}", {CLERK, ADMIN}, 302),  # missing fields keep their stored values
    ("POST", "/staff/bodies/{body}/seats/{seat}/retire", {CLERK, ADMIN}, 422),
    ("GET", "/staff/bodies/{body}/rules", {CLERK, ADMIN}, 200),
    ("POST", "/staff/bodies/{body}/rules", {CLERK, ADMIN}, 422),
    ("POST", "/staff/bodies/{body}/retire", {CLERK, ADMIN}, 422),
    ("POST", "/staff/bodies/{body}/reinstate", {CLERK, ADMIN}, 302),  # not retired: refused with a message
    ("GET", "/staff/members/", {CLERK, ADMIN}, 200),
    ("GET", "/staff/members/new", {CLERK, ADMIN}, 200),
    ("POST", "/staff/members/new", {CLERK, ADMIN}, 422),
    ("GET", "/staff/members/{member}", {CLERK, ADMIN}, 200),
    ("POST", "/staff/members/{member}", {CLERK, ADMIN}, 302),  # missing fields keep their stored values
    ("POST", "/staff/members/{member}/terms", {CLERK, ADMIN}, 422),
    ("GET", "/staff/members/terms/{term}/end", {CLERK, ADMIN}, 200),
    ("POST", "/staff/members/terms/{term}/end", {CLERK, ADMIN}, 422),
    # Bulk import (issue 15): the clerk's and the administrator's. No upload is stored under the made-up token, so
    # the preview and the import send the user back to the upload form.
    ("GET", "/staff/import/", {CLERK, ADMIN}, 200),
    ("GET", "/staff/import/members", {CLERK, ADMIN}, 200),
    ("POST", "/staff/import/meetings", {CLERK, ADMIN}, 422),  # no file chosen
    ("GET", "/staff/import/members/sample.csv", {CLERK, ADMIN}, 200),
    ("GET", "/staff/import/members/NoSuchUploadToken12345", {CLERK, ADMIN}, 302),
    ("POST", "/staff/import/meetings/NoSuchUploadToken12345", {CLERK, ADMIN}, 302),
    # Public comment: commissioners see the queue; only the clerk runs it. The meeting is not in
    # progress, so queue actions are refused with a message and a redirect.
    ("GET", "/staff/bodies/{body}/comment-policy", {CLERK, ADMIN}, 200),
    ("POST", "/staff/bodies/{body}/comment-policy", {CLERK, ADMIN}, 422),
    ("GET", "/staff/meetings/{meeting}/speakers", {COMM, CLERK, ADMIN}, 200),
    ("GET", "/staff/items/{item}/queue", {COMM, CLERK, ADMIN}, 200),
    ("POST", "/staff/items/{item}/queue/walk-in", {CLERK, ADMIN}, 422),
    ("POST", "/staff/items/{item}/queue/next", {CLERK, ADMIN}, 302),
    ("POST", "/staff/items/{item}/comment-period/open", {CLERK, ADMIN}, 302),
    ("POST", "/staff/speakers/{speaker}/check-in", {CLERK, ADMIN}, 302),
    ("POST", "/staff/speakers/{speaker}/extend", {CLERK, ADMIN}, 422),
    ("POST", "/staff/speakers/{speaker}/cede", {CLERK, ADMIN}, 302),
    ("POST", "/staff/written/{written}/publish", {CLERK, ADMIN}, 302),
    ("POST", "/staff/written/{written}/hide", {CLERK, ADMIN}, 302),
    # Motions and votes: commissioners move, second, disclose and vote for themselves; the clerk runs the roll.
    # The meeting is not in session, so actions that pass the form are refused with a message (422).
    ("GET", "/staff/items/{item}/motions", {COMM, CLERK, ADMIN}, 200),
    ("POST", "/staff/items/{item}/motions", {COMM, CLERK, ADMIN}, 422),
    ("POST", "/staff/items/{item}/disclosures", {COMM, CLERK, ADMIN}, 422),
    ("GET", "/staff/motions/{motion}", {COMM, CLERK, ADMIN}, 200),
    ("POST", "/staff/motions/{motion}/second", {COMM, CLERK, ADMIN}, 422),
    ("POST", "/staff/motions/{motion}/open", {CLERK, ADMIN}, 422),
    ("POST", "/staff/motions/{motion}/threshold", {CLERK, ADMIN}, 422),
    ("POST", "/staff/motions/{motion}/votes", {CLERK, ADMIN}, 409),  # the motion is not open
    # Only a commissioner holding a seat on the roll call (none of these logins does) may post their own vote.
    ("POST", "/staff/motions/{motion}/my-vote", set(), None),
    ("POST", "/staff/votes/{vote}/correct", {CLERK, ADMIN}, 422),
    ("GET", "/staff/meetings/{meeting}/consent", {CLERK, ADMIN}, 200),
    ("POST", "/staff/meetings/{meeting}/consent", {CLERK, ADMIN}, 422),
    ("GET", "/staff/disclosures", {CLERK, ADMIN}, 200),
    ("POST", "/staff/disclosures/{disclosure}/form-8b", {CLERK, ADMIN}, 422),
    ("GET", "/staff/disclosures/{disclosure}/form-8b", {COMM, CLERK, ADMIN}, 404),  # nothing filed yet
    ("GET", "/staff/items/{item}/resolution", {CLERK, ADMIN}, 200),
    ("POST", "/staff/items/{item}/resolution", {CLERK, ADMIN}, 422),
    ("POST", "/staff/items/{item}/resolution/links", {CLERK, ADMIN}, 422),
    ("POST", "/staff/items/{item}/resolution/effects", {CLERK, ADMIN}, 422),
    ("POST", "/staff/items/{item}/resolution/withdraw", {CLERK, ADMIN}, 302),
    ("GET", "/staff/agreements", {COMM, CLERK, ADMIN}, 200),
    ("GET", "/staff/agreements/new", {CLERK, ADMIN}, 200),
    ("POST", "/staff/agreements/new", {CLERK, ADMIN}, 422),
    ("GET", "/staff/agreements/{agreement}", {CLERK, ADMIN}, 200),
    ("POST", "/staff/agreements/{agreement}", {CLERK, ADMIN}, 302),  # missing fields keep their stored values
    ("POST", "/staff/agreements/{agreement}/documents", {CLERK, ADMIN}, 422),
]


@pytest.fixture
def world(app, db, create_meeting, create_member, tmp_path):
    """A noticed meeting with one item, one PDF and draft minutes."""
    import io

    from app.meetings import agenda, documents
    from app.meetings.models import AgendaItemType
    from app.minutes import services as minutes_service
    from tests.meetings_helpers import PDF

    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    meeting = create_meeting(kind="regular", status="noticed")
    member = create_member(meeting.body, full_name="Roll Member")
    item = agenda.add_item(
        meeting,
        section="Resolutions",
        title="A resolution",
        body_md="",
        item_type=AgendaItemType.resolution,
        actor=None,
    )
    attachment = documents.add_attachment(item, filename="report.pdf", stream=io.BytesIO(PDF), actor=None)
    minutes_service.generate_minutes(meeting, actor=None)
    from app.public_comment import intake as comment_intake
    from app.public_comment import queue as speaker_queue
    from app.public_comment.models import WrittenComment

    speaker = speaker_queue.add_walk_in(
        item, actor=None, name="Ana Resident", stance="oppose", participation="in_person"
    )
    written = WrittenComment(
        agenda_item_id=item.id,
        meeting_id=meeting.id,
        name="Ana Resident",
        stance="oppose",
        text="No.",
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    )
    db.session.add(written)
    from datetime import date

    from app.legislation.models import Agreement
    from app.votes.models import ConflictDisclosure, Motion, Vote

    motion = Motion(
        meeting_id=meeting.id,
        agenda_item_id=item.id,
        kind="main",
        text="Move to adopt",
        mover_id=member.id,
        threshold_basis="members_present",
        threshold_fraction="majority",
    )
    motion.votes.append(Vote(member_id=member.id, position=1))
    disclosure = ConflictDisclosure(
        meeting_id=meeting.id,
        agenda_item_id=item.id,
        member_id=member.id,
        nature_of_interest="Employer",
        basis="principal",
        form_8b_due_on=date(2030, 1, 1),
    )
    agreement = Agreement(title="Mutual aid", counterparty="County", category="Mutual aid agreement")
    db.session.add_all([motion, disclosure, agreement])
    db.session.commit()
    return {
        "meeting": meeting.id,
        "item": item.id,
        "attachment": attachment.id,
        "body": meeting.body_id,
        "speaker": speaker.id,
        "written": written.id,
        "member": member.id,
        "motion": motion.id,
        "vote": motion.votes[0].id,
        "disclosure": disclosure.id,
        "agreement": agreement.id,
        "seat": member.memberships[0].seat_id,
        "term": member.memberships[0].id,
    }


def test_matrix_covers_every_staff_route(app):
    """A new staff route must be added to the matrix above. The portal and the read-only API are the anonymous
    surface by design (one place each to audit); every other blueprint is staff-only."""
    public = {"static", "auth.login", "auth.logout"}
    covered = set()
    for method, template, _, _ in MATRIX:
        adapter = app.url_map.bind("localhost")
        endpoint, _ = adapter.match(
            template.format(
                target=1,
                meeting=1,
                item=1,
                attachment=1,
                body=1,
                speaker=1,
                written=1,
                member=1,
                motion=1,
                vote=1,
                disclosure=1,
                agreement=1,
                seat=1,
                term=1,
            ),
            method=method,
        )
        covered.add(endpoint)
    staff = {
        rule.endpoint for rule in app.url_map.iter_rules() if not rule.endpoint.startswith(("portal.", "api."))
    } - public
    assert staff <= covered, f"staff routes missing from the access matrix: {staff - covered}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, template, allowed, ok_status", MATRIX, ids=[f"{m} {t}" for m, t, _, _ in MATRIX])
def test_access(client, login_as, create_user, world, role, method, template, allowed, ok_status):
    target = create_user(Role.clerk)
    if role != ANON:
        login_as(Role(role))
    url = template.format(target=target.id, **world)
    response = client.open(url, method=method, data={})
    if role in allowed:
        assert response.status_code == ok_status
    elif role == ANON:
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
    else:
        assert response.status_code == 403
        assert "Your account does not have access" in response.get_data(as_text=True)


def test_public_pages_need_no_account(client):
    for url in ["/", "/login", "/healthz"]:
        assert client.get(url).status_code == 200
