"""Review of issue 15 (a city sets itself up in the browser): each defect the review found, as a test that failed
until it was fixed, and checks that held, as plain tests."""

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.bodies import imports as member_imports
from app.bodies import people, services
from app.bodies.models import BodyQuorumRule, TermBasis, TermEndReason
from app.city.services import current_city, update_city_profile
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.meetings import lifecycle
from app.meetings.models import MeetingStatus


class Upload:
    def __init__(self, filename, data):
        self.filename = filename
        self.stream = io.BytesIO(data)


def text(response) -> str:
    return response.get_data(as_text=True)


def rules(**overrides) -> services.RulesInput:
    return services.RulesInput(**{"effective_on": date(2000, 1, 1), **overrides})


# --- 1. security ----------------------------------------------------------------------------------------------------


SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'
PLAIN_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg>'
SVG_BYPASSES = {
    # <script> and <foreignObject> with a namespace prefix are the same SVG elements; the filter looks for "<script".
    "prefixed-script": f'<svg {SVG_NS} xmlns:x="http://www.w3.org/2000/svg"><x:script>alert(1)</x:script></svg>',
    "prefixed-foreign-object": (
        f'<svg {SVG_NS} xmlns:s="http://www.w3.org/2000/svg"><s:foreignObject width="9" height="9">'
        '<div xmlns="http://www.w3.org/1999/xhtml">hi</div></s:foreignObject></svg>'
    ),
    # A character reference hides "javascript:" from the byte pattern; SMIL sets it as the link's target.
    "entity-javascript": (
        f'<svg {SVG_NS}><a><animate attributeName="href" values="jav&#x61;script:alert(1)"/>'
        "<text y='9'>x</text></a></svg>"
    ),
}


@pytest.mark.parametrize("svg", SVG_BYPASSES.values(), ids=SVG_BYPASSES.keys())
def test_svg_logo_with_script_in_disguise_is_refused(db, svg):
    with pytest.raises(DomainError):
        update_city_profile(name_en="Town of Example", logo=Upload("logo.svg", svg.encode()), actor_label="test")


