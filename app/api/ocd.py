"""Open Civic Data export (R16): meetings as OCD Events, roll calls as VoteEvents, resolutions as Bills.

Field names and vocabularies follow pupa's scrape schemas (florida-rules.md section 5.2). Results are "pass" or
"fail" (a tie fails), every vote is listed by name with counts equal to those votes, the legislative session is
the calendar year, and each object carries at least one source URL. Identifiers are UUIDv5 of the record's
canonical page address, so they are stable across exports.
"""

import uuid
from datetime import datetime

from flask import url_for

from app.city.services import city_name
from app.core.timeutil import to_local, utcnow
from app.meetings.models import MeetingStatus
from app.votes import reading as vote_record
from app.votes.models import MotionKind, MotionResult

OPTIONS = ("yes", "no", "abstain", "absent", "excused")
MOTION_CLASSIFICATION = {
    MotionKind.main: "passage",
    MotionKind.amend: "amendment-passage",
    MotionKind.substitute: "amendment-passage",
    MotionKind.adopt_consent_agenda: "consent-agenda",
    MotionKind.table: "table",
    MotionKind.take_from_table: "take-from-table",
    MotionKind.postpone: "postpone",
    MotionKind.refer: "referral",
    MotionKind.reconsider: "reconsideration",
    MotionKind.rescind: "rescission",
}


def _id(kind: str, url: str) -> str:
    return f"ocd-{kind}/{uuid.uuid5(uuid.NAMESPACE_URL, url)}"


def _stamp(value: datetime | None) -> str:
    """OCD fuzzy datetime: seconds, with the offset required when a time is given."""
    return to_local(value).replace(microsecond=0).isoformat() if value is not None else ""


def _session(value: datetime) -> str:
    return str(to_local(value).year)


def _status(meeting) -> str:
    if meeting.status == MeetingStatus.cancelled:
        return "cancelled"
    if meeting.status == MeetingStatus.adjourned or (meeting.end_at or meeting.start_at) < utcnow():
        return "passed"
    return "confirmed"


def vote_event_id(motion) -> str:
    return _id("vote", url_for("portal.meeting", meeting_id=motion.meeting_id, _external=True) + f"#motion-{motion.id}")


def bill_id(resolution) -> str:
    return _id("bill", url_for("portal.resolution", resolution_id=resolution.id, _external=True))


def event(meeting, motions_by_item: dict) -> dict:
    page = url_for("portal.meeting", meeting_id=meeting.id, _external=True)
    agenda = []
    for item in meeting.items:
        if item.withdrawn_at is not None:
            continue
        related = []
        if item.resolution is not None:
            related.append(
                {
                    "entity_type": "bill",
                    "name": item.resolution.number or item.resolution.title,
                    "note": bill_id(item.resolution),
                }
            )
        for motion in motions_by_item.get(item.id, []):
            if motion.is_closed:
                related.append(
                    {
                        "entity_type": "vote_event",
                        "name": motion.amended_text or motion.text,
                        "note": vote_event_id(motion),
                    }
                )
        agenda.append(
            {
                "description": f"{item.label} {item.title}".strip(),
                "order": str(item.position),
                "classification": [item.item_type.value],
                "subjects": [t.name for t in item.topics],
                "media": [],
                "notes": [],
                "related_entities": related,
            }
        )
    documents = []
    if meeting.agenda_published_at is not None:
        documents.append(
            {
                "note": "Agenda",
                "url": page,
                "media_type": "text/html",
                "date": to_local(meeting.agenda_published_at).date().isoformat(),
            }
        )
    if meeting.minutes is not None and meeting.minutes.is_public:  # an unreleased draft is the clerk's (issue 17)
        documents.append(
            {
                "note": "Minutes (approved)" if meeting.minutes.is_locked else "Minutes (draft, not yet approved)",
                "url": page + "#minutes",
                "media_type": "text/html",
                "date": to_local(meeting.minutes.updated_at).date().isoformat(),
            }
        )
    return {
        "_type": "event",
        "id": _id("event", page),
        "name": f"{meeting.body.name}: {meeting.title}",
        "all_day": False,
        "start_date": _stamp(meeting.start_at),
        "end_date": _stamp(meeting.end_at),
        "status": _status(meeting),
        "classification": f"{meeting.kind.value} meeting",
        "description": meeting.purpose or "",
        "location": {"name": meeting.location, "note": "", "url": meeting.remote_url, "coordinates": None},
        "media": [],
        "documents": documents,
        "links": [{"note": "Meeting page", "url": page}],
        "participants": [{"name": meeting.body.name, "type": "organization", "note": "host"}],
        "agenda": agenda,
        "sources": [{"url": page, "note": f"{city_name()} (Dais)"}],
        "extras": {"dais_meeting_id": meeting.id, "cancelled_reason": meeting.cancelled_reason},
    }


