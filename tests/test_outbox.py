"""The mail outbox (issue 16): every message is a row written with the change that causes it, delivered by a job
over one SMTP connection per batch, retried with backoff on temporary failures, stopped on permanent ones, and
recorded per recipient. The suite runs jobs inline (JOBS_BACKEND=eager); tests/test_worker.py runs them through
Redis and `flask worker`."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core import delivery, mail, mail_progress, outbox
from app.core.audit import AuditEntry
from app.core.outbox import Mailing, MailingKind, MailStatus, OutboxMessage
from tests.mail_helpers import meeting_with_item, publish_agenda, subscribers


def _statuses(db):
    return dict(
        db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).tuples().all()
    )


# --- written with the change ---------------------------------------------------------------------------------


def test_a_rolled_back_change_sends_nothing(app, db, create_body, outbox):
    from app.subscriptions import services

    body = create_body()
    services.subscribe("someone@example.org", body)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1  # written with the change...
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # ...and gone with it
    assert outbox() == []
    services.subscribe("someone@example.org", body)
    db.session.commit()
    [message] = outbox()
    assert message["To"] == "someone@example.org"


def test_a_refused_registration_queues_no_confirmation(client, open_meeting, db):
    meeting = open_meeting()
    item = meeting.active_items[0]
    # Missing name: refused with the form kept, and no mail is written.
    response = client.post(
        f"/meetings/{meeting.id}/speak",
        data={"item_id": str(item.id), "name": "", "email": "kept@example.org", "stance": "support"},
    )
    assert response.status_code == 422 and "kept@example.org" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# --- delivery through real SMTP ------------------------------------------------------------------------------


def test_agenda_goes_to_every_subscriber_in_their_language_over_smtp(app, db, create_body, create_meeting, smtp_sink):
    body = create_body(name="City Commission")
    english = subscribers(body, 3)
    spanish = subscribers(body, 2, locale="es", start=10)
    meeting = meeting_with_item(create_meeting, body, title="Harbor hearing")
    publish_agenda(meeting)

    mailing = db.session.scalar(select(Mailing).where(Mailing.kind == MailingKind.agenda))
    assert mailing.total == 5 and mailing.topic == f"meeting:{meeting.id}"
    assert _statuses(db) == {MailStatus.sent: 5}
    received = smtp_sink.parsed()
    assert sorted(m["To"] for m in received) == sorted(s.email for s in english + spanish)
    by_address = {m["To"]: m for m in received}
    assert by_address["resident0@example.org"]["Subject"] == "Agenda published: Harbor hearing"
    assert by_address["resident10@example.org"]["Subject"] == "Agenda publicada: Harbor hearing"
    # Each carries its own unsubscribe link and the recorded Message-ID.
    links = {str(m["List-Unsubscribe"]) for m in received}
    assert len(links) == 5
    for row in db.session.scalars(select(OutboxMessage)):
        assert row.sent_at is not None and row.attempts == 1
        assert by_address[row.recipient]["Message-ID"] == row.message_id


def test_one_connection_per_batch(app, db, create_body, create_meeting, smtp_sink, monkeypatch):
    opened = []
    original = mail.SmtpConnection.__enter__

    def counting(self):
        opened.append(1)
        return original(self)

    monkeypatch.setattr(mail.SmtpConnection, "__enter__", counting)
    app.config.update(MAIL_BATCH_SIZE=4)
    body = create_body()
    subscribers(body, 10)
    publish_agenda(meeting_with_item(create_meeting, body))
    assert len(smtp_sink.messages) == 10
    assert len(opened) == 3  # 4 + 4 + 2


def test_someone_who_unsubscribed_before_delivery_is_skipped(app, db, create_body, create_meeting, smtp_sink):
    from app.core.timeutil import utcnow

    body = create_body()
    rows = subscribers(body, 2)
    app.config.update(JOBS_BACKEND="none")  # nothing delivers at commit: the rows wait
    meeting = meeting_with_item(create_meeting, body)
    publish_agenda(meeting)
    outbox.expand_pending()  # the first job: the messages are made, then wait for delivery
    rows[0].unsubscribed_at = utcnow()
    db.session.commit()
    app.config.update(JOBS_BACKEND="eager")
    delivery.drain()
    assert [m["To"] for m in smtp_sink.parsed()] == ["resident1@example.org"]
    assert _statuses(db) == {MailStatus.sent: 1, MailStatus.skipped: 1}


# --- failures ------------------------------------------------------------------------------------------------


def test_a_temporary_refusal_is_retried_with_backoff_then_sent(app, db, clock, create_body, create_meeting, smtp_sink):
    body = create_body()
    subscribers(body, 3)
    smtp_sink.refuse["resident1@example.org"] = "451 4.7.1 Try again later"
    publish_agenda(meeting_with_item(create_meeting, body))

    retrying = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "resident1@example.org"))
    assert retrying.status == MailStatus.queued and retrying.attempts == 1
    assert retrying.last_error == "451 4.7.1 Try again later"
    wait = retrying.next_attempt_at - clock()
    assert timedelta(seconds=50) < wait < timedelta(seconds=70)  # the first backoff: about a minute
    assert len(smtp_sink.messages) == 2  # the others were not held back

    assert delivery.drain()["sent"] == 0  # not due yet
    clock.advance(seconds=70)
    smtp_sink.refuse.clear()
    assert delivery.drain()["sent"] == 1
    db.session.refresh(retrying)
    assert retrying.status == MailStatus.sent and retrying.attempts == 2
    assert len(smtp_sink.messages) == 3


def test_a_permanent_refusal_fails_at_once_with_the_servers_answer(app, db, create_body, create_meeting, smtp_sink):
    body = create_body()
    subscribers(body, 3)
    smtp_sink.refuse["resident2@example.org"] = "550 5.1.1 No such user"
    publish_agenda(meeting_with_item(create_meeting, body))
    failed = db.session.scalar(select(OutboxMessage).where(OutboxMessage.status == MailStatus.failed))
    assert failed.recipient == "resident2@example.org" and failed.last_error == "550 5.1.1 No such user"
    assert _statuses(db) == {MailStatus.sent: 2, MailStatus.failed: 1}


def test_backoff_grows_and_gives_up_after_the_last_attempt(app, db, clock, create_body, closed_port):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port, MAIL_MAX_ATTEMPTS=4)
    outbox.send(MailingKind.invitation, "x@example.org", "Subject", "Body")
    db.session.commit()
    row = db.session.scalar(select(OutboxMessage))
    waits = []
    for _ in range(3):
        db.session.refresh(row)
        assert row.status == MailStatus.queued
        waits.append((row.next_attempt_at - clock()).total_seconds())
        clock.advance(seconds=waits[-1] + 1)
        delivery.drain()
    db.session.refresh(row)
    assert row.status == MailStatus.failed and row.attempts == 4 and "cannot connect" in row.last_error
    assert waits[0] < waits[1] < waits[2]  # about 1, 2, 4 minutes


def test_mail_server_down_at_publish_the_clerk_sees_queued_will_retry(
    app, client, login_as, db, clock, create_body, create_meeting, closed_port, smtp_sink
):
    smtp_port = app.config["MAIL_PORT"]
    app.config.update(MAIL_PORT=closed_port)
    body = create_body()
    subscribers(body, 4)
    meeting = meeting_with_item(create_meeting, body)
    login_as("clerk")
    response = client.post(f"/staff/meetings/{meeting.id}/agenda/publish", data={}, follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Agenda published." in page and "being emailed to 4 subscribers" in page
    assert "4 will be retried" in page  # the meeting's mail table

    mailing = db.session.scalar(select(Mailing))
    detail = client.get(f"/staff/mail/{mailing.id}").get_data(as_text=True)
    assert "Queued, will retry" in detail and "cannot connect" in detail and "nothing is lost" in detail
    assert client.get(f"/staff/mail/{mailing.id}/progress.json").get_json()["retrying"] == 4

    # The server comes back; the next attempt delivers everything, once.
    app.config.update(MAIL_PORT=smtp_port)
    clock.advance(minutes=2)
    delivery.wake()
    assert len(smtp_sink.messages) == 4
    assert client.get(f"/staff/mail/{mailing.id}/progress.json").get_json() == {
        "total": 4,
        "queued": 0,
        "retrying": 0,
        "sent": 4,
        "failed": 0,
        "skipped": 0,
        "done": 4,
        "percent": 100,
        "finished": True,
    }


def test_the_clerk_retries_the_failed_messages(app, client, login_as, db, create_body, create_meeting, smtp_sink):
    body = create_body()
    subscribers(body, 2)
    smtp_sink.refuse["resident0@example.org"] = "550 5.2.1 Mailbox disabled"
    publish_agenda(meeting_with_item(create_meeting, body))
    mailing = db.session.scalar(select(Mailing))
    clerk = login_as("clerk")
    page = client.get(f"/staff/mail/{mailing.id}").get_data(as_text=True)
    assert "resident0@example.org" in page and "550 5.2.1 Mailbox disabled" in page
    assert "Retry the 1 failed message" in page

    smtp_sink.refuse.clear()
    response = client.post(f"/staff/mail/{mailing.id}/retry", data={}, follow_redirects=True)
    assert "1 failed message is queued again." in response.get_data(as_text=True)
    assert _statuses(db) == {MailStatus.sent: 2}
    assert sorted(m["To"] for m in smtp_sink.parsed()) == ["resident0@example.org", "resident1@example.org"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mail.retry"))
    assert entry.actor_id == clerk.id and entry.data == {"count": 1}


# --- a worker that dies --------------------------------------------------------------------------------------


def test_a_worker_killed_mid_batch_loses_nobody(app, db, clock, create_body, create_meeting, smtp_sink):
    """A worker claims a batch, sends the first message and dies before recording it. Once its claim runs out,
    the next drain delivers the rest; only the message in flight goes twice, with the same Message-ID."""
    body = create_body()
    subscribers(body, 5)
    app.config.update(JOBS_BACKEND="none")
    publish_agenda(meeting_with_item(create_meeting, body))
    outbox.expand_pending()
    app.config.update(JOBS_BACKEND="eager")

    token, until, claimed = delivery.claim(3)
    assert len(claimed) == 3
    in_flight = claimed[0]
    with mail.connection() as connection:
        connection.send(mail.build_message(in_flight.recipient, "Agenda", "...", message_id=in_flight.message_id))
    # ...killed here. Another worker comes by at once: the two unclaimed messages go, the claimed three wait.
    assert delivery.drain()["sent"] == 2
    clock.advance(seconds=app.config["MAIL_LEASE_SECONDS"] + 1)
    assert delivery.wake() == 1  # the tick finds the dead worker's batch
    assert _statuses(db) == {MailStatus.sent: 5}
    received = [m["To"] for m in smtp_sink.parsed()]
    assert sorted(set(received)) == [f"resident{n}@example.org" for n in range(5)]
    assert received.count(in_flight.recipient) == 2 and len(received) == 6
    ids = [m["Message-ID"] for m in smtp_sink.parsed() if m["To"] == in_flight.recipient]
    assert ids == [in_flight.message_id] * 2


def test_two_workers_never_claim_the_same_message(app, db, create_body, create_meeting):
    body = create_body()
    subscribers(body, 7)
    app.config.update(JOBS_BACKEND="none")
    publish_agenda(meeting_with_item(create_meeting, body))
    outbox.expand_pending()
    _, _, first = delivery.claim(4)
    _, _, second = delivery.claim(4)
    _, _, third = delivery.claim(4)
    assert len(first) == 4 and len(second) == 3 and third == []
    assert not {m.id for m in first} & {m.id for m in second}


# --- private links are not kept ------------------------------------------------------------------------------


def test_a_private_link_is_erased_once_delivered(client, db, create_body, smtp_sink):
    body = create_body()
    client.post("/subscribe", data={"email": "me@example.org", "body": str(body.id)})
    [received] = smtp_sink.parsed()
    assert re.search(r"/subscribe/\d+-\S+", received.get_content())
    row = db.session.scalar(select(OutboxMessage))
    assert row.status == MailStatus.sent and row.body == ""
    assert db.session.get(Mailing, row.mailing_id).sensitive


# --- who sees what -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["commissioner", "viewer"])
def test_only_clerks_see_the_mail_pages(client, login_as, db, create_body, role):
    outbox.send(MailingKind.invitation, "private@example.org", "Subject", "Body")
    db.session.commit()
    mailing = db.session.scalar(select(Mailing))
    login_as(role)
    for path in ("/staff/mail/", f"/staff/mail/{mailing.id}", f"/staff/mail/{mailing.id}/progress.json"):
        assert client.get(path).status_code == 403
    assert client.post(f"/staff/mail/{mailing.id}/retry", data={}).status_code == 403


def test_mail_pages_for_the_clerk(client, login_as, db):
    login_as("clerk")
    assert "No mail has been sent yet." in client.get("/staff/mail/").get_data(as_text=True)
    outbox.send(MailingKind.invitation, "x@example.org", "Hello", "Body", title="Invitation to x@example.org")
    db.session.commit()
    page = client.get("/staff/mail/").get_data(as_text=True)
    assert "Staff invitation" in page and "Invitation to x@example.org" in page
    assert client.get("/staff/mail/99999999999").status_code == 404
    assert client.get("/staff/mail/?page=abc").status_code == 200


# --- make run without Redis: a thread of the server delivers -------------------------------------------------


@pytest.mark.commits(reason="the delivery thread has its own database connection")
def test_without_redis_a_thread_of_the_server_delivers(app, db, outbox):
    import threading

    from app.core import jobs

    app.config.update(JOBS_BACKEND="thread", REDIS_URL="")
    assert jobs.backend(app) == "thread"
    outbox_send = outbox  # the fixture reading the dev outbox directory
    from app.core import outbox as core_outbox

    core_outbox.send(MailingKind.invitation, "thread@example.org", "From a thread", "Body")
    db.session.commit()
    assert any(t.name.startswith("dais-jobs") for t in threading.enumerate())  # not run in this thread
    app.extensions.pop("dais.jobs").shutdown(wait=True)  # the thread has run the job (or it failed, logged)
    [message] = outbox_send()
    assert message["To"] == "thread@example.org"
    db.session.commit()
    assert db.session.scalar(select(OutboxMessage.status)) == MailStatus.sent


def test_delivery_starts_only_when_the_outermost_transaction_commits(app, db, monkeypatch):
    """A SAVEPOINT's release is not a commit: a worker on another connection could not see the rows yet."""
    from app.core import jobs

    handed = []
    monkeypatch.setattr(jobs, "enqueue", lambda path, *args: handed.append(path))
    savepoint = db.session.begin_nested()
    outbox.send(MailingKind.invitation, "x@example.org", "Subject", "Body")
    savepoint.commit()
    assert handed == []
    db.session.commit()
    assert handed == ["app.core.delivery.drain"]


