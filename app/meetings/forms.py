from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import options
from app.core.loaders import MAX_ID
from app.core.versioning import VersionField
from app.meetings.models import AgendaItemType, CommentExemption, MeetingKind
from app.topics.forms import TopicsField

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def optional_id(value):
    """Coerce a select's value to a database id; out-of-range numbers are refused like any bad choice."""
    if value in (None, "", "None"):
        return None
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


def kind_choices():
    return options((k.value, k.label) for k in MeetingKind)


def reading_choices():
    """An ordinance's appearance: first or second reading (F.S. 166.041), or neither."""
    return options(
        [("", _l("Not an ordinance reading")), ("first", _l("First reading")), ("second", _l("Second reading"))]
    )


def item_type_choices():
    return options((t.value, t.label) for t in AgendaItemType)


def exemption_choices():
    return options([("", _l("None: public comment is required")), *((e.value, e.label) for e in CommentExemption)])


class LocalDateTimeField(DateTimeLocalField):
    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=DATETIME_FORMAT, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a date and time, for example 2026-06-30 17:00.")) from None
        # Far-off years overflow time-zone arithmetic; no meeting is held there.
        if self.data is not None and not 1990 <= self.data.year <= 2200:
            self.data = None
            raise ValueError(_l("Enter a year between 1990 and 2200."))


class MeetingForm(FlaskForm):
    body_id = SelectField(_l("Body"), coerce=int, validators=[InputRequired(_l("Choose a body."))])
    kind = SelectField(_l("Kind of meeting"), choices=kind_choices())
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    start_local = LocalDateTimeField(_l("Starts"), validators=[InputRequired(_l("Enter the start date and time."))])
    end_local = LocalDateTimeField(_l("Expected end (optional)"), validators=[Optional()])
    location = StringField(_l("Place"), validators=[DataRequired(_l("Enter the place.")), Length(max=300)])
    remote_url = StringField(
        _l("Remote attendance link (optional)"),
        validators=[Optional(), Length(max=500), URL(require_tld=False, message=_l("Enter a full web address."))],
    )
    purpose = TextAreaField(_l("Purpose stated in the call"), validators=[Length(max=5000)])
    reason = TextAreaField(_l("Reason for a change of place (after the notice)"), validators=[Length(max=2000)])


class PublishForm(FlaskForm):
    override_reason = TextAreaField(_l("Reason to publish despite the short notice"), validators=[Length(max=2000)])
    emergency_justification = TextAreaField(_l("Justification of the emergency"), validators=[Length(max=5000)])


class RescheduleForm(FlaskForm):
    start_local = LocalDateTimeField(_l("New start"), validators=[InputRequired(_l("Enter the new start."))])
    end_local = LocalDateTimeField(_l("New expected end (optional)"), validators=[Optional()])
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(_l("Give the reason for rescheduling.")), Length(max=2000)]
    )
    override_reason = TextAreaField(
        _l("Override reason, if the new time gives too little notice"), validators=[Length(max=2000)]
    )


class CallToOrderForm(FlaskForm):
    early_reason = TextAreaField(
        _l("Reason to call the meeting to order before the noticed time"), validators=[Length(max=2000)]
    )


class AdjournForm(FlaskForm):
    #: Sent by the confirmation page that lists the items still open.
    confirm = BooleanField(_l("Adjourn with these items still open"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Give the reason.")), Length(max=2000)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AgendaItemForm(FlaskForm):
    version = VersionField()
    section = SelectField(_l("Section"), validators=[InputRequired(_l("Choose a section."))])
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=300)])
    item_type = SelectField(_l("Type of item"), choices=item_type_choices())
    #: Issue 20: empty opens a new matter; a file number brings that matter back (a new appearance of it).
    file_number = StringField(
        _l("Bring back an existing matter (optional): its file number"), validators=[Length(max=20)]
    )
    reading = SelectField(_l("Reading (ordinances only)"), choices=reading_choices(), default="")
    body_md = TextAreaField(_l("Summary (Markdown)"), validators=[Length(max=50_000)])
    topic_ids = TopicsField(_l("Topics"))
    sponsor_ids = MultiCheckboxField(_l("Sponsors"), coerce=int, validators=[Optional()])
    fiscal_impact = TextAreaField(_l("Fiscal impact"), validators=[Length(max=5000)])
    agreement_category = StringField(
        _l("Agreement category, if the item concerns one (optional)"), validators=[Length(max=120)]
    )
    public_comment_required = BooleanField(_l("Public comment is taken on this item"), default=True)
    comment_exemption = SelectField(_l("If not, why (F.S. 286.0114(3))"), choices=exemption_choices())
    within_purpose = RadioField(
        _l("Is this item within the purpose stated in the call?"),
        choices=options([("yes", _l("Yes")), ("no", _l("No"))]),
        default="yes",
    )
    confirm_outside_purpose = BooleanField(
        _l("Add it anyway; I understand it will be recorded on the public change log")
    )
    file = FileField(_l("Attach a document (optional): PDF, DOCX, XLSX, PNG or JPEG, up to 20 MB"))
    amendment_reason = TextAreaField(_l("Reason for amending the published agenda"), validators=[Length(max=2000)])


class MoveForm(FlaskForm):
    direction = SelectField(_l("Direction"), choices=options([("up", _l("Up")), ("down", _l("Down"))]))
    amendment_reason = TextAreaField(_l("Reason for amending the published agenda"), validators=[Length(max=2000)])


class SectionForm(FlaskForm):
    section = SelectField(_l("Move to section"), validators=[InputRequired()])
    amendment_reason = TextAreaField(_l("Reason for amending the published agenda"), validators=[Length(max=2000)])


class AttachmentForm(FlaskForm):
    file = FileField(_l("Document: PDF, DOCX, XLSX, PNG or JPEG, up to 20 MB"))
    amendment_reason = TextAreaField(_l("Reason for amending the published agenda"), validators=[Length(max=2000)])


class MinutesForm(FlaskForm):
    version = VersionField()
    body_md = TextAreaField(_l("Minutes (Markdown)"), validators=[Length(max=200_000)])


class GenerateMinutesForm(FlaskForm):
    replace = BooleanField(_l("Replace the current draft with one generated from the record"))


class ReleaseMinutesForm(FlaskForm):
    """Release the draft for approval: a button, nothing to type."""


class ScheduleApprovalForm(FlaskForm):
    """Put "Approval of the minutes" on the agenda of the meeting the page offers (a hidden field)."""

    meeting_id = SelectField(_l("Meeting"), coerce=optional_id, validators=[InputRequired()], validate_choice=False)
    amendment_reason = TextAreaField(_l("Reason for amending the published agenda"), validators=[Length(max=2000)])
