"""SQLite that waits instead of failing: WAL, a busy timeout, foreign keys, and our own transaction control.

Why this module, not pysqlite, begins transactions
--------------------------------------------------
SQLite has one writer at a time. ``busy_timeout`` makes a connection that wants the write lock wait for it
(up to BUSY_TIMEOUT_MS) instead of failing with "database is locked", but SQLite calls the busy handler only
for a connection that has no read transaction open (btree.c, sqlite3BtreeBeginTrans: the retry loop runs only
while ``inTransaction == TRANS_NONE``). A *deferred* transaction (plain ``BEGIN``) that has read something
holds a read snapshot; when it then writes it must upgrade to the write lock, and if another connection holds
that lock, or has committed since the snapshot was taken (SQLITE_BUSY_SNAPSHOT in WAL mode), SQLite answers
SQLITE_BUSY at once, without waiting: waiting could deadlock (two readers each waiting to write) or could not
help (the snapshot is stale). A read-then-write deferred transaction therefore fails immediately under
contention, whatever the busy timeout. ``BEGIN IMMEDIATE`` takes the write lock first, before any read, while
waiting is still allowed: the request queues for the lock, then reads and writes with nobody in between.

pysqlite's default transaction emulation gets in the way: it sends ``BEGIN`` (deferred) on its own just before
the first INSERT/UPDATE/DELETE and runs everything before that in autocommit, so the reads that decide a write
are not in its transaction, DDL is not transactional, and ``SAVEPOINT`` (SQLAlchemy's ``begin_nested()``) does
not nest. So, following SQLAlchemy 2.0's recipe for Python before 3.12 ("Transactions with SQLite and the
sqlite3 driver", in its SQLite dialect docs), pysqlite is put in autocommit (``isolation_level = None``) and
the ``begin`` event sends the BEGIN, in the mode the transaction needs. (On Python 3.12 and later do not also
pass ``autocommit=False``: the driver would then open deferred transactions of its own.)

* in a request whose method may write (anything but GET, HEAD, OPTIONS): the request's first transaction is
  ``BEGIN IMMEDIATE``, so its reads (validation, duplicate checks, the queue counter) and its writes are one
  atomic unit and it waits its turn for the lock instead of failing;
* everywhere else (GET, HEAD and OPTIONS requests, CLI commands, jobs, the test session, and a writing
  request's later transactions, after its first one ended): ``BEGIN IMMEDIATE`` *at the first statement that
  is not a SELECT*, reads before it running in autocommit, as pysqlite ran them. Here there is no method to
  tell whether a transaction will write, and both fixed choices are unsafe: a deferred BEGIN keeps a snapshot
  that goes stale while others write (a job, or any session that outlives its request, such as the test
  session, reads old data, and its first write fails at once with SQLITE_BUSY), while BEGIN IMMEDIATE at the
  start would hold the only write lock through all of a job's reads, stalling every resident's form for as
  long. Taking the lock at the first write waits safely (no snapshot is open yet) and holds it only while
  writing; a page that only reads never takes it, and never holds back a WAL checkpoint for longer than one
  statement. Reads before the first write see the latest committed data, as under PostgreSQL's READ
  COMMITTED, which the services are written for (counters use UPDATE ... RETURNING, inserts ON CONFLICT).
  A caller that needs a read-modify-write to be atomic asks for the lock up front, before its first query:
  ``db.session.connection(execution_options={"sqlite_begin": "immediate"})`` (``"deferred"`` gives one
  consistent snapshot, for a report that only reads).

``SAVEPOINT`` counts as a write: ``begin_nested()`` inside an outer transaction begins it IMMEDIATE first.

Waiting for the lock
--------------------
Under pysqlite's emulation the requests' reads ran outside their transaction, so their writes could wait; the
"database is locked" 500s under load were waits that ran past the busy timeout, because SQLite's busy handler
is not a queue (see WriteGate). Every BEGIN IMMEDIATE here therefore first queues, first come first served,
behind the other threads of the same process, and only the head of that line polls SQLite, finely, against
the other processes. A wait longer than BUSY_TIMEOUT_MS in all is still "database is locked": app/errors.py
answers it with a 503 and the form kept, never a 500.
"""

import os
import sqlite3
import threading
import time
from collections import deque

from flask import has_request_context, request
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine

#: How long a connection waits for the write lock before SQLite gives up with "database is locked".
BUSY_TIMEOUT_MS = 10_000
#: How often the first thread in line asks again for the write lock while another process holds it.
POLL_SECONDS = 0.001

