"""SQLite transaction control (app/core/sqlite.py): our own BEGIN, savepoints, and waiting for the write lock.

These run on a SQLite file of their own whatever DAIS_TEST_DB says: they are about SQLite.
"""

import sqlite3
import threading
import time

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.core import sqlite as sqlite_tx

NOTES = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "tx.sqlite3")


@pytest.fixture
def engine(path):
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql(NOTES)
    yield engine
    engine.dispose()


@pytest.fixture
def short_busy_timeout(monkeypatch):
    monkeypatch.setattr(sqlite_tx, "BUSY_TIMEOUT_MS", 300)


def bodies(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(text("SELECT body FROM notes ORDER BY id")))


def add(conn_or_session, body: str):
    conn_or_session.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": body})


def other_writer_can_begin(path: str) -> bool:
    """Whether another connection could take the write lock right now (without waiting)."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    else:
        other.execute("ROLLBACK")
        return True
    finally:
        other.close()


@pytest.fixture
def holder(path):
    """Another connection, able to hold the write lock from another thread."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    yield conn
    if conn.in_transaction:
        conn.rollback()
    conn.close()


# --- savepoints ------------------------------------------------------------------------------------


def test_savepoint_rolled_back_inside_an_outer_transaction_discards_only_its_own_writes(engine):
    with engine.connect() as conn:
        outer = conn.begin()
        add(conn, "before")
        savepoint = conn.begin_nested()
        add(conn, "inside")
        savepoint.rollback()
        add(conn, "after")
        outer.commit()
    assert bodies(engine) == ["before", "after"]


def test_nested_orm_savepoints_on_sqlite(engine):
    with Session(engine) as session:
        add(session, "kept")
        nested = session.begin_nested()
        add(session, "rolled back")
        nested.rollback()
        with session.begin_nested():
            add(session, "released")
        session.commit()
    assert bodies(engine) == ["kept", "released"]


def test_rollback_per_test_pattern_leaves_nothing_behind(engine):
    """The fixture pattern: an outer transaction, a session that commits only savepoints, then a rollback.

    Under pysqlite's own transaction handling the first SAVEPOINT opened a transaction by itself and RELEASE
    committed it, so the outer rollback undid nothing."""
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        add(session, "committed by the test")
        session.commit()
        add(session, "rolled back by the test")
        session.rollback()
        assert list(session.scalars(text("SELECT body FROM notes"))) == ["committed by the test"]
        session.close()
        outer.rollback()
    assert bodies(engine) == []


def test_ddl_is_transactional(engine):
    with engine.connect() as conn:
        conn.begin()
        conn.exec_driver_sql("CREATE TABLE scratch (x INTEGER)")
        conn.rollback()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name = 'scratch'").first() is None


# --- how a transaction begins ----------------------------------------------------------------------


def test_begin_mode_follows_the_request():
    web = Flask(__name__)
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        assert sqlite_tx.begin_mode(conn) == sqlite_tx.ON_FIRST_WRITE  # CLI, jobs, tests
        for method in ("GET", "HEAD", "OPTIONS"):
            with web.test_request_context("/", method=method):
                assert sqlite_tx.begin_mode(conn) == sqlite_tx.ON_FIRST_WRITE
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            with web.test_request_context("/", method=method):
                assert sqlite_tx.begin_mode(conn) == sqlite_tx.IMMEDIATE
                assert sqlite_tx.begin_mode(conn) == sqlite_tx.ON_FIRST_WRITE  # after the request's first one
        assert sqlite_tx.begin_mode(conn.execution_options(sqlite_begin="immediate")) == sqlite_tx.IMMEDIATE
        assert sqlite_tx.begin_mode(conn.execution_options(sqlite_begin="deferred")) == sqlite_tx.DEFERRED
        with pytest.raises(ValueError):
            sqlite_tx.begin_mode(conn.execution_options(sqlite_begin="exclusive"))


def test_a_writing_request_holds_the_write_lock_from_its_first_query(engine, path):
    web = Flask(__name__)
    with web.test_request_context("/", method="POST"), engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM notes"))
        assert not other_writer_can_begin(path)
        conn.commit()
        assert other_writer_can_begin(path)
        conn.execute(text("SELECT count(*) FROM notes"))  # a later transaction: no lock until it writes
        assert other_writer_can_begin(path)
        add(conn, "second")
        assert not other_writer_can_begin(path)
        conn.rollback()
    assert other_writer_can_begin(path)


def test_a_reading_request_takes_no_lock_and_its_session_never_reads_stale_data(engine, path, holder):
    """A session can outlive the request it read in (the test session does): it must not keep a snapshot."""
    web = Flask(__name__)
    with engine.connect() as conn:
        with web.test_request_context("/", method="GET"):
            assert conn.scalar(text("SELECT count(*) FROM notes")) == 0
            assert other_writer_can_begin(path)
        holder.execute("INSERT INTO notes (body) VALUES ('meanwhile')")
        assert conn.scalar(text("SELECT count(*) FROM notes")) == 1
        add(conn, "mine")  # and writing after reading waits for the lock instead of failing at once
        conn.commit()
    assert bodies(engine) == ["meanwhile", "mine"]


