"""Matters (issue 20): one identity from intake to final action; each step on the record, in time order; a
deferral puts the matter on the next agenda by itself."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.city.models import CityProfile
from app.core.errors import DomainError
from app.core.timeutil import to_local
from app.extensions import db as _db
from app.matters import numbering
from app.matters import services as matter_service
from app.matters.models import Matter, MatterAction, MatterActionKind, MatterStatus, MatterType
from app.meetings import agenda, documents
from app.meetings.models import AgendaItem, AgendaItemType
from app.topics.models import Topic
from app.votes import motions as motion_service
from app.votes import roll_call as roll_call_service
from app.votes.models import MotionKind, VoteChoice
from tests.meetings_helpers import pdf_file
from tests.votes_helpers import hold_comment, items, roll_call, start

A = MatterActionKind


@pytest.fixture
def meeting(commission, open_meeting, clock, db):
    m = open_meeting(commission[0])
    start(m, clock, db)
    return m


def _actions(matter):
    return [a.action for a in _db.session.scalars(
        select(MatterAction).where(MatterAction.matter_id == matter.id).order_by(MatterAction.at, MatterAction.id)
    )]  # fmt: skip


def _vote(meeting, item, members, *, kind=MotionKind.main, yes=True, **kw):
    motion = motion_service.make_motion(
        meeting, kind=kind, text="Move", item=item, mover_id=members[5].id, seconder_id=members[1].id, actor=None, **kw
    )
    roll_call_service.open_vote(motion, actor=None)
    for member in members:
        roll_call_service.record_vote(motion, member.id, VoteChoice.yes if yes else VoteChoice.no, actor=None)
    roll_call_service.close_vote(motion, actor=None)
    _db.session.commit()
    return motion


def test_adding_an_item_opens_a_matter_with_the_next_file_number(create_meeting, clock, db):
    meeting = create_meeting(kind="regular")
    first = agenda.add_item(
        meeting, section="Resolutions", title="A resolution", body_md="Text", item_type=AgendaItemType.resolution,
        actor=None,
    )  # fmt: skip
    second = agenda.add_item(
        meeting, section="Resolutions", title="Lease", body_md="", item_type=AgendaItemType.motion,
        agreement_category="Lease", actor=None,
    )  # fmt: skip
    year = to_local(clock.now).year % 100
    assert first.matter.file_number == first.file_number == f"{year:02d}-0001"
    assert second.file_number == f"{year:02d}-0002"
    assert first.matter.matter_type == MatterType.resolution and second.matter.matter_type == MatterType.contract
    assert first.matter.status == MatterStatus.on_agenda
    assert _actions(first.matter) == [A.introduced, A.placed_on_agenda]


def test_the_city_sets_the_pattern(create_meeting, clock, db):
    profile = db.session.scalar(select(CityProfile).limit(1))
    if profile is None:
        profile = CityProfile(timezone="America/New_York", record_language="en")
        db.session.add(profile)
    profile.file_number_pattern = numbering.check_pattern("{yyyy}-{nnnn}")
    meeting = create_meeting(kind="regular")
    item = agenda.add_item(meeting, section="Resolutions", title="R", body_md="", item_type=AgendaItemType.report,
                           actor=None)  # fmt: skip
    assert item.file_number == f"{to_local(clock.now).year}-0001"


def test_pattern_format_and_refusals():
    assert numbering.format_number("{yy}-{nnnn}", 2025, 123) == "25-0123"
    assert numbering.format_number("{yyyy}-{nnnn}", 2025, 123) == "2025-0123"
    assert numbering.format_number("ORD {yyyy}/{nnn}", 2025, 7) == "ORD 2025/007"
    for bad in ("", "{yyyy}", "{nnnn}{nnnn}", "{yy}{yyyy}-{nnnn}", "<b>{nnnn}", "x" * 41 + "{nnnn}"):
        with pytest.raises(DomainError):
            numbering.check_pattern(bad)


def test_items_made_without_the_service_still_get_a_matter(create_meeting, db):
    meeting = create_meeting(kind="regular")
    item = AgendaItem(meeting_id=meeting.id, meeting=meeting, section="Resolutions", position=1, title="Direct",
                      item_type=AgendaItemType.ordinance, file_number="26-0900")  # fmt: skip
    db.session.add(item)
    db.session.commit()
    assert item.matter.file_number == "26-0900" and item.matter.matter_type == MatterType.ordinance


def test_adopted_resolution_moves_its_matter(meeting, commission, db):
    _gen, resolution_item, _min = items(meeting)
    roll_call(meeting, commission[1])
    hold_comment(resolution_item)
    motion = _vote(meeting, resolution_item, commission[1])
    matter = resolution_item.matter
    assert matter.status == MatterStatus.adopted
    last = matter.actions[-1]
    assert last.action == A.adopted and last.motion_id == motion.id and last.meeting_id == meeting.id


def test_failed_vote_moves_its_matter(meeting, commission, db):
    _gen, resolution_item, _min = items(meeting)
    roll_call(meeting, commission[1])
    hold_comment(resolution_item)
    _vote(meeting, resolution_item, commission[1], yes=False)
    assert resolution_item.matter.status == MatterStatus.failed
    assert _actions(resolution_item.matter)[-1] == A.failed


def test_consent_agenda_approves_each_matter(meeting, commission, db):
    _gen, resolution_item, minutes_item = items(meeting)
    roll_call(meeting, commission[1])
    hold_comment(resolution_item)
    _vote(meeting, None, commission[1], kind=MotionKind.adopt_consent_agenda,
          consent_items=[minutes_item, resolution_item])  # fmt: skip
    assert minutes_item.matter.status == MatterStatus.approved
    assert resolution_item.matter.status == MatterStatus.adopted


@pytest.mark.parametrize(
    ("kind", "extra", "status"),
    [
        (MotionKind.table, {}, MatterStatus.tabled),
        (MotionKind.refer, {"referred_to": "Planning Board"}, MatterStatus.referred),
    ],
)
def test_table_and_refer_move_the_matter(meeting, commission, db, kind, extra, status):
    _gen, resolution_item, _min = items(meeting)
    roll_call(meeting, commission[1])
    _vote(meeting, resolution_item, commission[1], kind=kind, **extra)
    assert resolution_item.matter.status == status
    if kind == MotionKind.refer:
        assert resolution_item.matter.actions[-1].referred_to == "Planning Board"


def test_deferred_item_appears_on_the_next_draft_agenda_by_itself(meeting, commission, create_meeting, db):
    body, members = commission
    _gen, item, _min = items(meeting)
    topic = Topic(name="Public safety", slug="public-safety")
    db.session.add(topic)
    item.topics = [topic]
    item.sponsors = [members[2]]
    documents.add_attachment(item, filename="staff-report.pdf", stream=pdf_file()[0], amendment_reason="Report",
                             actor=None)  # fmt: skip
    db.session.commit()
    later = create_meeting(body, kind="regular", start_at=meeting.start_at + timedelta(days=14), title="Next")
    roll_call(meeting, members)
    _vote(meeting, item, members, kind=MotionKind.postpone, postponed_to=to_local(later.start_at).date())
    carried = [i for i in later.items if i.matter_id == item.matter_id]
    assert len(carried) == 1
    new = carried[0]
    assert new.title == item.title and new.section == item.section and new.file_number == item.file_number
    assert [t.id for t in new.topics] == [topic.id] and [m.id for m in new.sponsors] == [members[2].id]
    assert [a.original_filename for a in new.attachments] == ["staff-report.pdf"]
    assert new.attachments[0].stored_name != item.attachments[0].stored_name
    deferred = [a for a in item.matter.actions if a.action == A.deferred][0]
    assert deferred.target_meeting_id == later.id and "Placed on the agenda" in deferred.note
    assert _actions(item.matter) == [A.introduced, A.placed_on_agenda, A.deferred, A.placed_on_agenda]
    assert item.matter.status == MatterStatus.deferred


def test_deferral_to_a_day_without_a_meeting_is_recorded_without_placement(meeting, commission, db):
    _gen, item, _min = items(meeting)
    roll_call(meeting, commission[1])
    day = to_local(meeting.start_at).date() + timedelta(days=30)
    _vote(meeting, item, commission[1], kind=MotionKind.postpone, postponed_to=day)
    deferred = item.matter.actions[-1]
    assert deferred.action == A.deferred and deferred.target_meeting_id is None and deferred.target_date == day
    assert db.session.scalar(select(Matter).where(Matter.id == item.matter_id)).items == [item]


def test_bring_back_an_existing_matter_and_refusals(create_meeting, db):
    meeting = create_meeting(kind="regular")
    item = agenda.add_item(meeting, section="Resolutions", title="R", body_md="", item_type=AgendaItemType.report,
                           actor=None)  # fmt: skip
    matter = matter_service.matter_to_bring_back(item.file_number)
    with pytest.raises(DomainError, match="already on this agenda"):
        agenda.add_item(meeting, section="Resolutions", title="R", body_md="", item_type=AgendaItemType.report,
                        matter=matter, actor=None)  # fmt: skip
    other = create_meeting(meeting.body, kind="regular", start_at=meeting.start_at + timedelta(days=7))
    again = agenda.add_item(other, section="Resolutions", title="R", body_md="", item_type=AgendaItemType.report,
                            matter=matter, actor=None)  # fmt: skip
    assert again.matter_id == item.matter_id and again.file_number == item.file_number
    with pytest.raises(DomainError, match="No matter"):
        matter_service.matter_to_bring_back("99-9999")
    with pytest.raises(DomainError, match="reading"):
        agenda.add_item(other, section="Resolutions", title="R", body_md="", item_type=AgendaItemType.report,
                        reading="first", actor=None)  # fmt: skip


def test_withdrawn_item_and_hand_recorded_steps(create_meeting, db):
    meeting = create_meeting(kind="regular")
    item = agenda.add_item(meeting, section="Resolutions", title="R", body_md="", item_type=AgendaItemType.report,
                           actor=None)  # fmt: skip
    agenda.withdraw_item(item, reason="Applicant asked", actor=None)
    assert item.matter.status == MatterStatus.withdrawn
    with pytest.raises(DomainError):
        matter_service.record_by_hand(item.matter, "adopted", note="x", actor=None)
    with pytest.raises(DomainError):
        matter_service.record_by_hand(item.matter, "referred", note="x", actor=None)
    matter_service.record_by_hand(item.matter, "filed", note="Filed without action", actor=None)
    assert item.matter.status == MatterStatus.filed
    with pytest.raises(DomainError, match="closed"):
        matter_service.record_by_hand(item.matter, "withdrawn", note="again", actor=None)


def test_ordinance_readings(meeting, commission, db):
    body, members = commission
    first = agenda.add_item(meeting, section="Resolutions", title="Ordinance 1", body_md="",
                            item_type=AgendaItemType.ordinance, reading="first", amendment_reason="Added",
                            actor=None)  # fmt: skip
    db.session.commit()
    roll_call(meeting, members)
    hold_comment(first)
    _vote(meeting, first, members)
    assert first.matter.status == MatterStatus.first_reading_passed


def test_a_meeting_scheduled_later_takes_the_matter_deferred_to_its_day(meeting, commission, db):
    from app.meetings import agenda_template
    from app.meetings.models import MeetingKind

    body, members = commission
    _gen, item, _min = items(meeting)
    roll_call(meeting, members)
    later = meeting.start_at + timedelta(days=21)
    _vote(meeting, item, members, kind=MotionKind.postpone, postponed_to=to_local(later).date())
    assert item.matter.actions[-1].target_meeting_id is None
    made = agenda_template.schedule_meeting(
        body=body, kind=MeetingKind.regular, title="Regular meeting", start_at=later, end_at=None,
        location="City Hall", remote_url=None, purpose=None, actor=None,
    )  # fmt: skip
    db.session.commit()
    carried = [i for i in made.items if i.matter_id == item.matter_id]
    assert len(carried) == 1 and carried[0].file_number == item.file_number
    deferred = [a for a in item.matter.actions if a.action == A.deferred][0]
    assert deferred.target_meeting_id == made.id
    assert item.matter.status == MatterStatus.deferred
