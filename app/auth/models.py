from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.extensions import db

if TYPE_CHECKING:  # names for the relationship annotations only; nothing is imported at run time
    from app.bodies.models import Member


class Role(LabeledEnum):
    admin = "admin", _l("Administrator")
    clerk = "clerk", _l("Clerk")
    deputy_clerk = "deputy_clerk", _l("Deputy clerk")
    commissioner = "commissioner", _l("Commissioner")
    viewer = "viewer", _l("Viewer")
    #: Department staff: draft items for the agenda and act on the approval steps they are named on (app.intake).
    department = "department", _l("Department staff")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    # Emails are stored lower-cased, so the unique constraint is case-insensitive on every database.
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20, create_constraint=True, name="role"))
    #: A commissioner's login is tied to the Member whose votes they may record. RESTRICT: people on the record stay.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), unique=True)
    #: The department a user works in ("Public Works"): whose submissions a department user sees (app.intake).
    department: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    #: The TOTP secret (base32) once a second factor is enrolled (app/auth/two_factor.py), and the last time step
    #: a code was accepted for, so that a code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    member: Mapped["Member | None"] = relationship("Member", lazy="joined")

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    #: The token of the server-side session this object was loaded for (app.auth.sessions); never stored.
    login_token = None

    def get_id(self) -> str:
        """What Flask-Login puts in the session and remember cookies: the session's token, never the user's id."""
        if not self.login_token:
            raise RuntimeError("sign in through app.auth.sessions.start, which gives the user a session token")
        return self.login_token

    def can(self, permission) -> bool:
        """Whether this user's role has ``permission`` (a Permission or its name) in the role matrix."""
        from app.auth.permissions import allows

        return allows(self.role, permission)

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_editor(self) -> bool:
        """May change the record (the role matrix's ``edit_record``)."""
        return self.can("edit_record")

    @property
    def is_read_only(self) -> bool:
        """A viewer: reads the staff pages, changes nothing, never sees residents' contact details."""
        return self.role == Role.viewer

    @property
    def needs_member_link(self) -> bool:
        """A commissioner whose login is not linked to their member record yet: they cannot move, vote or disclose."""
        return self.role == Role.commissioner and self.member_id is None

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class SessionEnd(LabeledEnum):
    signed_out = "signed_out", _l("Signed out")
    ended = "ended", _l("Ended from another session")
    everywhere = "everywhere", _l("Signed out everywhere")
    password = "password", _l("Password changed")
    deactivated = "deactivated", _l("Account deactivated")
    reset = "reset", _l("Second factor reset by an administrator")


class StaffSession(db.Model):
    """One signed-in browser. The cookie holds a random token; only its SHA-256 is stored. A session ends when
    its ``ended_at`` is set (sign-out, revoked from another session, password change, deactivation) or when it
    has been idle or alive too long (app.auth.sessions); an ended session never signs anyone in again."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    #: What the browser said it is, trimmed (shown on the account page to tell sessions apart).
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    #: Where the session was signed in from (the client address the app saw).
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The absolute end, fixed at sign-in.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[SessionEnd | None] = mapped_column(str_enum(SessionEnd, "session_end"))

    user: Mapped[User] = relationship(User, lazy="joined", innerjoin=True)


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; only a salted SHA-256 of it is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginThrottle(db.Model):
    """Failed sign-in attempts per email address, whether or not an account has that address.

    Keeping this by address rather than on the User row means an unknown address is locked out exactly
    like a real one, so the response never tells an attacker which addresses exist.
    """

    __tablename__ = "login_throttles"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Invitation(db.Model):
    """An emailed link through which someone sets their own password and becomes a user with the role given.

    The token is stored only as its digest (app.core.tokens). It is *pending* until accepted or revoked, and
    *open* while pending and not expired. Resending gives a new token and a new expiry: the old link stops working.
    """

    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20, create_constraint=True, name="role"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    #: The account the invitation became, once accepted.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    member: Mapped["Member | None"] = relationship("Member", lazy="joined")
    invited_by: Mapped[User] = relationship(User, foreign_keys=[invited_by_id], lazy="joined")

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at <= now

    def __repr__(self) -> str:
        return f"<Invitation {self.email} {self.role.value}>"
