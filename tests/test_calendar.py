"""R15: the iCalendar feeds, parsed back with the icalendar library."""

from datetime import timedelta

from icalendar import Calendar

from app.meetings import lifecycle


def _events(client, url="/meetings.ics"):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    raw = response.data
    return raw, {str(e["uid"]): e for e in Calendar.from_ical(raw).walk("VEVENT")}


def test_uid_is_stable_and_sequence_grows_across_a_reschedule_and_a_cancellation(client, create_meeting, db, clock):
    meeting = create_meeting(kind="regular", title="Regular meeting")
    lifecycle.publish_meeting(meeting, actor=None)
    create_meeting(kind="special", title="Draft special")  # drafts are not public
    db.session.commit()
    raw, events = _events(client)
    assert len(events) == 1
    ((uid, event),) = events.items()
    assert uid == f"meeting-{meeting.id}@meetings.dais" and "Draft special" not in raw.decode()
    # The UID does not follow the Host header a client sends.
    other = Calendar.from_ical(client.get("/meetings.ics", headers={"Host": "evil.example"}).data)
    assert [str(e["uid"]) for e in other.walk("VEVENT")] == [uid]
    first = int(event["sequence"])
    assert event["dtstart"].params["TZID"] == "America/New_York"
    assert event.decoded("dtstart") == meeting.start_at
    assert str(event["status"]) == "CONFIRMED"

    lifecycle.reschedule_meeting(
        meeting, start_at=meeting.start_at + timedelta(days=1), end_at=None, reason="Room unavailable", actor=None
    )
    db.session.commit()
    _, events = _events(client)
    assert list(events) == [uid]
    assert int(events[uid]["sequence"]) > first
    assert events[uid].decoded("dtstart") == meeting.start_at
    second = int(events[uid]["sequence"])

    lifecycle.cancel_meeting(meeting, reason="Hurricane warning", actor=None)
    db.session.commit()
    raw, events = _events(client)
    assert list(events) == [uid]  # a cancelled meeting stays in the feed
    assert str(events[uid]["status"]) == "CANCELLED" and int(events[uid]["sequence"]) > second
    assert "Hurricane warning" in str(events[uid]["description"])
    # RFC 5545: CRLF line ends, content lines folded at 75 octets, the time zone defined.
    lines = raw.split(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # the long DESCRIPTION was folded, and read back whole
    assert b"BEGIN:VTIMEZONE" in raw and b"TZID:America/New_York" in raw


def test_body_feed_holds_only_that_body(client, create_meeting, create_body, db):
    one = create_meeting(kind="regular", title="Commission meeting")
    other = create_meeting(create_body(name="Planning Board"), kind="regular", title="Board meeting")
    for m in (one, other):
        lifecycle.publish_meeting(m, actor=None)
    db.session.commit()
    _, events = _events(client, f"/bodies/{one.body_id}/meetings.ics")
    assert [str(e["summary"]) for e in events.values()] == [f"{one.body.name}: Commission meeting"]
    assert client.get("/bodies/99999999999/meetings.ics").status_code == 404
    assert client.get("/bodies/2147483647/meetings.ics").status_code == 404


def test_one_meeting_calendar_entry_matches_the_feed_and_follows_its_changes(client, create_meeting, db):
    meeting = create_meeting(kind="regular", title="Regular meeting")
    draft = create_meeting(kind="special", title="Draft special")
    lifecycle.publish_meeting(meeting, actor=None)
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'href="/meetings/{meeting.id}/calendar.ics"' in page and "Add this meeting to your calendar" in page

    raw, events = _events(client, f"/meetings/{meeting.id}/calendar.ics")
    _, feed = _events(client)
    [(uid, event)] = events.items()
    assert uid in feed and int(event["sequence"]) == int(feed[uid]["sequence"])
    assert b"BEGIN:VTIMEZONE" in raw
    assert client.get(f"/meetings/{meeting.id}/calendar.ics").headers["Content-Disposition"] == (
        f'inline; filename="meeting-{meeting.id}.ics"'
    )

    lifecycle.cancel_meeting(meeting, reason="Hurricane warning", actor=None)
    db.session.commit()
    _, events = _events(client, f"/meetings/{meeting.id}/calendar.ics")
    assert str(events[uid]["status"]) == "CANCELLED" and int(events[uid]["sequence"]) > int(event["sequence"])

    for missing in (draft.id, 999999, 10**30):
        assert client.get(f"/meetings/{missing}/calendar.ics").status_code == 404


def test_calendar_text_is_in_the_readers_language(client, create_meeting, db):
    meeting = create_meeting(kind="regular", title="Regular meeting")
    lifecycle.publish_meeting(meeting, actor=None)
    lifecycle.cancel_meeting(meeting, reason="Hurricane warning", actor=None)
    db.session.commit()
    spanish = Calendar.from_ical(client.get("/meetings.ics", headers={"Accept-Language": "es"}).data)
    [event] = spanish.walk("VEVENT")
    assert "CANCELADA: Hurricane warning" in str(event["description"])
    assert "Agenda, comentarios del público y acta:" in str(event["description"])
    assert str(spanish["x-wr-calname"]).startswith("Reuniones públicas de")
    english = Calendar.from_ical(client.get("/meetings.ics").data)
    assert "CANCELLED: Hurricane warning" in str(english.walk("VEVENT")[0]["description"])
