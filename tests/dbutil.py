"""Fresh, throw-away databases for the suite: a temp SQLite file, or a new PostgreSQL database."""

import contextlib
import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import normalize_database_url

BACKEND = os.environ.get("DAIS_TEST_DB", "sqlite").lower()


def postgres_base_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalize_database_url(url) if url else None


def require_postgres_or_skip():
    if postgres_base_url():
        return
    message = "TEST_DATABASE_URL is not set: PostgreSQL tests skipped"
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(message + " (REQUIRE_POSTGRES=1)")
    pytest.skip(message)


@contextlib.contextmanager
def fresh_database(backend: str, tmp_path):
    """Yield the URL of an empty database that is removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'dais-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    require_postgres_or_skip()
    base = make_url(postgres_base_url())
    name = f"dais_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
