"""An ordinance's two readings on the record (issue 20; F.S. 166.041(3)(a)): the notice is recorded on the matter,
a second reading that can no longer be lawful is refused with the reason and the earliest date, the agenda warns
while the record is incomplete, the adoption vote will not open too early, and the pages show where it stands."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.core.timeutil import to_local
from app.extensions import db as _db
from app.matters import second_reading
from app.matters.models import MatterStatus
from app.matters.notices import OrdinanceNotice, record_notice, withdraw_notice
from app.matters.readings import say_day
from app.meetings import agenda
from app.meetings.carry_forward import carry_forward
from app.meetings.models import AgendaItemType
from app.votes import motions as motion_service
from app.votes import roll_call as roll_call_service
from app.votes.models import MotionKind, VoteChoice
from tests.votes_helpers import hold_comment, roll_call, start


def _ordinance(meeting, reading, *, matter=None):
    return agenda.add_item(
        meeting, section="Resolutions", title="Ordinance amending Chapter 2 (boards)", body_md="",
        item_type=AgendaItemType.ordinance, reading=reading, matter=matter,
        amendment_reason="Added" if meeting.agenda_published_at else None, actor=None,
    )  # fmt: skip


def _pass(meeting, item, members):
    motion = motion_service.make_motion(
        meeting,
        kind=MotionKind.main,
        text="Move to pass",
        item=item,
        mover_id=members[5].id,
        seconder_id=members[1].id,
        actor=None,
    )
    roll_call_service.open_vote(motion, actor=None)
    for member in members:
        roll_call_service.record_vote(motion, member.id, VoteChoice.yes, actor=None)
    roll_call_service.close_vote(motion, actor=None)
    _db.session.commit()
    return motion


def _on(meeting) -> date:
    return to_local(meeting.start_at).date()


@pytest.fixture
def first_read(commission, open_meeting, clock, db):
    """An ordinance that passed its first reading at a regular meeting (the clock is at that meeting)."""
    body, members = commission
    meeting = open_meeting(body)
    start(meeting, clock, db)
    item = _ordinance(meeting, "first")
    db.session.commit()
    roll_call(meeting, members)
    hold_comment(item)
    _pass(meeting, item, members)
    assert item.matter.status == MatterStatus.first_reading_passed
    return meeting, item


def _notice(matter, published_on, **kw):
    return record_notice(
        matter, published_on=published_on, medium=kw.get("medium", "newspaper"),
        where=kw.get("where", "Key West Citizen"), actor=None,
    )  # fmt: skip


def _later(create_meeting, meeting, days):
    return create_meeting(meeting.body, kind="regular", start_at=meeting.start_at + timedelta(days=days))


def test_a_second_reading_too_soon_after_the_notice_is_refused_with_the_earliest_date(
    first_read, create_meeting, app, db
):
    meeting, item = first_read
    day1 = _on(meeting)
    with app.test_request_context("/"):
        same_day = create_meeting(meeting.body, kind="regular", start_at=meeting.start_at + timedelta(hours=3))
        with pytest.raises(DomainError, match="later day than the first reading") as refused:
            _ordinance(same_day, "second", matter=item.matter)
        assert refused.value.field == "reading"
        _notice(item.matter, day1 - timedelta(days=1))
        too_soon = _later(create_meeting, meeting, 5)
        with pytest.raises(DomainError) as refused:
            _ordinance(too_soon, "second", matter=item.matter)
        earliest = day1 + timedelta(days=9)
        assert f"The earliest lawful date is {say_day(earliest)}" in refused.value.message
        assert not [i for i in too_soon.items if i.matter_id == item.matter_id]
        lawful = create_meeting(meeting.body, kind="regular", start_at=meeting.start_at + timedelta(days=9))
        placed = _ordinance(lawful, "second", matter=item.matter)
        assert placed.matter_id == item.matter_id and placed.reading == "second"
        assert second_reading.schedule(item.matter).earliest == earliest


def test_without_a_notice_only_a_meeting_too_close_to_give_one_is_refused(first_read, create_meeting, app, db, clock):
    meeting, item = first_read
    today = to_local(clock.now).date()
    with app.test_request_context("/"):
        soon = _later(create_meeting, meeting, 3)
        with pytest.raises(DomainError, match="no notice of the ordinance is recorded yet") as refused:
            _ordinance(soon, "second", matter=item.matter)
        assert say_day(today + timedelta(days=10)) in refused.value.message
        later = _later(create_meeting, meeting, 21)
        placed = _ordinance(later, "second", matter=item.matter)
        problems = second_reading.agenda_problems(later.items, _on(later))
        assert "not been published yet" in problems[placed.id]
        _notice(item.matter, today + timedelta(days=2))
        assert second_reading.agenda_problems(later.items, _on(later)) == {}


def test_the_city_setting_sets_the_days(first_read, create_meeting, app, db, set_city):
    from app.matters.reading_settings import set_notice_days

    meeting, item = first_read
    day1 = _on(meeting)
    set_city()
    with app.test_request_context("/"):
        _notice(item.matter, day1)
        at_ten = _later(create_meeting, meeting, 10)
        set_notice_days(15, actor=None)
        with pytest.raises(DomainError, match="at least 15 days"):
            _ordinance(at_ten, "second", matter=item.matter)
        set_notice_days(10, actor=None)
        assert _ordinance(at_ten, "second", matter=item.matter).reading == "second"


def test_the_adoption_vote_will_not_open_without_the_record_then_adopts(
    first_read, commission, open_meeting, clock, db, app
):
    body, members = commission
    meeting, item = first_read
    day1 = _on(meeting)
    with app.test_request_context("/"):
        notice = _notice(item.matter, day1)
        later = open_meeting(body, start_at=meeting.start_at + timedelta(days=14))
        second = _ordinance(later, "second", matter=item.matter)
        db.session.commit()
        withdraw_notice(notice, reason="Published for another ordinance", actor=None)
        db.session.commit()
        start(later, clock, db)
        roll_call(later, members)
        hold_comment(second)
        motion = motion_service.make_motion(
            later,
            kind=MotionKind.main,
            text="Adopt",
            item=second,
            mover_id=members[5].id,
            seconder_id=members[1].id,
            actor=None,
        )
        db.session.commit()
        with pytest.raises(DomainError, match=f"Item {second.label}: .*notice of the ordinance has not been published"):
            roll_call_service.open_vote(motion, actor=None)
        db.session.rollback()
        _notice(item.matter, day1 + timedelta(days=1))
        db.session.commit()
        roll_call_service.open_vote(motion, actor=None)
        for member in members:
            roll_call_service.record_vote(motion, member.id, VoteChoice.yes, actor=None)
        roll_call_service.close_vote(motion, actor=None)
        db.session.commit()
        assert item.matter.status == MatterStatus.adopted
        plan = second_reading.schedule(item.matter)
        assert plan.adopted_on == plan.effective_on == _on(later)
        assert [n.in_force for n in plan.notices] == [False, True]


def test_a_deferral_is_carried_forward_even_when_early_and_the_agenda_warns(first_read, create_meeting, app, db):
    meeting, item = first_read
    with app.test_request_context("/"):
        far = _later(create_meeting, meeting, 40)
        placed = _ordinance(far, "second", matter=item.matter)
        soon = _later(create_meeting, meeting, 4)
        target, new, note = carry_forward(placed, _on(soon), why="Deferred", actor=None)
        assert target.id == soon.id and new is not None and new.reading == "second", note
        assert "not been published yet" in second_reading.agenda_problems(soon.items, _on(soon))[new.id]


def test_only_an_ordinance_has_a_notice_and_a_withdrawal_needs_a_reason(commission, open_meeting, app, db):
    meeting = open_meeting(commission[0])
    resolution = [i for i in meeting.items if i.item_type == AgendaItemType.resolution][0]
    with app.test_request_context("/"):
        with pytest.raises(DomainError, match="Only an ordinance"):
            _notice(resolution.matter, date(2026, 1, 5))
        item = _ordinance(meeting, "first")
        with pytest.raises(DomainError, match="web address"):
            _notice(item.matter, date(2026, 1, 5), medium="website", where="the county site")
        notice = _notice(item.matter, date(2026, 1, 5), medium="website", where="https://example.gov/n/1")
        with pytest.raises(DomainError, match="Say why"):
            withdraw_notice(notice, reason="  ", actor=None)
        withdraw_notice(notice, reason="Wrong ordinance", actor=None)
        with pytest.raises(DomainError, match="already withdrawn"):
            withdraw_notice(notice, reason="again", actor=None)


# --- the pages ---------------------------------------------------------------------------------------------------


def test_the_clerk_records_the_notice_and_the_pages_show_the_readings(first_read, client, login_as, db, clock):
    meeting, item = first_read
    matter = item.matter
    login_as(Role.clerk)
    page = f"/staff/matters/{matter.id}"
    assert "Readings and notice" in client.get(page).get_data(as_text=True)

    refused = client.post(
        f"{page}/notices",
        data={"notice-published_on": "2026-99-01", "notice-medium": "website", "notice-where": "county site"},
    )
    assert refused.status_code == 422
    assert 'value="county site"' in refused.get_data(as_text=True)
    refused = client.post(
        f"{page}/notices",
        data={"notice-published_on": _on(meeting).isoformat(), "notice-medium": "website", "notice-where": "county"},
    )
    assert refused.status_code == 422 and "starting with https://" in refused.get_data(as_text=True)

    day = _on(meeting) + timedelta(days=1)
    saved = client.post(
        f"{page}/notices",
        data={
            "notice-published_on": day.isoformat(),
            "notice-medium": "newspaper",
            "notice-where": "Key West Citizen",
            "notice-proof": "Affidavit of publication filed with the clerk",
        },
    )
    assert saved.status_code == 302
    notice = db.session.scalar(select(OrdinanceNotice).where(OrdinanceNotice.matter_id == matter.id))
    assert (notice.published_on, notice.where) == (day, "Key West Citizen")
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "matter.notice")) is not None

    staff = client.get(page).get_data(as_text=True)
    with client.application.test_request_context("/"):
        earliest = say_day(day + timedelta(days=10))
    assert earliest in staff and "Affidavit of publication" in staff

    public = client.get(f"/matters/{matter.file_number}").get_data(as_text=True)
    assert "Readings and notice" in public and "Key West Citizen" in public and earliest in public

    assert client.post(f"{page}/notices/withdraw", data={"withdraw-notice_id": str(notice.id)}).status_code == 422
    other = client.post(f"{page}/notices/withdraw", data={"withdraw-notice_id": "99999999999", "withdraw-reason": "x"})
    assert other.status_code == 422 and "Choose a notice of this matter" in other.get_data(as_text=True)
    done = client.post(
        f"{page}/notices/withdraw", data={"withdraw-notice_id": str(notice.id), "withdraw-reason": "Wrong paper"}
    )
    assert done.status_code == 302
    db.session.refresh(notice)
    assert notice.withdrawn_reason == "Wrong paper" and not notice.in_force
    public = client.get(f"/matters/{matter.file_number}").get_data(as_text=True)
    assert "Key West Citizen" not in public

    stated = date(2030, 1, 1)
    assert client.post(f"{page}/effective", data={"effective-effective_on": "1-1-1"}).status_code == 422
    assert client.post(f"{page}/effective", data={"effective-effective_on": stated.isoformat()}).status_code == 302
    db.session.refresh(matter)
    assert matter.effective_on == stated


def test_the_staff_agenda_warns_of_a_second_reading_not_yet_lawful(first_read, create_meeting, client, login_as, db):
    meeting, item = first_read
    later = _later(create_meeting, meeting, 30)
    placed = _ordinance(later, "second", matter=item.matter)
    db.session.commit()
    login_as(Role.clerk)
    page = client.get(f"/staff/meetings/{later.id}").get_data(as_text=True)
    assert "Second reading not yet lawful." in page and "Second reading" in page
    _notice(item.matter, _on(meeting))
    db.session.commit()
    page = client.get(f"/staff/meetings/{later.id}").get_data(as_text=True)
    assert "Second reading not yet lawful." not in page
    assert placed.reading_label == "Second reading"


def test_a_matter_that_is_not_an_ordinance_has_no_readings_section(commission, open_meeting, client, login_as):
    meeting = open_meeting(commission[0])
    resolution = [i for i in meeting.items if i.item_type == AgendaItemType.resolution][0]
    login_as(Role.clerk)
    assert "Readings and notice" not in client.get(f"/staff/matters/{resolution.matter_id}").get_data(as_text=True)
    refused = client.post(f"/staff/matters/{resolution.matter_id}/effective", data={"effective-effective_on": ""})
    assert refused.status_code == 422


def test_the_public_matter_page_is_kept_until_the_record_moves(first_read, app, db):
    meeting, item = first_read
    public = app.test_client()
    url = f"/matters/{item.file_number}"
    first = public.get(url)
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"')
    assert public.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with app.test_request_context("/"):
        _notice(item.matter, _on(meeting))
    db.session.commit()
    moved = public.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert moved.status_code == 200 and "Key West Citizen" in moved.get_data(as_text=True)


def test_the_api_gives_an_ordinances_readings(first_read, client, app, db):
    meeting, item = first_read
    with app.test_request_context("/"):
        _notice(item.matter, _on(meeting))
    db.session.commit()
    data = client.get(f"/api/v1/matters/{item.matter_id}").get_json()
    assert data["readings"] == {
        "notice_days": 10,
        "first_reading_on": _on(meeting).isoformat(),
        "notice": {"published_on": _on(meeting).isoformat(), "medium": "newspaper", "where": "Key West Citizen"},
        "earliest_second_reading": (_on(meeting) + timedelta(days=10)).isoformat(),
        "adopted_on": None,
        "effective_on": None,
    }
    resolution = [i for i in meeting.items if i.item_type == AgendaItemType.resolution][0]
    assert client.get(f"/api/v1/matters/{resolution.matter_id}").get_json()["readings"] is None
