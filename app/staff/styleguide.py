"""The design system as a staff page (issue 19): every named component of static/css/dais.css, rendered, with its
name and when to use it. Staff only; nothing on it is saved (its sample form has no action)."""

from datetime import UTC, datetime

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField

from app.auth.decorators import staff_required
from app.core.forms import options
from app.core.redline import compare
from app.core.web import DATE_CONTEXTS, date_context_filter
from app.staff.accounts import bp

#: The colour tokens shown as swatches (each has a .swatch-<name> class in dais.css).
COLOURS = (
    "ink", "muted", "paper", "wash", "line", "brand", "brand-dark", "link", "focus",
    "ok-ink", "err-ink", "info-ink", "warn-ink", "yes", "no", "abstain",
)  # fmt: skip
#: The redline sample: the July 8 resolution's first draft against its amended text (made-up wording).
REDLINE_OLD = (
    "The City Commission shall not enter the agreement.\n\n"
    "This resolution takes effect on July 1, 2025.\n\n"
    "The Clerk shall send a copy to the Chief of Police."
)
REDLINE_NEW = (
    "The City Commission authorizes the City Manager to enter the “287(g)” agreement.\n\n"
    "Section 2. The City Manager shall report to the Commission every 90 days.\n\n"
    "This resolution takes effect on July 8, 2025."
)
SPACES = (("--space-1", ".25rem"), ("--space-2", ".5rem"), ("--space-3", ".75rem"), ("--space-4", "1rem"),
          ("--space-5", "1.5rem"), ("--space-6", "2rem"), ("--touch", "2.75rem (44 px)"))  # fmt: skip


class SampleForm(FlaskForm):
    """Fields as a resident's form shows them; never submitted."""

    class Meta:
        csrf = False

    name = StringField(_l("Your name"))
    email = StringField(_l("Email"))
    phone = StringField(_l("Phone (optional)"))
    stance = RadioField(
        _l("Your position on the item"), choices=options([("support", _l("Support")), ("oppose", _l("Oppose"))])
    )
    agree = BooleanField(_l("I speak for a group (a representative has more time)"))


@bp.route("/styleguide")
@staff_required
def styleguide():
    form = SampleForm(data={"email": "not-an-address"})
    form.validate()  # nothing is required; the error below is set by hand to show how one looks
    form.email.errors = [_l("Enter an email address like name@example.com.")]
    sample = datetime(2025, 6, 30, 21, 0, tzinfo=UTC)  # the June 30 special meeting, 5 PM in Key West
    examples = [(name, date_context_filter(kind, fmt)(sample)) for name, (kind, fmt) in DATE_CONTEXTS.items()]
    return render_template(
        "staff/styleguide.html",
        form=form,
        colours=COLOURS,
        spaces=SPACES,
        sample_date=sample,
        date_examples=examples,
        redline_sample=compare(REDLINE_OLD, REDLINE_NEW),
    )
