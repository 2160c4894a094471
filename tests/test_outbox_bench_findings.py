"""What bench/mail.py (an agenda to 50,000 subscribers through `flask worker`) found in the outbox.

A batch cost two extra queries per message: the claim's commit expired the claimed rows, so the first use of
each one reloaded it alone, and each message read its mailing again (the mailing, held by no one, had left the
session's identity map). On a batch of 50 that is 100 round trips to the database before the first message
goes out; the claim also read its batch back by claimed_by, a column with no index (a scan of every message
ever sent)."""

from contextlib import contextmanager

from sqlalchemy import event

from app.core import delivery, outbox
from tests.mail_helpers import meeting_with_item, publish_agenda, subscribers


@contextmanager
def _selects(engine):
    """The SELECT statements sent to the database inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _queued_agenda(app, create_body, create_meeting, count):
    app.config.update(JOBS_BACKEND="none", MAIL_BATCH_SIZE=count)  # nothing delivers at commit: the rows wait
    body = create_body()
    subscribers(body, count)
    publish_agenda(meeting_with_item(create_meeting, body))
    outbox.expand_pending()  # what the first job does: make the mailing's messages


def test_a_batch_is_read_in_a_few_queries_whatever_its_size(app, db, create_body, create_meeting, smtp_sink):
    _queued_agenda(app, create_body, create_meeting, 30)
    with _selects(db.engine) as selects:
        token, until, claimed = delivery.claim(30)
        counts = delivery.deliver(token, until, claimed)
    assert counts["sent"] == 30 and len(smtp_sink.messages) == 30
    # The claim (ids, then the rows), the mailing, the meeting, the subscriptions: not one per message.
    assert len(selects) <= 10, f"{len(selects)} SELECTs for a batch of 30"


def test_the_claim_reads_its_batch_back_by_primary_key(app, db, create_body, create_meeting):
    _queued_agenda(app, create_body, create_meeting, 3)
    with _selects(db.engine) as selects:
        _token, _until, claimed = delivery.claim(3)
    assert len(claimed) == 3
    read_back = [s for s in selects if "outbox_messages.claimed_by = " in s]
    assert read_back and all("outbox_messages.id IN" in s for s in read_back), read_back
