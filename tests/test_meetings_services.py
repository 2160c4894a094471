"""The rules of meetings, notices and agendas, exercised through the services."""

import io
import zipfile
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.meetings import agenda, documents, lifecycle
from app.meetings.models import (
    AgendaItemType,
    Attachment,
    CommentExemption,
    MeetingChangeKind,
    MeetingKind,
    MeetingStatus,
)
from app.minutes import services as minutes_service
from tests.meetings_helpers import PDF

NY = ZoneInfo("America/New_York")


@pytest.fixture
def clerk(create_user):
    return create_user(Role.clerk)


def _publish_at(clock, meeting, lead, **kwargs):
    clock.now = meeting.start_at - lead
    return lifecycle.publish_meeting(meeting, actor=None, **kwargs)


# --- notice boundaries (R2) ------------------------------------------------------------------


def test_special_meeting_blocked_at_23h59_allowed_at_24h(create_meeting, clock, db):
    blocked = create_meeting(kind="special")
    with pytest.raises(DomainError, match="needs at least 24 hours"):
        _publish_at(clock, blocked, timedelta(hours=23, minutes=59))
    assert blocked.status == MeetingStatus.draft and blocked.first_published_at is None

    allowed = create_meeting(kind="special")
    check = _publish_at(clock, allowed, timedelta(hours=24))
    assert check.level == "warn"  # under 72 hours
    assert allowed.status == MeetingStatus.noticed


@pytest.mark.parametrize(
    "lead, level",
    [
        (timedelta(hours=71, minutes=59), "warn"),
        (timedelta(hours=72), "ok"),
    ],
)
def test_special_meeting_warning_at_72_hours(create_meeting, clock, lead, level):
    meeting = create_meeting(kind="special")
    assert _publish_at(clock, meeting, lead).level == level


@pytest.mark.parametrize(
    "lead, level",
    [
        (timedelta(days=6, hours=23, minutes=59), "warn"),
        (timedelta(days=7), "ok"),
    ],
)
def test_regular_meeting_warning_at_7_days(create_meeting, clock, lead, level):
    meeting = create_meeting(kind="regular")
    assert _publish_at(clock, meeting, lead).level == level


def test_block_can_be_overridden_only_with_a_reason(create_meeting, clock, db):
    meeting = create_meeting(kind="special")
    with pytest.raises(DomainError) as refused:
        _publish_at(clock, meeting, timedelta(hours=5), override_reason="   ")
    assert refused.value.field == "override_reason"
    _publish_at(clock, meeting, timedelta(hours=5), override_reason="Hurricane damage to City Hall")
    db.session.commit()
    assert meeting.notice_override_reason == "Hurricane damage to City Hall"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "meeting.publish")).one()
    assert entry.data["override_reason"] == "Hurricane damage to City Hall"


def test_emergency_meeting_any_lead_time_but_needs_justification(create_meeting, clock):
    meeting = create_meeting(kind="emergency")
    with pytest.raises(DomainError, match="justification"):
        _publish_at(clock, meeting, timedelta(hours=1))
    check = _publish_at(clock, meeting, timedelta(hours=1), emergency_justification="Storm surge warning")
    assert check.level == "ok" and meeting.status == MeetingStatus.noticed


# 2026 DST changes in New York: March 8 (clocks jump 02:00 -> 03:00) and November 1 (03:00 -> 02:00 back to 01:00).
@pytest.mark.parametrize(
    "start_local, wall_day_hours",
    [
        (datetime(2026, 3, 8, 18, 0, tzinfo=NY), 23),  # "one day before" on the wall clock is only 23 real hours
        (datetime(2026, 11, 1, 18, 0, tzinfo=NY), 25),  # and here 25
    ],
)
def test_notice_lead_time_is_real_hours_across_dst(create_meeting, clock, start_local, wall_day_hours):
    start = start_local.astimezone(UTC)
    wall_clock_day_before = (start_local - timedelta(days=1)).replace(tzinfo=NY)  # same wall time, previous day
    real = start - wall_clock_day_before.astimezone(UTC)
    assert real == timedelta(hours=wall_day_hours)

    blocked = create_meeting(kind="special", start_at=start)
    clock.now = start - timedelta(hours=23, minutes=59)
    with pytest.raises(DomainError, match="24 hours"):
        lifecycle.publish_meeting(blocked, actor=None)
    allowed = create_meeting(kind="special", start_at=start)
    clock.now = start - timedelta(hours=24)
    assert lifecycle.publish_meeting(allowed, actor=None).level == "warn"
    # The 72-hour mark, across the change.
    m72 = create_meeting(kind="special", start_at=start)
    clock.now = start - timedelta(hours=72)
    assert lifecycle.publish_meeting(m72, actor=None).level == "ok"
    m71 = create_meeting(kind="special", start_at=start)
    clock.now = start - timedelta(hours=71, minutes=59)
    assert lifecycle.publish_meeting(m71, actor=None).level == "warn"
    # The 7-day mark for a regular meeting.
    r7 = create_meeting(kind="regular", start_at=start)
    clock.now = start - timedelta(days=7)
    assert lifecycle.publish_meeting(r7, actor=None).level == "ok"
    r6 = create_meeting(kind="regular", start_at=start)
    clock.now = start - timedelta(days=7) + timedelta(minutes=1)
    assert lifecycle.publish_meeting(r6, actor=None).level == "warn"


