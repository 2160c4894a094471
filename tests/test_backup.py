"""Issue 16, nothing lost: `flask backup` writes one consistent archive of the database and the stored files;
`flask restore` brings it back into an empty instance only, after checking every file against the manifest.

Every test runs on the suite's database (SQLite or PostgreSQL, DAIS_TEST_DB) and commits for real: SQLite's backup
API and pg_dump read the database through connections of their own."""

import io
import json
import tarfile
import threading
import time

import pytest
from sqlalchemy import func, inspect, select, text

from app.core import audit
from app.core.audit import AuditEntry
from app.core.backup import DATABASE_MEMBER, MANIFEST
from app.core.storage import LocalStorage, storage
from app.extensions import db as _db
from app.legislation import digest
from app.meetings import documents, lifecycle
from app.meetings.models import Meeting
from tests.conftest import make_app
from tests.dbutil import BACKEND, fresh_database
from tests.meetings_helpers import PDF
from tests.votes_helpers import adopt_six_to_one, hold_comment, items, roll_call, start

pytestmark = pytest.mark.commits(reason="SQLite's backup API and pg_dump read the database on connections of their own")

SCRATCH = b"name,seat\nAda,1\n"


@pytest.fixture
def record(commission, open_meeting, clock, db):
    """An adjourned meeting (digest pinned) whose resolution passed 6 to 1, with a staff report attached to it, and a
    CSV import's scratch file in the storage. Returns (meeting, attachment)."""
    body, members = commission
    meeting = open_meeting(body)
    item = items(meeting)[1]
    attachment = documents.add_attachment(
        item, filename="staff-report.pdf", stream=io.BytesIO(PDF), amendment_reason="Report arrived", actor=None
    )
    db.session.commit()
    start(meeting, clock, db)
    roll_call(meeting, members)
    hold_comment(item)
    adopt_six_to_one(meeting, item, members)
    lifecycle.adjourn_meeting(meeting, actor=None, confirm_open_items=True)  # items left open: confirmed
    db.session.commit()
    storage().put("imports/0123abcd", SCRATCH, "text/csv")
    return meeting, attachment


@pytest.fixture
def empty_instance(tmp_path):
    """A second instance: a new database with no tables at all, and an empty upload folder."""
    with fresh_database(BACKEND, tmp_path) as url:
        other = make_app(url, UPLOAD_DIR=str(tmp_path / "restored-uploads"), MAIL_OUTBOX_DIR=str(tmp_path / "out"))
        try:
            yield other
        finally:
            with other.app_context():
                _db.engine.dispose()


def flask(app, *args):
    """Run a command against ``app`` (the CLI runs in the app context already pushed, if any: push this app's)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=[str(a) for a in args])


def backup(app, path):
    result = flask(app, "backup", "--output", path)
    assert result.exit_code == 0, result.output
    return path


def manifest_of(path):
    with tarfile.open(path) as archive:
        return json.loads(archive.extractfile(MANIFEST).read())


def head(db):
    return db.session.scalar(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))


def counts(db):
    tables = set(inspect(db.session.connection()).get_table_names())
    found = {
        t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables
        if t.name in tables
    }  # fmt: skip
    db.session.rollback()
    return found


def test_a_backup_restored_into_an_empty_instance_verifies_with_the_same_record(
    app, db, record, tmp_path, empty_instance
):
    meeting, attachment = record
    meeting_id, key, sha256 = meeting.id, attachment.stored_name, attachment.sha256
    before = flask(app, "verify")
    assert before.exit_code == 0 and "1 meetings match" in before.output, before.output
    rows_before, head_before, pinned = counts(db), head(db), digest.pinned_digest(meeting_id)

    archive = backup(app, tmp_path / "city.tar")
    manifest = manifest_of(archive)
    assert manifest["format_version"] == 1 and manifest["created_at"].endswith("Z")
    assert manifest["database"]["dialect"] == db.engine.dialect.name
    assert manifest["database"]["member"] == DATABASE_MEMBER[db.engine.dialect.name]
    assert manifest["database"]["rows"]["meetings"] == 1 and manifest["database"]["rows"]["votes"] == 7
    assert manifest["audit"] == {"entries": rows_before["audit_entries"], "head_hash": head_before}
    files = {f["key"]: f for f in manifest["files"]}
    assert set(files) == {key, "imports/0123abcd"}
    assert files[key]["sha256"] == sha256
    assert files[key]["size"] == len(PDF)
    assert (archive.stat().st_mode & 0o777) == 0o600  # it holds password hashes

    restored = flask(empty_instance, "restore", archive)
    assert restored.exit_code == 0, restored.output
    assert "files: 2 written" in restored.output and f"chain head {head_before}" in restored.output

    after = flask(empty_instance, "verify")
    assert after.exit_code == 0, after.output
    assert after.output == before.output  # the same numbers of entries and meetings
    with empty_instance.app_context():
        assert counts(_db) == rows_before
        assert head(_db) == head_before
        assert digest.pinned_digest(meeting_id) == pinned == digest.current_digest(_db.session.get(Meeting, meeting_id))
        assert storage().get(key) == PDF
        assert storage().get("imports/0123abcd") == SCRATCH


def test_restore_refuses_an_instance_that_holds_records(app, db, record, tmp_path):
    archive = backup(app, tmp_path / "city.tar")
    rows = counts(db)
    refused = flask(app, "restore", archive)
    assert refused.exit_code == 1
    assert "Refusing to restore: this instance's database already holds records" in refused.output
    assert "meetings: 1" in refused.output and "votes: 7" in refused.output
    assert counts(db) == rows
    assert "No such option" in flask(app, "restore", "--force", archive).output  # there is no way round it


def _rewrite(path, out, *, manifest=None, member=None, data=None, extra=None):
    """A copy of the archive at ``out`` with the manifest, or one member's bytes, replaced (or a member added)."""
    with tarfile.open(path) as source, tarfile.open(out, "w") as target:
        for info in source.getmembers():
            content = source.extractfile(info).read()
            if info.name == MANIFEST and manifest is not None:
                content = json.dumps(manifest).encode()
            if info.name == member:
                content = data
            info.size = len(content)
            target.addfile(info, io.BytesIO(content))
        if extra:
            info = tarfile.TarInfo(extra)
            info.size = 1
            target.addfile(info, io.BytesIO(b"x"))
    return out


