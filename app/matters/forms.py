"""The clerk's forms on the staff matter page: a step recorded by hand, a relation, a new version of the text."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from app.core.forms import options
from app.matters.models import MatterRelationKind
from app.matters.services import MANUAL_ACTIONS
from app.matters.versions import MAX_NOTE, MAX_TEXT


class ActionForm(FlaskForm):
    action = SelectField(_l("Step"), choices=options((a.value, a.label) for a in MANUAL_ACTIONS))
    referred_to = StringField(_l("Referred to (for a referral)"), validators=[Length(max=200)])
    note = TextAreaField(_l("Note (public)"), validators=[Length(max=2000)])


class RelationForm(FlaskForm):
    kind = SelectField(_l("Relation"), choices=options((k.value, k.label) for k in MatterRelationKind))
    to_file_number = StringField(_l("Other matter's file number"), validators=[Length(max=20)])
    agreement_id = IntegerField(
        _l("Agreement number (for “authorizes”)"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)]
    )


class NumberingForm(FlaskForm):
    file_number_pattern = StringField(_l("Pattern of new file numbers"), validators=[Length(max=40)])


class VersionForm(FlaskForm):
    text = TextAreaField(_l("The full text of the matter"), validators=[Length(max=MAX_TEXT)], render_kw={"rows": 16})
    note = TextAreaField(_l("Note (public): what changed and why"), validators=[Length(max=MAX_NOTE)])
