"""Invitations: the administrator invites by email, the invitee chooses a password through the link."""

import re

import pytest
from sqlalchemy import func, select

from app.auth.models import Invitation, Role, User
from app.core.audit import AuditEntry
from tests.conftest import PASSWORD, login

NEW_PASSWORD = "my-own-long-password"


def page_text(response):
    return response.get_data(as_text=True)


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_actions(db, target):
    rows = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.target_type == type(target).__name__, AuditEntry.target_id == target.id)
        .order_by(AuditEntry.id)
    )
    return list(rows)


def invite_form(**overrides):
    data = {"email": "Nora.New@City.example", "display_name": "Nora New", "role": "clerk", "member_id": ""}
    data.update(overrides)
    return data


def link_in(message) -> str:
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"http://localhost(/invitations/\S+)", body)
    assert match, body
    return match.group(1)


@pytest.fixture
def admin(login_as):
    return login_as(Role.admin, display_name="Ada Admin")


@pytest.fixture
def invited(client, admin, outbox, db):
    """An invitation made through the page; returns (invitation, the path of its link)."""
    response = client.post("/admin/invitations/new", data=invite_form())
    assert response.status_code == 302
    [message] = outbox()
    invitation = db.session.scalar(select(Invitation))
    return invitation, link_in(message)


def accept(app, path, password=NEW_PASSWORD, confirm=None):
    """The invitee's own browser: not signed in as the administrator."""
    invitee = app.test_client()
    response = invitee.post(path, data={"password": password, "confirm": password if confirm is None else confirm})
    return invitee, response


# --- the happy path ----------------------------------------------------------------------------------------------


def test_invite_mail_accept_and_sign_in(app, client, admin, outbox, db):
    response = client.post("/admin/invitations/new", data=invite_form(), follow_redirects=True)
    listing = page_text(response)
    assert "Invitation sent to nora.new@city.example." in listing
    assert listing.count('id="invitations-heading"') == 1
    assert listing.split('id="invitations-heading"')[1].count("<td>Nora New</td>") == 1  # the open invitations

    [message] = outbox()
    assert message["To"] == "nora.new@city.example"
    assert "Your invitation to the staff pages of" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "Ada Admin invited you" in body and "Clerk" in body
    path = link_in(message)
    token = path.rsplit("/", 1)[1]

    invitation = db.session.scalar(select(Invitation))
    assert invitation.email == "nora.new@city.example" and invitation.role == Role.clerk
    assert token not in invitation.token_hash  # only the digest is stored
    assert invitation.invited_by_id == admin.id
    assert audit_actions(db, invitation) == ["invitation.create"]

    invitee = app.test_client()
    page = invitee.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer" and "no-store" in page.headers["Cache-Control"]
    assert "Nora New" in page_text(page) and "nora.new@city.example" in page_text(page)

    done = invitee.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/dashboard/")
    assert invitee.get("/dashboard/").status_code == 200  # signed in

    user = db.session.scalar(select(User).where(User.email == "nora.new@city.example"))
    assert user.role == Role.clerk and user.display_name == "Nora New"
    invitation = db.session.get(Invitation, invitation.id)
    assert invitation.accepted_at is not None and invitation.user_id == user.id
    assert audit_actions(db, invitation) == ["invitation.create", "invitation.accept"]
    assert "user.create" in audit_actions(db, user)
    # The password they chose works, and the invitation leaves the open list.
    assert login(app.test_client(), user.email, NEW_PASSWORD).status_code == 302
    assert "nora.new@city.example" not in page_text(client.get("/admin/users")).split("Open invitations")[1]


def test_a_commissioner_invitation_links_the_member(app, client, admin, outbox, create_member, db):
    rosa = create_member(full_name="Rosa Delgado")
    data = invite_form(email="rosa@city.example", role="commissioner", member_id=str(rosa.id))
    assert client.post("/admin/invitations/new", data=data).status_code == 302
    accept(app, link_in(outbox()[0]))
    user = db.session.scalar(select(User).where(User.email == "rosa@city.example"))
    assert user.role == Role.commissioner and user.member_id == rosa.id


def test_the_mail_follows_the_administrators_language(client, admin, outbox):
    client.get("/language/es")
    assert client.post("/admin/invitations/new", data=invite_form()).status_code == 302
    [message] = outbox()
    body = message.get_body(("plain",)).get_content()
    assert "/invitations/" in body
    assert "Secretaría" in body and "Clerk" not in body  # the role's label, in the administrator's language


# --- the link: wrong passwords, reuse, expiry, revocation, resending -------------------------------------------


def test_passwords_must_match_and_follow_the_rules(app, invited, db):
    _, path = invited
    _, mismatch = accept(app, path, confirm="something-else-entirely")
    assert mismatch.status_code == 422 and "The two passwords do not match." in page_text(mismatch)
    _, short = accept(app, path, password="short")
    assert short.status_code == 422 and "Use at least 10 characters." in page_text(short)
    _, empty = accept(app, path, password="", confirm="")
    assert empty.status_code == 422 and "Enter a password." in page_text(empty)
    _, huge = accept(app, path, password="x" * 300)
    assert huge.status_code == 422
    for response in (mismatch, short, huge):
        assert "something-else-entirely" not in page_text(response) and "short" not in re.findall(
            r'value="([^"]*)"', page_text(response)
        )
    assert count(db, User) == 1  # the administrator only