def test_a_meetings_page_groups_its_one_off_mail_by_kind(client, login_as, db, open_meeting):
    meeting = open_meeting()
    item = meeting.active_items[0]
    for n in range(3):
        response = client.post(
            f"/meetings/{meeting.id}/speak",
            data={
                "agenda_item_id": item.id,
                "name": f"Speaker {n}",
                "email": f"speaker{n}@example.org",
                "stance": "oppose",
                "participation": "in_person",
                "disclaimer_version": _disclaimer(),
                "website": "",
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    login_as("clerk")
    page = client.get(f"/staff/meetings/{meeting.id}").get_data(as_text=True)
    table = page[page.index("Mail about this meeting") :]
    assert table.count("Request to speak") == 1 and "3 messages" in table
    listing = client.get(f"/staff/mail/?topic=meeting:{meeting.id}&kind=speaker_confirmation").get_data(as_text=True)
    assert listing.count("Request to speak: Speaker") == 3
    assert "All mail" in listing
    # Anything else in the filters shows everything, never an error.
    for query in ("topic=x&kind=y", "topic=meeting:99999999999&kind=agenda", "kind=" + "a" * 500):
        assert client.get(f"/staff/mail/?{query}").status_code == 200


def _disclaimer():
    from app.public_comment import intake

    return intake.DISCLAIMER_VERSION


def test_a_mailing_whose_first_job_was_lost_is_made_by_the_next_tick(app, db, create_body, create_meeting, smtp_sink):
    """The publication writes the mailing and counts its recipients; its messages are made by the first job. If
    that job never runs (Redis down at the commit), the tick makes them: nothing committed is lost."""
    body = create_body()
    subscribers(body, 6)
    app.config.update(JOBS_BACKEND="none")
    publish_agenda(meeting_with_item(create_meeting, body))
    mailing = db.session.scalar(select(Mailing))
    assert mailing.expanded_at is None and mailing.total == 6
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert mail_progress.progress([mailing])[mailing.id].queued == 6  # the clerk sees six waiting, not "finished"
    app.config.update(JOBS_BACKEND="eager")
    delivery.wake()
    assert _statuses(db) == {MailStatus.sent: 6}
    assert outbox.expand(mailing.id) == 0  # made once only
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 6
