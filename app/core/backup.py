"""Backups (issue 16, nothing lost): one archive holding a consistent snapshot of the database and every stored file.

The archive is a plain tar (``tar tf`` lists it, any tar extracts it):

- ``database.sqlite3`` (SQLite: a copy made with SQLite's online-backup API) or ``database.pgdump``
  (PostgreSQL: ``pg_dump --format=custom``);
- ``files/<key>``, every file of the storage (``app.core.storage``: local directory or S3);
- ``manifest.json``, written last: format version, the time (UTC), the database's dialect, alembic revision,
  row count per table and audit chain head, and each file's key, size and SHA-256.

Consistency while the app runs. The database is copied first, as one snapshot: SQLite's backup API copies every
page in one step inside one read transaction (in WAL mode writers go on meanwhile and are not in the copy);
PostgreSQL's pg_dump runs in a REPEATABLE READ snapshot exported by a transaction of our own, and the manifest's
counts and chain head are read in that same snapshot (for SQLite, from the copy). The files are copied after:
every file a row in the snapshot names was written before that row's commit, so it is in the archive. A file
written meanwhile may be in it too, named by no row (``flask storage gc`` removes such orphans).

Restoring goes into an empty instance only (no row in any of the app's tables): it never merges and never
overwrites a record. Every file is checked against its SHA-256 before anything is written; the files go into the
storage first, then the database (SQLite: the backup API into the configured file; PostgreSQL: pg_restore), and
the restored database is compared with the manifest's counts and chain head. ``flask verify`` then checks the
record itself. The manifest is a checksum list, not a signature: the audit chain and the pinned digests are what
prove the record.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.pool import NullPool

from app.core.audit import AuditEntry, iso_utc
from app.core.storage import check_key, storage
from app.extensions import db

FORMAT = "dais-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES = "files/"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
#: How long pg_dump and pg_restore may run.
TOOL_TIMEOUT_SECONDS = 3600
_CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass
class RestoreResult:
    manifest: dict
    files_written: int = 0
    files_already_there: int = 0
    notes: list[str] = field(default_factory=list)


def default_filename(now: datetime | None = None) -> str:
    return f"dais-backup-{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}.tar"


# --- what a database holds -------------------------------------------------------------------------------------


def describe_database(connection: Connection) -> dict:
    """The app's tables with their row counts, the alembic revision and the audit chain's head, as this
    connection sees them (inside a snapshot, that snapshot)."""
    existing = set(inspect(connection).get_table_names())
    rows = {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
        if table.name in existing
    }
    revision = None
    if "alembic_version" in existing:
        versions = sorted(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        revision = ",".join(versions) or None
    head = None
    if AuditEntry.__tablename__ in existing:
        entries = AuditEntry.__table__
        head = connection.execute(select(entries.c.entry_hash).order_by(entries.c.id.desc()).limit(1)).scalar()
    return {
        "alembic_revision": revision,
        "rows": dict(sorted(rows.items())),
        "audit": {"entries": rows.get(AuditEntry.__tablename__, 0), "head_hash": head or ""},
    }


def rows_held() -> dict[str, int]:
    """The app's tables that hold rows in the configured database (empty: an empty instance)."""
    try:
        return {name: count for name, count in describe_database(db.session.connection())["rows"].items() if count}
    finally:
        db.session.rollback()


# --- backup ----------------------------------------------------------------------------------------------------


