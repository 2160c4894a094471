"""Public pages answered without being built: a version key per page, a 304 before anything renders, and the page
itself kept in Flask-Caching (Redis shared by every app server, or this process's memory under ``make run``).

**The version.** A page's version is the record's version, read in one query and one cache read: the head of the
audit log (every service audits its change, whichever process made it: a command, a worker, another app server)
and a *generation* bumped after the commit of any transaction that wrote a public table (a change that was not
audited, such as a test's or an import's direct INSERT; kept in the cache, so shared through Redis). With the
page's path and query, the reader's language, a digest of the code (a deploy never serves pages built by the
code before it) and the period a page may show the clock's time for (``per``: a minute for pages that say what
is upcoming, else the city's day), it gives the ETag: a reader whose ``If-None-Match`` matches gets a 304 before
the view runs, without a query of the page's own or a template rendered.

**Who is served from the cache**: a GET by a visitor who is not signed in and has nothing in their session but a
chosen language or a CSRF token (no flash waiting). Staff pages carry their menus and a sign-out form: never
cached, never served from the cache. A page is stored only if building it generated no CSRF token (it holds a
form), set no cookie and answered 200; anything else is built for each request as before.
"""

import hashlib
import itertools
import logging
import secrets
from functools import wraps
from pathlib import Path

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_caching import Cache
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.core.timeutil import to_local, utcnow

log = logging.getLogger(__name__)
cache = Cache()

GENERATION = "generation"
_CHANGED = "dais.cache.changed"
#: Tables no public page shows: writing only these does not make the pages' generation move.
PRIVATE_TABLES = frozenset(
    {"outbox_messages", "mailings", "audit_entries", "users", "invitations", "subscriptions", "follows", "alerts"}
)
#: What may be in the session of a visitor served from the cache (none changes the page): a chosen language, a
#: CSRF token from a form seen earlier, and what Flask-Login's session protection writes for a visitor who is not
#: signed in ("_remember": "clear", "_fresh").
SESSION_KEYS_ALLOWED = frozenset({"lang", "csrf_token", "_remember", "_fresh"})
#: Written into such a session while a page is built, and harmless to the page.
_PROTECTION_KEYS = frozenset({"_remember", "_fresh"})
#: This process's own count of changes, for a cache that keeps nothing (NullCache: ETags must still move).
_local_changes = itertools.count()
_local_generation = 0


def init_app(app) -> None:
    kind = app.config.get("CACHE_TYPE") or ("RedisCache" if app.config.get("REDIS_URL") else "SimpleCache")
    config = {
        "CACHE_TYPE": kind,
        "CACHE_NO_NULL_WARNING": True,
        "CACHE_KEY_PREFIX": app.config.get("CACHE_KEY_PREFIX") or "dais:cache:",
        "CACHE_DEFAULT_TIMEOUT": app.config.get("CACHE_DEFAULT_TIMEOUT") or 300,
        # A cache that is down makes pages be built, never an error page.
        "CACHE_IGNORE_ERRORS": True,
    }
    if kind == "RedisCache":
        config["CACHE_REDIS_URL"] = app.config["REDIS_URL"]
    cache.init_app(app, config=config)
    app.extensions["dais.cache"] = {"type": kind, "code": code_digest()}


def code_digest() -> str:
    """A digest of the code and templates that build the pages: the same on every server of one release."""
    root = Path(__file__).resolve().parent.parent.parent
    digest = hashlib.sha256()
    for folder, pattern in (("app", "*.py"), ("templates", "*.html"), ("translations", "*.po")):
        for path in sorted((root / folder).rglob(pattern)):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# ---- the generation ---------------------------------------------------------------------------------------------


def _mark(session, tables) -> None:
    if any(name not in PRIVATE_TABLES for name in tables):
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_flush")
def _flushed(session, flush_context):
    objects = itertools.chain(session.new, session.dirty, session.deleted)
    _mark(session, {getattr(getattr(obj, "__table__", None), "name", "") for obj in objects})


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _mark(state.session, {getattr(table, "name", "?")})


