"""A body's regular schedule: rules expanded with dateutil, holidays skipped or moved, the meetings made as
drafts in one go (preview = creation, never a duplicate, idempotent), and the clerk's pages."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.city import holidays
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.core.timeutil import to_local
from app.meetings import schedules
from app.meetings.models import Meeting, MeetingKind, MeetingStatus
from app.meetings.schedule_models import HolidayPolicy, MeetingSchedule, ScheduleRepeat

TITLE = "City Commission Regular Meeting"
PLACE = "City Hall Commission Chambers, 1300 White Street"


def add_rule(body, **overrides):
    fields = {
        "repeat": ScheduleRepeat.monthly,
        "weekday": 1,  # Tuesday
        "ordinals": [1, 3],
        "interval": 1,
        "starts_on": date(2026, 1, 1),
        "ends_on": None,
        "start_time": time(17, 0),
        "kind": MeetingKind.regular,
        "title": TITLE,
        "location": PLACE,
        "holiday_policy": HolidayPolicy.skip,
    }
    fields.update(overrides)
    return schedules.add_rule(body, schedules.RuleInput(**fields), actor=None)


def _meetings(db, body):
    return db.session.scalars(select(Meeting).where(Meeting.body_id == body.id).order_by(Meeting.start_at)).all()


def test_first_and_third_tuesday_across_a_year_at_five_local_time(db, create_body):
    body = create_body()
    add_rule(body)
    rows = schedules.plan(body, mode="year", year=2027)
    assert len(rows) == 24 and all(r.status == "new" for r in rows)
    days = [r.on for r in rows]
    assert all(d.weekday() == 1 for d in days)
    assert [d.day <= 7 for d in days] == [True, False] * 12  # first, then third, each month
    assert all(15 <= d.day <= 21 for d in days[1::2])
    assert {to_local(r.start_at).time() for r in rows} == {time(17, 0)}
    # 5 p.m. is 22:00 UTC in winter (EST) and 21:00 UTC in summer (EDT).
    assert rows[0].start_at == datetime(2027, 1, 5, 22, 0, tzinfo=UTC)
    assert rows[13].start_at == datetime(2027, 7, 20, 21, 0, tzinfo=UTC)


def test_the_week_clocks_go_forward(db, create_body):
    body = create_body()
    add_rule(body, ordinals=[2], weekday=0)  # second Monday; 2027-03-14 is the change (a Sunday)
    add_rule(body, repeat=ScheduleRepeat.weekly, ordinals=[], weekday=3, starts_on=date(2027, 3, 11))
    rows = schedules.plan(body, mode="year", year=2027)
    march = {r.on: r.start_at for r in rows if r.on.month == 3}
    assert march[date(2027, 3, 8)] == datetime(2027, 3, 8, 22, 0, tzinfo=UTC)  # Monday before: EST
    assert march[date(2027, 3, 11)] == datetime(2027, 3, 11, 22, 0, tzinfo=UTC)  # Thursday before: EST
    assert march[date(2027, 3, 18)] == datetime(2027, 3, 18, 21, 0, tzinfo=UTC)  # Thursday after: EDT
    assert all(to_local(at).hour == 17 for at in march.values())


def test_every_other_wednesday_keeps_its_rhythm(db, create_body):
    body = create_body()
    add_rule(body, repeat=ScheduleRepeat.weekly, weekday=2, interval=2, starts_on=date(2027, 1, 6), ordinals=[])
    rows = schedules.plan(body, mode="next", count=4)
    assert [r.on for r in rows] == [date(2027, 1, 6), date(2027, 1, 20), date(2027, 2, 3), date(2027, 2, 17)]
    # A window starting mid-rhythm still counts from the rule's first day.
    rows = schedules.plan(body, mode="year", year=2028)
    assert rows[0].on == date(2028, 1, 5) and (rows[0].on - date(2027, 1, 6)).days % 14 == 0


def test_a_holiday_is_skipped_or_moved_with_its_reason(db, create_body):
    holidays.add_standard_holidays(2027, actor=None)
    skip = create_body()
    add_rule(skip, weekday=0, ordinals=[2])  # second Monday; 2027-10-11 is Columbus Day
    move = create_body()
    add_rule(move, weekday=0, ordinals=[2], holiday_policy=HolidayPolicy.next_business_day)
    october = [r for r in schedules.plan(skip, mode="year", year=2027) if r.scheduled_on or r.on.month == 10]
    assert [(r.on, r.status) for r in october] == [(date(2027, 10, 11), "skipped")]
    assert "Columbus Day" in str(october[0].reason)
    rows = schedules.plan(move, mode="year", year=2027)
    moved = [r for r in rows if r.status == "moved"]
    assert [(r.scheduled_on, r.on) for r in moved] == [(date(2027, 10, 11), date(2027, 10, 12))]
    assert "Columbus Day" in str(moved[0].reason)
    made = schedules.create_planned(move, mode="year", year=2027, actor=None)
    assert date(2027, 10, 12) in {to_local(m.start_at).date() for m in made}


def test_moved_past_a_weekend_and_a_second_holiday(db, create_body):
    holidays.add_holiday(date(2027, 4, 2), "City holiday", actor=None)  # a Friday
    holidays.add_holiday(date(2027, 4, 5), "Second day", actor=None)  # the Monday after
    body = create_body()
    add_rule(body, weekday=4, ordinals=[1], holiday_policy=HolidayPolicy.next_business_day)
    april = next(r for r in schedules.plan(body, mode="year", year=2027) if r.scheduled_on)
    assert (april.scheduled_on, april.on, to_local(april.start_at).hour) == (date(2027, 4, 2), date(2027, 4, 6), 17)


def test_standard_holidays_are_computed_on_their_observed_days():
    by_name = {h.name: h.on for h in holidays.standard_holidays(2027)}
    assert by_name["Martin Luther King Jr. Day"] == date(2027, 1, 18)
    assert by_name["Memorial Day"] == date(2027, 5, 31)
    assert by_name["Independence Day"] == date(2027, 7, 5)  # July 4 is a Sunday
    assert by_name["Thanksgiving Day"] == date(2027, 11, 25)
    assert by_name["Friday after Thanksgiving (Florida)"] == date(2027, 11, 26)
    assert by_name["Christmas Day"] == date(2027, 12, 24)  # a Saturday
    assert date(2027, 12, 31) in {h.on for h in holidays.standard_holidays(2027)}  # New Year 2028 is a Saturday
    assert len(holidays.standard_holidays(2026)) == 12


def test_standard_holidays_twice_add_nothing_and_keep_the_clerks_names(db):
    holidays.add_holiday(date(2027, 1, 18), "MLK Day (city)", actor=None)
    added = holidays.add_standard_holidays(2027, actor=None)
    assert len(added) == 12 and date(2027, 1, 18) not in {h.on for h in added}
    assert holidays.add_standard_holidays(2027, actor=None) == []
    assert holidays.holidays_between(date(2027, 1, 18), date(2027, 1, 18)) == {date(2027, 1, 18): "MLK Day (city)"}
    with pytest.raises(DomainError):
        holidays.add_standard_holidays(99999, actor=None)


def test_a_day_with_a_meeting_is_flagged_and_never_doubled(db, create_body, create_meeting):
    body = create_body()
    add_rule(body)
    first = schedules.plan(body, mode="next", count=4)
    existing = create_meeting(body, kind="regular", start_at=datetime(2026, 3, 17, 13, 0, tzinfo=UTC))
    rows = schedules.plan(body, mode="next", count=4)
    assert [r.on for r in rows] == [r.on for r in first]
    flagged = [r for r in rows if r.status == "exists"]
    assert [(r.on, r.existing.id) for r in flagged] == [(date(2026, 3, 17), existing.id)]
    made = schedules.create_planned(body, mode="next", count=4, actor=None)
    assert len(made) == 3
    days = [to_local(m.start_at).date() for m in _meetings(db, body)]
    assert days.count(date(2026, 3, 17)) == 1 and len(days) == 4


def test_preview_equals_creation_and_a_second_run_makes_nothing(db, create_body, create_user):
    clerk = create_user(Role.clerk)
    body = create_body()
    add_rule(body)
    preview = schedules.plan(body, mode="year", year=2027)
    made = schedules.create_planned(body, mode="year", year=2027, actor=clerk)
    db.session.commit()
    assert [(m.start_at, m.title, m.location, m.kind) for m in made] == [
        (r.start_at, TITLE, PLACE, MeetingKind.regular) for r in preview if r.creates
    ]
    assert {m.status for m in made} == {MeetingStatus.draft}
    assert schedules.create_planned(body, mode="year", year=2027, actor=clerk) == []
    assert len(_meetings(db, body)) == 24
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "schedule.create_meetings")).all()
    assert len(entries) == 1 and entries[0].actor_id == clerk.id and len(entries[0].data["meeting_ids"]) == 24
    schedule_entries = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "meeting.schedule")
    )
    assert schedule_entries >= 24  # each meeting through the ordinary scheduling service


def test_a_retired_body_gets_no_meeting_after_its_last_day(db, create_body):
    from app.bodies import services

    body = create_body()
    add_rule(body)
    services.retire_body(body, date(2027, 2, 1), actor=None)
    rows = schedules.plan(body, mode="year", year=2027)
    assert {r.status for r in rows if r.on >= date(2027, 2, 1)} == {"skipped"}
    assert len(schedules.create_planned(body, mode="year", year=2027, actor=None)) == 2


@pytest.mark.parametrize(
    "window, field",
    [
        ({"mode": "next", "count": 10_000}, "count"),
        ({"mode": "next", "count": 0}, "count"),
        ({"mode": "next", "count": None}, "count"),
        ({"mode": "year", "year": 1900}, "year"),
        ({"mode": "year", "year": 10**12}, "year"),
    ],
)
def test_windows_out_of_range_are_refused_with_the_field(db, create_body, window, field):
    body = create_body()
    add_rule(body)
    with pytest.raises(DomainError) as refused:
        schedules.plan(body, **window)
    assert refused.value.field == field


def test_rules_are_checked(db, create_body):
    body = create_body()
    with pytest.raises(DomainError) as refused:
        add_rule(body, ordinals=[])
    assert refused.value.field == "ordinals"
    with pytest.raises(DomainError) as refused:
        add_rule(body, repeat=ScheduleRepeat.weekly, weekday=2, starts_on=date(2027, 1, 5))  # a Tuesday
    assert refused.value.field == "starts_on"
    with pytest.raises(DomainError) as refused:
        add_rule(body, kind=MeetingKind.special)
    assert refused.value.field == "kind"
    with pytest.raises(DomainError):
        schedules.plan(body, mode="next", count=3)  # no rule yet


# --- the clerk's pages ---------------------------------------------------------------------------------------

RULE_FORM = {
    "repeat": "monthly",
    "weekday": "1",
    "ordinals": ["1", "3"],
    "interval": "1",
    "starts_on": "2026-03-01",
    "ends_on": "",
    "start_time": "17:00",
    "kind": "regular",
    "title": TITLE,
    "location": PLACE,
    "holiday_policy": "skip",
}


def test_clerk_adds_a_rule_previews_and_schedules(client, login_as, db, create_body):
    login_as(Role.clerk)
    body = create_body()
    response = client.post(f"/staff/bodies/{body.id}/schedule", data=RULE_FORM)
    assert response.status_code == 302
    rule = db.session.scalar(select(MeetingSchedule).where(MeetingSchedule.body_id == body.id))
    assert (rule.ordinals, rule.start_time, rule.holiday_policy) == ([1, 3], time(17, 0), HolidayPolicy.skip)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "schedule.add_rule")).target_id == rule.id
    page = client.get(f"/staff/bodies/{body.id}/schedule").get_data(as_text=True)
    assert "The first and third Tuesday of each month" in page
    preview = client.get(f"/staff/bodies/{body.id}/schedule/plan?mode=next&count=3")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Schedule 3 meetings" in text and "Tuesday 3 March 2026" in text
    assert not _meetings(db, body)  # a preview makes nothing
    expected = re.search(r'name="expected" value="([^"]*)"', text).group(1)
    assert expected.count(",") == 2
    response = client.post(
        f"/staff/bodies/{body.id}/schedule/plan", data={"mode": "next", "count": "3", "expected": expected}
    )
    assert response.status_code == 302
    assert len(_meetings(db, body)) == 3
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert after.count("Already scheduled") == 3 and "Nothing new to schedule" in after
    client.post(f"/staff/bodies/{body.id}/schedule/plan", data={"mode": "next", "count": "3"})
    assert len(_meetings(db, body)) == 3


@pytest.mark.parametrize(
    "change, field_text",
    [
        ({"start_time": "25:99"}, "Not a valid time value"),
        ({"start_time": ""}, "Enter a time"),
        ({"ordinals": []}, "Tick at least one week"),
        ({"weekday": "99"}, "Not a valid choice"),
        ({"starts_on": "2026-02-31"}, "Not a valid date value"),
        ({"repeat": "weekly", "interval": "99999999999999999999"}, "Meet every 1 to 8 weeks"),
        ({"title": "x" * 5000}, "Field cannot be longer than 200 characters"),
    ],
)
def test_refused_rules_keep_what_was_typed(client, login_as, db, create_body, change, field_text):
    login_as(Role.clerk)
    body = create_body()
    response = client.post(f"/staff/bodies/{body.id}/schedule", data=RULE_FORM | change)
    text = response.get_data(as_text=True)
    assert response.status_code == 422, text[:500]
    assert field_text in text
    assert PLACE in text  # what was typed comes back
    assert db.session.scalar(select(func.count()).select_from(MeetingSchedule)) == 0


def test_ten_thousand_meetings_are_capped_with_a_message(client, login_as, db, create_body):
    login_as(Role.clerk)
    body = create_body()
    add_rule(body)
    db.session.commit()
    for ask in ("get", "post"):
        response = getattr(client, ask)(
            f"/staff/bodies/{body.id}/schedule/plan",
            **(
                {"query_string": {"mode": "next", "count": "10000"}}
                if ask == "get"
                else {"data": {"mode": "next", "count": "10000"}}
            ),
        )
        assert response.status_code == 422
        assert "At most 100 meetings at a time" in response.get_data(as_text=True)
        assert 'value="10000"' in response.get_data(as_text=True)
    assert not _meetings(db, body)
    weird = client.get(f"/staff/bodies/{body.id}/schedule/plan?mode=year&year=abc&count=zz")
    assert weird.status_code == 422


@pytest.mark.parametrize("role", [Role.commissioner, Role.viewer])
def test_only_editors_keep_the_schedule(client, login_as, db, create_body, role):
    login_as(role)
    body = create_body()
    rule = add_rule(body)
    db.session.commit()
    assert client.get(f"/staff/bodies/{body.id}/schedule").status_code == 403
    assert client.get(f"/staff/bodies/{body.id}/schedule/plan?mode=next&count=2").status_code == 403
    assert client.post(f"/staff/bodies/{body.id}/schedule/plan", data={"mode": "next", "count": "2"}).status_code == 403
    assert client.post(f"/staff/bodies/{body.id}/schedule/{rule.id}/remove").status_code == 403
    assert client.get("/staff/bodies/holidays").status_code == 403
    assert client.post("/staff/bodies/holidays/standard", data={"year": "2027"}).status_code == 403
    assert not _meetings(db, body)


def test_anonymous_visitors_are_sent_to_sign_in(client, create_body):
    body = create_body()
    assert client.get(f"/staff/bodies/{body.id}/schedule").status_code == 302
    assert client.get("/staff/bodies/holidays").status_code == 302


def test_huge_and_foreign_ids_are_404(client, login_as, db, create_body):
    login_as(Role.clerk)
    body, other = create_body(), create_body()
    rule = add_rule(other)
    db.session.commit()
    assert client.get(f"/staff/bodies/{10**30}/schedule").status_code == 404
    assert client.post(f"/staff/bodies/{body.id}/schedule/{rule.id}/remove").status_code == 404
    assert client.post(f"/staff/bodies/{body.id}/schedule/{10**30}/remove").status_code == 404
    assert client.post(f"/staff/bodies/holidays/{10**30}/remove").status_code == 404


def test_clerk_keeps_the_holiday_list(client, login_as, db):
    login_as(Role.clerk)
    page = client.get("/staff/bodies/holidays?year=2027").get_data(as_text=True)
    assert "Juneteenth" in page and "No holidays listed" in page
    assert client.post("/staff/bodies/holidays/standard", data={"year": "2027"}).status_code == 302
    assert len(holidays.holidays_of_year(2027)) == 13  # with New Year 2028 observed on Dec 31
    response = client.post("/staff/bodies/holidays", data={"on": "2027-07-05", "name": "Again"})
    assert response.status_code == 422 and "already a holiday" in response.get_data(as_text=True)
    assert 'value="Again"' in response.get_data(as_text=True)
    response = client.post("/staff/bodies/holidays", data={"on": "2027-08-02", "name": "Hurricane day"})
    assert response.status_code == 302
    holiday = db.session.scalar(select(holidays.CityHoliday).where(holidays.CityHoliday.name == "Hurricane day"))
    assert client.post(f"/staff/bodies/holidays/{holiday.id}/remove").status_code == 302
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("holiday.%"))).all()
    assert sorted(actions) == ["holiday.add", "holiday.add_standard", "holiday.remove"]
    assert client.get("/staff/bodies/holidays?year=999999999999").status_code == 200


def test_the_preview_shows_skips_and_moves_in_spanish(client, login_as, db, create_body):
    login_as(Role.clerk)
    holidays.add_holiday(date(2026, 4, 7), "Día de la ciudad", actor=None)
    body = create_body()
    add_rule(body, ordinals=[1])
    add_rule(body, ordinals=[3], holiday_policy=HolidayPolicy.next_business_day, weekday=3)
    holidays.add_holiday(date(2026, 4, 16), "Otro día", actor=None)
    db.session.commit()
    text = client.get(
        f"/staff/bodies/{body.id}/schedule/plan?mode=next&count=4", headers={"Accept-Language": "es"}
    ).get_data(as_text=True)
    assert "Omitida" in text and "Feriado: Día de la ciudad." in text
    assert "Trasladada desde 2026-04-16, un feriado: Otro día." in text


def test_the_preview_costs_the_same_queries_whatever_the_schedule(db, create_body, create_meeting, count_queries):
    small, big = create_body(), create_body()
    add_rule(small, ordinals=[1])
    for weekday in (1, 2, 3):  # 72 days a year
        add_rule(big, weekday=weekday, ordinals=[1, 2])
    holidays.add_standard_holidays(2027, actor=None)
    for day in (5, 12, 19):
        create_meeting(big, kind="regular", start_at=datetime(2027, 1, day, 22, tzinfo=UTC))
    db.session.commit()
    schedules.plan(small, mode="year", year=2027)  # the city profile is read once per app context
    counts = []
    for body in (small, big):
        db.session.expire_all()
        with count_queries() as statements:
            rows = schedules.plan(body, mode="year", year=2027)
            [r.existing.title for r in rows if r.existing]
        counts.append(len(statements))
    # The body (expired), its rule versions (notice lead times), the rules, the holidays, the meetings.
    assert counts[0] == counts[1] == 5, counts


def test_each_planned_meeting_says_when_its_notice_is_due(db, create_body):
    body = create_body()  # regular meetings: 168 hours' notice recommended
    add_rule(body)
    rows = schedules.plan(body, mode="next", count=2)
    soon, later = rows  # 2026-03-03 (tomorrow) and 2026-03-17
    assert later.notice_by == later.start_at - timedelta(hours=168) and later.notice_warning == ""
    assert "at least 7 days is recommended" in soon.notice_warning


@pytest.mark.timeout(300)
def test_three_clerks_scheduling_at_once_make_each_meeting_once(
    app, real_time, database_url, create_user, create_body, db
):
    from tests.servers import app_servers
    from tests.test_concurrent_saves import _race, _signed_in

    body = create_body(name="City Commission", seat_count=7)
    add_rule(body)
    clerks = [create_user(Role.clerk, email=f"scheduler{n}@city.example") for n in range(3)]
    db.session.commit()
    with app_servers(database_url, 2, threads=4) as urls:
        clients = [_signed_in(urls[n % 2], clerk.email) for n, clerk in enumerate(clerks)]
        form = {"mode": "next", "count": "6"}
        statuses = _race(clients, f"/staff/bodies/{body.id}/schedule/plan", [form] * 3)
        assert statuses == [302] * 3, statuses
    db.session.expire_all()
    days = [to_local(m.start_at).date() for m in _meetings(db, body)]
    assert len(days) == 6 == len(set(days))
    runs = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "schedule.create_meetings")).all()
    assert len(runs) == 1  # the others found every day taken


def test_creating_refuses_when_the_dates_changed_since_the_preview(client, login_as, db, create_body, create_meeting):
    login_as(Role.clerk)
    body = create_body()
    add_rule(body)
    db.session.commit()
    preview = client.get(f"/staff/bodies/{body.id}/schedule/plan?mode=next&count=3").get_data(as_text=True)
    expected = re.search(r'name="expected" value="([^"]*)"', preview).group(1)
    create_meeting(body, kind="regular", start_at=datetime(2026, 3, 17, 21, 0, tzinfo=UTC))  # meanwhile, by hand
    response = client.post(
        f"/staff/bodies/{body.id}/schedule/plan", data={"mode": "next", "count": "3", "expected": expected}
    )
    assert response.status_code == 422
    assert "The dates have changed since the preview" in response.get_data(as_text=True)
    assert "Already scheduled" in response.get_data(as_text=True)  # the dates as they are now
    assert len(_meetings(db, body)) == 1
