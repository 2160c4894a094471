"""Two-factor sign-in (issue 22): enrolment with a QR code, the second step, recovery codes used once, lockout on
the second step, the city's requirement, an administrator's reset."""

import re

import pyotp
import pytest
from sqlalchemy import select

from app.auth.models import RecoveryCode, Role, StaffSession, User
from app.core.audit import AuditEntry
from tests.conftest import PASSWORD, login


def page_text(response) -> str:
    return response.get_data(as_text=True)


def enrol(client, clock) -> tuple[str, list[str]]:
    """Through the pages: start, read the key shown under the QR code, confirm with a code. Returns (secret, codes)."""
    page = page_text(client.post("/account/two-factor/start"))
    assert "<svg" in page and "QR code to scan with your authenticator app" in page
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    done = client.post("/account/two-factor/confirm", data={"code": pyotp.TOTP(secret).at(clock.now)})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "private, no-store"
    codes = re.findall(r"<li><code>([0-9a-f-]{19})</code></li>", page_text(done))
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def code_at(secret, clock, seconds=0):
    return pyotp.TOTP(secret).at(clock.now.timestamp() + seconds)


def audit_actions(db, user) -> list[str]:
    return db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.target_type == "User", AuditEntry.target_id == user.id)
        .order_by(AuditEntry.id)
    ).all()


def test_enrol_then_sign_in_with_a_code(app, client, login_as, clock, db):
    user = login_as(Role.clerk)
    secret, _codes = enrol(client, clock)
    db.session.refresh(user)
    assert user.totp_secret == secret and user.has_second_factor
    assert db.session.scalar(select(RecoveryCode.code_hash).limit(1)) not in _codes  # stored hashed
    client.post("/logout")

    first = login(client, user.email)
    assert first.status_code == 302 and first.headers["Location"].endswith("/login/code")
    assert client.get("/dashboard/").status_code == 302  # the password alone signs nobody in
    assert db.session.scalar(select(StaffSession).where(StaffSession.ended_at.is_(None))) is None
    clock.advance(seconds=30)
    second = client.post("/login/code", data={"code": code_at(secret, clock)})
    assert second.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    assert "user.two_factor_enable" in audit_actions(db, user)


def test_a_code_is_accepted_once(app, client, login_as, create_user, clock, db):
    login_as(Role.clerk)
    secret, _codes = enrol(client, clock)
    email = db.session.scalar(select(User.email).where(User.totp_secret.is_not(None)))
    client.post("/logout")
    clock.advance(seconds=30)
    code = code_at(secret, clock)
    login(client, email)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")
    login(client, email)
    replay = client.post("/login/code", data={"code": code})
    assert replay.status_code == 422 and "That code is not correct" in page_text(replay)


def test_a_recovery_code_works_once(app, client, login_as, clock, db):
    user = login_as(Role.clerk)
    _secret, codes = enrol(client, clock)
    client.post("/logout")
    login(client, user.email)
    assert client.post("/login/code", data={"code": codes[3].upper()}).status_code == 302
    assert "user.recovery_code_used" in audit_actions(db, user)
    client.post("/logout")
    login(client, user.email)
    again = client.post("/login/code", data={"code": codes[3]})
    assert again.status_code == 422
    assert client.post("/login/code", data={"code": codes[4]}).status_code == 302
    assert "8 recovery codes left" in page_text(client.get("/account/two-factor"))


def test_wrong_codes_lock_the_account_like_wrong_passwords(app, client, login_as, clock, db):
    user = login_as(Role.clerk)
    secret, _codes = enrol(client, clock)
    client.post("/logout")
    login(client, user.email)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = client.post("/login/code", data={"code": "000000"})
    assert "Too many failed sign-in attempts" in page_text(response)
    clock.advance(seconds=30)
    right = client.post("/login/code", data={"code": code_at(secret, clock)})
    assert right.status_code == 422 and "Too many failed sign-in attempts" in page_text(right)
    assert client.get("/dashboard/").status_code == 302
    assert "user.locked_out" in audit_actions(db, user)


def test_the_code_must_follow_the_password_within_five_minutes(app, client, login_as, clock, db):
    user = login_as(Role.clerk)
    secret, _codes = enrol(client, clock)
    client.post("/logout")
    login(client, user.email)
    clock.advance(minutes=6)
    late = client.post("/login/code", data={"code": code_at(secret, clock)}, follow_redirects=True)
    assert "Sign in again" in page_text(late)
    assert client.get("/dashboard/").status_code == 302


def test_a_wrong_enrolment_code_keeps_the_page_and_stores_nothing(app, client, login_as, clock, db):
    user = login_as(Role.viewer)  # a viewer may protect their own account too
    client.post("/account/two-factor/start")
    wrong = client.post("/account/two-factor/confirm", data={"code": "12345"})
    assert wrong.status_code == 422 and "That code is not correct" in page_text(wrong) and "<svg" in page_text(wrong)
    db.session.refresh(user)
    assert user.totp_secret is None