def vote_event(motion) -> dict:
    """A closed roll call. Every member on the roll is listed; counts are computed from that same list."""
    item = motion.item
    resolution = item.resolution if item is not None else None
    page = url_for("portal.meeting", meeting_id=motion.meeting_id, _external=True)
    listed = [
        {
            "option": v.final_choice.value,
            "voter_name": v.member.full_name,
            "voter_id": f"dais-member-{v.member_id}",
            "note": "; ".join(
                n
                for n in (
                    "remote" if v.remote else "",
                    "conflict disclosed" if v.disclosure_id else "",
                    "corrected" if v.corrections else "",
                )
                if n
            ),
        }
        for v in motion.votes
        if v.final_choice is not None
    ]
    classification = (
        ["resolution-adoption"]
        if (resolution is not None and motion.kind == MotionKind.main)
        else [MOTION_CLASSIFICATION[motion.kind]]
    )
    sources = [{"url": page, "note": "Meeting record"}]
    if resolution is not None:
        sources.append(
            {"url": url_for("portal.resolution", resolution_id=resolution.id, _external=True), "note": "Resolution"}
        )
    return {
        "_type": "vote_event",
        "id": vote_event_id(motion),
        "identifier": (
            resolution.number
            if resolution is not None and resolution.number
            else (item.file_number if item is not None else f"motion-{motion.id}")
        ),
        "motion_text": motion.amended_text or motion.text,
        "motion_classification": classification,
        "start_date": _stamp(motion.opened_at or motion.closed_at),
        "end_date": _stamp(motion.closed_at),
        "result": "pass" if motion.result == MotionResult.passed else "fail",
        "organization": motion.meeting.body.name,
        "legislative_session": _session(motion.meeting.start_at),
        "bill": bill_id(resolution) if resolution is not None else None,
        "bill_action": None,
        "votes": listed,
        "counts": [{"option": option, "value": sum(1 for v in listed if v["option"] == option)} for option in OPTIONS],
        "sources": sources,
        "extras": {
            "requirement": vote_record.threshold_words(motion),
            "result_sentence": vote_record.outcome_of(motion).sentence(),
            "roll_call_method": motion.roll_call_method,
            "mover": motion.mover.full_name,
            "seconder": motion.seconder.full_name if motion.seconder else None,
        },
    }


def bill(resolution) -> dict:
    item = resolution.item
    meeting = item.meeting
    page = url_for("portal.resolution", resolution_id=resolution.id, _external=True)
    actions = []
    if resolution.adopted_on is not None:
        actions.append(
            {
                "organization": meeting.body.name,
                "date": resolution.adopted_on.isoformat(),
                "description": "Adopted",
                "classification": ["passage"],
                "related_entities": [],
            }
        )
    elif resolution.status.value == "failed":
        actions.append(
            {
                "organization": meeting.body.name,
                "date": to_local(meeting.start_at).date().isoformat(),
                "description": "Failed",
                "classification": ["failure"],
                "related_entities": [],
            }
        )
    related = [
        {
            "identifier": link.target.number,
            "legislative_session": str(link.target.number_year),
            "relation_type": "replaces",
        }
        for link in resolution.links_out
        if link.kind.value == "supersedes" and link.target.number
    ]
    related += [
        {
            "identifier": link.source.number,
            "legislative_session": str(link.source.number_year),
            "relation_type": "replaced-by",
        }
        for link in resolution.links_in
        if link.kind.value == "supersedes" and link.source.number
    ]
    return {
        "_type": "bill",
        "id": bill_id(resolution),
        "legislative_session": str(resolution.number_year or to_local(meeting.start_at).year),
        "identifier": resolution.number or item.file_number,
        "title": resolution.title,
        "from_organization": meeting.body.name,
        "classification": ["resolution"],
        "subject": [t.name for t in resolution.topics],
        "abstracts": [],
        "other_titles": [],
        "other_identifiers": [{"identifier": item.file_number, "scheme": "file number", "note": ""}],
        "actions": actions,
        "sponsorships": [
            {
                "primary": n == 0,
                "classification": "sponsor",
                "name": s.full_name,
                "entity_type": "person",
                "person_id": None,
                "organization_id": None,
            }
            for n, s in enumerate(item.sponsors)
        ],
        "related_bills": related,
        "versions": [],
        "documents": [],
        "sources": [{"url": page, "note": f"{city_name()} (Dais)"}],
        "extras": {
            "status": resolution.status.value,
            "effective_on": resolution.effective_on.isoformat() if resolution.effective_on else None,
            "effects": [
                {
                    "kind": e.kind.value,
                    "agreement_id": e.agreement_id,
                    "category": e.category,
                    "effective_on": e.effective_on.isoformat() if e.effective_on else None,
                }
                for e in resolution.effects
            ],
        },
    }
