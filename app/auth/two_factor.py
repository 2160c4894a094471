"""Two-factor sign-in: a time-based code from an authenticator app (TOTP, RFC 6238, with pyotp) and ten recovery
codes shown once.

Enrolment: the page makes a secret and shows it as a QR code (drawn here with segno, no outside service) and as
text; the secret is kept in the signed session cookie until the user types a code it produces, and only then is
it stored and the recovery codes made. Each accepted code's time step is remembered, so a code is never accepted
twice. Which roles must have a second factor is the city's choice (``set_required_roles``; until it chooses,
``TWO_FACTOR_ROLES`` from config: administrators); a user of such a role is sent to enrolment after the password
and can do nothing else until enrolled. An administrator can reset a colleague's lost second factor (audited;
that user's sessions end).
"""

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import delete, select

from app.auth import notices
from app.auth.models import RecoveryCode, Role, SessionEnd, User
from app.core import audit
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db

RECOVERY_CODE_COUNT = 10
#: A code from the step before or after the current one is accepted too (clocks drift; typing takes time).
VALID_WINDOW = 1
#: Roles a city may require a second factor of (viewers and commissioners may enrol, but it is not required).
REQUIRABLE = (Role.admin, Role.clerk, Role.deputy_clerk)


# --- which roles must have one ----------------------------------------------------------------------------------


def _profile():
    from app.city.models import CityProfile

    return db.session.scalar(select(CityProfile).order_by(CityProfile.id).limit(1))


def required_roles() -> frozenset[Role]:
    from app.city.services import current_city

    chosen = current_city().two_factor_roles
    text = chosen if chosen is not None else current_app.config["TWO_FACTOR_ROLES"]
    return frozenset(Role(value) for value in text.split(",") if value in Role.__members__)


def is_required(user: User) -> bool:
    return user.role in required_roles()


def needs_enrolment(user: User) -> bool:
    return is_required(user) and not user.has_second_factor


def set_required_roles(roles, *, actor: User) -> None:
    """The city's choice of which staff must sign in with a second factor (administrators always may be)."""
    from app.city.services import forget_city

    chosen = [Role(value) for value in roles if value in {r.value for r in REQUIRABLE}]
    if Role.deputy_clerk in chosen or Role.clerk in chosen:  # the two clerks are one level of trust
        chosen = sorted({*chosen, Role.clerk, Role.deputy_clerk}, key=lambda r: list(Role).index(r))
    profile = _profile()
    if profile is None:
        raise DomainError(_("Save the city's profile first."))
    before = profile.two_factor_roles
    profile.two_factor_roles = ",".join(role.value for role in chosen)
    audit.record(
        "city.two_factor",
        profile,
        f"Second factor required for: {profile.two_factor_roles or 'nobody'}",
        actor=actor,
        data={"before": before, "after": profile.two_factor_roles},
    )
    db.session.flush()
    forget_city()


# --- enrolment ---------------------------------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    from app.city.services import current_city

    issuer = current_city().short_name or current_city().name() or "Dais"
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=f"{issuer} (Dais)")


def qr_svg(uri: str, title: str) -> Markup:
    """The QR code as inline SVG (dark on light, with a quiet zone), titled for screen readers."""
    return Markup(  # noqa: S704 (SVG drawn by segno from our own URI, which it encodes as modules, not text)
        segno.make(uri, error="m").svg_inline(scale=5, border=4, title=title, dark="#000", light="#fff")
    )


def _step(now: datetime) -> int:
    return int(now.timestamp()) // 30


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = "".join(ch for ch in (code or "") if ch in "0123456789")
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        step = _step(now) + offset
        if hmac.compare_digest(totp.at(step * 30), code):
            return step
    return None


def enable(user: User, secret: str, code: str, *, actor: User) -> list[str]:
    """Store the second factor once the user proved their app has it; returns the recovery codes (shown once)."""
    if user.has_second_factor:
        raise DomainError(_("A second factor is already set up; reset it first to enrol another."))
    if not secret:
        raise DomainError(_("The set-up has expired. Start again."))
    step = _matching_step(secret, code, utcnow())
    if step is None:
        raise DomainError(
            _("That code is not correct. Check your device's time and type the newest code."), field="code"
        )
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    audit.record("user.two_factor_enable", user, f"Second factor enrolled for {user.email}", actor=actor)
    notices.tell(user, _("two-factor sign-in was turned on."), actor=actor)
    db.session.flush()
    return codes


def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _normal(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch in "0123456789abcdef")


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(8)  # 64 random bits, shown as xxxx-xxxx-xxxx-xxxx
        salt = secrets.token_hex(16)
        db.session.add(RecoveryCode(user_id=user.id, salt=salt, code_hash=_hash(salt, raw)))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def confirm_password(user: User, password: str) -> None:
    """A sensitive change of one's own second factor asks for the password again (a session left open on a
    shared computer cannot turn the factor off or take new recovery codes)."""
    from werkzeug.security import check_password_hash

    if not check_password_hash(user.password_hash, password or ""):
        raise DomainError(_("Your password is not correct."), field="password")


def regenerate_recovery_codes(user: User, *, actor: User) -> list[str]:
    if not user.has_second_factor:
        raise DomainError(_("Set up a second factor first."))
    codes = _new_recovery_codes(user)
    audit.record("user.recovery_codes", user, f"New recovery codes for {user.email}; the old ones stop", actor=actor)
    notices.tell(user, _("new recovery codes were made; the old ones no longer work."), actor=actor)
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    rows = db.session.scalars(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    return len(rows)


# --- signing in -------------------------------------------------------------------------------------------------


def check(user: User, code: str, now: datetime) -> str | None:
    """ "totp" or "recovery" when ``code`` is right (a recovery code is used up), None when it is not."""
    if not user.has_second_factor:
        return None
    step = _matching_step(user.totp_secret, code, now)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return None  # this code (or an older one) was already used: a replay
        user.totp_last_step = step
        return "totp"
    wanted = _normal(code)
    if len(wanted) != 16:
        return None
    for row in db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ):
        if hmac.compare_digest(row.code_hash, _hash(row.salt, wanted)):
            row.used_at = now
            audit.record("user.recovery_code_used", user, f"A recovery code of {user.email} was used", actor=user)
            return "recovery"
    return None


# --- turning it off ----------------------------------------------------------------------------------------------


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable_own(user: User) -> None:
    if not user.has_second_factor:
        raise DomainError(_("No second factor is set up."))
    if is_required(user):
        raise DomainError(_("The city requires a second factor for your role; it cannot be turned off."))
    _clear(user)
    audit.record("user.two_factor_disable", user, f"{user.email} turned their second factor off", actor=user)
    notices.tell(user, _("two-factor sign-in was turned off."), actor=user)
    db.session.flush()


def reset(user: User, *, actor: User) -> None:
    """An administrator resets a colleague's lost second factor: they enrol again at their next sign-in (when
    required), and every session of theirs ends."""
    from app.auth import sessions

    if actor.id == user.id:
        raise DomainError(_("Use your own account page to change your own second factor."))
    if not user.has_second_factor:
        raise DomainError(_("This account has no second factor to reset."))
    _clear(user)
    sessions.end_all(user, SessionEnd.reset)
    audit.record("user.two_factor_reset", user, f"Second factor of {user.email} reset by an administrator", actor=actor)
    notices.tell(user, _("your second factor was reset by an administrator, and you were signed out."), actor=actor)
    db.session.flush()