@pytest.mark.parametrize("app_overrides", [{"TWO_FACTOR_ROLES": "admin"}])
def test_a_required_role_must_enrol_before_anything_else(app, client, create_user, clock, db):
    admin = create_user(Role.admin)
    clerk = create_user(Role.clerk)
    login(client, admin.email)
    blocked = client.get("/dashboard/")
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith("/account/two-factor")
    assert client.get("/admin/users").status_code == 302
    enrol(client, clock)
    assert client.get("/dashboard/").status_code == 200
    refused = client.post("/account/two-factor/disable", data={"off-password": PASSWORD})
    assert refused.status_code == 422 and "cannot be turned off" in page_text(refused)
    client.post("/logout")
    login(client, clerk.email)  # not required of clerks by default
    assert client.get("/dashboard/").status_code == 200


def test_the_city_chooses_who_must_and_an_admin_resets_a_lost_factor(app, client, create_user, clock, db):
    from app.city.models import CityProfile

    db.session.add(CityProfile(timezone="America/New_York", record_language="en"))
    db.session.flush()
    admin = create_user(Role.admin)
    clerk = create_user(Role.clerk)
    login(client, admin.email)
    saved = client.post("/admin/security", data={"clerks": "y", "retention_months": "24"}, follow_redirects=True)
    assert saved.status_code == 200
    assert db.session.scalar(select(CityProfile.two_factor_roles)) == "clerk,deputy_clerk"
    assert "city.two_factor" in db.session.scalars(select(AuditEntry.action)).all()

    theirs = app.test_client()
    login(theirs, clerk.email)
    assert theirs.get("/staff/meetings").headers["Location"].endswith("/account/two-factor")
    enrol(theirs, clock)
    assert theirs.get("/staff/meetings").status_code == 200

    reset = client.post(f"/admin/users/{clerk.id}/two-factor/reset", follow_redirects=True)
    assert "is reset" in page_text(reset)
    db.session.refresh(clerk)
    assert clerk.totp_secret is None
    assert db.session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == clerk.id)) is None
    assert theirs.get("/staff/meetings").status_code == 302  # signed out everywhere
    assert "user.two_factor_reset" in audit_actions(db, clerk)
    login(theirs, clerk.email)  # and asked to enrol again
    assert theirs.get("/staff/meetings").headers["Location"].endswith("/account/two-factor")


def test_recovery_codes_can_be_remade_and_the_old_ones_stop(app, client, login_as, clock, db):
    user = login_as(Role.clerk)
    _secret, old = enrol(client, clock)
    wrong = client.post("/account/two-factor/recovery-codes", data={"codes-password": "not-my-password"})
    assert wrong.status_code == 422 and "Your password is not correct." in page_text(wrong)
    made = client.post("/account/two-factor/recovery-codes", data={"codes-password": PASSWORD})
    new = re.findall(r"<li><code>([0-9a-f-]{19})</code></li>", page_text(made))
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/logout")
    login(client, user.email)
    assert client.post("/login/code", data={"code": old[0]}).status_code == 422
    assert client.post("/login/code", data={"code": new[0]}).status_code == 302


def test_odd_input_on_the_second_step_is_refused_cleanly(app, client, login_as, clock, db):
    user = login_as(Role.clerk)
    enrol(client, clock)
    client.post("/logout")
    login(client, user.email)
    for code in ["", "x" * 5000, "'; drop table users; --", "１２３４５６", "0" * 40]:
        assert client.post("/login/code", data={"code": code}).status_code == 422
    assert app.test_client().get("/login/code").status_code == 302  # no password given: back to sign-in


def test_turning_the_factor_off_asks_for_the_password_again(app, client, login_as, clock, db):
    user = login_as(Role.clerk)
    enrol(client, clock)
    for data in ({}, {"off-password": "not-my-password"}):
        refused = client.post("/account/two-factor/disable", data=data)
        assert refused.status_code == 422
        db.session.refresh(user)
        assert user.has_second_factor
    done = client.post("/account/two-factor/disable", data={"off-password": PASSWORD})
    assert done.status_code == 302
    db.session.refresh(user)
    assert not user.has_second_factor and "user.two_factor_disable" in audit_actions(db, user)


def test_each_change_to_ones_sign_in_is_told_by_mail(app, client, login_as, create_user, outbox, clock, db):
    user = login_as(Role.clerk, display_name="Carla Clerk")
    enrol(client, clock)
    client.post("/account/two-factor/recovery-codes", data={"codes-password": PASSWORD})
    client.post("/account/two-factor/disable", data={"off-password": PASSWORD})
    new = "another-long-password-1"
    client.post("/account/password", data={"current_password": PASSWORD, "new_password": new, "confirm": new})
    client.post("/logout")
    login_as(Role.admin, display_name="Ada Admin")
    client.post(f"/admin/users/{user.id}/password", data={"reset-password": "reset-by-admin-123"})
    notices = [m for m in outbox() if m["To"] == user.email]
    texts = [m.get_body(("plain",)).get_content() for m in notices]
    assert len(notices) == 5, [m["Subject"] for m in notices]
    assert all(m["Subject"].startswith("A change to your sign-in") for m in notices)
    assert "two-factor sign-in was turned on" in texts[0] and "new recovery codes" in texts[1]
    assert "turned off" in texts[2] and "password was changed" in texts[3]
    assert "It was done by Ada Admin." in texts[4] and "It was done by" not in texts[3]
    assert all("http" not in text for text in texts)  # no link to follow in a mail someone else may read
