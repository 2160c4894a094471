from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from app.auth.decorators import login_gate, staff_required
from app.bodies.models import Membership
from app.bodies.services import bodies_with_members
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.meetings.models import Meeting, MeetingStatus
from app.staff.checklist import setup_checklist, setup_complete
from app.votes.conflicts import open_disclosures

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
bp.before_request(login_gate())


def _in_session() -> list[Meeting]:
    """Meetings in session now: a commissioner's own bodies' (their seat page), every one for the rest of staff."""
    query = select(Meeting).where(Meeting.status == MeetingStatus.in_progress)
    if current_user.member_id is not None and not current_user.is_editor:
        query = query.where(
            Meeting.body_id.in_(select(Membership.body_id).where(Membership.member_id == current_user.member_id))
        )
    return list(db.session.scalars(query.order_by(Meeting.start_at).limit(20)))


@bp.route("/")
@staff_required
def index():
    bodies = bodies_with_members()
    today = to_local(utcnow()).date()
    disclosures = open_disclosures() if current_user.is_editor else []
    steps = setup_checklist() if current_user.is_editor else []
    return render_template(
        "dashboard/index.html",
        bodies=bodies,
        today=today,
        user=current_user,
        overdue=[d for d in disclosures if d.is_overdue(today)],
        due=[d for d in disclosures if not d.is_overdue(today)],
        setup_steps=[] if setup_complete(steps) else steps,
        in_session=_in_session(),
    )