IMMEDIATE, DEFERRED, ON_FIRST_WRITE = "immediate", "deferred", "on_first_write"
BEGIN_MODES = (IMMEDIATE, DEFERRED, ON_FIRST_WRITE)
#: HTTP methods that must not change anything (RFC 9110 "safe"): their transactions never write.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_PENDING = "dais_sqlite_begin_pending"  # in Connection.info: BEGIN IMMEDIATE is owed before the next write
_REQUEST_FLAG = "_dais_sqlite_write_began"  # on the request: its first writing transaction has begun


def _is_pysqlite(dbapi_connection) -> bool:
    return isinstance(dbapi_connection, sqlite3.Connection)


class WriteGate:
    """First come, first served: the queue for one database file's write lock, among this process's threads.

    SQLite's own busy handler is not a queue. Each waiter sleeps and retries with a growing pause (1, 2, 5 ...
    up to 100 ms), so the lock is often free while everybody sleeps, and a request that has waited long retries
    least often: newcomers overtake it again and again until its busy timeout runs out ("database is locked"
    under load, though the total work would have fit in the time). Here the threads of one process wait in
    line and are woken as soon as the one before them commits; only the thread at the head of the line
    competes for SQLite's lock, with the other processes.
    """

    def __init__(self):
        self._mutex = threading.Lock()
        self._line: deque = deque()  # (ticket, owner) of the waiting threads, in arrival order
        self._owner = None  # the driver connection that holds the gate

    def acquire(self, owner, timeout: float) -> bool:
        with self._mutex:
            if self._owner is None or self._owner is owner:
                self._owner = owner
                return True
            ticket = threading.Lock()
            ticket.acquire()
            self._line.append((ticket, owner))
        if ticket.acquire(timeout=timeout):
            return True  # release() made us the owner, then woke us
        with self._mutex:
            if self._owner is owner:  # handed over just as the wait ran out
                return True
            self._line.remove((ticket, owner))
            return False

    def release(self, owner) -> None:
        with self._mutex:
            if self._owner is not owner:
                return
            if self._line:
                ticket, self._owner = self._line.popleft()
                ticket.release()
            else:
                self._owner = None


_gates: dict[str, WriteGate] = {}
_gates_mutex = threading.Lock()


def _gate_for(path: str) -> WriteGate:
    with _gates_mutex:
        return _gates.setdefault(path, WriteGate())


def _forget_gates():  # a forked worker starts with no thread holding or waiting for anything
    global _gates_mutex
    _gates.clear()
    _gates_mutex = threading.Lock()


os.register_at_fork(after_in_child=_forget_gates)


class GatedConnection(sqlite3.Connection):
    """pysqlite's connection, leaving the write gate when its transaction ends (after the COMMIT or ROLLBACK
    itself, so the next in line finds SQLite's lock free)."""

    gate: WriteGate | None = None

    def _leave_gate(self):
        if self.gate is not None and not self.in_transaction:
            self.gate.release(self)

    def commit(self):
        try:
            super().commit()
        finally:
            self._leave_gate()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._leave_gate()

    def close(self):
        try:
            super().close()
        finally:
            if self.gate is not None:
                self.gate.release(self)


@event.listens_for(Engine, "do_connect")
def _use_gated_connection(dialect, connection_record, cargs, cparams):
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        cparams.setdefault("factory", GatedConnection)


