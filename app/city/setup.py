"""First run: a one-time link, printed by `flask setup`, through which the first administrator is created.

On an empty database the first visitor must not be able to claim the instance, so the page is reachable only
with a token that someone with shell access printed. The token is stored as a SHA-256 digest, expires after
SETUP_TOKEN_HOURS, works once, and a new `flask setup` revokes the previous one. This package cannot see users
(app.auth is above it): the caller says whether any user exists.
"""

from datetime import timedelta
from enum import Enum

from sqlalchemy import select, update

from app.city.models import SetupToken
from app.core import audit
from app.core.timeutil import utcnow
from app.core.tokens import hash_token, new_token
from app.extensions import db

SETUP_TOKEN_HOURS = 24


class TokenState(Enum):
    valid = "valid"
    unknown = "unknown"  # never issued, or revoked by a newer one: 404
    expired = "expired"  # 410
    used = "used"  # 410


def issue_setup_token(*, hours: int = SETUP_TOKEN_HOURS) -> str:
    """A new setup token (returned once, in clear); every earlier unused token stops working. Flushes."""
    now = utcnow()
    db.session.execute(
        update(SetupToken)
        .where(SetupToken.used_at.is_(None), SetupToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    token = new_token()
    row = SetupToken(token_hash=hash_token(token), created_at=now, expires_at=now + timedelta(hours=hours))
    db.session.add(row)
    db.session.flush()
    audit.record(
        "setup.token_issue",
        row,
        f"Printed a first-run setup link valid for {hours} hours",
        actor_label="cli",
        data={"expires_at": row.expires_at.isoformat()},
    )
    return token


def _find(token: str | None) -> SetupToken | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(SetupToken).where(SetupToken.token_hash == hash_token(token)))


def setup_token_state(token: str | None) -> TokenState:
    row = _find(token)
    if row is None or row.revoked_at is not None:
        return TokenState.unknown
    if row.used_at is not None:
        return TokenState.used
    if row.expires_at <= utcnow():
        return TokenState.expired
    return TokenState.valid


def use_setup_token(token: str) -> bool:
    """Mark the token used, atomically: True for exactly one caller, False if it was not valid any more. Flushes."""
    now = utcnow()
    result = db.session.execute(
        update(SetupToken)
        .where(
            SetupToken.token_hash == hash_token(token),
            SetupToken.used_at.is_(None),
            SetupToken.revoked_at.is_(None),
            SetupToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
