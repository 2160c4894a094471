"""Residents' contact details are removed on schedule and the public record stays (issue 22)."""

from datetime import timedelta

from sqlalchemy import select

from app.auth.models import Role
from app.city.models import CityProfile
from app.city.services import forget_city
from app.core.audit import AuditEntry
from app.public_comment import intake as comment_intake
from app.public_comment import registration, written
from app.public_comment.models import SpeakerRequest, WrittenComment
from app.subscriptions import retention
from app.subscriptions import services as subscriptions
from app.subscriptions.models import Subscription


def _resident_rows(meeting, tag):
    item = next(i for i in meeting.items if i.public_comment_required)
    speaker = registration.register_speaker(
        item,
        name=f"Ana {tag}",
        is_group_representative=True,
        group_name="Keys Neighbors",
        stance="oppose",
        participation="in_person",
        email=f"ana.{tag}@example.org",
        phone="305-555-0101",
        interpreter_language="Haitian Creole",
        accommodation="Wheelchair seating",
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    ).request
    comment, *_ = written.submit_written_comment(
        item,
        name=f"Wren {tag}",
        stance="support",
        text="Please vote yes.",
        email=f"wren.{tag}@example.org",
        city="Key West",
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    )
    return speaker, comment


def _purges(db):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == "contacts.purge")).all()


def test_contact_details_are_cleared_after_the_period_and_the_record_stays(app, open_meeting, clock, db):
    old_meeting, recent_meeting = open_meeting(), open_meeting()
    old_speaker, old_comment = _resident_rows(old_meeting, "old")
    new_speaker, new_comment = _resident_rows(recent_meeting, "new")
    left = subscriptions.subscribe("gone@example.org", None).subscription
    stays = subscriptions.subscribe("stays@example.org", None).subscription
    subscriptions.unsubscribe(left)
    db.session.commit()

    clock.advance(days=24 * 31)  # past 24 months for the old meeting ...
    recent_meeting.start_at = clock.now - timedelta(days=30)  # ... while the other met a month ago
    db.session.commit()
    counts = retention.purge()
    db.session.commit()
    assert counts["speakers"] == 1 and counts["written"] == 1 and counts["subscribers"] == 1
    assert counts["accessible_copy_requests"] == 0

    db.session.expire_all()
    speaker, comment = db.session.get(SpeakerRequest, old_speaker.id), db.session.get(WrittenComment, old_comment.id)
    assert (speaker.email, speaker.phone, speaker.interpreter_language, speaker.accommodation) == (None,) * 4
    assert (speaker.name, speaker.group_name, speaker.stance.value) == ("Ana old", "Keys Neighbors", "oppose")
    assert (comment.email, comment.city) == (None, None)
    assert comment.name == "Wren old" and comment.text == "Please vote yes."
    assert db.session.get(SpeakerRequest, new_speaker.id).email == "ana.new@example.org"
    assert db.session.get(WrittenComment, new_comment.id).email == "wren.new@example.org"
    assert db.session.get(Subscription, left.id).email == ""
    assert db.session.get(Subscription, stays.id).email == "stays@example.org"

    [entry] = _purges(db)
    assert entry.data["speakers"] == 1 and entry.data["months"] == 24 and entry.actor_label == "retention"
    retention.purge()  # nothing left to clear: no second entry
    assert len(_purges(db)) == 1


def test_the_city_sets_the_period_and_the_public_notice_states_it(app, client, open_meeting, login_as, clock, db):
    db.session.add(CityProfile(timezone="America/New_York", record_language="en"))
    meeting = open_meeting()
    speaker, _comment = _resident_rows(meeting, "soon")
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}/speak").get_data(as_text=True)
    assert "deleted 24 months after the meeting" in page

    login_as(Role.admin)
    saved = client.post("/admin/security", data={"retention_months": "3"})
    assert saved.status_code == 302
    assert "deleted 3 months after the meeting" in client.get(f"/meetings/{meeting.id}/speak").get_data(as_text=True)
    refused = client.post("/admin/security", data={"retention_months": "0"})
    assert refused.status_code == 422 and 'value="0"' in refused.get_data(as_text=True)
    assert "city.contact_retention" in db.session.scalars(select(AuditEntry.action)).all()

    clock.advance(days=130)  # the meeting (10 days after the start) is now more than 3 months ago
    app.config["RETENTION_CHECK_SECONDS"] = 0
    forget_city()  # a worker's tick runs in a fresh app context; this test's context still holds the old profile
    retention.tick()  # what every worker runs
    db.session.expire_all()
    assert db.session.get(SpeakerRequest, speaker.id).email is None
