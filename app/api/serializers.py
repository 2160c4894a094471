"""Records as JSON: what the public pages show, in the shapes the OpenAPI document declares (openapi.py).

Times are ISO 8601 with the city's UTC offset; dates are ISO dates. Nothing private is ever read here: no
speaker contact details, no subscriber addresses, no staff accounts.
"""

from datetime import date, datetime

from flask import url_for

from app.bodies.models import today_local
from app.bodies.services import roster_on
from app.core.timeutil import to_local
from app.legislation import services as legislation
from app.votes import charts as vote_charts
from app.votes import reading as vote_record


def when(value: datetime | None) -> str | None:
    return to_local(value).isoformat() if value is not None else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def body(b) -> dict:
    return {
        "id": b.id,
        "name": b.name,
        "kind": b.kind.value,
        "seat_count": b.seat_count,
        "quorum": b.quorum_needed,
        "retired_on": day(b.retired_on),
        "seats": [
            {
                "number": row.seat.number,
                "label": row.seat.label,
                "selection": row.seat.selection.value,
                "member_id": row.term.member_id if row.term else None,
                "vacant": row.vacant,
            }
            for row in roster_on(b, today_local())
        ],
        "url": url_for("api.body", body_id=b.id, _external=True),
    }


def membership(m) -> dict:
    return {
        "body_id": m.body_id,
        "body_name": m.body.name,
        "title": m.title,
        "seat": m.seat.label,
        "is_chair": m.is_chair,
        "is_vice_chair": m.is_vice_chair,
        "basis": m.basis.value,
        "end_reason": m.end_reason.value if m.end_reason else None,
        "term_start_on": day(m.term_start_on),
        "term_end_on": day(m.term_end_on),
    }


def member(m) -> dict:
    return {
        "id": m.id,
        "full_name": m.full_name,
        "sort_name": m.sort_name,
        "memberships": [membership(s) for s in m.memberships],
        "photo_url": url_for(
            "portal.member_photo", member_id=m.id, digest=m.photo_sha256, ext=m.photo_extension, _external=True
        )
        if m.photo_sha256
        else None,
        "url": url_for("api.member", member_id=m.id, _external=True),
        "html_url": url_for("portal.member", member_id=m.id, _external=True),
    }


def person(m) -> dict | None:
    return None if m is None else {"id": m.id, "full_name": m.full_name}


def meeting(m) -> dict:
    return {
        "id": m.id,
        "body_id": m.body_id,
        "body_name": m.body.name,
        "kind": m.kind.value,
        "title": m.title,
        "start_at": when(m.start_at),
        "end_at": when(m.end_at),
        "location": m.location,
        "status": m.status.value,
        "cancelled_reason": m.cancelled_reason,
        "agenda_published_at": when(m.agenda_published_at),
        "url": url_for("api.meeting", meeting_id=m.id, _external=True),
        "html_url": url_for("portal.meeting", meeting_id=m.id, _external=True),
    }


def topics(record) -> list[dict]:
    """A record's topics (issue 19): slug and name; ``/api/v1/topics/<slug>`` lists what else carries one."""
    return [{"slug": t.slug, "name": t.name} for t in record.topics]


def agenda_item(i, motion_ids: list[int]) -> dict:
    resolution = i.resolution
    return {
        "id": i.id,
        "position": i.position,
        "label": i.label,
        "section": i.section,
        "title": i.title,
        "item_type": i.item_type.value,
        "file_number": i.file_number,
        "withdrawn": i.withdrawn_at is not None,
        "public_comment_required": i.public_comment_required,
        "resolution_id": resolution.id if resolution is not None else None,
        "motion_ids": motion_ids,
        "topics": topics(i),
    }


def public_minutes_status(minutes) -> str | None:
    """What the public may know of a meeting's minutes: none until the clerk releases the draft for approval
    (issue 17), then "draft" (released, not yet approved) or "approved"."""
    if minutes is None or not minutes.is_public:
        return None
    return "approved" if minutes.is_locked else "draft"


def meeting_detail(m, motions_by_item: dict, record_digest: str | None = None) -> dict:
    data = meeting(m)
    data["agenda_items"] = [agenda_item(i, [x.id for x in motions_by_item.get(i.id, [])]) for i in m.items]
    data["attendance"] = [
        {"member_id": a.member_id, "full_name": a.member.full_name, "status": a.status.value} for a in m.attendances
    ]
    data["minutes_status"] = public_minutes_status(m.minutes)
    data["record_digest"] = record_digest
    return data