def test_first_publication_time_is_immutable(create_meeting, clock, db):
    meeting = create_meeting(kind="regular")
    _publish_at(clock, meeting, timedelta(days=8))
    first = meeting.first_published_at
    with pytest.raises(DomainError, match="already published"):
        lifecycle.publish_meeting(meeting, actor=None)
    with pytest.raises(ValueError):
        meeting.first_published_at = first + timedelta(days=1)
    assert meeting.first_published_at == first


def test_per_body_settings_change_the_thresholds(create_body, create_meeting, clock):
    body = create_body(notice_special_block_hours=48, notice_special_warn_hours=96)
    meeting = create_meeting(body, kind="special")
    with pytest.raises(DomainError, match="48 hours"):
        _publish_at(clock, meeting, timedelta(hours=47))


# --- lifecycle ---------------------------------------------------------------------------------

# The lifecycle as the README states it, written out here on its own rather than read from the service:
# draft → noticed → (rescheduled, as often as needed) → in progress → adjourned; a meeting not yet called to
# order may instead be cancelled, with a reason. For each public action: the states it may start from, and
# the state it leads to. Every other (action, state) pair must be refused and change nothing.
M = MeetingStatus
LIFECYCLE = {
    "publish notice": ({M.draft}, M.noticed),
    "reschedule": ({M.noticed, M.rescheduled}, M.rescheduled),
    "call to order": ({M.noticed, M.rescheduled}, M.in_progress),
    "adjourn": ({M.in_progress}, M.adjourned),
    "cancel": ({M.draft, M.noticed, M.rescheduled}, M.cancelled),
}
#: How a new draft reaches each state through the same public actions.
PATH_TO = {
    M.draft: [],
    M.noticed: ["publish notice"],
    M.rescheduled: ["publish notice", "reschedule"],
    M.in_progress: ["publish notice", "call to order"],
    M.adjourned: ["publish notice", "call to order", "adjourn"],
    M.cancelled: ["publish notice", "cancel"],
}


def _do(action, meeting, *, reason="Storm warning for the Keys"):
    if action == "publish notice":
        lifecycle.publish_meeting(meeting, actor=None)
    elif action == "reschedule":
        later = meeting.start_at + timedelta(days=1)
        lifecycle.reschedule_meeting(meeting, start_at=later, end_at=None, reason=reason, actor=None)
    elif action == "call to order":  # ten days ahead: before the noticed time, so with a reason
        lifecycle.start_meeting(meeting, actor=None, early_reason=reason)
    elif action == "adjourn":
        lifecycle.adjourn_meeting(meeting, actor=None)
    elif action == "cancel":
        lifecycle.cancel_meeting(meeting, reason=reason, actor=None)
    else:  # pragma: no cover
        raise AssertionError(action)


