"""The suite's databases: a fresh, throw-away one per run (and per xdist worker), and the transaction that
each test runs in, rolled back at its end."""

import contextlib
import os
import threading
import uuid

import pytest
from flask import current_app, has_app_context
from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import make_url

from config import normalize_database_url

BACKEND = os.environ.get("DAIS_TEST_DB", "sqlite").lower()


def postgres_base_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalize_database_url(url) if url else None


def require_postgres_or_skip():
    if postgres_base_url():
        return
    message = "TEST_DATABASE_URL is not set: PostgreSQL tests skipped"
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(message + " (REQUIRE_POSTGRES=1)")
    pytest.skip(message)


@contextlib.contextmanager
def fresh_database(backend: str, tmp_path):
    """Yield the URL of an empty database that is removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'dais-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    require_postgres_or_skip()
    base = make_url(postgres_base_url())
    name = f"dais_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def empty_tables(engine: Engine, metadata: MetaData) -> None:
    """Delete every row, children first, in one committed transaction (for tests that really commit)."""
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


class SecondConnectionError(RuntimeError):
    """Raised when a test that runs inside one rolled-back transaction opens another database connection."""


class RolledBackTransaction:
    """Run one test inside a single connection and transaction that are rolled back at the end.

    Flask-SQLAlchemy scopes ``db.session`` to the app context, and the suite's ``IsolatedClient`` pushes a new
    context per request, so one test has many sessions: its own and one per request. Every one of them is bound
    to the same connection, and joins its transaction with ``join_transaction_mode="create_savepoint"``: a
    session's transaction is a SAVEPOINT, ``commit()`` releases it, ``rollback()`` rolls back to it, and nothing
    ever reaches the database for good. The outer transaction is rolled back when the test ends.

    Flask-SQLAlchemy 3.1's ``Session.get_bind`` always answers with the app's engine (it ignores a session's
    ``bind``), so the sessions of this app, in this thread, are pointed at the connection by wrapping
    ``get_bind`` on the session class of ``db.session``'s factory; everything is restored by :meth:`close`.

    Nothing else may use the database during the test: another connection could not see the test's data (and on
    SQLite would wait for its write lock). A second checkout from the engine's pool therefore fails at once with
    :class:`SecondConnectionError`, naming the way out: ``@pytest.mark.commits``.

    SQLite: pysqlite starts transactions on its own and commits before DDL, which breaks SAVEPOINTs. On this
    one connection it is switched off (``isolation_level = None``) and BEGIN is emitted by a "begin" event
    instead, as the SQLAlchemy documentation's pysqlite section recommends.
    """

    def __init__(self, app, db, nodeid: str):
        self.nodeid = nodeid
        self.engine = db.engine
        self.thread = threading.get_ident()
        self.tripped = False
        self.connection = self.engine.connect()
        self._sqlite = self.engine.dialect.name == "sqlite"
        if self._sqlite:
            dbapi = self.connection.connection.dbapi_connection
            self._sqlite_isolation = dbapi.isolation_level
            dbapi.isolation_level = None
            event.listen(self.connection, "begin", _sqlite_begin)
        self.transaction = self.connection.begin()
        event.listen(self.engine.pool, "checkout", self._refuse_second_connection)

        factory = db.session.session_factory
        self._factory = factory
        self._own_get_bind = factory.class_.__dict__.get("get_bind")
        self._join_mode = factory.kw.get("join_transaction_mode")
        inherited = factory.class_.get_bind
        connection, target_app, thread = self.connection, app, self.thread

        def get_bind(session, *args, **kwargs):
            ours = threading.get_ident() == thread and has_app_context()
            if ours and current_app._get_current_object() is target_app:
                return connection
            return inherited(session, *args, **kwargs)

        factory.class_.get_bind = get_bind
        factory.kw["join_transaction_mode"] = "create_savepoint"

    def _refuse_second_connection(self, dbapi_connection, record, proxy):
        self.tripped = True
        raise SecondConnectionError(
            f"{self.nodeid} runs inside one transaction that is rolled back at its end, and something opened a "
            "second database connection (another thread or process, or db.engine used directly), which cannot "
            "see the test's data. If the test needs real commits, mark it @pytest.mark.commits (or ask for the "
            "database_url or live_server fixture): it then commits for real and the tables are emptied after it."
        )

    def close(self) -> None:
        factory = self._factory
        if self._own_get_bind is None:
            del factory.class_.get_bind
        else:
            factory.class_.get_bind = self._own_get_bind
        if self._join_mode is None:
            factory.kw.pop("join_transaction_mode", None)
        else:
            factory.kw["join_transaction_mode"] = self._join_mode
        event.remove(self.engine.pool, "checkout", self._refuse_second_connection)
        try:
            if self.transaction.is_active:
                self.transaction.rollback()
        finally:
            if self._sqlite and not self.connection.invalidated:
                self.connection.connection.dbapi_connection.isolation_level = self._sqlite_isolation
            self.connection.close()
            if self.tripped:
                self.engine.dispose()  # a refused checkout leaves its connection out of the pool


def _sqlite_begin(conn):
    conn.exec_driver_sql("BEGIN")
