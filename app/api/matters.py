"""``GET /api/v1/matters`` and ``/api/v1/matters/<id>``: the public matters (legislative files, issue 20), each with
its whole history in time order and the versions of its text (each with links to its page and its plain text)."""

from flask import abort, url_for
from sqlalchemy import select

from app.api.views import bp, paged
from app.core.timeutil import to_local
from app.extensions import db
from app.legislation import matter_history
from app.matters import second_reading
from app.matters.models import Matter


def public_matters_query():
    return select(Matter).where(matter_history.is_public()).order_by(Matter.id)


def _summary(m: Matter) -> dict:
    return {
        "id": m.id,
        "file_number": m.file_number,
        "type": m.matter_type.value,
        "title": m.title,
        "status": m.status.value,
        "opened": to_local(m.created_at).date().isoformat(),
        "url": url_for("api.matter", matter_id=m.id, _external=True),
        "html_url": url_for("portal.matter", file_number=m.file_number, _external=True),
    }


def _entry(e) -> dict:
    data = {"kind": e.kind, "at": e.at.isoformat(), "meeting_id": e.meeting.id if e.meeting else None}
    data["agenda_item_id"] = e.item.id if e.item else None
    if e.kind == matter_history.ACTION:
        data |= {
            "action": e.action.action.value,
            "note": e.action.note,
            "target_date": e.action.target_date.isoformat() if e.action.target_date else None,
            "target_meeting_id": e.target_meeting.id if e.target_meeting else None,
            "referred_to": e.action.referred_to,
            "motion_id": e.action.motion_id,
        }
    elif e.kind == matter_history.VOTE:
        data |= {
            "motion_id": e.motion.id,
            "motion_kind": e.motion.kind.value,
            "result": e.motion.result.value if e.motion.result else None,
            "tally": {"yes": e.tally.yes, "no": e.tally.no, "abstain": e.tally.abstain, "absent": e.tally.absent},
        }
    elif e.kind == matter_history.VERSION:
        data |= {"version": e.version.number, "source": e.version.source.value, "motion_id": e.version.motion_id}
    elif e.kind == matter_history.DOCUMENT:
        data |= {
            "filename": e.attachment.original_filename,
            "url": url_for("meetings.attachment", attachment_id=e.attachment.id, _external=True),
        }
    else:
        data |= {"label": e.item.label, "reading": e.item.reading or None, "withdrawn": e.item.is_withdrawn}
    return data


def version_links(matter: Matter, number: int) -> dict:
    """The public page of one version of the matter's text, and the text itself (text/plain)."""
    return {
        "html_url": url_for("portal.matter_version", file_number=matter.file_number, number=number, _external=True),
        "text_url": url_for("portal.matter_version_text", file_number=matter.file_number, number=number,
                            _external=True),
    }  # fmt: skip


def _version(matter: Matter, v) -> dict:
    return {
        "number": v.number,
        "at": v.created_at.isoformat(),
        "date": to_local(v.created_at).date().isoformat(),
        "source": v.source.value,
        "title": v.title,
        "note": v.note,
        "meeting_id": v.meeting_id,
        "motion_id": v.motion_id,
        **version_links(matter, v.number),
    }


@bp.route("/matters", endpoint="matters")
def matters_list():
    return paged(public_matters_query(), _summary, "api.matters")


@bp.route("/matters/<id:matter_id>", endpoint="matter")
def matter(matter_id: int):
    record = matter_history.public_matter(db.session.get(Matter, matter_id))
    if record is None:
        abort(404)
    return {
        **_summary(record.matter),
        "summary": record.matter.summary,
        "sponsors": [{"id": m.id, "name": m.full_name} for m in record.sponsors],
        "topics": [{"slug": t.slug, "name": t.name} for t in record.topics],
        "relations": [
            {
                "kind": r.kind.value,
                "direction": "from" if r.from_matter_id == record.matter.id else "to",
                "matter_id": (r.to_matter_id if r.from_matter_id == record.matter.id else r.from_matter_id),
                "agreement_id": r.agreement_id,
            }
            for r in record.relations_from + record.relations_to
        ],
        "history": [_entry(e) for e in record.entries],
        "versions": [_version(record.matter, v) for v in record.versions],
        "readings": _readings(record.matter),
    }


def _readings(matter: Matter) -> dict | None:
    if not second_reading.is_ordinance(matter):
        return None
    plan = second_reading.schedule(matter)

    def day(value):
        return value.isoformat() if value else None

    notice = plan.notice
    return {
        "notice_days": plan.days,
        "first_reading_on": day(plan.first_reading_on),
        "notice": {"published_on": day(notice.published_on), "medium": notice.medium.value, "where": notice.where}
        if notice
        else None,
        "earliest_second_reading": day(plan.earliest),
        "adopted_on": day(plan.adopted_on),
        "effective_on": day(plan.effective_on),
    }
