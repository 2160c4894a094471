"""Issue 16, a record that proves itself: the hash-chained audit log, each meeting's record digest, `flask verify`,
and the public /verify page whose snippet recomputes the digest from the API."""

import hashlib
import json

import pytest
from sqlalchemy import select, text

from app.core import audit
from app.core.audit import AuditEntry, verify_chain
from app.legislation import digest
from app.meetings import lifecycle
from app.votes import motions as motion_service
from app.votes import roll_call as roll_call_service
from app.votes.models import MotionKind, Vote, VoteChoice
from tests.votes_helpers import hold_comment, items, roll_call, start

Y, N = VoteChoice.yes, VoteChoice.no


@pytest.fixture
def decided(commission, open_meeting, clock, db):
    """A meeting whose resolution passed 6 to 1 by roll call, then adjourned (its digest pinned)."""
    body, members = commission
    meeting = open_meeting(body)
    start(meeting, clock, db)
    roll_call(meeting, members)
    item = items(meeting)[1]
    hold_comment(item)
    by_name = {m.full_name.split()[0]: m for m in members}
    motion = motion_service.make_motion(
        meeting,
        kind=MotionKind.main,
        text="Move to adopt",
        item=item,
        mover_id=by_name["Hollis"].id,
        seconder_id=by_name["Everett"].id,
        actor=None,
    )
    roll_call_service.open_vote(motion, actor=None)
    for member in members:
        roll_call_service.record_vote(motion, member.id, N if member.full_name.startswith("Tobias") else Y, actor=None)
    roll_call_service.close_vote(motion, actor=None)
    lifecycle.adjourn_meeting(meeting, actor=None, confirm_open_items=True)  # items left open: confirmed
    db.session.commit()
    return meeting


def _verify(app):
    return app.test_cli_runner().invoke(args=["verify"])


def _entries(db):
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()


def test_the_chain_links_every_entry_to_the_one_before_in_id_order(decided, db):
    entries = _entries(db)
    assert len(entries) > 10
    assert entries[0].prev_hash == ""
    for before, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == before.entry_hash
        assert entry.entry_hash == audit.entry_hash(entry, entry.prev_hash)
        assert len(entry.entry_hash) == 64
    assert verify_chain(db.session) == (len(entries), None)


def test_an_entry_rolled_back_in_a_savepoint_leaves_no_gap(db, create_body):
    body = create_body(name="Board")
    with db.session.begin_nested() as nested:
        audit.record("test.discarded", body, "Never happened", actor_label="cli")
        db.session.flush()
        nested.rollback()
    audit.record("test.kept", body, "Happened", actor_label="cli")
    db.session.commit()
    assert verify_chain(db.session)[1] is None


def test_untouched_record_verifies_with_exit_0(app, decided):
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output and "1 meetings match" in result.output


def test_the_adjourned_meeting_pins_its_digest_in_the_log(decided, db):
    entry = digest.pinned_entry(decided.id)
    assert entry.action == "record.digest" and entry.data["reason"] == "adjourned"
    assert entry.data["digest"] == digest.current_digest(decided)
    record = digest.meeting_record(decided)
    assert len(record["attendance"]) == 7 and len(record["motions"]) == 1
    assert [v["final_choice"] for v in record["motions"][0]["votes"]].count("no") == 1
    assert record["resolutions"][0]["status"] == "adopted"


def test_a_vote_altered_in_the_database_is_named_by_flask_verify(app, decided, db):
    pinned = digest.pinned_entry(decided.id)
    vote = db.session.scalars(select(Vote).where(Vote.choice == N)).one()
    db.session.execute(text("UPDATE votes SET choice = 'yes' WHERE id = :id"), {"id": vote.id})
    db.session.commit()
    db.session.expire_all()
    result = _verify(app)
    assert result.exit_code == 1
    assert f"audit entry {pinned.id} (record.digest of meeting {decided.id}): recorded {pinned.data['digest']}" in (
        result.output
    )
    assert result.output.count("audit entry") == 1


def test_an_audit_entry_edited_in_the_database_is_named(app, decided, db):
    target = _entries(db)[5]
    db.session.execute(text("UPDATE audit_entries SET summary = 'Nothing happened' WHERE id = :id"), {"id": target.id})
    db.session.commit()
    db.session.expire_all()
    result = _verify(app)
    assert result.exit_code == 1
    assert f"audit entry {target.id}: hash does not match its content" in result.output


