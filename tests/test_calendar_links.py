"""Calendar links (issue 19): webcal:// subscriptions to the .ics feeds, and "add to Google / Outlook" for one
meeting, as plain links (nothing is asked of a third party until a resident clicks)."""

import html
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit


def _hrefs(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]


def test_meeting_page_links_to_webcal_google_and_outlook(client, create_body, open_meeting):
    body = create_body(name="Planning Board")
    meeting = open_meeting(body, start_at=datetime(2026, 3, 12, 22, 30, tzinfo=UTC), location="City Hall, Room 2")
    links = _hrefs(client.get(f"/meetings/{meeting.id}").get_data(as_text=True))

    assert f"webcal://localhost/bodies/{body.id}/meetings.ics" in links
    google = next(link for link in links if link.startswith("https://calendar.google.com/calendar/render?"))
    query = parse_qs(urlsplit(google).query)
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == [f"Planning Board: {meeting.title}"]
    assert query["dates"] == ["20260312T223000Z/20260313T013000Z"]  # no end time recorded: three hours
    assert query["location"] == ["City Hall, Room 2"]
    assert f"http://localhost/meetings/{meeting.id}" in query["details"][0]

    outlook = next(link for link in links if link.startswith("https://outlook.live.com/calendar/0/deeplink/compose?"))
    query = parse_qs(urlsplit(outlook).query)
    assert query["subject"] == [f"Planning Board: {meeting.title}"]
    assert query["startdt"] == ["2026-03-12T22:30:00Z"] and query["enddt"] == ["2026-03-13T01:30:00Z"]
    assert query["location"] == ["City Hall, Room 2"]
    assert f"http://localhost/meetings/{meeting.id}" in query["body"][0]
    # The webcal feed is the same feed as the .ics one.
    assert client.get(f"/bodies/{body.id}/meetings.ics").mimetype == "text/calendar"


def test_meetings_list_and_body_page_subscribe_by_webcal(client, create_body):
    body = create_body(name="Parks Board")
    assert "webcal://localhost/meetings.ics" in _hrefs(client.get("/meetings").get_data(as_text=True))
    body_links = _hrefs(client.get(f"/bodies/{body.id}").get_data(as_text=True))
    assert f"webcal://localhost/bodies/{body.id}/meetings.ics" in body_links
    assert not any(link.startswith("https://calendar.google.com") for link in body_links)  # no single meeting here


def test_a_cancelled_meeting_offers_no_add_link(client, db, open_meeting):
    from app.meetings import lifecycle

    meeting = open_meeting()
    lifecycle.cancel_meeting(meeting, reason="Hurricane warning", actor=None)
    db.session.commit()
    links = _hrefs(client.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert not any(link.startswith(("https://calendar.google.com", "https://outlook.live.com")) for link in links)