@pytest.mark.parametrize(
    "change", ["file bytes", "database bytes", "unlisted member", "path outside", "dialect", "newer migration"]
)
def test_a_damaged_or_foreign_archive_is_refused_and_nothing_is_restored(
    app, db, record, tmp_path, empty_instance, change
):
    key, sha256 = record[1].stored_name, record[1].sha256
    archive = backup(app, tmp_path / "city.tar")
    manifest = manifest_of(archive)
    name = f"files/{key}"
    if change == "file bytes":
        bad = _rewrite(archive, tmp_path / "bad.tar", member=name, data=PDF.replace(b"1.4", b"1.5"))
        expected = f"{name} in the archive does not match its manifest (recorded SHA-256 {sha256}"
    elif change == "database bytes":
        member = manifest["database"]["member"]
        with tarfile.open(archive) as source:
            dump = bytearray(source.extractfile(member).read())
        dump[-1] ^= 0xFF
        bad = _rewrite(archive, tmp_path / "bad.tar", member=member, data=bytes(dump))
        expected = f"{member} in the archive does not match its manifest"
    elif change == "unlisted member":
        bad = _rewrite(archive, tmp_path / "bad.tar", extra="files/slipped-in")
        expected = "The archive holds files/slipped-in, which its manifest does not list"
    elif change == "path outside":  # the manifest never chooses where anything is written
        manifest["database"]["member"] = "../../database.sqlite3"
        manifest["files"][0]["key"] = "../escape"
        bad = _rewrite(archive, tmp_path / "bad.tar", manifest=manifest)
        expected = "The manifest is incomplete or malformed (unexpected database member '../../database.sqlite3')"
    elif change == "dialect":
        other = "postgresql" if manifest["database"]["dialect"] == "sqlite" else "sqlite"
        manifest["database"]["dialect"] = other
        bad = _rewrite(archive, tmp_path / "bad.tar", manifest=manifest)
        expected = f"This backup is of a {other} database"
    else:
        manifest["database"]["alembic_revision"] = "ffffffffffff"
        bad = _rewrite(archive, tmp_path / "bad.tar", manifest=manifest)
        expected = "at migration ffffffffffff, which this version of Dais does not know"
    refused = flask(empty_instance, "restore", bad)
    assert refused.exit_code == 1
    assert expected in refused.output
    with empty_instance.app_context():
        assert not any(counts(_db).values())
        assert list(storage().list()) == []  # not even the files that did match


def test_restore_refuses_a_storage_holding_another_file_under_the_same_name(app, record, tmp_path, empty_instance):
    key = record[1].stored_name
    archive = backup(app, tmp_path / "city.tar")
    with empty_instance.app_context():
        storage().put(key, b"something else", "application/pdf")
    refused = flask(empty_instance, "restore", archive)
    assert refused.exit_code == 1
    assert f"the storage already holds a different file under {key}" in refused.output
    with empty_instance.app_context():
        assert not any(counts(_db).values())


