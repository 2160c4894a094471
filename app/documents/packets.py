"""The agenda packet: requested by the clerk or by the agenda's publication and amendments (``request_packet``),
built by the worker (``build``, the job), served from the storage layer (``latest``).

A build is a row (app/documents/packet_models.py) before it is a job: the job is only a nudge, so a lost job or a
worker that dies loses nothing; the tick (``retry_stale``) finds a build that stopped moving and queues it again.
Progress is committed step by step (one step per attachment read, per part rendered, and the merge), so the
clerk's progress bar moves while the worker builds.

An attachment that cannot go in (a damaged or password-protected PDF, a picture that does not decode, a file
missing from storage) does not stop the packet: the packet is built without it, its staff report lists it as
"not included" with where to read it, and the clerk is told which one and why (``problems``). One bad scan should
not keep every other document of the meeting from the public; and the clerk, told by name, can replace it and
build again. Only a failure of the packet itself (the agenda does not render, storage is down) fails the build,
with the step and the attachment it was on named in ``error``.
"""

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from flask import Response, current_app, has_request_context, request
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update

from app.core import audit, jobs
from app.core.record import record_language
from app.core.storage import delete_after_commit, put_in_transaction
from app.core.timeutil import utcnow
from app.core.uploads import send_stored
from app.documents import packet_pdf, public
from app.documents.meetings import AGENDA, agenda_data, load_meeting
from app.documents.packet_models import PacketBuild, PacketBuildStatus
from app.documents.render import TEMPLATE_VERSION, letterhead
from app.extensions import db
from app.meetings.models import Meeting

S = PacketBuildStatus
#: Bumped when the way a packet is put together changes: part of every packet's ETag, so old packets are rebuilt.
PACKET_FORMAT = "1"


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return str(value)


def packet_digest(meeting: Meeting, data: dict | None = None) -> str:
    """The packet's ETag: a SHA-256 of what the agenda shows (``agenda_data``), the SHA-256 of each attachment
    of an active item, the letterhead, the record language and the templates' version. Equal digests, equal
    packets: a request for an unchanged agenda gets the packet already built."""
    lang = record_language()
    payload = {
        "format": PACKET_FORMAT,
        "templates": TEMPLATE_VERSION,
        "lang": lang,
        "letterhead": letterhead(lang).as_data(),
        "agenda": data if data is not None else agenda_data(meeting),
        "files": [[a.id, a.sha256] for item in meeting.active_items for a in sorted(item.attachments, key=_by_id)],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=_plain).encode()).hexdigest()


def _by_id(row):
    return row.id


def _active(meeting_id: int) -> PacketBuild | None:
    return db.session.scalar(
        select(PacketBuild)
        .where(PacketBuild.meeting_id == meeting_id, PacketBuild.status.in_([S.queued, S.building]))
        .order_by(PacketBuild.id.desc())
        .limit(1)
    )


def is_building(meeting_id: int) -> bool:
    return _active(meeting_id) is not None


def latest(meeting_id: int, *, public: bool = False) -> PacketBuild | None:
    """The newest built packet of the meeting that is still stored (``public``: only one built from the
    published agenda)."""
    query = select(PacketBuild).where(
        PacketBuild.meeting_id == meeting_id, PacketBuild.status == S.done, PacketBuild.stored_name.is_not(None)
    )
    if public:
        query = query.where(PacketBuild.public.is_(True))
    return db.session.scalar(query.order_by(PacketBuild.id.desc()).limit(1))


def current(meeting_id: int) -> PacketBuild | None:
    """The build the clerk's page shows: the newest one, whatever its status."""
    return db.session.scalar(
        select(PacketBuild).where(PacketBuild.meeting_id == meeting_id).order_by(PacketBuild.id.desc()).limit(1)
    )


def _base_url() -> str:
    return request.host_url if has_request_context() else current_app.config.get("BASE_URL", "")


