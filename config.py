"""Configuration, read from environment variables (see the README's configuration table)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def normalize_database_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and point them at the psycopg 3 driver we ship."""
    # Heroku-style URLs name the scheme "postgres"; psycopg 3 is the driver we ship.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _database_url() -> str:
    return normalize_database_url(os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'dais.sqlite3'}")


class Config:
    DEBUG = False
    TESTING = False
    #: Required outside debug and testing: create_app refuses to start without it.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    TIMEZONE = os.environ.get("TIMEZONE", "America/New_York")
    #: Only a default: the city profile (/staff/city, stored in the database) names the city. Empty means "not set
    #: up yet": the header says "Dais" until the profile (or this variable) gives a name.
    CITY_NAME = os.environ.get("CITY_NAME", "")
    #: Offered in the language switch; the first is the default. Each other needs translations/<code>.
    LANGUAGES = ["en", "es"]
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "clerk@localhost")
    #: Where mail goes when MAIL_SERVER is empty: one .eml file per message.
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    #: The right-hand side of every Message-ID (kept across retries, so a receiver can spot a duplicate).
    MAIL_MESSAGE_ID_DOMAIN = os.environ.get("MAIL_MESSAGE_ID_DOMAIN", "dais.local")
    #: Seconds to wait for the mail server on each step before counting the attempt as failed (then retried).
    MAIL_TIMEOUT_SECONDS = _int("MAIL_TIMEOUT_SECONDS", 30)
    #: Messages sent over one SMTP connection; batches per job before the job hands over to a successor.
    MAIL_BATCH_SIZE = _int("MAIL_BATCH_SIZE", 50)
    MAIL_BATCHES_PER_JOB = _int("MAIL_BATCHES_PER_JOB", 20)
    #: Delivery jobs started for one mailing: as many as the workers that should share it.
    MAIL_PARALLEL_JOBS = _int("MAIL_PARALLEL_JOBS", 4)
    #: A worker's claim on a batch; a worker that dies leaves its batch to others once the claim runs out.
    MAIL_LEASE_SECONDS = _int("MAIL_LEASE_SECONDS", 300)
    #: Temporary failures (server down, 4xx) are retried after 1, 2, 4... minutes, at most an hour apart, and
    #: given up (status failed, the clerk can retry) after MAIL_MAX_ATTEMPTS attempts, about 8 hours.
    MAIL_RETRY_BASE_SECONDS = _int("MAIL_RETRY_BASE_SECONDS", 60)
    MAIL_RETRY_MAX_SECONDS = _int("MAIL_RETRY_MAX_SECONDS", 3600)
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 12)
    #: The site's public address, for links in mail composed outside a request (a job started from the CLI).
    BASE_URL = os.environ.get("BASE_URL", "")

    #: Redis, for the job queue (RQ; `flask worker`). Empty: jobs run in a thread of the serving process.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    #: "rq", "thread" or "eager" (inline, for tests); empty: "rq" when REDIS_URL is set, else "thread".
    JOBS_BACKEND = os.environ.get("JOBS_BACKEND", "")
    #: The RQ queue's name: instances that share one Redis each need their own.
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "dais")
    #: Every this many seconds each worker looks for work that is due (retries, a dead worker's claims).
    JOBS_TICK_SECONDS = _int("JOBS_TICK_SECONDS", 10)
    JOBS_TIMEOUT_SECONDS = _int("JOBS_TIMEOUT_SECONDS", 900)
    #: Public pages kept and revalidated by the record's version (app/core/cache.py): "RedisCache" (on REDIS_URL,
    #: shared by every app server), "SimpleCache" (this process's memory), "NullCache" (off; ETags still answer
    #: 304). Empty: RedisCache when REDIS_URL is set, else SimpleCache (make run).
    CACHE_TYPE = os.environ.get("CACHE_TYPE", "")
    #: Instances that share one Redis each need their own prefix.
    CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "dais:cache:")
    #: Seconds a built page is kept at most (a change of the record makes it unused at once anyway).
    CACHE_DEFAULT_TIMEOUT = _int("CACHE_DEFAULT_TIMEOUT", 300)
    #: Live screens (app/core/live.py): "redis" shares snapshots between app servers through REDIS_URL; "local"
    #: keeps them in this process (one server). Empty: "redis" when REDIS_URL is set.
    LIVE_BROKER = os.environ.get("LIVE_BROKER", "")
    #: The Redis channel (and key prefix) of the snapshots: instances that share one Redis each need their own.
    LIVE_CHANNEL = os.environ.get("LIVE_CHANNEL", "dais:live")
    #: A Server-Sent Events stream ends after half to all of this (spread, so that viewers who came together do not
    #: all reconnect at once) and the browser reconnects a second later with Last-Event-ID, missing nothing.
    LIVE_STREAM_SECONDS = _int("LIVE_STREAM_SECONDS", 300)
    #: A stream with nothing new sends a keep-alive comment this often (proxies close idle connections).
    LIVE_KEEPALIVE_SECONDS = _int("LIVE_KEEPALIVE_SECONDS", 15)

    #: Build the agenda packet again, in the worker, whenever the agenda is published or amended (app/documents).
    PACKET_AUTO_BUILD = os.environ.get("PACKET_AUTO_BUILD", "1").strip().lower() not in ("0", "false", "no", "off")
    #: A packet build with no progress for this long is taken to have lost its worker, and is started again by the
    #: tick, at most PACKET_MAX_ATTEMPTS times.
    PACKET_STALE_SECONDS = _int("PACKET_STALE_SECONDS", 300)
    PACKET_MAX_ATTEMPTS = _int("PACKET_MAX_ATTEMPTS", 3)

    #: F.S. 286.0105 and 286.26: printed on every notice and agenda. Empty (the default) prints the statutory
    #: wording in the reader's language; a city's own wording set here is printed as given. Never removable.
    APPEAL_ADVISORY = os.environ.get("APPEAL_ADVISORY", "")
    ACCOMMODATION_NOTICE = os.environ.get("ACCOMMODATION_NOTICE", "")
    #: Where uploaded files live (app.core.storage): "local" (UPLOAD_DIR) or "s3" (an S3-compatible bucket, which
    #: every app server reads).
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
    #: Attachments live here with the local backend, outside the web root, under random names.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    #: Empty for AWS itself; the address of any other S3-compatible server (MinIO, Ceph, Garage...).
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    S3_REGION = os.environ.get("S3_REGION", "")
    #: Empty: boto3's own chain (AWS_* variables, instance role).
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "")
    #: Keys are written under this prefix ("dais/"), so one bucket can hold other things too.
    S3_PREFIX = os.environ.get("S3_PREFIX", "")
    MAX_ATTACHMENT_BYTES = _int("MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)

    #: R6 defaults for a body that has adopted no comment policy yet (a policy version overrides them).
    COMMENT_SPEAKER_SECONDS = _int("COMMENT_SPEAKER_SECONDS", 180)
    COMMENT_GROUP_SECONDS = _int("COMMENT_GROUP_SECONDS", 300)
    COMMENT_SIGNUP_CLOSES_MINUTES = _int("COMMENT_SIGNUP_CLOSES_MINUTES", 60)
    COMMENT_WRITTEN_MAX_CHARS = _int("COMMENT_WRITTEN_MAX_CHARS", 3000)
    #: R15: the right-hand side of every calendar UID ("meeting-12@<this>"). Set once and never change it:
    #: calendars match events by UID. Not taken from the request, whose Host header varies and can be forged.
    CALENDAR_UID_DOMAIN = os.environ.get("CALENDAR_UID_DOMAIN", "meetings.dais")
    #: R7: days after the vote within which a member who abstained files the Form 8B memorandum (F.S. 112.3143(3)).
    FORM_8B_DAYS = _int("FORM_8B_DAYS", 15)
    #: Per IP, on the public speak and written-comment forms (a household or a library shares one address).
    PUBLIC_FORM_RATE_LIMIT = os.environ.get("PUBLIC_FORM_RATE_LIMIT", "10 per minute; 60 per hour")
    #: Per client address, for every /api/v1 request.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute")
    #: A search statement running longer is stopped and the reader asked to narrow it (app/search/query.py).
    SEARCH_TIMEOUT_MS = _int("SEARCH_TIMEOUT_MS", 3000)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "fixed-window"
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    LOGIN_MAX_FAILURES = _int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCKOUT_MINUTES = _int("LOGIN_LOCKOUT_MINUTES", 15)
    PASSWORD_MIN_LENGTH = _int("PASSWORD_MIN_LENGTH", 10)
    INVITATION_DAYS = _int("INVITATION_DAYS", 7)  # days an emailed staff invitation link stays valid
    #: flask seed-demo creates staff accounts with a published password: refused here (production) unless forced
    #: into an empty database. Not read from the environment, so no variable can switch the guard off.
    DEMO_ALLOWED = False

    #: Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = _int("PROXY_COUNT", 0)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: Staff sessions (app/auth/sessions.py): signed out after this long without a request (administrators sooner),
    #: and in any case this many hours after signing in; "remember me" keeps a session across browser restarts
    #: within those limits, never beyond them.
    STAFF_IDLE_MINUTES_ADMIN = _int("STAFF_IDLE_MINUTES_ADMIN", 30)
    STAFF_IDLE_MINUTES = _int("STAFF_IDLE_MINUTES", 8 * 60)
    STAFF_SESSION_HOURS = _int("STAFF_SESSION_HOURS", 12)
    REMEMBER_COOKIE_DURATION = STAFF_SESSION_HOURS * 3600
    #: Roles that must sign in with a second factor until the city chooses on /admin/security (app/auth/two_factor.py).
    TWO_FACTOR_ROLES = os.environ.get("TWO_FACTOR_ROLES", "admin")
    #: Months after a meeting that residents' contact details are kept (app/public_comment/retention.py), until the
    #: city chooses on /admin/security; each worker checks for details to clear every RETENTION_CHECK_SECONDS.
    CONTACT_RETENTION_MONTHS = _int("CONTACT_RETENTION_MONTHS", 24)
    RETENTION_CHECK_SECONDS = _int("RETENTION_CHECK_SECONDS", 3600)
    #: Subscribers who chose one message a day get it at the first worker tick after this hour (city time, 0-23),
    #: with every alert recorded before it (app/subscriptions/alert_mail.py).
    DIGEST_HOUR = _int("DIGEST_HOUR", 7)
    #: A session's "last seen" is written at most this often (reading pages does not write on every request).
    STAFF_SESSION_TOUCH_SECONDS = 60
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024


class ProductionConfig(Config):
    pass


class DevelopmentConfig(Config):
    DEBUG = True
    #: The demo's published staff accounts sign in with a password alone (make run); a city turns it on at
    #: /admin/security, and production requires it of administrators by default.
    TWO_FACTOR_ROLES = os.environ.get("TWO_FACTOR_ROLES", "")
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    DEMO_ALLOWED = True
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class TestingConfig(Config):
    TESTING = True
    #: The suite moves its clock by days and months with staff signed in; session lifetimes are tested on their own
    #: (tests/test_sessions.py sets the production values).
    STAFF_IDLE_MINUTES_ADMIN = STAFF_IDLE_MINUTES = 10 * 365 * 24 * 60
    STAFF_SESSION_HOURS = 10 * 365 * 24
    TWO_FACTOR_ROLES = ""  # tests/test_two_factor.py turns it on
    SECRET_KEY = "testing-not-secret"
    DEMO_ALLOWED = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = ""
    #: Jobs run inline once the change commits; tests/test_worker.py runs them through Redis and `flask worker`.
    JOBS_BACKEND = "eager"
    REDIS_URL = ""
    #: A live stream ends after a second, so that a test (or a crawl of every URL) reading one is not held.
    LIVE_STREAM_SECONDS = 1
    LIVE_KEEPALIVE_SECONDS = 1
    #: Publishing an agenda does not build its packet in every test (WeasyPrint takes a second); the packet's
    #: tests (tests/test_packet.py) turn it on.
    PACKET_AUTO_BUILD = False
    #: No page kept between requests (tests/test_archive_pages.py switches it on where it is tested).
    CACHE_TYPE = "NullCache"
    #: Still scrypt, at a cost that lets the suite sign in hundreds of times; production keeps the full cost.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"


CONFIGS = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_from_env():
    name = os.environ.get("DAIS_CONFIG", "production").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"DAIS_CONFIG must be one of {', '.join(CONFIGS)}, not {name!r}") from None
