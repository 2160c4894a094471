"""The public record of votes, resolutions and agreements. Anonymous; a fixed number of queries per page."""

from datetime import date

from flask import abort, render_template, request
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.core.cache import public_page
from app.core.paging import page_of
from app.core.timeutil import to_local, utcnow
from app.core.uploads import send_stored
from app.extensions import db
from app.legislation import charts as legislation_charts
from app.legislation import services as legislation
from app.legislation.models import (
    Agreement,
    AgreementDocument,
    AgreementEffect,
    EffectKind,
    Resolution,
    ResolutionLink,
    ResolutionStatus,
)
from app.meetings.models import AgendaItem
from app.portal.views import bp
from app.public_comment import tallies as comment_tallies
from app.search import resolutions as search
from app.video import index as video_index
from app.votes import charts as vote_charts
from app.votes.reading import item_motions, outcome_of


def _public_resolution(resolution_id: int) -> Resolution:
    """The resolution with everything its page shows, in three queries: the resolution with its item, meeting,
    sponsors and corrections (a handful of rows each, joined); its agreement effects; its links both ways."""
    resolution = (
        db.session.scalars(
            select(Resolution)
            .where(Resolution.id == resolution_id)
            .options(
                joinedload(Resolution.item).joinedload(AgendaItem.meeting),
                joinedload(Resolution.item).joinedload(AgendaItem.sponsors),
                joinedload(Resolution.corrections),
                joinedload(Resolution.topics),
                selectinload(Resolution.effects).joinedload(AgreementEffect.agreement),
            )
        )
        .unique()
        .first()
    )
    if resolution is None or resolution.item.meeting.agenda_published_at is None:
        abort(404)
    links = db.session.scalars(
        select(ResolutionLink)
        .where(or_(ResolutionLink.from_id == resolution.id, ResolutionLink.to_id == resolution.id))
        .options(joinedload(ResolutionLink.source), joinedload(ResolutionLink.target))
        .order_by(ResolutionLink.id)
    ).all()
    # Both directions from that one query, given to the relationships as if loaded (no lazy load later).
    set_committed_value(resolution, "links_out", [link for link in links if link.from_id == resolution.id])
    set_committed_value(resolution, "links_in", [link for link in links if link.to_id == resolution.id])
    return resolution


class BadParameter(ValueError):
    pass


