"""Every staff route x every role: anonymous -> login page, wrong role -> 403, right role -> 200/302.

Viewers read every staff page that only shows and are refused every change; deputy clerks are clerks everywhere
but in the administration pages. The commissioner here is linked to a member on the roll (an unlinked one is
covered in tests/test_roles.py).
"""

import pytest

from app.auth.models import Role

ANON, VIEWER, COMM, DEPUTY, CLERK, ADMIN = "anonymous", "viewer", "commissioner", "deputy_clerk", "clerk", "admin"
DEPT = "department"
ROLES = [ANON, VIEWER, COMM, DEPUTY, CLERK, ADMIN, DEPT]
#: Pages that only show: every signed-in role but department staff (who see only their submissions).
STAFF = {VIEWER, COMM, DEPUTY, CLERK, ADMIN}
#: One's own password, sessions and second factor: every signed-in role.
ACCOUNT = STAFF | {DEPT}
#: Department intake (app.intake): everyone who may act; which submissions each sees is the service's answer.
INTAKE = {DEPT, COMM, DEPUTY, CLERK, ADMIN}
#: Changes a commissioner may make for their own seat: everyone but viewers.
ACTORS = {COMM, DEPUTY, CLERK, ADMIN}
#: The clerk's work: editors.
EDITORS = {DEPUTY, CLERK, ADMIN}
#: Residents' contact details and the outgoing mail: the clerk's office only (not administrators).
CLERKS = {DEPUTY, CLERK}

