"""Nothing typed is lost: a form refused for its rate limit, a closed window or a wrong value comes back filled.

The limit: app/core/ratelimit.py (``@form_limit`` and ``submitted``). Each test uses its own address, and the
limiter's memory is emptied first, so the counts of other tests never reach in.
"""

import re
from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import func, select

from app.auth import invitations
from app.auth.models import Role
from app.extensions import limiter
from app.public_comment import intake as comment_intake
from app.public_comment import registration as speaker_registration
from app.public_comment.models import SpeakerRequest, WrittenComment
from app.subscriptions.models import Subscription
from tests.conftest import PASSWORD

LIMITED_MESSAGE = "Too many requests were sent from your connection in a short time"
SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}
_addresses = count(10)


LIMITS = {"RATELIMIT_ENABLED": True, "PUBLIC_FORM_RATE_LIMIT": "2 per minute", "LOGIN_RATE_LIMIT": "2 per minute"}


@pytest.fixture
def app_overrides(request):
    return getattr(request, "param", LIMITS)


@pytest.fixture
def ip(app):
    limiter.reset()
    return {"REMOTE_ADDR": f"192.0.2.{next(_addresses)}"}


def _item(meeting):
    return next(i for i in meeting.items if i.title == "Resolution on the 287(g) agreement")


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def _speak_form(item, **overrides):
    data = {
        "agenda_item_id": str(item.id),
        "name": "Ana Resident",
        "stance": "oppose",
        "participation": "remote",
        "email": "ana@example.org",
        "phone": "305-555-0101",
        "city": "Key West",
        "is_group_representative": "y",
        "group_name": "Keys Neighbors",
        "interpreter_language": "Haitian Creole",
        "accommodation": "A chair near the door",
        "disclaimer_version": comment_intake.DISCLAIMER_VERSION,
        "submission_key": "key-that-stays-the-same",
        "website": "",
    }
    data.update(overrides)
    return data


def _comment_form(item, **overrides):
    data = {
        "agenda_item_id": str(item.id),
        "name": "Ana Resident",
        "stance": "support",
        "text": "My long\ncomment, with <b>care</b>",
        "email": "ana@example.org",
        "city": "Key West",
        "disclaimer_version": comment_intake.DISCLAIMER_VERSION,
        "submission_key": "comment-key",
        "website": "",
    }
    data.update(overrides)
    return data


def _checked(text: str, name: str, value: str) -> bool:
    return any(
        f'name="{name}"' in tag and f'value="{value}"' in tag and "checked" in tag
        for tag in re.findall(r"<input[^>]*>", text)
    )


def _ticked(text: str, name: str) -> bool:
    return any(f'name="{name}"' in tag and "checked" in tag for tag in re.findall(r"<input[^>]*>", text))


def _selected(text: str, value: str) -> bool:
    return bool(re.search(rf'<option (selected value="{value}"|value="{value}" selected)', text))


def _exhaust(client, path, data, ip, times=2):
    for _ in range(times):
        client.post(path, data=data, environ_base=ip)


def _assert_limited(response) -> str:
    assert response.status_code == 429, response.status_code
    retry = int(response.headers["Retry-After"])
    assert 0 < retry <= 60
    assert "no-store" in response.headers["Cache-Control"]  # "private, no-store" on staff pages
    text = response.get_data(as_text=True)
    assert LIMITED_MESSAGE in text
    # The clock stands at 14:00 UTC (9:00 AM in Key West): the limit of a minute ends at 9:01 AM at the latest.
    assert "you may send it again from 9:01\u202fAM" in text or "you may send it again from 9:01 AM" in text
    assert f"Wait {retry} seconds" in text or f"Wait {retry + 1} seconds" in text
    assert 'type="submit"' in text
    return text


def test_speak_form_over_the_limit_comes_back_filled(client, open_meeting, db, ip):
    meeting = open_meeting()
    item = _item(meeting)
    path = f"/meetings/{meeting.id}/speak"
    _exhaust(client, path, _speak_form(item, name="Other Resident", submission_key=""), ip)
    assert _count(db, SpeakerRequest) == 1  # the second was the same person and item: one request
    text = _assert_limited(client.post(path, data=_speak_form(item, name="Ana <i>Late</i>"), environ_base=ip))
    assert 'value="Ana &lt;i&gt;Late&lt;/i&gt;"' in text
    for value in ("ana@example.org", "305-555-0101", "Key West", "Keys Neighbors", "Haitian Creole"):
        assert f'value="{value}"' in text, value
    assert "A chair near the door</textarea>" in text
    assert _checked(text, "stance", "oppose") and _checked(text, "participation", "remote")
    assert _ticked(text, "is_group_representative")
    assert _selected(text, str(item.id))
    assert 'value="key-that-stays-the-same"' in text  # sent again later, it is still one request
    assert _count(db, SpeakerRequest) == 1


