"""The read-only open-data API, /api/v1: JSON, paged in a stable order, ETag and If-None-Match, CORS for GET.

Anonymous like the portal, and reading only what the portal shows. Each endpoint runs a fixed number of queries:
lists are paged in SQL and their relations loaded with one query each.
"""

from datetime import date

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, subqueryload

from app.api import ocd, serializers
from app.api.openapi import document
from app.bodies.models import Body, Member, Membership
from app.bodies.services import BODY_WHOLE
from app.city.services import city_name
from app.core.loaders import MAX_ID
from app.core.paging import page_of
from app.core.timeutil import local_bounds, to_local, utcnow
from app.extensions import db, limiter
from app.legislation import digest
from app.legislation.models import Agreement, AgreementEffect, Resolution, ResolutionLink, ResolutionStatus
from app.meetings.models import AgendaItem, Meeting, MeetingKind
from app.search import resolutions as search
from app.votes import charts as vote_charts
from app.votes import reading as vote_record
from app.votes.models import Motion, MotionStatus, Vote
from app.votes.reading import ROLL

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25


def _api_limit():
    return current_app.config["API_RATE_LIMIT"]


limiter.limit(_api_limit)(bp)


class BadParameter(Exception):
    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name, self.message = name, message


@bp.errorhandler(BadParameter)
def bad_parameter(error: BadParameter):
    response = jsonify(
        {"error": {"status": 400, "title": _("Bad request"), "message": error.message, "parameter": error.name}}
    )
    response.status_code = 400
    return response


def int_param(name: str, *, default: int | None = None, low: int = 1, high: int = MAX_ID) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise BadParameter(
            name, _("“%(name)s” must be a whole number from %(low)d to %(high)d.", name=name, low=low, high=high)
        )
    return int(raw)


def enum_param(name: str, enum):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return enum(raw)
    except ValueError:
        raise BadParameter(
            name, _("“%(name)s” must be one of: %(values)s.", name=name, values=", ".join(e.value for e in enum))
        ) from None


def date_param(name: str) -> date | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, _("“%(name)s” must be a date like 2025-06-30.", name=name)) from None


def get_or_404(model, record_id: int, *options):
    """The record with its relations loaded (the ``<id:...>`` converter already refused ids out of range)."""
    found = db.session.scalar(select(model).where(model.id == record_id).options(*options))
    if found is None:
        abort(404)
    return found


def paged(query, serialize, endpoint: str, *, prepare=None, **params):
    """One page in the query's order (always ending in the id, so pages never overlap or skip). ``prepare``, given
    the page's rows, returns the serializer to use (to load what the rows need for the whole page at once)."""
    page = int_param("page", default=1, high=1_000_000)
    per_page = int_param("per_page", default=DEFAULT_PER_PAGE, high=MAX_PER_PAGE)
    listed = page_of(query, page, per_page, past_the_end="empty")
    rows, total, pages = listed.items, listed.total, max(listed.pages, 1)
    if prepare is not None:
        serialize = prepare(rows)
    kept = {k: v for k, v in params.items() if v is not None}

    def link(n):
        return url_for(endpoint, page=n, per_page=per_page, _external=True, **kept)

    return jsonify(
        {
            "data": [serialize(r) for r in rows],
            "meta": {"page": page, "per_page": per_page, "total": total, "pages": pages},
            "links": {
                "self": link(page),
                "next": link(page + 1) if page < pages else None,
                "prev": link(page - 1) if page > 1 else None,
            },
        }
    )