# (method, url template, roles allowed, status when allowed)
MATRIX = [
    ("GET", "/dashboard/", STAFF, 200),
    ("GET", "/account/password", ACCOUNT, 200),
    ("POST", "/account/password", ACCOUNT, 200),  # a viewer too may change their own password (empty form: refused)
    ("GET", "/account/sessions", ACCOUNT, 200),
    ("POST", "/account/sessions/{target}/end", ACCOUNT, 302),  # someone else's session: refused with a message
    ("POST", "/account/sessions/end-others", ACCOUNT, 302),
    ("GET", "/account/two-factor", ACCOUNT, 200),
    ("POST", "/account/two-factor/start", ACCOUNT, 200),  # the QR code page
    ("POST", "/account/two-factor/confirm", ACCOUNT, 302),  # nothing started: back to the page
    ("POST", "/account/two-factor/recovery-codes", ACCOUNT, 422),  # the password is asked again: refused
    ("POST", "/account/two-factor/disable", ACCOUNT, 422),
    ("POST", "/admin/users/{target}/two-factor/reset", {ADMIN}, 302),
    ("GET", "/admin/security", {ADMIN}, 200),
    ("GET", "/staff/roles", STAFF, 200),
    ("GET", "/styleguide", STAFF, 200),
    ("POST", "/admin/security", {ADMIN}, 422),  # no city profile saved yet: refused with a message
    ("GET", "/admin/users", {ADMIN}, 200),
    ("GET", "/admin/invitations/new", {ADMIN}, 200),
    ("POST", "/admin/invitations/new", {ADMIN}, 422),  # empty form: allowed in, then refused with messages
    ("POST", "/admin/invitations/{invitation}/resend", {ADMIN}, 302),
    ("POST", "/admin/invitations/{invitation}/revoke", {ADMIN}, 302),
    ("GET", "/admin/users/{target}", {ADMIN}, 200),
    ("POST", "/admin/users/{target}", {ADMIN}, 302),  # missing fields keep their stored values
    ("POST", "/admin/users/{target}/password", {ADMIN}, 422),
    ("POST", "/admin/users/{target}/deactivate", {ADMIN}, 302),
    ("POST", "/admin/users/{target}/reactivate", {ADMIN}, 302),
    ("GET", "/admin/audit", {ADMIN}, 200),
    # Outgoing mail: addresses are private, so the clerk's office only.
    ("GET", "/staff/mail/", CLERKS, 200),
    ("GET", "/staff/mail/{mailing}", CLERKS, 200),
    ("GET", "/staff/mail/{mailing}/progress.json", CLERKS, 200),
    ("POST", "/staff/mail/{mailing}/retry", CLERKS, 302),
    # The clerk's workspace: commissioners read everything (drafts too) but change nothing.
    ("GET", "/staff/meetings", STAFF, 200),
    ("GET", "/staff/meetings/new", EDITORS, 200),
    ("POST", "/staff/meetings/new", EDITORS, 422),
    ("GET", "/staff/meetings/{meeting}", STAFF, 200),
    ("GET", "/staff/meetings/{meeting}/edit", EDITORS, 200),
    ("POST", "/staff/meetings/{meeting}/edit", EDITORS, 422),
    ("POST", "/staff/meetings/{meeting}/publish", EDITORS, 422),  # already published: refused with a message
    ("GET", "/staff/meetings/{meeting}/reschedule", EDITORS, 200),
    ("POST", "/staff/meetings/{meeting}/reschedule", EDITORS, 422),
    ("POST", "/staff/meetings/{meeting}/cancel", EDITORS, 302),
    # before the noticed time, without a reason: refused, the page again with the reason field
    ("POST", "/staff/meetings/{meeting}/start", EDITORS, 422),
    ("POST", "/staff/meetings/{meeting}/adjourn", EDITORS, 302),
    ("POST", "/staff/meetings/{meeting}/agenda/publish", EDITORS, 302),
    ("GET", "/staff/meetings/{meeting}/items/new", EDITORS, 200),
    ("POST", "/staff/meetings/{meeting}/items/new", EDITORS, 422),
    ("GET", "/staff/items/{item}", EDITORS, 200),
    ("GET", "/staff/matters", STAFF, 200),
    ("GET", "/staff/matters/{matter}", STAFF, 200),
    ("POST", "/staff/matters/{matter}/actions", EDITORS, 422),
    ("POST", "/staff/matters/{matter}/relations", EDITORS, 422),
    ("POST", "/staff/matters/{matter}/notices", EDITORS, 422),
    ("POST", "/staff/matters/{matter}/notices/withdraw", EDITORS, 422),
    ("POST", "/staff/matters/{matter}/effective", EDITORS, 422),
    ("POST", "/staff/matters/{matter}/versions", EDITORS, 422),  # empty text: refused with the form
    ("GET", "/staff/matters/{matter}/compare", STAFF, 200),
    ("GET", "/staff/matters/{matter}/versions/1", STAFF, 200),
    ("GET", "/staff/matters/numbering", EDITORS, 200),
    ("POST", "/staff/matters/numbering", EDITORS, 422),
    ("POST", "/staff/items/{item}", EDITORS, 422),
    ("POST", "/staff/items/{item}/move", EDITORS, 302),
    ("POST", "/staff/items/{item}/section", EDITORS, 422),
    ("POST", "/staff/items/{item}/withdraw", EDITORS, 422),
    ("POST", "/staff/items/{item}/attachments", EDITORS, 422),
    ("GET", "/staff/attachments/{attachment}", STAFF, 200),
    # Accessible documents (R14): requesters' contact details are private, so the clerks only. The world's PDF
    # is not a scan, so OCR is refused with a message; it has no OCR'd copy (404 once allowed in).
    ("GET", "/staff/accessibility/requests", CLERKS, 200),
    ("POST", "/staff/accessibility/requests/{accessibility_request}/answer", CLERKS, 302),
    ("POST", "/staff/attachments/{attachment}/ocr", EDITORS, 302),
    ("POST", "/staff/attachments/{attachment}/description", EDITORS, 302),
    ("GET", "/staff/attachments/{attachment}/accessible", STAFF, 404),
    ("POST", "/staff/meetings/{meeting}/minutes/generate", EDITORS, 302),
    ("GET", "/staff/meetings/{meeting}/recording", EDITORS, 200),
    ("POST", "/staff/meetings/{meeting}/recording", EDITORS, 422),  # empty form: refused, kept
    ("GET", "/staff/meetings/{meeting}/recording/{recording}", EDITORS, 200),
    ("POST", "/staff/meetings/{meeting}/recording/{recording}", EDITORS, 422),
    ("POST", "/staff/meetings/{meeting}/recording/{recording}/remove", EDITORS, 302),
    ("GET", "/staff/meetings/{meeting}/log/{entry}/time", EDITORS, 200),
    ("POST", "/staff/meetings/{meeting}/log/{entry}/time", EDITORS, 422),
    ("GET", "/staff/meetings/{meeting}/minutes", EDITORS, 200),
    ("POST", "/staff/meetings/{meeting}/minutes", EDITORS, 302),
    ("POST", "/staff/meetings/{meeting}/minutes/release", EDITORS, 302),
    ("POST", "/staff/meetings/{meeting}/minutes/schedule-approval", EDITORS, 302),  # empty form: refused, redirected
    # The agenda packet: editors build it; every staff role watches it build and reads it (none built here: 404).
    ("POST", "/staff/meetings/{meeting}/packet", EDITORS, 302),
    ("GET", "/staff/meetings/{meeting}/packet/progress.json", STAFF, 200),
    ("GET", "/staff/meetings/{meeting}/packet.pdf", STAFF, 404),
    # Captions of a recording part (issue 21): editors upload and correct; no file sent is refused (400).
    ("GET", "/staff/meetings/{meeting}/captions", EDITORS, 200),
    ("GET", "/staff/meetings/{meeting}/recordings/1/captions", EDITORS, 200),
    ("POST", "/staff/meetings/{meeting}/recordings/1/captions", EDITORS, 400),
    ("POST", "/staff/meetings/{meeting}/recordings/1/captions/passages/{passage}", EDITORS, 302),
    ("POST", "/staff/meetings/{meeting}/recordings/1/captions/remove", EDITORS, 302),
    ("GET", "/staff/meetings/{meeting}/attendance", EDITORS, 200),
    ("POST", "/staff/meetings/{meeting}/attendance", EDITORS, 422),  # not in progress: refused
    ("POST", "/staff/meetings/{meeting}/attendance/{member}/arrive", EDITORS, 302),
    ("GET", "/staff/bodies/{body}/settings", EDITORS, 200),
    ("POST", "/staff/bodies/{body}/settings", EDITORS, 422),
    # Setting up the city: bodies, seats, rules, members and terms are the clerk's and the administrator's.
    ("GET", "/staff/bodies/", EDITORS, 200),
    ("GET", "/staff/bodies/new", EDITORS, 200),
    ("POST", "/staff/bodies/new", EDITORS, 422),
    ("GET", "/staff/bodies/{body}", EDITORS, 200),
    ("POST", "/staff/bodies/{body}", EDITORS, 302),  # missing fields keep their stored values
    ("POST", "/staff/bodies/{body}/officers", EDITORS, 302),  # no officers chosen: none marked
    ("POST", "/staff/bodies/{body}/seats", EDITORS, 422),
    ("GET", "/staff/bodies/{body}/seats/{seat}", EDITORS, 200),
    ("POST", "/staff/bodies/{body}/seats/{seat}", EDITORS, 302),  # missing fields keep their stored values
    ("POST", "/staff/bodies/{body}/seats/{seat}/retire", EDITORS, 422),
    ("GET", "/staff/bodies/{body}/rules", EDITORS, 200),
    ("POST", "/staff/bodies/{body}/rules", EDITORS, 422),
    ("POST", "/staff/bodies/{body}/retire", EDITORS, 422),
    ("POST", "/staff/bodies/{body}/reinstate", EDITORS, 302),  # not retired: refused with a message
    # The regular schedule, the city's holidays and the agenda template (issue 20).
    ("GET", "/staff/bodies/{body}/schedule", EDITORS, 200),
    ("POST", "/staff/bodies/{body}/schedule", EDITORS, 422),
    ("POST", "/staff/bodies/{body}/schedule/{schedule_rule}/remove", EDITORS, 302),
    ("GET", "/staff/bodies/{body}/schedule/plan", EDITORS, 200),
    ("POST", "/staff/bodies/{body}/schedule/plan", EDITORS, 422),
    ("GET", "/staff/bodies/holidays", EDITORS, 200),
    ("POST", "/staff/bodies/holidays", EDITORS, 422),
    ("POST", "/staff/bodies/holidays/standard", EDITORS, 302),  # no year: a message, back to the list
    ("POST", "/staff/bodies/holidays/{holiday}/remove", EDITORS, 302),
    ("GET", "/staff/bodies/{body}/agenda-template", EDITORS, 200),
    ("POST", "/staff/bodies/{body}/agenda-template", EDITORS, 422),
    ("POST", "/staff/bodies/{body}/agenda-template/{template_item}/remove", EDITORS, 302),
    ("POST", "/staff/bodies/{body}/agenda-template/{template_item}/move", EDITORS, 302),  # no direction: a message
    ("GET", "/staff/members/", EDITORS, 200),
    ("GET", "/staff/members/new", EDITORS, 200),
    ("POST", "/staff/members/new", EDITORS, 422),
    ("GET", "/staff/members/{member}", EDITORS, 200),
    ("POST", "/staff/members/{member}", EDITORS, 302),  # missing fields keep their stored values
    ("POST", "/staff/members/{member}/terms", EDITORS, 422),
    ("GET", "/staff/members/terms/{term}/end", EDITORS, 200),
    ("POST", "/staff/members/terms/{term}/end", EDITORS, 422),
    # Bulk import: editors. No upload is stored under the made-up token, so the preview and the import send the
    # user back to the upload form.
    ("GET", "/staff/import/", EDITORS, 200),
    ("GET", "/staff/import/members", EDITORS, 200),
    ("POST", "/staff/import/meetings", EDITORS, 422),  # no file chosen
    ("GET", "/staff/import/members/sample.csv", EDITORS, 200),
    ("GET", "/staff/import/members/NoSuchUploadToken12345", EDITORS, 302),
    ("POST", "/staff/import/meetings/NoSuchUploadToken12345", EDITORS, 302),
    # Matters and their histories (issue 20): one upload of two files.
    ("GET", "/staff/import/matters", EDITORS, 200),
    ("POST", "/staff/import/matters", EDITORS, 422),  # no file chosen
    ("GET", "/staff/import/histories/sample.csv", EDITORS, 200),
    ("GET", "/staff/import/matters/NoSuchUploadToken12345", EDITORS, 302),
    ("POST", "/staff/import/matters/NoSuchUploadToken12345", EDITORS, 302),
    # Public comment: commissioners see the queue; only the clerk runs it. The meeting is not in
    # progress, so queue actions are refused with a message and a redirect.
    ("GET", "/staff/bodies/{body}/comment-policy", EDITORS, 200),
    ("POST", "/staff/bodies/{body}/comment-policy", EDITORS, 422),
    ("GET", "/staff/meetings/{meeting}/speakers", STAFF, 200),
    ("GET", "/staff/items/{item}/queue", STAFF, 200),
    ("POST", "/staff/items/{item}/queue/walk-in", EDITORS, 422),
    ("POST", "/staff/items/{item}/queue/next", EDITORS, 302),
    ("POST", "/staff/items/{item}/comment-period/open", EDITORS, 302),
    ("POST", "/staff/speakers/{speaker}/check-in", EDITORS, 302),
    ("POST", "/staff/speakers/{speaker}/extend", EDITORS, 422),
    ("POST", "/staff/speakers/{speaker}/cede", EDITORS, 302),
    ("POST", "/staff/items/{item}/queue/cede", EDITORS, 302),  # nothing chosen: refused with a message
    # The cockpit: everyone on staff follows it; only the clerk acts (before the noticed time without a reason,
    # calling to order is refused with a message).
    ("GET", "/staff/meetings/{meeting}/live", STAFF, 200),
    ("POST", "/staff/meetings/{meeting}/live/call_to_order", EDITORS, 302),
    # A commissioner's seat: everyone on staff follows it; only a commissioner acts, for their own seat (the
    # meeting is not in session: refused with a message).
    ("GET", "/staff/meetings/{meeting}/seat", STAFF, 200),
    ("POST", "/staff/meetings/{meeting}/seat/ask", {COMM}, 422),
    ("POST", "/staff/written/{written}/publish", EDITORS, 302),
    ("POST", "/staff/written/{written}/hide", EDITORS, 302),
    # Motions and votes: commissioners move, second, disclose and vote for themselves; the clerk runs the roll.
    # The meeting is not in session, so actions that pass the form are refused with a message (422).
    ("GET", "/staff/items/{item}/motions", STAFF, 200),
    ("POST", "/staff/items/{item}/motions", ACTORS, 422),
    ("POST", "/staff/items/{item}/disclosures", ACTORS, 422),
    ("GET", "/staff/motions/{motion}", STAFF, 200),
    ("POST", "/staff/motions/{motion}/second", ACTORS, 422),
    ("POST", "/staff/motions/{motion}/open", EDITORS, 422),
    ("POST", "/staff/motions/{motion}/threshold", EDITORS, 422),
    ("POST", "/staff/motions/{motion}/votes", EDITORS, 409),  # the motion is not open
    # Only a commissioner holding a seat on the roll call may post their own vote (the motion is not open).
    ("POST", "/staff/motions/{motion}/my-vote", {COMM}, 409),
    ("POST", "/staff/votes/{vote}/correct", EDITORS, 422),
    ("GET", "/staff/meetings/{meeting}/consent", EDITORS, 200),
    ("POST", "/staff/meetings/{meeting}/consent", EDITORS, 422),
    ("GET", "/staff/disclosures", EDITORS, 200),
    ("POST", "/staff/disclosures/{disclosure}/form-8b", EDITORS, 422),
    ("GET", "/staff/disclosures/{disclosure}/form-8b", STAFF, 404),  # nothing filed yet
    ("GET", "/staff/items/{item}/resolution", EDITORS, 200),
    ("POST", "/staff/items/{item}/resolution", EDITORS, 422),
    ("POST", "/staff/items/{item}/resolution/links", EDITORS, 422),
    ("POST", "/staff/items/{item}/resolution/effects", EDITORS, 422),
    ("POST", "/staff/items/{item}/resolution/withdraw", EDITORS, 302),
    ("POST", "/staff/items/{item}/resolution/correct", EDITORS, 422),  # empty form: no reason, refused
    ("GET", "/staff/agreements", STAFF, 200),
    ("GET", "/staff/agreements/new", EDITORS, 200),
    ("POST", "/staff/agreements/new", EDITORS, 422),
    ("GET", "/staff/agreements/{agreement}", EDITORS, 200),
    ("POST", "/staff/agreements/{agreement}", EDITORS, 302),  # missing fields keep their stored values
    ("POST", "/staff/agreements/{agreement}/documents", EDITORS, 422),
    # The city profile (app/staff/city.py): an empty form is refused (the official name is required).
    ("GET", "/staff/city", EDITORS, 200),
    ("POST", "/staff/city", EDITORS, 422),
    ("GET", "/staff/city/ordinances", EDITORS, 200),
    ("POST", "/staff/city/ordinances", EDITORS, 422),  # an empty form: the number of days is required
    # Department intake (issue 20). The submission ids are unknown: past the role check, 404.
    ("GET", "/intake/", INTAKE, 200),
    ("GET", "/intake/inbox", INTAKE, 200),
    ("GET", "/intake/new", INTAKE, 200),
    ("POST", "/intake/new", INTAKE, 422),
    ("GET", "/intake/999999", INTAKE, 404),
    ("GET", "/intake/999999/edit", INTAKE, 404),
    ("POST", "/intake/999999/edit", INTAKE, 404),
    ("POST", "/intake/999999/submit", INTAKE, 404),
    ("POST", "/intake/999999/approve", INTAKE, 404),
    ("POST", "/intake/999999/return", INTAKE, 404),
    ("POST", "/intake/999999/reject", INTAKE, 404),
    ("GET", "/intake/files/999999", INTAKE, 404),
    ("GET", "/intake/ready", EDITORS, 200),
    ("POST", "/intake/999999/place", EDITORS, 404),
    ("GET", "/intake/route", EDITORS, 200),
    ("POST", "/intake/route", EDITORS, 422),
    # Topics (issue 19): the list is the clerk's and the administrator's.
    ("GET", "/staff/topics/", EDITORS, 200),
    ("POST", "/staff/topics/", EDITORS, 422),  # empty form: no name, refused
    ("GET", "/staff/topics/{topic}", EDITORS, 200),
    ("POST", "/staff/topics/{topic}", EDITORS, 302),  # missing fields keep their stored values
    ("POST", "/staff/topics/{topic}/retire", EDITORS, 302),
    ("POST", "/staff/topics/{topic}/restore", EDITORS, 302),
]


