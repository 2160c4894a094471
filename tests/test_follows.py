"""The follow pages (issue 19): the subscribe form pre-filled from a page, the private manage page."""

import re

from app.subscriptions import services as subscriptions
from app.subscriptions.models import Digest, Follow, FollowKind, Subscription
from app.topics.models import Topic


def _link(message, path: str) -> str:
    return re.search(rf"http://localhost({path}/\S+)", message.get_content()).group(1)


def _selected(page: str, name: str) -> str | None:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
    found = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select)
    return (found.group(1) or found.group(2)) if found else None


def _manage_path(subscription) -> str:
    return f"/subscriptions/{subscription.id}-{subscriptions.manage_token(subscription)}"


def test_follow_links_open_the_form_on_what_to_follow(client, db, commission, open_meeting):
    body, members = commission
    db.session.add(Topic(name="Police", slug="police"))
    db.session.commit()
    page = client.get("/subscribe?topic=police").get_data(as_text=True)
    assert _selected(page, "kind") == "topic" and _selected(page, "topic") == "police"
    page = client.get(f"/subscribe?member={members[2].id}").get_data(as_text=True)
    assert _selected(page, "kind") == "member" and _selected(page, "member") == str(members[2].id)
    page = client.get("/subscribe?keyword=287(g)").get_data(as_text=True)
    assert _selected(page, "kind") == "keyword" and 'value="287(g)"' in page
    assert 'type="email"' in page and 'autocomplete="email"' in page

    meeting = open_meeting(body)
    item = meeting.items[1]
    item_page = client.get(f"/meetings/{meeting.id}/items/{item.id}").get_data(as_text=True)
    assert f'href="/subscribe?item={item.id}"' in item_page
    page = client.get(f"/subscribe?item={item.id}").get_data(as_text=True)
    assert _selected(page, "kind") == "item" and item.title in page
    member_page = client.get(f"/members/{members[2].id}").get_data(as_text=True)
    assert f'href="/subscribe?member={members[2].id}"' in member_page
    assert f'href="/subscribe?body={body.id}"' in client.get(f"/bodies/{body.id}").get_data(as_text=True)
    # Nonsense in the address is ignored, never an error.
    assert client.get("/subscribe?item=99999999999999999999&member=x&topic=" + "z" * 500).status_code == 200


def test_subscribing_to_a_keyword_and_confirming(client, db, outbox):
    response = client.post(
        "/subscribe", data={"email": "k@example.org", "kind": "keyword", "keyword": "287(g)", "digest": "daily"}
    )
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    [confirmation] = outbox()
    assert "Words: “287(g)”" in confirmation.get_content()
    path = _link(confirmation, "/subscribe")
    assert "Words: “287(g)”" in client.get(path).get_data(as_text=True)
    done = client.post(path, data={}).get_data(as_text=True)
    assert "Subscribed." in done and "/subscriptions/" in done
    subscription = db.session.scalar(db.select(Subscription))
    assert subscription.digest == Digest.daily and subscription.follows[0].is_live


def test_bad_follow_input_is_refused_and_kept(client, db):
    cases = [
        ({"kind": "keyword", "keyword": "x" * 81}, 'value="' + "x" * 81 + '"'),
        ({"kind": "keyword", "keyword": "  "}, "Enter a word or phrase to follow."),
        ({"kind": "keyword", "keyword": "(-)"}, "Enter letters or numbers to follow."),
        ({"kind": "topic", "topic": ""}, "Choose a topic."),
        ({"kind": "member", "member": "424242"}, "Not a valid choice"),
        ({"kind": "nonsense"}, "Not a valid choice"),
        ({"kind": "item", "item": "99999999999999"}, "Not a valid choice"),  # no such item: not offered
        ({"kind": "body", "digest": "hourly"}, "Not a valid choice"),
    ]
    for data, shown in cases:
        response = client.post("/subscribe", data={"email": "kept@example.org", **data})
        page = response.get_data(as_text=True)
        assert response.status_code == 422, data
        assert shown in page and 'value="kept@example.org"' in page, data
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscription)) == 0


