"""iCalendar feeds of the public meetings (R15, RFC 5545), built with the icalendar library.

Each meeting is one VEVENT whose UID never changes; SEQUENCE is the meeting's revision counter, bumped on every
change of time, place or status; a cancelled meeting stays in the feed with STATUS:CANCELLED. Times carry the
city's TZID with its VTIMEZONE. The library writes CRLF line ends and folds lines at 75 octets.
"""

from datetime import UTC, timedelta
from urllib.parse import quote, urlencode

from flask import Response, abort, current_app, url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select

from app.bodies.models import Body
from app.city.services import city_name
from app.core.loaders import get_or_404
from app.core.timeutil import city_zone, city_zone_name, utcnow
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus
from app.portal.views import bp

#: Feeds cover this far back; older meetings stay on the site and in the archive.
FEED_HISTORY = timedelta(days=400)

STATUS = {MeetingStatus.cancelled: "CANCELLED"}


def meeting_uid(meeting: Meeting) -> str:
    """Stable for the life of the meeting: built from its id and a configured domain, never from its time."""
    return f"meeting-{meeting.id}@{current_app.config['CALENDAR_UID_DOMAIN']}"


def _event(meeting: Meeting) -> Event:
    zone = city_zone()
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.updated_at)
    event.add("last-modified", meeting.updated_at)
    event.add("dtstart", meeting.start_at.astimezone(zone))
    event.add("dtend", (meeting.end_at or meeting.start_at + timedelta(hours=3)).astimezone(zone))
    event.add("summary", f"{meeting.body.name}: {meeting.title}")
    event.add("location", meeting.location)
    event.add("status", STATUS.get(meeting.status, "CONFIRMED"))
    url = url_for("portal.meeting", meeting_id=meeting.id, _external=True)
    event.add("url", url)
    description = [meeting.purpose or "", _("Agenda, public comment and minutes: %(url)s", url=url)]
    if meeting.status == MeetingStatus.cancelled and meeting.cancelled_reason:
        description.insert(0, _("CANCELLED: %(reason)s", reason=meeting.cancelled_reason))
    event.add("description", "\n\n".join(d for d in description if d))
    return event


def _feed(meetings, name: str, filename: str = "meetings.ics") -> Response:
    calendar = Calendar()
    calendar.add("prodid", "-//Dais//Public meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", city_zone_name())
    for meeting in meetings:
        calendar.add_component(_event(meeting))
    calendar.add_missing_timezones()
    response = Response(calendar.to_ical(), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _public_meetings(body_id: int | None = None):
    query = select(Meeting).where(Meeting.is_public, Meeting.start_at >= utcnow() - FEED_HISTORY)
    if body_id is not None:
        query = query.where(Meeting.body_id == body_id)
    return db.session.scalars(query.order_by(Meeting.start_at).limit(2000)).all()


@bp.route("/meetings.ics")
def calendar_all():
    return _feed(_public_meetings(), _("%(city)s public meetings", city=city_name()))


@bp.route("/bodies/<id:body_id>/meetings.ics")
def calendar_body(body_id: int):
    body = get_or_404(Body, body_id)
    return _feed(_public_meetings(body.id), f"{city_name()}: {body.name}")


@bp.route("/meetings/<id:meeting_id>/calendar.ics")
def calendar_meeting(meeting_id: int):
    """One meeting to add to a personal calendar: the same UID and SEQUENCE as in the feeds, so a later
    reschedule or cancellation read from a feed updates the same entry."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or not meeting.is_public:
        abort(404)
    return _feed([meeting], f"{meeting.body.name}: {meeting.title}", filename=f"meeting-{meeting.id}.ics")


# --- links for a personal calendar: plain links, nothing is requested from a third party until clicked -------

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose"


def webcal(url: str) -> str:
    """The same feed as a ``webcal://`` address, which calendar programs open as a subscription."""
    return "webcal://" + url.split("://", 1)[1] if "://" in url else url


def _meeting_links(meeting: Meeting) -> dict:
    start = meeting.start_at.astimezone(UTC)
    end = (meeting.end_at or meeting.start_at + timedelta(hours=3)).astimezone(UTC)
    page = url_for("portal.meeting", meeting_id=meeting.id, _external=True)
    title = f"{meeting.body.name}: {meeting.title}"
    details = _("Agenda, public comment and minutes: %(url)s", url=page)
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
        "details": details,
        "location": meeting.location,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": f"{start:%Y-%m-%dT%H:%M:%SZ}",
        "enddt": f"{end:%Y-%m-%dT%H:%M:%SZ}",
        "body": details,
        "location": meeting.location,
    }
    return {
        "ics": url_for("portal.calendar_meeting", meeting_id=meeting.id),
        "google": f"{GOOGLE}?{urlencode(google, quote_via=quote)}",
        "outlook": f"{OUTLOOK}?{urlencode(outlook, quote_via=quote)}",
    }


@bp.app_template_global()
def calendar_links(meeting: Meeting | None = None, body: Body | None = None) -> dict:
    """For templates/portal/_calendar_links.html: the feed (of the body, of the meeting's body, or of every body)
    as https and webcal, and for one meeting the .ics file and "add to Google / Outlook" links."""
    body_id = meeting.body_id if meeting is not None else (body.id if body is not None else None)
    if body_id is not None:
        feed = url_for("portal.calendar_body", body_id=body_id, _external=True)
        name = meeting.body.name if meeting is not None else body.name
    else:
        feed, name = url_for("portal.calendar_all", _external=True), None
    links = {"feed": feed, "webcal": webcal(feed), "feed_name": name}
    if meeting is not None and meeting.status != MeetingStatus.cancelled:
        links.update(_meeting_links(meeting))
    return links
