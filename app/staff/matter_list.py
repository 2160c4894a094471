"""``/staff/matters``: every matter (legislative file), newest first, filtered by text (file number or title
words), type, status, body and year, 50 a page. A fixed number of queries whatever the page holds: the count and
the page (``page_of``), one query for what each row shows beside the matter (its body, last step, appearances),
and the bodies the filter offers."""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from app.auth.decorators import staff_required
from app.bodies.models import Body
from app.core.paging import page_of
from app.core.text import clean_text
from app.core.timeutil import local_bounds
from app.extensions import db
from app.matters.models import Matter, MatterAction, MatterActionKind, MatterStatus, MatterType
from app.meetings.models import AgendaItem
from app.staff.meetings import bp

PER_PAGE = 50
#: Longest text filter read, and most words of it.
MAX_TEXT = 100
MAX_WORDS = 8
YEARS = (1900, 2200)


@dataclass
class Filters:
    q: str = ""
    matter_type: MatterType | None = None
    status: MatterStatus | None = None
    body_id: int | None = None
    year: int | None = None
    page: int = 1
    errors: list[str] = field(default_factory=list)

    def args(self, **extra) -> dict:
        """The query string of this list (for the pager's links), without what is not set."""
        values = {
            "q": self.q or None,
            "type": self.matter_type.value if self.matter_type else None,
            "status": self.status.value if self.status else None,
            "body": self.body_id,
            "year": self.year,
            **extra,
        }
        return {k: v for k, v in values.items() if v is not None}


@dataclass
class Row:
    matter: Matter
    body_name: str | None
    last_action: MatterActionKind | None
    last_at: datetime | None
    appearances: int


def _choice(filters: Filters, name: str, enum):
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return enum(raw)
    except ValueError:
        filters.errors.append(_("“%(value)s” is not a valid %(name)s.", value=raw[:40], name=name))
        return None


def _number(filters: Filters, name: str, low: int, high: int) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and len(raw) <= 10 and low <= int(raw) <= high:
        return int(raw)
    filters.errors.append(_("“%(value)s” is not a valid %(name)s.", value=raw[:40], name=name))
    return None


def read_filters() -> Filters:
    """The list's parameters. A value that cannot be used is named on the page and its filter left off; the page
    number is forgiving (anything but a number is the first page, past the end the last)."""
    filters = Filters(q=clean_text(request.args.get("q", ""))[:MAX_TEXT])
    filters.matter_type = _choice(filters, "type", MatterType)
    filters.status = _choice(filters, "status", MatterStatus)
    filters.body_id = _number(filters, "body", 1, 2**31 - 1)
    filters.year = _number(filters, "year", *YEARS)
    page = request.args.get("page", "")
    filters.page = int(page) if page.isascii() and page.isdigit() and len(page) <= 6 else 1
    return filters


def conditions(filters: Filters) -> list:
    where = []
    if filters.q:
        text = filters.q.lower()
        words = text.split()[:MAX_WORDS]
        in_title = and_(*[func.lower(Matter.title).contains(w, autoescape=True) for w in words])
        where.append(or_(func.lower(Matter.file_number).contains(text, autoescape=True), in_title))
    if filters.matter_type:
        where.append(Matter.matter_type == filters.matter_type)
    if filters.status:
        where.append(Matter.status == filters.status)
    if filters.body_id:
        where.append(Matter.body_id == filters.body_id)
    if filters.year:
        start, end = local_bounds(date(filters.year, 1, 1), date(filters.year + 1, 1, 1))
        where.append(Matter.created_at >= start)
        where.append(Matter.created_at < end)
    return where


def _rows(matters: list[Matter]) -> list[Row]:
    """Each matter with its body's name, its latest step and its number of appearances, in one query."""
    if not matters:
        return []
    step = aliased(MatterAction)
    latest = (
        select(step.id)
        .where(step.matter_id == Matter.id)
        .order_by(step.at.desc(), step.id.desc())
        .limit(1)
        .correlate(Matter)
        .scalar_subquery()
    )
    appearances = select(func.count(AgendaItem.id)).where(AgendaItem.matter_id == Matter.id).scalar_subquery()
    extras = {
        r.id: r
        for r in db.session.execute(
            select(
                Matter.id,
                Body.name.label("body_name"),
                MatterAction.action,
                MatterAction.at,
                appearances.label("appearances"),
            )
            .outerjoin(Body, Body.id == Matter.body_id)
            .outerjoin(MatterAction, MatterAction.id == latest)
            .where(Matter.id.in_([m.id for m in matters]))
        )
    }
    return [
        Row(m, extras[m.id].body_name, extras[m.id].action, extras[m.id].at, extras[m.id].appearances or 0)
        for m in matters
    ]


@bp.route("/matters")
@staff_required
def matter_list():
    filters = read_filters()
    query = select(Matter).where(*conditions(filters)).order_by(Matter.created_at.desc(), Matter.id.desc())
    pagination = page_of(query, filters.page, PER_PAGE)
    bodies = db.session.execute(select(Body.id, Body.name).order_by(Body.name, Body.id)).all()
    return render_template(
        "matters/list.html",
        filters=filters,
        pagination=pagination,
        rows=_rows(list(pagination.items)),
        bodies=bodies,
        types=list(MatterType),
        statuses=list(MatterStatus),
    ), 400 if filters.errors else 200
