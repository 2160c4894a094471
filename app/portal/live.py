"""A meeting as it happens, for anyone: the live page, the chamber display, the snapshot as JSON, and the
Server-Sent Events stream that pushes each new snapshot (app/core/live.py). Every viewer reads the one snapshot
built per change."""

import random
import time

from flask import Response, abort, current_app, jsonify, render_template, request

from app.core import live
from app.core.timeutil import format_seconds, utcnow
from app.live.labels import labels
from app.portal.views import bp, public_meeting_or_404
from app.public_comment.models import Stance


def _snapshot_or_404(meeting_id: int) -> tuple[str, str]:
    snapshot = live.latest(meeting_id)
    if snapshot is None:  # not a public meeting (or gone): nothing is published for it
        abort(404)
    return snapshot


@bp.route("/meetings/<id:meeting_id>/live")
def live_page(meeting_id: int):
    meeting = public_meeting_or_404(meeting_id)
    version, payload = _snapshot_or_404(meeting.id)
    return render_template(
        "portal/live.html",
        meeting=meeting,
        snapshot=live.decode(payload),
        version=version,
        payload=payload,
        labels=labels(),
    )


@bp.route("/meetings/<id:meeting_id>/live.json")
def live_json(meeting_id: int):
    """The snapshot for screens that cannot hold a stream open: a 304 while it has not changed."""
    version, payload = _snapshot_or_404(meeting_id)
    response = Response(payload, mimetype="application/json")
    response.set_etag(version)
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


@bp.route("/meetings/<id:meeting_id>/live/events")
def live_events(meeting_id: int):
    """Server-Sent Events: the snapshot now (unless the browser's Last-Event-ID is it), then each new one.

    The stream holds no database connection: it waits on this server's copy of the snapshots (kept current from
    Redis by one listener thread per server). It ends after LIVE_STREAM_SECONDS; the browser reconnects at once
    with its Last-Event-ID, so nothing is missed and no thread is held for ever."""
    version, _payload = _snapshot_or_404(meeting_id)
    seen = request.headers.get("Last-Event-ID") or None
    config = current_app.config
    stream = _stream(live.broker(), meeting_id, seen, config["LIVE_STREAM_SECONDS"], config["LIVE_KEEPALIVE_SECONDS"])
    response = Response(stream, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def _stream(broker, meeting_id: int, seen: str | None, seconds: float, keepalive: float):
    # Each stream ends at a random point of the second half of its lifetime: viewers who arrived together (the
    # start of a meeting) do not all reconnect in the same second (bench/README.md, "the reconnection wave").
    deadline = time.monotonic() + seconds * random.uniform(0.5, 1.0)  # noqa: S311 (spreading load, not a secret)
    yield "retry: 1000\n\n"
    while (left := deadline - time.monotonic()) > 0:
        snapshot = broker.wait(meeting_id, seen, timeout=min(keepalive, left))
        if snapshot is None:
            yield ": keep-alive\n\n"
            continue
        seen, payload = snapshot
        yield f"id: {seen}\ndata: {payload}\n\n"


@bp.route("/meetings/<id:meeting_id>/display")
def display(meeting_id: int):
    """The chamber display: the current speaker and a large countdown, no controls."""
    meeting = public_meeting_or_404(meeting_id)
    version, payload = live.latest(meeting.id)
    return render_template(
        "portal/display.html",
        meeting=meeting,
        snapshot=live.decode(payload),
        version=version,
        payload=payload,
        labels=labels(),
    )


def _display_state(snapshot: dict) -> dict:
    """The chamber display's state, read from the meeting's live snapshot (built once per change, not per poll)."""
    speaker = snapshot["speaker"]
    if speaker is None:
        return {"speaker": None, "meeting": snapshot["meeting"]["title"]}
    remaining = speaker["remaining"]
    if speaker["timer"] == "running" and speaker["started_at"]:
        elapsed = speaker["elapsed_before"] + max(0, int(utcnow().timestamp() - speaker["started_at"]))
        remaining = speaker["allotted"] - elapsed
    return {
        "meeting": snapshot["meeting"]["title"],
        "item": speaker["item"],
        "speaker": {
            "name": speaker["name"],
            "group": speaker["group"] or None,
            "stance": str(Stance(speaker["stance"]).label),
        },
        "allotted_seconds": speaker["allotted"],
        "remaining_seconds": remaining,
        "remaining": format_seconds(remaining),
        "running": speaker["timer"] == "running",
        "timer": speaker["timer"],
    }


@bp.route("/meetings/<id:meeting_id>/display.json")
def display_state(meeting_id: int):
    snapshot = live.latest(meeting_id)
    if snapshot is None:
        abort(404)
    response = jsonify(_display_state(live.decode(snapshot[1])))
    response.headers["Cache-Control"] = "no-store"
    return response
