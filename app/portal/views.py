"""Every page an anonymous visitor can reach, and nothing else: one place to audit."""

from datetime import timedelta

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import select, text, union_all
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload, lazyload, selectinload

from app.bodies.services import bodies_with_members
from app.core.cache import public_page
from app.core.timeutil import to_local, utcnow
from app.core.uploads import send_stored
from app.core.web import safe_next
from app.extensions import db
from app.legislation import digest
from app.legislation.models import Resolution, ResolutionStatus
from app.legislation.search import public_resolutions
from app.meetings import charts as meeting_charts
from app.meetings.models import AgendaItem, Attachment, Meeting, MeetingStatus, Minutes
from app.public_comment import policy as comment_policy
from app.public_comment import tallies as comment_tallies
from app.video import index as video_index
from app.votes import charts as vote_charts
from app.votes import reading as vote_record

bp = Blueprint("portal", __name__)


@bp.after_request
def revalidate(response):
    """A repeat visit to an unchanged public page is a 304 with no body (the ETag is a hash of the page).

    Pages holding a private link say ``no-store`` and are left alone; ``no-cache`` makes every other page be
    revalidated, so a change to the record shows at once.
    """
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.direct_passthrough
        and "no-store" not in (response.headers.get("Cache-Control") or "")
    ):
        signed_in = request.cookies.get(current_app.config.get("SESSION_COOKIE_NAME", "session"))
        response.headers["Cache-Control"] = "private, no-cache" if signed_in else "no-cache"
        # The page is in the reader's language: from the session's choice, else Accept-Language.
        response.vary.update(("Accept-Language", "Cookie"))
        response.add_etag()
        response.make_conditional(request)
    return response


@bp.route("/")
@public_page(per=60)
def home():
    bodies = bodies_with_members()
    now = utcnow()
    # The next ten and the last ten public meetings, in one query (two index-ordered LIMITs under a UNION ALL).
    since = now - timedelta(hours=6)
    soon = (
        select(Meeting.id).where(Meeting.is_public, Meeting.start_at >= since).order_by(Meeting.start_at).limit(10)
    ).subquery()
    past = (
        select(Meeting.id)
        .where(Meeting.is_public, Meeting.start_at < since)
        .order_by(Meeting.start_at.desc())
        .limit(10)
    ).subquery()
    shown = db.session.scalars(
        select(Meeting)
        .where(Meeting.id.in_(union_all(select(soon.c.id), select(past.c.id))))
        .options(lazyload(Meeting.stamped_rules))
        .order_by(Meeting.start_at, Meeting.id)
    ).all()
    upcoming = [m for m in shown if m.start_at >= since]
    recent = [m for m in reversed(shown) if m.start_at < since]
    latest = db.session.scalars(
        public_resolutions()
        .options(lazyload(Resolution.item))
        .where(Resolution.status == ResolutionStatus.adopted)
        .order_by(Resolution.adopted_on.desc(), Resolution.number_seq.desc())
        .limit(5)
    ).all()
    return render_template(
        "portal/home.html",
        bodies=bodies,
        today=to_local(now).date(),
        upcoming=upcoming,
        recent=recent,
        latest=latest,
    )


def public_meeting_or_404(meeting_id: int, *, whole: bool = False) -> Meeting:
    """A public (noticed) meeting with its items; ``whole`` also loads what the meeting page shows, each
    relation in one query, so the page's query count does not grow with the record."""
    options = [
        # The items with their sponsors and resolution in one query (a few sponsors an item at most).
        selectinload(Meeting.items).options(
            joinedload(AgendaItem.sponsors), joinedload(AgendaItem.resolution), joinedload(AgendaItem.topics)
        ),
        joinedload(Meeting.comment_policy),
    ]
    if whole:
        options += [
            # One query for every item's documents however long the agenda (selectinload sends one per 500 items).
            selectinload(Meeting.items).subqueryload(AgendaItem.attachments),
            selectinload(Meeting.changes),
            joinedload(Meeting.minutes).joinedload(Minutes.approved_at_meeting),
            selectinload(Meeting.attendances),
        ]
    meeting = db.session.scalar(select(Meeting).where(Meeting.id == meeting_id, Meeting.is_public).options(*options))
    if meeting is None:
        abort(404)  # drafts are not public yet
    return meeting


@bp.route("/meetings/<id:meeting_id>")
@public_page(per=60)
def meeting(meeting_id: int):
    meeting = public_meeting_or_404(meeting_id, whole=True)
    policy = comment_policy.effective_policy(meeting)
    record = vote_record.meeting_record(meeting)
    return render_template(
        "portal/meeting.html",
        meeting=meeting,
        window=comment_policy.signup_window(meeting, policy=policy),
        policy=policy,
        tallies=comment_tallies.tallies(meeting.id),
        # Only an adjourned meeting has a record digest pinned: no query for the others.
        pinned=digest.pinned_entry(meeting.id) if meeting.status == MeetingStatus.adjourned else None,
        seat_charts=vote_charts.seat_charts([m for ms in record["motions"].values() for m in ms]),
        timeline=meeting_charts.meeting_timeline(meeting),
        video=video_index.marks(meeting.id, logged=meeting.status.value in ("in_progress", "adjourned")),
        **record,
    )


@bp.route("/meetings/<id:meeting_id>/documents/<id:attachment_id>/<path:filename>")
def document(meeting_id: int, attachment_id: int, filename: str):
    """A document of a published agenda; nothing of a draft agenda is public."""
    attachment = db.session.get(Attachment, attachment_id)
    if (
        attachment is None
        or attachment.item.meeting_id != meeting_id
        or attachment.item.meeting.agenda_published_at is None
    ):
        abort(404)
    return send_stored(attachment)


@bp.route("/language/<code>", methods=["GET"])
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("portal.home"))


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200


import app.portal.accessibility  # noqa: E402,F401  (asking for an accessible copy, R14)
import app.portal.archive  # noqa: E402,F401  (meetings list and calendar, members, comment guide)
import app.portal.bodies  # noqa: E402,F401  (bodies and their rosters on any date)
import app.portal.calendar  # noqa: E402,F401  (iCalendar feeds)
import app.portal.comment  # noqa: E402,F401  (public comment routes live on this blueprint)
import app.portal.documents  # noqa: E402,F401  (generated PDFs: notices, agendas, minutes, votes, resolutions)
import app.portal.feeds  # noqa: E402,F401  (Atom feeds)
import app.portal.live  # noqa: E402,F401  (a meeting as it happens: live page, snapshot, event stream)
import app.portal.matters  # noqa: E402,F401  (a matter's whole life, issue 20)
import app.portal.packet  # noqa: E402,F401  (the agenda packet PDF)
import app.portal.records  # noqa: E402,F401  (votes, resolutions and agreements)
import app.portal.search  # noqa: E402,F401  (one search over the whole record)
import app.portal.subscribe  # noqa: E402,F401  (email subscriptions)
import app.portal.topics  # noqa: E402,F401  (topics and everything under one)
import app.portal.transcript  # noqa: E402,F401  (a meeting's captions as an attributed transcript)
import app.portal.verify  # noqa: E402,F401  (how to check a record digest)
import app.portal.video  # noqa: E402,F401  (a meeting's recording at a chosen second)
