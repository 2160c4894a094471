"""A body's regular schedule (rules such as "first and third Tuesday at 5 p.m.") and its agenda template's
standing items. The template's sections are the body's agenda sections (``Body.agenda_sections``)."""

from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.bodies.models import Body
from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.extensions import db
from app.meetings.models import AgendaItemType, MeetingKind


class ScheduleRepeat(LabeledEnum):
    #: On the given weeks of each month ("first and third Tuesday"; -1 is the last).
    monthly = "monthly", _l("On chosen weeks of each month")
    #: Every N weeks from the first date ("every other Wednesday from 2027-01-06").
    weekly = "weekly", _l("Every week or every few weeks")


class HolidayPolicy(LabeledEnum):
    skip = "skip", _l("Skip the meeting")
    next_business_day = "next_business_day", _l("Move it to the next business day")


WEEKDAYS = [
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
]
ORDINALS = {1: _l("first"), 2: _l("second"), 3: _l("third"), 4: _l("fourth"), 5: _l("fifth"), -1: _l("last")}


class MeetingSchedule(db.Model):
    """One rule of a body's regular schedule, with the defaults of the meetings it gives."""

    __tablename__ = "meeting_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    repeat: Mapped[ScheduleRepeat] = mapped_column(str_enum(ScheduleRepeat, "schedule_repeat"))
    #: 0 = Monday ... 6 = Sunday (dateutil's numbering).
    weekday: Mapped[int] = mapped_column(Integer)
    #: Monthly: the weeks of the month, e.g. [1, 3]; -1 is the last. Empty for weekly rules.
    ordinals: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: Weekly: every ``interval`` weeks counted from ``starts_on``.
    interval: Mapped[int] = mapped_column(Integer, default=1)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: Wall-clock time in the city's zone (the same local time on both sides of a DST change).
    start_time: Mapped[time] = mapped_column(Time)
    kind: Mapped[MeetingKind] = mapped_column(str_enum(MeetingKind, "schedule_meeting_kind"))
    title: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(300))
    holiday_policy: Mapped[HolidayPolicy] = mapped_column(str_enum(HolidayPolicy, "holiday_policy"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    body: Mapped[Body] = relationship(Body)

    @property
    def weekday_label(self):
        return WEEKDAYS[self.weekday]

    @property
    def ordinal_labels(self) -> list:
        return [ORDINALS[n] for n in self.ordinals or []]


class AgendaTemplateItem(db.Model):
    """A standing item of a body's agendas ("Pledge of Allegiance", "Approval of the minutes"): every new
    meeting of the body (of ``meeting_kind``, or of any kind when it is empty) starts with a copy of it."""

    __tablename__ = "agenda_template_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    meeting_kind: Mapped[MeetingKind | None] = mapped_column(str_enum(MeetingKind, "template_meeting_kind"))
    #: One of the body's agenda sections.
    section: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    item_type: Mapped[AgendaItemType] = mapped_column(str_enum(AgendaItemType, "template_item_type"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
