import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from app import ConfigurationError, create_app
from config import ProductionConfig, normalize_database_url

ROOT = Path(__file__).resolve().parent.parent


def test_production_config_without_secret_key_refuses_to_start():
    config = type("NoSecret", (ProductionConfig,), {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(config)


def test_production_config_with_secret_key_starts():
    config = type("WithSecret", (ProductionConfig,), {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert create_app(config).config["SECRET_KEY"] == "x" * 40


def test_wsgi_module_refuses_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DAIS_CONFIG"}}
    env["DATABASE_URL"] = "sqlite://"
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_default_database_is_sqlite_under_instance(monkeypatch):
    import config

    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config._database_url() == f"sqlite:///{ROOT / 'instance' / 'dais.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", "postgres://dais@db/dais")
    assert config._database_url() == "postgresql+psycopg://dais@db/dais"


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_spellings(given, expected):
    assert normalize_database_url(given) == expected


def test_sqlite_runs_in_wal_mode_with_busy_timeout(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_default_time_zone_is_new_york(app):
    assert app.config["TIMEZONE"] == os.environ.get("TIMEZONE", "America/New_York")


def test_production_hashes_passwords_with_full_cost_scrypt():
    from app import create_app
    from app.auth.services import hash_password
    from config import ProductionConfig

    settings = {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    app = create_app(type("Prod", (ProductionConfig,), settings))
    with app.app_context():
        stored = hash_password("correct-horse-battery")
    assert stored.startswith("scrypt:32768:8:1$")
