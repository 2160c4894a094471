"""Is this exception the database being busy or down? Then the answer is 503 and "try again", never a 500.

``is_database_busy``: the database is there but could not take this work now: SQLite's write lock did not come
within the busy timeout, PostgreSQL gave up on a lock, a serialization failure or a deadlock, or every pooled
connection stayed in use. Sending the same thing again a moment later normally works.

``is_database_down``: no connection could be made (the server is stopped, the file cannot be opened) or the
connection was lost mid-request.

Both look through SQLAlchemy's wrapper (``.orig``) and the exception chain (``__cause__``, ``__context__``),
so an error re-raised by a service is still recognised.
"""

import sqlite3

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine

#: SQLite result codes (the primary code is the low byte of an extended one such as SQLITE_BUSY_SNAPSHOT).
SQLITE_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
SQLITE_BUSY_MESSAGES = ("database is locked", "database is busy", "database table is locked")

#: PostgreSQL SQLSTATEs of work refused for now: serialization_failure, deadlock_detected, lock_not_available
#: (lock_timeout, NOWAIT), query_canceled (statement_timeout), too_many_connections.
POSTGRES_BUSY_STATES = frozenset({"40001", "40P01", "55P03", "57014", "53300"})
#: admin_shutdown, crash_shutdown, cannot_connect_now (starting up or recovering); class 08 is connection loss.
POSTGRES_DOWN_STATES = frozenset({"57P01", "57P02", "57P03"})

#: Seconds a client is told to wait (Retry-After).
RETRY_AFTER_BUSY = 5
RETRY_AFTER_DOWN = 30

_AT_CONNECT = "dais_failed_to_connect"  # set on SQLAlchemy's exception when no connection could be made
_COMMITTED = "_dais_committed"  # on the request: a transaction was committed during it


def _chain(exc: BaseException):
    """The exception, what it wraps, and what caused it, each once."""
    seen, todo = set(), [exc]
    while todo and len(seen) < 20:
        current = todo.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [getattr(current, "orig", None), current.__cause__, current.__context__]


def _sqlstate(error) -> str | None:
    return getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)  # psycopg 3, psycopg2


def _sqlite_busy(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in SQLITE_BUSY_CODES:
        return True
    message = str(error).lower()
    return any(text in message for text in SQLITE_BUSY_MESSAGES)


def is_database_busy(exc: BaseException) -> bool:
    """True when the database was reachable but could not do this work now; trying again later should work."""
    for error in _chain(exc):
        if isinstance(error, sa_exc.TimeoutError):  # the connection pool stayed full for pool_timeout
            return True
        if isinstance(error, sqlite3.Error) and _sqlite_busy(error):
            return True
        if _sqlstate(error) in POSTGRES_BUSY_STATES:
            return True
    return False


def is_database_down(exc: BaseException) -> bool:
    """True when no connection to the database could be made, or the one in use was lost."""
    for error in _chain(exc):
        if isinstance(error, sa_exc.DBAPIError) and (
            error.connection_invalidated or getattr(error, _AT_CONNECT, False)
        ):
            return True
        state = _sqlstate(error)
        if state and (state.startswith("08") or state in POSTGRES_DOWN_STATES):
            return True
    return False


def committed_during_request() -> bool:
    """Whether this request already committed a transaction (then "nothing was saved" may not be true)."""
    return has_request_context() and getattr(request, _COMMITTED, False)


@event.listens_for(Engine, "handle_error")
def _mark_connect_failures(context):
    # SQLAlchemy passes no Connection when the failure happened while connecting (server down, file missing).
    if context.connection is None and context.sqlalchemy_exception is not None:
        setattr(context.sqlalchemy_exception, _AT_CONNECT, True)


@event.listens_for(Engine, "commit")
def _note_commit(conn):
    if has_request_context():
        setattr(request, _COMMITTED, True)
