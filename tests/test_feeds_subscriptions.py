"""Atom feeds parsed back with feedparser; email subscriptions from the form to the one-click unsubscribe."""

import re
from datetime import date

import feedparser

from app.legislation.models import Resolution, ResolutionStatus
from app.meetings.models import AgendaItem, AgendaItemType
from app.subscriptions.models import Subscription


def test_agenda_feed_lists_published_agendas_only(client, open_meeting, create_meeting, create_body):
    board = create_body(name="Planning Board")
    published = open_meeting()
    other = open_meeting(board, title="Setback variances")
    create_meeting(title="Draft special meeting")  # draft: not public
    create_meeting(status="noticed", title="Noticed, agenda not yet published")

    response = client.get("/feeds/agendas.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    titles = [e.title for e in feed.entries]
    assert len(titles) == 2 and any("Setback variances" in t for t in titles)
    assert not any("Draft" in t or "not yet published" in t for t in titles)
    entry = next(e for e in feed.entries if published.title in e.title)
    assert entry.link == f"http://localhost/meetings/{published.id}"
    assert entry.id.startswith("tag:") and entry.id.endswith(f"meeting-agenda-{published.id}")
    assert feed.feed.links[0].href.endswith("/feeds/agendas.atom")

    per_body = feedparser.parse(client.get(f"/bodies/{board.id}/agendas.atom").data)
    assert [e.link for e in per_body.entries] == [f"http://localhost/meetings/{other.id}"]
    assert client.get("/bodies/999999/agendas.atom").status_code == 404


def test_entry_ids_do_not_change_when_the_feed_is_read_again(client, open_meeting):
    open_meeting()
    first = [e.id for e in feedparser.parse(client.get("/feeds/agendas.atom").data).entries]
    open_meeting(title="Another meeting")
    second = [e.id for e in feedparser.parse(client.get("/feeds/agendas.atom").data).entries]
    assert set(first) < set(second)


def test_resolution_feed_has_adopted_resolutions(client, open_meeting, db):
    meeting = open_meeting()
    item = next(i for i in meeting.items if i.item_type == AgendaItemType.resolution)
    db.session.add(
        Resolution(
            agenda_item_id=item.id,
            title="Declaring the 287(g) agreement void",
            status=ResolutionStatus.adopted,
            number="25-187",
            number_year=2025,
            number_seq=187,
            adopted_on=date(2025, 6, 30),
            effective_on=date(2025, 7, 1),
        )
    )
    draft_item = AgendaItem(
        meeting_id=meeting.id,
        section="Resolutions",
        position=9,
        label="R9",
        title="A draft",
        item_type=AgendaItemType.resolution,
        file_number="X-9",
    )
    db.session.add(draft_item)
    db.session.flush()
    db.session.add(Resolution(agenda_item_id=draft_item.id, title="A draft", status=ResolutionStatus.draft))
    db.session.commit()

    feed = feedparser.parse(client.get("/feeds/resolutions.atom").data)
    assert not feed.bozo
    [entry] = feed.entries
    assert entry.title == "Resolution 25-187: Declaring the 287(g) agreement void"
    assert "Adopted June 30, 2025." in entry.summary and "Effective July 1, 2025." in entry.summary
    assert entry.updated_parsed[:3] == (2025, 6, 30)


# ---- subscriptions ----------------------------------------------------------------------------------------------


def _link(message, path: str) -> str:
    return re.search(rf"http://localhost({path}/\S+)", message.get_content()).group(1)


def _publish(clerk_client, meeting_factory, body, **kw):
    """A meeting whose agenda the clerk publishes through the staff route (which mails subscribers)."""
    from tests.mail_helpers import meeting_with_item

    meeting = meeting_with_item(meeting_factory, body, **kw)
    response = clerk_client.post(f"/staff/meetings/{meeting.id}/agenda/publish", data={})
    assert response.status_code == 302
    return meeting


def test_double_opt_in_then_agenda_mail_then_one_click_unsubscribe(
    client, app, login_as, create_meeting, outbox, create_body, db
):
    body = create_body(name="City Commission")
    other_body = create_body(name="Planning Board")

    response = client.post("/subscribe", data={"email": "Resident@Example.org", "body": str(body.id)})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    [confirmation] = outbox()
    assert confirmation["To"] == "resident@example.org"
    confirm_path = _link(confirmation, "/subscribe")

    # Nothing goes out before the address is confirmed.
    login_as("clerk")
    _publish(client, create_meeting, body, title="Before confirming")
    assert len(outbox()) == 1

    # Opening the link (as a mail scanner would) confirms nothing; the button does.
    page = client.get(confirm_path)
    assert page.status_code == 200 and "Yes, subscribe me" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(db.select(Subscription)).confirmed_at is None
    assert "Subscribed." in client.post(confirm_path, data={}).get_data(as_text=True)

    _publish(client, create_meeting, body, title="Harbor hearing")
    _publish(client, create_meeting, other_body, title="Setbacks")  # another body: not mailed
    mails = outbox()
    assert len(mails) == 2
    agenda = mails[-1]
    assert agenda["Subject"] == "Agenda published: Harbor hearing"
    assert agenda["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = str(agenda["List-Unsubscribe"]).strip().strip("<>")
    assert unsubscribe_url in agenda.get_content()

    # RFC 8058: the mail client POSTs with no form token and no cookie.
    path = unsubscribe_url.replace("http://localhost", "")
    response = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "Done" in response.get_data(as_text=True)
    assert app.test_client().post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # idempotent
    _publish(client, create_meeting, body, title="After unsubscribing")
    assert len(outbox()) == 2


def test_bad_input_is_refused_and_kept(client, create_body):
    body = create_body()
    response = client.post("/subscribe", data={"email": "not-an-address", "body": str(body.id)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter an email address like name@example.com." in page and 'value="not-an-address"' in page
    assert client.post("/subscribe", data={"email": "x@example.org", "body": "999999"}).status_code == 422
    assert client.post("/subscribe", data={"email": "a" * 300 + "@example.org", "body": ""}).status_code == 422
    assert client.post("/subscribe", data={"email": "", "body": ""}).status_code == 422
    assert client.post("/subscribe", data={"email": "x@example.org", "body": "", "website": "spam"}).status_code == 422


def test_links_with_a_wrong_secret_are_not_found(client, create_body, db):
    from app.subscriptions import services as subscription_services

    pending = subscription_services.subscribe("a@example.org", create_body())
    db.session.commit()
    sid = pending.subscription.id
    for path in (
        f"/subscribe/{sid}-wrong",
        f"/unsubscribe/{sid}-wrong",
        "/subscribe/99999999999999999999-x",
        f"/unsubscribe/{sid + 1}-{'0' * 32}",
    ):
        assert client.get(path).status_code == 404
        assert client.post(path).status_code == 404


def test_asking_twice_reveals_nothing_and_keeps_one_subscription(client, create_body, outbox, db):
    body = create_body()
    for _ in range(2):
        response = client.post("/subscribe", data={"email": "same@example.org", "body": str(body.id)})
        assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscription)) == 1
    first, second = outbox()
    assert client.get(_link(first, "/subscribe")).status_code == 404  # the newer link replaces the older
    assert client.post(_link(second, "/subscribe")).status_code == 200
    assert "same@example.org" not in client.get("/").get_data(as_text=True)
