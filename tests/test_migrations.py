import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from app.extensions import db
from app.search.models import include_object
from tests.conftest import make_app
from tests.dbutil import fresh_database

#: Made by hand in a migration, so the comparison with the models skips them (include_object). On SQLite a batch
#: operation on `search_documents` copies the table and silently drops its trigger: this is what notices.
SEARCH_OBJECTS = {
    "sqlite": ("SELECT name FROM sqlite_master", {"search_fts", "search_documents_fts_ad"}),
    "postgres": ("SELECT indexname FROM pg_indexes WHERE tablename = 'search_documents'", {"ix_search_documents_tsv"}),
}


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
                query, expected = SEARCH_OBJECTS[backend]
                search_objects = set(conn.execute(text(query)).scalars())
            db.engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
    assert expected <= search_objects, f"resolution search objects missing at head: {sorted(expected - search_objects)}"