def test_written_comment_over_the_limit_comes_back_filled(client, open_meeting, db, ip):
    meeting = open_meeting()
    item = _item(meeting)
    path = f"/meetings/{meeting.id}/comment"
    _exhaust(client, path, _comment_form(item, submission_key=""), ip)
    before = _count(db, WrittenComment)
    text = _assert_limited(client.post(path, data=_comment_form(item), environ_base=ip))
    assert "My long\ncomment, with &lt;b&gt;care&lt;/b&gt;</textarea>" in text
    assert 'value="Ana Resident"' in text and 'value="ana@example.org"' in text and 'value="Key West"' in text
    assert _checked(text, "stance", "support") and _selected(text, str(item.id))
    assert _count(db, WrittenComment) == before


def test_private_link_changes_over_the_limit_come_back_filled(client, open_meeting, db, ip):
    meeting = open_meeting()
    registration = speaker_registration.register_speaker(
        _item(meeting),
        name="Ana Resident",
        stance="oppose",
        participation="in_person",
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    )
    db.session.commit()
    path = f"/speak/{registration.request.id}-{registration.token}"
    change = {"stance": "support", "participation": "remote", "city": "Stock Island", "accommodation": "Captions"}
    _exhaust(client, path, {**change, "participation": "in_person"}, ip)
    response = client.post(path, data=change, environ_base=ip)
    text = _assert_limited(response)
    assert _checked(text, "stance", "support") and _checked(text, "participation", "remote")
    assert 'value="Stock Island"' in text and "Captions</textarea>" in text
    assert response.headers["Referrer-Policy"] == "no-referrer"
    db.session.refresh(registration.request)
    assert registration.request.participation.value == "in_person"


def test_subscribe_over_the_limit_comes_back_filled(client, create_body, db, ip):
    body = create_body(name="Planning Board")
    db.session.commit()
    _exhaust(client, "/subscribe", {"email": "first@example.org", "body": ""}, ip)
    before = _count(db, Subscription)
    response = client.post("/subscribe", data={"email": "late@example.org", "body": str(body.id)}, environ_base=ip)
    text = _assert_limited(response)
    assert 'value="late@example.org"' in text and _selected(text, str(body.id))
    assert _count(db, Subscription) == before


def test_sign_in_over_the_limit_keeps_the_address_never_the_password(client, ip):
    data = {"email": "clerk@city.example", "password": "my-secret-password", "remember": "y"}
    _exhaust(client, "/login", data, ip)
    text = _assert_limited(client.post("/login", data=data, environ_base=ip))
    assert 'value="clerk@city.example"' in text and "my-secret-password" not in text
    assert _ticked(text, "remember")


def test_invitation_over_the_limit_shows_its_form_without_the_passwords(client, login_as, db, ip):
    admin = login_as(Role.admin)
    issued = invitations.invite("new@city.example", "New Clerk", Role.clerk, None, actor=admin)
    db.session.commit()
    client.post("/logout")
    path = f"/invitations/{issued.token}"
    data = {"password": "a-long-enough-password", "confirm": "a-different-password"}
    _exhaust(client, path, data, ip)
    response = client.post(path, data=data, environ_base=ip)
    text = _assert_limited(response)
    assert "a-long-enough-password" not in text and "a-different-password" not in text
    assert "new@city.example" in text and response.headers["Referrer-Policy"] == "no-referrer"


def test_a_form_over_the_limit_is_accepted_once_the_window_ends(client, open_meeting, db, ip):
    meeting = open_meeting()
    item = _item(meeting)
    path = f"/meetings/{meeting.id}/speak"
    _exhaust(client, path, _speak_form(item, name="Someone Else", submission_key="other"), ip)
    assert client.post(path, data=_speak_form(item), environ_base=ip).status_code == 429
    limiter.reset()  # the minute is over
    assert client.post(path, data=_speak_form(item), environ_base=ip).status_code == 302
    assert _count(db, SpeakerRequest) == 2


def test_the_message_is_in_the_readers_language(client, open_meeting, ip):
    meeting = open_meeting()
    item = _item(meeting)
    path = f"/meetings/{meeting.id}/speak"
    _exhaust(client, path, _speak_form(item), ip)
    response = client.post(path, data=_speak_form(item), environ_base=ip, headers=SPANISH)
    assert response.status_code == 429
    text = response.get_data(as_text=True)
    assert "Se enviaron demasiadas solicitudes desde su conexión" in text and "a partir de las 9:01" in text
    assert 'value="Ana Resident"' in text
    # The sign-in page too, chosen with the language switch (the session).
    with client.session_transaction() as session:
        session["lang"] = "es"
    data = {"email": "clerk@city.example", "password": "my-secret-password"}
    _exhaust(client, "/login", data, ip)
    text = client.post("/login", data=data, environ_base=ip).get_data(as_text=True)
    assert "Se enviaron demasiadas solicitudes" in text and 'value="clerk@city.example"' in text


