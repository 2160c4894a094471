"""Issue 17: minutes are the clerk's until released as the draft for approval, and approved only by a passed vote
of the body at a later meeting (app.minutes.services, app.minutes.reactions, app.staff.minutes)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.extensions import db as _db
from app.meetings.models import AgendaItemType, CommentExemption, MinutesStatus
from app.minutes import services as minutes_service
from app.votes import motions as motion_service
from app.votes import roll_call as roll_call_service
from app.votes.models import MotionKind, VoteChoice
from tests.votes_helpers import adopt_six_to_one, roll_call, start

SECRET = "The clerk's working note: not for the public yet."
REASON = "The minutes of the last meeting are ready for approval."


@pytest.fixture
def earlier(commission, create_meeting, db):
    """A noticed regular meeting of the commission, tomorrow, with draft minutes (not released)."""
    body, _ = commission
    meeting = create_meeting(body, kind="regular", status="noticed", start_in=timedelta(days=1), title="First meeting")
    minutes = minutes_service.generate_minutes(meeting, actor=None)
    minutes.body_md += f"\n{SECRET}\n"
    db.session.commit()
    return meeting


@pytest.fixture
def later(commission, open_meeting):
    """The next regular meeting of the same body (in ten days), noticed, its agenda published."""
    body, _ = commission
    return open_meeting(body, title="Second meeting")


def _released(meeting, db):
    minutes_service.release_minutes(meeting.minutes, actor=None)
    db.session.commit()
    return meeting.minutes


def _scheduled(meeting, later, db):
    minutes = _released(meeting, db)
    item = minutes_service.schedule_approval(minutes, later, amendment_reason=REASON, actor=None)
    db.session.commit()
    return minutes, item


def _vote(meeting, item, members, *, yes: int):
    """A main motion on ``item``: the first ``yes`` members vote yes, the rest no; closed."""
    motion = motion_service.make_motion(
        meeting, kind=MotionKind.main, text="Move to approve the minutes", item=item, mover_id=members[0].id,
        seconder_id=members[1].id, actor=None,
    )  # fmt: skip
    roll_call_service.open_vote(motion, actor=None)
    for n, member in enumerate(members):
        roll_call_service.record_vote(motion, member.id, VoteChoice.yes if n < yes else VoteChoice.no, actor=None)
    roll_call_service.close_vote(motion, actor=None)
    return motion


def _actions(minutes) -> list[str]:
    return list(
        _db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_type == "Minutes", AuditEntry.target_id == minutes.id)
            .order_by(AuditEntry.id)
        )
    )


def _pins(meeting) -> list[AuditEntry]:
    return list(
        _db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "record.digest", AuditEntry.target_id == meeting.id)
            .order_by(AuditEntry.id)
        )
    )


# --- services ------------------------------------------------------------------------------------------------


def test_a_new_draft_is_the_clerks_until_released(earlier, db):
    minutes = earlier.minutes
    assert minutes.status == MinutesStatus.draft and not minutes.is_public and minutes.released_at is None
    minutes_service.release_minutes(minutes, actor=None)
    assert minutes.status == MinutesStatus.released and minutes.is_public and minutes.released_at is not None
    assert "minutes.release" in _actions(minutes)
    with pytest.raises(DomainError, match="already released"):
        minutes_service.release_minutes(minutes, actor=None)
    # Still a draft: it may be corrected before the body approves it.
    minutes_service.update_minutes(minutes, body_md="Corrected.", actor=None)
    assert minutes.body_md == "Corrected." and minutes.status == MinutesStatus.released


def test_an_empty_draft_is_not_released(earlier, db):
    earlier.minutes.body_md = "  "
    with pytest.raises(DomainError, match="empty"):
        minutes_service.release_minutes(earlier.minutes, actor=None)
    assert earlier.minutes.status == MinutesStatus.draft


def test_the_approval_item_goes_on_a_later_regular_meeting_as_a_ministerial_consent_item(earlier, later, db):
    minutes, item = _scheduled(earlier, later, db)
    assert item.meeting_id == later.id and minutes.approval_item_id == item.id
    assert item.section == "Consent Agenda" and item.item_type == AgendaItemType.ministerial
    assert not item.public_comment_required and item.comment_exemption == CommentExemption.ministerial
    assert item.title.startswith("Approval of the minutes of the First meeting of ")
    assert later.changes[-1].reason == REASON  # the published agenda was amended, with the reason, in public
    assert "minutes.schedule_approval" in _actions(minutes)
    with pytest.raises(DomainError, match="already on the agenda"):
        minutes_service.schedule_approval(minutes, later, amendment_reason=REASON, actor=None)


def test_minutes_are_put_to_the_body_only_once_released_and_only_at_a_later_regular_meeting(
    earlier, later, create_meeting, commission, db
):
    minutes = earlier.minutes
    with pytest.raises(DomainError, match="Release the draft"):
        minutes_service.schedule_approval(minutes, later, amendment_reason=REASON, actor=None)
    _released(earlier, db)
    other_body = create_meeting(kind="regular", status="noticed", start_in=timedelta(days=12))
    special = create_meeting(commission[0], kind="special", status="noticed", start_in=timedelta(days=12))
    before = create_meeting(commission[0], kind="regular", status="noticed", start_in=timedelta(hours=2))
    for meeting in (None, earlier, other_body, special, before):
        with pytest.raises(DomainError, match="later regular meeting") as refused:
            minutes_service.schedule_approval(minutes, meeting, amendment_reason=REASON, actor=None)
        assert refused.value.field == "meeting_id"
    assert minutes_service.next_meeting_for_approval(minutes) == later


def test_a_passed_vote_approves_and_locks_the_minutes_with_the_meeting_and_the_motion(
    earlier, later, members, clock, db
):
    minutes, item = _scheduled(earlier, later, db)
    everyone = list(members.values())
    start(later, clock, db)
    roll_call(later, everyone)
    motion = adopt_six_to_one(later, item, everyone)
    assert minutes.status == MinutesStatus.approved and minutes.is_locked
    assert minutes.approved_at_meeting_id == later.id and minutes.approved_motion_id == motion.id
    assert minutes.approved_at == motion.closed_at and minutes.approved_by_id is None
    assert _actions(minutes)[-1] == "minutes.approve"
    pins = _pins(earlier)
    assert pins and pins[-1].data.get("reason") == "minutes approved"
    with pytest.raises(DomainError, match="approved and locked"):
        minutes_service.update_minutes(minutes, body_md="Rewrite history.", actor=None)
    with pytest.raises(DomainError, match="approved and locked"):
        minutes_service.generate_minutes(earlier, actor=None, replace=True)
    with pytest.raises(DomainError, match="approved and locked"):
        minutes_service.release_minutes(minutes, actor=None)


def test_a_failed_vote_leaves_the_minutes_released(earlier, later, members, clock, db):
    minutes, item = _scheduled(earlier, later, db)
    everyone = list(members.values())
    start(later, clock, db)
    roll_call(later, everyone)
    motion = _vote(later, item, everyone, yes=3)
    assert not motion.passed
    assert minutes.status == MinutesStatus.released and minutes.approved_at is None
    assert minutes.approved_motion_id is None and minutes.approved_at_meeting_id is None
    assert _actions(minutes)[-1] == "minutes.not_approved"


def test_a_consent_agenda_vote_approves_the_minutes_on_it(earlier, later, members, clock, db):
    minutes, item = _scheduled(earlier, later, db)
    everyone = list(members.values())
    start(later, clock, db)
    roll_call(later, everyone)
    consent = motion_service.make_motion(
        later, kind=MotionKind.adopt_consent_agenda, text="Move the consent agenda", consent_items=[item],
        mover_id=everyone[0].id, seconder_id=everyone[1].id, actor=None,
    )  # fmt: skip
    roll_call_service.open_vote(consent, actor=None)
    for member in everyone:
        roll_call_service.record_vote(consent, member.id, VoteChoice.yes, actor=None)
    roll_call_service.close_vote(consent, actor=None)
    assert minutes.is_locked and minutes.approved_motion.consent_of_id == consent.id


def test_a_vote_on_another_item_approves_nothing(earlier, later, members, clock, db):
    minutes, _item = _scheduled(earlier, later, db)
    unlinked = next(i for i in later.items if i.title == "Approval of minutes")  # ministerial, linked to nothing
    everyone = list(members.values())
    start(later, clock, db)
    roll_call(later, everyone)
    adopt_six_to_one(later, unlinked, everyone)
    assert minutes.status == MinutesStatus.released


def test_a_passed_reconsideration_reopens_the_approval(earlier, later, members, clock, db):
    minutes, item = _scheduled(earlier, later, db)
    everyone = list(members.values())
    start(later, clock, db)
    roll_call(later, everyone)
    first = adopt_six_to_one(later, item, everyone)
    assert minutes.is_locked
    again = motion_service.make_motion(
        later, kind=MotionKind.reconsider, text="Move to reconsider", target=first, item=item,
        mover_id=everyone[2].id, seconder_id=everyone[3].id, actor=None,
    )  # fmt: skip
    roll_call_service.open_vote(again, actor=None)
    for member in everyone:
        roll_call_service.record_vote(again, member.id, VoteChoice.yes, actor=None)
    roll_call_service.close_vote(again, actor=None)
    assert minutes.status == MinutesStatus.released and minutes.approved_motion_id is None
    assert _actions(minutes)[-1] == "minutes.reopened"


def test_after_a_withdrawn_item_the_minutes_can_be_put_on_an_agenda_again(earlier, later, db):
    from app.meetings import agenda

    minutes, item = _scheduled(earlier, later, db)
    agenda.withdraw_item(item, reason="Not ready after all.", actor=None)
    assert minutes_service.pending_approval_item(minutes) is None
    again = minutes_service.schedule_approval(minutes, later, amendment_reason=REASON, actor=None)
    assert minutes.approval_item_id == again.id != item.id


def test_the_clerk_can_no_longer_approve_alone(earlier, later, login_as, client, db):
    _released(earlier, db)
    assert not hasattr(minutes_service, "approve_minutes")
    login_as(Role.clerk)
    response = client.post(f"/staff/meetings/{earlier.id}/minutes/approve", data={"approved_at_meeting_id": later.id})
    assert response.status_code == 404  # the route is gone
    db.session.expire_all()
    assert earlier.minutes.status == MinutesStatus.released


# --- what the public sees ------------------------------------------------------------------------------------


def test_an_unreleased_draft_is_on_no_public_page_or_api(earlier, client, db):
    page = client.get(f"/meetings/{earlier.id}").get_data(as_text=True)
    assert SECRET not in page and "No minutes yet." in page
    assert client.get(f"/api/v1/meetings/{earlier.id}").get_json()["minutes_status"] is None
    ocd = client.get(f"/api/v1/ocd/events/{earlier.id}").get_json()
    assert not any("Minutes" in d["note"] for d in ocd["documents"])

    _released(earlier, db)
    page = client.get(f"/meetings/{earlier.id}").get_data(as_text=True)
    assert SECRET in page and "Draft, not yet approved" in page
    assert client.get(f"/api/v1/meetings/{earlier.id}").get_json()["minutes_status"] == "draft"
    ocd = client.get(f"/api/v1/ocd/events/{earlier.id}").get_json()
    assert any(d["note"] == "Minutes (draft, not yet approved)" for d in ocd["documents"])


def test_approved_minutes_name_the_meeting_that_approved_them(earlier, later, members, clock, client, db):
    minutes, item = _scheduled(earlier, later, db)
    everyone = list(members.values())
    start(later, clock, db)
    roll_call(later, everyone)
    adopt_six_to_one(later, item, everyone)
    db.session.commit()
    page = client.get(f"/meetings/{earlier.id}").get_data(as_text=True)
    assert "Approved by the body at the Second meeting" in page and "Draft, not yet approved" not in page
    assert client.get(f"/api/v1/meetings/{earlier.id}").get_json()["minutes_status"] == "approved"


# --- the clerk's pages -----------------------------------------------------------------------------------------


def test_staff_see_the_unreleased_draft_marked_as_theirs(earlier, login_as, client):
    login_as(Role.viewer)
    page = client.get(f"/staff/meetings/{earlier.id}").get_data(as_text=True)
    assert SECRET in page and "Draft, staff only" in page


def test_the_clerk_releases_then_puts_the_minutes_on_the_next_agenda(earlier, later, login_as, client, db):
    login_as(Role.clerk)
    page = client.get(f"/staff/meetings/{earlier.id}/minutes").get_data(as_text=True)
    assert "Release as the draft for approval" in page and "Put on the agenda" not in page
    response = client.post(f"/staff/meetings/{earlier.id}/minutes/release")
    assert response.status_code == 302
    db.session.expire_all()
    assert earlier.minutes.status == MinutesStatus.released
    page = client.get(f"/staff/meetings/{earlier.id}/minutes").get_data(as_text=True)
    assert "Put on the agenda of Second meeting" in page and "Reason for amending the published agenda" in page

    # The agenda is published: without a reason, refused on the page with a message, nothing added.
    response = client.post(f"/staff/meetings/{earlier.id}/minutes/schedule-approval", data={"meeting_id": later.id})
    assert response.status_code == 422 and "give the reason" in response.get_data(as_text=True)
    db.session.expire_all()
    assert earlier.minutes.approval_item_id is None

    response = client.post(
        f"/staff/meetings/{earlier.id}/minutes/schedule-approval",
        data={"meeting_id": later.id, "amendment_reason": REASON},
    )
    assert response.status_code == 302
    db.session.expire_all()
    item = earlier.minutes.approval_item
    assert item.meeting_id == later.id and item.item_type == AgendaItemType.ministerial
    page = client.get(f"/staff/meetings/{earlier.id}/minutes").get_data(as_text=True)
    assert f"as item {item.label}" in page and "Put on the agenda" not in page


@pytest.mark.parametrize("role", [Role.commissioner, Role.viewer])
def test_commissioners_and_viewers_cannot_release_or_schedule(role, earlier, later, login_as, client, db):
    login_as(role)
    assert client.post(f"/staff/meetings/{earlier.id}/minutes/release").status_code == 403
    data = {"meeting_id": later.id, "amendment_reason": REASON}
    assert client.post(f"/staff/meetings/{earlier.id}/minutes/schedule-approval", data=data).status_code == 403
    db.session.expire_all()
    assert earlier.minutes.status == MinutesStatus.draft and earlier.minutes.approval_item_id is None


@pytest.mark.parametrize("meeting_id", ["", "abc", "0", "-3", "99999999999999999999", "1e3", "123456", "<script>"])
def test_bad_input_is_refused_never_a_500(meeting_id, earlier, later, login_as, client, db):
    _released(earlier, db)
    login_as(Role.clerk)
    data = {"meeting_id": meeting_id, "amendment_reason": REASON}
    response = client.post(f"/staff/meetings/{earlier.id}/minutes/schedule-approval", data=data)
    assert response.status_code in (302, 422)
    db.session.expire_all()
    assert earlier.minutes.approval_item_id is None


def test_no_minutes_no_page_and_no_release(create_meeting, login_as, client):
    meeting = create_meeting(kind="regular", status="noticed")
    login_as(Role.clerk)
    assert client.get(f"/staff/meetings/{meeting.id}/minutes").status_code == 404
    assert client.post(f"/staff/meetings/{meeting.id}/minutes/release").status_code == 404
    assert client.post("/staff/meetings/999999/minutes/release").status_code == 404


def test_releasing_twice_is_refused_with_a_message(earlier, login_as, client, db):
    _released(earlier, db)
    login_as(Role.clerk)
    response = client.post(f"/staff/meetings/{earlier.id}/minutes/release", follow_redirects=True)
    assert response.status_code == 200 and "already released" in response.get_data(as_text=True)


def test_the_minutes_page_without_a_later_meeting_says_so(earlier, login_as, client, db):
    _released(earlier, db)
    login_as(Role.clerk)
    page = client.get(f"/staff/meetings/{earlier.id}/minutes").get_data(as_text=True)
    assert "No later regular meeting of this body is scheduled yet" in page


# --- the migration -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_migration_keeps_public_drafts_public_and_approved_minutes_approved(backend, tmp_path):
    """Before 9d3e5b7a1c28 every draft was public: the upgrade makes existing drafts released (released when they
    were created) and keeps approved minutes approved. The downgrade makes released minutes drafts again."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from app.bodies import services as bodies
    from app.bodies.models import BodyKind
    from app.core.timeutil import utcnow
    from app.meetings.models import Meeting, MeetingKind, MeetingStatus, Minutes
    from tests.conftest import SINCE, make_app
    from tests.dbutil import fresh_database

    def statuses():
        with _db.engine.connect() as conn:
            return dict(conn.execute(text("SELECT meeting_id, status FROM minutes")).all())

    with fresh_database(backend, tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade()
            body = bodies.create_body(
                name="Commission",
                kind=BodyKind.commission,
                seat_count=3,
                rules=bodies.RulesInput(effective_on=SINCE),
                actor=None,
            )
            now = utcnow()
            meetings = [
                Meeting(
                    body_id=body.id,
                    kind=MeetingKind.regular,
                    title=f"Meeting {n}",
                    start_at=now - timedelta(days=30 - n),
                    location="City Hall",
                    status=MeetingStatus.adjourned,
                    first_published_at=now - timedelta(days=40),
                )
                for n in (1, 2)
            ]
            _db.session.add_all(meetings)
            _db.session.flush()
            public_draft, approved = meetings
            _db.session.add_all(
                [
                    Minutes(meeting_id=public_draft.id, body_md="A draft.", status=MinutesStatus.released),
                    Minutes(
                        meeting_id=approved.id, body_md="Approved.", status=MinutesStatus.approved, approved_at=now
                    ),
                ]
            )
            _db.session.commit()
            ids = (public_draft.id, approved.id)
            _db.session.remove()

            downgrade(revision="f4a8c2e6b1d3")
            assert statuses() == {ids[0]: "draft", ids[1]: "approved"}  # as the code before the revision had them

            upgrade()
            assert statuses() == {ids[0]: "released", ids[1]: "approved"}
            with _db.engine.connect() as conn:
                rows = conn.execute(text("SELECT released_at, created_at FROM minutes")).all()
            assert all(released == created for released, created in rows)
            _db.engine.dispose()
