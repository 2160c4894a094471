"""Minutes: drafted from the record (attendance, comment, motions and roll calls), edited, released, approved.

The life of a meeting's minutes (issue 17):

1. ``generate_minutes`` / ``update_minutes``: the clerk's draft, seen by staff only.
2. ``release_minutes``: the clerk releases it as the draft for approval; from then on it is public, marked
   "Draft, not yet approved", and may still be corrected.
3. ``schedule_approval``: the clerk puts an item "Approval of the minutes of ..." on the agenda of a later
   regular meeting of the same body (through the agenda service), linked to the minutes
   (``Minutes.approval_item``; the model's docstring says why the link is held on the minutes).
4. The body votes on that item. ``app.minutes.reactions`` answers ``votes.events.item_decided``: a passed vote
   calls ``approve_by_vote`` (approved and locked, with the meeting and the motion); a failed one
   ``record_not_approved`` (they stay released, and can be put on another agenda). A passed reconsideration
   (``item_reopened``) puts approved minutes back to released until the question is decided again.

The clerk cannot approve alone: the only way to approved minutes is a passed vote of the body. (A body setting
naming another rule, e.g. approval by the clerk for an advisory board, is not built.)
"""

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from app.core import audit
from app.core.errors import DomainError
from app.core.record import in_record_language
from app.core.text import clean_text
from app.core.timeutil import to_local, utcnow
from app.extensions import db
from app.legislation.digest import pin_digest
from app.meetings import agenda, floor
from app.meetings.models import (
    AgendaItem,
    AgendaItemType,
    CommentExemption,
    LogKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Minutes,
    MinutesStatus,
)
from app.public_comment.tallies import comment_summary
from app.video import index as video_index
from app.video.links import watch_url
from app.votes.reading import minutes_lines

S = MeetingStatus


def draft_minutes_text(meeting: Meeting) -> str:
    """A summary of what was done, from the record (minutes are not a transcript), in the record's language
    whatever the language of the clerk who asks for it."""
    with in_record_language():
        return _draft_minutes_text(meeting)


def _draft_minutes_text(meeting: Meeting) -> str:
    local = to_local(meeting.start_at)
    lines = [
        f"**Minutes: {meeting.title}**",
        "",
        f"{meeting.body.name}, {meeting.kind.value} meeting, {local:%A, %B %-d, %Y}, {local:%-I:%M %p %Z}, "
        f"{meeting.location}.",
        "",
    ]
    if meeting.purpose:
        lines += [f"Purpose stated in the call: {meeting.purpose}", ""]
    if meeting.status == S.cancelled:
        lines += [f"The meeting was cancelled. Reason: {meeting.cancelled_reason}", ""]
    called = floor.first_moment(meeting, LogKind.called_to_order)
    if called is not None:
        lines += [f"Called to order at {to_local(called):%-I:%M %p}.", ""]
    if meeting.attendances:
        lines += ["### Attendance", ""]
        for row in sorted(meeting.attendances, key=lambda a: a.member.sort_name):
            left = f", left {to_local(row.departed_at):%-I:%M %p}" if row.departed_at else ""
            lines.append(f"- {row.member.full_name}: {str(row.status.label).lower()}{left}")
        lines.append("")
    lines += ["### Items", ""]
    summaries = comment_summary(meeting)
    recorded = minutes_lines(meeting)
    times = floor.item_times(meeting)
    video = video_index.chapters(meeting) if times else None
    for item in meeting.ordered_items:
        if item.is_withdrawn:
            lines.append(f"- {item.label} {item.title} ({item.file_number}): withdrawn. {item.withdrawn_reason}")
        else:
            lines.append(f"- {item.label} {item.title} ({item.file_number})")
            if item.id in times:
                start, end = times[item.id]
                until = f" to {to_local(end):%-I:%M %p}" if end else ""
                lines.append(f"    - Before the body from {to_local(start):%-I:%M %p}{until}.")
                lines += _video_lines(video, item.id)
            lines += [f"    - {line}" for line in summaries.get(item.id, []) + recorded.get(item.id, [])]
    adjourned = floor.first_moment(meeting, LogKind.adjourned)
    if adjourned is not None:
        lines += ["", f"Adjourned at {to_local(adjourned):%-I:%M %p}."]
    return "\n".join(lines) + "\n"


def _video_lines(video, item_id: int) -> list[str]:
    """The item in the meeting's video (issue 21): where it plays, from the live log. Nothing when no recording
    holds it. (The speakers with their positions are already listed from the queue by ``comment_summary``.)"""
    if not video:
        return []
    lines = []
    mark = video.find("item", item_id)
    if mark is not None:
        recording = video.part(mark.part)
        end = f" to {video_index.clock(mark.end_second)}" if mark.end_second is not None else ""
        part = f"part {mark.part}, " if len(video.parts) > 1 else ""
        link = _watch_link(recording, mark.second)
        lines.append(f"    - Video: {part}{video_index.clock(mark.second)}{end} ({link}).")
    return lines