def create_backup(output: str | os.PathLike) -> dict:
    """Write the archive to ``output`` (refused if it exists) and return its manifest."""
    output = Path(output)
    if output.exists():
        raise BackupError(f"{output} already exists; choose another --output.")
    if not output.parent.is_dir():
        raise BackupError(f"The folder {output.parent} does not exist.")
    dialect = db.engine.dialect.name
    if dialect not in DATABASE_MEMBER:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {dialect}.")
    partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
    with tempfile.TemporaryDirectory(prefix="dais-backup-") as scratch:
        dump = Path(scratch) / DATABASE_MEMBER[dialect]
        described = _snapshot_sqlite(dump) if dialect == "sqlite" else _snapshot_postgresql(dump)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": iso_utc(datetime.now(UTC)),
            "database": {
                "dialect": dialect,
                "member": dump.name,
                "size": dump.stat().st_size,
                "sha256": _sha256_file(dump),
                "alembic_revision": described["alembic_revision"],
                "rows": described["rows"],
            },
            "audit": described["audit"],
            "files": [],
        }
        # Owner-only: the archive holds password hashes and residents' contact details.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with (
                os.fdopen(descriptor, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
            ):
                tar.add(dump, arcname=dump.name, recursive=False, filter=_plain)
                manifest["files"] = _add_files(tar)
                data = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
                _add_bytes(tar, MANIFEST, data)
            partial.replace(output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = _plain(tarfile.TarInfo(name))
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


class _HashingReader:
    def __init__(self, stream):
        self.stream = stream
        self.hash = hashlib.sha256()
        self.size = 0

    def read(self, size=-1):
        chunk = self.stream.read(size)
        self.hash.update(chunk)
        self.size += len(chunk)
        return chunk


def _add_files(tar: tarfile.TarFile) -> list[dict]:
    store = storage()
    listed = []
    for stored in sorted(store.list(), key=lambda entry: entry.key):
        try:
            opened = store.open(stored.key)
        except FileNotFoundError:
            continue  # removed since it was listed (gc, an expired import): nothing to keep
        try:
            info = _plain(tarfile.TarInfo(FILES + stored.key))
            info.size = opened.size
            info.mtime = int(opened.last_modified.timestamp())
            reader = _HashingReader(opened.stream)
            tar.addfile(info, reader)
        finally:
            opened.stream.close()
        listed.append({"key": stored.key, "size": reader.size, "sha256": reader.hash.hexdigest()})
    return listed


def _snapshot_sqlite(dump: Path) -> dict:
    """Copy the database with SQLite's online-backup API: every page in one step, inside one read transaction, so
    the copy is one consistent state while the app goes on writing."""
    source_path = _sqlite_path()
    if not Path(source_path).is_file():
        raise BackupError(f"The SQLite database {source_path} does not exist.")
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(dump)
    try:
        source.backup(target, pages=-1)
    finally:
        target.close()
        source.close()
    engine = create_engine(URL.create("sqlite", database=str(dump)), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return describe_database(connection)
    finally:
        engine.dispose()


def _snapshot_postgresql(dump: Path) -> dict:
    """pg_dump inside a snapshot exported by a REPEATABLE READ transaction of our own, in which the manifest's
    counts and chain head are read too: what the manifest says is exactly what the dump holds."""
    pg_dump = _tool("pg_dump")
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with connection.begin():
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            described = describe_database(connection)
            url, env = _libpq(db.engine.url)
            _run(
                [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={dump}", url],
                env,
                "pg_dump",
            )
    return described


# --- restore ---------------------------------------------------------------------------------------------------


def _open_archive(path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r:")  # noqa: SIM115 - the caller closes it (with)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"Cannot read {path} as a tar archive: {exc}") from None


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
        manifest = json.loads(archive.extractfile(member).read().decode("utf-8"))
    except (KeyError, AttributeError, ValueError) as exc:
        raise BackupError(f"This is not a Dais backup: no readable {MANIFEST} ({exc}).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError("This is not a Dais backup: its manifest names another format.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"This backup has format version {manifest.get('format_version')}; this version of Dais reads "
            f"version {FORMAT_VERSION}."
        )
    return manifest


def check_archive(path: str | os.PathLike) -> dict:
    """Open the archive, read its manifest and check every member against its size and SHA-256. Returns the manifest;
    raises BackupError naming the first member that does not hold."""
    with _open_archive(path) as archive:
        manifest = read_manifest(archive)
        members = {member.name: member for member in archive.getmembers()}
        try:
            database = manifest["database"]
            # The one name a dump may have: the manifest never chooses a path that is written to.
            if database["member"] not in DATABASE_MEMBER.values():
                raise ValueError(f"unexpected database member {database['member']!r}")
            expected = {database["member"]: database}
            for entry in manifest["files"]:
                check_key(entry["key"])
                expected[FILES + entry["key"]] = entry
            for name, entry in expected.items():
                if not isinstance(entry.get("size"), int) or not isinstance(entry.get("sha256"), str):
                    raise ValueError(f"no size and SHA-256 for {name}")
            if not isinstance(manifest.get("audit"), dict) or not isinstance(database.get("rows"), dict):
                raise ValueError("no audit chain head or row counts")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BackupError(f"The manifest is incomplete or malformed ({exc}). Nothing was restored.") from None
        unexpected = sorted(set(members) - set(expected) - {MANIFEST})
        if unexpected:
            raise BackupError(f"The archive holds {unexpected[0]}, which its manifest does not list.")
        for name, entry in expected.items():
            member = members.get(name)
            if member is None or not member.isfile():
                raise BackupError(f"The archive lacks {name}, which its manifest lists. Nothing was restored.")
            digest = hashlib.sha256()
            stream = archive.extractfile(member)
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
            if member.size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                raise BackupError(
                    f"{name} in the archive does not match its manifest (recorded SHA-256 {entry['sha256']}, "
                    f"{entry['size']} bytes; the archive holds {digest.hexdigest()}, {member.size} bytes): the archive "
                    "was damaged or altered. Nothing was restored."
                )
    return manifest


def restore_backup(path: str | os.PathLike) -> RestoreResult:
    """Bring an archive back into this instance, which must be empty; see the module docstring for the order."""
    manifest = check_archive(path)
    database = manifest["database"]
    dialect = db.engine.dialect.name
    if database["dialect"] != dialect:
        raise BackupError(
            f"This backup is of a {database['dialect']} database and this instance uses {dialect}: restore it into "
            f"a {database['dialect']} database."
        )
    result = RestoreResult(manifest)
    _check_revision(database.get("alembic_revision"), result)
    held = rows_held()
    if held:
        listed = ", ".join(f"{name}: {count}" for name, count in sorted(held.items()))
        raise BackupError(
            "Refusing to restore: this instance's database already holds records "
            f"({listed}). A backup is restored only into an empty instance, never over or beside a record. Point "
            "DATABASE_URL at a new, empty database (and the storage at an empty place), then run the restore again."
        )
    store = storage()
    with _open_archive(path) as archive:
        # Files before the database, as the app writes them: a failure leaves orphans, never a row without its file.
        pending = []
        for entry in manifest["files"]:
            if store.exists(entry["key"]):
                if hashlib.sha256(store.get(entry["key"])).hexdigest() != entry["sha256"]:
                    raise BackupError(
                        f"Refusing to restore: the storage already holds a different file under {entry['key']}. "
                        "Restore into an empty storage. Nothing was restored."
                    )
                result.files_already_there += 1
            else:
                pending.append(entry)
        for entry in pending:
            data = archive.extractfile(FILES + entry["key"]).read()
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:  # the archive changed since it was checked
                raise BackupError(f"{FILES + entry['key']} changed while it was being restored.")
            # The app serves each file with the content type its row records; the storage's own is not used.
            store.put(entry["key"], data, "application/octet-stream")
            result.files_written += 1
        with tempfile.TemporaryDirectory(prefix="dais-restore-") as scratch:
            dump = Path(scratch) / database["member"]
            with archive.extractfile(database["member"]) as source, dump.open("wb") as target:
                shutil.copyfileobj(source, target, _CHUNK)
            db.session.remove()
            db.engine.dispose()  # no pooled connection may hold a lock or a stale page cache over the restore
            if dialect == "sqlite":
                _restore_sqlite(dump)
            else:
                _restore_postgresql(dump)
            db.engine.dispose()
    with db.engine.connect() as connection:
        restored = describe_database(connection)
    if restored["rows"] != database["rows"] or restored["audit"] != manifest["audit"]:
        raise BackupError(
            "The restored database does not hold what the manifest says (row counts or audit chain head differ): "
            "do not use this instance; run `flask verify` to see what is wrong."
        )
    return result


def _check_revision(revision: str | None, result: RestoreResult) -> None:
    """A database from a newer Dais (a migration this code does not know) is refused; an older one is restored and
    needs ``flask db upgrade``."""
    migrate = current_app.extensions.get("migrate")
    if not revision or migrate is None:
        return
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    scripts = ScriptDirectory(migrate.directory)
    for part in revision.split(","):
        try:
            scripts.get_revision(part)
        except CommandError:
            raise BackupError(
                f"This backup's database is at migration {part}, which this version of Dais does not know: restore "
                "it with the version of Dais that made it (or a later one)."
            ) from None
    if set(revision.split(",")) != set(scripts.get_heads()):
        result.notes.append(
            f"The restored database is at migration {revision}; run `flask db upgrade` to bring it to this version."
        )


def _restore_sqlite(dump: Path) -> None:
    target_path = _sqlite_path()
    source = sqlite3.connect(dump)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target, pages=-1)
    finally:
        target.close()
        source.close()


def _restore_postgresql(dump: Path) -> None:
    pg_restore = _tool("pg_restore")
    url, env = _libpq(db.engine.url)
    _run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",  # roles of the old server need not exist on this one
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={url}",
            str(dump),
        ],
        env,
        "pg_restore",
    )


# --- helpers ---------------------------------------------------------------------------------------------------


def _sqlite_path() -> str:
    path = db.engine.url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupError("The database is an in-memory SQLite database: there is no file to back up or restore.")
    return path


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on the PATH. Install the PostgreSQL client tools of the server's major version "
            "(Debian and Ubuntu: apt-get install postgresql-client)."
        )
    return found


def _libpq(url: URL) -> tuple[str, dict]:
    """The database URL as libpq reads it, and an environment carrying its password (never on the command line,
    where other users of the machine could read it)."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(command: list[str], env: dict, name: str) -> None:
    try:
        done = subprocess.run(  # noqa: S603 - a fixed tool found with shutil.which, arguments as a list
            command, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{name} did not finish within {TOOL_TIMEOUT_SECONDS} seconds.") from None
    if done.returncode != 0:
        raise BackupError(f"{name} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
