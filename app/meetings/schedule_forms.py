"""Forms of the schedule, holiday and agenda-template pages. The services check every rule; these only parse."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.core.forms import options
from app.meetings.forms import MultiCheckboxField
from app.meetings.models import AgendaItemType, MeetingKind
from app.meetings.schedule_models import ORDINALS, WEEKDAYS, HolidayPolicy, ScheduleRepeat
from app.meetings.schedules import MODES

FIRST_YEAR, LAST_YEAR = 2000, 2100


def _year_range(form, field):
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Give a year between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


def _date(label, required=True):
    validators = [InputRequired(_l("Enter a date."))] if required else [Optional()]
    return DateField(label, validators=[*validators, _year_range], render_kw={"autocomplete": "off"})


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ScheduleRuleForm(FlaskForm):
    repeat = RadioField(
        _l("Repeats"), choices=options((r.value, r.label) for r in ScheduleRepeat), default=ScheduleRepeat.monthly.value
    )
    weekday = SelectField(_l("Day of the week"), coerce=_int, choices=options(enumerate(WEEKDAYS)), default=1)
    ordinals = MultiCheckboxField(
        _l("Weeks of the month (monthly)"), coerce=_int, choices=options(ORDINALS.items()), validators=[Optional()]
    )
    interval = IntegerField(_l("Every how many weeks (weekly)"), default=1, validators=[Optional()])
    starts_on = _date(_l("From"))
    ends_on = _date(_l("Until (optional)"), required=False)
    start_time = TimeField(
        _l("Starts at (local time)"),
        format="%H:%M",
        validators=[InputRequired(_l("Enter a time, for example 17:00."))],
    )
    kind = SelectField(
        _l("Kind of meeting"),
        choices=options((k.value, k.label) for k in (MeetingKind.regular, MeetingKind.workshop)),
    )
    title = StringField(_l("Title of the meetings"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    location = StringField(_l("Place"), validators=[DataRequired(_l("Enter the place.")), Length(max=300)])
    holiday_policy = RadioField(
        _l("When the day is a holiday"),
        choices=options((p.value, p.label) for p in HolidayPolicy),
        default=HolidayPolicy.skip.value,
    )


class PlanForm(FlaskForm):
    mode = RadioField(_l("Plan"), choices=options(MODES), validators=[InputRequired(_l("Choose what to plan."))])
    count = IntegerField(_l("How many meetings"), validators=[Optional()])
    year = IntegerField(_l("Year"), validators=[Optional()])
    #: The start times the preview showed: creating refuses if the schedule now gives other ones.
    expected = HiddenField(validators=[Length(max=20000)])


class HolidayForm(FlaskForm):
    on = _date(_l("Day"))
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the holiday's name.")), Length(max=120)])


class StandardHolidaysForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[InputRequired(_l("Enter a year."))])


class TemplateItemForm(FlaskForm):
    section = SelectField(_l("Section"), validators=[InputRequired(_l("Choose a section."))], validate_choice=False)
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=300)])
    item_type = SelectField(
        _l("Type"),
        choices=options((t.value, t.label) for t in AgendaItemType),
        default=AgendaItemType.ministerial.value,
    )
    meeting_kind = SelectField(
        _l("For meetings of kind"),
        choices=options([("", _l("Every kind")), *((k.value, k.label) for k in MeetingKind)]),
        default="",
    )
