"""``/matters/<file number>``: a matter's whole life on one page (issue 20); ``/matters/id/<id>`` redirects to it.

The history is the record's (app.legislation.matter_history) with, when the matter came from a department
submission, where it came from (app.intake.origin: the department and the days it was submitted and approved for
the agenda, never a name or a comment), merged in time order."""

from flask import abort, redirect, render_template, url_for

from app.core.cache import public_page
from app.extensions import db
from app.intake import origin
from app.legislation import matter_history
from app.matters import second_reading
from app.matters.models import Matter
from app.matters.services import find_matter
from app.portal.views import bp


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


@bp.route("/matters/id/<id:matter_id>", endpoint="matter_by_id")
def matter_by_id(matter_id: int):
    matter = db.session.get(Matter, matter_id)
    if matter is None:
        abort(404)
    return redirect(url_for("portal.matter", file_number=matter.file_number), 301)
