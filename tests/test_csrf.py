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
