"""One way for a view to run a service call: commit once if the service accepts, show its refusal if not.

    with attempt(form) as done:
        speaker_queue.add_time(speaker, seconds=form.seconds.data, reason=form.reason.data, actor=current_user)
    if done:
        flash(_("Time added."), "success")
        return redirect(...)
    return render_template("...", form=form), 422      # the form again, with everything typed

The call runs in a SAVEPOINT. A ``DomainError`` rolls back only that savepoint, so what the view loaded before
stays loaded and the form is shown again without a query. The refusal is shown on the form field it names (or
above the form) when a form is given, else as a flashed message (``flash_error=False`` keeps it only in
``done.error``). Any other
exception is not caught here: the error handlers answer it (a busy database is a 503, never a lost form), but a
versioned row that another transaction saved in between (``StaleDataError``) is an ``EditConflict`` like any refusal.
This is indico's request handler in small: load, check, process, then one commit or one rollback.
"""

from flask import flash
from sqlalchemy import inspect
from sqlalchemy.orm.exc import StaleDataError

from app.core.errors import DomainError
from app.core.forms import attach_error
from app.core.versioning import EditConflict
from app.extensions import db


class Attempt:
    def __init__(self, form=None, *, fields: dict[str, str] | None = None, flash_error: bool = True):
        self.form = form
        self.fields = fields or {}
        self.flash_error = flash_error
        self.error: DomainError | None = None

    def __enter__(self) -> "Attempt":
        self._savepoint = db.session.begin_nested()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            try:
                self._savepoint.commit()  # flushes: a versioned row saved meanwhile by someone else fails here
            except StaleDataError:
                self._savepoint.rollback()
                self._refuse(EditConflict())
                return False
            _commit_keeping_what_is_loaded()
            return False
        if issubclass(exc_type, StaleDataError):
            exc = EditConflict()
        elif not issubclass(exc_type, DomainError):
            return False  # the error handlers roll the whole transaction back
        self._savepoint.rollback()
        self._refuse(exc)
        return True

    def _refuse(self, exc: DomainError) -> None:
        _reload_expired()
        self.error = exc
        if exc.field in self.fields:  # the service's name for a field the form shows under another name
            exc.field = self.fields[exc.field]
        if self.form is not None:
            attach_error(self.form, exc)
        elif self.flash_error:
            flash(exc.message, "error")

    def __bool__(self) -> bool:
        return self.error is None


def _commit_keeping_what_is_loaded() -> None:
    """Commit without expiring the session's objects: they hold what was just written, so a page rendered after
    the commit reads them from memory instead of running queries from its template."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _reload_expired() -> None:
    """The savepoint's rollback expired what the refused call had changed; load it again here, in the view, so
    the form shown next reads the record as it stands and its template runs no query."""
    for obj in list(db.session.identity_map.values()):
        state = inspect(obj)
        if state.expired_attributes and state.persistent:
            db.session.refresh(obj)


def attempt(form=None, *, fields: dict[str, str] | None = None, flash_error: bool = True) -> Attempt:
    return Attempt(form, fields=fields, flash_error=flash_error)
