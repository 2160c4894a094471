"""Accounts: sign-in with lockout, and user administration. Every change writes an audit entry."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth import notices, sessions, two_factor
from app.auth.models import Invitation, LoginThrottle, Role, SessionEnd, User
from app.core import audit
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db

# Checked against when no account has the address, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-the-same-cost")


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    """scrypt at Werkzeug's full cost; only the test profile lowers the cost (PASSWORD_HASH_METHOD)."""
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


@dataclass
class SignInResult:
    user: User | None = None
    error: str | None = None
    #: The password was right; the user must now give a code from their second factor (two_factor.py).
    needs_second_factor: bool = False


def _locked_message(remaining: timedelta) -> str:
    minutes = max(1, int(-(-remaining.total_seconds() // 60)))
    return ngettext(
        "Too many failed sign-in attempts. Sign-in for this account is paused; try again in %(num)d minute.",
        "Too many failed sign-in attempts. Sign-in for this account is paused; try again in %(num)d minutes.",
        minutes,
    )


def _open_throttle(address: str, now) -> tuple[LoginThrottle | None, str | None]:
    """The address's failure counter, and the message to refuse with while it is locked."""
    throttle = db.session.scalar(select(LoginThrottle).where(LoginThrottle.email == address))
    if throttle is not None and throttle.locked_until is not None:
        if throttle.locked_until > now:
            return throttle, _locked_message(throttle.locked_until - now)
        throttle.locked_until = None
        throttle.failure_count = 0
    return throttle, None


def _failed(address: str, throttle: LoginThrottle | None, user: User | None, message: str, now) -> SignInResult:
    """Count a failed attempt (a password or a second-step code: they share one counter) and lock the address
    after LOGIN_MAX_FAILURES of them."""
    if throttle is None:
        throttle = LoginThrottle(email=address[:254], failure_count=0)
        db.session.add(throttle)
    throttle.failure_count += 1
    throttle.last_failure_at = now
    if throttle.failure_count >= current_app.config["LOGIN_MAX_FAILURES"]:
        lockout = timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
        throttle.locked_until = now + lockout
        throttle.failure_count = 0
        if user is not None:
            audit.record("user.locked_out", user, "Sign-in paused after repeated failures", actor=None)
        db.session.flush()
        return SignInResult(error=_locked_message(lockout))
    db.session.flush()
    return SignInResult(error=message)


def _complete(user: User, throttle: LoginThrottle | None, now, how: str) -> SignInResult:
    if throttle is not None:
        throttle.failure_count = 0
    user.last_login_at = now
    audit.record("user.login", user, f"Signed in{how}", actor=user)
    db.session.flush()
    return SignInResult(user=user)


def authenticate(email: str, password: str) -> SignInResult:
    """Check a sign-in attempt.

    After LOGIN_MAX_FAILURES failures for one address, every attempt for it (right or wrong password)
    is refused for LOGIN_LOCKOUT_MINUTES. The messages are the same whether or not the address has an
    account, and an inactive account fails like a wrong password. A user with a second factor gets
    ``needs_second_factor``: not signed in yet, and the failure counter is not reset until the code is right.
    """
    now = utcnow()
    address = normalize_email(email)
    throttle, locked = _open_throttle(address, now)
    if locked:
        return SignInResult(error=locked)
    user = find_user_by_email(address)
    password_ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is not None and password_ok and user.is_active:
        if user.has_second_factor:
            db.session.flush()
            return SignInResult(user=user, needs_second_factor=True)
        return _complete(user, throttle, now, "")
    return _failed(address, throttle, user, _("The email or password is not correct."), now)


def verify_second_step(user: User, code: str) -> SignInResult:
    """The second step of signing in: a code from the authenticator app, or a recovery code (used once). Wrong
    codes count toward the same lockout as wrong passwords."""
    now = utcnow()
    throttle, locked = _open_throttle(user.email, now)
    if locked:
        return SignInResult(error=locked)
    if not user.is_active:
        return SignInResult(error=_("The email or password is not correct."))
    how = two_factor.check(user, code, now)
    if how is None:
        return _failed(user.email, throttle, user, _("That code is not correct. Try the newest code."), now)
    return _complete(user, throttle, now, " with a recovery code" if how == "recovery" else " with a second factor")


def check_password_rules(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise DomainError(_("Use at least %(num)d characters.", num=minimum), field="password")
    if len(password) > 256:
        raise DomainError(_("Use at most 256 characters."), field="password")


def _member_class():
    """The Member model, reached through the User.member relationship: app.auth sits below app.bodies and does not
    import it."""
    return User.member.property.mapper.class_


def open_invitation_for_member(member_id: int, *, other_than: Invitation | None = None) -> Invitation | None:
    """A pending, unexpired invitation that would link its account to this member."""
    query = select(Invitation).where(
        Invitation.member_id == member_id,
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow(),
    )
    if other_than is not None:
        query = query.where(Invitation.id != other_than.id)
    return db.session.scalars(query.limit(1)).first()


def check_member_link(role: Role, member_id: int | None, *, invitation: Invitation | None = None) -> None:
    """One login per member: refuse a member who already has a login or is promised to an open invitation.

    The message names the member and the account (or invitation) that holds them, for the administrator.
    """
    if member_id is None:
        return
    if role != Role.commissioner:
        raise DomainError(_("Only a commissioner's login can be linked to a member."), field="member_id")
    member = db.session.get(_member_class(), member_id)
    if member is None:
        raise DomainError(_("Choose a member from the list."), field="member_id")
    taken = db.session.scalar(select(User).where(User.member_id == member_id))
    if taken is not None:
        raise DomainError(
            _(
                "%(member)s is already linked to the login of %(name)s (%(email)s). One login per member: "
                "unlink it there first.",
                member=member.full_name,
                name=taken.display_name,
                email=taken.email,
            ),
            field="member_id",
        )
    promised = open_invitation_for_member(member_id, other_than=invitation)
    if promised is not None:
        raise DomainError(
            _(
                "%(member)s is already offered in the open invitation to %(email)s. Revoke that invitation first.",
                member=member.full_name,
                email=promised.email,
            ),
            field="member_id",
        )


def create_user(
    *,
    email: str,
    display_name: str,
    password: str,
    role: Role,
    member_id: int | None = None,
    actor: User | None,
    actor_label: str = "cli",
    invitation: Invitation | None = None,
) -> User:
    """A new account (the CLI, or an accepted ``invitation``, which may hold its own member link)."""
    address = normalize_email(email)
    if find_user_by_email(address) is not None:
        raise DomainError(_("A user with this email already exists."), field="email")
    check_password_rules(password)
    check_member_link(role, member_id, invitation=invitation)
    user = User(
        email=address,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        role=role,
        member_id=member_id,
        active=True,
        created_at=utcnow(),
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        user,
        f"Created user {address} with role {role.value}",
        actor=actor,
        actor_label=actor_label,
        data={"email": address, "role": role.value, "member_id": member_id},
    )
    return user


def _active_admin_count() -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.role == Role.admin, User.active.is_(True)))


def update_user(
    user: User, *, display_name: str, role: Role, member_id: int | None, actor: User, department=...
) -> User:
    """``department`` left out keeps the stored one; blank clears it."""
    if department is ...:
        department = user.department
    department = (department or "").strip()[:120] or None
    before = {
        "display_name": user.display_name,
        "role": user.role.value,
        "member_id": user.member_id,
        "department": user.department,
    }
    if user.role == Role.admin and role != Role.admin and user.active and _active_admin_count() <= 1:
        raise DomainError(_("This is the last active administrator; make another one first."), field="role")
    if member_id != user.member_id:
        check_member_link(role, member_id)
    elif member_id is not None and role != Role.commissioner:
        raise DomainError(_("Only a commissioner's login can be linked to a member."), field="member_id")
    user.display_name = display_name.strip()
    user.role = role
    user.member_id = member_id
    user.department = department
    after = {"display_name": user.display_name, "role": role.value, "member_id": member_id, "department": department}
    if before != after:
        audit.record(
            "user.update", user, f"Updated user {user.email}", actor=actor, data={"before": before, "after": after}
        )
    db.session.flush()
    return user


def deactivate_user(user: User, *, actor: User) -> None:
    if user.id == actor.id:
        raise DomainError(_("You cannot deactivate your own account."))
    if not user.active:
        raise DomainError(_("This account is already deactivated."))
    if user.role == Role.admin and _active_admin_count() <= 1:
        raise DomainError(_("This is the last active administrator; make another one first."))
    user.active = False
    sessions.end_all(user, SessionEnd.deactivated)  # signs them out everywhere at once
    audit.record("user.deactivate", user, f"Deactivated user {user.email}", actor=actor)
    db.session.flush()


def reactivate_user(user: User, *, actor: User) -> None:
    if user.active:
        raise DomainError(_("This account is already active."))
    user.active = True
    audit.record("user.reactivate", user, f"Reactivated user {user.email}", actor=actor)
    db.session.flush()


def set_password(user: User, new_password: str, *, actor: User | None) -> None:
    """Admin reset or self-service change; either way other sessions of the user are signed out."""
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    # Every other session ends at once; changing one's own password keeps the session it was changed from.
    keep = sessions.current() if actor is not None and actor.id == user.id else None
    sessions.end_all(user, SessionEnd.password, keep=keep)
    action = "user.change_password" if actor is not None and actor.id == user.id else "user.reset_password"
    audit.record(action, user, f"Password set for {user.email}", actor=actor)
    notices.tell(user, _("your password was changed, and your other sessions were signed out."), actor=actor)
    db.session.flush()


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    if not check_password_hash(user.password_hash, current_password or ""):
        raise DomainError(_("Your current password is not correct."), field="current_password")
    if current_password == new_password:
        raise DomainError(_("Choose a password different from the current one."), field="new_password")
    try:
        set_password(user, new_password, actor=user)
    except DomainError as exc:
        raise DomainError(exc.message, field="new_password") from None
