"""Atom feeds (RFC 4287) of published agendas and adopted resolutions, built with feedgen.

Entry ids are tag URIs made from the configured domain and the record's id, so a feed reader never sees an
entry twice; ``updated`` is when the agenda was (re)published or the resolution adopted.
"""

from datetime import UTC, datetime, time

from babel.dates import format_datetime as babel_datetime
from feedgen.feed import FeedGenerator
from flask import Response, current_app, url_for
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from app.bodies.models import Body
from app.city.services import city_name
from app.core.cache import public_page
from app.core.loaders import get_or_404
from app.core.timeutil import city_zone
from app.core.web import local_date, localized_pattern
from app.extensions import db
from app.legislation import digest
from app.legislation.models import Resolution, ResolutionStatus
from app.legislation.search import public_resolutions
from app.meetings.models import Meeting
from app.portal.views import bp

FEED_SIZE = 50
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _tag(kind: str, record_id: int) -> str:
    return f"tag:{current_app.config['CALENDAR_UID_DOMAIN']},2025:{kind}-{record_id}"


def _generator(kind: str, title: str, self_url: str, alternate: str) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(_tag(kind, 0))
    feed.title(title)
    feed.author({"name": city_name()})
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=alternate, rel="alternate", type="text/html")
    feed.language(str(get_locale()))
    feed.generator("Dais")
    return feed


def _respond(feed: FeedGenerator, updated: list[datetime]) -> Response:
    feed.updated(max(updated, default=EPOCH))
    return Response(feed.atom_str(pretty=True), mimetype="application/atom+xml")


def _agenda_feed(body: Body | None) -> Response:
    query = select(Meeting).where(Meeting.agenda_published_at.is_not(None))
    if body is not None:
        query = query.where(Meeting.body_id == body.id)
    meetings = db.session.scalars(
        query.options(lazyload(Meeting.stamped_rules)).order_by(Meeting.agenda_published_at.desc()).limit(FEED_SIZE)
    ).all()
    city = city_name()
    if body is None:
        feed = _generator(
            "agendas",
            _("%(city)s: new agendas", city=city),
            url_for("portal.feed_agendas", _external=True),
            url_for("portal.meetings", _external=True),
        )
    else:
        feed = _generator(
            f"agendas-body-{body.id}",
            _("%(city)s: new agendas of %(body)s", city=city, body=body.name),
            url_for("portal.feed_body_agendas", body_id=body.id, _external=True),
            url_for("portal.meetings", body=body.id, _external=True),
        )
    pinned = digest.pinned_entries([m.id for m in meetings])
    updated = []
    # Each sentence translated once for the whole feed, not once per entry (a feed has up to FEED_SIZE entries).
    cancelled, published, digest_line = (
        _("%(title)s (cancelled)"),
        _("The agenda of this meeting is published."),
        _("Record digest: %(digest)s"),
    )
    meetings_url = url_for("portal.meetings", _external=True)  # /meetings/<id>: built once, as in the other feed
    # The start as local_datetime gives it, with the reader's locale, the zone and the pattern looked up once.
    locale, zone, pattern = get_locale(), get_timezone(), localized_pattern("d MMMM y, h:mm a")

    def when(value) -> str:
        return babel_datetime(value, pattern, tzinfo=zone, locale=locale)

    for meeting in reversed(meetings):  # feedgen prepends each entry: add the oldest first
        entry = feed.add_entry()
        entry.id(_tag("meeting-agenda", meeting.id))
        title = f"{meeting.body.name}: {meeting.title}, {when(meeting.start_at)}"
        entry.title(cancelled % {"title": title} if meeting.status.value == "cancelled" else title)
        entry.link(href=f"{meetings_url}/{meeting.id}")
        # Once adjourned, the entry carries the record digest pinned in the audit log (and is updated then).
        pin = pinned.get(meeting.id)
        changed = max(meeting.agenda_published_at, pin.created_at) if pin is not None else meeting.agenda_published_at
        updated.append(changed)
        entry.updated(changed)
        entry.published(meeting.agenda_published_at)
        summary = meeting.purpose or published
        if pin is not None:
            summary = f"{summary} {digest_line % {'digest': pin.data.get('digest')}}"
        entry.summary(summary)
    return _respond(feed, updated)


@bp.route("/feeds/agendas.atom")
@public_page()
def feed_agendas():
    return _agenda_feed(None)


@bp.route("/bodies/<id:body_id>/agendas.atom")
@public_page()
def feed_body_agendas(body_id: int):
    return _agenda_feed(get_or_404(Body, body_id))


@bp.route("/feeds/resolutions.atom")
@public_page()
def feed_resolutions():
    rows = db.session.scalars(
        public_resolutions()
        .options(lazyload(Resolution.item))  # an entry shows the resolution's own columns only
        .where(Resolution.status == ResolutionStatus.adopted)
        .order_by(Resolution.adopted_on.desc(), Resolution.number_seq.desc())
        .limit(FEED_SIZE)
    ).all()
    feed = _generator(
        "resolutions",
        _("%(city)s: adopted resolutions", city=city_name()),
        url_for("portal.feed_resolutions", _external=True),
        url_for("portal.resolutions", _external=True),
    )
    stamps = []
    title, adopted, effective = (
        _("Resolution %(number)s: %(title)s"),
        _("Adopted %(date)s."),
        _("Effective %(date)s."),
    )
    dates: dict = {}  # each day formatted once (a meeting adopts several)
    zone = city_zone()
    # /resolutions/<id>: the address built once, each entry's by appending its id (url_for per entry cost more
    # than the rest of the entry).
    resolutions_url = url_for("portal.resolutions", _external=True)

    def day(value) -> str:
        if value not in dates:
            dates[value] = local_date(value)
        return dates[value]

    for resolution in reversed(rows):
        # Adoption is a date; the entry is stamped at noon city time so every reader shows the same day.
        stamp = datetime.combine(resolution.adopted_on, time(12), tzinfo=zone)
        stamps.append(stamp)
        entry = feed.add_entry()
        entry.id(_tag("resolution", resolution.id))
        entry.title(title % {"number": resolution.number, "title": resolution.title})
        entry.link(href=f"{resolutions_url}/{resolution.id}")
        entry.updated(stamp)
        entry.published(stamp)
        summary = adopted % {"date": day(resolution.adopted_on)}
        if resolution.effective_on:
            summary = f"{summary} {effective % {'date': day(resolution.effective_on)}}"
        entry.summary(summary)
    return _respond(feed, stamps)
