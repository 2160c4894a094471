"""A meeting's record digest: one SHA-256 that pins what the meeting decided and who was there.

The record (``meeting_record``) is plain JSON: the meeting's id, body and start; its attendance; every motion
with each roll-call vote (the choice cast, the corrections and the final choice); the resolutions of its agenda
(number, title, text, status, adoption day); and the SHA-256 of every document attached to its agenda (these two
once the agenda is published). Motions still pending (never on the floor) are not part of it. Every
list is sorted by id (attendance by member). The digest is SHA-256 of the record written as canonical JSON
(keys sorted, no spaces, UTF-8): a flat hash rather than a Merkle tree, because a meeting's record is small and a
resident can recompute it in five lines from ``GET /api/meetings/<id>/record`` (the snippet is on ``/verify``).

When a meeting is adjourned and when its minutes are approved, ``pin_digest`` writes an audit entry
``record.digest`` holding the digest, so the hash-chained audit log pins it; ``flask verify`` compares each
meeting's latest pinned digest with the one its rows give now. A lawful change after that (a vote corrected, a draft
resolution of its agenda edited or withdrawn, an adopted resolution's number corrected) is pinned again by
``repin_if_changed``, with the reason and the digest it replaces. This module lives in app.legislation, the lowest
layer that sees meetings, votes and resolutions.
"""

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import audit
from app.core.audit import AuditEntry, canonical_json, iso_utc
from app.core.timeutil import utcnow
from app.extensions import db
from app.legislation.models import Resolution
from app.meetings.models import AgendaItem, Attachment, Attendance, Meeting, MeetingStatus
from app.votes.models import Motion, MotionStatus, Vote

DIGEST_ACTION = "record.digest"
#: Bumped if what the record holds ever changes; kept in the record, so old digests stay checkable.
RECORD_VERSION = 1


def _day(value):
    return value.isoformat() if value is not None else None


def _value(enum_value):
    return enum_value.value if enum_value is not None else None


def meeting_record(meeting: Meeting) -> dict:
    """The meeting's record as hashed (and as the API hands it out), read from the rows now."""
    attendance = db.session.scalars(
        select(Attendance).where(Attendance.meeting_id == meeting.id).order_by(Attendance.member_id)
    ).all()
    motions = db.session.scalars(
        select(Motion)
        .where(Motion.meeting_id == meeting.id, Motion.status != MotionStatus.pending)  # only what reached the floor
        .options(selectinload(Motion.votes).selectinload(Vote.corrections))
        .order_by(Motion.id)
    ).all()
    # The agenda's resolutions and documents are public once the agenda is published, and only then.
    published = meeting.agenda_published_at is not None
    resolutions = (
        db.session.scalars(
            select(Resolution)
            .join(AgendaItem, Resolution.agenda_item_id == AgendaItem.id)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(Resolution.id)
        ).all()
        if published
        else []
    )
    attachments = (
        db.session.scalars(
            select(Attachment)
            .join(AgendaItem, Attachment.agenda_item_id == AgendaItem.id)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(Attachment.id)
        ).all()
        if published
        else []
    )
    return {
        "version": RECORD_VERSION,
        "meeting": {
            "id": meeting.id,
            "body_id": meeting.body_id,
            "title": meeting.title,
            "start_at": iso_utc(meeting.start_at),
        },
        "attendance": [
            {
                "member_id": a.member_id,
                "status": _value(a.status),
                "arrived_at": iso_utc(a.arrived_at),
                "departed_at": iso_utc(a.departed_at),
            }
            for a in attendance
        ],
        "motions": [
            {
                "id": m.id,
                "agenda_item_id": m.agenda_item_id,
                "kind": _value(m.kind),
                "text": m.text,
                "amended_text": m.amended_text,
                "mover_id": m.mover_id,
                "seconder_id": m.seconder_id,
                "status": _value(m.status),
                "result": _value(m.result),
                "votes": [
                    {
                        "member_id": v.member_id,
                        "choice": _value(v.choice),
                        "corrections": [
                            {"old": _value(c.old_choice), "new": _value(c.new_choice), "reason": c.reason}
                            for c in sorted(v.corrections, key=lambda c: c.id)
                        ],
                        "final_choice": _value(v.final_choice),
                    }
                    for v in sorted(m.votes, key=lambda v: v.id)
                ],
            }
            for m in motions
        ],
        "resolutions": [
            {
                "id": r.id,
                "number": r.number,
                "title": r.title,
                "text_md": r.text_md,
                "status": _value(r.status),
                "adopted_on": _day(r.adopted_on),
            }
            for r in resolutions
        ],
        "documents": [
            {"id": d.id, "agenda_item_id": d.agenda_item_id, "filename": d.original_filename, "sha256": d.sha256}
            for d in attachments
        ],
    }


def digest_of(record: dict) -> str:
    """SHA-256 (hex) of the record written as canonical JSON. The algorithm /verify shows residents."""
    return hashlib.sha256(canonical_json(record).encode("utf-8")).hexdigest()


def current_digest(meeting: Meeting) -> str:
    return digest_of(meeting_record(meeting))