def test_a_link_works_once(app, invited, db):
    _, path = invited
    accept(app, path)
    again = app.test_client().get(path)
    assert again.status_code == 404
    assert "already been used" in page_text(again)
    _, posted = accept(app, path, password="another-long-password")
    assert posted.status_code == 404
    assert count(db, User) == 2


def test_the_link_expires_after_invitation_days(app, invited, clock, db):
    _, path = invited
    clock.advance(days=6, hours=23)
    assert app.test_client().get(path).status_code == 200
    clock.advance(hours=1)
    expired = app.test_client().get(path)
    assert expired.status_code == 404
    assert "This invitation has expired. Ask Ada Admin for a new invitation." in page_text(expired)
    _, posted = accept(app, path)
    assert posted.status_code == 404
    assert count(db, User) == 1


def test_revoke_ends_the_link_and_is_audited(app, client, invited, db):
    invitation, path = invited
    response = client.post(f"/admin/invitations/{invitation.id}/revoke", follow_redirects=True)
    assert "is revoked" in page_text(response)
    assert "withdrawn" in page_text(app.test_client().get(path))
    assert audit_actions(db, invitation) == ["invitation.create", "invitation.revoke"]
    twice = client.post(f"/admin/invitations/{invitation.id}/revoke", follow_redirects=True)
    assert twice.status_code == 200 and "This invitation was revoked." in page_text(twice)
    resent = client.post(f"/admin/invitations/{invitation.id}/resend", follow_redirects=True)
    assert "This invitation was revoked." in page_text(resent)


def test_resend_gives_a_new_link_and_the_old_one_stops(app, client, admin, invited, outbox, clock, db):
    invitation, old_path = invited
    clock.advance(days=10)  # expired: resending is the way to a new link
    login(client, admin.email)  # the administrator's session ended long ago (STAFF_SESSION_HOURS)
    response = client.post(f"/admin/invitations/{invitation.id}/resend", follow_redirects=True)
    assert "Invitation sent again to nora.new@city.example" in page_text(response)
    new_path = link_in(outbox()[-1])
    assert new_path != old_path
    assert "not valid" in page_text(app.test_client().get(old_path))
    _, done = accept(app, new_path)
    assert done.status_code == 302
    assert audit_actions(db, invitation) == ["invitation.create", "invitation.resend", "invitation.accept"]
    after = client.post(f"/admin/invitations/{invitation.id}/resend", follow_redirects=True)
    assert "already been accepted" in page_text(after)


def test_unknown_or_absurd_tokens_give_the_same_clear_page(app):
    visitor = app.test_client()
    for token in ["nope", "a" * 5000, "%00", "a%20b", "..."]:
        response = visitor.get(f"/invitations/{token}")
        assert response.status_code == 404
        assert "This invitation link is not valid." in page_text(response)
        assert visitor.post(f"/invitations/{token}", data={"password": "x", "confirm": "x"}).status_code == 404


def test_the_accept_page_names_no_other_account(app, client, invited, create_user, db):
    """An account for the address made meanwhile (say with the CLI): the link holder learns nothing about it."""
    invitation, path = invited
    create_user(Role.viewer, email="nora.new@city.example", display_name="Somebody Else")
    _, response = accept(app, path)
    assert response.status_code == 409
    text = page_text(response)
    assert "This invitation can no longer be used." in text
    assert "Somebody Else" not in text and "already exists" not in text
    assert db.session.get(Invitation, invitation.id).accepted_at is None


def test_a_member_linked_since_the_invitation_is_not_taken_over(
    app, client, admin, outbox, create_member, create_user, db
):
    rosa = create_member(full_name="Rosa Delgado")
    data = invite_form(email="rosa@city.example", role="commissioner", member_id=str(rosa.id))
    assert client.post("/admin/invitations/new", data=data).status_code == 302
    path = link_in(outbox()[0])
    # The link is open; linking the member elsewhere is refused, so force it past the rule as a race would.
    other = create_user(Role.commissioner, email="rival@city.example")
    other.member_id = rosa.id
    db.session.commit()
    _, response = accept(app, path)
    assert response.status_code == 409
    assert "rival@city.example" not in page_text(response)
    assert count(db, User, User.email == "rosa@city.example") == 0


# --- refusals on the invite form -----------------------------------------------------------------------------------


def test_an_existing_user_is_not_invited_again(client, admin, create_user, db, outbox):
    create_user(Role.clerk, email="taken@city.example")
    response = client.post("/admin/invitations/new", data=invite_form(email="TAKEN@city.example"))
    assert response.status_code == 422
    assert "A user with this email already exists." in page_text(response)
    assert count(db, Invitation) == 0 and outbox() == []


