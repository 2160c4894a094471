"""Command-line tools: flask setup, flask create-user, flask seed-demo, flask verify."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.auth import services as auth_services
from app.auth.models import Role, User
from app.bodies.models import Body
from app.city.services import city_name
from app.city.setup import SETUP_TOKEN_HOURS, issue_setup_token
from app.core.audit import verify_chain
from app.core.errors import DomainError
from app.extensions import db
from app.legislation.accessibility import documents_command
from app.legislation.digest import count_unpinned, pin_missing_digests, verify_digests
from app.search.cli import search_cli


@click.command("create-user")
@click.option("--email", prompt=True, help="Sign-in address (stored lower-case).")
@click.option("--name", "display_name", prompt="Display name", help="Name shown in the app and the audit log.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.admin.value, show_default=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="DAIS_NEW_USER_PASSWORD",
    help="Asked for when not given; may also come from DAIS_NEW_USER_PASSWORD.",
)
def create_user_command(email, display_name, role, password):
    """Create a user (use it for the first administrator)."""
    try:
        user = auth_services.create_user(
            email=email, display_name=display_name, password=password, role=Role(role), actor=None
        )
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}.")


# The seed-demo guard: a profile without DEMO_ALLOWED (production, wsgi.py's default) refuses the demo, whose
# accounts share a published password; --force loads it there anyway, but only into an empty database.
REFUSED_IN_PRODUCTION = (
    "Refusing to load the demo city on a production configuration (DAIS_CONFIG=production, the default): "
    "it creates staff accounts (an administrator, a clerk, two commissioners) whose password is published "
    "in the README and the source code. For a demo, run it with DAIS_CONFIG=development (what `make run` uses). "
    "To load it on this configuration anyway, into an empty database only, pass --force."
)
REFUSED_WITH_DATA = (
    "Refusing to load the demo city with --force: the database already holds {bodies} bodies and {users} users. "
    "On a production configuration --force only loads the demo into an empty database (no bodies, no users), "
    "so accounts with the published demo password never sit beside real ones. "
    "Point DATABASE_URL at a new, empty database and run `flask db upgrade` first."
)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds bodies or users.")
@click.option(
    "--force",
    is_flag=True,
    help="On a production configuration, load the demo anyway, but only into an empty database (no bodies, no users).",
)
def seed_demo_command(if_empty, force):
    """Load the demo city's sample data (idempotent: running it twice changes nothing).

    Refused on a production configuration: the demo's accounts share a published password.
    """
    from app.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo

    allowed = current_app.config.get("DEMO_ALLOWED", False)
    if not allowed and not force:
        raise click.ClickException(REFUSED_IN_PRODUCTION)
    bodies = db.session.scalar(select(func.count(Body.id)))
    users = db.session.scalar(select(func.count(User.id)))
    if not allowed and (bodies or users):
        raise click.ClickException(REFUSED_WITH_DATA.format(bodies=bodies, users=users))
    if if_empty and (bodies or users):
        click.echo("The database already holds data; the demo city was not loaded.")
    else:
        created = seed_demo()
        db.session.commit()
        click.echo(f"Demo city ready ({created} new records).")
    emails = set(db.session.scalars(select(User.email)).all())
    shown = [(email, role) for email, role, _ in DEMO_LOGINS if email in emails]
    if shown:
        click.echo("")
        click.echo(f"Demo logins for {city_name('en')} (password for each: {DEMO_PASSWORD}):")
        for email, role in shown:
            click.echo(f"  {role:<13} {email}")
    if shown and not allowed:
        click.echo("")
        click.echo(
            "Warning: this is a production configuration and these accounts share the published demo password. "
            "Deactivate them or change their passwords before anyone else can reach this site."
        )


SETUP_DONE = (
    "This instance already has users, so it is set up: sign in, or ask an administrator for an account "
    "(`flask create-user` adds one from the command line)."
)


@click.command("setup")
@click.option("--if-needed", is_flag=True, help="Print nothing (and change nothing) when any user exists.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Host the link points at.")
@click.option("--port", default="5000", show_default=True, help="Port the link points at.")
@click.option("--base-url", default="", help="The site's public address instead, e.g. https://meetings.city.example")
def setup_command(if_needed, host, port, base_url):
    """Print a one-time link that creates the first administrator (first run, on a database without users).

    The link works once, for 24 hours; running the command again replaces it."""
    if db.session.scalar(select(User.id).limit(1)) is not None:
        if if_needed:
            return
        raise click.ClickException(SETUP_DONE)
    token = issue_setup_token()
    db.session.commit()
    base = base_url.rstrip("/") if base_url else f"http://{host}:{port}"
    click.echo("")
    click.echo("Dais has no users yet. Open this link to create the first administrator:")
    click.echo("")
    click.echo(f"    {base}/setup/{token}")
    click.echo("")
    click.echo(
        f"It works once and expires in {SETUP_TOKEN_HOURS} hours; `flask setup` prints a new one (the old one "
        "stops working). Keep it private: whoever opens it first becomes the administrator."
    )
    click.echo("")


@click.command("verify")
@click.option(
    "--pin-missing",
    is_flag=True,
    help="When everything matches, pin a digest for each adjourned meeting that has none (adjourned before digests "
    "were kept, or imported); each audit entry says it was pinned later, by this command.",
)
def verify_command(pin_missing):
    """Check the record: walk the audit log's hash chain, then each meeting's pinned record digest.

    Names the first entry that does not hold and exits 1; exits 0 when everything matches."""
    entries, broken = verify_chain(db.session)
    if broken is None:
        meetings, broken = verify_digests()
    db.session.rollback()
    if broken is not None:
        click.echo(f"MISMATCH: {broken}", err=True)
        raise SystemExit(1)
    if pin_missing:  # only onto a record that verifies: never pin a tampered one
        pinned = pin_missing_digests(actor_label="cli")
        db.session.commit()
        for entry in pinned:
            click.echo(f"Pinned the record digest of meeting {entry.target_id} later (audit entry {entry.id}).")
        entries, meetings = entries + len(pinned), meetings + len(pinned)
    click.echo(f"OK: {entries} audit entries chain correctly; {meetings} meetings match their recorded digests.")
    unpinned = count_unpinned()
    db.session.rollback()
    if unpinned:
        click.echo(
            f"Note: {unpinned} adjourned meeting(s) have no pinned record digest (adjourned before digests were kept, "
            "or imported), so nothing proves their record yet; `flask verify --pin-missing` pins it as it stands now."
        )


@click.command("worker")
@click.option("--burst", is_flag=True, help="Deliver what is queued now, then stop (a cron job, or a test).")
@with_appcontext
def worker_command(burst):
    """Run background jobs (mail delivery) from the RQ queue on REDIS_URL. Run one or more, on any machine.

    At start, and every JOBS_TICK_SECONDS, it also looks for mail that is due: retries whose time has come and
    messages a worker that died had claimed, so a restarted worker resumes where the dead one stopped."""

    from app.core import jobs

    try:
        jobs.run_worker(current_app._get_current_object(), burst=burst)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("roles")
def roles_command():
    """Print the role matrix (who may do what) as the Markdown table docs/security.md holds."""
    from app.auth.permissions import markdown

    click.echo(markdown())


def register_cli(app):
    from app.subscriptions.retention import retention_command

    app.cli.add_command(retention_command)
    app.cli.add_command(roles_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(setup_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(verify_command)
    app.cli.add_command(documents_command)  # flask documents check (R14)
    app.cli.add_command(search_cli)


# --- flask storage gc (issue 16): uploaded files that no row names ---------------------------------------------


@click.group("storage")
def storage_command():
    """Uploaded files (the storage set by STORAGE_BACKEND)."""


def referenced_stored_names() -> set[str]:
    """Every stored name a row refers to: any column named ``stored_name`` or ``*_stored_name`` in any table
    (attachments, agreement documents, the city logo, member photos, Form 8B memoranda, and any added later)."""
    names: set[str] = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.name == "stored_name" or column.name.endswith("_stored_name"):
                names.update(v for v in db.session.scalars(select(column).where(column.is_not(None))) if v)
    return names


@storage_command.command("gc")
@click.option(
    "--older-than",
    type=click.IntRange(min=0),
    default=3600,
    show_default=True,
    help="Seconds: a younger file may belong to an upload whose transaction is still running.",
)
@click.option("--dry-run", is_flag=True, help="Print what would be removed, remove nothing.")
def storage_gc_command(older_than, dry_run):
    """Remove stored files that no record refers to (left by a process that died mid-upload, or by a removal
    that failed after its commit)."""
    from datetime import timedelta

    from app.core.storage import collect_garbage, storage

    store = storage()
    referenced = referenced_stored_names()
    removed = collect_garbage(store, referenced, older_than=timedelta(seconds=older_than), dry_run=dry_run)
    verb = "Would remove" if dry_run else "Removed"
    for entry in removed:
        click.echo(f"{verb} {entry.key} ({entry.size} bytes, written {entry.last_modified:%Y-%m-%d %H:%M:%S} UTC)")
    click.echo(f"{verb} {len(removed)} unreferenced file(s); {len(referenced)} referenced.")


def register_storage_cli(app):
    app.cli.add_command(storage_command)


# --- flask backup / flask restore (issue 16, nothing lost): the logic is app/core/backup.py ---------------------


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="The archive to write (a .tar); default: dais-backup-<UTC time>.tar in the current folder.",
)
def backup_command(output):
    """Write one consistent snapshot of the instance (database and every stored file) into a tar archive."""
    from app.core import backup

    path = output or backup.default_filename()
    try:
        manifest = backup.create_backup(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    files = manifest["files"]
    click.echo(
        f"Wrote {path}: the {manifest['database']['dialect']} database "
        f"({sum(manifest['database']['rows'].values())} rows, {manifest['audit']['entries']} audit entries, "
        f"chain head {manifest['audit']['head_hash'] or '-'}) and {len(files)} stored file(s) "
        f"({sum(f['size'] for f in files)} bytes)."
    )
    click.echo("It holds password hashes and residents' contact details: keep it as safe as the database.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def restore_command(path):
    """Restore a `flask backup` archive into this instance, which must be empty (no records, no different files).

    Every file is checked against the archive's manifest first; nothing is written if one does not match."""
    from app.core import backup

    try:
        result = backup.restore_backup(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = result.manifest
    rows = manifest["database"]["rows"]
    click.echo(f"Restored {path} (made {manifest['created_at']}):")
    click.echo(
        f"  database: {manifest['database']['dialect']}, {sum(rows.values())} rows in {len(rows)} tables "
        f"(meetings: {rows.get('meetings', 0)}, users: {rows.get('users', 0)}), "
        f"migration {manifest['database']['alembic_revision'] or 'not recorded'}"
    )
    chain = manifest["audit"]
    click.echo(f"  audit log: {chain['entries']} entries, chain head {chain['head_hash'] or '-'}")
    click.echo(
        f"  files: {result.files_written} written, {result.files_already_there} already there with the same bytes"
    )
    for note in result.notes:
        click.echo(f"Note: {note}")
    click.echo("Run `flask verify` to check the restored record.")


def register_backup_cli(app):
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
