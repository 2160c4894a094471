import re

import pytest
from sqlalchemy import func, select

from app.auth.models import Invitation, Role, User
from app.core.audit import AuditEntry
from tests.conftest import PASSWORD, login

LOCKED = "Too many failed sign-in attempts"
WRONG = "The email or password is not correct."


def page_text(response):
    return response.get_data(as_text=True)


def test_login_then_dashboard_then_logout(client, create_user, db):
    user = create_user(Role.clerk, display_name="Carla Clerk")
    response = login(client, user.email.upper())  # email is case-insensitive
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard/")
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200
    assert "Signed in as Carla Clerk" in page_text(dashboard)
    assert db.session.get(User, user.id).last_login_at is not None

    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_logout_by_get_is_not_allowed(client, login_as):
    login_as(Role.clerk)
    assert client.get("/logout").status_code == 405
    assert client.get("/dashboard/").status_code == 200


def test_wrong_password_keeps_email_and_says_what_is_wrong(client, create_user):
    user = create_user(Role.clerk)
    response = login(client, user.email, "wrong-password")
    assert response.status_code == 200
    text = page_text(response)
    assert WRONG in text
    assert f'value="{user.email}"' in text
    assert client.get("/dashboard/").status_code == 302


def test_empty_login_form_says_what_to_fill_in(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 200
    assert "Enter your email address." in page_text(response)
    assert "Enter your password." in page_text(response)


def test_lockout_after_five_failures_and_release_after_fifteen_minutes(client, create_user, clock):
    user = create_user(Role.clerk)
    for _ in range(4):
        assert WRONG in page_text(login(client, user.email, "nope-nope-nope"))
    fifth = login(client, user.email, "nope-nope-nope")
    assert LOCKED in page_text(fifth)
    assert "15 minutes" in page_text(fifth)

    # Even the right password is refused while the account is paused.
    refused = login(client, user.email, PASSWORD)
    assert refused.status_code == 200 and LOCKED in page_text(refused)
    clock.advance(minutes=14, seconds=59)
    still = login(client, user.email, PASSWORD)
    assert LOCKED in page_text(still) and "1 minute" in page_text(still)

    clock.advance(seconds=1)
    released = login(client, user.email, PASSWORD)
    assert released.status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_successful_login_resets_the_failure_count(client, create_user):
    user = create_user(Role.clerk)
    for _ in range(4):
        login(client, user.email, "bad-password-1")
    assert login(client, user.email).status_code == 302
    client.post("/logout")
    for _ in range(4):
        assert WRONG in page_text(login(client, user.email, "bad-password-2"))


def _normalized(response):
    # Everything except the (random) CSRF token and the echoed email.
    text = re.sub(r'name="csrf_token"[^>]*>', "", page_text(response))
    return re.sub(r'value="[^"]*@[^"]*"', "", text)


def test_no_user_enumeration(client, create_user):
    user = create_user(Role.clerk)
    real = login(client, user.email, "wrong-password-x")
    ghost = login(client, "nobody@city.example", "wrong-password-x")
    assert real.status_code == ghost.status_code == 200
    assert _normalized(real) == _normalized(ghost)

    # An unknown address locks out exactly like a real one.
    for _ in range(4):
        ghost = login(client, "nobody@city.example", "wrong-password-x")
        real = login(client, user.email, "wrong-password-x")
    assert LOCKED in page_text(ghost) and LOCKED in page_text(real)
    assert _normalized(real) == _normalized(ghost)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/\r\nSet-Cookie:x",
        "\t//evil.example",
    ],
)
def test_unsafe_next_is_ignored(client, create_user, target):
    user = create_user(Role.clerk)
    response = client.post("/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/dashboard/", "http://localhost/dashboard/")


