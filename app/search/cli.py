"""``flask search rebuild``: make the whole index again from the record (after a restore or an upgrade).
``flask search extract-texts``: read the text of documents uploaded before their text was extracted on upload."""

import time

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.legislation.models import AgreementDocument
from app.meetings.models import Attachment
from app.meetings.texts import READERS, stored_text
from app.search.index import rebuild

search_cli = AppGroup("search", help="The search index.")


@search_cli.command("rebuild")
def rebuild_command():
    """Empty the search index and index every public record again, in one transaction."""
    started = time.monotonic()
    count = rebuild(db.session, echo=click.echo)
    db.session.commit()
    click.echo(f"Indexed {count} documents in {time.monotonic() - started:.1f} s.")


@search_cli.command("extract-texts")
def extract_texts_command():
    """Extract the text of agenda and agreement documents that have none yet; each is reindexed as it changes."""
    found = read = 0
    for model in (Attachment, AgreementDocument):
        ids = db.session.scalars(
            select(model.id).where(model.text_content.is_(None), model.content_type.in_(list(READERS)))
        ).all()
        for document_id in ids:
            document = db.session.get(model, document_id)
            found += 1
            text = stored_text(document)
            if text:
                document.text_content = text
                read += 1
            db.session.commit()  # one document at a time: a long run keeps what it has done
    click.echo(f"Read the text of {read} of {found} documents without one.")
