"""What a resident sends is checked here, the same way for every public form: the public-records notice
(R12), the sign-up window (R6), and each field's length and characters."""

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from app.core.errors import DomainError
from app.core.text import clean_text
from app.meetings.models import Meeting
from app.public_comment.models import SpeakerRequestParticipation, Stance
from app.public_comment.policy import signup_window
from app.public_comment.retention import retention_months

P = SpeakerRequestParticipation

#: The public-records notice shown before every public form (R12). A new wording gets a new version; the
#: version each resident saw is stored with their card or comment.
DISCLAIMER_VERSION = "PR-2026-1"


def disclaimer_paragraphs() -> list[str]:
    return [
        _(
            "Under Florida's public records law (Chapter 119, Florida Statutes), what you submit here is a public "
            "record: your name, the item, your position, your group and any written comment can be seen by anyone."
        ),
        _(
            "Under Florida law, e-mail addresses are public records. If you do not want your e-mail address released "
            "in response to a public records request, do not send electronic mail to this entity. Instead, contact "
            "this office by phone or in writing (F.S. 668.6076)."
        ),
        _(
            "Email, phone, city and accommodation details are optional. Dais shows them only to the City Clerk's "
            "staff, never on a public page, but they can still be released in response to a public records request "
            "unless a statutory exemption applies."
        ),
        ngettext(
            "Your email, phone, city and accommodation details are deleted %(num)d month after the meeting; your "
            "name, group, position and comment stay in the public record.",
            "Your email, phone, city and accommodation details are deleted %(num)d months after the meeting; your "
            "name, group, position and comment stay in the public record.",
            retention_months(),
        ),
    ]


@dataclass(frozen=True)
class RecordsNotice:
    """What a public form shows of the records notice: the paragraphs and the version the resident confirms."""

    version: str
    paragraphs: list[str]


def records_notice() -> RecordsNotice:
    return RecordsNotice(DISCLAIMER_VERSION, disclaimer_paragraphs())


NAME_MAX, GROUP_MAX, EMAIL_MAX, PHONE_MAX, CITY_MAX, LANGUAGE_MAX, ACCOMMODATION_MAX = 120, 120, 254, 40, 80, 60, 1000
PHONE_RE = re.compile(r"^[0-9+()\-. ]{7,40}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_field(value, field: str, max_length: int, *, required=False, multiline=False, label=None) -> str | None:
    if value is not None and CONTROL_RE.search(value):
        raise DomainError(_("Remove the control characters from this field."), field=field)
    value = clean_text(value, multiline=multiline)
    if not multiline:
        value = " ".join(value.split())
    if required and not value:
        raise DomainError(_("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainError(
            _("Use at most %(max)d characters (you typed %(length)d).", max=max_length, length=len(value)), field=field
        )
    return value or None


def phone_digits(phone: str | None) -> str:
    return "".join(ch for ch in phone or "" if ch.isdigit())


def check_public_submission(meeting: Meeting, disclaimer_version: str | None, *, policy=None) -> None:
    """R6 window and R12 notice: a resident's form is taken only while sign-up is open, after the notice."""
    window = signup_window(meeting, policy=policy)
    if not window.is_open:
        raise DomainError(window.message())
    if disclaimer_version != DISCLAIMER_VERSION:
        raise DomainError(_("Read the public-records notice, then submit the form again."))


def parse_stance(value) -> Stance:
    try:
        return Stance(value)
    except ValueError:
        raise DomainError(_("Choose support, oppose or neutral."), field="stance") from None


def parse_participation(value) -> P:
    try:
        return P(value)
    except ValueError:
        raise DomainError(_("Choose how you will take part."), field="participation") from None
