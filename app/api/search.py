"""``GET /api/v1/search``: the public search (app.search) as JSON, with the same parameters as ``/search``."""

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from app.api.views import BadParameter, bp, date_param, enum_param, int_param
from app.core.text import slugify
from app.search import query as search
from app.search.models import SearchKind


def _choice(name: str, choices) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw not in choices:
        raise BadParameter(name, _("“%(name)s” must be one of: %(values)s.", name=name, values=", ".join(choices)))
    return raw


def _topic() -> str | None:
    """A topic's slug (as ``body``, one that names nothing finds nothing; see /api/v1/topics). A value that cannot
    be a slug (a control character, a capital, a space) is refused, never sent to the database."""
    raw = request.args.get("topic")
    if not raw:
        return None
    if raw != slugify(raw, 80):
        raise BadParameter("topic", _("“%(name)s” is a topic's slug: small letters, digits and hyphens.", name="topic"))
    return raw


def serialize(hit: search.Hit, html_url: str) -> dict:
    return {
        "kind": hit.kind.value,
        "id": hit.target_id,
        "title": hit.plain_title,
        "title_html": str(hit.title),
        "snippet_html": str(hit.snippet),
        "date": hit.dated_on.isoformat() if hit.dated_on else None,
        "status": hit.status,
        "flags": hit.flags,
        "ref": hit.ref,
        "exact": hit.exact,
        "meeting_id": hit.meeting_id,
        "item_id": hit.item_id,
        "html_url": html_url,
    }


@bp.route("/search")
def search_records():
    q = (request.args.get("q") or "")[: search.MAX_QUERY_INPUT]
    criteria = search.Criteria(
        q=q,
        body_id=int_param("body"),
        kind=enum_param("kind", SearchKind),
        date_from=date_param("from"),
        date_to=date_param("to"),
        status=_choice("status", search.STATUSES),
        topic=_topic(),
        sort=_choice("sort", search.SORTS) or "relevance",
        page=int_param("page", default=1, high=1_000_000),
    )
    try:
        results = search.search(criteria)
    except search.SearchTimeout:
        response = jsonify(
            {
                "error": {
                    "status": 503,
                    "title": _("The search took too long"),
                    "message": _("Narrow it: add a word, choose a kind of record, a body or a date range."),
                    "parameter": "q",
                }
            }
        )
        response.status_code = 503
        return response

    def link(n):
        params = {k: v for k, v in request.args.items() if k != "page"}
        return url_for("api.search_records", **params, page=n, _external=True)

    return jsonify(
        {
            "data": [serialize(h, search.hit_url(h, _external=True)) for h in results.hits],
            "meta": {
                "page": results.page,
                "per_page": search.PER_PAGE,
                "total": results.total,
                "capped": results.capped,
                "pages": results.pages,
                "trimmed": results.query.trimmed,
            },
            "links": {
                "self": link(results.page),
                "next": link(results.page + 1) if results.page < results.pages else None,
                "prev": link(results.page - 1) if results.page > 1 else None,
            },
        }
    )
