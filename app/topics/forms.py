"""The topic form of the staff page, and the topics field that the item, resolution and agreement forms carry."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import options
from app.topics.models import NAME_MAX
from app.topics.services import DESCRIPTION_MAX


class TopicForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the topic a name.")),
            Length(max=NAME_MAX, message=_l("A topic's name has at most %(max)d characters.", max=NAME_MAX)),
        ],
    )
    description = TextAreaField(
        _l("Description (optional, shown on the topic's page)"),
        validators=[
            Length(
                max=DESCRIPTION_MAX,
                message=_l("A description has at most %(max)d characters.", max=DESCRIPTION_MAX),
            )
        ],
    )


class TopicsField(SelectMultipleField):
    """Checkboxes of topics. The page sends an empty marker value with them, so ``sent`` tells "every box
    unticked" (clear the topics) from "the field was not in the form" (leave them as they are)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=str, **kwargs)
        self.sent = False

    def process_formdata(self, valuelist):
        self.sent = bool(valuelist)
        self.data = [v for v in valuelist if v]

    def pre_validate(self, form):
        allowed = {str(c[0]) if isinstance(c, tuple) else str(c.value) for c in (self.choices or [])}
        if any(v not in allowed for v in self.data or []):
            raise ValidationError(_("Choose topics from the list."))


def fill_topics(field: TopicsField, offered, attached) -> None:
    """Offer the active topics and the retired ones already on the record; tick what the record carries (on a
    page not yet sent)."""
    seen = {t.id for t in offered}
    shown = list(offered) + [t for t in attached if t.id not in seen]
    field.choices = options(
        (str(t.id), _("%(name)s (retired)", name=t.name) if t.is_retired else t.name)
        for t in sorted(shown, key=lambda t: t.name.lower())
    )
    if not field.sent:
        field.data = [str(t.id) for t in attached]


def save_topics(record, field: TopicsField, *, actor) -> bool:
    """Tag ``record`` with the topics ticked in ``field`` (nothing when the field was not sent); a refusal names
    the field."""
    from app.core.errors import DomainError
    from app.topics import services

    if not field.sent:
        return False
    try:
        return services.set_topics(record, services.topics_by_ids(field.data), actor=actor)
    except DomainError as error:
        raise DomainError(error.message, field=field.name.rsplit("-", 1)[-1]) from None


def offer_topics(field: TopicsField, attached) -> None:
    from app.topics import services

    fill_topics(field, services.active_topics(), attached)