def test_an_open_invitation_is_resent_not_duplicated(client, invited, db, outbox):
    response = client.post("/admin/invitations/new", data=invite_form(email="NORA.new@city.example"))
    assert response.status_code == 422
    text = page_text(response)
    assert "An invitation to this address is already waiting." in text and "Resend" in text
    assert 'value="NORA.new@city.example"' in text and 'value="Nora New"' in text
    assert count(db, Invitation) == 1 and len(outbox()) == 1


def test_a_member_with_a_login_or_an_invitation_is_refused_with_names(client, admin, create_member, create_user, db):
    rosa = create_member(full_name="Rosa Delgado")
    create_user(Role.commissioner, email="rosa@city.example", display_name="Rosa D.", member=rosa)
    taken = client.post("/admin/invitations/new", data=invite_form(role="commissioner", member_id=str(rosa.id)))
    assert taken.status_code == 422
    assert "Rosa Delgado is already linked to the login of Rosa D. (rosa@city.example)" in page_text(taken)

    hugo = create_member(full_name="Hugo Reyes")
    first = invite_form(email="hugo@city.example", role="commissioner", member_id=str(hugo.id))
    assert client.post("/admin/invitations/new", data=first).status_code == 302
    second = client.post("/admin/invitations/new", data=invite_form(role="commissioner", member_id=str(hugo.id)))
    assert second.status_code == 422
    assert "Hugo Reyes is already offered in the open invitation to hugo@city.example" in page_text(second)
    assert count(db, Invitation) == 1


def test_the_member_list_shows_logins_and_invitations(client, admin, create_member, create_user):
    rosa = create_member(full_name="Rosa Delgado")
    hugo = create_member(full_name="Hugo Reyes")
    create_user(Role.commissioner, email="rosa@city.example", member=rosa)
    client.post(
        "/admin/invitations/new",
        data=invite_form(email="hugo@city.example", role="commissioner", member_id=str(hugo.id)),
    )
    text = page_text(client.get("/admin/invitations/new"))
    assert "Rosa Delgado (has a login: rosa@city.example)" in text
    assert "Hugo Reyes (invited: hugo@city.example)" in text


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"email": ""}, "Enter an email address."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"email": "a" * 250 + "@city.example"}, "Field cannot be longer than 254 characters."),
        ({"display_name": ""}, "Enter a name."),
        ({"display_name": "N" * 121}, "Field cannot be longer than 120 characters."),
        ({"role": ""}, "Not a valid choice"),
        ({"role": "superuser"}, "Not a valid choice"),
        ({"role": "123"}, "Not a valid choice"),
        ({"member_id": "abc"}, None),  # not a member: read as "no member", a valid choice for a clerk
        ({"member_id": "99999999999999999999", "role": "commissioner"}, "Not a valid choice"),
        ({"member_id": "-1", "role": "commissioner"}, "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_with_the_form_refilled(client, admin, db, outbox, overrides, message):
    data = invite_form(**overrides)
    response = client.post("/admin/invitations/new", data=data)
    text = page_text(response)
    if message is None:
        assert response.status_code == 302
        return
    assert response.status_code == 422
    assert message in text
    if data["display_name"]:
        assert f'value="{data["display_name"]}"' in text
    assert count(db, Invitation) == 0 and outbox() == []


def test_missing_fields_altogether_are_refused(client, admin, db):
    response = client.post("/admin/invitations/new", data={})
    assert response.status_code == 422
    assert "Enter an email address." in page_text(response) and "Enter a name." in page_text(response)
    assert count(db, Invitation) == 0


def test_huge_or_unknown_invitation_ids_are_404(client, admin):
    for url in [
        "/admin/invitations/99999999999/resend",
        "/admin/invitations/2147483648/revoke",
        "/admin/invitations/0/revoke",
        "/admin/invitations/12345/resend",
        "/admin/invitations/abc/resend",
    ]:
        assert client.post(url).status_code == 404


# --- when the mail does not go ---------------------------------------------------------------------------------------


def test_mail_down_keeps_the_invitation_and_its_mail_for_a_retry(app, client, admin, db, closed_port):
    from app.core.outbox import MailStatus, OutboxMessage

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port)
    response = client.post("/admin/invitations/new", data=invite_form())
    assert response.status_code == 302
    assert count(db, Invitation) == 1
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "nora.new@city.example"
    assert message.status == MailStatus.queued and message.attempts == 1
    assert "cannot connect" in message.last_error


def test_invitations_are_audited_with_the_administrator(client, invited, db):
    invitation, _ = invited
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "invitation.create"))
    assert entry.actor_id == invitation.invited_by_id and entry.target_id == invitation.id
    assert "nora.new@city.example" in entry.summary


def test_signed_in_staff_who_are_not_admins_cannot_invite(client, login_as, db):
    for role in (Role.clerk, Role.deputy_clerk, Role.viewer, Role.commissioner):
        login_as(role)
        assert client.post("/admin/invitations/new", data=invite_form()).status_code == 403
        client.post("/logout")
    assert count(db, Invitation) == 0


def test_accepting_leaves_the_administrator_alone(app, invited, admin):
    """Accepting signs in the invitee in their own browser, not instead of the administrator."""
    _, path = invited
    accept(app, path)
    assert login(app.test_client(), admin.email, PASSWORD).status_code == 302
