"""``/search``: one search over the whole public record (app.search), with filters, snippets and paging."""

from dataclasses import dataclass
from datetime import date

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import String, cast, literal, literal_column, select, union_all

from app.bodies.models import Body
from app.extensions import db
from app.legislation.models import ResolutionStatus
from app.matters.models import MatterStatus
from app.meetings.models import MeetingStatus
from app.portal.records import BadParameter, choice_arg, int_arg, read_arg
from app.portal.views import bp
from app.public_comment.models import SpeakerRequestStatus
from app.search import query as search
from app.search.models import SearchKind
from app.topics.models import Topic

FLAG_LABELS = {
    "superseded": _l("Superseded"),
    "repealed": _l("Repealed"),
    "withdrawn": _l("Withdrawn"),
}
STATUS_LABELS = {
    **{s.value: s.label for s in (*MeetingStatus, *SpeakerRequestStatus, *ResolutionStatus)},
    "released": _l("Draft, not yet approved"),
    "approved": _l("Approved"),
    **{v: MatterStatus(v).label for v in search.MATTER_STATUSES},
    **FLAG_LABELS,
}
#: A matter's status reads as the matter page says it ("approved" of a matter is not minutes' "approved").
MATTER_STATUS_LABELS = {s.value: s.label for s in MatterStatus}
#: What the status filter offers (value, label).
STATUS_CHOICES = [(s, STATUS_LABELS[s]) for s in search.STATUSES]


@dataclass
class Shown:
    """One result as the page (and the API) shows it."""

    kind: SearchKind
    url: str
    title: Markup
    snippet: Markup
    dated_on: date | None
    status: str
    status_label: str
    flags: list[tuple[str, str]]
    ref: str | None
    exact: bool


def shown(hit: search.Hit, **options) -> Shown:
    labels = MATTER_STATUS_LABELS if hit.kind == SearchKind.matter else STATUS_LABELS
    return Shown(
        kind=hit.kind,
        url=search.hit_url(hit, **options),
        title=hit.title,
        snippet=hit.snippet,
        dated_on=hit.dated_on,
        status=hit.status,
        status_label=str(labels.get(hit.status, "")),
        flags=[(f, str(FLAG_LABELS.get(f, f))) for f in hit.flags],
        ref=hit.ref,
        exact=hit.exact,
    )


def date_arg(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(_("“%(value)s” is not a date like 2025-06-30.", value=raw[:20])) from None


def read_criteria(errors: list[str]) -> search.Criteria:
    """The search form's parameters; each mistake is collected for the page, and its filter left off."""
    q = request.args.get("q", "")
    return search.Criteria(
        q=q[: search.MAX_QUERY_INPUT],
        body_id=read_arg(errors, lambda: int_arg("body")),
        kind=read_arg(errors, lambda: choice_arg("kind", SearchKind)),
        date_from=read_arg(errors, lambda: date_arg("from")),
        date_to=read_arg(errors, lambda: date_arg("to")),
        status=read_arg(errors, lambda: choice_arg("status", search.STATUSES)),
        sort=read_arg(errors, lambda: choice_arg("sort", search.SORTS)) or "relevance",
        page=read_arg(errors, lambda: int_arg("page", high=10**6)) or 1,
    )


def _choices() -> tuple[list, list]:
    """The bodies (id, name) and the topics (slug, name) the filters offer, in one query."""
    rows = db.session.execute(
        union_all(
            select(literal("body").label("kind"), cast(Body.id, String).label("value"), Body.name.label("name")),
            select(literal("topic").label("kind"), Topic.slug.label("value"), Topic.name.label("name")),
        ).order_by(literal_column("kind"), literal_column("name"))
    ).all()
    bodies = [Row(int(r.value), r.name) for r in rows if r.kind == "body"]
    topics = [(r.value, r.name) for r in rows if r.kind == "topic"]
    return bodies, topics


@dataclass(frozen=True)
class Row:
    id: int
    name: str


@bp.route("/search")
def search_page():
    errors: list[str] = []
    criteria = read_criteria(errors)
    bodies, topics = _choices()
    raw_topic = request.args.get("topic", "").strip()
    if raw_topic and raw_topic not in {slug for slug, _name in topics}:
        errors.append(_("“%(value)s” is not a valid %(name)s.", value=raw_topic[:20], name="topic"))
    elif raw_topic:
        criteria.topic = raw_topic
    timed_out = False
    try:
        results = search.search(criteria)
    except search.SearchTimeout:
        timed_out, results = True, search.Results()
    status = 503 if timed_out else 400 if errors else 200
    return render_template(
        "portal/search.html",
        criteria=criteria,
        results=results,
        hits=[shown(h) for h in results.hits],
        errors=errors,
        timed_out=timed_out,
        bodies=bodies,
        topics=topics,
        kinds=list(SearchKind),
        statuses=STATUS_CHOICES,
        max_terms=search.MAX_TERMS,
    ), status