def meeting_record(m, record: dict, pinned) -> dict:
    """GET /meetings/<id>/record: what the digest is computed over, and the digest pinned in the audit log."""
    return {
        "meeting_id": m.id,
        "algorithm": "sha256(json.dumps(record, sort_keys=True, separators=(',', ':'), ensure_ascii=False))",
        "record": record,
        "record_digest": pinned.data.get("digest") if pinned is not None else None,
        "pinned_at": when(pinned.created_at) if pinned is not None else None,
        "html_url": url_for("portal.verify", _external=True),
    }


def vote(v) -> dict:
    final = v.final_choice
    return {
        "member_id": v.member_id,
        "full_name": v.member.full_name,
        "position": v.position,
        "choice": final.value if final else None,
        "original_choice": v.choice.value if v.choice else None,
        "corrected": bool(v.corrections),
        "remote": v.remote,
    }


def motion(m, seat_chart=None) -> dict:
    """``seat_chart``: the closed roll call as seats (app/votes/charts.py), one entry a seat, vacant ones included."""
    closed = m.is_closed
    outcome = vote_record.outcome_of(m) if closed else None
    counts = vote_record.tally(m.votes)
    return {
        "id": m.id,
        "meeting_id": m.meeting_id,
        "agenda_item_id": m.agenda_item_id,
        "kind": m.kind.value,
        "text": m.amended_text or m.text,
        "original_text": m.text,
        "mover": person(m.mover),
        "seconder": person(m.seconder),
        "status": m.status.value,
        "result": m.result.value if m.result else None,
        "requirement": vote_record.threshold_words(m),
        "result_sentence": outcome.sentence() if outcome else None,
        "opened_at": when(m.opened_at),
        "closed_at": when(m.closed_at),
        "counts": {
            "yes": counts.yes,
            "no": counts.no,
            "abstain": counts.abstain,
            "absent": counts.absent,
            "excused": counts.excused,
        },
        "votes": [vote(v) for v in m.votes],
        **(seat_chart or vote_charts.SeatChart(m.id)).as_data(),
        "url": url_for("api.motion", motion_id=m.id, _external=True),
    }


def resolution(r) -> dict:
    links = [
        {"kind": link.kind.value, "direction": "to", "resolution_id": link.to_id, "number": link.target.number}
        for link in r.links_out
    ] + [
        {"kind": link.kind.value, "direction": "from", "resolution_id": link.from_id, "number": link.source.number}
        for link in r.links_in
    ]
    return {
        "id": r.id,
        "number": r.number,
        "title": r.title,
        "text_md": r.text_md,
        "status": r.status.value,
        "adopted_on": day(r.adopted_on),
        "effective_on": day(r.effective_on) if r.adopted_on else None,
        "agenda_item_id": r.agenda_item_id,
        "meeting_id": r.item.meeting_id,
        "motion_id": r.motion_id,
        "sponsors": [person(s) for s in r.item.sponsors],
        "links": links,
        "effects": [effect(e) for e in r.effects],
        "corrections": [correction(c) for c in r.corrections],
        "topics": topics(r),
        "url": url_for("api.resolution", resolution_id=r.id, _external=True),
        "html_url": url_for("portal.resolution", resolution_id=r.id, _external=True),
    }


def correction(c) -> dict:
    """A correction after adoption: what, from and to, why and when; never who (no staff details in the API)."""
    return {
        "field": c.field.value,
        "before": c.before,
        "after": c.after,
        "reason": c.reason,
        "corrected_at": when(c.at),
    }


def effect(e) -> dict:
    return {
        "kind": e.kind.value,
        "agreement_id": e.agreement_id,
        "category": e.category,
        "resolution_id": e.resolution_id,
        "resolution_number": e.resolution.number,
        "effective_on": day(e.effective_on),
        "in_force": e.resolution.status.value == "adopted",
    }


def agreement(a, on: date) -> dict:
    state = legislation.agreement_status(a, on)
    return {
        "id": a.id,
        "title": a.title,
        "counterparty": a.counterparty,
        "category": a.category,
        "signed_on": day(a.signed_on),
        "signed_by": a.signed_by,
        "status": {
            "on": on.isoformat(),
            "status": state.status,
            "since": day(state.since),
            "resolution_id": state.effect.resolution_id if state.effect else None,
        },
        "effects": [effect(e) for e in a.effects],
        "topics": topics(a),
        "url": url_for("api.agreement", agreement_id=a.id, _external=True),
        "html_url": url_for("portal.agreement", agreement_id=a.id, _external=True),
    }