def pin_digest(
    meeting: Meeting, *, actor, reason: str, note: str | None = None, actor_label: str | None = None, data=None
) -> AuditEntry:
    """Write the meeting's digest into the chained audit log (``reason``: "adjourned", "minutes approved"; ``note``,
    if given, says more in the summary)."""
    digest = current_digest(meeting)
    entry = audit.record(
        DIGEST_ACTION,
        meeting,
        f"Record digest of '{meeting.title}' ({note or reason}): {digest}",
        actor=actor,
        actor_label=actor_label or (None if actor is not None else "system"),
        data={**(data or {}), "digest": digest, "reason": reason, "version": RECORD_VERSION},
    )
    db.session.flush()
    return entry


def repin_if_changed(meeting: Meeting, *, actor, reason: str) -> AuditEntry | None:
    """A lawful change, through a service, to the record of a meeting whose digest is already pinned (a vote
    corrected, a draft on its agenda edited): pin the record again, saying why and which digest it replaces. The
    chain then shows both, and ``flask verify`` passes, while a change made behind the services' back (an UPDATE in
    the database) still differs from the latest pin. Nothing is pinned when the record did not change."""
    if meeting.status != MeetingStatus.adjourned:
        return None  # only an adjourned meeting has a pinned digest: no query for the others
    pinned = pinned_entry(meeting.id)
    if pinned is None:
        return None
    previous = pinned.data.get("digest")
    if current_digest(meeting) == previous:
        return None
    return pin_digest(
        meeting, actor=actor, reason=reason, data={"previous_digest": previous, "previous_entry_id": pinned.id}
    )


def _unpinned():
    """Adjourned meetings with no record.digest entry: adjourned before digests existed, or imported."""
    pinned = select(AuditEntry.target_id).where(
        AuditEntry.action == DIGEST_ACTION, AuditEntry.target_type == "Meeting", AuditEntry.target_id.is_not(None)
    )
    return select(Meeting).where(Meeting.status == MeetingStatus.adjourned, Meeting.id.not_in(pinned))


def count_unpinned() -> int:
    return db.session.scalar(select(db.func.count()).select_from(_unpinned().subquery()))


#: How ``flask verify --pin-missing`` names itself in the entries it writes.
PINNED_LATER_BY = "flask verify --pin-missing"


def pin_missing_digests(*, actor_label: str = "cli") -> list[AuditEntry]:
    """Pin a digest for every adjourned meeting that has none. The entry says that it was pinned later, by which
    command and when: it proves the record from that moment on, not from the day the meeting adjourned."""
    entries = []
    for meeting in db.session.scalars(_unpinned().order_by(Meeting.id)).all():
        now = utcnow()
        entries.append(
            pin_digest(
                meeting,
                actor=None,
                actor_label=actor_label,
                reason="pinned later",
                note=(
                    f"pinned later, on {iso_utc(now)}, by `{PINNED_LATER_BY}`: the meeting was adjourned before its "
                    "record digest was kept, so this pins the record as it stands now, not as it stood at adjournment"
                ),
                data={"pinned_later": True, "pinned_by": PINNED_LATER_BY, "pinned_at": iso_utc(now)},
            )
        )
    return entries


def pinned_entry(meeting_id: int) -> AuditEntry | None:
    """The latest record.digest entry of a meeting (None before it was adjourned)."""
    return db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action == DIGEST_ACTION,
            AuditEntry.target_type == "Meeting",
            AuditEntry.target_id == meeting_id,
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()


def pinned_entries(meeting_ids: list[int]) -> dict[int, AuditEntry]:
    """The latest record.digest entry of each of these meetings that has one (one query, for lists and feeds)."""
    if not meeting_ids:
        return {}
    latest = (
        select(db.func.max(AuditEntry.id))
        .where(
            AuditEntry.action == DIGEST_ACTION,
            AuditEntry.target_type == "Meeting",
            AuditEntry.target_id.in_(meeting_ids),
        )
        .group_by(AuditEntry.target_id)
    )
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.id.in_(latest))).all()
    return {entry.target_id: entry for entry in entries}


def pinned_digest(meeting_id: int) -> str | None:
    entry = pinned_entry(meeting_id)
    return entry.data.get("digest") if entry is not None else None


def verify_digests():
    """Each meeting's latest pinned digest against its rows now. Returns (meetings checked, first mismatch)."""
    latest = (
        select(AuditEntry.target_id, db.func.max(AuditEntry.id).label("entry_id"))
        .where(AuditEntry.action == DIGEST_ACTION, AuditEntry.target_type == "Meeting")
        .group_by(AuditEntry.target_id)
        .subquery()
    )
    entries = db.session.scalars(
        select(AuditEntry).join(latest, AuditEntry.id == latest.c.entry_id).order_by(AuditEntry.id)
    ).all()
    for count, entry in enumerate(entries, start=1):
        meeting = db.session.get(Meeting, entry.target_id)
        recorded = entry.data.get("digest")
        if meeting is None:
            what = f"record.digest of meeting {entry.target_id}"
            return count, audit.ChainBreak(entry.id, "the meeting is gone", what)
        now = current_digest(meeting)
        if now != recorded:
            return count, audit.ChainBreak(
                entry.id, f"recorded {recorded}, the rows now give {now}", f"record.digest of meeting {meeting.id}"
            )
    return len(entries), None
