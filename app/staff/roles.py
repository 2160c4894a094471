"""The role matrix as a staff page: what each role may do (app/auth/permissions.py), for every signed-in user."""

from flask import render_template

from app.auth.decorators import staff_required
from app.auth.models import Role
from app.auth.permissions import matrix_rows
from app.staff.accounts import bp


@bp.route("/staff/roles")
@staff_required
def roles():
    return render_template("admin/roles.html", roles=list(Role), rows=matrix_rows())