@pytest.mark.parametrize("current", list(MeetingStatus), ids=str)
@pytest.mark.parametrize("action", list(LIFECYCLE))
def test_every_transition(create_meeting, db, action, current):
    from app.meetings.models import Meeting

    meeting = create_meeting()  # a special meeting ten days ahead: every action's own checks pass
    for step in PATH_TO[current]:
        _do(step, meeting)
    db.session.commit()
    assert meeting.status == current
    sequence = meeting.sequence
    allowed_from, target = LIFECYCLE[action]

    if current in allowed_from:
        if action in ("cancel", "reschedule"):  # the reason is required, and stays on the record
            with pytest.raises(DomainError, match="reason"):
                _do(action, meeting, reason="   ")
            db.session.rollback()
        _do(action, meeting)
        db.session.commit()
        db.session.expire_all()
        stored = db.session.get(Meeting, meeting.id)
        assert stored.status == target
        assert stored.sequence == sequence + 1  # calendars see every change of state
        if target == M.cancelled:
            assert stored.cancelled_reason == "Storm warning for the Keys" and stored.cancelled_at is not None
    else:
        with pytest.raises(DomainError):
            _do(action, meeting)
        db.session.rollback()
        stored = db.session.get(Meeting, meeting.id)
        assert (stored.status, stored.sequence) == (current, sequence)
        assert meeting.status == current


def test_lifecycle_through_services_keeps_the_id(create_meeting, clock, db):
    meeting = create_meeting(kind="regular")
    meeting_id = meeting.id
    _publish_at(clock, meeting, timedelta(days=10))
    old_start = meeting.start_at
    lifecycle.reschedule_meeting(
        meeting, start_at=old_start + timedelta(days=2), end_at=None, reason="Room unavailable", actor=None
    )
    db.session.commit()
    assert meeting.id == meeting_id and meeting.status == MeetingStatus.rescheduled
    assert meeting.start_at == old_start + timedelta(days=2)
    change = [c for c in meeting.changes if c.kind == MeetingChangeKind.rescheduled][0]
    assert change.reason == "Room unavailable" and change.data["from"] == old_start.isoformat()
    lifecycle.cancel_meeting(meeting, reason="Hurricane warning", actor=None)
    db.session.commit()
    assert db.session.get(type(meeting), meeting_id).status == MeetingStatus.cancelled
    with pytest.raises(DomainError):
        lifecycle.start_meeting(meeting, actor=None)


def test_reschedule_and_cancel_need_reasons(create_meeting):
    meeting = create_meeting(status="noticed")
    with pytest.raises(DomainError, match="reason"):
        lifecycle.reschedule_meeting(
            meeting, start_at=meeting.start_at + timedelta(days=1), end_at=None, reason="", actor=None
        )
    with pytest.raises(DomainError, match="reason"):
        lifecycle.cancel_meeting(meeting, reason=" ", actor=None)


def test_sequence_increments_on_time_place_and_status_changes(create_meeting, clock):
    meeting = create_meeting(kind="regular")
    _publish_at(clock, meeting, timedelta(days=10))
    seq = meeting.sequence
    lifecycle.update_meeting(
        meeting,
        kind=meeting.kind,
        title=meeting.title,
        start_at=meeting.start_at,
        end_at=None,
        location="Old City Hall, 510 Greene Street",
        remote_url=None,
        purpose=meeting.purpose,
        reason="Chamber flooded",
        actor=None,
    )
    assert meeting.sequence == seq + 1
    lifecycle.reschedule_meeting(
        meeting, start_at=meeting.start_at + timedelta(hours=2), end_at=None, reason="Later", actor=None
    )
    assert meeting.sequence == seq + 2
    lifecycle.cancel_meeting(meeting, reason="No quorum expected", actor=None)
    assert meeting.sequence == seq + 3


def test_published_meeting_time_changes_only_by_rescheduling(create_meeting):
    meeting = create_meeting(status="noticed")
    with pytest.raises(DomainError, match="Reschedule"):
        lifecycle.update_meeting(
            meeting,
            kind=meeting.kind,
            title=meeting.title,
            start_at=meeting.start_at + timedelta(hours=1),
            end_at=None,
            location=meeting.location,
            remote_url=None,
            purpose=meeting.purpose,
            reason="",
            actor=None,
        )


def test_special_meeting_needs_purpose(create_body):
    with pytest.raises(DomainError, match="purpose"):
        lifecycle.schedule_meeting(
            body=create_body(),
            kind=MeetingKind.special,
            title="Special",
            start_at=datetime(2026, 6, 1, 20, tzinfo=UTC),
            end_at=None,
            location="City Hall",
            remote_url=None,
            purpose="  ",
            actor=None,
        )


# --- agenda ------------------------------------------------------------------------------------


def _add(meeting, title, section="Resolutions", **kwargs):
    kwargs.setdefault("item_type", AgendaItemType.resolution)
    return agenda.add_item(meeting, section=section, title=title, body_md="", actor=None, **kwargs)


