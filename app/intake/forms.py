from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from app.core.versioning import VersionField
from app.meetings.forms import item_type_choices, optional_id, reading_choices


class SubmissionForm(FlaskForm):
    item_type = SelectField(_l("Kind of item"), choices=item_type_choices())
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=300)])
    summary_md = TextAreaField(_l("Summary"), validators=[Length(max=20000)])
    fiscal_impact = TextAreaField(_l("Fiscal impact"), validators=[Length(max=20000)])
    recommended_action = TextAreaField(_l("Recommended action"), validators=[Length(max=20000)])
    meeting_id = SelectField(_l("Requested meeting"), coerce=optional_id, validate_choice=False)
    file = FileField(_l("Attach a PDF (optional)"))
    version = VersionField()


class StepForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Length(max=5000)])
    version = VersionField()


class PlaceForm(FlaskForm):
    target = SelectField(_l("Meeting and section"), validators=[InputRequired(_l("Choose where to place it."))])
    #: Ordinances only (the view removes it for other items).
    reading = SelectField(_l("Reading (ordinances only)"), choices=reading_choices(), default="first")
    version = VersionField()


class RouteForm(FlaskForm):
    close_days = IntegerField(
        _l("The agenda closes this many days before the meeting"),
        validators=[InputRequired(_l("Enter a number of days.")), NumberRange(0, 90)],
    )
