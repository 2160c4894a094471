"""Forms of the motions and roll-call pages. Member and motion choices are filled in by the views."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.bodies.models import ThresholdBasis, ThresholdFraction
from app.core.forms import options
from app.matters.versions import MAX_TEXT
from app.meetings.forms import MultiCheckboxField, optional_id
from app.votes.models import DisclosureBasis, MotionKind, VoteChoice


def member_field(label, required=True):
    validators = [InputRequired(_l("Choose a member."))] if required else [Optional()]
    return SelectField(label, coerce=optional_id, validators=validators)


class MotionForm(FlaskForm):
    kind = SelectField(
        _l("Kind of motion"),
        choices=options((k.value, k.label) for k in MotionKind if k != MotionKind.adopt_consent_agenda),
    )
    text = TextAreaField(
        _l("The motion, as stated"), validators=[DataRequired(_l("Enter the motion as stated.")), Length(max=20_000)]
    )
    mover_id = member_field(_l("Moved by"))
    seconder_id = member_field(_l("Seconded by (leave empty if no one has seconded yet)"), required=False)
    parent_id = SelectField(_l("Amends (for an amendment or substitute)"), coerce=optional_id, validators=[Optional()])
    amended_text = TextAreaField(_l("The amended motion would read (optional)"), validators=[Length(max=20_000)])
    matter_text = TextAreaField(
        _l("The text of the matter as amended (for an amendment)"),
        validators=[Length(max=MAX_TEXT)],
        render_kw={"rows": 12},
    )
    target_id = SelectField(_l("The vote to reconsider or rescind"), coerce=optional_id, validators=[Optional()])
    postponed_to = DateField(_l("Postpone to (date)"), validators=[Optional()])
    referred_to = StringField(_l("Refer to"), validators=[Length(max=200)])
    previous_notice = BooleanField(_l("Previous notice of the motion to rescind was given"))


class ConsentForm(FlaskForm):
    text = TextAreaField(
        _l("The motion, as stated"),
        validators=[DataRequired(_l("Enter the motion as stated.")), Length(max=20_000)],
        default="Move to adopt the consent agenda.",
    )
    item_ids = MultiCheckboxField(
        _l("Items on the consent agenda (untick an item a member pulled)"), coerce=int, validators=[Optional()]
    )
    mover_id = member_field(_l("Moved by"))
    seconder_id = member_field(_l("Seconded by (leave empty if no one has seconded yet)"), required=False)


class SecondForm(FlaskForm):
    seconder_id = member_field(_l("Seconded by"))


class ThresholdForm(FlaskForm):
    basis = SelectField(_l("Counted against"), choices=options((b.value, b.label) for b in ThresholdBasis))
    fraction = SelectField(_l("Share needed"), choices=options((f.value, f.label) for f in ThresholdFraction))
    min_yes = IntegerField(
        _l("At least this many yes votes (0 for no floor)"),
        default=0,
        validators=[InputRequired(_l("Enter a number, 0 for none.")), NumberRange(min=0, max=99)],
    )

    def rule(self):
        return ThresholdBasis(self.basis.data), ThresholdFraction(self.fraction.data), self.min_yes.data


class VoteForm(FlaskForm):
    member_id = SelectField(_l("Member"), coerce=optional_id, validators=[InputRequired()])
    choice = RadioField(
        _l("Vote"),
        choices=options((c.value, c.label) for c in VoteChoice),
        validators=[InputRequired(_l("Choose a vote."))],
    )


class OwnVoteForm(FlaskForm):
    choice = RadioField(
        _l("Your vote"),
        choices=options((c.value, c.label) for c in (VoteChoice.yes, VoteChoice.no, VoteChoice.abstain)),
        validators=[InputRequired(_l("Choose a vote."))],
    )


class CorrectionForm(FlaskForm):
    choice = SelectField(_l("Corrected vote"), choices=options((c.value, c.label) for c in VoteChoice))
    reason = TextAreaField(
        _l("Why the record is corrected"), validators=[DataRequired(_l("Say why.")), Length(max=2000)]
    )


class DisclosureForm(FlaskForm):
    member_id = member_field(_l("Member"))
    basis = SelectField(
        _l("Ground"), choices=options((b.value, b.label) for b in DisclosureBasis), default=DisclosureBasis.own.value
    )
    nature = TextAreaField(
        _l("Nature of the interest, as stated on the record"),
        validators=[DataRequired(_l("State the nature of the interest.")), Length(max=5000)],
    )


class Form8BForm(FlaskForm):
    filed_on = DateField(_l("Filed on"), validators=[InputRequired(_l("Give the date it was filed."))])
    file = FileField(_l("The memorandum (Form 8B): PDF, DOCX or an image, up to 20 MB"))
