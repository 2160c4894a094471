"""``flask search rebuild``: make the whole index again from the record (after a restore or an upgrade)."""

import time

import click
from flask.cli import AppGroup

from app.extensions import db
from app.search.index import rebuild

search_cli = AppGroup("search", help="The search index.")


@search_cli.command("rebuild")
def rebuild_command():
    """Empty the search index and index every public record again, in one transaction."""
    started = time.monotonic()
    count = rebuild(db.session, echo=click.echo)
    db.session.commit()
    click.echo(f"Indexed {count} documents in {time.monotonic() - started:.1f} s.")
