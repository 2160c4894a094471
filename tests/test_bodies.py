"""Bodies set up in the browser: create, seats, versioned rules, officers, retire; agenda sections."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.bodies import services
from app.bodies.models import Body, BodyQuorumRule, BodyRollCallOrder, BodyRules, Seat, VacancyRule
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.meetings import agenda, attendance, lifecycle
from app.meetings.models import AgendaItemType

NEW_BODY = {
    "name": "City Commission",
    "kind": "commission",
    "seat_count": "5",
    "seat_labels": "Mayor\nDistrict 1\nDistrict 2\nDistrict 3\nDistrict 4",
    "seat_selection": "elected",
    "effective_on": "2025-01-01",
    "quorum_rule": "majority_of_seats",
    "quorum_fixed": "",
    "vacancy_rule": "count_vacant_seats",
    "quorum_in_person_only": "y",
    "threshold_basis": "full_membership",
    "threshold_fraction": "four_fifths",
    "threshold_min_yes": "0",
    "seconds_required": "y",
    "roll_call_order": "seat_order",
    "notice_special_block_hours": "24",
    "notice_special_warn_hours": "72",
    "notice_regular_warn_hours": "168",
    "note": "City Charter, section 2.03",
}


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_clerk_creates_a_five_seat_commission_with_a_four_fifths_rule(client, login_as, db):
    login_as(Role.clerk)
    response = client.post("/staff/bodies/new", data=NEW_BODY)
    assert response.status_code == 302
    body = db.session.scalar(select(Body).where(Body.name == "City Commission"))
    assert [s.label for s in body.seats] == ["Mayor", "District 1", "District 2", "District 3", "District 4"]
    rules = body.rules_on(date(2025, 6, 30))
    assert (rules.version, rules.threshold_fraction.value, rules.threshold_basis.value) == (
        1,
        "four_fifths",
        "full_membership",
    )
    assert rules.roll_call_order == BodyRollCallOrder.seat_order and rules.note == "City Charter, section 2.03"
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == body.id)))
    assert {"body.create", "body.rules"} <= actions
    page = client.get(f"/staff/bodies/{body.id}").get_data(as_text=True)
    assert "District 4" in page and page.count("<strong>Vacant</strong>") == 5


@pytest.mark.parametrize(
    "overrides, field_message",
    [
        ({"quorum_rule": "fixed", "quorum_fixed": "6"}, "A quorum of 6 cannot be reached with 5 seats"),
        ({"quorum_rule": "fixed", "quorum_fixed": ""}, "Enter the number of members that make a quorum"),
        ({"threshold_min_yes": "6"}, "A minimum of 6 yes votes cannot be reached with 5 seats"),
        ({"seat_count": "abc"}, "Not a valid integer value"),
        ({"seat_count": "0"}, "Between 1 and 60 seats"),
        ({"seat_count": "99999999999999999999999"}, "Between 1 and 60 seats"),
        ({"seat_labels": "Mayor\nDistrict 1"}, "2 labels for 5 seats"),
        ({"seat_labels": "A\nB\nC\nD\na"}, "Each seat needs its own label"),
        ({"name": "x" * 121}, "Field cannot be longer than 120 characters"),
        ({"name": "   "}, "Enter a name"),
        ({"notice_special_warn_hours": "10"}, "cannot be shorter than the blocking one"),
        ({"notice_special_block_hours": "-1"}, "Between 0 and 1,440 hours"),
        ({"effective_on": "2025-02-30"}, "Not a valid date value"),
        ({"kind": "parliament"}, "Not a valid choice"),
        ({"quorum_rule": "nonsense"}, "Not a valid choice"),
    ],
)
def test_bad_new_body_is_refused_with_everything_kept(client, login_as, db, overrides, field_message):
    login_as(Role.clerk)
    before = (_count(db, Body), _count(db, Seat), _count(db, BodyRules))
    response = client.post("/staff/bodies/new", data={**NEW_BODY, "name": "Utility Board", **overrides})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_message in page
    assert "City Charter, section 2.03" in page  # what was typed comes back
    assert (_count(db, Body), _count(db, Seat), _count(db, BodyRules)) == before


def test_duplicate_body_name_is_refused_whatever_the_case(client, login_as, create_body, db):
    login_as(Role.clerk)
    create_body(name="Planning Board")
    response = client.post("/staff/bodies/new", data={**NEW_BODY, "name": "planning board"})
    assert response.status_code == 422
    assert "Another body is already named “Planning Board”" in response.get_data(as_text=True)
    assert _count(db, Body) == 1


def test_changing_the_quorum_after_notice_does_not_change_that_meeting(create_body, create_meeting, clock, db):
    body = create_body(seat_count=5, quorum_rule=BodyQuorumRule.fixed, quorum_fixed=3)
    noticed = create_meeting(body, kind="regular", start_in=timedelta(days=20))
    lifecycle.publish_meeting(noticed, actor=None)
    db.session.commit()
    assert noticed.rules_id is not None and noticed.quorum_needed == 3

    services.adopt_rules(
        body,
        services.RulesInput(
            effective_on=clock.now.date(), quorum_rule=BodyQuorumRule.fixed, quorum_fixed=4, note="Ordinance 26-1"
        ),
        actor=None,
    )
    db.session.commit()
    db.session.expire_all()
    assert noticed.quorum_needed == 3 and noticed.rules.version == 1
    later = create_meeting(body, kind="regular", start_in=timedelta(days=30))
    assert later.quorum_needed == 4 and later.rules.version == 2
    assert attendance.quorum(noticed).needed == 3


def test_rules_for_a_later_date_wait_until_that_date(create_body, create_meeting, clock, db):
    body = create_body(seat_count=5)
    services.adopt_rules(
        body,
        services.RulesInput(effective_on=clock.now.date() + timedelta(days=15), seconds_required=False),
        actor=None,
    )
    db.session.commit()
    before = create_meeting(body, kind="regular", start_in=timedelta(days=10))
    after = create_meeting(body, kind="regular", start_in=timedelta(days=20))
    assert before.rules.seconds_required is True and after.rules.seconds_required is False


def test_same_rules_again_are_refused(create_body):
    body = create_body(seat_count=5)
    with pytest.raises(DomainError, match="already in force"):
        services.adopt_rules(body, services.RulesInput(effective_on=date(2026, 1, 1)), actor=None)


def test_rules_page_adopts_a_version_and_lists_history(client, login_as, create_body, db):
    login_as(Role.clerk)
    body = create_body(seat_count=5)
    form = client.get(f"/staff/bodies/{body.id}/rules").get_data(as_text=True)
    assert "Version 1" in form and "In force today" in form
    data = {**NEW_BODY, "effective_on": "2026-03-01", "quorum_rule": "fixed", "quorum_fixed": "4", "note": "Ord. 26-2"}
    response = client.post(f"/staff/bodies/{body.id}/rules", data=data)
    assert response.status_code == 302
    page = client.get(f"/staff/bodies/{body.id}/rules").get_data(as_text=True)
    assert "Version 2" in page and "Ord. 26-2" in page
    bad = client.post(f"/staff/bodies/{body.id}/rules", data={**data, "quorum_fixed": "9", "note": "kept"})
    assert bad.status_code == 422 and "A quorum of 9 cannot be reached with 5 seats" in bad.get_data(as_text=True)
    assert "kept" in bad.get_data(as_text=True)


def test_vacancy_rule_decides_what_a_majority_of_seats_is(create_body, create_member, create_meeting, db):
    body = create_body(seat_count=5)
    for n in range(3):
        create_member(body, seat_number=n + 1)
    meeting = create_meeting(body, kind="regular")
    assert meeting.quorum_needed == 3  # 5 seats, 2 vacant: still 3 of 5
    meeting.rules.vacancy_rule = VacancyRule.filled_seats_only
    assert meeting.quorum_needed == 2  # 3 filled seats
    assert meeting.membership_size == 3


def test_random_roll_call_records_a_seed_that_repeats_the_draw(create_body, create_member, create_meeting, db):
    body = create_body(seat_count=7, roll_call_order=BodyRollCallOrder.random)
    for n in range(7):
        create_member(body, seat_number=n + 1)
    meeting = create_meeting(body, kind="regular")
    draws = {tuple(m.member_id for m in attendance.roll(meeting, seed=seed)) for seed in range(20)}
    assert len(draws) > 1  # the order does depend on the seed
    assert attendance.roll(meeting, seed=7) == attendance.roll(meeting, seed=7)


def test_seats_are_added_renamed_and_abolished(client, login_as, create_body, create_member, db):
    login_as(Role.clerk)
    body = create_body(seat_count=3)
    seat = body.seats[0]
    assert client.post(f"/staff/bodies/{body.id}/seats/{seat.id}", data={"label": "Mayor", "selection": "elected"})
    assert db.session.get(Seat, seat.id).label == "Mayor"
    clash = client.post(f"/staff/bodies/{body.id}/seats/{seat.id}", data={"label": "seat 2", "selection": "elected"})
    assert clash.status_code == 422 and "labelled “Seat 2”" in clash.get_data(as_text=True)
    added = client.post(
        f"/staff/bodies/{body.id}/seats",
        data={"seat-label": "At-large", "seat-selection": "appointed", "seat-established_on": "2026-03-01"},
    )
    assert added.status_code == 302 and [s.label for s in db.session.get(Body, body.id).seats][-1] == "At-large"
    create_member(body, seat_number=2)
    held = body.seats[1]
    refused = client.post(f"/staff/bodies/{body.id}/seats/{held.id}/retire", data={"retire-on": "2026-03-02"})
    assert refused.status_code == 422 and "End the term of" in refused.get_data(as_text=True)
    empty = body.seats[2]
    assert (
        client.post(f"/staff/bodies/{body.id}/seats/{empty.id}/retire", data={"retire-on": "2026-03-02"}).status_code
        == 302
    )
    assert db.session.get(Body, body.id).seat_count == 3  # 3 + 1 - 1
    assert client.get(f"/staff/bodies/{body.id}/seats/2147483647").status_code == 404


def test_officers_are_chosen_among_current_members(client, login_as, create_body, create_member, db):
    login_as(Role.clerk)
    body = create_body(seat_count=3)
    a, b = create_member(body, seat_number=1), create_member(body, seat_number=2)
    stranger = create_member()
    ok = client.post(
        f"/staff/bodies/{body.id}/officers", data={"officers-chair_id": a.id, "officers-vice_chair_id": b.id}
    )
    assert ok.status_code == 302
    chairs = {m.member_id: (m.is_chair, m.is_vice_chair) for m in db.session.get(Body, body.id).memberships}
    assert chairs == {a.id: (True, False), b.id: (False, True)}
    bad = client.post(f"/staff/bodies/{body.id}/officers", data={"officers-chair_id": stranger.id})
    assert bad.status_code == 422 and "holds a seat on this body" in bad.get_data(as_text=True)
    same = client.post(
        f"/staff/bodies/{body.id}/officers", data={"officers-chair_id": a.id, "officers-vice_chair_id": a.id}
    )
    assert same.status_code == 422


def test_retired_body_keeps_its_record_and_gets_no_new_meetings(client, login_as, create_body, create_meeting, db):
    login_as(Role.clerk)
    body = create_body(name="Old Board")
    old = create_meeting(body, kind="regular")
    response = client.post(f"/staff/bodies/{body.id}/retire", data={"retire-on": "2026-03-02"})
    assert response.status_code == 302
    assert db.session.get(Body, body.id).retired_on == date(2026, 3, 2) and old.id
    assert ">Old Board</option>" not in client.get("/staff/meetings/new").get_data(as_text=True)
    with pytest.raises(DomainError, match="retired"):
        lifecycle.schedule_meeting(
            body=body, kind=old.kind, title="T", start_at=old.start_at, end_at=None, location="Hall",
            remote_url=None, purpose="P", actor=None,
        )  # fmt: skip
    assert "no longer meets" in client.get(f"/bodies/{body.id}").get_data(as_text=True)
    assert client.post(f"/staff/bodies/{body.id}/reinstate").status_code == 302
    assert db.session.get(Body, body.id).retired_on is None


# --- agenda sections ------------------------------------------------------------------------------


def test_clerk_sets_agenda_sections(client, login_as, create_body, db):
    login_as(Role.clerk)
    body = create_body()
    response = client.post(f"/staff/bodies/{body.id}/settings", data={"agenda_sections": "Call to Order\nResolutions"})
    assert response.status_code == 302
    assert db.session.get(Body, body.id).agenda_sections == ["Call to Order", "Resolutions"]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "body.sections")).data["before"]


@pytest.mark.parametrize("sections, message", [("  \n ", "at least one"), ("A\na", "only once")])
def test_bad_sections_are_refused_and_kept(client, login_as, create_body, sections, message):
    login_as(Role.clerk)
    body = create_body()
    response = client.post(f"/staff/bodies/{body.id}/settings", data={"agenda_sections": sections})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_section_in_use_cannot_be_removed(client, login_as, create_meeting, db):
    login_as(Role.clerk)
    meeting = create_meeting(kind="regular")
    agenda.add_item(meeting, section="Reports", title="R", body_md="", item_type=AgendaItemType.report, actor=None)
    db.session.commit()
    response = client.post(f"/staff/bodies/{meeting.body.id}/settings", data={"agenda_sections": "Call to Order"})
    assert response.status_code == 422
    assert "must stay: Reports" in response.get_data(as_text=True)


def test_notice_lead_times_come_from_the_rules(create_body, create_meeting, clock, db):
    body = create_body(notice_special_block_hours=48, notice_special_warn_hours=96)
    meeting = create_meeting(body, kind="special")
    clock.now = meeting.start_at - timedelta(hours=47)
    with pytest.raises(DomainError, match="48 hours"):
        lifecycle.publish_meeting(meeting, actor=None)