@bp.after_request
def caching_and_cors(response):
    """Anyone may read from any origin; a repeat request with the ETag gets 304 and no body."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match, Accept, Accept-Language"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Retry-After"
    response.headers["Vary"] = "Accept-Language"
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        response.headers["Cache-Control"] = "public, max-age=60"
        response.add_etag()
        response.make_conditional(request)
    return response


# ---- index and document -------------------------------------------------------------------------------------------


@bp.route("/")
def index():
    return jsonify(
        {
            "name": f"{city_name()} open meeting data",
            "version": "1",
            "openapi": url_for("api.openapi", _external=True),
            "endpoints": {
                name: url_for(f"api.{name}", _external=True)
                for name in ("bodies", "members", "meetings", "motions", "resolutions", "agreements", "topics")
            },
        }
    )


@bp.route("/openapi.json")
def openapi():
    return jsonify(document(url_for("api.index", _external=True).rstrip("/")))


# ---- bodies and members -------------------------------------------------------------------------------------------


@bp.route("/bodies")
def bodies():
    return paged(select(Body).options(*BODY_WHOLE).order_by(Body.id), serializers.body, "api.bodies")


@bp.route("/bodies/<id:body_id>")
def body(body_id: int):
    return jsonify(serializers.body(get_or_404(Body, body_id, *BODY_WHOLE)))


MEMBER_LOAD = (selectinload(Member.memberships).joinedload(Membership.body),)


@bp.route("/members")
def members():
    return paged(
        select(Member).options(*MEMBER_LOAD).order_by(Member.sort_name, Member.id), serializers.member, "api.members"
    )


@bp.route("/members/<id:member_id>")
def member(member_id: int):
    return jsonify(serializers.member(get_or_404(Member, member_id, *MEMBER_LOAD)))


# ---- meetings -----------------------------------------------------------------------------------------------------


def _public_meetings():
    return select(Meeting).where(Meeting.is_public)


@bp.route("/meetings")
def meetings():
    body_id = int_param("body")
    kind = enum_param("kind", MeetingKind)
    year = int_param("year", low=1900, high=2999)
    query = _public_meetings()
    if body_id:
        query = query.where(Meeting.body_id == body_id)
    if kind:
        query = query.where(Meeting.kind == kind)
    if year:
        start, end = local_bounds(date(year, 1, 1), date(year + 1, 1, 1))
        query = query.where(Meeting.start_at >= start, Meeting.start_at < end)
    return paged(
        query.order_by(Meeting.start_at.desc(), Meeting.id.desc()),
        serializers.meeting,
        "api.meetings",
        body=body_id,
        kind=kind.value if kind else None,
        year=year,
    )


#: The items' topics by subquery: one query however long the agenda (selectinload sends one per 500 items).
MEETING_LOAD = (
    selectinload(Meeting.items).options(joinedload(AgendaItem.resolution), subqueryload(AgendaItem.topics)),
    selectinload(Meeting.attendances),
    joinedload(Meeting.minutes),
)


def _public_meeting(meeting_id: int) -> Meeting:
    meeting = get_or_404(Meeting, meeting_id, *MEETING_LOAD)
    if not meeting.is_public:
        abort(404)
    return meeting


@bp.route("/meetings/<id:meeting_id>")
def meeting(meeting_id: int):
    found = _public_meeting(meeting_id)
    pinned = digest.pinned_digest(found.id)
    return jsonify(serializers.meeting_detail(found, vote_record.public_motions(found.id), pinned))


@bp.route("/meetings/<id:meeting_id>/record")
def meeting_record(meeting_id: int):
    found = _public_meeting(meeting_id)
    record = digest.meeting_record(found)
    return jsonify(serializers.meeting_record(found, record, digest.pinned_entry(found.id)))


# ---- motions ------------------------------------------------------------------------------------------------------

MOTION_LOAD = (*ROLL, joinedload(Motion.meeting))


def _public_motions():
    return (
        select(Motion)
        .join(Meeting, Meeting.id == Motion.meeting_id)
        .where(Meeting.is_public, Motion.status != MotionStatus.pending)
    )


@bp.route("/motions")
def motions():
    meeting_id = int_param("meeting")
    member_id = int_param("member")
    query = _public_motions().options(*MOTION_LOAD)
    if meeting_id:
        query = query.where(Motion.meeting_id == meeting_id)
    if member_id:
        query = query.where(Motion.id.in_(select(Vote.motion_id).where(Vote.member_id == member_id)))
    return paged(
        query.order_by(Motion.id),
        serializers.motion,
        "api.motions",
        prepare=_with_seat_charts,
        meeting=meeting_id,
        member=member_id,
    )


def _with_seat_charts(motions):
    """The page's roll calls as seats (issue 19), loaded for the whole page at once (two queries)."""
    charts = vote_charts.seat_charts(motions)
    return lambda m: serializers.motion(m, charts.get(m.id))