def begin_immediate(dbapi_connection) -> None:
    """BEGIN IMMEDIATE, after waiting in this process's line for the database; raises sqlite3.OperationalError
    "database is locked" when the whole wait is longer than the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    gate = getattr(dbapi_connection, "gate", None)
    if gate is None:  # an in-memory database, or a connection class of someone else's: SQLite's handler waits
        dbapi_connection.execute("BEGIN IMMEDIATE")
        return
    if not gate.acquire(dbapi_connection, timeout=BUSY_TIMEOUT_MS / 1000):
        raise sqlite3.OperationalError("database is locked")
    try:
        # At the head of the line: ask for SQLite's lock every POLL_SECONDS until the deadline. The other
        # processes' threads hand the lock on among themselves at once, so a waiter that retried only every
        # 100 ms, as SQLite's busy handler does after a while, would rarely find it free.
        dbapi_connection.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    dbapi_connection.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    if not _is_busy_code(error) or time.monotonic() >= deadline:
                        raise
                time.sleep(POLL_SECONDS)
        finally:
            dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except BaseException:
        gate.release(dbapi_connection)
        raise


def _is_busy_code(error: sqlite3.Error) -> bool:
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if not _is_pysqlite(dbapi_connection):
        return
    # Autocommit at the driver level: pysqlite sends no BEGIN or COMMIT of its own; _begin below does.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    path = cursor.execute("PRAGMA database_list").fetchone()[2]
    cursor.close()
    if isinstance(dbapi_connection, GatedConnection) and path:  # an in-memory database has no other writer
        dbapi_connection.gate = _gate_for(path)


def begin_mode(conn: Connection) -> str:
    """How a transaction starting now on ``conn`` begins (see the module docstring)."""
    chosen = conn.get_execution_options().get("sqlite_begin")
    if chosen is not None:
        if chosen not in BEGIN_MODES:
            raise ValueError(f"sqlite_begin must be one of {', '.join(BEGIN_MODES)}, not {chosen!r}")
        return chosen
    if not has_request_context() or request.method in READ_ONLY_METHODS or getattr(request, _REQUEST_FLAG, False):
        return ON_FIRST_WRITE
    setattr(request, _REQUEST_FLAG, True)
    return IMMEDIATE


@event.listens_for(Engine, "begin")
def _begin(conn: Connection):
    dbapi_connection = conn.connection.dbapi_connection
    if not _is_pysqlite(dbapi_connection):
        return
    conn.info[_PENDING] = False
    # SQLAlchemy puts pysqlite back to isolation_level "" when a connection that ran with
    # isolation_level="AUTOCOMMIT" returns to the pool: take control again at every BEGIN.
    dbapi_connection.isolation_level = None
    if conn._is_autocommit_isolation():  # isolation_level="AUTOCOMMIT" asked for: no transaction at all
        return
    mode = begin_mode(conn)
    if mode == ON_FIRST_WRITE:
        conn.info[_PENDING] = True
        return
    statement = "BEGIN IMMEDIATE" if mode == IMMEDIATE else "BEGIN"
    # Sent on the driver connection, like the BEGIN a PostgreSQL driver sends implicitly: it is not a statement
    # of the application's (query counts stay the same on both backends), but its errors are wrapped the usual
    # way, so a lock that never comes is a sqlalchemy.exc.OperationalError ("database is locked").
    try:
        if mode == IMMEDIATE:
            begin_immediate(dbapi_connection)
        else:
            dbapi_connection.execute(statement)
    except sqlite3.Error as error:
        raise exc.DBAPIError.instance(statement, (), error, sqlite3.Error) from error


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _end(conn: Connection):
    if conn.dialect.driver == "pysqlite":
        conn.info.pop(_PENDING, None)


def _is_read(statement: str) -> bool:
    """SELECT takes no lock worth waiting for; anything else (DML, DDL, PRAGMA, SAVEPOINT, WITH) may write."""
    return statement.lstrip()[:6].upper() == "SELECT"


def _begin_before_first_write(cursor, statement, context) -> None:
    # These events fire for every dialect, and on the bare connection SQLAlchemy uses while first connecting
    # (which has no .info of its own): look at nothing before knowing it is pysqlite. An exception here would
    # be taken for the statement's (PostgreSQL's version check would quietly come back empty).
    if not isinstance(cursor, sqlite3.Cursor) or _is_read(statement):
        return
    conn = context.root_connection
    try:
        pending = conn.info.get(_PENDING)
    except (AttributeError, NotImplementedError):
        return
    if not pending:
        return
    conn.info[_PENDING] = False
    # Runs inside SQLAlchemy's execute error handling, so a lock that never comes is raised as the usual
    # sqlalchemy.exc.OperationalError ("database is locked") for the statement that needed it.
    begin_immediate(cursor.connection)


# The dialect-level execute events run inside SQLAlchemy's try block (before_cursor_execute does not), so an
# error from the BEGIN is wrapped and reported like any other.
@event.listens_for(Engine, "do_execute")
def _do_execute(cursor, statement, parameters, context):
    _begin_before_first_write(cursor, statement, context)


@event.listens_for(Engine, "do_execute_no_params")
def _do_execute_no_params(cursor, statement, context):
    _begin_before_first_write(cursor, statement, context)


@event.listens_for(Engine, "do_executemany")
def _do_executemany(cursor, statement, parameters, context):
    _begin_before_first_write(cursor, statement, context)
