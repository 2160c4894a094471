from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import options
from app.core.versioning import VersionField
from app.legislation.models import EffectKind, LinkKind
from app.meetings.forms import optional_id
from app.topics.forms import TopicsField


class ResolutionForm(FlaskForm):
    version = VersionField()
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=300)])
    text_md = TextAreaField(_l("Full text (Markdown)"), validators=[Length(max=200_000)])
    effective_on = DateField(_l("Takes effect on (leave empty: the day it is adopted)"), validators=[Optional()])
    topic_ids = TopicsField(_l("Topics"))


class CorrectionForm(FlaskForm):
    """An adopted resolution's number or effective date corrected (issue 17); the service checks the values."""

    number = StringField(_l("Number"), validators=[Length(max=20)])
    effective_on = DateField(_l("Takes effect on"), validators=[Optional()])
    reason = TextAreaField(
        _l("Why the record is corrected"),
        validators=[
            DataRequired(_l("Say why the record is corrected.")),
            Length(max=500, message=_l("The reason is too long (at most %(most)s characters).", most=500)),
        ],
    )


class LinkForm(FlaskForm):
    kind = SelectField(
        _l("This resolution"),
        choices=options((k.value, k.label) for k in LinkKind),
        default=LinkKind.supersedes.value,
    )
    target_id = SelectField(
        _l("Adopted resolution"), coerce=optional_id, validators=[DataRequired(_l("Choose an adopted resolution."))]
    )


class EffectForm(FlaskForm):
    kind = SelectField(
        _l("Effect"), choices=options((k.value, k.label) for k in EffectKind), default=EffectKind.voids.value
    )
    agreement_id = SelectField(_l("Agreement"), coerce=optional_id, validators=[Optional()])
    category = StringField(_l("Category of agreements (for a prohibition)"), validators=[Length(max=120)])
    effective_on = DateField(_l("From (leave empty: when the resolution takes effect)"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])


class AgreementForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=300)])
    counterparty = StringField(
        _l("Other party"), validators=[DataRequired(_l("Name the other party.")), Length(max=200)]
    )
    category = StringField(_l("Category"), validators=[DataRequired(_l("Give a category.")), Length(max=120)])
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    signed_by = StringField(_l("Signed by"), validators=[Length(max=200)])
    description_md = TextAreaField(_l("Description (Markdown)"), validators=[Length(max=50_000)])
    topic_ids = TopicsField(_l("Topics"))


class DocumentForm(FlaskForm):
    file = FileField(_l("Document: PDF, DOCX, XLSX, PNG or JPEG, up to 20 MB"))
