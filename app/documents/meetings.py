"""A meeting's documents: the notice, the agenda, the minutes and the record of its votes.

Each kind has a ``*_data`` function that reads the record into plain values (what the template shows, and all of
it) and a ``*_pdf`` function that renders them. The ETag of a document is a hash of that data
(app/documents/cache.py), so it changes exactly when the PDF would, and is known without building the PDF.
Labels and sentences written here are in the record's language (``in_record_language``): a document is the
city's record, whatever language its reader browses in.
"""

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.core.record import in_record_language, record_language
from app.documents.render import render_pdf, watermark_uri
from app.extensions import db
from app.meetings.models import AgendaItem, Meeting, MeetingChangeKind, Minutes
from app.votes.models import Motion, MotionStatus
from app.votes.reading import outcome_of, public_motions, roll_call_words, threshold_words

NOTICE, AGENDA, MINUTES, VOTES = "notice", "agenda", "minutes", "votes"


def load_meeting(meeting_id: int, kind: str) -> Meeting | None:
    """The meeting with what ``kind`` of document shows, each relation in one query (the items' sponsors and
    documents by subquery: selectinload would send one query per 500 items)."""
    options = [joinedload(Meeting.minutes)]
    if kind == NOTICE:
        options.append(selectinload(Meeting.items))
    if kind in (AGENDA, VOTES):
        options += [
            selectinload(Meeting.items).subqueryload(AgendaItem.sponsors),
            selectinload(Meeting.items).subqueryload(AgendaItem.attachments),
        ]
    if kind == AGENDA:
        options.append(selectinload(Meeting.changes))
    if kind == MINUTES:
        options.append(joinedload(Meeting.minutes).joinedload(Minutes.approved_at_meeting))
    if kind == VOTES:
        options.append(selectinload(Meeting.attendances))
    return db.session.scalar(select(Meeting).where(Meeting.id == meeting_id).options(*options))


def statutory_notices() -> list[str]:
    """The F.S. 286.0105 appeal advisory and the F.S. 286.26 accommodation line (R3), never left off a notice
    or an agenda: the city's own wording when configured, else Dais's (the same as the web page's)."""
    config = current_app.config
    return [
        config.get("APPEAL_ADVISORY")
        or _(
            "If a person decides to appeal any decision made by the Commission with respect to any matter "
            "considered at this meeting, that person will need a record of the proceedings, and for such purpose "
            "may need to ensure that a verbatim record of the proceedings is made, which record includes the "
            "testimony and evidence upon which the appeal is to be based (F.S. 286.0105)."
        ),
        config.get("ACCOMMODATION_NOTICE")
        or _(
            "Persons with disabilities who need an accommodation to take part in this meeting should contact the "
            "City Clerk's Office at least 48 hours before the meeting (F.S. 286.26)."
        ),
    ]


def meeting_facts(meeting: Meeting) -> dict:
    """What every document of a meeting says about it (R3: date, time, place, purpose)."""
    return {
        "id": meeting.id,
        "title": meeting.title,
        "body": meeting.body.name,
        "kind": meeting.kind,
        "status": meeting.status,
        "start_at": meeting.start_at,
        "end_at": meeting.end_at,
        "location": meeting.location,
        "remote_url": meeting.remote_url,
        "purpose": meeting.purpose,
        "first_published_at": meeting.first_published_at,
        "imported": meeting.imported_at is not None,
        "emergency_justification": meeting.emergency_justification,
        "notice_override_reason": meeting.notice_override_reason,
        "cancelled_reason": meeting.cancelled_reason if meeting.status.value == "cancelled" else None,
        "agenda_published_at": meeting.agenda_published_at,
    }


def _item(item: AgendaItem) -> dict:
    return {
        "id": item.id,
        "label": item.label,
        "title": item.title,
        "file_number": item.file_number,
        "type": item.item_type,
        "summary_md": item.body_md,
        "fiscal_impact": item.fiscal_impact,
        "sponsors": [m.full_name for m in item.sponsors],
        "comment_required": item.public_comment_required,
        "comment_exemption": item.comment_exemption,
        "withdrawn_reason": item.withdrawn_reason if item.is_withdrawn else None,
        "outside_purpose": bool(item.outside_purpose_note),
        "documents": [
            {"id": a.id, "name": a.original_filename, "kind": a.kind_label, "size": a.size}
            for a in sorted(item.attachments, key=lambda a: a.id)
        ],
    }


def agenda_sections(meeting: Meeting) -> list[dict]:
    """The items by section, in the body's section order (a section no longer in the body's list comes last)."""
    items = meeting.ordered_items
    names = list(meeting.body.agenda_sections or [])
    names += [s for s in dict.fromkeys(i.section for i in items) if s not in names]
    sections = []
    for name in names:
        section_items = [_item(i) for i in items if i.section == name]
        if section_items:
            sections.append({"number": names.index(name) + 1, "name": name, "items": section_items})
    return sections


def notice_data(meeting: Meeting) -> dict:
    """R3: date, time, place, the purpose of a special meeting, the agenda's subjects once it is published (its
    items' titles, withdrawn ones left out), and the two statutory notices."""
    subjects = (
        [{"label": i.label, "title": i.title} for i in meeting.active_items] if meeting.agenda_published_at else []
    )
    with in_record_language():
        return {"meeting": meeting_facts(meeting), "subjects": subjects, "notices": statutory_notices()}


def agenda_data(meeting: Meeting) -> dict:
    amendments = sum(1 for c in meeting.changes if c.kind == MeetingChangeKind.agenda_amended)
    with in_record_language():
        return {
            "meeting": meeting_facts(meeting),
            "sections": agenda_sections(meeting),
            "amendments": amendments,
            "notices": statutory_notices(),
        }


