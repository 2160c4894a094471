"""Fixtures for the whole suite.

The database. Each test runs inside one transaction that is rolled back when it ends (``RolledBackTransaction``
in tests/dbutil.py): the test's own session and every request's commit to SAVEPOINTs on one connection, and
nothing is left behind. A test whose data must be seen by another connection, thread or process commits for
real instead, and every table is emptied after it. That is the case when it:

- is marked ``@pytest.mark.commits`` (or listed in ``COMMITS`` below, for files this conftest cannot mark),
- asks for ``database_url`` (it hands the database to gunicorn processes or a second app), or
- asks for ``live_server`` (browser tests: the app is served from other threads).

A test that forgets, and opens a second connection anyway, fails at once with a message saying so.

Each pytest-xdist worker is its own process, with its own database (``suite_database``) and free ports.
"""

import itertools
import json
import os
import re
from datetime import UTC, date, datetime

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event

from app import create_app
from app.auth import services as auth_services
from app.auth.models import Role
from app.bodies.models import BodyKind, SeatSelection
from app.extensions import db as _db
from app.extensions import limiter
from config import TestingConfig
from tests import serverlogs
from tests.browser import close_chromium, serve_in_thread
from tests.dbutil import BACKEND, RolledBackTransaction, empty_tables, fresh_database

pytest_plugins = ["pytester", "tests.template_queries", "tests.storage_backends"]


PASSWORD = "correct-horse-battery"

#: Tests in files outside this conftest's care that need real commits, with the reason (add the marker in the
#: file itself instead when you touch it).
COMMITS = {
    "tests/test_config.py::test_sqlite_runs_in_wal_mode_with_busy_timeout": "reads PRAGMAs on a connection of its own",
}


def pytest_configure(config):
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller has done this before starting it
    _compile_catalogs()
    if config.pluginmanager.hasplugin("xdist") and config.getoption("maxschedchunk", None) is None:
        # xdist hands each worker a quarter of its share of the tests at once, in collection order; with the
        # slow tests first (see pytest_collection_modifyitems), one worker would get them all. One at a time,
        # each worker takes the next slow test when it is free.
        config.option.maxschedchunk = 1


def _compile_catalogs():
    """`make test` compiles the catalogs; a bare `pytest` after editing a .po gets them compiled here too."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            partial = mo.with_suffix(f".mo.{os.getpid()}")
            with po.open("rb") as src, partial.open("wb") as out:
                write_mo(out, read_po(src))
            partial.replace(mo)  # atomic: a concurrent run never reads half a catalog


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid in COMMITS:
            item.add_marker(pytest.mark.commits(reason=COMMITS[item.nodeid]))
    if hasattr(config, "workerinput"):
        # Under xdist, hand out the slow tests first (browser, then real servers) so that they spread over the
        # workers instead of one worker ending the run alone with several of them. Every worker sorts alike.
        items.sort(key=_slowness)


def _slowness(item) -> int:
    if item.get_closest_marker("browser"):
        return 0
    if {"database_url", "pytester"} & set(getattr(item, "fixturenames", ())):
        return 1  # real app servers, a second pytest run
    return 2


def pytest_sessionfinish(session):
    close_chromium()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    serverlogs.forget()
    try:
        return (yield)
    finally:
        serverlogs.forget()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report shows the log of every server it started (tests/serverlogs.py)."""
    report = yield
    if report.failed and not item.stash.get(_LOGS_SHOWN, False):
        item.stash[_LOGS_SHOWN] = True
        report.sections.extend(serverlogs.sections())
    return report


_LOGS_SHOWN = pytest.StashKey[bool]()