def test_file_numbers_sequential_per_year_and_never_reused(create_meeting, clock, db):
    clock.now = datetime(2026, 12, 31, 12, tzinfo=UTC)
    meeting = create_meeting(kind="regular")
    first, second = _add(meeting, "One"), _add(meeting, "Two")
    assert (first.file_number, second.file_number) == ("26-0001", "26-0002")
    agenda.withdraw_item(second, reason="Sponsor withdrew it", actor=None)
    third = _add(meeting, "Three")
    assert third.file_number == "26-0003"
    clock.now = datetime(2027, 1, 1, 4, 30, tzinfo=UTC)  # 23:30 on Dec 31 in Key West
    assert _add(meeting, "Late night").file_number == "26-0004"
    clock.now = datetime(2027, 1, 1, 12, tzinfo=UTC)
    assert _add(meeting, "New year").file_number == "27-0001"


def test_labels_follow_section_and_renumber_on_reorder(create_meeting, db):
    meeting = create_meeting(kind="regular")
    a, b, c = _add(meeting, "A"), _add(meeting, "B"), _add(meeting, "C")
    call = _add(
        meeting,
        "Call to order",
        section="Call to Order",
        item_type=AgendaItemType.ministerial,
        public_comment_required=False,
        comment_exemption=CommentExemption.ministerial,
    )
    assert [a.label, b.label, c.label, call.label] == ["5.A", "5.B", "5.C", "1.A"]
    agenda.move_item(c, direction="up", actor=None)
    assert [a.label, c.label, b.label] == ["5.A", "5.B", "5.C"]
    agenda.move_item(a, direction="down", actor=None)
    assert [c.label, a.label, b.label] == ["5.A", "5.B", "5.C"]
    with pytest.raises(DomainError, match="already at the top"):
        agenda.move_item(c, direction="up", actor=None)
    agenda.move_item_to_section(b, section="Presentations", actor=None)
    assert b.label == "7.A"
    agenda.withdraw_item(c, reason="Withdrawn by sponsor", actor=None)
    assert a.label == "5.A" and c.label == "5.A" and c.is_withdrawn
    assert [i.title for i in meeting.active_items] == ["Call to order", "A", "B"]


def test_item_without_comment_needs_an_exemption_reason(create_meeting):
    meeting = create_meeting(kind="regular")
    with pytest.raises(DomainError) as err:
        _add(meeting, "Minutes approval", public_comment_required=False)
    assert err.value.field == "comment_exemption"


def test_sponsors_must_belong_to_the_body(create_meeting, create_member, create_body):
    meeting = create_meeting(kind="regular")
    outsider = create_member(create_body(), full_name="Out Sider")
    insider = create_member(meeting.body, full_name="In Sider")
    with pytest.raises(DomainError, match="Sponsors"):
        _add(meeting, "X", sponsor_ids=[outsider.id])
    assert _add(meeting, "Y", sponsor_ids=[insider.id]).sponsors == [insider]


def test_amendment_after_publication_needs_reason_and_is_logged(create_meeting, clock, db):
    meeting = create_meeting(kind="regular")
    _publish_at(clock, meeting, timedelta(days=10))
    first = _add(meeting, "Budget resolution")
    agenda.publish_agenda(meeting, actor=None)
    with pytest.raises(DomainError) as err:
        _add(meeting, "Late item")
    assert err.value.field == "amendment_reason"
    _add(meeting, "Late item", amendment_reason="Received after publication")
    agenda.update_item(
        first,
        title="Budget resolution (revised)",
        body_md="",
        item_type=AgendaItemType.resolution,
        amendment_reason="Typo in title",
        actor=None,
    )
    db.session.commit()
    amended = [c for c in meeting.changes if c.kind == MeetingChangeKind.agenda_amended]
    assert [c.summary for c in amended] == [
        "Item 5.B 'Late item' added",
        "Item 5.A 'Budget resolution (revised)' changed (title)",
    ]
    assert amended[0].reason == "Received after publication"