def test_deferred_on_request_gives_one_snapshot(engine, holder):
    with engine.connect().execution_options(sqlite_begin="deferred") as conn:
        assert conn.scalar(text("SELECT count(*) FROM notes")) == 0
        holder.execute("INSERT INTO notes (body) VALUES ('meanwhile')")
        assert conn.scalar(text("SELECT count(*) FROM notes")) == 0


def test_outside_a_request_the_lock_is_taken_at_the_first_write(engine, path, holder):
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM notes")) == 0
        assert other_writer_can_begin(path)
        holder.execute("INSERT INTO notes (body) VALUES ('meanwhile')")
        assert conn.scalar(text("SELECT count(*) FROM notes")) == 1  # reads see the latest commit
        add(conn, "mine")
        assert not other_writer_can_begin(path)
        conn.commit()
    assert bodies(engine) == ["meanwhile", "mine"]


def test_autocommit_connections_get_no_begin_and_the_pool_gives_them_back_under_our_control(engine, path):
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        add(conn, "at once")
        assert bodies(engine) == ["at once"]  # committed without a COMMIT
    with engine.connect() as conn:  # the same pooled connection, put back to isolation_level "" by SQLAlchemy
        conn.begin()
        assert conn.connection.dbapi_connection.isolation_level is None
        add(conn, "rolled back")
        conn.rollback()
    assert bodies(engine) == ["at once"]


# --- waiting for the write lock --------------------------------------------------------------------


def test_a_deferred_transaction_that_has_read_fails_at_once_but_an_immediate_one_waits(engine, holder):
    """Why writing requests BEGIN IMMEDIATE: SQLite will not let a transaction holding a read snapshot wait
    for the write lock, whatever the busy timeout."""
    with engine.connect().execution_options(sqlite_begin="deferred") as conn:
        conn.execute(text("SELECT count(*) FROM notes"))  # the snapshot
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO notes (body) VALUES ('other')")
        released = threading.Event()

        def release():
            holder.commit()
            released.set()

        later = threading.Timer(10, release)  # far beyond any scheduling delay; cancelled once refused
        later.start()
        with pytest.raises(OperationalError, match="database is locked"):
            add(conn, "mine")
        refused_while_held = not released.is_set()
        later.cancel()
        if not released.is_set():
            release()
        assert refused_while_held  # refused without waiting for the holder
        conn.rollback()
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Event()

    def give_up():
        released.set()
        holder.rollback()

    threading.Timer(0.3, give_up).start()
    with engine.connect().execution_options(sqlite_begin="immediate") as conn:
        conn.execute(text("SELECT count(*) FROM notes"))  # waits here, at BEGIN IMMEDIATE
        assert released.is_set()  # it got in only once the holder let go
        add(conn, "mine")
        conn.commit()
    assert bodies(engine) == ["other", "mine"]


def test_a_lock_that_does_not_come_is_database_is_locked_and_frees_the_line(engine, holder, short_busy_timeout):
    holder.execute("BEGIN IMMEDIATE")
    with engine.connect().execution_options(sqlite_begin="immediate") as conn:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            conn.execute(text("SELECT 1"))
        assert time.monotonic() - started >= 0.25  # it waited out the busy timeout
        gate = conn.connection.dbapi_connection.gate
    assert gate.acquire(object(), timeout=0)  # nobody was left holding this process's line
    holder.rollback()


def test_one_database_one_line_per_process(engine, path):
    with engine.connect() as a, create_engine(f"sqlite:///{path}").connect() as b:
        gate = a.connection.dbapi_connection.gate
        assert gate is not None and gate is b.connection.dbapi_connection.gate
    with create_engine("sqlite://").connect() as memory:
        assert memory.connection.dbapi_connection.gate is None  # nobody else can write to it


def test_the_line_is_left_when_the_transaction_ends(engine):
    with engine.connect() as conn:
        gate = conn.connection.dbapi_connection.gate
        for end in (conn.commit, conn.rollback):
            add(conn, "x")
            assert gate._owner is conn.connection.dbapi_connection
            end()
            assert gate._owner is None


def test_threads_of_a_process_are_served_in_arrival_order():
    gate = sqlite_tx.WriteGate()
    first = object()
    assert gate.acquire(first, timeout=0)
    served = []

    def wait(n):
        owner = object()
        assert gate.acquire(owner, timeout=5)
        served.append(n)
        gate.release(owner)

    threads = []
    for n in range(5):
        threads.append(threading.Thread(target=wait, args=(n,)))
        threads[-1].start()
        while len(gate._line) < n + 1:  # each is in line before the next arrives
            time.sleep(0.001)
    gate.release(first)
    for t in threads:
        t.join(5)
    assert served == [0, 1, 2, 3, 4]


def test_a_wait_in_line_that_times_out_leaves_the_line():
    gate = sqlite_tx.WriteGate()
    owner = object()
    assert gate.acquire(owner, timeout=0)
    assert not gate.acquire(object(), timeout=0.05)
    assert not gate._line
    gate.release(owner)
    assert gate.acquire(object(), timeout=0)


def test_statements_sent_for_transaction_control_are_not_the_applications(engine):
    """Our BEGIN goes to the driver directly, like PostgreSQL's implicit one: query counts stay comparable."""
    seen = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    with engine.connect() as conn:
        conn.begin()
        add(conn, "x")
        conn.commit()
    assert not any(s.lstrip().upper().startswith("BEGIN") for s in seen), seen
