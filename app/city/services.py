"""The city profile: read once per request as a frozen snapshot, changed only through update_city_profile.

Until the profile is saved, config supplies the defaults (CITY_NAME, TIMEZONE, BABEL_DEFAULT_LOCALE). app.core
reads the time zone and record language through the provider this package registers on the app (init_app), so
core never imports this package.
"""

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app, g, has_app_context
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.city.models import (
    EMAIL_MAX,
    FOOTER_MAX,
    NAME_MAX,
    NOTICE_MAX,
    PHONE_MAX,
    PLACE_MAX,
    SHORT_NAME_MAX,
    WEBSITE_MAX,
    CityProfile,
    NoticeKind,
    NoticeVersion,
)
from app.core import audit
from app.core.errors import DomainError
from app.core.storage import delete_after_commit
from app.core.text import clean_text
from app.core.timeutil import utcnow
from app.core.uploads import validate_and_store_image
from app.extensions import db

#: The largest logo accepted (a logo rarely needs more than a few hundred kilobytes).
LOGO_MAX_BYTES = 2 * 1024 * 1024
#: File extension of the logo's public URL by content type (the URL carries the content hash).
LOGO_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^[0-9+()\-. ]{7,40}$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_G_KEY = "dais_city"


@dataclass(frozen=True)
class City:
    """What the pages, mail and services need to know about the city: plain values, no database object."""

    name_en: str
    name_es: str
    short_name: str
    timezone: str
    record_language: str
    meeting_place: str
    clerk_email: str
    clerk_phone: str
    website: str
    footer_text: str
    records_notice: str
    records_notice_version: int
    email_notice: str
    email_notice_version: int
    logo_sha256: str | None = None
    logo_content_type: str | None = None
    logo_stored_name: str | None = None
    #: When the profile was last saved; None until a person saves it (the setup checklist's first step).
    updated_at: datetime | None = None
    #: Roles that must sign in with a second factor (comma-separated), None until the city chooses.
    two_factor_roles: str | None = None
    #: Months residents' contact details are kept after the meeting, None until the city chooses.
    contact_retention_months: int | None = None
    #: Days of published notice before an ordinance's adoption, None until the city chooses (then 10).
    ordinance_notice_days: int | None = None
    #: The profile row and its version (0: never saved), so that the profile page refuses a save made from an
    #: out-of-date page (app/core/versioning.py); its audit entries name "CityProfile".
    id: int | None = None
    version: int = 0
    audit_type: ClassVar[str] = "CityProfile"

    @property
    def saved(self) -> bool:
        return self.updated_at is not None

    def name(self, locale: str | None = None) -> str:
        """The official name in ``locale`` (the Spanish name on Spanish pages, when the city gave one), or ""
        while the city is not set up."""
        if locale and str(locale).startswith("es") and self.name_es:
            return self.name_es
        return self.name_en or self.name_es

    @property
    def logo_extension(self) -> str | None:
        return LOGO_EXTENSIONS.get(self.logo_content_type or "")


def default_city() -> City:
    config = current_app.config
    return City(
        name_en=config.get("CITY_NAME", "") or "",
        name_es="",
        short_name="",
        timezone=config["TIMEZONE"],
        record_language=config["BABEL_DEFAULT_LOCALE"],
        meeting_place="",
        clerk_email="",
        clerk_phone="",
        website="",
        footer_text="",
        records_notice="",
        records_notice_version=0,
        email_notice="",
        email_notice_version=0,
    )


def _snapshot(profile: CityProfile) -> City:
    return City(
        name_en=profile.name_en or "",
        name_es=profile.name_es or "",
        short_name=profile.short_name or "",
        timezone=profile.timezone,
        record_language=profile.record_language,
        meeting_place=profile.meeting_place or "",
        clerk_email=profile.clerk_email or "",
        clerk_phone=profile.clerk_phone or "",
        website=profile.website or "",
        footer_text=profile.footer_text or "",
        records_notice=profile.records_notice or "",
        records_notice_version=profile.records_notice_version or 0,
        email_notice=profile.email_notice or "",
        email_notice_version=profile.email_notice_version or 0,
        logo_sha256=profile.logo_sha256,
        logo_content_type=profile.logo_content_type,
        logo_stored_name=profile.logo_stored_name,
        updated_at=profile.updated_at,
        two_factor_roles=profile.two_factor_roles,
        contact_retention_months=profile.contact_retention_months,
        ordinance_notice_days=profile.ordinance_notice_days,
        id=profile.id,
        version=profile.version,
    )


def _profile_row() -> CityProfile | None:
    return db.session.scalar(select(CityProfile).order_by(CityProfile.id).limit(1))


def current_city() -> City:
    """The city as it stands: one query the first time in an app context (a request), then from ``flask.g``.

    A database that is busy or down gives config's defaults for the rest of the request, so error pages still
    render (app/errors.py answers the error itself)."""
    cached = g.get(_G_KEY) if has_app_context() else None
    if cached is not None:
        return cached
    try:
        profile = _profile_row()
    except SQLAlchemyError:
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        profile = None  # config's defaults for the rest of this request: its error page needs no second try
    city = _snapshot(profile) if profile is not None else default_city()
    if has_app_context():
        setattr(g, _G_KEY, city)
    return city