@event.listens_for(Session, "after_commit")
def _committed(session):
    if session.get_nested_transaction() is not None:  # a SAVEPOINT released: nothing is committed yet
        return
    if session.info.pop(_CHANGED, False):
        bump()


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(_CHANGED, None)


def bump() -> None:
    """The public record changed: every page's version moves (on every server sharing the cache).

    The generation is a new random value each time, never a counter: a counter evicted from the cache (or expired)
    would start again and could meet a version whose page is still stored."""
    global _local_generation
    _local_generation = next(_local_changes) + 1
    try:
        cache.set(GENERATION, secrets.token_hex(8), timeout=0)
    except Exception:  # noqa: BLE001 (a cache that is down: the audit head still moves the version)
        log.warning("could not bump the page cache generation", exc_info=True)


def generation() -> str:
    if current_app.extensions["dais.cache"]["type"] == "NullCache":
        return f"local-{_local_generation}"  # nothing is kept: this process's own changes move its ETags
    try:
        value = cache.get(GENERATION)
        if value is None:  # first use, or evicted: a new one, the same for every server that reads it next
            cache.add(GENERATION, secrets.token_hex(8), timeout=0)
            value = cache.get(GENERATION)
    except Exception:  # noqa: BLE001 (a cache that is down: the audit head alone makes the version)
        value = None
    return str(value)


def record_version() -> str:
    """The record's version: the audit log's head and the generation (one query, one cache read)."""
    from app.core.audit import AuditEntry
    from app.extensions import db

    head = db.session.scalar(select(func.max(AuditEntry.id))) or 0
    return f"{head}:{generation()}"


# ---- pages ------------------------------------------------------------------------------------------------------


def _anonymous(args: frozenset) -> bool:
    """A GET by a visitor who is not signed in, with no parameter the page does not read (each unknown one would
    be one more copy of the same page in the cache)."""
    if request.method not in ("GET", "HEAD") or not set(request.args.keys()) <= args:
        return False
    return set(session.keys()) <= SESSION_KEYS_ALLOWED


def _clock(per: int | None) -> str:
    now = utcnow()
    day = to_local(now).date().isoformat()
    return day if per is None else f"{day}/{int(now.timestamp()) // per}"


def page_key(per: int | None) -> str:
    parts = (
        current_app.extensions["dais.cache"]["code"],
        record_version(),
        _clock(per),
        str(get_locale()),
        request.path,
        "&".join(f"{k}={v}" for k, v in sorted(request.args.items(multi=True))),
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _headers(response, etag: str):
    response.set_etag(etag, weak=True)
    signed = request.cookies.get(current_app.config.get("SESSION_COOKIE_NAME", "session"))
    response.headers["Cache-Control"] = "private, no-cache" if signed else "no-cache"
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def public_page(*args: str, per: int | None = None, timeout: int | None = None):
    """A public page kept and revalidated by the record's version (see the module docstring).

    ``args``: the query parameters the page reads (a request with any other is built as before, never kept).
    ``per``: seconds the page may show the clock's time for (60: "upcoming" moves on within a minute); None: it
    changes with the city's day only. ``timeout``: seconds a built page is kept (the cache's default if None).
    """
    known = frozenset(args)

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not _anonymous(known):
                return view(*args, **kwargs)
            key = page_key(per)
            if request.if_none_match.contains_weak(key):
                return _headers(current_app.response_class(status=304), key)
            stored = cache.get(f"page:{key}")
            if stored is not None:
                body, content_type = stored
                return _headers(current_app.response_class(body, content_type=content_type), key)
            before = dict(session)
            response = make_response(view(*args, **kwargs))
            changed = {k for k in set(before) | set(session) if before.get(k) != session.get(k)} - _PROTECTION_KEYS
            if "csrf_token" in g or changed or "Set-Cookie" in response.headers:
                return response  # personal after all (a form's token, a cookie): left to the content's own ETag
            if response.status_code == 200 and not response.direct_passthrough:
                cache.set(f"page:{key}", (response.get_data(), response.content_type), timeout=timeout)
                return _headers(response, key)
            return response

        return wrapper

    return decorate
