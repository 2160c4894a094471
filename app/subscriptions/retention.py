"""The scheduled removal of residents' contact details (issue 22): speakers, writers and old mail through
``app.public_comment.retention``, and subscribers who left, here (this layer sees both)."""

import time
from datetime import datetime

import click
from flask import current_app
from sqlalchemy import update

from app.core import audit, jobs
from app.core.timeutil import utcnow
from app.extensions import db
from app.legislation.accessibility import AccessibleCopyRequest
from app.public_comment.retention import cutoff, purge_residents, retention_months
from app.subscriptions.models import Subscription

_last_run = {"at": 0.0}


def purge(now: datetime | None = None, *, actor_label: str = "retention") -> dict[str, int]:
    """Clear every contact detail whose time has come; one audit entry when anything was cleared."""
    before = cutoff(now or utcnow())
    counts = purge_residents(before)
    counts["subscribers"] = db.session.execute(
        update(Subscription)
        .where(Subscription.unsubscribed_at < before, Subscription.email != "")
        .values(email="")
        .execution_options(synchronize_session=False)
    ).rowcount
    # Requests for an accessible copy: not a public record at all; cleared once answered that long ago.
    counts["accessible_copy_requests"] = db.session.execute(
        update(AccessibleCopyRequest)
        .where(AccessibleCopyRequest.answered_at < before, AccessibleCopyRequest.email != "")
        .values(email="", name="", needs="")
        .execution_options(synchronize_session=False)
    ).rowcount
    if any(counts.values()):
        audit.record(
            "contacts.purge",
            None,
            f"Residents' contact details older than {retention_months()} months cleared: "
            + ", ".join(f"{n} {kind}" for kind, n in counts.items()),
            target_type="retention",
            actor_label=actor_label,
            data={**counts, "cutoff": before.isoformat(), "months": retention_months()},
        )
    db.session.flush()
    return counts


@jobs.on_tick
def tick() -> None:
    """At most once per RETENTION_CHECK_SECONDS in each worker: purge, committed on its own."""
    if time.monotonic() - _last_run["at"] < current_app.config["RETENTION_CHECK_SECONDS"]:
        return
    _last_run["at"] = time.monotonic()
    purge()
    db.session.commit()


@click.group("retention")
def retention_command():
    """Residents' contact details: removed on schedule (CONTACT_RETENTION_MONTHS or the city's choice)."""


@retention_command.command("purge")
def purge_command():
    """Clear now the contact details whose retention period has ended."""
    counts = purge(actor_label="cli")
    db.session.commit()
    click.echo(", ".join(f"{kind}: {n}" for kind, n in counts.items()))
