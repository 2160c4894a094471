"""Where uploaded files live (issue 16): a local directory (the default) or S3-compatible object storage, behind
one small interface, so that every app server reads the same files.

Keys are the random stored names of app.core.uploads (and ``imports/<token>`` for the CSV import's scratch
files). Chosen by ``STORAGE_BACKEND`` ("local" or "s3"); ``storage()`` returns the one for the current app,
registered as ``app.extensions["dais.storage"]`` and rebuilt when the settings it was built from change (tests
point ``UPLOAD_DIR`` elsewhere after the app exists).

A file is written before the database commit; one whose transaction failed is an orphan that
``flask storage gc`` removes once older than an hour (``collect_garbage``).
"""

import contextlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Protocol

from flask import Flask, current_app

EXTENSION_KEY = "dais.storage"
SETTINGS_KEY = "dais.storage.settings"  # what the registered storage was built from
BACKENDS = ("local", "s3")
#: A key is one or more path segments of letters, digits, "_", "-" and "." (never "." or ".." alone).
_KEY = re.compile(r"^(?!.*(?:^|/)\.{1,2}(?:/|$))[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$")


class StorageError(RuntimeError):
    """The storage is misconfigured or unreachable."""


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


def check_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY.match(key) or len(key) > 500:
        raise ValueError(f"not a storage key: {key!r}")
    return key


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes:
        """The file's bytes; FileNotFoundError when there is none."""
        ...

    def open(self, key: str) -> OpenedObject:
        """The file as a stream; FileNotFoundError when there is none."""
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

    def open(self, key: str) -> OpenedObject:
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

    def open(self, key: str) -> OpenedObject:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if self._missing(exc):
                raise FileNotFoundError(key) from None
            raise
        etag = str(answer.get("ETag") or "").strip('"') or None
        return OpenedObject(answer["Body"], int(answer["ContentLength"]), answer["LastModified"], etag=etag)

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
