from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from app.core.forms import options
from app.meetings.forms import optional_id
from app.public_comment import intake as comment_intake
from app.public_comment import queue as speaker_queue
from app.public_comment.models import SpeakerRequestParticipation, Stance

NAME = Length(max=comment_intake.NAME_MAX)


def stance_choices():
    return options((s.value, s.label) for s in Stance)


def participation_choices():
    return options((p.value, p.label) for p in SpeakerRequestParticipation)


class _Contact:
    email = StringField(
        _l("Email (optional)"),
        validators=[
            Optional(),
            Length(max=comment_intake.EMAIL_MAX),
            Email(_l("Enter an email address like name@example.com, or leave it empty.")),
        ],
    )
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=comment_intake.PHONE_MAX)])
    city = StringField(_l("City of residence (optional)"), validators=[Optional(), Length(max=comment_intake.CITY_MAX)])


class SpeakerCardFields(_Contact):
    stance = RadioField(
        _l("Your position on the item"),
        choices=stance_choices(),
        validators=[InputRequired(_l("Choose support, oppose or neutral."))],
    )
    participation = RadioField(
        _l("How you will take part"),
        choices=participation_choices(),
        default="in_person",
        validators=[InputRequired(_l("Choose how you will take part."))],
    )
    is_group_representative = BooleanField(_l("I speak for a group (a representative has more time)"))
    group_name = StringField(_l("Name of the group"), validators=[Optional(), Length(max=comment_intake.GROUP_MAX)])
    interpreter_language = StringField(
        _l("Interpreter needed: language (optional)"), validators=[Optional(), Length(max=comment_intake.LANGUAGE_MAX)]
    )
    accommodation = TextAreaField(
        _l("Other accommodation needed (optional)"),
        validators=[Optional(), Length(max=comment_intake.ACCOMMODATION_MAX)],
    )

    CARD = (
        "stance",
        "participation",
        "is_group_representative",
        "group_name",
        "email",
        "phone",
        "city",
        "interpreter_language",
        "accommodation",
    )

    def card_data(self) -> dict:
        """The speaker card's fields, as the services take them."""
        return {name: getattr(self, name).data for name in self.CARD}


class _PublicForm(FlaskForm):
    #: Which wording of the public-records notice was on the page (R12).
    disclaimer_version = HiddenField()
    #: One per rendered form: a second submission of the same form returns the first result.
    submission_key = HiddenField(validators=[Optional(), Length(max=64)])
    #: Honeypot: hidden from people by CSS; a bot that fills it is refused.
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)])


class SpeakForm(_PublicForm, SpeakerCardFields):
    agenda_item_id = SelectField(
        _l("Agenda item"), coerce=optional_id, validators=[InputRequired(_l("Choose the item you want to speak on."))]
    )
    name = StringField(_l("Your name"), validators=[DataRequired(_l("Enter your name.")), NAME])


class EditRequestForm(FlaskForm, SpeakerCardFields):
    pass


class WrittenCommentForm(_PublicForm, _Contact):
    agenda_item_id = SelectField(
        _l("Agenda item"), coerce=optional_id, validators=[InputRequired(_l("Choose the item your comment is about."))]
    )
    name = StringField(_l("Your name"), validators=[DataRequired(_l("Enter your name.")), NAME])
    stance = RadioField(
        _l("Your position on the item"),
        choices=stance_choices(),
        validators=[InputRequired(_l("Choose support, oppose or neutral."))],
    )
    text = TextAreaField(_l("Your comment"), validators=[DataRequired(_l("Write your comment.")), Length(max=20000)])


class WalkInForm(FlaskForm, SpeakerCardFields):
    name = StringField(_l("Speaker's name"), validators=[DataRequired(_l("Enter the speaker's name.")), NAME])


class ExtendForm(FlaskForm):
    seconds = IntegerField(
        _l("Seconds to add"),
        default=60,
        validators=[
            InputRequired(_l("Enter the number of seconds.")),
            NumberRange(1, speaker_queue.MAX_EXTENSION_SECONDS, _l("Add from 1 to 600 seconds.")),
        ],
    )
    reason = StringField(
        _l("Reason (kept on the record)"),
        validators=[DataRequired(_l("Give the reason for the extra time.")), Length(max=500)],
    )


class CedeForm(FlaskForm):
    recipient_id = SelectField(
        _l("Give this speaker's time to"),
        coerce=optional_id,
        validators=[InputRequired(_l("Choose the speaker who receives the time."))],
    )


class CedeBetweenForm(FlaskForm):
    """The queue page's one cede dialog: two menus for the whole queue, not a menu on every row."""

    donor_id = SelectField(
        _l("Speaker who gives their time"),
        coerce=optional_id,
        validators=[InputRequired(_l("Choose the speaker who gives their time."))],
    )
    recipient_id = SelectField(
        _l("Speaker who receives it"),
        coerce=optional_id,
        validators=[InputRequired(_l("Choose the speaker who receives the time."))],
    )


class HideForm(FlaskForm):
    reason = StringField(
        _l("Reason for hiding (for example the statutory exemption)"),
        validators=[DataRequired(_l("Give the reason.")), Length(max=500)],
    )


class PolicyForm(FlaskForm):
    adopted_on = DateField(_l("Adopted on"), validators=[InputRequired(_l("Enter the date the policy was adopted."))])
    adopted_by = StringField(_l("Adopted by (resolution or ordinance)"), validators=[Optional(), Length(max=200)])
    speaker_minutes = IntegerField(_l("Minutes per speaker"), validators=[InputRequired(), NumberRange(1, 30)])
    speaker_extra_seconds = IntegerField(_l("and seconds"), default=0, validators=[Optional(), NumberRange(0, 59)])
    group_minutes = IntegerField(
        _l("Minutes for a group representative"), validators=[InputRequired(), NumberRange(1, 60)]
    )
    item_cap_minutes = IntegerField(
        _l("Cap on the comment period of one item, in minutes (optional)"),
        validators=[Optional(), NumberRange(1, 24 * 60)],
    )
    signup_closes_minutes = IntegerField(
        _l("Online sign-up closes this many minutes before the start"),
        validators=[InputRequired(), NumberRange(0, 7 * 24 * 60)],
    )
    written_accepted = BooleanField(_l("Written comments are accepted"))
    written_max_chars = IntegerField(
        _l("Longest written comment, in characters"), validators=[InputRequired(), NumberRange(100, 20000)]
    )
    ceding_allowed = BooleanField(_l("A speaker may cede their time to another speaker"))
