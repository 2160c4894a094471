"""CHECK constraints as the real migrations build them, read back from the database and compared with the models.

`flask db check` compares columns and types, not CHECK constraints: a value added to a Python enum without a
migration passes it, and the old CHECK then rejects the value on a migrated database, that is, in production.
Here every non-native Enum column found in the metadata must have exactly one CHECK, named as the models name it,
listing exactly the strings SQLAlchemy stores. docs/migrations.md shows the migration that adds a value.
"""

import re
import shutil
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, Enum, MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator

from app.core.db import NAMING_CONVENTION
from app.extensions import db
from tests.conftest import make_app
from tests.dbutil import fresh_database

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite", "postgres"]
HOW_TO = "See docs/migrations.md, 'Adding a value'."


# -- Reading CHECK constraints from the database ------------------------------------------------------------------


@dataclass(frozen=True)
class DbCheck:
    table: str
    name: str | None
    #: The condition as the database keeps it (PostgreSQL: pg_get_constraintdef, "CHECK (...)" included).
    sql: str


_LITERAL = re.compile(r"'((?:[^']|'')*)'")
#: PostgreSQL's casts in pg_get_constraintdef: ::text, ::character varying, ::text[] (type names are lower case).
_CAST = re.compile(r"::[a-z ]+(?:\[\])?")
#: "column IN (?, ?)" (SQLite keeps the DDL as written), "column = ANY (ARRAY[?, ?])" or "column = ?" (PostgreSQL's
#: rewrite, the latter for a single value), once literals are "?" and casts, parentheses and quotes are gone.
_ENUM_SHAPE = re.compile(
    r"(?:CHECK )?(?:\w+\.)?(?P<column>\w+) (?:IN \?(?: ?, ?\?)*|= ANY ARRAY\[\?(?:, \?)*\]|= \?)", re.IGNORECASE
)

PG_CHECKS = text(
    """
    SELECT rel.relname, con.conname, pg_get_constraintdef(con.oid)
    FROM pg_constraint con
    JOIN pg_class rel ON rel.oid = con.conrelid
    JOIN pg_namespace ns ON ns.oid = rel.relnamespace
    WHERE con.contype = 'c' AND ns.nspname = current_schema()
    ORDER BY rel.relname, con.conname
    """
)
SQLITE_TABLES = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
    "ORDER BY name"
)


def parse_enum_check(sql: str) -> tuple[str, list[str]] | None:
    """(column, allowed values) when the condition only restricts one column to a list of strings, else None."""
    values = [value.replace("''", "'") for value in _LITERAL.findall(sql)]
    shape = _CAST.sub("", _LITERAL.sub("?", sql))
    shape = " ".join(re.sub(r'[()"]', " ", shape).split())
    match = _ENUM_SHAPE.fullmatch(shape)
    return (match["column"], values) if match else None


def sqlite_checks(table: str, create_sql: str) -> Iterator[DbCheck]:
    """The CHECK clauses of a CREATE TABLE statement, table- or column-level, named or not."""
    # Blank out string literals (same length) so their content can't look like SQL.
    masked = _LITERAL.sub(lambda m: "'" + "_" * (len(m[0]) - 2) + "'", create_sql)
    pattern = r'(?:\bCONSTRAINT\s+(?:"(?P<quoted>[^"]+)"|(?P<bare>\w+))\s+)?\bCHECK\s*\('
    for match in re.finditer(pattern, masked, re.IGNORECASE):
        start, depth = match.end() - 1, 0  # start: the opening parenthesis
        for end in range(start, len(masked)):
            if masked[end] == "(":
                depth += 1
            elif masked[end] == ")":
                depth -= 1
                if depth == 0:
                    break
        yield DbCheck(table, match["quoted"] or match["bare"], create_sql[start + 1 : end].strip())


def read_checks(conn: Connection) -> list[DbCheck]:
    if conn.dialect.name == "postgresql":
        return [DbCheck(*row) for row in conn.execute(PG_CHECKS)]
    if conn.dialect.name == "sqlite":
        return [check for table, sql in conn.execute(SQLITE_TABLES) for check in sqlite_checks(table, sql)]
    raise NotImplementedError(conn.dialect.name)


