from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.subscriptions.models import KEYWORD_MAX, Digest, FollowKind
from app.subscriptions.services import EMAIL_MAX

#: What the form offers to follow (an agenda item is followed from its page: the ``item`` field).
FORM_KINDS = [FollowKind.body, FollowKind.topic, FollowKind.keyword, FollowKind.member, FollowKind.agreement]


class FollowFields(FlaskForm):
    """What to follow: a kind, and the one field its kind reads (choices are set by the view)."""

    kind = SelectField(_l("Follow"), choices=[(k.value, k.label) for k in FORM_KINDS], default=FollowKind.body.value)
    #: "" for every body; otherwise a body id.
    body = SelectField(_l("Agendas of"), choices=[], default="", validate_choice=True)
    topic = SelectField(_l("Topic"), choices=[], default="", validate_choice=True)
    keyword = StringField(
        _l("Word or phrase"),
        description=_l('Matched in titles and texts like the search: "287g" finds "287(g)".'),
        validators=[Optional(), Length(max=KEYWORD_MAX)],
    )
    member = SelectField(_l("Member"), choices=[], default="", validate_choice=True)
    agreement = SelectField(_l("Agreement"), choices=[], default="", validate_choice=True)
    item = HiddenField(validators=[Optional(), Length(max=12)])


class SubscribeForm(FollowFields):
    email = EmailField(
        _l("Your email address"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=EMAIL_MAX),
            Email(_l("Enter an email address like name@example.com.")),
        ],
    )
    digest = RadioField(_l("How often"), choices=[(d.value, d.label) for d in Digest], default=Digest.instant.value)
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)])


class DigestForm(FlaskForm):
    digest = RadioField(_l("How often"), choices=[(d.value, d.label) for d in Digest])