def test_svg_logo_is_served_sandboxed_so_script_that_slips_through_cannot_run(client, db, set_city):
    """A second wall behind the filter above: the logo is served with a sandboxing CSP, and pages embed it with
    <img> (never inline, <object> or <iframe>)."""
    set_city(logo=Upload("logo.svg", PLAIN_SVG))
    city = current_city()
    response = client.get(f"/city/logo/{city.logo_sha256}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    csp = response.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp and "script-src" not in csp
    home = text(client.get("/"))
    assert f'<img class="brand-logo" src="/city/logo/{city.logo_sha256}.svg"' in home
    assert "<object" not in home and "<iframe" not in home


def test_setup_page_holding_the_token_is_no_store_and_no_referrer(client, db):
    from app.city.setup import issue_setup_token

    token = issue_setup_token()
    db.session.commit()
    response = client.get(f"/setup/{token}")
    assert response.status_code == 200
    assert "no-store" in response.headers.get("Cache-Control")
    assert response.headers.get("Referrer-Policy") == "no-referrer"


# --- 3. correctness -------------------------------------------------------------------------------------------------


def test_invitation_mail_names_the_city_from_its_profile(client, login_as, set_city, outbox):
    set_city(name_en="Town of Example")
    login_as(Role.admin)
    response = client.post(
        "/admin/invitations/new",
        data={"email": "nora@city.example", "display_name": "Nora", "role": "clerk", "member_id": ""},
    )
    assert response.status_code == 302
    [message] = outbox()
    assert "Town of Example" in message["Subject"]
    assert "Town of Example" in message.get_body(("plain",)).get_content()


def test_invitation_accept_page_names_the_city_from_its_profile(client, login_as, set_city, outbox):
    import re

    set_city(name_en="Town of Example")
    login_as(Role.admin)
    client.post(
        "/admin/invitations/new",
        data={"email": "nora@city.example", "display_name": "Nora", "role": "clerk", "member_id": ""},
    )
    client.post("/logout")
    [message] = outbox()
    link = re.search(r"http://localhost(/invitations/\S+)", message.get_body(("plain",)).get_content())[1]
    page = text(client.get(link))
    assert "invited you to the staff pages of Town of Example" in page


def test_attendance_page_says_only_members_in_person_count(client, login_as, create_body, create_member, open_meeting):
    body = create_body(seat_count=3, quorum_in_person_only=True)
    create_member(body)
    meeting = open_meeting(body)
    login_as(Role.clerk)
    page = text(client.get(f"/staff/meetings/{meeting.id}/attendance"))
    assert "AGO 2010-34" in page


def test_meeting_noticed_without_a_stamp_keeps_the_rules_of_its_notice(create_body, create_meeting, db):
    # Every meeting noticed before migration 4df10232324a has first_published_at and no rules_id: the migration
    # does not stamp version 1 on them, and Meeting.rules falls back to the version in force on the day.
    body = create_body(seat_count=5)
    meeting = create_meeting(body, status="noticed")
    assert meeting.rules_id is None and meeting.quorum_needed == 3
    services.adopt_rules(
        body, rules(quorum_rule=BodyQuorumRule.fixed, quorum_fixed=5, effective_on=date(2001, 1, 1)), actor=None
    )
    db.session.commit()
    assert meeting.quorum_needed == 3


def test_meeting_of_a_body_retired_before_its_day_cannot_be_noticed(create_body, create_meeting, db):
    body = create_body()
    meeting = create_meeting(body)  # a draft, 10 days after the clock
    services.retire_body(body, (utcnow() + timedelta(days=1)).date(), actor=None)
    db.session.commit()
    with pytest.raises(DomainError):
        lifecycle.publish_meeting(meeting, actor=None)


def test_meeting_cannot_be_rescheduled_past_its_body_retirement(create_body, open_meeting, db):
    body = create_body()
    meeting = open_meeting(body)
    services.retire_body(body, (meeting.start_at + timedelta(days=2)).date(), actor=None)
    db.session.commit()
    with pytest.raises(DomainError):
        lifecycle.reschedule_meeting(
            meeting, start_at=meeting.start_at + timedelta(days=5), end_at=None, reason="Room", actor=None
        )


def test_retiring_a_body_with_noticed_meetings_after_that_day_is_refused(create_body, open_meeting, db):
    body = create_body()
    meeting = open_meeting(body)
    assert meeting.status == MeetingStatus.noticed
    with pytest.raises(DomainError):
        services.retire_body(body, (utcnow() + timedelta(days=1)).date(), actor=None)


MEMBER_HEADER = "full_name,body,seat,basis,term_start,term_end,end_reason\n"


def test_reimporting_a_term_row_keeps_its_early_end(create_body, create_member, db):
    body = create_body(name="Harbor Board", seat_count=3)
    member = create_member(body, full_name="Ana Diaz")
    term = member.memberships[0]
    term.basis = TermBasis.appointed
    people.end_term(term, date(2024, 3, 1), TermEndReason.resigned, actor=None)
    db.session.commit()
    # The same sheet the city imported from, before the resignation: no end date.
    row = f"Ana Diaz,Harbor Board,{term.seat.label},appointed,{term.term_start_on.isoformat()},,\n"
    member_imports.apply((MEMBER_HEADER + row).encode(), actor=None)
    db.session.commit()
    db.session.refresh(term)
    # Either the end stays, or it is cleared with its reason; never "resigned" with no end date.
    assert not (term.term_end_on is None and term.end_reason is not None)
    assert term.term_end_on == date(2024, 3, 1)


def test_reimporting_a_term_row_with_an_empty_basis_keeps_the_basis(create_body, create_member, db):
    body = create_body(name="Harbor Board", seat_count=3)
    member = create_member(body, full_name="Ana Diaz")
    term = member.memberships[0]
    term.basis = TermBasis.appointed
    db.session.commit()
    row = f"Ana Diaz,Harbor Board,{term.seat.label},,{term.term_start_on.isoformat()},,\n"
    member_imports.apply((MEMBER_HEADER + row).encode(), actor=None)
    db.session.commit()
    db.session.refresh(term)
    assert term.basis == TermBasis.appointed


# --- 1. privacy: needs shown to viewers -----------------------------------------------------------------------------


def test_speakers_page_hides_residents_needs_from_viewers_and_commissioners(client, login_as, open_meeting):
    from app.public_comment import intake, registration

    meeting = open_meeting()
    item = next(i for i in meeting.items if i.title.startswith("Resolution"))
    registration.register_speaker(
        item,
        name="Ana Resident",
        stance="oppose",
        participation="in_person",
        email="ana.private@example.org",
        interpreter_language="Haitian Creole",
        accommodation="Wheelchair seating near the podium",
        disclaimer_version=intake.DISCLAIMER_VERSION,
    )
    for role in (Role.viewer, Role.commissioner):
        login_as(role)
        page = text(client.get(f"/staff/meetings/{meeting.id}/speakers"))
        assert "Ana Resident" in page or "Interpreter and accommodation" in page
        assert "Wheelchair seating" not in page, role
        assert "Haitian Creole" not in page, role
        client.post("/logout")


# --- 4. lost input --------------------------------------------------------------------------------------------------


def test_seat_form_after_a_refused_retirement_still_saves_the_seat(client, login_as, create_body, create_member, db):
    body = create_body(seat_count=3)
    create_member(body, seat_number=1)  # a running term: retiring seat 1 is refused
    seat = body.seats[0]
    login_as(Role.clerk)
    refused_url = f"/staff/bodies/{body.id}/seats/{seat.id}/retire"
    refused = client.post(refused_url, data={"retire-on": "2026-01-01"})
    assert refused.status_code == 422
    # The browser now shows refused_url; the seat form has no action, so it posts back to refused_url.
    page = text(refused)
    start = page.rindex("<form", 0, page.index('name="label"'))
    first_form = page[start : page.index(">", start)]
    target = f"/staff/bodies/{body.id}/seats/{seat.id}"
    action = target if f'action="{target}"' in first_form else refused_url
    saved = client.post(action, data={"label": "Mayor", "selection": "elected"})
    assert saved.status_code == 302
    db.session.refresh(seat)
    assert seat.label == "Mayor"


# --- 3. names "whatever the case" (holds), terms in retired bodies ---------------------------------------------------


def test_member_twin_check_folds_non_ascii_case(db):
    people.create_member(people.MemberInput(full_name="Ana Núñez"), actor=None)
    with pytest.raises(DomainError):
        people.create_member(people.MemberInput(full_name="ANA NÚÑEZ"), actor=None)


def test_body_name_check_folds_non_ascii_case(db, create_body):
    create_body(name="Junta de Educación")
    with pytest.raises(DomainError):
        services.create_body(
            name="JUNTA DE EDUCACIÓN", kind=services.BodyKind.board, seat_count=3, rules=rules(), actor=None
        )


def test_no_term_starts_in_a_body_after_its_retirement(client, login_as, create_body, create_member, db):
    body = create_body(seat_count=3)
    member = create_member()
    services.retire_body(body, date(2025, 1, 1), actor=None)
    db.session.commit()
    login_as(Role.clerk)
    response = client.post(
        f"/staff/members/{member.id}/terms",
        data={
            "term-seat_id": str(body.seats[0].id),
            "term-title": "",
            "term-basis": "elected",
            "term-term_start_on": "2026-06-01",
            "term-term_end_on": "",
        },
    )
    assert response.status_code == 422
    db.session.refresh(body)
    assert body.memberships == []


# --- checks that hold -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, Role.viewer, Role.commissioner])
def test_no_one_but_editors_changes_anything_through_the_setup_pages(
    client, login_as, create_body, create_member, db, role
):
    from sqlalchemy import func

    from app.core.audit import AuditEntry

    body = create_body(seat_count=3)
    member = create_member(body)
    term, seat = member.memberships[0], body.seats[0]
    if role is not None:
        login_as(role)
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    urls = [
        "/staff/bodies/new",
        f"/staff/bodies/{body.id}",
        f"/staff/bodies/{body.id}/officers",
        f"/staff/bodies/{body.id}/seats",
        f"/staff/bodies/{body.id}/seats/{seat.id}",
        f"/staff/bodies/{body.id}/seats/{seat.id}/retire",
        f"/staff/bodies/{body.id}/rules",
        f"/staff/bodies/{body.id}/retire",
        f"/staff/bodies/{body.id}/reinstate",
        f"/staff/bodies/{body.id}/settings",
        "/staff/members/new",
        f"/staff/members/{member.id}",
        f"/staff/members/{member.id}/terms",
        f"/staff/members/terms/{term.id}/end",
        "/staff/city",
        "/staff/import/members",
        "/staff/import/meetings/" + "a" * 32,
        "/admin/invitations/new",
    ]
    data = {"name": "Taken", "full_name": "Eve Intruder", "retire-on": "2026-01-01", "name_en": "Hacked"}
    for url in urls:
        response = client.post(url, data=data)
        if role is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == 403, url
        assert client.get(url).status_code in (302, 403, 405), url
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before


def test_members_contact_details_stay_off_every_public_answer(client, create_body, db):
    body = create_body(name="Harbor Board", seat_count=3)
    member = people.create_member(
        people.MemberInput(
            full_name="Ana Diaz", bio="Public bio.", contact_email="ana.home@example.org", contact_phone="305-555-0142"
        ),
        actor=None,
    )
    people.add_term(
        body, member, people.TermInput(seat_id=body.seats[0].id, term_start_on=date(2020, 1, 1)), actor=None
    )
    db.session.commit()
    urls = [
        "/bodies",
        f"/bodies/{body.id}",
        f"/bodies/{body.id}?on=2021-01-01",
        f"/members/{member.id}",
        "/members",
        "/api/v1/bodies",
        f"/api/v1/bodies/{body.id}",
        "/api/v1/members",
        f"/api/v1/members/{member.id}",
        "/api/v1/ocd/people",
        "/api/v1/ocd/organizations",
        "/display",
    ]
    seen = 0
    for url in urls:
        response = client.get(url)
        if response.status_code == 404:
            continue
        seen += 1
        body_text = text(response)
        assert "ana.home@example.org" not in body_text and "555-0142" not in body_text, url
    assert seen >= 8
    assert "Ana Diaz" in text(client.get(f"/bodies/{body.id}"))


WEIRD = ["", "abc", "-1", "99999999999999999999", "0001-01-01", "9999-12-31", "x" * 5000, "é\u202e\x00", "2026-02-30"]


def test_setup_forms_never_answer_500_to_odd_input(client, login_as, create_body, create_member, app):
    app.config["PROPAGATE_EXCEPTIONS"] = True  # an exception fails the test instead of becoming a 500 page
    login_as(Role.clerk)
    body = create_body(seat_count=3)
    member = create_member(body)
    term, seat = member.memberships[0], body.seats[1]
    forms = {
        f"/staff/bodies/{body.id}/seats": {
            "seat-label": "New",
            "seat-selection": "elected",
            "seat-established_on": "1",
        },
        f"/staff/bodies/{body.id}/rules": {"effective_on": "2026-01-01", "quorum_rule": "fixed", "quorum_fixed": "2"},
        f"/staff/members/{member.id}/terms": {"term-seat_id": str(seat.id), "term-term_start_on": "2021-01-01"},
        f"/staff/members/terms/{term.id}/end": {"end_on": "2026-01-01", "reason": "resigned"},
        f"/staff/bodies/{body.id}/officers": {"officers-chair_id": str(member.id)},
    }
    for url, good in forms.items():
        for field in good:
            for value in WEIRD:
                response = client.post(url, data={**good, field: value})
                assert response.status_code < 500, (url, field, value)
    for value in WEIRD:
        assert client.get(f"/bodies/{body.id}", query_string={"on": value}).status_code < 500, value


def test_retiring_a_seat_is_refused_when_the_minimum_yes_votes_could_no_longer_be_reached(create_body, db):
    body = create_body(seat_count=3, threshold_min_yes=3)
    with pytest.raises(DomainError):
        services.retire_seat(body.seats[2], date(2026, 1, 1), actor=None)


def test_a_chair_ending_their_term_next_month_presides_until_then(create_body, create_member, db):
    body = create_body(seat_count=3)
    member = create_member(body, is_chair=True)
    term = member.memberships[0]
    last_day = services.today() + timedelta(days=30)
    people.end_term(term, last_day, TermEndReason.resigned, actor=None)
    db.session.commit()
    chairs = [m for m in body.current_memberships(services.today()) if m.is_chair]
    assert chairs == [term]


def test_public_member_page_links_only_to_roster_dates_the_roster_accepts(client, create_body, db):
    body = create_body(seat_count=1)
    seat = services.add_seat(
        body, label="Old seat", selection=services.SeatSelection.elected, established_on=date(1, 1, 1), actor=None
    )
    member = people.create_member(people.MemberInput(full_name="Ana Diaz"), actor=None)
    people.add_term(body, member, people.TermInput(seat_id=seat.id, term_start_on=date(1850, 1, 1)), actor=None)
    db.session.commit()
    page = text(client.get(f"/members/{member.id}"))
    link = f"/bodies/{body.id}?on=1850-01-01"
    assert link in page
    roster = text(client.get(link))
    assert "is not a valid date" not in roster


def test_every_new_form_refuses_a_post_without_its_csrf_token(app, client, create_user, create_body, create_member, db):
    import re

    from sqlalchemy import func

    from app.city.setup import issue_setup_token
    from app.core.audit import AuditEntry
    from tests.conftest import PASSWORD

    app.config["WTF_CSRF_ENABLED"] = True  # the app fixture puts the config back after the test
    setup_token = issue_setup_token()  # refused anyway once a user exists; the token check comes first
    body = create_body(seat_count=3)
    member = create_member(body)
    term, seat = member.memberships[0], body.seats[0]
    user = create_user(Role.admin)
    page = text(client.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    )
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    for url, data in [
        ("/staff/bodies/new", {"name": "Board X", "kind": "board", "seat_count": "3", "effective_on": "2026-01-01"}),
        (f"/staff/bodies/{body.id}", {"name": "Renamed", "kind": "board"}),
        (f"/staff/bodies/{body.id}/seats", {"seat-label": "New", "seat-selection": "elected"}),
        (f"/staff/bodies/{body.id}/seats/{seat.id}", {"label": "Mayor", "selection": "elected"}),
        (f"/staff/bodies/{body.id}/retire", {"retire-on": "2026-01-01"}),
        (f"/staff/members/{member.id}", {"full_name": "Renamed Person"}),
        (f"/staff/members/terms/{term.id}/end", {"end_on": "2026-01-01"}),
        ("/staff/city", {"name_en": "Hacked Town", "timezone": "America/New_York", "record_language": "en"}),
        ("/admin/invitations/new", {"email": "x@city.example", "display_name": "X", "role": "admin"}),
        (f"/setup/{setup_token}", {"display_name": "X", "email": "x@y.example", "password": "p" * 12}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code in (400, 404), url
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before


@pytest.mark.parametrize(
    "svg",
    [
        f'<svg {SVG_NS}><a><animate attributeName="xlink:href" values="#x"/></a></svg>',
        f'<svg {SVG_NS}><a href="java&#x09;script:alert(1)">x</a></svg>',
        f'<svg {SVG_NS}><rect style="fill:url(http://tracker.example/x)"/></svg>',
        f'<svg {SVG_NS}><style>@im&#x70;ort "http://x";</style></svg>',
        f'<svg {SVG_NS}><image href="data:image/png;base64,AAAA"/></svg>',
        "<html><body>not a drawing</body></html>",
    ],
)
def test_more_disguised_svgs_are_refused(db, svg):
    with pytest.raises(DomainError):
        update_city_profile(name_en="Town of Example", logo=Upload("logo.svg", svg.encode()), actor_label="test")


def test_a_plain_drawing_with_reuse_titles_and_styles_is_accepted(db):
    svg = (
        f'<svg {SVG_NS} xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10"><title>City seal</title>'
        '<style>.a{fill:#036}</style><defs><circle id="c" r="4"/></defs><use xlink:href="#c" class="a"/></svg>'
    )
    profile = update_city_profile(name_en="Town of Example", logo=Upload("logo.svg", svg.encode()), actor_label="t")
    assert profile.logo_content_type == "image/svg+xml"


def test_a_draft_does_not_keep_a_body_from_retiring_but_can_no_longer_be_noticed(create_body, create_meeting, db):
    body = create_body()
    meeting = create_meeting(body)  # a draft, 10 days after the clock
    services.retire_body(body, (utcnow() + timedelta(days=1)).date(), actor=None)
    with pytest.raises(DomainError, match="retired"):
        lifecycle.publish_meeting(meeting, actor=None)