def _watch_link(recording, second: int) -> str:
    """The video page at ``second``: absolute when a clerk asks (a request), the path when the CLI drafts it."""
    from flask import has_request_context, request

    if has_request_context():
        return request.host_url.rstrip("/") + watch_url(recording, second)
    return f"/meetings/{recording.meeting_id}/video?part={recording.part}&t={second}"


def generate_minutes(meeting: Meeting, *, actor, replace: bool = False) -> Minutes:
    if meeting.status == S.draft:
        raise DomainError(_("Minutes are kept for meetings whose notice is published."))
    minutes = meeting.minutes
    if minutes is not None and minutes.is_locked:
        raise DomainError(_("These minutes are approved and locked."))
    if minutes is not None and not replace:
        raise DomainError(
            _("Draft minutes already exist. Tick “replace” to regenerate them from the record."), field="replace"
        )
    text = draft_minutes_text(meeting)
    if minutes is None:
        minutes = Minutes(
            meeting_id=meeting.id, body_md=text, status=MinutesStatus.draft, created_at=utcnow(), updated_at=utcnow()
        )
        db.session.add(minutes)
        meeting.minutes = minutes
    else:
        minutes.body_md, minutes.updated_at = text, utcnow()
    db.session.flush()
    audit.record("minutes.generate", minutes, f"Generated draft minutes of '{meeting.title}'", actor=actor)
    return minutes


def update_minutes(minutes: Minutes, *, body_md: str, actor) -> None:
    if minutes.is_locked:
        raise DomainError(_("These minutes are approved and locked."))
    before = minutes.body_md
    minutes.body_md, minutes.updated_at = clean_text(body_md, multiline=True), utcnow()
    if before != minutes.body_md:
        audit.record(
            "minutes.update",
            minutes,
            "Edited draft minutes",
            actor=actor,
            data={"before": before, "after": minutes.body_md},
        )
    db.session.flush()


def release_minutes(minutes: Minutes, *, actor) -> None:
    """The clerk releases the draft for approval: from now on it is public, marked "Draft, not yet approved"."""
    if minutes.is_locked:
        raise DomainError(_("These minutes are approved and locked."))
    if minutes.is_released:
        raise DomainError(_("These minutes are already released for approval."))
    if not (minutes.body_md or "").strip():
        raise DomainError(_("The draft is empty: write the minutes before releasing them."))
    minutes.status, minutes.released_at = MinutesStatus.released, utcnow()
    db.session.flush()
    audit.record(
        "minutes.release",
        minutes,
        f"Released the draft minutes of '{minutes.meeting.title}' for approval",
        actor=actor,
        data={"body_md": minutes.body_md},
    )


#: The meetings at which the body may approve minutes: regular meetings whose agenda can still change. A special or
#: emergency meeting takes up only the business stated in its call (R3), a workshop takes no official action.
OPEN_FOR_BUSINESS = (MeetingStatus.draft, MeetingStatus.noticed, MeetingStatus.rescheduled)


def next_meeting_for_approval(minutes: Minutes) -> Meeting | None:
    """The next regular meeting of the same body after the minutes' meeting whose agenda can still take an item."""
    meeting = minutes.meeting
    return db.session.scalars(
        select(Meeting)
        .where(
            Meeting.body_id == meeting.body_id,
            Meeting.start_at > meeting.start_at,
            Meeting.kind == MeetingKind.regular,
            Meeting.status.in_(OPEN_FOR_BUSINESS),
        )
        .order_by(Meeting.start_at, Meeting.id)
        .limit(1)
    ).first()


def pending_approval_item(minutes: Minutes) -> AgendaItem | None:
    """The item that puts these minutes to the body and has not been disposed of: not withdrawn, at a meeting
    neither adjourned nor cancelled, while the minutes are not approved."""
    item = minutes.approval_item
    if minutes.is_locked or item is None or item.is_withdrawn:
        return None
    if item.meeting.status in (MeetingStatus.adjourned, MeetingStatus.cancelled):
        return None
    return item


def approval_section(sections: list[str]) -> str:
    """Where an approval of minutes goes: a section named for minutes, else the consent agenda, else the first."""
    for word in ("minute", "consent"):
        for name in sections:
            if word in name.lower():
                return name
    return sections[0]


def approval_title(minutes: Minutes) -> str:
    """The item's title, record text in the city's record language."""
    meeting = minutes.meeting
    with in_record_language():
        return _(
            "Approval of the minutes of the %(title)s of %(date)s",
            title=meeting.title,
            date=format_date(to_local(meeting.start_at).date(), "long"),
        )


