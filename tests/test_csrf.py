import re

import pytest

from app.auth.models import Role
from tests.conftest import PASSWORD


@pytest.fixture
def app_overrides():
    return {"WTF_CSRF_ENABLED": True}


def test_post_without_token_is_rejected_with_clear_message(client, create_user):
    user = create_user(Role.clerk)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "sent without its security token" in text
    assert client.get("/dashboard/").status_code == 302


def test_post_with_token_is_accepted(client, create_user):
    user = create_user(Role.clerk)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    # Sign-out is a POST and needs the token too.
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard/").status_code == 200


def test_one_click_unsubscribe_works_with_csrf_on(app, db, create_body):
    from app.subscriptions import services
    from app.subscriptions.models import Subscription

    body = create_body()
    pending = services.subscribe("a@example.org", body)
    services.confirm(pending.subscription)
    db.session.commit()
    with app.test_request_context():
        link = services.unsubscribe_link(pending.subscription)
    response = app.test_client().post(link.replace("http://localhost", ""), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Subscription, pending.subscription.id).unsubscribed_at is not None
    # The subscribe form itself still checks its token, and keeps what was typed.
    refused = app.test_client().post("/subscribe", data={"email": "kept@example.org", "body": ""})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "This form expired" in page and 'value="kept@example.org"' in page