def notice_title(meeting: Meeting) -> str:
    with in_record_language():
        return _("Notice of meeting: %(title)s", title=meeting.title)


def agenda_title(meeting: Meeting) -> str:
    with in_record_language():
        return _("Agenda: %(title)s", title=meeting.title)


def short_title(meeting: Meeting, word) -> str:
    """The page footer's name for a meeting document: "Agenda · City Commission · June 30, 2025"."""
    with in_record_language():
        return f"{word} · {meeting.body.name} · {format_date(meeting.local_date, 'long')}"


def notice_pdf(meeting: Meeting, data: dict | None = None) -> bytes:
    return render_pdf(
        "documents/notice.html",
        title=notice_title(meeting),
        short_title=short_title(meeting, _l("Notice of meeting")),
        lang=record_language(),
        **(data or notice_data(meeting)),
    )


def agenda_pdf(meeting: Meeting, data: dict | None = None) -> bytes:
    """The agenda as a tagged PDF: items by section with their file numbers, summaries and documents (linked to
    their public URLs), the meeting's facts and the statutory notices. The agenda packet builds on it."""
    return render_pdf(
        "documents/agenda.html",
        title=agenda_title(meeting),
        short_title=short_title(meeting, _l("Agenda")),
        lang=record_language(),
        **(data or agenda_data(meeting)),
    )


def motion_data(motion: Motion) -> dict:
    """One motion as the record tells it: who moved and seconded, each member's vote as corrected (with the
    correction), disclosures, the threshold and the result. Sentences in the current (record) language."""
    closed = motion.is_closed
    result = outcome_of(motion) if closed else None
    return {
        "id": motion.id,
        "kind": motion.kind,
        "text": motion.amended_text or motion.text,
        "consent": motion.consent_of_id is not None,
        "mover": motion.mover.full_name,
        "seconder": motion.seconder.full_name if motion.seconder else None,
        "status": motion.status,
        "died": motion.status == MotionStatus.died,
        "closed": closed,
        "passed": bool(result and result.passed),
        "yes": result.tally.yes if result else None,
        "no": result.tally.no if result else None,
        "sentence": result.sentence() if result else None,
        # An open vote's threshold (a closed one's is in its sentence); none for a motion that never came to a vote.
        "threshold": threshold_words(motion) if motion.status == MotionStatus.voting else None,
        "roll_call": roll_call_words(motion.roll_call_method),
        "closed_at": motion.closed_at,
        "reconsidered_at": motion.reconsidered_at,
        "votes": [
            {
                "position": v.position,
                "member": v.member.full_name,
                "remote": v.remote,
                "choice": v.final_choice,
                "cast": v.choice,
                "corrections": [
                    {"at": c.corrected_at, "old": c.old_choice, "new": c.new_choice, "reason": c.reason}
                    for c in v.corrections
                ],
                "disclosure": v.disclosure.nature_of_interest if v.disclosure else None,
            }
            for v in motion.votes
        ]
        if closed
        else [],
    }


def minutes_data(meeting: Meeting) -> dict:
    minutes = meeting.minutes
    with in_record_language():
        return {
            "meeting": meeting_facts(meeting),
            "minutes": {
                "status": minutes.status.value,
                "approved": minutes.is_locked,
                "released_at": minutes.released_at,
                "approved_at": minutes.approved_at,
                "approved_at_meeting": minutes.approved_at_meeting.title if minutes.approved_at_meeting else None,
                "body_md": minutes.body_md,
            },
        }


def votes_data(meeting: Meeting) -> dict:
    """Every motion that reached the floor, by agenda item in agenda order (the consent agenda's own roll call
    first), with the attendance: two queries for the motions and their roll calls, whatever their number."""
    by_item = public_motions(meeting.id)
    groups = []
    with in_record_language():
        if None in by_item:
            groups.append(
                {"label": "", "title": _("Consent agenda"), "motions": [motion_data(m) for m in by_item[None]]}
            )
        for item in meeting.ordered_items:
            if item.id in by_item:
                groups.append(
                    {
                        "label": item.label,
                        "title": item.title,
                        "file_number": item.file_number,
                        "motions": [motion_data(m) for m in by_item[item.id]],
                    }
                )
        attendance = [
            {"member": a.member.full_name, "status": a.status, "departed_at": a.departed_at}
            for a in sorted(meeting.attendances, key=lambda a: a.member.sort_name)
        ]
        return {"meeting": meeting_facts(meeting), "groups": groups, "attendance": attendance}


def minutes_title(meeting: Meeting) -> str:
    with in_record_language():
        return _("Minutes: %(title)s", title=meeting.title)


def votes_title(meeting: Meeting) -> str:
    with in_record_language():
        return _("Votes: %(title)s", title=meeting.title)


def minutes_pdf(meeting: Meeting, data: dict | None = None) -> bytes:
    """The minutes; every page marked "DRAFT" until the body approves them by its vote."""
    with in_record_language():
        mark = watermark_uri(_("DRAFT"))
    return render_pdf(
        "documents/minutes.html",
        title=minutes_title(meeting),
        short_title=short_title(meeting, _l("Minutes")),
        lang=record_language(),
        draft_mark=mark,
        **(data or minutes_data(meeting)),
    )


def votes_pdf(meeting: Meeting, data: dict | None = None) -> bytes:
    """The meeting's record of votes: each motion, its roll call by member, the threshold and the result."""
    return render_pdf(
        "documents/votes.html",
        title=votes_title(meeting),
        short_title=short_title(meeting, _l("Record of votes")),
        lang=record_language(),
        **(data or votes_data(meeting)),
    )
