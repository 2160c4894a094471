"""Live updates: every screen of a meeting (cockpit, commissioners' seats, residents' phones, the chamber display,
the public live page) follows one *snapshot* of the meeting, rebuilt once per change and pushed to every viewer.

A service that changes what a live screen shows calls ``touch(meeting_id)`` inside its transaction. When the
outermost transaction commits, the meetings it touched are queued on the session; at the end of the request
(``publish_committed``, an ``after_request`` hook) the snapshot builder registered with ``@snapshot_builder``
(``app/live/snapshot.py``) builds each one once, and the broker publishes it. A rolled-back change publishes
nothing. Viewers never rebuild a snapshot: the Server-Sent Events stream and the ``live.json`` fallback read the
broker's latest copy.

Brokers (``broker()``):

* ``RedisBroker`` when REDIS_URL is set: the snapshot is stored under ``dais:live:<id>`` and announced on the
  channel ``dais:live``; every app server runs one listener thread that keeps its own copy current, so viewers
  connected to any server see a change made on any other.
* ``LocalBroker`` otherwise (``make run``, the tests): the same, in this process only.

Each snapshot carries its version ``v`` (a digest of its content), the SSE event id and the HTTP ETag.
"""

import hashlib
import json
import threading
import time

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

_TOUCHED = "dais.live.touched"
_COMMITTED = "dais.live.committed"
CHANNEL = "dais:live"
_builders: list = []


def snapshot_builder(function):
    """Register ``function(meeting_id) -> dict | None`` (None: the meeting is not public, nothing to show)."""
    _builders[:] = [function]
    return function


def touch(meeting_id: int) -> None:
    """The live view of this meeting changes with the current transaction: publish it once that commits."""
    from app.extensions import db

    db.session().info.setdefault(_TOUCHED, set()).add(meeting_id)


@event.listens_for(Session, "after_commit")
def _committed(session):
    if session.get_nested_transaction() is not None:  # a SAVEPOINT released: the change is not committed yet
        return
    touched = session.info.pop(_TOUCHED, None)
    if touched:
        session.info.setdefault(_COMMITTED, set()).update(touched)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(_TOUCHED, None)


def publish_committed() -> None:
    """Build and publish the snapshot of every meeting a committed change touched (after the response is made)."""
    from app.extensions import db

    meetings = db.session().info.pop(_COMMITTED, None)
    for meeting_id in sorted(meetings or ()):
        publish(meeting_id)


def encode(data: dict) -> tuple[str, str]:
    """(version, JSON text with the version in it)."""
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    version = hashlib.sha256(body.encode()).hexdigest()[:16]
    return version, json.dumps({**data, "v": version}, sort_keys=True, separators=(",", ":"), default=str)


def decode(payload: str) -> dict:
    return json.loads(payload)


def build(meeting_id: int) -> tuple[str, str] | None:
    data = _builders[0](meeting_id) if _builders else None
    return None if data is None else encode(data)


def publish(meeting_id: int) -> tuple[str, str] | None:
    """Build the snapshot now and hand it to every viewer. Never raises: a viewer left behind catches up from
    ``latest`` at its next poll, and the change itself is committed already."""
    try:
        snapshot = build(meeting_id)
        if snapshot is not None:
            broker().publish(meeting_id, *snapshot)
        return snapshot
    except Exception:  # noqa: BLE001 (a lost push must never turn a committed change into an error page)
        current_app.logger.exception("live snapshot of meeting %s not published", meeting_id)
        return None


def latest(meeting_id: int) -> tuple[str, str] | None:
    """The snapshot viewers see: the broker's copy, built now if there is none yet (a fresh server)."""
    snapshot = broker().latest(meeting_id)
    return snapshot if snapshot is not None else publish(meeting_id)


# --- brokers -------------------------------------------------------------------------------------------------


