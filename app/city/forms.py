"""Forms for the city profile and the first administrator. The services do the checking and name the field."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from app.core.versioning import VersionField


class CityProfileForm(FlaskForm):
    version = VersionField()
    name_en = StringField(_l("Official name in English"))
    name_es = StringField(_l("Official name in Spanish (optional)"))
    short_name = StringField(_l("Short name (optional)"))
    logo = FileField(_l("Logo (PNG, JPEG or SVG, at most 2 MB)"))
    remove_logo = BooleanField(_l("Remove the current logo"))
    timezone = SelectField(_l("Time zone"), choices=[], validate_choice=False)
    record_language = SelectField(_l("Language of the record"), choices=[], validate_choice=False)
    meeting_place = TextAreaField(_l("Address of the usual meeting place"))
    clerk_email = StringField(_l("Clerk's office email"))
    clerk_phone = StringField(_l("Clerk's office phone"))
    website = StringField(_l("City website"))
    records_notice = TextAreaField(_l("Public-records notice (Chapter 119)"))
    email_notice = TextAreaField(_l("Email notice (F.S. 668.6076)"))
    footer_text = TextAreaField(_l("Footer text (optional)"))


class OrdinanceNoticeForm(FlaskForm):
    """The days of published notice before an ordinance's adoption; the service checks the range."""

    notice_days = IntegerField(
        _l("Days of published notice before an ordinance is adopted"),
        validators=[InputRequired(_l("Enter a number of days."))],
        render_kw={"inputmode": "numeric"},
    )


class FirstAdminForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter a password.")), Length(max=256)])
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(_l("Enter the password again.")), EqualTo("password", _l("The passwords differ."))],
    )