# -- Comparing with the models ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnumColumn:
    table: str
    column: str
    type: Enum

    @property
    def check_name(self) -> str | None:
        if self.type.name is None:
            return None
        return NAMING_CONVENTION["ck"] % {"table_name": self.table, "constraint_name": self.type.name}

    def __str__(self) -> str:
        enum = self.type.enum_class.__name__ if self.type.enum_class else "Enum"
        return f"{self.table}.{self.column} ({enum}, CHECK {self.check_name})"


def enum_columns(metadata: MetaData) -> Iterator[EnumColumn]:
    """Every column stored as a string with a CHECK: a non-native Enum, possibly inside a TypeDecorator."""
    for table in metadata.sorted_tables:
        for column in table.columns:
            type_ = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
            if isinstance(type_, Enum) and not type_.native_enum:
                yield EnumColumn(table.name, column.name, type_)


def compare_enum_checks(metadata: MetaData, checks: list[DbCheck]) -> list[str]:
    """One line per enum column whose CHECK is missing, doubled, misnamed or lists other values."""
    by_column = defaultdict(list)
    for check in checks:
        parsed = parse_enum_check(check.sql)
        if parsed:
            column, values = parsed
            by_column[check.table, column].append((check, values))
    problems = []
    for column in enum_columns(metadata):
        found = by_column.get((column.table, column.column), [])
        if not found:
            problems.append(f"{column}: no CHECK constraint lists its values; the database accepts any string")
            continue
        if len(found) > 1:
            names = sorted(str(check.name) for check, _ in found)
            problems.append(f"{column}: {len(found)} CHECK constraints list its values: {names}")
            continue
        check, in_database = found[0]
        if check.name != column.check_name:
            problems.append(f"{column}: the CHECK listing its values is named {check.name!r}")
        expected = list(column.type.enums)
        missing = [value for value in expected if value not in in_database]
        extra = [value for value in in_database if value not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing from the CHECK: {missing} (the database rejects them)")
            if extra:
                parts.append(f"in the CHECK but not in the enum: {extra}")
            problems.append(f"{column}: " + "; ".join(parts))
    return sorted(problems)


def model_check_names(metadata: MetaData) -> dict[str, set[str | None]]:
    names = {}
    for table in metadata.sorted_tables:
        constraints = set(table.constraints).union(*(column.constraints for column in table.columns))
        names[table.name] = {c.name for c in constraints if isinstance(c, CheckConstraint)}
    return names


def compare_check_names(metadata: MetaData, checks: list[DbCheck]) -> list[str]:
    """CHECK constraints that have no name, or whose names differ between the database and the models."""
    problems = [f"{check.table}: a CHECK without a name: {check.sql}" for check in checks if check.name is None]
    in_database = defaultdict(set)
    for check in checks:
        if check.name is not None:
            in_database[check.table].add(check.name)
    for table, in_models in model_check_names(metadata).items():
        if None in in_models:
            problems.append(f"{table}: a CHECK without a name in the models")
        in_models = {str(name) for name in in_models if name is not None}
        found = in_database.pop(table, set())
        if in_models - found:
            problems.append(f"{table}: named in the models but not in the database: {sorted(in_models - found)}")
        if found - in_models:
            problems.append(f"{table}: in the database but not named in the models: {sorted(found - in_models)}")
    for table, names in in_database.items():
        problems.append(f"{table}: CHECK constraints on a table the models don't have: {sorted(names)}")
    return sorted(problems)


def checks_of(app) -> list[DbCheck]:
    with app.app_context(), db.engine.connect() as conn:
        return read_checks(conn)


def report(title: str, problems: list[str]) -> str:
    return "\n".join([title, *(f"  - {problem}" for problem in problems)])


# -- The tests ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def migrated(request, tmp_path_factory):
    """An app on an empty database brought to head by the real migrations (read-only for the tests)."""
    with fresh_database(request.param, tmp_path_factory.mktemp("enumcheck")) as url:
        app = make_app(url)
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            db.engine.dispose()


def test_every_enum_column_is_checked_against_exactly_its_values(migrated):
    assert list(enum_columns(db.metadata)), "no Enum column found: is the walk of the metadata broken?"
    problems = compare_enum_checks(db.metadata, checks_of(migrated))
    assert not problems, report("Enum columns whose CHECK constraint differs from the enum:", problems) + "\n" + HOW_TO


def test_every_check_constraint_is_named_as_the_models_name_it(migrated):
    problems = compare_check_names(db.metadata, checks_of(migrated))
    assert not problems, report("CHECK constraints named differently in the database and the models:", problems)


def test_enum_members_are_stored_by_their_value():
    """SQLAlchemy stores an enum member's *name*; the CHECK lists names. Names equal to values keep the two alike."""
    make_app("sqlite://")  # every model module imported
    problems = []
    for column in enum_columns(db.metadata):
        if column.type.enum_class is None:
            continue
        values = [member.value for member in column.type.enum_class]
        if list(column.type.enums) != values:
            problems.append(f"{column}: stores {list(column.type.enums)}, values are {values}")
    assert not problems, report("Enum members whose name and value differ (make them equal):", problems)


# -- Proof that the comparison fails when it should ---------------------------------------------------------------
# Each test compares against the same database (or enums) before its change, so drift already in the repository
# fails the two tests above and only them.


def added(before: list[str], after: list[str]) -> list[str]:
    return [problem for problem in after if problem not in before]


def add_council_to_body_kind(monkeypatch):
    """BodyKind.council added in the code only, as a developer would before writing the migration."""
    kind = db.metadata.tables["bodies"].c.kind.type
    monkeypatch.setattr(kind, "enums", [*kind.enums, "council"])


COUNCIL_MISSING = (
    "bodies.kind (BodyKind, CHECK ck_bodies_body_kind): missing from the CHECK: ['council'] (the database rejects them)"
)


def test_a_value_added_to_an_enum_without_a_migration_is_reported(migrated, monkeypatch):
    checks = checks_of(migrated)
    before = compare_enum_checks(db.metadata, checks)
    add_council_to_body_kind(monkeypatch)
    assert added(before, compare_enum_checks(db.metadata, checks)) == [COUNCIL_MISSING]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_check_that_differs_from_its_enum_is_reported(backend, tmp_path):
    with fresh_database(backend, tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade()
            before = checks_of(app)
            with db.engine.begin() as conn:
                op = Operations(MigrationContext.configure(conn))
                with op.batch_alter_table("motions") as batch:  # a value lost
                    batch.drop_constraint(op.f("ck_motions_motion_status"), type_="check")
                    statuses = "status IN ('pending', 'died', 'withdrawn', 'closed')"
                    batch.create_check_constraint(op.f("ck_motions_motion_status"), statuses)
                with op.batch_alter_table("minutes") as batch:  # a value too many
                    batch.drop_constraint(op.f("ck_minutes_minutes_status"), type_="check")
                    minutes = "status IN ('draft', 'released', 'approved', 'archived')"
                    batch.create_check_constraint(op.f("ck_minutes_minutes_status"), minutes)
                with op.batch_alter_table("votes") as batch:  # no CHECK at all
                    batch.drop_constraint(op.f("ck_votes_vote_choice"), type_="check")
                with op.batch_alter_table("resolution_links") as batch:  # the right values under another name
                    batch.drop_constraint(op.f("ck_resolution_links_resolution_link_kind"), type_="check")
                    kinds = "kind IN ('supersedes', 'amends', 'rescinds')"
                    batch.create_check_constraint(op.f("resolution_links_kind_check"), kinds)
            after = checks_of(app)
            db.engine.dispose()
    assert added(compare_enum_checks(db.metadata, before), compare_enum_checks(db.metadata, after)) == [
        "minutes.status (MinutesStatus, CHECK ck_minutes_minutes_status): "
        "in the CHECK but not in the enum: ['archived']",
        "motions.status (MotionStatus, CHECK ck_motions_motion_status): "
        "missing from the CHECK: ['voting'] (the database rejects them)",
        "resolution_links.kind (LinkKind, CHECK ck_resolution_links_resolution_link_kind): "
        "the CHECK listing its values is named 'resolution_links_kind_check'",
        "votes.choice (VoteChoice, CHECK ck_votes_vote_choice): "
        "no CHECK constraint lists its values; the database accepts any string",
    ]
    assert added(compare_check_names(db.metadata, before), compare_check_names(db.metadata, after)) == [
        "resolution_links: in the database but not named in the models: ['resolution_links_kind_check']",
        "resolution_links: named in the models but not in the database: ['ck_resolution_links_resolution_link_kind']",
        "votes: named in the models but not in the database: ['ck_votes_vote_choice']",
    ]


def documented_revision() -> str:
    """The worked example of docs/migrations.md: the python block that is a whole revision."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "migrations.md").read_text(), re.DOTALL)
    return next(block for block in blocks if re.search(r"^revision = ", block, re.MULTILINE))


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_documented_migration_makes_the_new_value_usable(backend, tmp_path, monkeypatch):
    """The failure the comparison predicts is real, and the recipe in docs/migrations.md fixes it."""
    migrations = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", migrations, ignore=shutil.ignore_patterns("__pycache__"))
    head = ScriptDirectory(str(migrations)).get_current_head()
    revision = re.sub(r"^down_revision = .*$", f'down_revision = "{head}"', documented_revision(), flags=re.MULTILINE)
    (migrations / "versions" / "20261201_3f9d2c1b7a40_bodies_kind_add_council.py").write_text(revision)
    bodies = db.metadata.tables["bodies"]
    becomes_council = text("UPDATE bodies SET kind = 'council'")

    with fresh_database(backend, tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade(directory=str(migrations), revision=head)
            before = compare_enum_checks(db.metadata, checks_of(app))
            names_before = compare_check_names(db.metadata, checks_of(app))
            with db.engine.begin() as conn:
                conn.execute(bodies.insert().values(name="Harbor Board", kind="board"))
            add_council_to_body_kind(monkeypatch)
            assert added(before, compare_enum_checks(db.metadata, checks_of(app))) == [COUNCIL_MISSING]
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(becomes_council)

            upgrade(directory=str(migrations))
            assert added(before, compare_enum_checks(db.metadata, checks_of(app))) == []
            assert added(names_before, compare_check_names(db.metadata, checks_of(app))) == []
            with db.engine.begin() as conn:
                conn.execute(becomes_council)
                conn.execute(text("UPDATE bodies SET kind = 'board'"))

            downgrade(directory=str(migrations), revision=head)
            assert added(before, compare_enum_checks(db.metadata, checks_of(app))) == [COUNCIL_MISSING]
            db.engine.dispose()


# -- The parsers on their own -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("kind IN ('commission', 'board')", ("kind", ["commission", "board"])),
        ("\"kind\" IN ('it''s')", ("kind", ["it's"])),
        ("bodies.kind in ('a','b')", ("kind", ["a", "b"])),
        (
            "CHECK (((kind)::text = ANY ((ARRAY['commission'::character varying, "
            "'board'::character varying])::text[])))",
            ("kind", ["commission", "board"]),
        ),
        ("CHECK (((kind)::text = 'board'::text))", ("kind", ["board"])),
        ("CHECK ((((kind)::text <> 'prohibits'::text) OR (category IS NOT NULL)))", None),
        ("(status = 'closed') = (result IS NOT NULL)", None),
        ("email = lower(email)", None),
        ("seat_count > 0", None),
    ],
)
def test_parse_enum_check(sql, expected):
    assert parse_enum_check(sql) == expected


def test_sqlite_checks_finds_named_unnamed_and_column_checks():
    create = (
        "CREATE TABLE t (\n"
        "\tid INTEGER NOT NULL,\n"
        "\tkind VARCHAR(40) NOT NULL CHECK (kind IN ('a', 'b')),\n"
        "\tnote TEXT DEFAULT 'CHECK (x)',\n"
        "\tCONSTRAINT ck_t_note CHECK (note <> ')' AND (length(note) > 0)),\n"
        '\tCONSTRAINT "ck_t_id" CHECK (id > 0),\n'
        "\tCHECK (id < 100)\n"
        ")"
    )
    assert list(sqlite_checks("t", create)) == [
        DbCheck("t", None, "kind IN ('a', 'b')"),
        DbCheck("t", "ck_t_note", "note <> ')' AND (length(note) > 0)"),
        DbCheck("t", "ck_t_id", "id > 0"),
        DbCheck("t", None, "id < 100"),
    ]
