"""Dais: public meetings for a city, from notice to minutes."""

from pathlib import Path

from flask import Flask, current_app, has_request_context, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from app import models  # noqa: F401  (every mapped class exists before any module builds a query or Alembic looks)
from app.extensions import babel, csrf, db, limiter, login_manager, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class ConfigurationError(RuntimeError):
    pass


def select_locale():
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def create_app(config_class=None) -> Flask:
    from config import config_from_env

    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=False)
    app.config.from_object(config_class or config_from_env())
    if not app.config.get("SECRET_KEY") and not (app.debug or app.testing):
        raise ConfigurationError(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random value "
            "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    # Flask-Babel formats datetimes in this zone; keep it the city's (times are stored in UTC).
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from app.core import sqlite  # noqa: F401  (WAL and busy timeout on every SQLite connection)
    from app.core.loaders import IdConverter

    app.url_map.converters["id"] = IdConverter

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    from app.core.timeutil import city_zone_name

    babel.init_app(app, locale_selector=select_locale, timezone_selector=city_zone_name)
    _configure_login(app)
    from app.core import storage

    storage.init_app(app)  # uploaded files: a local directory or S3 (a wrong setting stops the start here)
    from app.core import delivery, jobs  # noqa: F401  (delivery registers its tick with the jobs)
    from app.subscriptions import retention  # noqa: F401  (the contact-retention purge's tick)

    jobs.init_app(app)  # background jobs: RQ on Redis, or a thread of this server (make run without Redis)
    from app.core import live

    live.init_app(app)  # live screens: each committed change publishes its meeting's snapshot once
    from app.core import cache

    cache.init_app(app)  # public pages kept and answered 304 by the record's version (Redis or in process)

    from app.api.views import bp as api_bp
    from app.portal.views import bp as portal_bp
    from app.staff.accounts import bp as auth_bp
    from app.staff.bodies import bp as bodies_bp
    from app.staff.captions import bp as captions_bp
    from app.staff.city import bp as city_bp
    from app.staff.dashboard import bp as dashboard_bp
    from app.staff.imports import bp as imports_bp
    from app.staff.intake import bp as intake_bp
    from app.staff.legislation import bp as legislation_bp
    from app.staff.mail import bp as mail_bp
    from app.staff.meetings import bp as meetings_bp
    from app.staff.members import bp as members_bp
    from app.staff.motions import bp as votes_bp
    from app.staff.queue import bp as public_comment_bp
    from app.staff.setup import bp as setup_bp
    from app.staff.topics import bp as topics_bp

    app.register_blueprint(portal_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(bodies_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(public_comment_bp)
    app.register_blueprint(votes_bp)
    app.register_blueprint(legislation_bp)
    app.register_blueprint(city_bp)
    app.register_blueprint(setup_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(topics_bp)
    app.register_blueprint(captions_bp)
    app.register_blueprint(intake_bp)

    # Features above answer the domain events of the layers below (docs/architecture.md); importing connects them.
    from app.documents import reactions as _document_reactions  # noqa: F401  (packets rebuilt on publication)
    from app.errors import register_error_handlers
    from app.legislation import reactions as _legislation_reactions  # noqa: F401
    from app.live import snapshot as _live_snapshot  # noqa: F401  (registers the snapshot builder)
    from app.meetings import matter_link as _matter_link  # noqa: F401  (every agenda item has a matter)
    from app.meetings import reactions as _meetings_reactions  # noqa: F401
    from app.minutes import reactions as _minutes_reactions  # noqa: F401
    from app.public_comment import reactions as _comment_reactions  # noqa: F401
    from app.search import index as _search_index  # noqa: F401  (reindexes what each flush changed)
    from app.subscriptions import reactions as _subscription_reactions  # noqa: F401
    from app.votes import reactions as _vote_reactions  # noqa: F401

    register_error_handlers(app)

    from app import city

    # The city profile: the provider app.core reads the zone and record language from. After the error handlers,
    # so that its before_request runs after theirs (a writing request's transaction is opened there first).
    city.init_app(app)

    from app.cli import register_cli

    register_cli(app)
    from app.cli import register_storage_cli

    register_storage_cli(app)
    from app.cli import register_backup_cli

    register_backup_cli(app)

    from app.core.web import register_web

    register_web(app)
    return app


def _configure_login(app):
    from flask_babel import lazy_gettext as _l
    from flask_login import user_loaded_from_cookie

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(token: str):
        from sqlalchemy.exc import SQLAlchemyError

        from app.auth import sessions

        try:
            return sessions.load(token)
        except SQLAlchemyError:  # the database is down: treat as signed out so error pages still render
            db.session.rollback()
            return None

    @user_loaded_from_cookie.connect_via(app)
    def rotate_remember_cookie(sender, user):
        from app.auth import sessions

        sessions.restored_from_cookie(user)