def test_local_next_is_followed(client, create_user):
    user = create_user(Role.admin)
    response = client.post("/login?next=/admin/users", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/users"


def test_anonymous_visit_to_staff_page_comes_back_after_login(client, create_user):
    user = create_user(Role.admin)
    first = client.get("/admin/users")
    assert first.status_code == 302 and "next=%2Fadmin%2Fusers" in first.headers["Location"]
    response = client.post(first.headers["Location"], data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/users"


def test_deactivated_user_cannot_log_in(client, create_user):
    user = create_user(Role.clerk, active=False)
    response = login(client, user.email)
    assert response.status_code == 200
    assert WRONG in page_text(response)


def test_deactivation_signs_the_user_out_everywhere(app, client, create_user, db):
    admin = create_user(Role.admin)
    clerk = create_user(Role.clerk)
    clerk_client = app.test_client()
    login(clerk_client, clerk.email)
    assert clerk_client.get("/dashboard/").status_code == 200

    login(client, admin.email)
    response = client.post(f"/admin/users/{clerk.id}/deactivate", follow_redirects=True)
    assert "is deactivated" in page_text(response)
    assert clerk_client.get("/dashboard/").status_code == 302
    entries = select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "user.deactivate", AuditEntry.target_id == clerk.id
    )
    assert db.session.scalar(entries) == 1


def test_a_remembered_login_ends_with_deactivation_too(app, client, create_user, db):
    """Not only the session: the long-lived "keep me signed in" cookie stops working as well."""
    admin = create_user(Role.admin)
    viewer = create_user(Role.viewer)
    first = app.test_client()
    assert login(first, viewer.email, remember="y").status_code == 302
    remembered = first.get_cookie("remember_token")
    assert remembered is not None
    later = app.test_client()  # a new browser session that has only the remember cookie
    later.set_cookie("remember_token", remembered.value)
    assert later.get("/dashboard/").status_code == 200

    login(client, admin.email)
    client.post(f"/admin/users/{viewer.id}/deactivate")
    again = app.test_client()
    again.set_cookie("remember_token", remembered.value)
    assert again.get("/dashboard/").status_code == 302
    assert first.get("/dashboard/").status_code == 302
    # Reactivated, the account needs a new sign-in: the old cookies stay dead.
    client.post(f"/admin/users/{viewer.id}/reactivate")
    revived = app.test_client()
    revived.set_cookie("remember_token", remembered.value)
    assert revived.get("/dashboard/").status_code == 302


def test_admin_cannot_deactivate_self_or_last_admin(client, login_as, db):
    admin = login_as(Role.admin)
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "cannot deactivate your own account" in page_text(response)
    assert db.session.get(User, admin.id).active
    response = client.post(f"/admin/users/{admin.id}", data={"display_name": "Me", "role": "clerk", "member_id": ""})
    assert response.status_code == 422
    assert "last active administrator" in page_text(response)


def test_the_admin_invites_instead_of_setting_a_password(client, login_as):
    login_as(Role.admin)
    page = page_text(client.get("/admin/users"))
    assert "Invite a user" in page and "/admin/invitations/new" in page
    assert client.get("/admin/users/new").status_code == 404  # no more passwords chosen by the administrator
    form = page_text(client.get("/admin/invitations/new"))
    assert 'type="password"' not in form


def test_only_commissioners_link_to_members(client, login_as, create_member, db):
    login_as(Role.admin)
    member = create_member()
    response = client.post(
        "/admin/invitations/new",
        data={"email": "c@city.example", "display_name": "C", "role": "clerk", "member_id": str(member.id)},
    )
    assert response.status_code == 422
    assert "Only a commissioner" in page_text(response)
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_invalid_role_is_refused_not_500(client, login_as, db):
    login_as(Role.admin)
    response = client.post(
        "/admin/invitations/new",
        data={"email": "x@city.example", "display_name": "X", "role": "superuser", "member_id": "abc"},
    )
    assert response.status_code == 422
    assert "Not a valid choice" in page_text(response)
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def _edit(client, user, member):
    return client.post(
        f"/admin/users/{user.id}", data={"display_name": user.display_name, "role": "commissioner", "member_id": member}
    )


def test_linking_a_member_with_a_login_names_the_member_and_the_login(client, login_as, create_user, create_member, db):
    login_as(Role.admin)
    rosa = create_member(full_name="Rosa Delgado")
    create_user(Role.commissioner, email="rosa@city.example", display_name="Rosa D.", member=rosa)
    other = create_user(Role.commissioner, display_name="Someone Else")
    response = _edit(client, other, str(rosa.id))
    assert response.status_code == 422
    text = page_text(response)
    assert "Rosa Delgado is already linked to the login of Rosa D. (rosa@city.example)" in text
    assert db.session.get(User, other.id).member_id is None


def test_linking_a_member_promised_to_an_open_invitation_is_refused(client, login_as, create_user, create_member, db):
    login_as(Role.admin)
    rosa = create_member(full_name="Rosa Delgado")
    invited = client.post(
        "/admin/invitations/new",
        data={"email": "rosa@city.example", "display_name": "Rosa", "role": "commissioner", "member_id": str(rosa.id)},
    )
    assert invited.status_code == 302
    other = create_user(Role.commissioner)
    response = _edit(client, other, str(rosa.id))
    assert response.status_code == 422
    assert "Rosa Delgado is already offered in the open invitation to rosa@city.example" in page_text(response)
    assert db.session.get(User, other.id).member_id is None


def test_the_member_list_says_who_already_has_a_login(client, login_as, create_user, create_member):
    login_as(Role.admin)
    rosa = create_member(full_name="Rosa Delgado")
    create_member(full_name="Free Member")
    linked = create_user(Role.commissioner, email="rosa@city.example", member=rosa)
    other = create_user(Role.commissioner)
    text = page_text(client.get(f"/admin/users/{other.id}"))
    assert "Rosa Delgado (has a login: rosa@city.example)" in text
    assert ">Free Member<" in text
    # On the linked user's own page, their member is simply theirs.
    own = page_text(client.get(f"/admin/users/{linked.id}"))
    assert "has a login" not in own


def test_huge_or_bad_ids_in_user_urls_are_404(client, login_as):
    login_as(Role.admin)
    for url in ["/admin/users/99999999999", "/admin/users/0", "/admin/users/abc", "/admin/users/2147483648"]:
        assert client.get(url).status_code == 404
    assert client.post("/admin/users/99999999999999999999/deactivate").status_code == 404


def test_admin_resets_password_and_old_one_stops_working(app, client, login_as, create_user):
    login_as(Role.admin)
    clerk = create_user(Role.clerk)
    clerk_client = app.test_client()
    login(clerk_client, clerk.email)
    response = client.post(f"/admin/users/{clerk.id}/password", data={"reset-password": "brand-new-password"})
    assert response.status_code == 302
    assert clerk_client.get("/dashboard/").status_code == 302  # signed out
    fresh = app.test_client()
    assert login(fresh, clerk.email).status_code == 200
    assert login(fresh, clerk.email, "brand-new-password").status_code == 302


def test_user_changes_own_password(client, login_as):
    user = login_as(Role.commissioner)
    wrong = client.post(
        "/account/password",
        data={"current_password": "not-it", "new_password": "another-password", "confirm": "another-password"},
    )
    assert wrong.status_code == 200 and "current password is not correct" in page_text(wrong)
    mismatch = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "another-password", "confirm": "different-one"},
    )
    assert "do not match" in page_text(mismatch)
    done = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "another-password", "confirm": "another-password"},
    )
    assert done.status_code == 302
    assert client.get("/dashboard/").status_code == 200  # this session stays signed in
    client.post("/logout")
    assert login(client, user.email, PASSWORD).status_code == 200
    assert login(client, user.email, "another-password").status_code == 302


def test_passwords_are_hashed(create_user):
    user = create_user(Role.clerk)
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("scrypt:")


def test_session_cookie_is_httponly_and_samesite(client, create_user):
    user = create_user(Role.clerk)
    response = login(client, user.email)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
