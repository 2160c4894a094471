import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from app.extensions import db
from app.legislation.search import include_object
from tests.conftest import make_app
from tests.dbutil import fresh_database


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_upgrade_empty_database_to_head_matches_models(backend, tmp_path):
    with fresh_database(backend, tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade()
            tables = set(inspect(db.engine).get_table_names())
            assert {"bodies", "members", "memberships", "users", "audit_entries", "alembic_version"} <= tables
            with db.engine.connect() as conn:
                opts = {"compare_type": True, "include_object": include_object}
                context = MigrationContext.configure(conn, opts=opts)
                diff = compare_metadata(context, db.metadata)
            db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
