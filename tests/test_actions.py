"""app.core.actions.attempt: one commit when the service accepts, a rollback and a shown refusal when not."""

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField

from app.bodies.models import Body, BodyKind
from app.core.actions import attempt
from app.core.errors import DomainError


class NameForm(FlaskForm):
    name = StringField()
    title = StringField()


def _count(db):
    return db.session.scalar(select(func.count(Body.id)))


def _add(db, name):
    db.session.add(Body(name=name, kind=BodyKind.board))
    db.session.flush()


def test_accepted_is_committed(app, db):
    with app.test_request_context(method="POST"):
        with attempt(NameForm(meta={"csrf": False})) as done:
            _add(db, "Harbor Board")
        assert done and done.error is None
    db.session.rollback()  # a commit happened: a rollback now loses nothing
    assert _count(db) == 1


def test_refused_rolls_back_and_shows_the_message_on_the_named_field(app, db):
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})
        with attempt(form) as done:
            _add(db, "Harbor Board")
            raise DomainError("Choose another name.", field="name")
        assert not done and done.error.message == "Choose another name."
        assert form.name.errors == ["Choose another name."] and form.form_errors == []
    assert _count(db) == 0


def test_a_refusal_without_a_field_goes_above_the_form_and_fields_can_be_renamed(app, db):
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})
        with attempt(form):
            raise DomainError("Not now.")
        assert form.form_errors == ["Not now."]
        with attempt(form, fields={"heading": "title"}):
            raise DomainError("Too long.", field="heading")
        assert form.title.errors == ["Too long."]


def test_without_a_form_the_refusal_is_flashed_or_kept(app, db):
    from flask import session

    with app.test_request_context(method="POST"):
        with attempt(flash_error=False) as done:
            raise DomainError("Quiet.")
        assert done.error.message == "Quiet." and "_flashes" not in session
        with attempt():
            raise DomainError("Closed.")
        assert session["_flashes"] == [("error", "Closed.")]


def test_other_errors_are_not_swallowed(app, db):
    with app.test_request_context(method="POST"), pytest.raises(ZeroDivisionError), attempt():
        _add(db, "Harbor Board")
        1 / 0  # noqa: B018
