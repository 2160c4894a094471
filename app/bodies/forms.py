from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange


def _hours(label):
    return IntegerField(
        label,
        validators=[
            InputRequired(_l("Enter a whole number of hours.")),
            NumberRange(0, 1440, _l("Between 0 and 1,440 hours.")),
        ],
    )


class BodySettingsForm(FlaskForm):
    notice_special_block_hours = _hours(_l("Special meeting: block notice shorter than (hours)"))
    notice_special_warn_hours = _hours(_l("Special meeting: warn about notice shorter than (hours)"))
    notice_regular_warn_hours = _hours(_l("Regular meeting: warn about notice shorter than (hours)"))
    agenda_sections = TextAreaField(_l("Agenda sections, one per line, in order"), validators=[Length(max=3000)])