@pytest.fixture
def world(app, db, create_meeting, create_member, create_user, tmp_path):
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
    from app.matters import versions as matter_versions

    matter_versions.add_by_staff(item.matter, "Section 1. The resolution.", actor=None)
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
    from app.legislation.accessibility import AccessibleCopyRequest

    copy_request = AccessibleCopyRequest(
        attachment_id=attachment.id, document="report.pdf", name="Rosa", email="rosa@example.org", needs="Large print"
    )
    from app.topics.models import Topic

    topic = Topic(name="Harbor", slug="harbor")
    db.session.add_all([motion, disclosure, agreement, copy_request, topic])
    from app.meetings import floor
    from app.meetings.models import LogKind
    from app.video.models import Recording

    recording = Recording(
        meeting_id=meeting.id, part=1, url="https://video.example.gov/m.mp4", zero_at=meeting.start_at
    )
    entry = floor.stamp(meeting, LogKind.called_to_order, "Called to order", at=meeting.start_at)
    db.session.add(recording)
    from app.auth import invitations

    issued = invitations.invite("invited@city.example", "Invited", Role.clerk, None, actor=create_user(Role.admin))
    from app.video.transcript_models import CaptionTrack, TranscriptPassage

    track = CaptionTrack(recording=recording, original_filename="v.vtt", format="vtt", language="en", cue_count=1)
    passage = TranscriptPassage(track=track, start_ms=0, end_ms=1000, text="Hello.", cues=[[0, 1000, "Hello."]])
    db.session.add_all([track, passage])
    from datetime import time

    from app.city.holidays import add_holiday
    from app.meetings import agenda_template, schedules
    from app.meetings.models import MeetingKind
    from app.meetings.schedule_models import HolidayPolicy, ScheduleRepeat

    rule = schedules.add_rule(
        meeting.body,
        schedules.RuleInput(
            repeat=ScheduleRepeat.monthly,
            weekday=1,
            ordinals=[1],
            interval=1,
            starts_on=date(2026, 1, 1),
            ends_on=None,
            start_time=time(17),
            kind=MeetingKind.regular,
            title="Regular meeting",
            location="City Hall",
            holiday_policy=HolidayPolicy.skip,
        ),
        actor=None,
    )
    holiday = add_holiday(date(2026, 12, 25), "Christmas Day", actor=None)
    template_item = agenda_template.add_template_item(
        meeting.body,
        section="Roll Call",
        title="Roll call",
        item_type=AgendaItemType.ministerial,
        meeting_kind=None,
        actor=None,
    )
    db.session.commit()
    from app.core.outbox import Mailing

    return {
        "mailing": db.session.scalar(db.select(Mailing.id).order_by(Mailing.id.desc())),
        "invitation": issued.invitation.id,
        "meeting": meeting.id,
        "item": item.id,
        "matter": item.matter_id,
        "attachment": attachment.id,
        "body": meeting.body_id,
        "speaker": speaker.id,
        "written": written.id,
        "member": member.id,
        "motion": motion.id,
        "vote": motion.votes[0].id,
        "disclosure": disclosure.id,
        "agreement": agreement.id,
        "accessibility_request": copy_request.id,
        "seat": member.memberships[0].seat_id,
        "term": member.memberships[0].id,
        "topic": topic.id,
        "passage": passage.id,
        "schedule_rule": rule.id,
        "holiday": holiday.id,
        "template_item": template_item.id,
        "recording": recording.id,
        "entry": entry.id,
    }