def city_name(locale: str | None = None) -> str:
    """The city's name in ``locale`` (default: the reader's) for a sentence, a feed or mail; "Dais" until the
    profile (or config CITY_NAME) names the city."""
    if locale is None:
        current = get_locale()
        locale = str(current) if current is not None else None
    return current_city().name(locale) or "Dais"


def forget_city() -> None:
    """Drop this context's snapshot (and Flask-Babel's cached zone): the next read loads the profile again."""
    if has_app_context():
        g.pop(_G_KEY, None)
        refresh()


# --- changing the profile -----------------------------------------------------------------------------------


def _text(value, field: str, max_length: int, *, required_message=None, multiline=False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise DomainError(_("This field must be text."), field=field)
    if CONTROL_RE.search(value):
        raise DomainError(_("Remove the control characters from this field."), field=field)
    value = clean_text(value, multiline=multiline)
    if required_message and not value:
        raise DomainError(required_message, field=field)
    if len(value) > max_length:
        raise DomainError(
            _("This is too long: %(num)d characters at most (you gave %(given)d).", num=max_length, given=len(value)),
            field=field,
        )
    return value


def valid_timezone(value) -> str:
    name = _text(value, "timezone", 64, required_message=_("Choose the city's time zone."))
    if name not in _zone_names():
        raise DomainError(
            _("“%(zone)s” is not a time zone Dais knows. Use a name such as America/New_York.", zone=name),
            field="timezone",
        )
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(_("“%(zone)s” is not a time zone Dais knows.", zone=name), field="timezone") from None
    return name


_ZONES: frozenset[str] | None = None


def _zone_names() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def zone_choices() -> list[str]:
    return sorted(_zone_names())


def _language(value) -> str:
    languages = current_app.config["LANGUAGES"]
    if not isinstance(value, str) or value not in languages:
        raise DomainError(
            _("Choose one of the languages Dais offers: %(codes)s.", codes=", ".join(languages)),
            field="record_language",
        )
    return value


def _email(value) -> str:
    address = _text(value, "clerk_email", EMAIL_MAX)
    if address and not EMAIL_RE.match(address):
        raise DomainError(_("Enter a valid email address, such as clerk@city.example."), field="clerk_email")
    return address.lower()


def _phone(value) -> str:
    phone = _text(value, "clerk_phone", PHONE_MAX)
    if phone and not PHONE_RE.match(phone):
        raise DomainError(
            _("Enter a phone number with digits, spaces and + ( ) - . only, such as 305-555-0100."), field="clerk_phone"
        )
    return phone


def _website(value) -> str:
    url = _text(value, "website", WEBSITE_MAX)
    if not url:
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise DomainError(_("Enter the full address, starting with https://."), field="website")
    return url


def _record_notice_version(profile: CityProfile, kind: NoticeKind, text: str, actor_label: str) -> None:
    """A notice's version goes up by one when, and only when, its text changes; each wording is kept."""
    text_attr, version_attr = f"{kind.value}_notice", f"{kind.value}_notice_version"
    if (getattr(profile, text_attr) or "") == text:
        return
    version = (getattr(profile, version_attr) or 0) + 1
    setattr(profile, text_attr, text)
    setattr(profile, version_attr, version)
    db.session.add(NoticeVersion(kind=kind, version=version, text=text, created_at=utcnow(), actor_label=actor_label))


def _audit_view(profile: CityProfile) -> dict:
    return {
        "name_en": profile.name_en,
        "name_es": profile.name_es,
        "short_name": profile.short_name,
        "timezone": profile.timezone,
        "record_language": profile.record_language,
        "meeting_place": profile.meeting_place,
        "clerk_email": profile.clerk_email,
        "clerk_phone": profile.clerk_phone,
        "website": profile.website,
        "footer_text": profile.footer_text,
        "records_notice": profile.records_notice,
        "records_notice_version": profile.records_notice_version,
        "email_notice": profile.email_notice,
        "email_notice_version": profile.email_notice_version,
        "logo_sha256": profile.logo_sha256,
        "logo_content_type": profile.logo_content_type,
    }


#: The profile's text fields, in the order the page shows them (the view passes them by these names).
PROFILE_FIELDS = (
    "name_en",
    "name_es",
    "short_name",
    "timezone",
    "record_language",
    "meeting_place",
    "clerk_email",
    "clerk_phone",
    "website",
    "records_notice",
    "email_notice",
    "footer_text",
)


def _checks(fields: dict) -> dict:
    defaults = default_city()
    timezone, language = fields.get("timezone"), fields.get("record_language")
    return {
        "name_en": lambda: _text(
            fields.get("name_en"), "name_en", NAME_MAX, required_message=_("Enter the city's official name.")
        ),
        "name_es": lambda: _text(fields.get("name_es"), "name_es", NAME_MAX),
        "short_name": lambda: _text(fields.get("short_name"), "short_name", SHORT_NAME_MAX),
        "timezone": lambda: valid_timezone(timezone if timezone is not None else defaults.timezone),
        "record_language": lambda: _language(language if language is not None else defaults.record_language),
        "meeting_place": lambda: _text(fields.get("meeting_place"), "meeting_place", PLACE_MAX, multiline=True),
        "clerk_email": lambda: _email(fields.get("clerk_email")),
        "clerk_phone": lambda: _phone(fields.get("clerk_phone")),
        "website": lambda: _website(fields.get("website")),
        "records_notice": lambda: _text(fields.get("records_notice"), "records_notice", NOTICE_MAX, multiline=True),
        "email_notice": lambda: _text(fields.get("email_notice"), "email_notice", NOTICE_MAX, multiline=True),
        "footer_text": lambda: _text(fields.get("footer_text"), "footer_text", FOOTER_MAX, multiline=True),
    }


def _validate(fields: dict) -> tuple[dict, list[DomainError]]:
    values, problems = {}, []
    for name, check in _checks(fields).items():
        try:
            values[name] = check()
        except DomainError as exc:
            problems.append(exc)
    return values, problems


def profile_problems(**fields) -> list[DomainError]:
    """Every refusal ``update_city_profile`` would give for these text fields, so a form can show them all at
    once (the service itself stops at the first). The logo is checked only when saving."""
    return _validate(fields)[1]


def update_city_profile(
    *,
    name_en,
    name_es="",
    short_name="",
    timezone=None,
    record_language=None,
    meeting_place="",
    clerk_email="",
    clerk_phone="",
    website="",
    footer_text="",
    records_notice="",
    email_notice="",
    logo=None,
    remove_logo: bool = False,
    actor=None,
    actor_label: str | None = None,
) -> CityProfile:
    """Validate and save the whole profile (creating it the first time), audit before and after, flush.

    ``logo`` is an uploaded file (anything with ``filename`` and ``stream``) that replaces the logo;
    ``remove_logo`` removes it. A refusal is a DomainError naming the field; nothing is saved then.
    ``actor`` is the User; without one (the command line, the demo) ``actor_label`` says who."""
    values, problems = _validate(
        {
            "name_en": name_en,
            "name_es": name_es,
            "short_name": short_name,
            "timezone": timezone,
            "record_language": record_language,
            "meeting_place": meeting_place,
            "clerk_email": clerk_email,
            "clerk_phone": clerk_phone,
            "website": website,
            "footer_text": footer_text,
            "records_notice": records_notice,
            "email_notice": email_notice,
        }
    )
    if problems:
        raise problems[0]
    notices = {NoticeKind.records: values.pop("records_notice"), NoticeKind.email: values.pop("email_notice")}
    stored_logo = None
    filename = getattr(logo, "filename", None) if logo is not None else None
    if logo is not None and (not isinstance(filename, str | None) or not hasattr(logo, "stream")):
        raise DomainError(_("Choose a picture file."), field="logo")
    if filename:
        # Last, once every other field passed: a refused form leaves no file behind.
        stored_logo = validate_and_store_image(filename, logo.stream, field="logo", max_bytes=LOGO_MAX_BYTES)

    profile = _profile_row()
    created = profile is None
    if created:
        profile = CityProfile(records_notice="", records_notice_version=0, email_notice="", email_notice_version=0)
        db.session.add(profile)
        before = {}
    else:
        before = _audit_view(profile)
    who = actor.email if actor is not None else (actor_label or "system")
    for name, value in values.items():
        setattr(profile, name, value)
    for kind, text in notices.items():
        _record_notice_version(profile, kind, text, who)
    if stored_logo is not None or remove_logo:
        delete_after_commit(profile.logo_stored_name)  # the old picture goes once this commits
    if stored_logo is not None:
        profile.logo_stored_name = stored_logo.stored_name
        profile.logo_content_type = stored_logo.content_type
        profile.logo_sha256 = stored_logo.sha256
        profile.logo_size = stored_logo.size
    elif remove_logo:
        profile.logo_stored_name = profile.logo_content_type = profile.logo_sha256 = None
        profile.logo_size = None
    profile.updated_at = utcnow()
    db.session.flush()
    after = _audit_view(profile)
    changed = sorted(k for k in after if before.get(k) != after[k])
    if created or changed:
        audit.record(
            "city.create" if created else "city.update",
            profile,
            ("Saved the city profile for the first time" if created else "Updated the city profile")
            + (f": {', '.join(changed)}" if changed else ""),
            actor=actor,
            actor_label=actor_label,
            data={"before": before, "after": after, "changed": changed},
        )
        db.session.flush()
    forget_city()
    return profile


def notice_history(kind: NoticeKind) -> list[NoticeVersion]:
    """Every wording of a notice, newest first (the staff page lists them for auditors)."""
    return list(
        db.session.scalars(
            select(NoticeVersion).where(NoticeVersion.kind == kind).order_by(NoticeVersion.version.desc())
        )
    )
