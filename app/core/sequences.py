"""Yearly numbering that never reuses a number: file numbers (YY-NNNN), resolution numbers (YY-NNN)."""

from sqlalchemy import Integer, String, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class NumberSequence(db.Model):
    """The last number handed out per series and year. Numbers are consumed, never returned: a withdrawn
    item keeps its file number, and the next item gets the next one."""

    __tablename__ = "number_sequences"
    __table_args__ = (UniqueConstraint("series", "year", name="series_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


def next_number(series: str, year: int) -> int:
    """Take the next number of ``series`` for ``year``.

    The UPDATE takes a row lock (PostgreSQL) or the write lock (SQLite), so two concurrent callers
    can never get the same number.
    """
    for _ in range(2):
        result = db.session.execute(
            update(NumberSequence)
            .where(NumberSequence.series == series, NumberSequence.year == year)
            .values(last_value=NumberSequence.last_value + 1)
            .returning(NumberSequence.last_value)
        ).scalar_one_or_none()
        if result is not None:
            return result
        exists = db.session.scalar(
            select(NumberSequence.id).where(NumberSequence.series == series, NumberSequence.year == year)
        )
        if exists is None:
            try:
                with db.session.begin_nested():
                    db.session.add(NumberSequence(series=series, year=year, last_value=0))
            except IntegrityError:
                pass  # another request created the row first; the UPDATE will now find it
    raise RuntimeError("could not allocate a number")  # pragma: no cover


def format_file_number(year: int, value: int) -> str:
    return f"{year % 100:02d}-{value:04d}"


def take_through(series: str, year: int, value: int) -> None:
    """Record that ``value`` of ``series`` for ``year`` has been handed out (a number given by hand, e.g. a
    corrected resolution number): the next ``next_number`` is above it, so it is never given twice. Numbers
    below it that were never given are skipped, not handed out later. A lower value changes nothing."""
    for _ in range(2):
        db.session.execute(
            update(NumberSequence)
            .where(NumberSequence.series == series, NumberSequence.year == year, NumberSequence.last_value < value)
            .values(last_value=value)
        )
        exists = db.session.scalar(
            select(NumberSequence.id).where(NumberSequence.series == series, NumberSequence.year == year)
        )
        if exists is not None:
            return
        try:
            with db.session.begin_nested():
                db.session.add(NumberSequence(series=series, year=year, last_value=value))
            return
        except IntegrityError:
            pass  # another request created the row first; the UPDATE will now find it
    raise RuntimeError("could not record the number")  # pragma: no cover