@bp.route("/motions/<id:motion_id>")
def motion(motion_id: int):
    found = db.session.scalar(_public_motions().where(Motion.id == motion_id).options(*MOTION_LOAD))
    if found is None:
        abort(404)
    return jsonify(serializers.motion(found, vote_charts.seat_charts([found]).get(found.id)))


# ---- resolutions and agreements -----------------------------------------------------------------------------------

RESOLUTION_LOAD = (
    joinedload(Resolution.item).selectinload(AgendaItem.sponsors),
    selectinload(Resolution.links_out).joinedload(ResolutionLink.target),
    selectinload(Resolution.links_in).joinedload(ResolutionLink.source),
    selectinload(Resolution.effects).joinedload(AgreementEffect.resolution),
    selectinload(Resolution.corrections),
    selectinload(Resolution.topics),
)


@bp.route("/resolutions")
def resolutions():
    year = int_param("year", low=1900, high=2999)
    status = enum_param("status", ResolutionStatus)
    q = (request.args.get("q") or "").strip()[:200]
    query = search.public_resolutions().options(*RESOLUTION_LOAD)
    if year:
        query = query.where(Resolution.number_year == year)
    if status:
        query = query.where(Resolution.status == status)
    if q:
        query, _relevance, _number = search.apply_text(query, q)
    return paged(
        query.order_by(Resolution.id),
        serializers.resolution,
        "api.resolutions",
        year=year,
        status=status.value if status else None,
        q=q or None,
    )


@bp.route("/resolutions/<id:resolution_id>")
def resolution(resolution_id: int):
    found = db.session.scalar(
        search.public_resolutions().where(Resolution.id == resolution_id).options(*RESOLUTION_LOAD)
    )
    if found is None:
        abort(404)
    return jsonify(serializers.resolution(found))


AGREEMENT_LOAD = (
    selectinload(Agreement.effects).joinedload(AgreementEffect.resolution),
    selectinload(Agreement.topics),
)


@bp.route("/agreements")
def agreements():
    on = date_param("on") or to_local(utcnow()).date()
    return paged(
        select(Agreement).options(*AGREEMENT_LOAD).order_by(Agreement.id),
        lambda a: serializers.agreement(a, on),
        "api.agreements",
        on=request.args.get("on") or None,
    )


@bp.route("/agreements/<id:agreement_id>")
def agreement(agreement_id: int):
    on = date_param("on") or to_local(utcnow()).date()
    return jsonify(serializers.agreement(get_or_404(Agreement, agreement_id, *AGREEMENT_LOAD), on))


# ---- Open Civic Data ----------------------------------------------------------------------------------------------


@bp.route("/ocd/events/<id:meeting_id>")
def ocd_event(meeting_id: int):
    found = _public_meeting(meeting_id)
    return jsonify(ocd.event(found, vote_record.public_motions(found.id)))


@bp.route("/ocd/vote-events/<id:motion_id>")
def ocd_vote_event(motion_id: int):
    found = db.session.scalar(
        _public_motions()
        .where(Motion.id == motion_id, Motion.status == MotionStatus.closed)
        .options(*MOTION_LOAD, joinedload(Motion.item).joinedload(AgendaItem.resolution))
    )
    if found is None:
        abort(404)
    return jsonify(ocd.vote_event(found))


@bp.route("/ocd/bills/<id:resolution_id>")
def ocd_bill(resolution_id: int):
    found = db.session.scalar(
        search.public_resolutions()
        .where(Resolution.id == resolution_id)
        .options(*RESOLUTION_LOAD, joinedload(Resolution.item).joinedload(AgendaItem.meeting))
    )
    if found is None:
        abort(404)
    return jsonify(ocd.bill(found))


import app.api.matters  # noqa: E402,F401  (GET /api/v1/matters: legislative files with their history)
import app.api.ocd_matters  # noqa: E402,F401  (GET /api/v1/ocd/matters/<id>: a matter as an OCD bill)
import app.api.search  # noqa: E402,F401  (GET /api/v1/search: one search over the whole record)
import app.api.topics  # noqa: E402,F401  (GET /api/v1/topics and what is under each)
import app.api.video  # noqa: E402,F401  (GET /api/v1/meetings/<id>/video-index)