#: The staff blueprints' routes that anyone may reach: the logo is in every page's header; the first-run page answers
#: only a valid one-time token (404 otherwise); signing in and out.
PUBLIC_STAFF_ENDPOINTS = {
    "static",
    "auth.login",
    "auth.second_step",
    "auth.logout",
    "auth.accept_invitation",
    "city.logo",
    "setup.start",
}
_ANY_ID = dict.fromkeys(
    [
        "target",
        "meeting",
        "item",
        "attachment",
        "body",
        "speaker",
        "written",
        "member",
        "motion",
        "vote",
        "disclosure",
        "agreement",
        "seat",
        "term",
        "invitation",
        "mailing",
        "accessibility_request",
        "topic",
        "passage",
        "schedule_rule",
        "holiday",
        "template_item",
        "recording",
        "entry",
        "matter",
    ],
    1,
)


def url_for_template(template: str) -> str:
    """A MATRIX template with every id filled in (for matching against the URL map)."""
    return template.format(**_ANY_ID)


def test_matrix_covers_every_staff_route(app):
    """A new staff route must be added to the matrix above. The portal and the read-only API are the anonymous
    surface by design (one place each to audit); every other blueprint is staff-only."""
    adapter = app.url_map.bind("localhost")
    covered = {adapter.match(url_for_template(template), method=method)[0] for method, template, _, _ in MATRIX}
    staff = {
        rule.endpoint for rule in app.url_map.iter_rules() if not rule.endpoint.startswith(("portal.", "api."))
    } - PUBLIC_STAFF_ENDPOINTS
    assert staff <= covered, f"staff routes missing from the access matrix: {staff - covered}"


