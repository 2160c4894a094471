"""A body's regular schedule: its rules, the dates they give (holidays skipped or moved), and making those
meetings as drafts in one go through the ordinary scheduling service (every rule of scheduling and notice
applies: the clerk still publishes each notice in time, R2)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.bodies.models import Body
from app.bodies.services import lock_body
from app.city.holidays import holidays_between
from app.core import audit
from app.core.errors import DomainError
from app.core.text import clean_text
from app.core.timeutil import NonexistentLocalTime, local_to_utc, to_local, utcnow
from app.extensions import db
from app.meetings import agenda_template
from app.meetings.models import Meeting, MeetingKind, MeetingStatus
from app.meetings.notice import notice_check
from app.meetings.schedule_models import HolidayPolicy, MeetingSchedule, ScheduleRepeat

#: The most meetings one run may plan or create; more is refused with a message, never attempted.
MAX_MEETINGS = 100
MAX_RULES = 10
#: How far ahead "the next N meetings" looks for dates.
HORIZON_DAYS = 3 * 366


@dataclass
class RuleInput:
    repeat: ScheduleRepeat
    weekday: int
    ordinals: list[int]
    interval: int
    starts_on: date
    ends_on: date | None
    start_time: time
    kind: MeetingKind
    title: str
    location: str
    holiday_policy: HolidayPolicy


def rules_of(body: Body) -> list[MeetingSchedule]:
    return list(
        db.session.scalars(
            select(MeetingSchedule).where(MeetingSchedule.body_id == body.id).order_by(MeetingSchedule.id)
        )
    )


def _check_rule(rule: RuleInput) -> RuleInput:
    rule.title, rule.location = clean_text(rule.title or ""), clean_text(rule.location or "")
    if not isinstance(rule.weekday, int) or not 0 <= rule.weekday <= 6:
        raise DomainError(_("Choose a day of the week."), field="weekday")
    if rule.repeat == ScheduleRepeat.monthly:
        ordinals = sorted(set(rule.ordinals or []), key=lambda n: (n < 0, n))
        if not ordinals or any(n not in (1, 2, 3, 4, 5, -1) for n in ordinals):
            raise DomainError(_("Tick at least one week of the month."), field="ordinals")
        rule.ordinals, rule.interval = ordinals, 1
    else:
        if not isinstance(rule.interval, int) or not 1 <= rule.interval <= 8:
            raise DomainError(_("Meet every 1 to 8 weeks."), field="interval")
        rule.ordinals = []
        if rule.starts_on.weekday() != rule.weekday:
            raise DomainError(_("The first meeting must fall on the chosen day of the week."), field="starts_on")
    if rule.ends_on is not None and rule.ends_on < rule.starts_on:
        raise DomainError(_("The last day must not be before the first."), field="ends_on")
    if not rule.title:
        raise DomainError(_("Enter a title."), field="title")
    if len(rule.title) > 200:
        raise DomainError(_("Use at most %(n)s characters.", n=200), field="title")
    if not rule.location:
        raise DomainError(_("Enter the place: the chamber's address or how the public can attend."), field="location")
    if len(rule.location) > 300:
        raise DomainError(_("Use at most %(n)s characters.", n=300), field="location")
    if rule.kind in (MeetingKind.special, MeetingKind.emergency):
        raise DomainError(_("A regular schedule gives regular meetings or workshops."), field="kind")
    return rule


def _rule_data(s: MeetingSchedule) -> dict:
    return {
        "repeat": s.repeat.value,
        "weekday": s.weekday,
        "ordinals": list(s.ordinals or []),
        "interval": s.interval,
        "starts_on": s.starts_on.isoformat(),
        "ends_on": s.ends_on.isoformat() if s.ends_on else None,
        "start_time": s.start_time.strftime("%H:%M"),
        "kind": s.kind.value,
        "title": s.title,
        "location": s.location,
        "holiday_policy": s.holiday_policy.value,
    }


def add_rule(body: Body, rule: RuleInput, *, actor) -> MeetingSchedule:
    rule = _check_rule(rule)
    if len(rules_of(body)) >= MAX_RULES:
        raise DomainError(_("A body's schedule holds at most %(n)s rules.", n=MAX_RULES))
    row = MeetingSchedule(body_id=body.id, body=body, created_at=utcnow(), **rule.__dict__)
    db.session.add(row)
    db.session.flush()
    audit.record(
        "schedule.add_rule",
        row,
        f"Added a rule to the regular schedule of {body.name}: {describe(row)}",
        actor=actor,
        data={"after": _rule_data(row)},
    )
    return row


def remove_rule(row: MeetingSchedule, *, actor) -> None:
    """Meetings already made from the rule stay; only future planning changes."""
    audit.record(
        "schedule.remove_rule",
        row,
        f"Removed a rule from the regular schedule of {row.body.name}: {describe(row)}",
        actor=actor,
        data={"before": _rule_data(row)},
    )
    db.session.delete(row)
    db.session.flush()


def describe(s: MeetingSchedule) -> str:
    """Record text (audit summaries), in English like the other record text."""
    day = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][s.weekday]
    at = s.start_time.strftime("%H:%M")
    if s.repeat == ScheduleRepeat.monthly:
        words = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
        return f"{' and '.join(words[n] for n in s.ordinals)} {day} of each month at {at}, {s.location}"
    every = "every" if s.interval == 1 else f"every {s.interval} weeks on"
    return f"{every} {day} from {s.starts_on.isoformat()} at {at}, {s.location}"


def occurrences(s: MeetingSchedule, start: date, end: date) -> list[date]:
    """The rule's days from ``start`` to ``end`` inclusive (dateutil's rrule; no date arithmetic by hand)."""
    first = max(start, s.starts_on)
    last = min(end, s.ends_on) if s.ends_on else end
    if first > last:
        return []
    if s.repeat == ScheduleRepeat.monthly:
        days = weekday(s.weekday)
        rule = rrule(
            MONTHLY,
            dtstart=datetime.combine(first, time()),
            until=datetime.combine(last, time()),
            byweekday=[days(n) for n in s.ordinals],
        )
    else:
        # Counted from the rule's first day, so "every other week" keeps its rhythm whatever the window.
        rule = rrule(
            WEEKLY,
            interval=s.interval,
            dtstart=datetime.combine(s.starts_on, time()),
            until=datetime.combine(last, time()),
            byweekday=s.weekday,
        )
    return [d.date() for d in rule if d.date() >= first]


class PlanStatus:
    new = "new"
    moved = "moved"
    exists = "exists"
    skipped = "skipped"


@dataclass
class PlannedMeeting:
    """One date the schedule gives: to create (new or moved), already held by a meeting, or skipped."""

    on: date
    rule: MeetingSchedule
    status: str
    start_at: datetime | None = None
    #: The rule's own day when a holiday moved the meeting.
    scheduled_on: date | None = None
    reason: str = ""
    existing: Meeting | None = field(default=None, repr=False)
    #: R2: when the notice should be published at the latest (the body's lead time for the kind), and a
    #: warning when that moment has already passed.
    notice_by: datetime | None = None
    notice_warning: str = ""

    @property
    def creates(self) -> bool:
        return self.status in (PlanStatus.new, PlanStatus.moved)


MODE_NEXT, MODE_YEAR = "next", "year"
MODES = [(MODE_NEXT, _l("The next meetings")), (MODE_YEAR, _l("The meetings of a year"))]


def _window(mode: str, count, year, start: date) -> tuple[date, date, int | None]:
    if mode == MODE_YEAR:
        if not isinstance(year, int) or not start.year <= year <= start.year + 5:
            raise DomainError(
                _("Choose a year from %(first)s to %(last)s.", first=start.year, last=start.year + 5), field="year"
            )
        return max(date(year, 1, 1), start), date(year, 12, 31), None
    if not isinstance(count, int) or count < 1:
        raise DomainError(_("Enter how many meetings, 1 or more."), field="count")
    if count > MAX_MEETINGS:
        raise DomainError(
            _("At most %(n)s meetings at a time: plan the rest in a second run.", n=MAX_MEETINGS), field="count"
        )
    return start, start + timedelta(days=HORIZON_DAYS), count


def _next_business_day(day: date, holidays: dict[date, str]) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


def plan(body: Body, *, mode: str = MODE_NEXT, count=None, year=None) -> list[PlannedMeeting]:
    """What the schedule gives, starting tomorrow: the preview, and exactly what ``create_planned`` makes.

    A fixed number of queries: the rules, the holidays and the body's meetings in the window."""
    start = to_local(utcnow()).date() + timedelta(days=1)
    first, last, count = _window(mode, count, year, start)
    rules = rules_of(body)
    if not rules:
        raise DomainError(_("Add a rule to the schedule first."))
    holidays = holidays_between(first, last + timedelta(days=14))
    meetings = db.session.scalars(
        select(Meeting).where(
            Meeting.body_id == body.id,
            Meeting.start_at >= local_to_utc(datetime.combine(first - timedelta(days=1), time())),
            Meeting.start_at < local_to_utc(datetime.combine(last + timedelta(days=16), time())),
        )
    ).all()
    held = {}
    for m in sorted(meetings, key=lambda m: m.status == MeetingStatus.cancelled):
        held.setdefault(to_local(m.start_at).date(), m)
    rows: list[PlannedMeeting] = []
    for rule in rules:
        for day in occurrences(rule, first, last):
            rows.append(_plan_day(body, rule, day, holidays))
    rows.sort(key=lambda r: (r.on, r.rule.start_time, r.rule.id))
    taken: set[date] = set()
    result: list[PlannedMeeting] = []
    for row in rows:
        if row.status != PlanStatus.skipped:
            if row.on in held:
                row.status, row.existing = PlanStatus.exists, held[row.on]
                row.reason = _(
                    "A meeting of this body is already on this day: %(title)s (%(status)s).",
                    title=row.existing.title,
                    status=row.existing.status.label,
                )
            elif row.on in taken:
                row.status, row.reason = PlanStatus.skipped, _("Another rule of the schedule already gives this day.")
            taken.add(row.on)
        result.append(row)
        if count is not None and sum(1 for r in result if r.status != PlanStatus.skipped) >= count:
            break
    if count is None and sum(1 for r in result if r.creates) > MAX_MEETINGS:
        raise DomainError(
            _("At most %(n)s meetings at a time: plan the rest in a second run.", n=MAX_MEETINGS), field="year"
        )
    return result


