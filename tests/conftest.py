import itertools
from datetime import UTC, datetime

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import event

from app import create_app
from app.auth import services as auth_services
from app.auth.models import Role
from app.bodies.models import Body, BodyKind, Member, Membership
from app.extensions import db as _db
from config import TestingConfig
from tests.dbutil import BACKEND, fresh_database

pytest_plugins = ["tests.template_queries"]

PASSWORD = "correct-horse-battery"


def pytest_configure(config):
    """`make test` compiles the catalogs; a bare `pytest` after editing a .po gets them compiled here too."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as src, mo.open("wb") as out:
                write_mo(out, read_po(src))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with fresh_database(BACKEND, tmp_path_factory.mktemp("db")) as url:
        app = make_app(url)
        with app.app_context():
            _db.create_all()  # tests only; the migration test proves the migrations give the same schema
            _db.engine.dispose()
        yield url


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
def app_overrides():
    """Override in a test module (or with indirect parametrization) to change config."""
    return {}


@pytest.fixture
def app(database_url, clock, app_overrides, tmp_path):
    settings = {"CLOCK": clock, "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), **app_overrides}
    app = make_app(database_url, **settings)
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())
        _db.engine.dispose()
        ctx.pop()


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


@pytest.fixture
def create_body(db):
    def factory(**overrides):
        n = next(_counter)
        fields = {"name": f"Board {n}", "kind": BodyKind.board, "seat_count": 5}
        fields.update(overrides)
        body = Body(**fields)
        db.session.add(body)
        db.session.commit()
        return body

    return factory


@pytest.fixture
def create_member(db):
    def factory(body=None, *, full_name=None, title="Commissioner", seat_number=1, is_chair=False, **overrides):
        from datetime import date

        n = next(_counter)
        name = full_name or f"Member {n}"
        member = Member(full_name=name, sort_name=name.split()[-1] + ", " + name.split()[0])
        db.session.add(member)
        db.session.flush()
        if body is not None:
            db.session.add(
                Membership(
                    member_id=member.id,
                    body_id=body.id,
                    title=title,
                    seat=f"Seat {seat_number}",
                    seat_number=seat_number,
                    is_chair=is_chair,
                    term_start_on=overrides.get("term_start_on", date(2020, 1, 1)),
                    term_end_on=overrides.get("term_end_on"),
                )
            )
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
    """Context manager counting SQL statements sent to the database."""
    import contextlib

    @contextlib.contextmanager
    def counter():
        statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
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
