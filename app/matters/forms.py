"""The clerk's forms on the staff matter page: a step recorded by hand, a relation, a new version of the text, an
ordinance's notice and its stated effective date."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.bodies.forms import record_year
from app.core.forms import options
from app.matters.models import MatterRelationKind
from app.matters.readings import NoticeMedium
from app.matters.services import MANUAL_ACTIONS
from app.matters.versions import MAX_NOTE, MAX_TEXT


class ActionForm(FlaskForm):
    action = SelectField(_l("Step"), choices=options((a.value, a.label) for a in MANUAL_ACTIONS))
    referred_to = StringField(_l("Referred to (for a referral)"), validators=[Length(max=200)])
    target_date = DateField(
        _l("Continued to (date; the matter comes onto that day's agenda)"), validators=[Optional(), record_year]
    )
    note = TextAreaField(_l("Note (public)"), validators=[Length(max=2000)])


class RelationForm(FlaskForm):
    kind = SelectField(_l("Relation"), choices=options((k.value, k.label) for k in MatterRelationKind))
    to_file_number = StringField(_l("Other matter's file number"), validators=[Length(max=20)])
    agreement_id = IntegerField(
        _l("Agreement number (for “authorizes”)"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)]
    )


class NumberingForm(FlaskForm):
    file_number_pattern = StringField(_l("Pattern of new file numbers"), validators=[Length(max=40)])


class NoticeForm(FlaskForm):
    published_on = DateField(
        _l("Published on"), validators=[InputRequired(_l("Enter the date the notice was published.")), record_year]
    )
    medium = SelectField(_l("Published in"), choices=options((m.value, m.label) for m in NoticeMedium))
    where = StringField(
        _l("Newspaper's name, or the notice's web address"),
        validators=[InputRequired(_l("Name the newspaper or give the web address.")), Length(max=300)],
    )
    proof = TextAreaField(
        _l("Proof of publication (optional)"),
        description=_l("For example: affidavit of publication filed with the clerk on 12 May."),
        validators=[Length(max=2000)],
    )


class WithdrawNoticeForm(FlaskForm):
    #: Choices: the matter's notices in force (set by the view).
    notice_id = SelectField(_l("Notice"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("Why this notice no longer counts"), validators=[Length(max=2000)])


class EffectiveForm(FlaskForm):
    effective_on = DateField(_l("Takes effect on (leave empty: on adoption)"), validators=[Optional(), record_year])


class VersionForm(FlaskForm):
    text = TextAreaField(_l("The full text of the matter"), validators=[Length(max=MAX_TEXT)], render_kw={"rows": 16})
    note = TextAreaField(_l("Note (public): what changed and why"), validators=[Length(max=MAX_NOTE)])
