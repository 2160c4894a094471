"""The clerk's recording pages (issue 21): add by a known moment or by the clock, edit, remove, correct a log
time; refusals keep what was typed; no 500 on huge ids, bad times or duplicates; only editors."""

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.core.timeutil import utc_to_local_naive
from app.meetings.models import LogKind, MeetingLogEntry
from app.video.models import Recording
from tests.video_index_helpers import attach, logged_meeting


def _called(db, meeting):
    return db.session.query(MeetingLogEntry).filter_by(meeting_id=meeting.id, kind=LogKind.called_to_order).one()


def test_add_a_part_by_a_known_moment(client, login_as, db, clock, commission, open_meeting):
    meeting, *_ = logged_meeting(db, clock, commission, open_meeting)
    login_as(Role.clerk)
    called = _called(db, meeting)
    page = client.get(f"/staff/meetings/{meeting.id}/recording").get_data(as_text=True)
    assert "Called to order" in page and f'value="{called.id}"' in page
    response = client.post(
        f"/staff/meetings/{meeting.id}/recording",
        data={"part": "1", "url": "https://video.example.gov/m.mp4", "label": "Main", "start_mode": "moment",
              "moment_id": str(called.id), "position": "00:03:12", "duration": "2:00:00"},
    )  # fmt: skip
    assert response.status_code == 302
    recording = db.session.query(Recording).one()
    assert recording.second_of(called.at) == 192 and recording.duration_seconds == 7200
    assert db.session.query(AuditEntry).filter_by(action="recording.add").count() == 1
    page = client.get(f"/staff/meetings/{meeting.id}/recording").get_data(as_text=True)
    assert "Part 1 at 3:12" in page


def test_refusals_keep_what_was_typed_and_never_500(client, login_as, db, clock, commission, open_meeting):
    meeting, *_ = logged_meeting(db, clock, commission, open_meeting)
    attach(db, meeting)
    login_as(Role.clerk)
    url = f"/staff/meetings/{meeting.id}/recording"
    day = utc_to_local_naive(meeting.start_at).strftime("%Y-%m-%dT%H:%M")
    base = {"part": "1", "url": "https://video.example.gov/other.mp4", "label": "Kept label", "start_mode": "clock",
            "start_local": day}  # fmt: skip
    cases = [
        ({}, "This meeting already has a part 1."),
        ({"part": "2", "url": "javascript:alert(1)"}, "Enter a web address starting with https:// or http://."),
        ({"part": "2", "url": "https://x.example/" + "a" * 600}, "Field cannot be longer than 500 characters."),
        ({"part": "99999999999999999999"}, "Number must be between 1 and 50."),
        ({"part": "abc"}, "Enter a whole number."),
        ({"part": "2", "start_mode": "moment", "moment_id": "99999999999999", "position": "3:12"}, "Choose a moment"),
        (
            {"part": "2", "start_mode": "moment", "moment_id": str(_called(db, meeting).id), "position": "3:99"},
            "Enter the position in the video",
        ),  # fmt: skip
        ({"part": "2", "start_local": "not a time"}, "Enter a date and time"),
        ({"part": "2", "start_local": "2099-01-01T17:00"}, "within a day of the meeting"),
        ({"part": "2", "start_local": "", "start_mode": "clock"}, "Enter the local time at the video"),
        ({"part": "2", "duration": "forever"}, "Enter a length such as 2:15:00."),
    ]
    for change, message in cases:
        data = {**base, **change}
        response = client.post(url, data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, (change, response.status_code)
        assert message in page, (change, message)
        assert 'value="Kept label"' in page, change
    assert db.session.query(Recording).count() == 1
    assert client.get(f"/staff/meetings/{meeting.id}/recording/2147483648").status_code == 404
    assert client.get(f"/staff/meetings/{meeting.id}/recording/99999999999999999999").status_code == 404
    assert client.get(f"/staff/meetings/{meeting.id}/log/99999/time").status_code == 404


def test_edit_and_remove_a_part(client, login_as, db, clock, commission, open_meeting):
    meeting, *_ = logged_meeting(db, clock, commission, open_meeting)
    recording = attach(db, meeting)
    login_as(Role.clerk)
    url = f"/staff/meetings/{meeting.id}/recording/{recording.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="https://video.example.gov/m.mp4"' in page
    local = client.get(url).get_data(as_text=True).split('name="start_local"')[1].split('value="')[1].split('"')[0]
    response = client.post(url, data={"part": "3", "url": "https://youtu.be/abcdefghijk", "start_mode": "clock",
                                      "start_local": local})  # fmt: skip
    assert response.status_code == 302
    db.session.refresh(recording)
    assert recording.part == 3 and recording.url == "https://youtu.be/abcdefghijk"
    assert client.post(f"{url}/remove").status_code == 302
    assert db.session.query(Recording).count() == 0
    assert db.session.query(AuditEntry).filter_by(action="recording.remove").count() == 1


def test_correcting_a_log_time_through_the_page(client, login_as, db, clock, commission, open_meeting):
    meeting, *_ = logged_meeting(db, clock, commission, open_meeting)
    login_as(Role.clerk)
    called = _called(db, meeting)
    url = f"/staff/meetings/{meeting.id}/log/{called.id}/time"
    page = client.get(url).get_data(as_text=True)
    assert 'name="at_local"' in page
    refused = client.post(url, data={"at_local": "2031-01-01T00:00", "reason": "Typed"})
    assert refused.status_code == 422 and "Typed" in refused.get_data(as_text=True)
    refused = client.post(url, data={"at_local": "", "reason": "Kept reason"})
    assert refused.status_code == 422 and "Kept reason" in refused.get_data(as_text=True)
    original = called.at
    local = page.split('name="at_local"')[1].split('value="')[1].split('"')[0]
    earlier = local[:-1] + str((int(local[-1]) + 9) % 10)  # another minute of the same hour
    response = client.post(url, data={"at_local": earlier, "reason": "Gavel was earlier"})
    assert response.status_code == 302
    db.session.refresh(called)
    assert called.at != original
    entry = db.session.query(AuditEntry).filter_by(action="meeting.log_correct").one()
    assert entry.data["before"] == original.isoformat() and entry.data["reason"] == "Gavel was earlier"


def test_only_editors(client, login_as, db, clock, commission, open_meeting):
    meeting, *_ = logged_meeting(db, clock, commission, open_meeting)
    login_as(Role.viewer)
    assert client.get(f"/staff/meetings/{meeting.id}/recording").status_code == 403
