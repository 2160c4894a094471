"""Staff sessions recorded on the server, so that ending one ends it everywhere at once.

Signing in makes a ``StaffSession`` row and gives the browser a random token (in Flask-Login's session cookie,
and in the remember-me cookie when asked for); the row keeps only the token's SHA-256. Every request loads the
user through ``load``: the row must be open, not idle longer than the role's idle lifetime and not past its
absolute end. Signing out, "end this session" on the account page, "sign out everywhere", a password change and
a deactivation set ``ended_at``: a copied cookie signs nobody in afterwards.

A remember-me cookie is rotated each time it is used (``rotate``): the row gets a new token, the browser the new
cookie, and the old cookie stops working. ``last_seen_at`` is written at most once per ``STAFF_SESSION_TOUCH_SECONDS``
so that reading pages does not write on every request.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.auth.models import Role, SessionEnd, StaffSession, User
from app.core import audit
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.core.tokens import hash_token, new_token
from app.extensions import db


def idle_limit(role: Role) -> timedelta:
    config = current_app.config
    minutes = config["STAFF_IDLE_MINUTES_ADMIN"] if role == Role.admin else config["STAFF_IDLE_MINUTES"]
    return timedelta(minutes=minutes)


def absolute_limit() -> timedelta:
    return timedelta(hours=current_app.config["STAFF_SESSION_HOURS"])


def _client() -> tuple[str, str]:
    if not has_request_context():
        return "", ""
    agent = (request.user_agent.string or "")[:200]
    return agent, (request.remote_addr or "")[:45]


def start(user: User, *, remember: bool = False) -> StaffSession:
    """A new session for ``user`` (who has just proved who they are); ``user.login_token`` is its token."""
    token = new_token()
    now = utcnow()
    agent, address = _client()
    row = StaffSession(
        user_id=user.id,
        token_hash=hash_token(token),
        remember=remember,
        user_agent=agent,
        ip_address=address,
        created_at=now,
        last_seen_at=now,
        expires_at=now + absolute_limit(),
    )
    db.session.add(row)
    db.session.flush()
    user.login_token = token
    g.staff_session = row
    return row


def is_live(row: StaffSession, now: datetime) -> bool:
    return (
        row.ended_at is None
        and row.user.active
        and row.expires_at > now
        and row.last_seen_at + idle_limit(row.user.role) > now
    )


def load(token: str) -> User | None:
    """The user of the open session with this token, or None (unknown, ended, idle too long or too old)."""
    if not token or len(token) > 64:
        return None
    row = db.session.scalar(select(StaffSession).where(StaffSession.token_hash == hash_token(token)))
    now = utcnow()
    if row is None or not is_live(row, now):
        return None
    if now - row.last_seen_at >= timedelta(seconds=current_app.config["STAFF_SESSION_TOUCH_SECONDS"]):
        # A plain UPDATE in its own short transaction: the request's own work starts clean after it.
        db.session.execute(update(StaffSession).where(StaffSession.id == row.id).values(last_seen_at=now))
        db.session.commit()
    row.user.login_token = token
    g.staff_session = row
    return row.user


def current() -> StaffSession | None:
    return g.get("staff_session")


def rotate(row: StaffSession, user: User) -> str:
    """Give the session a new token (a remember-me cookie was just used); the old token stops working."""
    token = new_token()
    row.token_hash = hash_token(token)
    db.session.flush()
    user.login_token = token
    return token


def end(row: StaffSession, reason: SessionEnd) -> None:
    if row.ended_at is None:
        row.ended_at = utcnow()
        row.end_reason = reason
        db.session.flush()


def end_all(user: User, reason: SessionEnd, *, keep: StaffSession | None = None) -> int:
    """End every open session of ``user`` but ``keep``; returns how many were ended."""
    query = update(StaffSession).where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(StaffSession.id != keep.id)
    result = db.session.execute(
        query.values(ended_at=utcnow(), end_reason=reason).execution_options(synchronize_session=False)
    )
    db.session.flush()
    return result.rowcount or 0


@dataclass(frozen=True)
class SessionView:
    id: int
    user_agent: str
    ip_address: str
    created_at: datetime
    last_seen_at: datetime
    remember: bool
    is_current: bool
    #: "Firefox on Windows", or "" when the browser named nothing known.
    device: str


def open_sessions(user: User) -> list[SessionView]:
    """The user's sessions that would still sign them in, newest first, this one marked."""
    now = utcnow()
    here = current()
    rows = db.session.scalars(
        select(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None), StaffSession.expires_at > now)
        .order_by(StaffSession.last_seen_at.desc(), StaffSession.id.desc())
    ).all()
    return [
        SessionView(
            row.id,
            row.user_agent,
            row.ip_address,
            row.created_at,
            row.last_seen_at,
            row.remember,
            here is not None and row.id == here.id,
            describe_agent(row.user_agent),
        )
        for row in rows
        if is_live(row, now)
    ]


def end_own(user: User, session_id: int) -> None:
    """End one of the user's own sessions from the account page (the current one: sign out instead)."""
    row = db.session.get(StaffSession, session_id)
    if row is None or row.user_id != user.id or row.ended_at is not None:
        raise DomainError(_("That session has already ended."))
    here = current()
    if here is not None and row.id == here.id:
        raise DomainError(_("This is the session you are using: sign out instead."))
    end(row, SessionEnd.ended)
    audit.record(
        "session.end",
        user,
        f"Ended a session of {user.email} (started {row.created_at:%Y-%m-%d %H:%M} UTC)",
        actor=user,
    )


def end_everywhere_else(user: User) -> int:
    count = end_all(user, SessionEnd.everywhere, keep=current())
    audit.record("session.end_everywhere", user, f"Signed out {count} other session(s) of {user.email}", actor=user)
    return count


def sign_in(user: User, *, remember: bool = False) -> None:
    """The one way a view signs someone in: a new session row, committed, its token handed to Flask-Login."""
    from flask_login import login_user

    start(user, remember=remember)
    db.session.commit()
    login_user(user, remember=remember)


def sign_out() -> None:
    """End this browser's session (the row, then Flask-Login's cookies)."""
    from flask_login import logout_user

    row = current()
    if row is not None:
        end(row, SessionEnd.signed_out)
        db.session.commit()
    logout_user()


def restored_from_cookie(user: User) -> None:
    """A remember-me cookie signed this browser in: rotate its token and send the browser the new cookie."""
    from flask import session

    row = current()
    if row is None:
        return
    session["_user_id"] = rotate(row, user)
    session["_remember"] = "set"
    db.session.commit()


_BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"))
_SYSTEMS += (("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def describe_agent(agent: str) -> str:
    """ "Firefox on Windows" from a User-Agent header, or "" when it names nothing we know."""
    browser = next((name for token, name in _BROWSERS if token in agent), "")
    system = next((name for token, name in _SYSTEMS if token in agent), "")
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system
