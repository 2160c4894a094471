"""A staff member is told by mail of every change to their own sign-in (ASVS 2.2.3 and 2.5.5): a password set or
reset, a second factor turned on, off or reset, new recovery codes. One message through the outbox, in the same
transaction as the change, in the language of the page that made it; it holds no link, so nothing in it can be
used by someone else who reads it."""

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _

from app.auth.models import User
from app.city.services import city_name
from app.core import outbox
from app.core.outbox import MailingKind
from app.core.timeutil import utcnow
from app.core.web import format_local


def tell(user: User, what: str, *, actor: User | None) -> None:
    """Queue the notice that ``what`` (a translated sentence) happened to ``user``'s account."""
    city = city_name()
    by_someone_else = actor is not None and actor.id != user.id
    body = "\n".join(
        [
            _("Hello %(name)s,", name=user.display_name),
            "",
            _("On %(when)s: %(what)s", when=format_local(utcnow()), what=what),
            _("It was done by %(name)s.", name=actor.display_name) if by_someone_else else "",
            "",
            _(
                "If this was not you or someone you asked, tell the city's administrator at once and change your "
                "password."
            ),
            "",
            city,
        ]
    )
    outbox.send(
        MailingKind.security_notice,
        user.email,
        _("A change to your sign-in at %(city)s", city=city),
        body,
        title=f"Sign-in change notice to {user.email}",
        locale=str(get_locale()) if has_request_context() else "en",
        actor=actor,
    )
