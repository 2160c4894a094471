"""Attendance and quorum (R4): in-person members only, re-checked as members come and go."""

import pytest

from app.auth.models import Role
from app.core.errors import DomainError
from app.meetings import attendance as att
from app.meetings import lifecycle
from app.meetings.models import AttendanceStatus


@pytest.fixture
def commission(create_body, create_member):
    body = create_body(name="City Commission", seat_count=7)
    names = [
        "Marisol Quintana",
        "Everett Lindqvist",
        "Rosalind Okafor",
        "Tobias Vandermeer",
        "Celestine Arbuckle",
        "Hollis Prendergast",
        "Ines Baptiste",
    ]
    members = [create_member(body, full_name=n, seat_number=i, is_chair=i == 0) for i, n in enumerate(names)]
    return body, members


@pytest.fixture
def meeting(commission, create_meeting, clock, db):
    body, _members = commission
    m = create_meeting(body, kind="regular")
    lifecycle.publish_meeting(m, actor=None)
    clock.now = m.start_at
    lifecycle.start_meeting(m, actor=None)
    db.session.commit()
    return m


def _statuses(members, **by_name):
    return {m.id: by_name.get(m.full_name.split()[0], "present_in_person") for m in members}


def test_roll_is_alphabetical_with_the_chair_last(meeting):
    names = [m.member.full_name for m in att.roll(meeting)]
    assert names == [
        "Celestine Arbuckle",
        "Ines Baptiste",
        "Everett Lindqvist",
        "Rosalind Okafor",
        "Hollis Prendergast",
        "Tobias Vandermeer",
        "Marisol Quintana",
    ]


def test_quorum_counts_members_present_in_person_only(meeting, commission):
    _body, members = commission
    state = att.take_roll(
        meeting,
        _statuses(
            members, Marisol="present_remote", Everett="present_remote", Rosalind="present_remote", Tobias="absent"
        ),
        actor=None,
    )
    assert (state.in_person, state.remote, state.needed, state.has_quorum) == (3, 3, 4, False)
    meeting.rules.quorum_in_person_only = False  # a body whose charter lets remote members count
    assert att.quorum(meeting).has_quorum
    meeting.rules.quorum_in_person_only = True
    att.record_arrival(meeting, members[3].id, actor=None)  # Tobias arrives in person
    assert att.quorum(meeting).has_quorum and att.quorum(meeting).in_person == 4


def test_a_departure_that_breaks_quorum_is_seen_at_once(meeting, commission, clock):
    _body, members = commission
    att.take_roll(meeting, _statuses(members, Marisol="absent", Everett="excused", Rosalind="absent"), actor=None)
    assert att.quorum(meeting).has_quorum and att.quorum(meeting).in_person == 4
    clock.advance(minutes=40)
    row = att.record_departure(meeting, members[4].id, actor=None)
    assert row.departed_at == clock.now and not row.is_present
    assert not att.quorum(meeting).has_quorum
    with pytest.raises(DomainError, match="not present"):
        att.record_departure(meeting, members[4].id, actor=None)
    clock.advance(minutes=10)
    back = att.record_arrival(meeting, members[4].id, actor=None)
    assert back.is_present and back.departed_at is None and back.arrived_at < clock.now
    assert att.quorum(meeting).has_quorum


def test_every_member_must_be_recorded_and_only_while_the_meeting_runs(meeting, commission, create_meeting):
    _body, members = commission
    partial = _statuses(members)
    partial.pop(members[2].id)
    with pytest.raises(DomainError, match="Rosalind Okafor"):
        att.take_roll(meeting, partial, actor=None)
    with pytest.raises(DomainError, match="Choose present"):
        att.take_roll(meeting, {**_statuses(members), members[0].id: "asleep"}, actor=None)
    with pytest.raises(DomainError, match="Call the roll first"):
        att.record_arrival(meeting, members[0].id, actor=None)
    noticed = create_meeting(meeting.body, kind="regular")
    with pytest.raises(DomainError, match="called to order"):
        att.take_roll(noticed, _statuses(members), actor=None)


def test_clerk_takes_the_roll_from_the_meeting_page_and_the_public_sees_it(client, login_as, meeting, commission, db):
    _body, members = commission
    login_as(Role.clerk)
    url = f"/staff/meetings/{meeting.id}/attendance"
    page = client.get(url).get_data(as_text=True)
    assert "Celestine Arbuckle" in page and "Quorum: 4" in page
    data = {f"member-{m.id}": "present_in_person" for m in members}
    data[f"member-{members[3].id}"] = "absent"
    missing = dict(data)
    missing.pop(f"member-{members[0].id}")
    refused = client.post(url, data=missing)
    assert refused.status_code == 422 and "Record every member: Marisol Quintana" in refused.get_data(as_text=True)
    assert 'value="absent" selected' in refused.get_data(as_text=True)  # the choices made are kept
    assert client.post(url, data=data).status_code == 302
    rows = {a.member.full_name: a.status for a in meeting.attendances}
    assert rows["Tobias Vandermeer"] == AttendanceStatus.absent and len(rows) == 7
    client.post(f"/staff/meetings/{meeting.id}/attendance/{members[3].id}/arrive")
    client.post(f"/staff/meetings/{meeting.id}/attendance/{members[1].id}/leave")
    db.session.expire_all()
    staff = client.get(url).get_data(as_text=True)
    assert "6 present in person" in staff and "Quorum present" in staff
    public = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Attendance" in public and "Tobias Vandermeer" in public and "Left at" in public


def test_minutes_are_written_in_the_record_language_whatever_the_clerks_language(
    client, login_as, meeting, commission, db
):
    """A clerk working in Spanish drafts minutes of an English-language city: the record stays in English."""
    _body, members = commission
    login_as(Role.clerk)
    att.take_roll(meeting, _statuses(members, Tobias="excused"), actor=None)
    db.session.commit()
    client.get("/language/es")
    staff_page = client.get(f"/staff/meetings/{meeting.id}/attendance").get_data(as_text=True)
    assert "Presente en persona" in staff_page or "presente en persona" in staff_page  # the screens are in Spanish
    assert client.post(f"/staff/meetings/{meeting.id}/minutes/generate", data={}).status_code == 302
    db.session.expire_all()
    text = meeting.minutes.body_md
    assert "- Tobias Vandermeer: excused" in text and "- Celestine Arbuckle: present in person" in text
    assert "presente" not in text.lower() and "justificad" not in text.lower()
