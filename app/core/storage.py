"""Where uploaded files live (issue 16): a local directory (the default) or S3-compatible object storage, behind
one small interface, so that every app server reads the same files.

Keys are the random stored names of app.core.uploads (and ``imports/<token>`` for the CSV import's scratch
files). Chosen by ``STORAGE_BACKEND`` ("local" or "s3"); ``storage()`` returns the one for the current app,
registered as ``app.extensions["dais.storage"]`` and rebuilt when the settings it was built from change (tests
point ``UPLOAD_DIR`` elsewhere after the app exists).

Files follow the database transaction (issue 16, "nothing lost"): an upload is written with
``put_in_transaction`` and removed again if its transaction (or the SAVEPOINT it was written in) rolls back; a
file a change lets go of (a replaced logo or photo) goes through ``delete_after_commit`` and is removed only once
the transaction commits, so a rolled-back change keeps it. Stored names are random, never derived from the
content: a file written in a transaction is that transaction's alone, so removing it on rollback can never take
a file another row names. Only a process that dies between the write and the rollback leaves an orphan, which
``flask storage gc`` removes once older than an hour (``collect_garbage``).
"""

import contextlib
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Protocol

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db

EXTENSION_KEY = "dais.storage"
SETTINGS_KEY = "dais.storage.settings"  # what the registered storage was built from
BACKENDS = ("local", "s3")
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
#: A key is one or more path segments of letters, digits, "_", "-" and "." (never "." or ".." alone).
_KEY = re.compile(r"^(?!.*(?:^|/)\.{1,2}(?:/|$))[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$")


log = logging.getLogger(__name__)


class StorageError(RuntimeError):
    """The storage is misconfigured or unreachable."""


class RangeNotSatisfiable(Exception):
    """The byte range asked for lies outside the file (``size``: the file's length, when known)."""

    def __init__(self, size: int | None = None):
        super().__init__(size)
        self.size = size


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    last_modified: datetime  # aware, UTC


@dataclass
class OpenedObject:
    """A stored file opened for reading: a binary stream (close it) and what a response needs to know."""

    stream: IO[bytes]
    size: int
    last_modified: datetime
    etag: str | None = None
    path: Path | None = None  # the file itself, for a local backend (sent as a file, with ranges and an etag)
    #: (start, stop) when ``stream`` holds only those bytes of the file (stop exclusive; ``size`` is the whole).
    part: tuple[int, int] | None = None


def check_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY.match(key) or len(key) > 500:
        raise ValueError(f"not a storage key: {key!r}")
    return key


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes:
        """The file's bytes; FileNotFoundError when there is none."""
        ...

    def open(self, key: str, byte_range: tuple[int, int | None] | None = None) -> OpenedObject:
        """The file as a stream; FileNotFoundError when there is none. ``byte_range`` is one HTTP byte range as
        werkzeug parses it ((start, stop) with stop exclusive or None; (-n, None) for the last n bytes): a backend
        may answer with only those bytes (``part``; RangeNotSatisfiable when it lies outside the file) or ignore
        it and give the whole file."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file; nothing happens when there is none."""
        ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[StoredObject]: ...


class LocalStorage:
    """Files in a directory (``UPLOAD_DIR``), outside the web root. Good for one app server, or several that
    share the directory (NFS)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        partial.replace(path)  # readers never see half a file

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def open(self, key: str, byte_range: tuple[int, int | None] | None = None) -> OpenedObject:
        # The whole file, with its path: send_file answers ranges and conditional requests from the file.
        path = self._path(key)
        stream = path.open("rb")
        stat = os.fstat(stream.fileno())
        return OpenedObject(stream, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC), path=path)

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            key = path.relative_to(self.root).as_posix()
            if not key.startswith(prefix):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # removed meanwhile
            yield StoredObject(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))


class S3Storage:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage...), under an optional key prefix.
    Credentials are the given ones, or else boto3's usual chain (environment, instance role)."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        prefix: str = "",
    ):
        import boto3
        from botocore.config import Config as BotoConfig

        if not bucket:
            raise StorageError("STORAGE_BACKEND is s3 but S3_BUCKET is not set.")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=BotoConfig(
                s3={"addressing_style": "path"} if endpoint_url else {},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    @staticmethod
    def _missing(exc) -> bool:
        error = getattr(exc, "response", {}).get("Error", {})
        return str(error.get("Code")) in {"NoSuchKey", "404", "NotFound"}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)

    def open(self, key: str, byte_range: tuple[int, int | None] | None = None) -> OpenedObject:
        from botocore.exceptions import ClientError

        options = {}
        if byte_range is not None:
            start, stop = byte_range
            options["Range"] = f"bytes={start}" if start < 0 else f"bytes={start}-{'' if stop is None else stop - 1}"
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key), **options)
        except ClientError as exc:
            if self._missing(exc):
                raise FileNotFoundError(key) from None
            if str(exc.response.get("Error", {}).get("Code")) in {"InvalidRange", "416"}:
                raise RangeNotSatisfiable(self._size(key)) from None
            raise
        etag = str(answer.get("ETag") or "").strip('"') or None
        size, part = int(answer["ContentLength"]), None
        found = _CONTENT_RANGE.match(str(answer.get("ContentRange") or ""))
        if found:  # only the bytes asked for: "bytes 0-99/1234"
            part, size = (int(found[1]), int(found[2]) + 1), int(found[3])
        return OpenedObject(answer["Body"], size, answer["LastModified"], etag=etag, part=part)

    def _size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"])
        except ClientError:
            return None

    def get(self, key: str) -> bytes:
        opened = self.open(key)
        try:
            return opened.stream.read()
        finally:
            opened.stream.close()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            for entry in page.get("Contents", []):
                yield StoredObject(entry["Key"][len(self.prefix) :], int(entry["Size"]), entry["LastModified"])


def _settings(config) -> tuple:
    backend = str(config.get("STORAGE_BACKEND") or "local").strip().lower()
    if backend == "local":
        return (backend, str(config["UPLOAD_DIR"]))
    return (
        backend,
        config.get("S3_BUCKET") or "",
        config.get("S3_ENDPOINT_URL") or "",
        config.get("S3_REGION") or "",
        config.get("S3_ACCESS_KEY_ID") or "",
        config.get("S3_SECRET_ACCESS_KEY") or "",
        config.get("S3_PREFIX") or "",
    )


def build_storage(config) -> Storage:
    settings = _settings(config)
    backend = settings[0]
    if backend == "local":
        return LocalStorage(settings[1])
    if backend == "s3":
        _, bucket, endpoint_url, region, key_id, secret, prefix = settings
        return S3Storage(
            bucket,
            endpoint_url=endpoint_url,
            region=region,
            access_key_id=key_id,
            secret_access_key=secret,
            prefix=prefix,
        )
    raise StorageError(f"STORAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}.")


def init_app(app: Flask) -> None:
    """Build the configured storage now, so that a wrong setting stops the app at start."""
    app.extensions[EXTENSION_KEY] = build_storage(app.config)
    app.extensions[SETTINGS_KEY] = _settings(app.config)


def storage() -> Storage:
    """The current app's storage."""
    app = current_app._get_current_object()
    settings = _settings(app.config)
    if EXTENSION_KEY not in app.extensions or app.extensions.get(SETTINGS_KEY) != settings:
        app.extensions[EXTENSION_KEY] = build_storage(app.config)
        app.extensions[SETTINGS_KEY] = settings
    return app.extensions[EXTENSION_KEY]