def test_a_deleted_audit_entry_breaks_the_chain_at_the_next_one(app, decided, db):
    entries = _entries(db)
    gone, following = entries[3], entries[4]
    db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": gone.id})
    db.session.commit()
    db.session.expire_all()
    result = _verify(app)
    assert result.exit_code == 1
    assert f"audit entry {following.id}: its prev_hash does not match" in result.output


def test_approving_the_minutes_pins_the_digest_again(app, decided, commission, open_meeting, clock, db):
    from app.minutes import services as minutes
    from tests.votes_helpers import adopt_six_to_one

    drafted = minutes.generate_minutes(decided, actor=None)
    minutes.release_minutes(drafted, actor=None)
    later = open_meeting(commission[0])
    item = minutes.schedule_approval(drafted, later, amendment_reason="Minutes ready.", actor=None)
    start(later, clock, db)
    roll_call(later, commission[1])
    adopt_six_to_one(later, item, commission[1])  # the body's vote approves them (issue 17)
    db.session.commit()
    entry = digest.pinned_entry(decided.id)
    assert entry.data["reason"] == "minutes approved"
    assert _verify(app).exit_code == 0


def test_the_digest_is_on_the_public_page_and_in_the_api(client, decided):
    pinned = digest.pinned_digest(decided.id)
    page = client.get(f"/meetings/{decided.id}").get_data(as_text=True)
    assert pinned in page and 'href="/verify"' in page
    assert client.get(f"/api/v1/meetings/{decided.id}").json["record_digest"] == pinned
    record = client.get(f"/api/v1/meetings/{decided.id}/record").json
    assert record["record_digest"] == pinned and record["record"]["meeting"]["id"] == decided.id


def test_the_snippet_on_the_verify_page_reproduces_the_digest(client, decided):
    page = client.get("/verify").get_data(as_text=True)
    assert page.count("hashlib.sha256") == 1
    # The page's own Python, run on the API's JSON: the same digest as pinned in the log.
    document = client.get(f"/api/v1/meetings/{decided.id}/record").json
    namespace = {"hashlib": hashlib, "json": json, "doc": document}
    exec(_snippet_body(page), namespace)  # noqa: S102 - our own page's example code
    assert namespace["digest"] == digest.pinned_digest(decided.id)


def _snippet_body(page: str) -> str:
    import html
    import re

    code = html.unescape(re.search(r'<pre id="verify-snippet"><code>(.*?)</code></pre>', page, re.S).group(1))
    # The download line needs the network; the test hands the document in as ``doc``.
    return "\n".join(line for line in code.splitlines() if "urlopen" not in line and not line.startswith("url ="))


def test_the_verify_page_speaks_spanish(client):
    page = client.get("/verify", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Cómo comprobar" in page


@pytest.mark.timeout(300)
def test_two_writers_at_once_keep_one_chain(app, database_url, db):
    """Each transaction chains onto the last committed entry: the advisory lock on PostgreSQL, the one writer on
    SQLite. Without the lock, two writers would both chain onto the same entry and the log would fork."""
    import threading

    errors = []
    barrier = threading.Barrier(2)

    def write(name):
        try:
            with app.app_context():
                barrier.wait(timeout=60)
                for i in range(30):
                    audit.record("test.concurrent", None, f"{name} {i}", target_type="Test", actor_label="cli")
                    db.session.commit()
        except Exception as exc:  # noqa: BLE001 (asserted on below)
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.rollback()
    rows = db.session.execute(text("SELECT id, summary, prev_hash, entry_hash FROM audit_entries ORDER BY id")).all()
    count, broken = verify_chain(db.session)
    assert (count, str(broken)) == (60, "None"), rows[:4]


def test_the_agenda_feed_carries_the_digest_once_adjourned(client, decided):
    import feedparser

    feed = feedparser.parse(client.get("/feeds/agendas.atom").data)
    assert not feed.bozo, feed.bozo_exception
    (entry,) = [e for e in feed.entries if e.link.endswith(f"/meetings/{decided.id}")]
    assert f"Record digest: {digest.pinned_digest(decided.id)}" in entry.summary


def test_a_correction_through_the_service_pins_the_record_again(app, decided, db):
    """A lawful correction after adjournment is not reported as tampering: the corrected record is pinned anew."""
    from app.votes import corrections

    vote = db.session.scalars(select(Vote).where(Vote.choice == Y)).first()
    corrections.correct_vote(vote, N, "The clerk misheard the member", actor=None)
    db.session.commit()
    entry = digest.pinned_entry(decided.id)
    assert entry.data["reason"] == "vote corrected" and entry.data["digest"] == digest.current_digest(decided)
    assert _verify(app).exit_code == 0
