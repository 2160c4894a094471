"""Staff sessions recorded on the server (issue 22): a copied cookie is dead once its session ends."""

from http.cookies import SimpleCookie

import pytest
from sqlalchemy import func, select

from app.auth.models import Role, SessionEnd, StaffSession
from app.core.audit import AuditEntry
from app.core.tokens import hash_token
from tests.conftest import PASSWORD, login


def cookies_of(client) -> dict[str, str]:
    return {cookie.key: cookie.value for cookie in client._cookies.values()}


def with_cookies(app, cookies: dict[str, str]):
    """Another browser holding a copy of these cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def signed_in(client) -> bool:
    return client.get("/dashboard/").status_code == 200


def test_a_cookie_copied_before_sign_out_no_longer_signs_in(app, client, login_as, db):
    login_as(Role.clerk)
    copied = cookies_of(client)
    assert signed_in(with_cookies(app, copied))
    client.post("/logout")
    assert not signed_in(client)
    assert not signed_in(with_cookies(app, copied))
    row = db.session.scalar(select(StaffSession))
    assert row.ended_at is not None and row.end_reason == SessionEnd.signed_out


def test_the_cookie_holds_a_random_token_and_the_row_only_its_hash(app, client, login_as, db):
    user = login_as(Role.clerk)
    row = db.session.scalar(select(StaffSession).where(StaffSession.user_id == user.id))
    assert len(row.token_hash) == 64
    session_cookie = cookies_of(client)["session"]
    carried = app.session_interface.get_signing_serializer(app).loads(session_cookie)["_user_id"]
    assert hash_token(carried) == row.token_hash  # the cookie carries the token, the row only its digest
    assert carried != str(user.id) and len(carried) >= 32 and row.token_hash not in session_cookie


def test_remember_me_cookie_is_samesite_lax_httponly_and_rotated_on_use(app, client, create_user, db):
    user = create_user(Role.clerk)
    response = login(client, user.email, remember="y")
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert "SameSite=Lax" in header and "HttpOnly" in header
    first = SimpleCookie(header)["remember_token"].value

    # A browser restarted: only the remember-me cookie is left. It signs in, and gets a new one.
    restarted = with_cookies(app, {"remember_token": first})
    answer = restarted.get("/dashboard/")
    assert answer.status_code == 200
    [renewed] = [h for h in answer.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    second = SimpleCookie(renewed)["remember_token"].value
    assert second != first
    # The old cookie stopped working; the new one works; still one session.
    assert not signed_in(with_cookies(app, {"remember_token": first}))
    assert signed_in(with_cookies(app, {"remember_token": second}))
    assert db.session.scalar(select(func.count()).select_from(StaffSession)) == 1


def test_the_session_list_shows_each_device_and_ends_one(app, client, create_user, db):
    user = create_user(Role.viewer)  # a viewer too manages their own sessions
    phone = app.test_client()
    phone.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1"
    login(phone, user.email)
    client.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (Windows NT 10.0) Gecko/20100101 Firefox/130.0"
    login(client, user.email)
    page = client.get("/account/sessions").get_data(as_text=True)
    assert "Safari on iPhone" in page and "Firefox on Windows" in page and "This device" in page
    other = db.session.scalar(
        select(StaffSession).where(StaffSession.user_id == user.id).order_by(StaffSession.id).limit(1)
    )
    response = client.post(f"/account/sessions/{other.id}/end", follow_redirects=True)
    assert "That session is ended" in response.get_data(as_text=True)
    assert not signed_in(phone) and signed_in(client)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "session.end"))
    assert entry is not None and entry.actor_id == user.id


def test_one_cannot_end_someone_elses_session_or_ones_own_current_one(app, client, create_user, login_as, db):
    victim = create_user(Role.clerk, email="victim@city.example")
    theirs = app.test_client()
    login(theirs, victim.email)
    login_as(Role.clerk)
    row = db.session.scalar(select(StaffSession).where(StaffSession.user_id == victim.id))
    response = client.post(f"/account/sessions/{row.id}/end", follow_redirects=True)
    assert "already ended" in response.get_data(as_text=True)
    assert signed_in(theirs)
    mine = db.session.scalar(select(StaffSession).order_by(StaffSession.id.desc()).limit(1))
    response = client.post(f"/account/sessions/{mine.id}/end", follow_redirects=True)
    assert "sign out instead" in response.get_data(as_text=True) and signed_in(client)
    assert client.post("/account/sessions/99999999999999999999/end").status_code == 404


def test_sign_out_everywhere_else_keeps_this_session(app, client, create_user, db):
    user = create_user(Role.clerk)
    others = [app.test_client() for _ in range(2)]
    for other in others:
        login(other, user.email)
    login(client, user.email)
    response = client.post("/account/sessions/end-others", follow_redirects=True)
    assert "Every other session is signed out (2)" in response.get_data(as_text=True)
    assert signed_in(client) and not any(signed_in(other) for other in others)


def test_password_change_ends_the_other_sessions_and_keeps_this_one(app, client, create_user, db):
    user = create_user(Role.clerk)
    other = app.test_client()
    login(other, user.email)
    login(client, user.email)
    new = "a-new-long-password-2026"
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": new, "confirm": new}
    )
    assert response.status_code == 302
    assert signed_in(client) and not signed_in(other)


def test_deactivation_ends_every_session(app, client, create_user, login_as, db):
    target = create_user(Role.clerk, email="leaving@city.example")
    theirs = app.test_client()
    login(theirs, target.email)
    assert signed_in(theirs)
    login_as(Role.admin)
    assert client.post(f"/admin/users/{target.id}/deactivate").status_code == 302
    assert not signed_in(theirs)
    row = db.session.scalar(select(StaffSession).where(StaffSession.user_id == target.id))
    assert row.end_reason == SessionEnd.deactivated


PRODUCTION_LIFETIMES = {"STAFF_IDLE_MINUTES_ADMIN": 30, "STAFF_IDLE_MINUTES": 480, "STAFF_SESSION_HOURS": 12}


@pytest.mark.parametrize("app_overrides", [PRODUCTION_LIFETIMES])
def test_idle_and_absolute_lifetimes(app, client, create_user, clock, db):
    admin = create_user(Role.admin, email="admin@city.example")
    clerk = create_user(Role.clerk, email="clerk@city.example")
    admin_browser = app.test_client()
    login(admin_browser, admin.email)
    login(client, clerk.email)
    clock.advance(minutes=31)  # past the administrators' 30 idle minutes, well within a clerk's
    assert not signed_in(admin_browser)
    assert signed_in(client)
    for _ in range(3):  # used every few hours, the clerk is still signed in ...
        clock.advance(hours=3)
        assert signed_in(client)
    clock.advance(hours=3)  # ... until 12 hours after signing in, however active
    assert not signed_in(client)


def test_last_seen_is_written_at_most_once_a_minute(app, client, login_as, clock, db):
    login_as(Role.clerk)
    row = db.session.scalar(select(StaffSession))
    seen = row.last_seen_at
    client.get("/dashboard/")
    db.session.refresh(row)
    assert row.last_seen_at == seen
    clock.advance(seconds=61)
    client.get("/dashboard/")
    db.session.refresh(row)
    assert row.last_seen_at > seen