def collect_garbage(
    store: Storage,
    referenced: Iterable[str],
    *,
    older_than: timedelta,
    now: datetime | None = None,
    dry_run: bool = False,
) -> list[StoredObject]:
    """Delete every top-level file that no row names and that is older than ``older_than``; return them
    (``dry_run``: only return them).

    Keys under a folder (``imports/``) are another feature's scratch, with their own expiry: never touched. A
    file younger than the threshold may belong to a transaction still running, so it stays."""
    keep = set(referenced)
    limit = (now or datetime.now(UTC)) - older_than
    removed = []
    for entry in list(store.list()):
        if "/" in entry.key or entry.key in keep or entry.last_modified > limit:
            continue
        if not dry_run:
            store.delete(entry.key)
        removed.append(entry)
    return removed


# --- Files and the database transaction --------------------------------------------------------------------------
#
# Each file written or let go of is noted in ``session.info`` with the transaction it happened in: the innermost
# SAVEPOINT, else the session's transaction. A rollback of that transaction, or of one around it, removes the
# files written in it and forgets the ones let go of; the commit of the session's transaction removes the files
# let go of and forgets the rest. A released SAVEPOINT hands its notes to the transaction around it (the notes
# keep the SAVEPOINT, whose parents lead there).

PENDING_KEY = "dais.storage.pending"


@dataclass(eq=False)
class _Pending:
    transaction: SessionTransaction
    store: Storage
    key: str
    written: bool  # True: written here, removed on rollback; False: let go of here, removed on commit


def put_in_transaction(key: str, data: bytes, content_type: str) -> None:
    """Write a file that the current database transaction will refer to; it is removed again if the transaction
    (or the SAVEPOINT it is written in) rolls back. The key must be new (a random name)."""
    store = storage()
    _note(store, key, written=True)  # first: a write that fails half-way is removed with the rollback too
    store.put(key, data, content_type)


def delete_after_commit(key: str | None) -> None:
    """The current transaction no longer refers to the stored file ``key`` (a logo or photo replaced or removed):
    remove it once the transaction commits, keep it if the transaction rolls back. Every removal of a file a row
    named goes through here."""
    if key:
        _note(storage(), key, written=False)


def _note(store: Storage, key: str, *, written: bool) -> None:
    check_key(key)
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(PENDING_KEY, []).append(_Pending(transaction, store, key, written))


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def _settle(session: Session, ended: SessionTransaction | None, *, committed: bool) -> None:
    """Settle the notes made in ``ended`` (None: all of them) now that it committed or rolled back."""
    pending = session.info.get(PENDING_KEY)
    if not pending:
        return
    settled = [note for note in pending if ended is None or _inside(note.transaction, ended)]
    session.info[PENDING_KEY] = [note for note in pending if note not in settled]
    for note in settled:
        if note.written != committed:
            try:
                note.store.delete(note.key)
            except Exception:  # the database has spoken; an unremoved file is an orphan for `flask storage gc`
                log.warning("Could not remove stored file %s; `flask storage gc` will", note.key, exc_info=True)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.get_nested_transaction() is None:  # the session's transaction, not a SAVEPOINT released
        _settle(session, None, committed=True)


@event.listens_for(Session, "after_soft_rollback")
def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    _settle(session, previous_transaction, committed=False)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # ended without a commit (rolled back, or the session closed): a rollback
        _settle(session, None, committed=False)
