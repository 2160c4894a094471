"""Where an ordinance stands on its two readings, from its record: the day of its first reading (the day the vote
passing it closed), the notice that counts, the earliest lawful adoption, and its adoption and effective dates.
The rules are app/matters/readings.py; this module reads the matter's history and notices and applies them.

Three uses, three strengths:

* ``placement_problem``: placing the ordinance for second reading on a meeting is refused only when that meeting
  can no longer be lawful: it is not after the first reading, or it is too soon after the notice, or no notice is
  recorded and one published today would come too late. A second reading placed before the first reading is held
  is allowed (agendas are drafted weeks ahead) and warned.
* ``adoption_problem``: the agenda's warning and the refusal to open the adoption vote: everything must be on
  the record (first reading passed, notice published and counted) by the meeting's day.
* ``schedule``: what the matter pages show.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.timeutil import to_local
from app.extensions import db
from app.matters.models import Matter, MatterAction, MatterActionKind, MatterType
from app.matters.notices import OrdinanceNotice, counting_notice, notices_of
from app.matters.reading_settings import notice_days
from app.matters.readings import check_second_reading, earliest_second_reading, effective_on, say_day

A = MatterActionKind
_ADOPTED = (A.second_reading_adopted, A.adopted)


@dataclass
class ReadingSchedule:
    first_reading_on: date | None
    notices: list[OrdinanceNotice]
    notice: OrdinanceNotice | None
    days: int
    earliest: date | None
    reasons: list[str] = field(default_factory=list)
    adopted_on: date | None = None
    effective_on: date | None = None


def is_ordinance(matter: Matter | None) -> bool:
    return matter is not None and matter.matter_type == MatterType.ordinance


def schedules(matters: list[Matter]) -> dict[int, ReadingSchedule]:
    """Each matter's readings, notice and dates, by matter id: two queries for any number of matters (the city's
    notice days come from the cached profile)."""
    ids = sorted({m.id for m in matters})
    if not ids:
        return {}
    steps: dict[int, list[MatterAction]] = {i: [] for i in ids}
    for step in db.session.scalars(
        select(MatterAction)
        .where(MatterAction.matter_id.in_(ids), MatterAction.action.in_([A.first_reading_passed, *_ADOPTED]))
        .order_by(MatterAction.at, MatterAction.id)
    ):
        steps[step.matter_id].append(step)
    notices: dict[int, list[OrdinanceNotice]] = {i: [] for i in ids}
    for notice in notices_of(*ids):
        notices[notice.matter_id].append(notice)
    days = notice_days()
    found = {}
    for matter in matters:
        counting = counting_notice(notices[matter.id])
        first = _last_day(steps[matter.id], (A.first_reading_passed,))
        earliest, reasons = earliest_second_reading(first, counting.published_on if counting else None, days)
        adopted = _last_day(steps[matter.id], _ADOPTED)
        found[matter.id] = ReadingSchedule(
            first_reading_on=first,
            notices=notices[matter.id],
            notice=counting,
            days=days,
            earliest=earliest,
            reasons=reasons,
            adopted_on=adopted,
            effective_on=effective_on(adopted, matter.effective_on) if adopted else None,
        )
    return found


def schedule(matter: Matter) -> ReadingSchedule:
    return schedules([matter])[matter.id]


def _last_day(steps: list[MatterAction], kinds) -> date | None:
    days = [to_local(s.at).date() for s in steps if s.action in kinds]
    return days[-1] if days else None


def _problem(plan: ReadingSchedule, on: date) -> str | None:
    return check_second_reading(plan.first_reading_on, plan.notice.published_on if plan.notice else None, on, plan.days)


def agenda_problems(items, on: date) -> dict[int, str]:
    """The agenda's warnings: item id -> why adopting it on ``on`` would not be lawful, for every ordinance on its
    second reading (withdrawn items aside; only an ordinance item has a reading, app.meetings.agenda.add_item).
    Two queries, none when no item is a second reading; load the items' matters with them."""
    readings = [i for i in items if i.reading == "second" and not i.is_withdrawn]
    plans = schedules([i.matter for i in readings])
    said: dict[tuple, str | None] = {}  # one sentence per case, not one per item (a long agenda repeats them)
    found = {}
    for item in readings:
        plan = plans[item.matter_id]
        case = (plan.first_reading_on, plan.notice.published_on if plan.notice else None, plan.days)
        if case not in said:
            said[case] = _problem(plan, on)
        if said[case]:
            found[item.id] = said[case]
    return found


def adoption_problem(matter: Matter, on: date) -> str | None:
    """None when adopting the ordinance on ``on`` (its second reading) is lawful on the record as it stands;
    otherwise the reason and, when known, the earliest date."""
    return _problem(schedule(matter), on)


def placement_problem(matter: Matter, on: date, today: date) -> str | None:
    """None unless a second reading on ``on`` can no longer become lawful (see the module's docstring)."""
    plan = schedule(matter)
    first = plan.first_reading_on
    if first is not None and on <= first:
        return check_second_reading(first, None, on, plan.days)
    if plan.notice is not None:
        if on < plan.notice.published_on + timedelta(days=plan.days):
            return check_second_reading(first or on - timedelta(days=1), plan.notice.published_on, on, plan.days)
        return None
    soonest = today + timedelta(days=plan.days)
    if first is not None:
        soonest = max(soonest, first + timedelta(days=1))
    if on < soonest:
        return _(
            "Too early for the second reading: no notice of the ordinance is recorded yet, and a notice published "
            "today would allow its adoption on %(earliest)s at the earliest (%(days)d days of notice).",
            earliest=say_day(soonest),
            days=plan.days,
        )
    return None
