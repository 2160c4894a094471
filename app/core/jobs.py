"""Background jobs: RQ on Redis in production, a thread of the dev server without Redis, inline in the tests.

A job here is only a nudge ("deliver what is due"): the work itself is in the database (the mail outbox), so a
job that is lost (Redis down, a worker killed) loses nothing. Every worker, and the dev server's thread, also
runs the registered *tick* functions every JOBS_TICK_SECONDS, which find what is due (a retry whose time has
come, messages a dead worker had claimed) and enqueue it again.

Backends (JOBS_BACKEND; empty chooses "rq" when REDIS_URL is set, else "thread"):

* ``rq``: jobs go to the RQ queue ``dais`` on REDIS_URL; ``flask worker`` (``make worker``) runs them.
* ``thread``: one background thread of this process runs them, in order (``make run`` without Redis).
* ``eager``: run at once, in this thread, in an app context of their own (the test suite's default).
* ``none``: nothing runs on its own; ``tick`` (or ``flask worker --burst``) does the work when called.

Jobs that a change asks for are handed over only once its transaction commits (``after_commit``): a rolled-back
change starts nothing, and a job never runs before the rows it needs are visible.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import import_string

QUEUE_NAME = "dais"
_PENDING = "dais.jobs"
_ticks: list = []


def backend(app=None) -> str:
    config = (app or current_app).config
    return config.get("JOBS_BACKEND") or ("rq" if config.get("REDIS_URL") else "thread")


def on_tick(function):
    """Register ``function()`` to run in an app context at every tick of a worker (and of the dev server)."""
    if function not in _ticks:
        _ticks.append(function)
    return function


def run(path: str, *args) -> None:
    """Run the job ``path(*args)`` in an app context of its own (a fresh database session, removed after)."""
    app = current_app._get_current_object()
    with app.app_context():
        import_string(path)(*args)


def _redis(app):
    from redis import Redis

    return Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)


def queue(app=None):
    from rq import Queue

    app = app or current_app._get_current_object()
    return Queue(
        app.config.get("JOBS_QUEUE") or QUEUE_NAME,
        connection=_redis(app),
        default_timeout=app.config["JOBS_TIMEOUT_SECONDS"],
    )


def queued_count(app=None) -> int:
    """Jobs waiting in the queue (0 for the inline backends)."""
    app = app or current_app._get_current_object()
    if backend(app) == "rq":
        return queue(app).count
    executor = app.extensions.get("dais.jobs")
    return executor._work_queue.qsize() if executor else 0


def enqueue(path: str, *args) -> bool:
    """Hand the job ``path(*args)`` to the backend now. Never raises: a job that cannot be handed over is
    logged and left to the next tick (the outbox keeps the work). Returns whether it was handed over."""
    app = current_app._get_current_object()
    kind = backend(app)
    try:
        if kind == "rq":
            queue(app).enqueue(run, path, *args, result_ttl=0, failure_ttl=7 * 86400)
        elif kind == "thread":
            _executor(app).submit(_in_thread, app, path, args)
        elif kind == "eager":
            run(path, *args)
        elif kind == "none":
            return False
        else:
            raise ValueError(f"JOBS_BACKEND must be rq, thread or eager, not {kind!r}")
    except Exception:  # noqa: BLE001 (Redis down or the job failed: the work stays in the database for the next tick)
        app.logger.exception("job %s%r not run now; the next tick will find its work", path, args)
        return False
    return True


def after_commit(path: str, *args) -> None:
    """Enqueue ``path(*args)`` once the current transaction commits; forget it if the transaction rolls back."""
    from app.extensions import db

    pending = db.session().info.setdefault(_PENDING, [])
    if (path, args) not in pending:
        pending.append((path, args))


@event.listens_for(Session, "after_commit")
def _hand_over(session):
    # SQLAlchemy sends after_commit for a SAVEPOINT's release too; the rows are visible to a worker only once
    # the outermost transaction has committed.
    if session.get_nested_transaction() is not None:
        return
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context():
        return
    for path, args in pending:
        enqueue(path, *args)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole transaction, not a SAVEPOINT inside it
        session.info.pop(_PENDING, None)


# --- the thread backend (make run without Redis) -------------------------------------------------------------


def _executor(app) -> ThreadPoolExecutor:
    executor = app.extensions.get("dais.jobs")
    if executor is None:
        with _start_lock:
            executor = app.extensions.get("dais.jobs")
            if executor is None:
                executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dais-jobs")
                app.extensions["dais.jobs"] = executor
    return executor


_start_lock = threading.Lock()


def _in_thread(app, path, args) -> None:
    try:
        with app.app_context():
            run(path, *args)
    except Exception:  # noqa: BLE001 (a thread has no one to raise to; the work stays in the database)
        app.logger.exception("job %s%r failed", path, args)


def tick(app) -> None:
    """Run every tick function once, each in its own app context; one failing does not stop the others."""
    for function in list(_ticks):
        try:
            with app.app_context():
                function()
        except Exception:  # noqa: BLE001 (the database may be down for a moment: the next tick tries again)
            app.logger.exception("tick %s failed", getattr(function, "__name__", function))


def start_ticker(app, *, daemon: bool = True) -> threading.Thread | None:
    """A thread that runs the ticks every JOBS_TICK_SECONDS until the process ends (once per app)."""
    if app.extensions.get("dais.ticker"):
        return None
    stop = threading.Event()
    app.extensions["dais.ticker"] = stop

    def loop():
        while not stop.wait(app.config["JOBS_TICK_SECONDS"]):
            tick(app)

    thread = threading.Thread(target=loop, name="dais-ticker", daemon=daemon)
    thread.start()
    return thread


def init_app(app) -> None:
    """With the thread backend, the serving process delivers: its ticker starts with its first request (so a
    `flask` command that only migrates or seeds starts no thread)."""

    @app.before_request
    def _start_thread_backend():
        if backend(app) == "thread" and not app.testing and not app.extensions.get("dais.ticker"):
            start_ticker(app)
            tick(app)  # what an earlier run left queued goes out now, not at the first tick


def run_worker(app, *, burst: bool = False) -> None:
    """``flask worker``: an RQ worker on REDIS_URL, with the ticker. Jobs run in this process, one at a time
    (RQ's SimpleWorker: no fork, so the database pool is never shared between processes)."""
    from rq import SimpleWorker

    if backend(app) != "rq":
        raise RuntimeError(
            "flask worker needs REDIS_URL (and JOBS_BACKEND empty or 'rq'). Without Redis, `flask run` delivers "
            "mail from a background thread of its own."
        )
    tick(app)  # resume: anything queued, retrying, or claimed by a worker that died is enqueued again
    if not burst:
        start_ticker(app)
    worker = SimpleWorker([queue(app)], connection=_redis(app))
    worker.work(burst=burst, logging_level=app.config.get("JOBS_LOG_LEVEL", "INFO"), with_scheduler=False)