def request_packet(meeting: Meeting, *, actor, reason: str = "") -> PacketBuild:
    """Ask for the meeting's packet. A build already queued or running is returned as it is (a second click, or
    an amendment while it builds: the worker checks the agenda again when it finishes); an agenda unchanged since
    the last built packet gets that packet back; otherwise a new build is queued for the worker once the
    transaction commits. Audited."""
    # One request at a time per meeting (PostgreSQL; SQLite writes one at a time anyway).
    db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
    active = _active(meeting.id)
    if active is not None:
        return active
    etag = packet_digest(meeting)
    built = latest(meeting.id)
    if built is not None and built.etag == etag:
        if meeting.agenda_is_published and not built.public:
            built.public = True  # the same agenda, now published: the packet is the published one's
            db.session.flush()
        return built
    build = PacketBuild(
        meeting_id=meeting.id,
        status=S.queued,
        etag=etag,
        problems=[],
        base_url=_base_url()[:300],
        requested_by_id=actor.id if actor is not None else None,
        requested_at=utcnow(),
    )
    db.session.add(build)
    db.session.flush()
    audit.record(
        "packet.request",
        build,
        f"Requested the agenda packet of '{meeting.title}'" + (f" ({reason})" if reason else ""),
        actor=actor,
        data={"meeting_id": meeting.id, "etag": etag, "reason": reason or None},
    )
    jobs.after_commit("app.documents.packets.build", build.id)
    return build


def request_after_change(meeting_id: int, reason: str) -> None:
    """The job the agenda's publication and amendments start (app/documents/reactions.py): read the agenda as
    committed, and ask for its packet."""
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        return
    request_packet(meeting, actor=None, reason=reason)
    db.session.commit()


# --- the worker ---------------------------------------------------------------------------------------------


