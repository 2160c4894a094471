"""Every page an anonymous visitor can reach, and nothing else: one place to audit."""

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.auth.views import safe_next
from app.bodies.services import bodies_with_members
from app.core.timeutil import to_local, utcnow
from app.extensions import db

bp = Blueprint("portal", __name__)


@bp.route("/")
def home():
    bodies = bodies_with_members()
    today = to_local(utcnow()).date()
    return render_template("portal/home.html", bodies=bodies, today=today)


@bp.route("/language/<code>", methods=["GET"])
def set_language(code: str):
    from flask import current_app

    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("portal.home"))


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
