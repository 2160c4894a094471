"""Public pages of bodies: who sat in each seat on any date (``/bodies/<id>?on=2025-06-30``), vacancies shown as
such, and the rules in force that day."""

from datetime import date

from flask import abort, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.bodies.forms import FIRST_YEAR, LAST_YEAR
from app.bodies.models import Body, Member
from app.bodies.services import BODY_WHOLE, roster_on, today
from app.core.cache import public_page
from app.core.loaders import get_or_404
from app.core.uploads import send_image
from app.extensions import db
from app.portal.records import BadParameter, read_arg
from app.portal.views import bp


def date_arg(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw[:10]) if len(raw) == 10 else None
    except ValueError:
        value = None
    if value is None or not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise BadParameter(_("“%(value)s” is not a valid date (use YYYY-MM-DD).", value=raw[:20]))
    return value


@bp.route("/bodies")
@public_page()
def bodies():
    rows = db.session.scalars(select(Body).order_by(Body.retired_on.is_not(None), Body.name)).all()
    return render_template("portal/bodies.html", bodies=rows)


@bp.route("/bodies/<id:body_id>")
@public_page("on")
def body(body_id: int):
    errors: list[str] = []
    on = read_arg(errors, lambda: date_arg("on")) or today()
    body = get_or_404(Body, body_id, *BODY_WHOLE)
    roster = roster_on(body, on)
    rules = body.rules_on(on)
    return render_template(
        "portal/body.html",
        body=body,
        on=on,
        is_today=on == today(),
        roster=roster,
        vacant=sum(1 for row in roster if row.vacant),
        rules=rules,
        quorum=rules.quorum_for(body, on),
        errors=errors,
    )


@bp.route("/members/<id:member_id>/photo/<digest>.<ext>")
def member_photo(member_id: int, digest: str, ext: str):
    """A member's photo at a URL naming its content: cached for a year, a new photo gets a new URL."""
    member = get_or_404(Member, member_id)
    if not member.photo_sha256 or digest != member.photo_sha256 or ext != member.photo_extension:
        abort(404)
    response = send_image(member.photo_stored_name, member.photo_content_type, max_age=365 * 24 * 3600)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