def int_arg(name: str, *, low: int = 1, high: int = 10**6) -> int | None:
    """An optional whole-number query parameter; out of range or not a number is the visitor's mistake."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise BadParameter(_("“%(value)s” is not a valid %(name)s.", value=raw[:20], name=name))
    return int(raw)


def read_arg(errors: list[str], read):
    """Read one query parameter; a mistake is collected for the page to show, and the filter is left off."""
    try:
        return read()
    except BadParameter as error:
        errors.append(str(error))
        return None


def choice_arg(name: str, choices):
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    for choice in choices:
        if raw == str(choice):
            return choice
    raise BadParameter(_("“%(value)s” is not a valid %(name)s.", value=raw[:20], name=name))


@bp.route("/resolutions")
@public_page("q", "year", "status", "sponsor", "effect", "page", "sort")
def resolutions():
    errors: list[str] = []
    q = request.args.get("q", "").strip()[:200]
    criteria = search.Criteria(
        q=q,
        year=read_arg(errors, lambda: int_arg("year", low=1900, high=2999)),
        status=read_arg(errors, lambda: choice_arg("status", ResolutionStatus)),
        sponsor_id=read_arg(errors, lambda: int_arg("sponsor")),
        effect=read_arg(errors, lambda: choice_arg("effect", EffectKind)),
        page=read_arg(errors, lambda: int_arg("page", high=100000)) or 1,
        sort=read_arg(errors, lambda: choice_arg("sort", search.SORTS)) or ("relevance" if q else "newest"),
    )
    results = search.search(criteria) if q else newest_resolutions(criteria)
    years, sponsors = search.filter_choices()
    return render_template(
        "portal/resolutions.html",
        results=results,
        criteria=criteria,
        errors=errors,
        years=years,
        sponsors=sponsors,
        statuses=list(ResolutionStatus),
        effects=list(EffectKind),
    ), 400 if errors else 200


def newest_resolutions(criteria: search.Criteria) -> search.Results:
    """The list without words to search: filtered, ordered and paged in the database, read in the order of
    ``ix_resolutions_number_order`` (SQLite; its DESC puts unnumbered drafts last by itself) or of
    ``ix_resolutions_newest`` (PostgreSQL, DESC NULLS LAST); two queries (the count and the page)."""
    query = search.public_resolutions().options(lazyload(Resolution.item))  # a row shows its own columns
    query = search.filtered(query, criteria)
    columns = (Resolution.number_year, Resolution.number_seq, Resolution.id)
    if criteria.sort == "oldest":
        order = [c.asc().nulls_last() for c in columns[:2]] + [Resolution.id.asc()]
    else:
        order = [c.desc().nulls_last() for c in columns[:2]] + [Resolution.id.desc()]
    listed = page_of(query.order_by(*order), criteria.page, search.PER_PAGE)
    return search.Results(rows=listed.items, total=listed.total, page=listed.page, pages=max(listed.pages, 1))


@bp.route("/resolutions/<id:resolution_id>")
@public_page()
def resolution(resolution_id: int):
    resolution = _public_resolution(resolution_id)
    item = resolution.item
    found, motions, rescissions = item_motions(item.id, resolution.motion_id)
    tally = comment_tallies.tallies(item.meeting_id).get(item.id) or comment_tallies.Tally.empty()
    return render_template(
        "portal/resolution.html",
        resolution=resolution,
        item=item,
        meeting=item.meeting,
        motions=motions,
        decisive=next((m for m in motions if m.id == resolution.motion_id), None),
        rescissions=rescissions,
        speakers=comment_tallies.public_speakers(item) if item.public_comment_required else [],
        written=comment_tallies.published_comments(item) if item.public_comment_required else [],
        tally=tally,
        outcomes={m.id: outcome_of(m) for m in found if m.is_closed},
        seat_charts=vote_charts.seat_charts(found),
        video=video_index.marks(item.meeting_id, logged=item.meeting.status.value in ("in_progress", "adjourned")),
    )


def _as_of() -> tuple[date, str | None]:
    today = to_local(utcnow()).date()
    raw = request.args.get("on", "").strip()
    if not raw:
        return today, None
    try:
        return date.fromisoformat(raw[:10]), None
    except ValueError:
        return today, _("“%(value)s” is not a date; use the form YYYY-MM-DD. Showing today.", value=raw[:40])


@bp.route("/agreements")
@public_page("on")
def agreements():
    on, error = _as_of()
    rows = db.session.scalars(
        select(Agreement)
        .options(selectinload(Agreement.effects).selectinload(AgreementEffect.resolution))
        .order_by(Agreement.signed_on.desc().nulls_last(), Agreement.id)
    ).all()
    rows = [(a, legislation.agreement_status(a, on)) for a in rows]
    return render_template("portal/agreements.html", rows=rows, on=on, error=error), 400 if error else 200


@bp.route("/agreements/<id:agreement_id>")
@public_page("on")
def agreement(agreement_id: int):
    on, error = _as_of()
    agreement = db.session.scalar(
        select(Agreement)
        .where(Agreement.id == agreement_id)
        .options(
            selectinload(Agreement.effects).selectinload(AgreementEffect.resolution),
            selectinload(Agreement.documents),
            selectinload(Agreement.topics),
        )
    )
    if agreement is None:
        abort(404)
    today = to_local(utcnow()).date()
    timeline = legislation.in_force_effects(agreement.effects, date.max)
    return render_template(
        "portal/agreement.html",
        agreement=agreement,
        on=on,
        error=error,
        today=today,
        state_today=legislation.agreement_status(agreement, today),
        state_on=legislation.agreement_status(agreement, on),
        timeline=timeline,
        agreement_chart=legislation_charts.agreement_timeline(agreement),
        prohibitions=legislation.prohibitions(agreement.category, on),
    ), 400 if error else 200


@bp.route("/agreements/documents/<id:document_id>")
@bp.route("/agreements/documents/<id:document_id>/<path:filename>")
def agreement_document(document_id: int, filename: str = ""):
    document = db.session.get(AgreementDocument, document_id)
    if document is None:
        abort(404)
    return send_stored(document)
