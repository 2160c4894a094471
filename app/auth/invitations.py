"""Invitations: the administrator invites someone by email, and the link lets them choose their own password.

The token is given once, in the mail (or shown once to the administrator when the mail did not go), and stored
only as its digest. Resending makes a new token and a new expiry, so an older link stops working. Every change
writes an audit entry. Mail is sent by the view after the commit (``mail_invitation``), as elsewhere in the app.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import Invitation, Role, User
from app.auth.services import (
    check_member_link,
    check_password_rules,
    create_user,
    find_user_by_email,
    normalize_email,
)
from app.city.services import city_name
from app.core import audit, outbox
from app.core.errors import DomainError
from app.core.outbox import MailingKind
from app.core.timeutil import utcnow
from app.core.tokens import hash_token, new_token, token_matches
from app.core.web import format_local
from app.extensions import db

#: Longer than any token new_token() gives; a longer "token" in a URL is not looked up at all.
MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class Issued:
    """An invitation and the secret part of its link, which exists only here and in the mail."""

    invitation: Invitation
    token: str


class InvitationUnusable(DomainError):
    """The link cannot be used: unknown, expired, already used or withdrawn. The message says which, and what to
    do; it never says whether some account exists."""


def pending_invitations() -> list[Invitation]:
    """Invitations neither accepted nor revoked, expired ones included (they can be resent), newest first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def _pending_for_email(address: str) -> Invitation | None:
    return db.session.scalars(
        select(Invitation)
        .where(Invitation.email == address, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .limit(1)
    ).first()


def _expiry():
    return utcnow() + timedelta(days=current_app.config["INVITATION_DAYS"])


def invite(email: str, display_name: str, role: Role, member_id: int | None, actor: User) -> Issued:
    address = normalize_email(email)
    name = (display_name or "").strip()
    if not address or "@" not in address or len(address) > 254:
        raise DomainError(_("Enter a valid email address."), field="email")
    if not name or len(name) > 120:
        raise DomainError(_("Enter a name of at most 120 characters."), field="display_name")
    if not isinstance(role, Role):
        raise DomainError(_("Choose a role from the list."), field="role")
    if find_user_by_email(address) is not None:
        raise DomainError(_("A user with this email already exists."), field="email")
    if _pending_for_email(address) is not None:
        raise DomainError(
            _("An invitation to this address is already waiting. Use “Resend” in the list of invitations instead."),
            field="email",
        )
    check_member_link(role, member_id)
    token = new_token()
    now = utcnow()
    invitation = Invitation(
        email=address,
        display_name=name,
        role=role,
        member_id=member_id,
        token_hash=hash_token(token),
        expires_at=_expiry(),
        invited_by_id=actor.id,
        created_at=now,
        sent_at=now,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "invitation.create",
        invitation,
        f"Invited {address} as {role.value}",
        actor=actor,
        data={"email": address, "role": role.value, "member_id": member_id, "expires_at": str(invitation.expires_at)},
    )
    issued = Issued(invitation, token)
    mail_invitation(issued)
    return issued


def _refuse_unless_pending(invitation: Invitation) -> None:
    if invitation.accepted_at is not None:
        raise DomainError(_("This invitation has already been accepted."))
    if invitation.revoked_at is not None:
        raise DomainError(_("This invitation was revoked."))


def resend(invitation: Invitation, *, actor: User) -> Issued:
    """A new link and a new expiry for a pending invitation (expired or not); the old link stops working."""
    _refuse_unless_pending(invitation)
    if find_user_by_email(invitation.email) is not None:
        raise DomainError(_("A user with this email already exists. Revoke this invitation."))
    check_member_link(invitation.role, invitation.member_id, invitation=invitation)
    token = new_token()
    invitation.token_hash = hash_token(token)
    invitation.expires_at = _expiry()
    invitation.sent_at = utcnow()
    audit.record(
        "invitation.resend",
        invitation,
        f"Sent the invitation to {invitation.email} again with a new link",
        actor=actor,
        data={"expires_at": str(invitation.expires_at)},
    )
    db.session.flush()
    issued = Issued(invitation, token)
    mail_invitation(issued)
    return issued


def revoke(invitation: Invitation, *, actor: User) -> None:
    _refuse_unless_pending(invitation)
    invitation.revoked_at = utcnow()
    audit.record("invitation.revoke", invitation, f"Revoked the invitation to {invitation.email}", actor=actor)
    db.session.flush()


def _ask_for_a_new_one(invitation: Invitation) -> str:
    return _("Ask %(name)s for a new invitation.", name=invitation.invited_by.display_name)


def find_usable(token: str, *, lock: bool = False) -> Invitation:
    """The invitation this link belongs to, if it can still be accepted; else InvitationUnusable.

    ``lock`` holds the row until the commit (PostgreSQL), so two submissions of one link cannot both make an account:
    the second waits, then finds it accepted. SQLite has one writer anyway."""
    invitation = None
    if token and len(token) <= MAX_TOKEN_LENGTH:
        query = select(Invitation).where(Invitation.token_hash == hash_token(token))
        if lock:
            query = query.with_for_update(of=Invitation).execution_options(populate_existing=True)
        invitation = db.session.scalar(query)
    if invitation is None or not token_matches(invitation.token_hash, token):
        raise InvitationUnusable(
            _(
                "This invitation link is not valid. Check that you opened the whole link from the mail, "
                "or ask the City Clerk's Office for a new invitation."
            )
        )
    if invitation.accepted_at is not None:
        raise InvitationUnusable(_("This invitation has already been used. Sign in with the password you chose."))
    if invitation.revoked_at is not None:
        raise InvitationUnusable(_("This invitation was withdrawn.") + " " + _ask_for_a_new_one(invitation))
    if invitation.is_expired(utcnow()):
        raise InvitationUnusable(_("This invitation has expired.") + " " + _ask_for_a_new_one(invitation))
    return invitation


def accept(token: str, password: str, confirm: str) -> User:
    """Create the account the invitation describes, with the password its holder chose; the view signs them in."""
    invitation = find_usable(token, lock=True)
    if (password or "") != (confirm or ""):
        raise DomainError(_("The two passwords do not match."), field="confirm")
    check_password_rules(password)
    try:
        user = create_user(
            email=invitation.email,
            display_name=invitation.display_name,
            password=password,
            role=invitation.role,
            member_id=invitation.member_id,
            actor=None,
            actor_label="invitation",
            invitation=invitation,
        )
    except DomainError as exc:
        if exc.field == "password":
            raise
        # An account for this address or this member appeared since the invitation was sent. Say so to its holder
        # without naming anyone else's account.
        raise InvitationUnusable(
            _("This invitation can no longer be used.") + " " + _ask_for_a_new_one(invitation)
        ) from None
    now = utcnow()
    invitation.accepted_at = now
    invitation.user_id = user.id
    user.last_login_at = now
    audit.record(
        "invitation.accept",
        invitation,
        f"{invitation.email} accepted the invitation and chose a password",
        actor=user,
        data={"user_id": user.id},
    )
    db.session.flush()
    return user


def invitation_link(issued: Issued) -> str:
    return outbox.external_url("auth.accept_invitation", token=issued.token)


def mail_invitation(issued: Issued) -> None:
    """Queue the link, in the language of the administrator's pages (the invitee has chosen none yet), in the
    transaction that issues it: delivered once it commits; a failure shows on the mail page, and "Resend" makes a
    new link."""
    invitation = issued.invitation
    city = city_name()
    body = "\n".join(
        [
            _("Hello %(name)s,", name=invitation.display_name),
            "",
            _(
                "%(inviter)s invited you to the staff pages of %(city)s, with the role: %(role)s.",
                inviter=invitation.invited_by.display_name,
                city=city,
                role=invitation.role.label,
            ),
            "",
            _("To choose your password and sign in, open this link:"),
            invitation_link(issued),
            "",
            _("The link works once, until %(date)s.", date=format_local(invitation.expires_at)),
            _("If you did not expect this invitation, ignore this message: no account is made until the link is used."),
            "",
            city,
        ]
    )
    outbox.send(
        MailingKind.invitation,
        invitation.email,
        _("Your invitation to the staff pages of %(city)s", city=city),
        body,
        title=f"Invitation to {invitation.email}",
        locale=str(get_locale()),
        sensitive=True,
        actor=invitation.invited_by,
    )
