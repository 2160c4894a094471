"""No lost edits: records that staff edit in a form carry a version, and a save against an older one is refused.

A model opts in with ``version = version_column()`` and ``__mapper_args__ = {"version_id_col": version}``:
SQLAlchemy then adds ``AND version = <read>`` to every UPDATE and raises ``StaleDataError`` when another
transaction changed the row in between (``app.core.actions.attempt`` turns that into an ``EditConflict``). The
edit form carries the version the page was rendered with (``VersionField``); the view calls
``require_version(obj, form.version.data)`` before the service, so a save made from a page that is out of date is
refused even when the two saves are minutes apart.

The refused page (``templates/_conflict.html``) shows, field by field, what is saved now and what the user typed,
with who saved last and when; the form keeps what they typed and now carries the current version, so saving again
is a deliberate choice to replace the other person's text, and nothing is lost silently.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Integer, select
from sqlalchemy.orm import mapped_column
from wtforms import HiddenField

from app.core.errors import DomainError
from app.extensions import db


def version_column():
    return mapped_column(Integer, nullable=False, default=1, server_default="1")


class VersionField(HiddenField):
    """The version of the record the form was rendered from."""


class EditConflict(DomainError):
    def __init__(self, obj=None):
        super().__init__(
            _(
                "Someone else saved this while you were editing it. What is saved now and what you typed are shown "
                "below; your text is kept in the form. Save again to replace theirs with yours."
            )
        )
        self.obj = obj


def require_version(obj, submitted) -> None:
    """Refuse a save made from a page rendered at another version of ``obj``. A form sent without a version
    (a script, an old page) is not checked here; the row's own version check at the UPDATE still applies."""
    if submitted in (None, ""):
        return
    try:
        version = int(submitted)
    except (TypeError, ValueError):
        raise EditConflict(obj) from None
    if version != obj.version:
        raise EditConflict(obj)


@dataclass(frozen=True)
class Difference:
    label: str
    saved: str
    typed: str


@dataclass(frozen=True)
class Conflict:
    differences: list[Difference]
    saved_by: str | None
    saved_at: object


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "label"):
        return str(value.label)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(sorted(_text(v) for v in value))
    return str(value)


def _comparable(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "value") and hasattr(value, "label"):  # a labelled enum: the form holds its value
        return str(value.value)
    return str(value).strip().replace("\r\n", "\n")


def conflict_for(form, obj, *, saved: dict | None = None) -> Conflict:
    """What differs between ``obj`` as saved now and what was typed in ``form``: each form field that names an
    attribute of ``obj`` (or a key of ``saved``, for values the form shows in another shape). The form keeps what
    was typed and is moved to the current version, and who saved last (and when) comes from the audit log."""
    from app.core.audit import AuditEntry

    saved = saved or {}
    differences = []
    for field in form:
        if field.type in {"CSRFTokenField", "VersionField", "SubmitField", "FileField"}:
            continue
        if field.name in saved:
            value = saved[field.name]
        elif hasattr(obj, field.name):
            value = getattr(obj, field.name)
        else:
            continue
        if _comparable(value) != _comparable(field.data):
            differences.append(Difference(str(field.label.text), _text(value), _text(field.data)))
    form.version.data = str(obj.version)
    target_type = getattr(obj, "audit_type", None) or type(obj).__name__
    last = db.session.execute(
        select(AuditEntry.actor_label, AuditEntry.created_at)
        .where(AuditEntry.target_type == target_type, AuditEntry.target_id == obj.id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    return Conflict(differences, last.actor_label if last else None, last.created_at if last else None)
