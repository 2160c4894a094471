"""The public change log of a meeting (R3), told in the reader's language.

Each change stores its kind and the facts of the event in ``data`` ("event" names what happened to an agenda
item); the sentence is written at display time, so Spanish readers get Spanish. ``summary`` keeps the English
sentence written when it happened and is what older entries without those facts show.
"""

from datetime import datetime

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.web import local_datetime
from app.meetings.models import MeetingChange, MeetingChangeKind

K = MeetingChangeKind

#: Names of the agenda item fields an amendment can change (keys of services._item_snapshot).
FIELD_LABELS = {
    "label": _l("number"),
    "section": _l("section"),
    "title": _l("title"),
    "body_md": _l("text"),
    "item_type": _l("type"),
    "fiscal_impact": _l("fiscal impact"),
    "public_comment_required": _l("public comment"),
    "comment_exemption": _l("reason for no public comment"),
    "sponsor_ids": _l("sponsors"),
    "file_number": _l("file number"),
    "agreement_category": _l("agreement category"),
}


def _when(iso: str) -> str:
    return local_datetime(datetime.fromisoformat(iso), "d MMM y, h:mm a")


def _item_event(event: str, d: dict) -> str | None:
    label, title = d.get("label"), d.get("title")
    if event == "item_added":
        return _("Item %(label)s “%(title)s” added", label=label, title=title)
    if event == "item_changed":
        fields = ", ".join(str(FIELD_LABELS.get(f, f)) for f in d.get("fields", []))
        return _("Item %(label)s “%(title)s” changed: %(fields)s", label=label, title=title, fields=fields)
    if event == "item_moved":
        return _("Item %(label)s “%(title)s” moved to %(new)s", label=label, title=title, new=d.get("new_label"))
    if event == "item_moved_section":
        return _(
            "Item %(label)s “%(title)s” moved to the section “%(section)s” as %(new)s",
            label=label,
            title=title,
            section=d.get("section"),
            new=d.get("new_label"),
        )
    if event == "item_withdrawn":
        return _("Item %(label)s “%(title)s” withdrawn", label=label, title=title)
    if event == "document_attached":
        return _("Document “%(filename)s” attached to item %(label)s", filename=d.get("filename"), label=label)
    return None


def describe(change: MeetingChange) -> str:
    """One sentence for the public change log."""
    d = change.data or {}
    if change.kind == K.published:
        if "lead_hours" in d:
            hours = round(float(d["lead_hours"]), 1)
            # Plural rules take whole numbers: only exactly one hour is singular ("1.5 hours", "0.5 hours").
            return ngettext(
                "Notice published %(hours)s hour before the start",
                "Notice published %(hours)s hours before the start",
                1 if hours == 1 else 2,
                hours=format_decimal(hours, "#,##0.#"),
            )
        return _("Notice published")
    if change.kind == K.rescheduled and "from" in d and "to" in d:
        return _("Rescheduled from %(before)s to %(after)s", before=_when(d["from"]), after=_when(d["to"]))
    if change.kind == K.relocated and "before" in d:
        return _("Place changed from “%(before)s” to “%(after)s”", before=d["before"], after=d.get("after"))
    if change.kind == K.cancelled:
        return _("Meeting cancelled")
    if change.kind == K.agenda_published:
        if "items" in d:
            return ngettext("Agenda published with %(num)d item", "Agenda published with %(num)d items", d["items"])
        return _("Agenda published")
    if change.kind == K.called_early and "called_at" in d:
        return _(
            "Called to order at %(called)s, before the time in the notice (%(noticed)s)",
            called=_when(d["called_at"]),
            noticed=_when(d["noticed_at"]),
        )
    if change.kind == K.outside_purpose and "label" in d:
        return _(
            "Item %(label)s “%(title)s” added outside the purpose stated in the call",
            label=d["label"],
            title=d.get("title"),
        )
    return _item_event(d.get("event", ""), d) or change.summary
