"""Issue 16, two gaps in `flask verify`: meetings adjourned before digests were kept (`--pin-missing`), and lawful
changes to a record after its digest was pinned, which are pinned again with the reason, while a change made
behind the services' back still fails."""

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from app.core.audit import AuditEntry, iso_utc
from app.core.errors import DomainError
from app.legislation import digest
from app.legislation import services as legislation
from app.meetings import agenda, documents, lifecycle
from app.meetings.imports import record_past_meeting
from app.meetings.models import AgendaItemType, MeetingKind
from app.votes.models import Vote, VoteChoice
from tests.meetings_helpers import PDF
from tests.votes_helpers import adopt_six_to_one, hold_comment, items, roll_call, start


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
    adopt_six_to_one(meeting, item, members)
    lifecycle.adjourn_meeting(meeting, actor=None, confirm_open_items=True)  # items left open: confirmed
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


# --- changes after the digest was pinned --------------------------------------------------------------------------


def test_a_draft_edited_after_adjournment_is_pinned_again_with_the_reason(app, adjourned, db):
    """Editing the draft of a resolution that was on the agenda changes the meeting's record: lawful, through the
    service, so it is pinned again, and the chain shows both digests and why."""
    meeting, draft = adjourned
    first = digest.pinned_entry(meeting.id)
    legislation.update_draft(
        draft, title="Seawall repairs, phase 1", text_md="Repair the north end.", effective_on=None, actor=None
    )
    db.session.commit()

    result = _verify(app)
    assert result.exit_code == 0, result.output
    pins = _pins(db, meeting.id)
    assert [p.id for p in pins][:1] == [first.id] and len(pins) == 2
    repin = pins[-1]
    assert repin.data["reason"] == "draft resolution edited"
    assert repin.data["previous_digest"] == first.data["digest"] != repin.data["digest"]
    assert repin.data["previous_entry_id"] == first.id
    assert repin.data["digest"] == digest.current_digest(meeting)
    edited = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "resolution.edited")).all()[-1]
    assert edited.id < repin.id
    assert edited.data["before"]["title"] == "Seawall repairs"
    assert edited.data["after"]["title"] == "Seawall repairs, phase 1"


def test_a_draft_withdrawn_after_adjournment_is_pinned_again(app, adjourned, db):
    meeting, draft = adjourned
    legislation.withdraw(draft, actor=None)
    db.session.commit()
    assert _verify(app).exit_code == 0
    assert digest.pinned_entry(meeting.id).data["reason"] == "draft resolution withdrawn"


def test_a_change_that_leaves_the_record_alone_pins_nothing(app, adjourned, db):
    meeting, draft = adjourned
    legislation.update_draft(draft, title="Seawall repairs", text_md="Repair it.", effective_on=None, actor=None)
    db.session.commit()
    assert len(_pins(db, meeting.id)) == 1


def test_an_attachment_cannot_be_added_to_an_adjourned_meeting(app, adjourned, db):
    """The agenda of an adjourned meeting is frozen: a document cannot be slipped in afterwards, so it can never
    read as a mismatch either. (Approved minutes and Form 8B memoranda are not agenda documents.)"""
    meeting, _draft = adjourned
    item = items(meeting)[1]
    with pytest.raises(DomainError, match="can no longer change"):
        documents.add_attachment(
            item, filename="late.pdf", stream=io.BytesIO(PDF), amendment_reason="Handed out", actor=None
        )
    db.session.rollback()
    assert _verify(app).exit_code == 0
    assert len(_pins(db, meeting.id)) == 1


def test_after_a_lawful_change_a_vote_edited_in_the_database_still_fails_naming_the_latest_pin(app, adjourned, db):
    meeting, draft = adjourned
    legislation.update_draft(draft, title="Seawall, phase 2", text_md="More.", effective_on=None, actor=None)
    db.session.commit()
    latest = digest.pinned_entry(meeting.id)
    vote = db.session.scalars(select(Vote).where(Vote.choice == VoteChoice.no)).one()
    db.session.execute(text("UPDATE votes SET choice = 'yes' WHERE id = :id"), {"id": vote.id})
    db.session.commit()
    db.session.expire_all()
    result = _verify(app)
    assert result.exit_code == 1
    assert f"audit entry {latest.id} (record.digest of meeting {meeting.id}): recorded {latest.data['digest']}" in (
        result.output
    )


def test_a_resolution_first_opened_after_adjournment_is_pinned_again(app, adjourned, db):
    """Opening the resolution of an agenda item that had none creates its draft row, part of the record."""
    meeting, _draft = adjourned
    (parking,) = [i for i in meeting.items if i.title == "Resolution on parking"]
    assert legislation.find_resolution(parking) is None
    legislation.resolution_for(parking)
    db.session.commit()
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert digest.pinned_entry(meeting.id).data["reason"] == "resolution drafted from its agenda item"
    assert digest.current_digest(meeting) == digest.pinned_digest(meeting.id)
