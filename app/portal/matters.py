"""``/matters/<file number>``: a matter's whole life on one page (issue 20); ``/matters/id/<id>`` redirects to it.

The history is the record's (app.legislation.matter_history) with, when the matter came from a department
submission, where it came from (app.intake.origin: the department and the days it was submitted and approved for
the agenda, never a name or a comment), merged in time order.

``/matters/<file number>/compare?from=&to=`` compares two versions of its text as a redline, and
``/matters/<file number>/versions/<n>`` shows one version's text (``.txt``: the text alone, as written)."""

from flask import Response, abort, redirect, render_template, request, url_for

from app.core.cache import public_page
from app.extensions import db
from app.intake import origin
from app.legislation import matter_history
from app.matters import second_reading
from app.matters import versions as matter_versions
from app.matters.models import Matter
from app.matters.services import find_matter
from app.portal.views import bp


def _public_matter_or_404(file_number: str) -> Matter:
    if len(file_number) > 20:
        abort(404)
    matter = find_matter(file_number)
    if matter is None:
        abort(404)
    return matter


@bp.route("/matters/<path:file_number>", endpoint="matter")
@public_page()
def matter_page(file_number: str):
    if len(file_number) > 20:
        abort(404)
    record = matter_history.public_matter(find_matter(file_number))
    if record is None:
        abort(404)
    matter = record.matter
    readings = second_reading.schedule(matter) if second_reading.is_ordinance(matter) else None
    # A stable sort: the submission's steps go before the record's entries of the same moment, which keep theirs.
    history = sorted([*origin.public_steps(matter.id), *record.entries], key=lambda entry: entry.at)
    return render_template("portal/matter.html", record=record, matter=matter, history=history, readings=readings)


@bp.route("/matters/<path:file_number>/compare", endpoint="matter_compare")
def matter_compare(file_number: str):
    """Any two versions as a redline; the defaults are the previous and the latest version. A wrong number is a
    422 page saying so, with the defaults compared and the choice offered again."""
    matter = _public_matter_or_404(file_number)
    versions = matter_history.public_versions(matter)
    if versions is None:
        abort(404)
    comparison = matter_versions.compare_versions(versions, request.args.get("from"), request.args.get("to"))
    return render_template("matters/compare.html", matter=matter, c=comparison, public=True), comparison.status


def _public_version_or_404(file_number: str, number: int):
    matter = _public_matter_or_404(file_number)
    versions = matter_history.public_versions(matter) or []
    shown = next((v for v in versions if v.number == number), None)
    if shown is None:
        abort(404)
    return matter, versions, shown


@bp.route("/matters/<path:file_number>/versions/<id:number>.txt", endpoint="matter_version_text")
def matter_version_text(file_number: str, number: int):
    """One version's text alone (the Markdown source as written), for the open-data links."""
    _matter, _versions, shown = _public_version_or_404(file_number, number)
    text = matter_versions.texts_of([shown])[shown.id]
    return Response(text + "\n", mimetype="text/plain")


@bp.route("/matters/<path:file_number>/versions/<id:number>", endpoint="matter_version")
def matter_version(file_number: str, number: int):
    matter, versions, shown = _public_version_or_404(file_number, number)
    earlier = [v for v in versions if v.number < number]
    return render_template(
        "matters/version.html",
        matter=matter,
        version=shown,
        text=matter_versions.texts_of([shown])[shown.id],
        previous=earlier[-1] if earlier else None,
        latest=versions[-1],
        public=True,
    )


@bp.route("/matters/id/<id:matter_id>", endpoint="matter_by_id")
def matter_by_id(matter_id: int):
    matter = db.session.get(Matter, matter_id)
    if matter is None:
        abort(404)
    return redirect(url_for("portal.matter", file_number=matter.file_number), 301)
