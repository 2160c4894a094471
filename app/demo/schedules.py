"""The City Commission's regular schedule (first and third Tuesday at 5 p.m., as Key West's commission meets),
the federal and Florida holidays of this year and the next, and an agenda template matching the demo's agendas."""

from datetime import date, time

from app.bodies.models import Body
from app.city import holidays
from app.core.timeutil import to_local, utcnow
from app.demo.meetings import CHAMBER
from app.meetings import agenda_template, schedules
from app.meetings.models import AgendaItemType, MeetingKind
from app.meetings.schedule_models import HolidayPolicy, ScheduleRepeat

#: (section, title, type, only for this kind of meeting): the opening and closing every demo agenda has.
STANDING_ITEMS = [
    ("Call to Order", "Call to order", AgendaItemType.ministerial, None),
    ("Roll Call", "Roll call", AgendaItemType.ministerial, None),
    ("Public Comment", "General public comment", AgendaItemType.report, MeetingKind.regular),
    ("Adjournment", "Adjournment", AgendaItemType.ministerial, None),
]


def seed_schedule(commission: Body) -> int:
    created = 0
    if not schedules.rules_of(commission):
        schedules.add_rule(
            commission,
            schedules.RuleInput(
                repeat=ScheduleRepeat.monthly,
                weekday=1,
                ordinals=[1, 3],
                interval=1,
                starts_on=date(2025, 1, 1),
                ends_on=None,
                start_time=time(17, 0),
                kind=MeetingKind.regular,
                title="Regular City Commission Meeting",
                location=CHAMBER,
                holiday_policy=HolidayPolicy.skip,
            ),
            actor=None,
        )
        created += 1
    if not agenda_template.template_items(commission):
        for section, title, item_type, kind in STANDING_ITEMS:
            agenda_template.add_template_item(
                commission, section=section, title=title, item_type=item_type, meeting_kind=kind, actor=None
            )
            created += 1
    year = to_local(utcnow()).year
    for y in (year, year + 1):
        created += len(holidays.add_standard_holidays(y, actor=None))
    return created
