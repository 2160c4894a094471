"""Declarative base with a constraint naming convention, and a timezone-aware UTC datetime type."""

from datetime import UTC

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

#: Set before the first migration so every constraint has a predictable name Alembic can drop later.
#: Never change it: the first migrations name their enum CHECKs through it when they run (``name="body_kind"``
#: becomes ``ck_bodies_body_kind``), so a new convention would give new databases other names than deployed ones.
#: tests/test_enum_checks.py checks every CHECK's name and values against the models (see docs/migrations.md).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always returns aware UTC datetimes.

    PostgreSQL keeps them in ``timestamptz``; SQLite has no time zones, so the value is stored as
    naive UTC and made aware again on the way out. Naive input is refused: it is always a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone first")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(cls, name: str) -> Enum:
    """A Python enum stored as its value in a VARCHAR with a CHECK constraint (portable, easy to extend)."""
    return Enum(cls, native_enum=False, length=40, create_constraint=True, name=name)