def test_the_matrix_keeps_viewers_read_only_and_deputies_equal_to_clerks():
    """Guards the table itself: a row added later cannot let a viewer change something, or split the two clerks."""
    for method, template, allowed, _ in MATRIX:
        if method == "POST" and not template.startswith("/account/"):
            assert VIEWER not in allowed, template
        if not template.startswith("/admin/"):
            assert (DEPUTY in allowed) == (CLERK in allowed), template


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, template, allowed, ok_status", MATRIX, ids=[f"{m} {t}" for m, t, _, _ in MATRIX])
def test_access(client, login_as, create_user, world, db, role, method, template, allowed, ok_status):
    from app.bodies.models import Member

    target = create_user(Role.clerk)
    if role == COMM:
        login_as(Role.commissioner, member=db.session.get(Member, world["member"]))
    elif role != ANON:
        login_as(Role(role))
    url = template.format(target=target.id, **world)
    response = client.open(url, method=method, data={})
    if role in allowed:
        assert response.status_code == ok_status
        # Staff pages and files never sit in a shared or disk cache (a staff attachment included).
        assert response.headers["Cache-Control"] == "private, no-store", response.headers["Cache-Control"]
    elif role == ANON:
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
    else:
        assert response.status_code == 403
        assert "Your account does not have access" in response.get_data(as_text=True)


def test_public_pages_need_no_account(client):
    for url in ["/", "/login", "/healthz"]:
        assert client.get(url).status_code == 200
