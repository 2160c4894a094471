"""Forms of the body, seat, member and term pages. Choices from enums carry their labels; the views fill the
choices that come from the database (members, seats)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.bodies.models import (
    BodyKind,
    BodyQuorumRule,
    BodyRollCallOrder,
    SeatSelection,
    TermBasis,
    TermEndReason,
    ThresholdBasis,
    ThresholdFraction,
    VacancyRule,
)
from app.bodies.services import MAX_SEATS, RulesInput
from app.core.forms import options
from app.core.versioning import VersionField


def enum_choices(enum_class, blank=None):
    pairs = [(member.value, member.label) for member in enum_class]
    return options([("", blank), *pairs] if blank is not None else pairs)


def optional_id(value):
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _hours(label):
    return IntegerField(
        label,
        validators=[
            InputRequired(_l("Enter a whole number of hours.")),
            NumberRange(0, 1440, _l("Between 0 and 1,440 hours.")),
        ],
    )


#: The years a date on the record may fall in: the same range the CSV import and the public roster accept.
FIRST_YEAR, LAST_YEAR = 1800, 2999


def record_year(form, field):
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Give a year between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


def _date(label, required=True):
    validators = [InputRequired(_l("Enter a date."))] if required else [Optional()]
    return DateField(label, validators=[*validators, record_year], render_kw={"autocomplete": "off"})


class RulesForm(FlaskForm):
    """The versioned rules of a body; also embedded in the new-body form."""

    effective_on = _date(_l("In force from"))
    quorum_rule = SelectField(_l("Quorum"), choices=enum_choices(BodyQuorumRule))
    quorum_fixed = IntegerField(
        _l("Members needed for a quorum (when a fixed number)"),
        validators=[Optional(), NumberRange(1, MAX_SEATS, _l("Between 1 and %(max)d.", max=MAX_SEATS))],
    )
    quorum_in_person_only = BooleanField(_l("Only members present in person count toward a quorum (AGO 2010-34)"))
    vacancy_rule = SelectField(_l("Vacant seats"), choices=enum_choices(VacancyRule))
    threshold_basis = SelectField(_l("Resolutions and ordinances pass by a vote of"), choices=[])
    threshold_fraction = SelectField(_l("Fraction needed"), choices=enum_choices(ThresholdFraction))
    threshold_min_yes = IntegerField(
        _l("And at least this many yes votes (0 for no minimum)"),
        validators=[
            InputRequired(_l("Enter a number.")),
            NumberRange(0, MAX_SEATS, _l("Between 0 and %(max)d.", max=MAX_SEATS)),
        ],
    )
    seconds_required = BooleanField(_l("A motion needs a second (R9)"))
    roll_call_order = SelectField(_l("Roll-call order"), choices=enum_choices(BodyRollCallOrder))
    notice_special_block_hours = _hours(_l("Special meeting: block notice shorter than (hours)"))
    notice_special_warn_hours = _hours(_l("Special meeting: warn about notice shorter than (hours)"))
    notice_regular_warn_hours = _hours(_l("Regular meeting: warn about notice shorter than (hours)"))
    note = StringField(_l("Authority for the change (optional)"), validators=[Length(max=300)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.threshold_basis.choices = options((b.value, b.label) for b in ThresholdBasis)

    def fill(self, rules: RulesInput) -> None:
        for name, value in vars(rules).items():
            if name in self._fields:
                self[name].data = value.value if hasattr(value, "value") else value

    def rules_input(self) -> RulesInput:
        return RulesInput(
            effective_on=self.effective_on.data,
            quorum_rule=BodyQuorumRule(self.quorum_rule.data),
            quorum_fixed=self.quorum_fixed.data,
            quorum_in_person_only=bool(self.quorum_in_person_only.data),
            vacancy_rule=VacancyRule(self.vacancy_rule.data),
            threshold_basis=ThresholdBasis(self.threshold_basis.data),
            threshold_fraction=ThresholdFraction(self.threshold_fraction.data),
            threshold_min_yes=self.threshold_min_yes.data or 0,
            seconds_required=bool(self.seconds_required.data),
            roll_call_order=BodyRollCallOrder(self.roll_call_order.data),
            notice_special_block_hours=self.notice_special_block_hours.data,
            notice_special_warn_hours=self.notice_special_warn_hours.data,
            notice_regular_warn_hours=self.notice_regular_warn_hours.data,
            note=self.note.data or "",
        )


class NewBodyForm(RulesForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    kind = SelectField(_l("Kind of body"), choices=enum_choices(BodyKind))
    seat_count = IntegerField(
        _l("Number of seats"),
        validators=[
            InputRequired(_l("Enter the number of seats.")),
            NumberRange(1, MAX_SEATS, _l("Between 1 and %(max)d seats.", max=MAX_SEATS)),
        ],
    )
    seat_labels = TextAreaField(
        _l("Seat labels, one per line, in order (optional)"), validators=[Length(max=MAX_SEATS * 61)]
    )
    seat_selection = SelectField(_l("Seats are"), choices=enum_choices(SeatSelection))


class BodyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    kind = SelectField(_l("Kind of body"), choices=enum_choices(BodyKind))


class SectionsForm(FlaskForm):
    version = VersionField()
    agenda_sections = TextAreaField(_l("Agenda sections, one per line, in order"), validators=[Length(max=3000)])


class SeatForm(FlaskForm):
    label = StringField(_l("Seat label"), validators=[DataRequired(_l("Enter a label.")), Length(max=60)])
    selection = SelectField(_l("Filled by"), choices=enum_choices(SeatSelection))


class NewSeatForm(SeatForm):
    established_on = _date(_l("Established on"))


class DateForm(FlaskForm):
    """Retire a seat or a body from a date."""

    on = _date(_l("From"))


class OfficersForm(FlaskForm):
    chair_id = SelectField(_l("Chair"), coerce=optional_id, choices=[], validate_choice=False)
    vice_chair_id = SelectField(_l("Vice-chair"), coerce=optional_id, choices=[], validate_choice=False)


class MemberForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    sort_name = StringField(
        _l("Sort name (for alphabetical roll calls)"), validators=[Length(max=120)], render_kw={"autocomplete": "off"}
    )
    pronouns = StringField(_l("Pronouns (optional)"), validators=[Length(max=40)])
    bio = TextAreaField(_l("Public biography (optional)"), validators=[Length(max=4000)])
    contact_email = EmailField(_l("Email (staff only)"), validators=[Length(max=254)])
    contact_phone = TelField(_l("Phone (staff only)"), validators=[Length(max=40)])
    photo = FileField(_l("Photo (optional: PNG, JPEG or SVG, at most 2 MB)"))
    remove_photo = BooleanField(_l("Remove the current photo"))


class TermForm(FlaskForm):
    seat_id = SelectField(_l("Seat"), coerce=optional_id, choices=[], validate_choice=False)
    title = StringField(_l("Title (e.g. Mayor, Commissioner)"), validators=[Length(max=60)])
    basis = SelectField(_l("Came to the seat by"), choices=enum_choices(TermBasis))
    term_start_on = _date(_l("Term starts"))
    term_end_on = _date(_l("Term ends (leave empty if not set)"), required=False)


class EndTermForm(FlaskForm):
    end_on = _date(_l("Last day in office"))
    reason = SelectField(
        _l("Why the term ended early"), choices=enum_choices(TermEndReason, blank=_l("It ran its course"))
    )