def schedule_approval(
    minutes: Minutes, meeting: Meeting | None, *, amendment_reason: str | None = None, actor
) -> AgendaItem:
    """Put "Approval of the minutes of ..." on the agenda of ``meeting`` (a later regular meeting of the same
    body), a ministerial item without public comment (F.S. 286.0114(3)), linked to the minutes."""
    if minutes.is_locked:
        raise DomainError(_("These minutes are approved and locked."))
    if not minutes.is_released:
        raise DomainError(_("Release the draft for approval first: the public sees what the body approves."))
    if meeting is None:
        raise DomainError(_("Choose a later regular meeting of the same body."), field="meeting_id")
    if (
        meeting.body_id != minutes.meeting.body_id
        or meeting.id == minutes.meeting_id
        or meeting.start_at <= minutes.meeting.start_at
        or meeting.kind != MeetingKind.regular
    ):
        raise DomainError(_("Choose a later regular meeting of the same body."), field="meeting_id")
    pending = pending_approval_item(minutes)
    if pending is not None:
        raise DomainError(
            _(
                "These minutes are already on the agenda of %(meeting)s (item %(label)s).",
                meeting=pending.meeting.title,
                label=pending.label,
            )
        )
    item = agenda.add_item(
        meeting,
        section=approval_section(meeting.body.agenda_sections),
        title=approval_title(minutes),
        body_md="",
        item_type=AgendaItemType.ministerial,
        public_comment_required=False,
        comment_exemption=CommentExemption.ministerial,
        within_purpose=True,
        amendment_reason=amendment_reason,
        actor=actor,
    )
    minutes.approval_item = item
    db.session.flush()
    audit.record(
        "minutes.schedule_approval",
        minutes,
        f"Put the approval of the minutes of '{minutes.meeting.title}' on the agenda of '{meeting.title}' "
        f"as item {item.label}",
        actor=actor,
        data={"meeting_id": meeting.id, "agenda_item_id": item.id},
    )
    return item


def minutes_for_item(item: AgendaItem) -> Minutes | None:
    """The minutes an "Approval of the minutes" item puts to the body, if ``item`` is one."""
    if item.item_type != AgendaItemType.ministerial or item.id is None:
        return None
    return db.session.scalar(select(Minutes).where(Minutes.approval_item_id == item.id))


def approve_by_vote(minutes: Minutes, motion, *, actor) -> None:
    """The body's passed vote on the approval item approves the minutes and locks them for good."""
    if minutes.is_locked:
        return  # already approved (by an earlier vote on this item): nothing more to record
    meeting = motion.meeting
    minutes.status = MinutesStatus.approved
    minutes.approved_at = motion.closed_at or utcnow()
    minutes.approved_at_meeting = meeting
    minutes.approved_motion = motion
    if minutes.released_at is None:
        minutes.released_at = minutes.approved_at
    db.session.flush()
    audit.record(
        "minutes.approve",
        minutes,
        f"Minutes of '{minutes.meeting.title}' approved by the body at '{meeting.title}' (motion {motion.id})",
        actor=actor,
        data={"approved_at_meeting_id": meeting.id, "motion_id": motion.id, "body_md": minutes.body_md},
    )
    # The approved minutes pin the record as it stands now (issue 16: a record that proves itself).
    pin_digest(minutes.meeting, actor=actor, reason="minutes approved")


def record_not_approved(minutes: Minutes, motion, *, actor) -> None:
    """A failed vote: the minutes stay released, and the audit log says the body did not approve them."""
    audit.record(
        "minutes.not_approved",
        minutes,
        f"The body did not approve the minutes of '{minutes.meeting.title}' at '{motion.meeting.title}' "
        f"(motion {motion.id})",
        actor=actor,
        data={"meeting_id": motion.meeting_id, "motion_id": motion.id},
    )


def reopen_approval(minutes: Minutes, item: AgendaItem, *, actor) -> None:
    """A passed reconsideration of the approval vote: the question is open again, so the minutes are released, not
    approved, until the body decides it again."""
    if not minutes.is_locked or minutes.approval_item_id != item.id:
        return
    before = {
        "approved_at_meeting_id": minutes.approved_at_meeting_id,
        "motion_id": minutes.approved_motion_id,
    }
    minutes.status = MinutesStatus.released
    minutes.approved_at = minutes.approved_at_meeting = minutes.approved_motion = None
    db.session.flush()
    audit.record(
        "minutes.reopened",
        minutes,
        f"Approval of the minutes of '{minutes.meeting.title}' reopened by reconsideration",
        actor=actor,
        data=before,
    )
