"""Residents' contact details seen by staff: every display is on the record (issue 22, "who saw whose").

A page that shows speakers' or writers' email, phone, city, interpreter or accommodation needs to a member of the
clerk's office calls ``record_contact_view`` with the rows it shows; one audit entry names the viewer (the
entry's actor) and the ids of the requests and comments whose details were on the page. Rows without any contact
detail are left out; a page showing none writes nothing.
"""

from app.core import audit
from app.extensions import db


def _has_contact(row) -> bool:
    return any(getattr(row, name, None) for name in ("email", "phone", "city", "interpreter_language", "accommodation"))


def record_contact_view(target, *, speakers=(), written=(), page: str, actor) -> None:
    speaker_ids = sorted({row.id for row in speakers if _has_contact(row)})
    written_ids = sorted({row.id for row in written if _has_contact(row)})
    if not speaker_ids and not written_ids:
        return
    audit.record(
        "contacts.view",
        target,
        f"Contact details of {len(speaker_ids)} speaker(s) and {len(written_ids)} writer(s) shown on {page}",
        actor=actor,
        data={"page": page, "speaker_requests": speaker_ids, "written_comments": written_ids},
    )
    db.session.flush()
