"""Bulk import (issue 15): upload a CSV of members and terms or of past meetings, or (issue 20) the two files of a
Legistar-style export of matters and their histories, see what each row would do, then import all of it in one
transaction, or nothing.

Matters come as one upload of two files (matters, histories), not two imports: a history names matters of the
same export, a matter's status depends on its history, and the clerk sees both in one preview and imports them
together or not at all. Either file may be left out (histories for matters already in Dais; matters alone).

The uploaded file is kept on the server, not in the page: it is written to the file storage (app.core.storage)
as ``imports/<token>`` with a random token, so that the preview and the import may be served by different app
servers; the clerk's signed session records that token with the file's kind, name and SHA-256. The preview and
the "Import" button name only the token; the import reads the stored file, checks that its digest is the one
recorded, and runs every row again through the services (the record may have changed since the preview). No copy
of the rows travels through the browser, so nothing the browser sends back can change what is imported, and a
token is useless in another session. A stored file is removed once imported, and any left over
after two hours is removed at the next upload.
"""

import contextlib
import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField

from app.auth.decorators import editor_required, login_gate
from app.auth.forms import EmptyForm
from app.bodies import imports as member_imports
from app.core.actions import attempt
from app.core.csv_import import MAX_BYTES, MAX_ROWS, FileRefused, ImportHasErrors, bundle
from app.core.errors import DomainError
from app.core.storage import storage
from app.meetings import imports as meeting_imports
from app.meetings import matter_imports

bp = Blueprint("imports", __name__, url_prefix="/staff/import")
bp.before_request(login_gate())

KINDS = {"members": member_imports, "meetings": meeting_imports, "matters": matter_imports}
#: The sample file of each kind, or of each file of a kind that takes several (matters: matters and histories).
SAMPLES = {
    "members": "sample-members.csv",
    "meetings": "sample-meetings.csv",
    **{part: spec.sample for part, spec in matter_imports.FILES.items()},
}
SESSION_KEY = "imports"
KEEP_SECONDS = 2 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file (UTF-8 or Excel's “CSV”, commas or semicolons), up to 2 MB and 5,000 rows"))


class MattersUploadForm(FlaskForm):
    """The two files of a Legistar-style export; the field names are the keys of ``matter_imports.FILES``."""

    matters = FileField(_l("Matters (Legistar's “Legislation” list), CSV"))
    histories = FileField(_l("Histories (each matter's actions), CSV"))


UPLOAD_FORMS = {"matters": MattersUploadForm}


def _files_of(kind: str) -> dict | None:
    """The files of a kind that takes several ({field name: spec}), else None."""
    return getattr(_module(kind), "FILES", None)


def _module(kind: str):
    module = KINDS.get(kind)
    if module is None:
        abort(404)
    return module


PREFIX = "imports/"


def _forget_old_files() -> None:
    store = storage()
    limit = datetime.now(UTC) - timedelta(seconds=KEEP_SECONDS)
    for entry in list(store.list(PREFIX)):
        if entry.last_modified < limit:
            store.delete(entry.key)


def _store(kind: str, filename: str, data: bytes) -> str:
    _forget_old_files()
    token = secrets.token_urlsafe(24)
    storage().put(PREFIX + token, data, "text/csv")
    entries = dict(session.get(SESSION_KEY) or {})
    # Only the latest few uploads of this session stay usable.
    for old in list(entries)[:-4]:
        entries.pop(old, None)
    entries[token] = {"kind": kind, "name": filename, "sha256": hashlib.sha256(data).hexdigest()}
    session[SESSION_KEY] = entries
    return token


def _stored(kind: str, token: str) -> tuple[str, bytes] | None:
    """(file name, bytes) of this session's upload, or None if unknown, expired, of another kind or altered."""
    entry = (session.get(SESSION_KEY) or {}).get(token) if _TOKEN.match(token or "") else None
    if not isinstance(entry, dict) or entry.get("kind") != kind:
        return None
    try:
        data = storage().get(PREFIX + token)
    except (OSError, ValueError):
        return None
    if not secrets.compare_digest(hashlib.sha256(data).hexdigest(), str(entry.get("sha256"))):
        return None
    return str(entry.get("name") or ""), data


def _discard(token: str) -> None:
    entries = dict(session.get(SESSION_KEY) or {})
    entries.pop(token, None)
    session[SESSION_KEY] = entries
    with contextlib.suppress(OSError, ValueError):
        storage().delete(PREFIX + token)


def _upload_page(kind: str, form: FlaskForm, status: int = 200):
    module, files = _module(kind), _files_of(kind)
    return render_template(
        "imports/upload.html",
        kind=kind,
        form=form,
        columns=None if files else module.COLUMNS,
        required=None if files else module.REQUIRED,
        files=files,
        max_mb=MAX_BYTES // 2**20,
        max_rows=f"{MAX_ROWS:,}",
    ), status


@bp.route("/")
@editor_required
def index():
    return render_template("imports/index.html")


@bp.route("/<kind>/sample.csv")
@editor_required
def sample(kind: str):
    if kind not in SAMPLES:
        abort(404)
    path = Path(current_app.root_path).parent / "docs" / SAMPLES[kind]
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=SAMPLES[kind], max_age=0)


