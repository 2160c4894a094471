"""Loaders that 404 instead of failing, and a URL converter for database ids."""

from flask import abort
from werkzeug.routing import BaseConverter, ValidationError

from app.extensions import db

#: Largest value of a 32-bit signed INTEGER column (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1


class IdConverter(BaseConverter):
    """``<id:name>``: a positive integer that fits an INTEGER column; anything else is a 404.

    Without the bound a huge id reaches PostgreSQL and fails there with a 500.
    """

    regex = r"\d{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number < 1 or number > MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def get_or_404(model, ident: int, *options):
    """The row, or a 404; ``options`` (selectinload, joinedload...) load what the page will show with it."""
    obj = db.session.get(model, ident, options=options or None)
    if obj is None:
        abort(404)
    return obj
