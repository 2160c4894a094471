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


def _steps(matter: Matter) -> list[MatterAction]:
    return list(
        db.session.scalars(
            select(MatterAction)
            .where(MatterAction.matter_id == matter.id, MatterAction.action.in_([A.first_reading_passed, *_ADOPTED]))
            .order_by(MatterAction.at, MatterAction.id)
        )
    )


def _last_day(steps: list[MatterAction], kinds) -> date | None:
    days = [to_local(s.at).date() for s in steps if s.action in kinds]
    return days[-1] if days else None


def is_ordinance(matter: Matter | None) -> bool:
    return matter is not None and matter.matter_type == MatterType.ordinance


def schedule(matter: Matter) -> ReadingSchedule:
    """The ordinance's readings, notice and dates (three queries)."""
    steps = _steps(matter)
    notices = notices_of(matter)
    notice = counting_notice(notices)
    days = notice_days()
    first = _last_day(steps, (A.first_reading_passed,))
    earliest, reasons = earliest_second_reading(first, notice.published_on if notice else None, days)
    adopted = _last_day(steps, _ADOPTED)
    return ReadingSchedule(
        first_reading_on=first,
        notices=notices,
        notice=notice,
        days=days,
        earliest=earliest,
        reasons=reasons,
        adopted_on=adopted,
        effective_on=effective_on(adopted, matter.effective_on) if adopted else None,
    )


def adoption_problem(matter: Matter, on: date) -> str | None:
    """None when adopting the ordinance on ``on`` (its second reading) is lawful on the record as it stands;
    otherwise the reason and, when known, the earliest date."""
    plan = schedule(matter)
    return check_second_reading(plan.first_reading_on, plan.notice.published_on if plan.notice else None, on, plan.days)


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