def _plan_day(body: Body, rule: MeetingSchedule, day: date, holidays: dict[date, str]) -> PlannedMeeting:
    row = PlannedMeeting(on=day, rule=rule, status=PlanStatus.new)
    if day in holidays:
        if rule.holiday_policy == HolidayPolicy.skip:
            row.status, row.reason = PlanStatus.skipped, _("Holiday: %(name)s.", name=holidays[day])
            return row
        row.on, row.scheduled_on, row.status = _next_business_day(day, holidays), day, PlanStatus.moved
        row.reason = _("Moved from %(day)s, a holiday: %(name)s.", day=day.isoformat(), name=holidays[day])
    if body.retired_on is not None and row.on >= body.retired_on:
        row.status, row.reason = (
            PlanStatus.skipped,
            _("The body is retired from %(day)s.", day=body.retired_on.isoformat()),
        )
        return row
    try:
        row.start_at = local_to_utc(datetime.combine(row.on, rule.start_time))
    except NonexistentLocalTime:
        row.status, row.reason = PlanStatus.skipped, _("This time does not exist on the day clocks go forward.")
        return row
    rules = body.rules_on(row.on)
    row.notice_by = row.start_at - timedelta(hours=rules.notice_regular_warn_hours)
    check = notice_check(rule.kind, rules, row.start_at, published=utcnow())
    if check.level != "ok":
        row.notice_warning = check.message
    return row


