from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.decorators import login_gate, role_required
from app.auth.models import Role
from app.bodies.models import Body, Membership
from app.core.timeutil import to_local, utcnow
from app.extensions import db

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
bp.before_request(login_gate())


@bp.route("/")
@role_required(Role.admin, Role.clerk, Role.commissioner)
def index():
    bodies = db.session.scalars(
        select(Body).options(selectinload(Body.memberships).joinedload(Membership.member)).order_by(Body.name)
    ).all()
    today = to_local(utcnow()).date()
    return render_template("dashboard/index.html", bodies=bodies, today=today, user=current_user)