@pytest.mark.timeout(120)
def test_a_backup_taken_while_the_app_writes_holds_one_consistent_state(
    app, db, record, tmp_path, empty_instance, monkeypatch
):
    """Another thread commits audit entries all through the backup; while the files are copied (after the database
    snapshot) it is made to commit at least three more. The archive holds one state: restored, the chain verifies
    and ends exactly at the manifest's head, and the later entries are not in it."""
    written, errors, stop = [], [], threading.Event()

    def write():
        try:
            with app.app_context():
                while not stop.is_set():
                    audit.record("test.write", None, f"write {len(written)}", target_type="Test", actor_label="cli")
                    _db.session.commit()
                    written.append(1)
        except Exception as exc:  # noqa: BLE001 (asserted on below)
            errors.append(exc)

    def wait_for(count):
        deadline = time.monotonic() + 30
        while len(written) < count and not errors and time.monotonic() < deadline:
            time.sleep(0.002)

    real_open = LocalStorage.open

    def open_while_the_app_writes(self, key):
        wait_for(len(written) + 3)
        return real_open(self, key)

    monkeypatch.setattr(LocalStorage, "open", open_while_the_app_writes)
    writer = threading.Thread(target=write)
    writer.start()
    try:
        wait_for(3)
        archive = backup(app, tmp_path / "busy.tar")
    finally:
        stop.set()
        writer.join(timeout=60)
    assert errors == []
    manifest = manifest_of(archive)
    total = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert manifest["audit"]["entries"] <= total - 6  # two files: at least six entries committed after the snapshot

    restored = flask(empty_instance, "restore", archive)
    assert restored.exit_code == 0, restored.output
    verified = flask(empty_instance, "verify")
    assert verified.exit_code == 0, verified.output
    assert f"OK: {manifest['audit']['entries']} audit entries chain correctly" in verified.output
    with empty_instance.app_context():
        assert head(_db) == manifest["audit"]["head_hash"]


def test_a_migrated_database_comes_back_at_its_migration_with_its_search(tmp_path):
    """Production databases are made by the migrations (the suite's by create_all): the alembic revision and the
    objects made by hand in a migration (resolution search) come back too."""
    from flask_migrate import upgrade

    with fresh_database(BACKEND, tmp_path) as source_url:
        source = make_app(source_url, UPLOAD_DIR=str(tmp_path / "up-source"))
        with source.app_context():
            upgrade()
            head_revision = _db.session.scalar(text("SELECT version_num FROM alembic_version"))
            _db.session.rollback()
        archive = backup(source, tmp_path / "migrated.tar")
        assert manifest_of(archive)["database"]["alembic_revision"] == head_revision
        with fresh_database(BACKEND, tmp_path) as target_url:
            target = make_app(target_url, UPLOAD_DIR=str(tmp_path / "up-target"))
            restored = flask(target, "restore", archive)
            assert restored.exit_code == 0, restored.output
            assert "flask db upgrade" not in restored.output  # already at this version's head
            with target.app_context():
                assert _db.session.scalar(text("SELECT version_num FROM alembic_version")) == head_revision
                if BACKEND == "sqlite":
                    search = "SELECT count(*) FROM sqlite_master WHERE name = 'search_fts'"
                else:
                    search = "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_search_documents_tsv'"
                assert _db.session.scalar(text(search)) == 1
                _db.session.rollback()
                _db.engine.dispose()
        with source.app_context():
            _db.engine.dispose()


def test_backup_names_pg_dump_when_it_is_missing(app, db, tmp_path, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite needs no outside tool")
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    result = flask(app, "backup", "--output", tmp_path / "x.tar")
    assert result.exit_code == 1
    assert "pg_dump was not found on the PATH" in result.output
    assert not (tmp_path / "x.tar").exists()


def _s3(app, endpoint):
    import uuid

    from tests.storage_backends import BUCKET

    app.config.update(
        STORAGE_BACKEND="s3",
        S3_BUCKET=BUCKET,
        S3_ENDPOINT_URL=endpoint,
        S3_REGION="us-east-1",
        S3_ACCESS_KEY_ID="testing",
        S3_SECRET_ACCESS_KEY="testing",
        S3_PREFIX=f"t-{uuid.uuid4().hex}/",
    )


@pytest.fixture
def on_s3(app, s3_endpoint):
    _s3(app, s3_endpoint)


def test_files_in_s3_are_backed_up_and_restored_into_another_bucket_prefix(
    app,
    on_s3,
    db,
    record,
    tmp_path,
    empty_instance,
    s3_endpoint,
):
    key = record[1].stored_name
    archive = backup(app, tmp_path / "s3.tar")
    assert {f["key"] for f in manifest_of(archive)["files"]} == {key, "imports/0123abcd"}
    _s3(empty_instance, s3_endpoint)
    restored = flask(empty_instance, "restore", archive)
    assert restored.exit_code == 0, restored.output
    with empty_instance.app_context():
        assert storage().get(key) == PDF
        assert storage().get("imports/0123abcd") == SCRATCH