class LocalBroker:
    """The latest snapshot per meeting, in this process; waiters are woken on every change."""

    def __init__(self):
        self._latest: dict[int, tuple[str, str]] = {}
        self._changed = threading.Condition()

    def publish(self, meeting_id: int, version: str, payload: str) -> None:
        self._store(meeting_id, version, payload)

    def _store(self, meeting_id: int, version: str, payload: str) -> None:
        with self._changed:
            if self._latest.get(meeting_id, ("",))[0] != version:
                self._latest[meeting_id] = (version, payload)
                self._changed.notify_all()

    def latest(self, meeting_id: int) -> tuple[str, str] | None:
        return self._latest.get(meeting_id)

    def wait(self, meeting_id: int, seen: str | None, timeout: float) -> tuple[str, str] | None:
        """The snapshot once its version differs from ``seen``; None if nothing changed within ``timeout``."""
        with self._changed:
            changed = self._changed.wait_for(
                lambda: (self._latest.get(meeting_id) or (seen,))[0] != seen, timeout=timeout
            )
            return self._latest.get(meeting_id) if changed else None


class RedisBroker(LocalBroker):
    """Snapshots shared by every app server through Redis; each server keeps a local copy for its viewers."""

    def __init__(self, url: str, logger, channel: str = CHANNEL):
        super().__init__()
        from redis import Redis

        self._redis = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self._url = url
        self._channel = channel
        self._logger = logger
        self._listener: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def publish(self, meeting_id: int, version: str, payload: str) -> None:
        self._store(meeting_id, version, payload)  # this server's viewers need not wait for the round trip
        pipe = self._redis.pipeline()
        pipe.set(f"{self._channel}:{meeting_id}", payload, ex=7 * 86400)
        pipe.publish(self._channel, f"{meeting_id} {version} {payload}")
        pipe.execute()

    def latest(self, meeting_id: int) -> tuple[str, str] | None:
        self.listen()
        snapshot = super().latest(meeting_id)
        if snapshot is None:
            payload = self._redis.get(f"{self._channel}:{meeting_id}")
            if payload is not None:
                payload = payload.decode()
                snapshot = (json.loads(payload)["v"], payload)
                self._store(meeting_id, *snapshot)
        return snapshot

    def wait(self, meeting_id: int, seen: str | None, timeout: float) -> tuple[str, str] | None:
        self.listen()
        return super().wait(meeting_id, seen, timeout)

    def listen(self) -> None:
        """Start this process's listener thread (once): it follows the channel and reconnects when Redis is back."""
        if self._listener is not None:
            return
        with self._start_lock:
            if self._listener is None:
                self._listener = threading.Thread(target=self._follow, name="dais-live", daemon=True)
                self._listener.start()

    def _follow(self) -> None:
        from redis import Redis

        pause = 0.5
        while True:
            try:
                client = Redis.from_url(self._url, socket_connect_timeout=2, health_check_interval=30)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self._channel)
                pause = 0.5
                for message in pubsub.listen():
                    meeting_id, version, payload = message["data"].decode().split(" ", 2)
                    self._store(int(meeting_id), version, payload)
            except Exception:  # noqa: BLE001 (Redis restarting: viewers keep the last snapshot meanwhile)
                self._logger.warning("live listener lost Redis; reconnecting in %.1f s", pause, exc_info=True)
                time.sleep(pause)
                pause = min(pause * 2, 10)


def broker(app=None):
    app = app or current_app._get_current_object()
    existing = app.extensions.get("dais.live")
    if existing is None:
        url = app.config.get("REDIS_URL")
        shared = url and app.config.get("LIVE_BROKER") != "local"
        existing = RedisBroker(url, app.logger, app.config.get("LIVE_CHANNEL") or CHANNEL) if shared else LocalBroker()
        existing = app.extensions.setdefault("dais.live", existing)
    return existing


def init_app(app) -> None:
    """Publish at the end of each request, and when any other app context ends (a job, a command)."""

    @app.after_request
    def _publish(response):
        publish_committed()
        return response

    @app.teardown_appcontext
    def _publish_left(_exc):
        from app.extensions import db

        if db.session().info.get(_COMMITTED):
            publish_committed()
