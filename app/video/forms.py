"""The clerk's forms for a meeting's recording and for correcting the time of a logged moment."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.meetings.forms import LocalDateTimeField
from app.video.models import LABEL_MAX, URL_MAX
from app.video.services import MAX_PART


class _SafeInt(IntegerField):
    """An integer field that keeps what was typed when it is not a number (the form comes back with it)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number.")) from None


class RecordingForm(FlaskForm):
    part = _SafeInt(
        _l("Part number"),
        default=1,
        validators=[InputRequired(_l("Enter the part number.")), NumberRange(1, MAX_PART)],
    )
    url = StringField(
        _l("Address of the video"),
        validators=[DataRequired(_l("Enter the address of the video.")), Length(max=URL_MAX)],
    )
    label = StringField(_l("Label (optional)"), validators=[Optional(), Length(max=LABEL_MAX)])
    start_mode = RadioField(
        _l("How is the video tied to the meeting's clock?"),
        choices=[
            ("moment", _l("A moment of the log and where it is in the video")),
            ("clock", _l("The local time at the video's start")),
        ],
        default="moment",
    )
    moment_id = SelectField(_l("Moment of the log"), coerce=str, validate_choice=False)
    position = StringField(_l("Its position in the video"), validators=[Optional(), Length(max=12)])
    start_local = LocalDateTimeField(_l("Local time at the video's start"), validators=[Optional()])
    duration = StringField(_l("Length of this part (optional)"), validators=[Optional(), Length(max=12)])


class MomentTimeForm(FlaskForm):
    at_local = LocalDateTimeField(_l("Corrected time"), validators=[InputRequired(_l("Enter the corrected time."))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give the reason.")), Length(max=500)])