def create_planned(body: Body, *, actor, expected: list[str] | None = None, **window) -> list[Meeting]:
    """Make the planned meetings as drafts, each through ``agenda_template.schedule_meeting`` (the scheduling
    rules, then the template's standing items), and one audit entry for the run. Dates already held by a
    meeting of the body are left alone, so a second run makes nothing. ``expected`` (the start times the clerk
    saw in the preview, ISO 8601) refuses the run when the plan has changed since. The body's row is locked
    first, so two runs at the same moment are made one after the other and the second finds the first's
    meetings."""
    lock_body(body)
    rows = plan(body, **window)
    if expected is not None and [r.start_at.isoformat() for r in rows if r.creates] != expected:
        raise DomainError(
            _("The dates have changed since the preview (another run, a new meeting or holiday): check them again.")
        )
    standing = agenda_template.template_items(body)
    made = []
    for row in rows:
        if not row.creates:
            continue
        made.append(
            agenda_template.schedule_meeting(
                body=body,
                kind=row.rule.kind,
                title=row.rule.title,
                start_at=row.start_at,
                end_at=None,
                location=row.rule.location,
                remote_url=None,
                purpose=None,
                actor=actor,
                standing_items=standing,
            )
        )
    if made:
        audit.record(
            "schedule.create_meetings",
            body,
            f"Scheduled {len(made)} meetings of {body.name} from its regular schedule",
            actor=actor,
            data={
                "meeting_ids": [m.id for m in made],
                "skipped": [
                    {"on": r.on.isoformat(), "status": r.status, "reason": str(r.reason)} for r in rows if not r.creates
                ],
            },
        )
    return made
