from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.subscriptions.services import EMAIL_MAX


class SubscribeForm(FlaskForm):
    email = StringField(
        _l("Your email address"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=EMAIL_MAX),
            Email(_l("Enter an email address like name@example.com.")),
        ],
    )
    #: "" for every body; otherwise a body id (choices are set by the view).
    body = SelectField(_l("Agendas of"), choices=[], validate_choice=True)
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)])