@bp.route("/<kind>", methods=["GET", "POST"])
@editor_required
def upload(kind: str):
    module, files = _module(kind), _files_of(kind)
    form = UPLOAD_FORMS.get(kind, UploadForm)()
    fields = list(files) if files else ["file"]
    if form.validate_on_submit():
        try:
            chosen = {}
            for name in fields:
                upload = form[name].data
                if upload and hasattr(upload, "read") and (upload.filename or "").strip():
                    chosen[name] = (
                        Path(upload.filename.replace("\\", "/")).name[:120],
                        upload.stream.read(MAX_BYTES + 1),
                    )
            if not chosen:
                raise DomainError(_("Choose a CSV file to upload."), field=fields[0])
            if files:
                filename, data = " + ".join(name for name, _data in chosen.values()), bundle(chosen)
            else:
                filename, data = chosen["file"]
            if not module.check_file(data):  # a file that cannot be read is refused here, on the form
                raise DomainError(_("The file has no rows to import."), field=fields[0])
        except DomainError as exc:
            target = form[exc.field] if exc.field in fields else form[fields[0]]
            target.errors = [*target.errors, exc.message]
        else:
            token = _store(kind, filename, data)
            return redirect(url_for("imports.preview", kind=kind, token=token))
    return _upload_page(kind, form, 422 if form.errors else 200)


def _expired(kind: str):
    flash(_("That upload is no longer available; upload the file again."), "error")
    return redirect(url_for("imports.upload", kind=kind))


@bp.route("/<kind>/<token>")
@editor_required
def preview(kind: str, token: str):
    module = _module(kind)
    stored = _stored(kind, token)
    if stored is None:
        return _expired(kind)
    filename, data = stored
    try:
        report = module.preview(data, actor=current_user)
    except FileRefused as exc:  # a file that was readable at upload always is; kept for safety
        flash(exc.message, "error")
        return redirect(url_for("imports.upload", kind=kind))
    return render_template(
        "imports/preview.html", kind=kind, token=token, filename=filename, report=report, form=EmptyForm()
    )


@bp.route("/<kind>/<token>", methods=["POST"])
@editor_required
def apply(kind: str, token: str):
    module = _module(kind)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    stored = _stored(kind, token)
    if stored is None:
        return _expired(kind)
    filename, data = stored
    with attempt(flash_error=False) as done:
        report = module.apply(data, actor=current_user, filename=filename)
    if done:
        _discard(token)
        return render_template("imports/result.html", kind=kind, filename=filename, report=report)
    error = done.error
    flash(error.message, "error")
    if isinstance(error, ImportHasErrors):
        # The record changed since the preview: show the rows as they stand now, nothing saved.
        return render_template(
            "imports/preview.html", kind=kind, token=token, filename=filename, report=error.preview, form=form
        ), 422
    return redirect(url_for("imports.upload", kind=kind))
