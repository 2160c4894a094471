"""Issue 16, two gaps in `flask verify`: meetings adjourned before digests were kept (`--pin-missing`), and lawful
changes to a record after its digest was pinned, which are pinned again with the reason, while a change made
behind the services' back still fails."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from app.core.audit import AuditEntry, iso_utc
from app.legislation import digest
from app.legislation import services as legislation
from app.meetings import agenda, lifecycle
from app.meetings.imports import record_past_meeting
from app.meetings.models import AgendaItemType, MeetingKind
from app.votes import motions as motion_service
from app.votes import roll_call as roll_call_service
from app.votes.models import MotionKind, VoteChoice
from tests.votes_helpers import hold_comment, items, roll_call, start


def _verify(app, *args):
    return app.test_cli_runner().invoke(args=["verify", *args])


def _pins(db, meeting_id):
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == digest.DIGEST_ACTION, AuditEntry.target_id == meeting_id)
        .order_by(AuditEntry.id)
    ).all()


@pytest.fixture
def adjourned(commission, open_meeting, clock, db):
    """An adjourned meeting: its resolution adopted 6 to 1 by roll call, and a second resolution, added to the agenda
    and drafted but never reached, still a draft. Returns (meeting, draft)."""
    body, members = commission
    meeting = open_meeting(body)
    later = agenda.add_item(
        meeting,
        section="Resolutions",
        title="Resolution on the seawall",
        body_md="",
        item_type=AgendaItemType.resolution,
        amendment_reason="Added at the request of the mayor",
        actor=None,
    )
    draft = legislation.update_draft(
        legislation.resolution_for(later), title="Seawall repairs", text_md="Repair it.", effective_on=None, actor=None
    )
    agenda.add_item(
        meeting,
        section="Resolutions",
        title="Resolution on parking",
        body_md="Residential parking zones.",
        item_type=AgendaItemType.resolution,
        amendment_reason="Added at the request of a commissioner",
        actor=None,
    )  # its resolution is never opened before the meeting adjourns
    db.session.commit()
    start(meeting, clock, db)
    roll_call(meeting, members)
    item = items(meeting)[1]
    hold_comment(item)
    motion = motion_service.make_motion(
        meeting, kind=MotionKind.main, text="Move to adopt", item=item, mover_id=members[5].id,
        seconder_id=members[1].id, actor=None,
    )  # fmt: skip
    roll_call_service.open_vote(motion, actor=None)
    for member in members:
        choice = VoteChoice.no if member is members[3] else VoteChoice.yes
        roll_call_service.record_vote(motion, member.id, choice, actor=None)
    roll_call_service.close_vote(motion, actor=None)
    lifecycle.adjourn_meeting(meeting, actor=None)
    db.session.commit()
    return meeting, draft


# --- flask verify --pin-missing -----------------------------------------------------------------------------------


def test_verify_notes_meetings_without_a_digest_and_pin_missing_pins_them_saying_so(app, adjourned, db, clock):
    meeting, _draft = adjourned
    imported = record_past_meeting(
        body=meeting.body,
        kind=MeetingKind.regular,
        title="Regular meeting of May 2019",
        start_at=datetime(2019, 5, 7, 22, 0, tzinfo=UTC),
        location="Old City Hall",
        purpose="",
        actor=None,
    )
    db.session.commit()

    plain = _verify(app)
    assert plain.exit_code == 0, plain.output  # a note, not a failure
    assert "1 meetings match their recorded digests" in plain.output
    assert "Note: 1 adjourned meeting(s) have no pinned record digest" in plain.output
    assert digest.pinned_entry(imported.id) is None  # plain verify changes nothing

    clock.advance(days=30)
    pinned = _verify(app, "--pin-missing")
    assert pinned.exit_code == 0, pinned.output
    entry = digest.pinned_entry(imported.id)
    assert f"Pinned the record digest of meeting {imported.id} later (audit entry {entry.id})" in pinned.output
    assert "2 meetings match" in pinned.output and "Note:" not in pinned.output
    assert entry.actor_label == "cli" and entry.actor_id is None
    assert entry.data["reason"] == "pinned later" and entry.data["pinned_later"] is True
    assert entry.data["pinned_by"] == "flask verify --pin-missing"
    assert entry.data["pinned_at"] == iso_utc(clock.now)
    assert entry.data["digest"] == digest.current_digest(imported)
    assert f"pinned later, on {iso_utc(clock.now)}, by `flask verify --pin-missing`" in entry.summary
    assert "not as it stood at adjournment" in entry.summary
    assert len(_pins(db, meeting.id)) == 1  # the meeting already pinned is left alone

    again = _verify(app, "--pin-missing")
    assert again.exit_code == 0 and "Pinned" not in again.output and "2 meetings match" in again.output
    assert len(_pins(db, imported.id)) == 1


def test_pin_missing_never_pins_over_a_record_that_does_not_verify(app, adjourned, create_meeting, db):
    meeting, _draft = adjourned
    unpinned = create_meeting(meeting.body, status="adjourned")
    db.session.execute(text("UPDATE votes SET choice = 'yes' WHERE choice = 'no'"))
    db.session.commit()
    db.session.expire_all()
    result = _verify(app, "--pin-missing")
    assert result.exit_code == 1 and "MISMATCH" in result.output
    assert "Pinned" not in result.output
    assert digest.pinned_entry(unpinned.id) is None