def test_special_meeting_item_outside_purpose_warns_then_records(create_meeting, db):
    meeting = create_meeting(kind="special", status="noticed")
    with pytest.raises(DomainError) as err:
        _add(meeting, "Parking rates", within_purpose=False)
    assert err.value.field == "confirm_outside_purpose"
    assert "Consider the 287(g) agreement" in err.value.message
    item = _add(meeting, "Parking rates", within_purpose=False, confirm_outside_purpose=True)
    db.session.commit()
    assert item.outside_purpose_note
    assert any(c.kind == MeetingChangeKind.outside_purpose for c in meeting.changes)


def test_every_change_is_audited(create_meeting, clock, db, clerk):
    meeting = create_meeting(kind="regular")
    _publish_at(clock, meeting, timedelta(days=10))
    item = agenda.add_item(
        meeting, section="Resolutions", title="X", body_md="", item_type=AgendaItemType.resolution, actor=clerk
    )
    agenda.move_item_to_section(item, section="Reports", actor=clerk)
    agenda.withdraw_item(item, reason="Gone", actor=clerk)
    db.session.commit()
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_id == clerk.id).order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "matter.open",
        "matter.action",  # introduced
        "agenda_item.add",
        "matter.action",  # placed on the agenda
        "agenda_item.move",
        "agenda_item.withdraw",
        "matter.action",  # withdrawn
    ]


# --- attachments -------------------------------------------------------------------------------


def _docx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def upload_dir(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def test_pdf_and_docx_are_stored_under_random_names(create_meeting, upload_dir, db):
    item = _add(create_meeting(kind="regular"), "X")
    pdf = documents.add_attachment(item, filename="Staff Report.pdf", stream=io.BytesIO(PDF), actor=None)
    docx = documents.add_attachment(item, filename="memo.docx", stream=io.BytesIO(_docx()), actor=None)
    assert pdf.content_type == "application/pdf" and docx.content_type.endswith("wordprocessingml.document")
    assert sorted(p.name for p in upload_dir.iterdir()) == sorted([pdf.stored_name, docx.stored_name])
    assert "Staff" not in pdf.stored_name and len(pdf.stored_name) == 32


@pytest.mark.parametrize(
    "filename, data, message",
    [
        ("report.pdf", b"MZ\x90\x00 this is a windows program", "none of those"),
        ("report.pdf", b"", "empty"),
        ("../../etc/passwd.pdf", PDF, "folders"),
        ("..\\evil.pdf", PDF, "folders"),
        ("", PDF, "Choose a file"),
        ("report.png", PDF, "content is PDF"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_written(create_meeting, upload_dir, db, filename, data, message):
    item = _add(create_meeting(kind="regular"), "X")
    with pytest.raises(DomainError, match=message):
        documents.add_attachment(item, filename=filename, stream=io.BytesIO(data), actor=None)
    assert not upload_dir.exists() or list(upload_dir.iterdir()) == []
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_oversized_upload_is_refused(app, create_meeting, upload_dir):
    app.config["MAX_ATTACHMENT_BYTES"] = 1000
    item = _add(create_meeting(kind="regular"), "X")
    with pytest.raises(DomainError, match="larger than"):
        documents.add_attachment(item, filename="big.pdf", stream=io.BytesIO(PDF + b"0" * 2000), actor=None)
    assert not upload_dir.exists() or list(upload_dir.iterdir()) == []


# --- minutes -----------------------------------------------------------------------------------


def test_minutes_draft_edit_release(create_meeting, create_body, clock, db):
    """Approval by the body's vote, and the lock, are in tests/test_minutes_approval.py."""
    body = create_body()
    meeting = create_meeting(body, kind="regular", status="noticed")
    _add(meeting, "Budget")
    later = create_meeting(body, kind="regular", status="noticed", start_at=meeting.start_at + timedelta(days=14))
    minutes = minutes_service.generate_minutes(meeting, actor=None)
    assert "5.A Budget" in minutes.body_md and minutes.status.value == "draft"
    minutes_service.update_minutes(minutes, body_md=minutes.body_md + "\nMotion carried.", actor=None)
    minutes_service.release_minutes(minutes, actor=None)
    with pytest.raises(DomainError, match="later regular meeting"):
        minutes_service.schedule_approval(minutes, meeting, actor=None)
    item = minutes_service.schedule_approval(minutes, later, actor=None)
    assert minutes.approval_item_id == item.id and not minutes.is_locked


def test_no_minutes_for_a_draft_meeting(create_meeting):
    with pytest.raises(DomainError):
        minutes_service.generate_minutes(create_meeting(kind="regular"), actor=None)