def test_other_limited_routes_and_the_api_keep_their_plain_answers(client, app, ip):
    app.config["API_RATE_LIMIT"] = "1 per minute"
    client.get("/api/v1/meetings", environ_base=ip)
    response = client.get("/api/v1/meetings", environ_base=ip)
    if response.status_code == 404:
        pytest.skip("no such API route")
    assert response.status_code == 429 and response.is_json
    assert response.get_json()["error"]["status"] == 429


# --- refused for other reasons: the form comes back filled too ------------------------------------------------------


def test_speak_refused_for_a_wrong_value_or_a_closed_window_keeps_everything(client, open_meeting, clock, db, ip):
    meeting = open_meeting()
    item = _item(meeting)
    path = f"/meetings/{meeting.id}/speak"
    wrong = client.post(path, data=_speak_form(item, email="not-an-email"), environ_base=ip)
    assert wrong.status_code == 422
    text = wrong.get_data(as_text=True)
    assert 'value="not-an-email"' in text and 'value="Keys Neighbors"' in text and _checked(text, "stance", "oppose")
    assert "A chair near the door</textarea>" in text
    limiter.reset()
    clock.now = meeting.start_at - timedelta(minutes=30)
    closed = client.post(path, data=_speak_form(item, name="Ana <i>Late</i>"), environ_base=ip)
    assert closed.status_code == 422
    text = closed.get_data(as_text=True)
    assert "closed at" in text and "Your request to speak was not sent" in text
    for typed in ("Ana &lt;i&gt;Late&lt;/i&gt;", "Resolution on the 287(g) agreement", "Oppose", "Keys Neighbors"):
        assert typed in text, typed
    for typed in ("ana@example.org", "305-555-0101", "Key West", "Haitian Creole", "A chair near the door"):
        assert typed in text, typed
    assert _count(db, SpeakerRequest) == 0


def test_written_comment_refused_keeps_the_text(client, open_meeting, clock, db, ip):
    meeting = open_meeting()
    item = _item(meeting)
    path = f"/meetings/{meeting.id}/comment"
    missing = client.post(path, data=_comment_form(item, name=""), environ_base=ip)
    assert missing.status_code == 422
    text = missing.get_data(as_text=True)
    assert "My long\ncomment, with &lt;b&gt;care&lt;/b&gt;</textarea>" in text and 'value="ana@example.org"' in text
    assert _checked(text, "stance", "support")
    limiter.reset()
    clock.now = meeting.start_at + timedelta(days=2)
    closed = client.post(path, data=_comment_form(item), environ_base=ip)
    assert closed.status_code == 422
    text = closed.get_data(as_text=True)
    assert "Your comment was not sent" in text and "My long\ncomment, with &lt;b&gt;care&lt;/b&gt;" in text
    for typed in ("Ana Resident", "Resolution on the 287(g) agreement", "Support", "ana@example.org", "Key West"):
        assert typed in text, typed
    assert _count(db, WrittenComment) == 0


def test_subscribe_refused_keeps_the_address(client, create_body, db, ip):
    body = create_body(name="Planning Board")
    db.session.commit()
    response = client.post("/subscribe", data={"email": "not an address", "body": str(body.id)}, environ_base=ip)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'value="not an address"' in text and _selected(text, str(body.id))


def test_sign_in_refused_keeps_the_address_never_the_password(client, create_user, ip):
    create_user(email="clerk@city.example")
    response = client.post(
        "/login", data={"email": "clerk@city.example", "password": PASSWORD + "-wrong"}, environ_base=ip
    )
    text = response.get_data(as_text=True)
    assert 'value="clerk@city.example"' in text and PASSWORD not in text


def _token(text: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text).group(1)


@pytest.mark.parametrize("app_overrides", [{**LIMITS, "WTF_CSRF_ENABLED": True}])
def test_the_limited_page_carries_a_working_csrf_token(client, open_meeting, db, ip):
    data = {"email": "clerk@city.example", "password": "my-secret-password"}
    data["csrf_token"] = _token(client.get("/login").get_data(as_text=True))
    _exhaust(client, "/login", data, ip)
    limited = client.post("/login", data=data, environ_base=ip)
    assert limited.status_code == 429 and LIMITED_MESSAGE in limited.get_data(as_text=True)
    limiter.reset()  # the minute is over: the page's own button sends it
    again = client.post("/login", data={**data, "csrf_token": _token(limited.get_data(as_text=True))}, environ_base=ip)
    assert again.status_code == 200 and "The email or password is not correct." in again.get_data(as_text=True)
    meeting = open_meeting()
    item = _item(meeting)
    path = f"/meetings/{meeting.id}/speak"
    form = {**_speak_form(item), "csrf_token": _token(client.get(path).get_data(as_text=True))}
    _exhaust(client, path, {**form, "name": "Someone Else", "submission_key": "other"}, ip)
    limited = client.post(path, data=form, environ_base=ip)
    assert limited.status_code == 429
    limiter.reset()
    sent = client.post(path, data={**form, "csrf_token": _token(limited.get_data(as_text=True))}, environ_base=ip)
    assert sent.status_code == 302 and _count(db, SpeakerRequest) == 2
