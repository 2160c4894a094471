from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, NumberRange, Optional

from app.auth.models import Role
from app.core.forms import options


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in on this device"))


def _role_choices():
    return options((r.value, r.label) for r in Role)


def _coerce_optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class UserForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    role = SelectField(_l("Role"), choices=[])
    member_id = SelectField(
        _l("Linked member (commissioners only)"), coerce=_coerce_optional_int, validators=[Optional()], choices=[]
    )
    #: Department staff see their department's submissions; "Department head" steps match on it (app.intake).
    department = StringField(_l("Department"), validators=[Length(max=120)])

    def __init__(self, *args, member_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()
        self.member_id.choices = options([("", _l("No linked member")), *member_choices])


class InviteForm(UserForm):
    """The administrator invites someone: they get a link by email and choose their own password."""

    department = None  # set on the account once it exists

    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter an email address.")),
            Email(_l("Enter a valid email address.")),
            Length(max=254),
        ],
    )


class AcceptInvitationForm(FlaskForm):
    password = PasswordField(
        _l("Choose a password"), validators=[DataRequired(_l("Enter a password.")), Length(max=256)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords do not match.")),
        ],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Enter a password.")), Length(max=256)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password.")), Length(max=256)]
    )
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Enter a new password.")), Length(max=256)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the new password.")),
            EqualTo("new_password", _l("The two new passwords do not match.")),
        ],
    )


class EmptyForm(FlaskForm):
    """For buttons that POST (sign out, deactivate): carries only the CSRF token."""


class SecondStepForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(_l("Enter the code from your authenticator app, or a recovery code.")),
            Length(max=40),
        ],
        render_kw={"autocapitalize": "off", "spellcheck": "false"},
    )


class ConfirmPasswordForm(FlaskForm):
    """Asked again before a change that weakens or replaces the second factor (ASVS 3.7.1)."""

    password = PasswordField(
        _l("Your password"), validators=[DataRequired(_l("Enter your password to confirm.")), Length(max=256)]
    )


class EnrolForm(FlaskForm):
    code = StringField(
        _l("The 6-digit code your app shows"),
        validators=[DataRequired(_l("Enter the 6-digit code from your app.")), Length(max=12)],
        render_kw={"inputmode": "numeric"},
    )


class SecurityForm(FlaskForm):
    administrators = BooleanField(_l("Administrators must sign in with a second factor"))
    clerks = BooleanField(_l("Clerks and deputy clerks must sign in with a second factor"))
    retention_months = IntegerField(
        _l("Keep residents' contact details for this many months after the meeting"),
        validators=[InputRequired(_l("Enter a number of months.")), NumberRange(min=1, max=120)],
    )