TRANSACTION_CONTROL = re.compile(r"\s*(BEGIN|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.IGNORECASE)


@pytest.fixture(scope="session")
def suite_database(tmp_path_factory):
    """This run's database, schema created: a temp SQLite file or a new PostgreSQL database, one per xdist
    worker (each worker is its own process with its own session fixtures), dropped at the end."""
    with fresh_database(BACKEND, tmp_path_factory.mktemp("db")) as url:
        app = make_app(url)
        with app.app_context():
            _db.create_all()  # tests only; the migration test proves the migrations give the same schema
            _db.engine.dispose()
        yield url


@pytest.fixture
def database_url(request, suite_database):
    """The test database's URL, for a test that hands it to something else: gunicorn processes, a second app.

    Asking for it makes the test commit for real (see the module docstring); every table is emptied after it.
    """
    yield suite_database
    if "app" not in request.fixturenames:  # otherwise the app fixture empties them
        engine = create_engine(suite_database)
        try:
            empty_tables(engine, _db.metadata)
        finally:
            engine.dispose()


def commits_for_real(request) -> bool:
    """Whether the test needs real commits (see the module docstring)."""
    return request.node.get_closest_marker("commits") is not None or bool(
        {"database_url", "live_server"} & set(request.fixturenames)
    )


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production.

    The fixtures keep an app context pushed for the whole test; without this, requests would share its
    ``g`` (and the signed-in user Flask-Login caches there) and its database session.
    """

    def open(self, *args, **kwargs):
        ctx = self.application.app_context()
        ctx.push()
        try:
            return super().open(*args, **kwargs)
        finally:
            ctx.pop()
            if has_app_context():
                _db.session.expire_all()  # the test's own session must see what the request wrote


def make_app(url, **overrides):
    config = type("TestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, **overrides})
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


_apps = {}


def reusable_app(url, overrides):
    """The app for these overrides, built once per process and reused by every test that asks for the same.

    Building one costs about 0.1 s (Werkzeug compiles every URL rule), which was close to half of the suite's
    time. The ``app`` fixture undoes each test's changes to ``app.config``; nothing else on the app object
    changes between tests. Not reused: an app with rate limiting on, since Flask-Limiter keeps its switch and
    its storage on the one global ``limiter`` (each test of limits gets a fresh app and fresh counters).
    """
    try:
        key = (url, json.dumps(overrides, sort_keys=True))
    except TypeError:
        return make_app(url, **overrides), True
    if overrides.get("RATELIMIT_ENABLED"):
        return make_app(url, **overrides), True
    app = _apps.get(key)
    if app is None:
        app = _apps[key] = make_app(url, **overrides)
    else:
        # Another app built since may have switched the global limiter on; init_app switches it back off
        # (with limiting off it only reads RATELIMIT_ENABLED).
        limiter.init_app(app)
    return app, False


class Clock:
    """An injectable clock: tests move time forward instead of sleeping."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))


@pytest.fixture
def real_time(clock):
    """Server or worker processes run on the real clock: put the test's clock there too."""
    clock.now = datetime.now(UTC)
    return clock


@pytest.fixture
def app_overrides():
    """Override in a test module (or with indirect parametrization) to change config."""
    return {}


@pytest.fixture
def app(request, suite_database, clock, app_overrides, tmp_path):
    """The app, with an app context pushed for the whole test, and the test's database transaction.

    Rolled back at the end, or real commits and emptied tables: see the module docstring.
    """
    app, fresh = reusable_app(suite_database, app_overrides)
    saved_config = dict(app.config)
    app.config.update(
        CLOCK=clock,
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
        UPLOAD_DIR=str(tmp_path / "uploads"),
        **app_overrides,
    )
    app.extensions.pop("dais.live", None)  # live snapshots are per database: none carried over from another test
    ctx = app.app_context()
    ctx.push()
    transaction = None if commits_for_real(request) else RolledBackTransaction(app, _db, request.node.nodeid)
    try:
        yield app
    finally:
        try:
            _db.session.remove()
            if transaction is not None:
                transaction.close()
            else:
                empty_tables(_db.engine, _db.metadata)
            if fresh or transaction is None:
                _db.engine.dispose()  # connections other threads opened; a fresh app's whole pool
        finally:
            ctx.pop()
            app.config.clear()
            app.config.update(saved_config)


@pytest.fixture
def live_server(app):
    """The app served from a thread on a free port (its base URL); the test commits for real, and the
    server's log is shown if the test fails."""
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


_counter = itertools.count(1)


@pytest.fixture
def create_user(db):
    def factory(role=Role.clerk, *, email=None, password=PASSWORD, display_name=None, member=None, active=True):
        n = next(_counter)
        role = Role(role)
        user = auth_services.create_user(
            email=email or f"{role.value}{n}@city.example",
            display_name=display_name or f"{role.value.title()} {n}",
            password=password,
            role=role,
            member_id=member.id if member else None,
            actor=None,
        )
        user.active = active
        db.session.commit()
        return user

    return factory


#: Test bodies' rules and seats take effect on this day, so every meeting a test makes falls under them.
SINCE = date(2000, 1, 1)


@pytest.fixture
def create_body(db):
    """A body made through the setup service. Rule fields (quorum_rule, seconds_required...) go into its first
    rules version; ``seat_count`` seats "Seat 1".. are created."""
    from app.bodies import services

    def factory(**overrides):
        n = next(_counter)
        rules = {k: overrides.pop(k) for k in list(overrides) if k in services.RULE_FIELDS}
        body = services.create_body(
            name=overrides.pop("name", f"Board {n}"),
            kind=overrides.pop("kind", BodyKind.board),
            seat_count=overrides.pop("seat_count", 5),
            rules=services.RulesInput(effective_on=SINCE, **rules),
            actor=None,
            **overrides,
        )
        db.session.commit()
        return body

    return factory


@pytest.fixture
def create_member(db):
    """A member, with a term in ``body`` if given: in the seat numbered ``seat_number`` if it is free, else in the
    first free seat, else in a new seat."""
    from app.bodies import people, services

    def factory(body=None, *, full_name=None, title="Commissioner", seat_number=1, is_chair=False, **overrides):
        n = next(_counter)
        name = full_name or f"Member {n}"
        member = people.create_member(
            people.MemberInput(full_name=name, sort_name=name.split()[-1] + ", " + name.split()[0]), actor=None
        )
        if body is not None:
            start = overrides.get("term_start_on", date(2020, 1, 1))
            end = overrides.get("term_end_on")
            taken = {m.seat_id for m in body.memberships if m.is_current(start) or m.is_current(end or date.max)}
            free = [s for s in body.seats if s.id not in taken and s.is_active(start)]
            seat = next((s for s in free if s.number == seat_number), None) or (free[0] if free else None)
            if seat is None:
                seat = services.add_seat(
                    body,
                    label=f"Seat {len(body.seats) + 1}",
                    selection=SeatSelection.elected,
                    established_on=SINCE,
                    actor=None,
                )
            term = people.add_term(
                body,
                member,
                people.TermInput(seat_id=seat.id, term_start_on=start, term_end_on=end, title=title),
                actor=None,
            )
            term.is_chair = is_chair
        db.session.commit()
        return member

    return factory


def login(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


@pytest.fixture
def login_as(client, create_user):
    """Sign the test client in with a new user of ``role`` and return that user."""

    def do(role, **kwargs):
        user = create_user(role, **kwargs)
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


@pytest.fixture
def count_queries(app):
    """Context manager counting SQL statements sent to the database.

    Transaction control (BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO) is left out: the rollback-per-test scheme
    turns every session's transaction into a SAVEPOINT, which production never sends.
    """
    import contextlib

    @contextlib.contextmanager
    def counter():
        statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if not TRANSACTION_CONTROL.match(statement):
                statements.append(statement)

        engine = _db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counter


@pytest.fixture
def create_meeting(db, create_body):
    """A meeting of a (new or given) body; kind special by default, starting 10 days after the clock."""

    def factory(body=None, *, kind="special", start_in=None, status=None, **overrides):
        from datetime import timedelta

        from app.core.timeutil import utcnow
        from app.meetings.models import Meeting, MeetingKind, MeetingStatus

        body = body or create_body(name=f"Commission {next(_counter)}", seat_count=7)
        start = overrides.pop("start_at", None) or utcnow() + (start_in or timedelta(days=10))
        meeting = Meeting(
            body_id=body.id,
            kind=MeetingKind(kind),
            title=overrides.pop("title", "Special meeting"),
            start_at=start,
            location=overrides.pop("location", "City Hall, 1300 White Street"),
            purpose=overrides.pop("purpose", "Consider the 287(g) agreement"),
            status=MeetingStatus.draft,
            **overrides,
        )
        db.session.add(meeting)
        db.session.commit()
        if status is not None:
            meeting.status = MeetingStatus(status)
            if status != "draft":
                meeting.first_published_at = utcnow()
            db.session.commit()
        return meeting

    return factory


@pytest.fixture
def outbox(app):
    """The .eml files the dev outbox received, parsed, oldest first."""
    import email
    from email import policy
    from pathlib import Path

    def read():
        files = sorted(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]

    return read


@pytest.fixture
def closed_port():
    """A local port nothing listens on: a mail server that is down."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """An SMTP server (aiosmtpd) that keeps what it receives; ``answer`` can refuse addresses."""

    def __init__(self):
        self.messages = []
        self.refuse: dict[str, str] = {}
        self.delay = 0.0  #: seconds to wait before answering each message (a slow server)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        self.messages.append(envelope)
        return "250 OK"

    def parsed(self):
        import email
        from email import policy

        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.messages]


@pytest.fixture
def smtp_sink(app):
    """A real SMTP server on a free port, and the app configured to send through it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = SmtpSink()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def open_meeting(db, create_meeting):
    """A regular meeting 10 days after the clock: noticed, agenda published, sign-up open.

    Items: a resolution taking comment, general public comment, and a ministerial item exempt from comment.
    """
    from app.meetings import agenda, lifecycle
    from app.meetings.models import AgendaItemType, CommentExemption

    def factory(body=None, **overrides):
        meeting = create_meeting(body, kind="regular", **overrides)
        lifecycle.publish_meeting(meeting, actor=None)
        agenda.add_item(
            meeting,
            section="Public Comment",
            title="General public comment",
            body_md="",
            item_type=AgendaItemType.report,
            actor=None,
        )
        agenda.add_item(
            meeting,
            section="Resolutions",
            title="Resolution on the 287(g) agreement",
            body_md="",
            item_type=AgendaItemType.resolution,
            actor=None,
        )
        agenda.add_item(
            meeting,
            section="Consent Agenda",
            title="Approval of minutes",
            body_md="",
            item_type=AgendaItemType.ministerial,
            public_comment_required=False,
            comment_exemption=CommentExemption.ministerial,
            actor=None,
        )
        agenda.publish_agenda(meeting, actor=None)
        db.session.commit()
        return meeting

    return factory


@pytest.fixture
def commission(create_body, create_member):
    """A seven-seat commission (tests/votes_helpers.py), as (body, members)."""
    from tests.votes_helpers import make_commission

    return make_commission(create_body, create_member)


@pytest.fixture
def members(commission):
    """The commission's members by first name."""
    return {m.full_name.split()[0]: m for m in commission[1]}


# --- the city profile (app/city): tests/test_city_profile.py, test_first_run.py, test_setup_checklist.py ---------


@pytest.fixture
def set_city(db):
    """Save the city profile through its service: ``set_city(name_en="Town of Example", timezone=...)``."""

    def factory(**fields):
        from app.city.services import update_city_profile

        values = {"name_en": "Town of Example", "timezone": "America/New_York", "record_language": "en"}
        values.update(fields)
        profile = update_city_profile(actor_label="test", **values)
        db.session.commit()
        return profile

    return factory
