"""Notice rules (R2): how long before a meeting its notice must be published, by kind of meeting."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _

from app.bodies.models import BodyRules
from app.core.timeutil import utcnow
from app.meetings.models import Meeting, MeetingKind


@dataclass
class NoticeCheck:
    level: str  # "ok", "warn" or "block"
    message: str
    lead: timedelta


def lead_hours(lead: timedelta) -> str:
    hours = lead.total_seconds() / 3600
    return f"{hours:.1f}".rstrip("0").rstrip(".")


def check_notice(meeting: Meeting, *, at: datetime | None = None) -> NoticeCheck:
    """The meeting's notice, measured from its first publication (or from ``at``/now before it has one)."""
    return notice_check(
        meeting.kind, meeting.rules, meeting.start_at, published=meeting.first_published_at or at or utcnow()
    )


def notice_check(kind: MeetingKind, body: BodyRules, start_at: datetime, *, published: datetime) -> NoticeCheck:
    """Lead time from publication to the start, checked against the body's rules (``body``: a BodyRules).

    Both ends are instants in UTC, so a day that has 23 or 25 hours because of daylight saving is
    measured as exactly that: "24 hours' notice" means 24 real hours.
    """
    lead = start_at - published
    hours = lead_hours(lead)
    if lead <= timedelta(0):
        return NoticeCheck("block", _("The meeting starts before the notice would be published."), lead)
    if kind == MeetingKind.emergency:
        return NoticeCheck(
            "ok",
            _(
                "Emergency meeting: allowed at any lead time with a written justification (%(hours)s hours' notice).",
                hours=hours,
            ),
            lead,
        )
    if kind == MeetingKind.special:
        if lead < timedelta(hours=body.notice_special_block_hours):
            return NoticeCheck(
                "block",
                _(
                    "Only %(hours)s hours' notice: a special meeting needs at least %(min)d hours.",
                    hours=hours,
                    min=body.notice_special_block_hours,
                ),
                lead,
            )
        if lead < timedelta(hours=body.notice_special_warn_hours):
            return NoticeCheck(
                "warn",
                _(
                    "Only %(hours)s hours' notice: %(pref)d hours or more is recommended for a special meeting.",
                    hours=hours,
                    pref=body.notice_special_warn_hours,
                ),
                lead,
            )
        return NoticeCheck("ok", _("%(hours)s hours' notice.", hours=hours), lead)
    if lead < timedelta(hours=body.notice_regular_warn_hours):
        return NoticeCheck(
            "warn",
            _(
                "Only %(hours)s hours' notice: at least %(days)d days is recommended.",
                hours=hours,
                days=body.notice_regular_warn_hours // 24,
            ),
            lead,
        )
    return NoticeCheck("ok", _("%(hours)s hours' notice.", hours=hours), lead)