def test_a_second_follow_of_a_known_address_waits_for_its_link(client, db, outbox, create_body):
    body = create_body()
    pending = subscriptions.subscribe("same@example.org", body)
    subscriptions.confirm(pending.subscription)
    db.session.commit()
    client.post("/subscribe", data={"email": "same@example.org", "kind": "keyword", "keyword": "police"})
    subscription = db.session.scalar(db.select(Subscription))
    assert db.session.scalar(db.select(db.func.count()).select_from(Subscription)) == 1  # the same subscriber
    keyword = next(f for f in subscription.follows if f.kind == FollowKind.keyword)
    assert keyword.confirmed_at is None  # someone else may have typed this address
    client.post(_link(outbox()[-1], "/subscribe"), data={})
    db.session.refresh(keyword)
    assert keyword.is_live


def test_the_manage_page_lists_stops_adds_switches_and_ends(client, app, db, create_body, outbox):
    body = create_body(name="Parks Board")
    pending = subscriptions.subscribe("me@example.org", body)
    subscriptions.confirm(pending.subscription)
    db.session.commit()
    subscription = pending.subscription
    path = _manage_path(subscription)

    assert client.get(f"/subscriptions/{subscription.id}-wrong").status_code == 404
    assert client.post(f"/subscriptions/{subscription.id}-wrong", data={"action": "end"}).status_code == 404
    assert client.get("/subscriptions/99999999999999999999-x").status_code == 404
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "New agendas of Parks Board" in text and "me@example.org" not in text  # R12: never the address

    added = client.post(path, data={"action": "add", "add-kind": "keyword", "add-keyword": "287g"})
    assert added.status_code == 200 and "Words: “287g”" in added.get_data(as_text=True)
    follows = db.session.scalars(db.select(Follow).order_by(Follow.id)).all()
    assert [f.kind for f in follows] == [FollowKind.body, FollowKind.keyword] and follows[1].is_live

    refused = client.post(path, data={"action": "add", "add-kind": "keyword", "add-keyword": "y" * 90})
    assert refused.status_code == 422 and "y" * 90 in refused.get_data(as_text=True)
    assert client.post(path, data={"action": "digest", "digest-digest": "weekly"}).status_code == 422
    assert client.post(path, data={"action": "digest", "digest-digest": "daily"}).status_code == 200
    assert db.session.get(Subscription, subscription.id).digest == Digest.daily

    stopped = client.post(path, data={"action": "stop", "follow": str(follows[0].id)})
    assert stopped.status_code == 200 and "New agendas of Parks Board" not in stopped.get_data(as_text=True)
    assert client.post(path, data={"action": "stop", "follow": "999999999999999999"}).status_code == 422
    assert client.post(path, data={"action": "nonsense"}).status_code == 400

    ended = client.post(path, data={"action": "end"})
    assert ended.status_code == 200 and "nothing more will be sent" in ended.get_data(as_text=True)
    assert db.session.get(Subscription, subscription.id).unsubscribed_at is not None
    assert all(f.ended_at is not None for f in db.session.scalars(db.select(Follow)))


def test_the_manage_page_checks_its_form_token(app, db, create_body):
    pending = subscriptions.subscribe("me@example.org", create_body())
    subscriptions.confirm(pending.subscription)
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post(_manage_path(pending.subscription), data={"action": "end"})
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.get(Subscription, pending.subscription.id).unsubscribed_at is None


def test_one_click_unsubscribe_from_an_alert_ends_every_follow(app, db, create_body, open_meeting, outbox):
    pending = subscriptions.subscribe("k@example.org", subscriptions.Wanted(FollowKind.keyword, keyword="287g"))
    subscriptions.confirm(pending.subscription)
    db.session.commit()
    open_meeting(create_body())
    alert = outbox()[-1]
    path = str(alert["List-Unsubscribe"]).strip().strip("<>").replace("http://localhost", "")
    response = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert all(f.ended_at is not None for f in db.session.scalars(db.select(Follow)))
