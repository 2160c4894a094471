"""Secret links for people without accounts: a random token given once, stored only as its digest."""

import hashlib
import hmac
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(stored_hash: str, token: str) -> bool:
    """Constant-time comparison, so the time taken says nothing about how much of a guess was right."""
    return hmac.compare_digest(stored_hash, hash_token(token))