def _record(build_id: int, token: str, *, commit: bool = True, **values) -> bool:
    """Write the build's progress or outcome, only while this worker holds the claim; commit it (``commit``)."""
    values.setdefault("heartbeat_at", utcnow())
    done = db.session.execute(
        update(PacketBuild)
        .where(PacketBuild.id == build_id, PacketBuild.claimed_by == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if commit:
        db.session.commit()
    return bool(done.rowcount)


def build(build_id: int) -> None:
    """The job: claim the build (only a queued one), build the packet, store it. Never raises: the outcome is the
    build's status."""
    token, now = uuid.uuid4().hex, utcnow()
    claimed = db.session.execute(
        update(PacketBuild)
        .where(PacketBuild.id == build_id, PacketBuild.status == S.queued)
        .values(
            status=S.building,
            claimed_by=token,
            started_at=now,
            heartbeat_at=now,
            attempts=PacketBuild.attempts + 1,
            done=0,
            error=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        return  # built, or being built, by another job
    step = {"what": ""}
    try:
        _build(build_id, token, step)
    except Exception as exc:  # noqa: BLE001 (whatever stops the build is the clerk's message, not a lost job)
        db.session.rollback()
        current_app.logger.exception("packet build %s failed at %s", build_id, step["what"])
        with force_locale(record_language()):  # kept as written: in the record's language, like the audit log
            error = _("The packet could not be built while %(step)s: %(detail)s", step=step["what"], detail=_short(exc))
        _record(build_id, token, status=S.failed, claimed_by=None, finished_at=utcnow(), error=error)


def _short(exc: Exception) -> str:
    return (" ".join(str(exc).split()) or exc.__class__.__name__)[:300]


def _build(build_id: int, token: str, step: dict) -> None:
    from app.documents import packet_parts

    row = db.session.get(PacketBuild, build_id)
    meeting = load_meeting(row.meeting_id, AGENDA)
    base_url = row.base_url or current_app.config.get("BASE_URL") or None
    with current_app.test_request_context(base_url=base_url), force_locale(record_language()):
        step["what"] = _("reading the agenda")
        plan = packet_parts.plan(meeting)  # plain data only from here: the commits below expire the rows
        total = len(plan.attachments) + len(plan.items) + 3
        _record(build_id, token, etag=plan.etag, public=plan.public, total=total)
        done = 0

        def advance():
            nonlocal done
            done += 1
            _record(build_id, token, done=done)

        pieces, problems = packet_parts.read_attachments(plan, step, advance)
        step["what"] = _("rendering the cover")
        cover = packet_parts.cover_pdf(plan, problems)
        advance()
        step["what"] = _("rendering the agenda")
        agenda = public.agenda_for_packet(meeting, plan.data)
        advance()
        entries = packet_parts.entries(plan, pieces, problems, step, advance)
        step["what"] = _("merging the parts")
        result = packet_pdf.assemble(
            cover, agenda, entries, title=plan.title, lang=plan.lang, words=plan.words, on_progress=lambda: None
        )
        _store(build_id, token, plan, result, problems, total)
    _check_unchanged(plan.meeting_id, plan.etag)


def _store(build_id: int, token: str, plan, result, problems: list[dict], total: int) -> None:
    key = f"packets/{plan.meeting_id}-{secrets.token_hex(12)}.pdf"
    put_in_transaction(key, result.data, "application/pdf")
    older = db.session.scalars(
        select(PacketBuild).where(
            PacketBuild.meeting_id == plan.meeting_id,
            PacketBuild.id != build_id,
            PacketBuild.stored_name.is_not(None),
        )
    ).all()
    for old in older:
        if plan.public or not old.public:  # a draft's packet never takes the published one's place
            delete_after_commit(old.stored_name)
            old.stored_name = None
    db.session.flush()
    held = _record(
        build_id,
        token,
        commit=False,
        status=S.done,
        claimed_by=None,
        stored_name=key,
        size=len(result.data),
        pages=result.pages,
        conforming=result.conforming,
        problems=problems,
        done=total,
        finished_at=utcnow(),
    )
    if not held:  # the tick gave the build to another worker: this copy goes (its file too), the older ones stay
        db.session.rollback()
        current_app.logger.warning("packet build %s: the claim was taken over; this copy is dropped", build_id)
        return
    db.session.commit()


def _check_unchanged(meeting_id: int, etag: str) -> None:
    """The agenda changed while the packet was built (an amendment arrived): ask for the next packet."""
    meeting = load_meeting(meeting_id, AGENDA)
    if meeting is not None and packet_digest(meeting) != etag:
        request_packet(meeting, actor=None, reason="the agenda changed while the packet was built")
        db.session.commit()


@jobs.on_tick
def retry_stale() -> int:
    """The tick: a build whose worker stopped (no step for PACKET_STALE_SECONDS) is queued again, up to
    PACKET_MAX_ATTEMPTS times, then failed with a message; a queued build whose job was lost is handed over again.
    Returns how many builds it queued."""
    config = current_app.config
    now = utcnow()
    limit = now - timedelta(seconds=config.get("PACKET_STALE_SECONDS", 300))
    stale = db.session.scalars(
        select(PacketBuild).where(
            PacketBuild.status.in_([S.queued, S.building]),
            or_(
                and_(PacketBuild.heartbeat_at.is_(None), PacketBuild.requested_at < limit),
                PacketBuild.heartbeat_at < limit,
            ),
        )
    ).all()
    again = []
    for row in stale:
        if row.status == S.building and row.attempts >= config.get("PACKET_MAX_ATTEMPTS", 3):
            row.status, row.claimed_by, row.finished_at = S.failed, None, now
            with force_locale(record_language()):
                row.error = ngettext(
                    "The worker stopped %(num)d time while building this packet; build it again.",
                    "The worker stopped %(num)d times while building this packet; build it again.",
                    row.attempts,
                )
            continue
        row.status, row.claimed_by, row.heartbeat_at = S.queued, None, now
        again.append(row.id)
    db.session.commit()
    for build_id in again:
        jobs.enqueue("app.documents.packets.build", build_id)
    return len(again)


# --- serving ------------------------------------------------------------------------------------------------


@dataclass
class _StoredPacket:
    stored_name: str
    original_filename: str
    content_type: str = "application/pdf"


def send_packet(build: PacketBuild) -> Response:
    """The stored packet, shown inline, with the packet's ETag: a request naming it is a 304 without touching the
    storage; ``no-cache`` has every reader check again, so a rebuilt packet is seen at once."""
    if request.if_none_match.contains(build.etag):
        response = Response(status=304)
    else:
        name = f"agenda-packet-{build.meeting_id}.pdf"
        response = send_stored(_StoredPacket(build.stored_name, name))
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.set_etag(build.etag)
    response.headers["Cache-Control"] = "no-cache"
    return response
