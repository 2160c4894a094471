"""The city's profile (one row), the history of its public notices, and the first-run setup link."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, str_enum
from app.core.enums import LabeledEnum
from app.core.timeutil import utcnow
from app.core.versioning import version_column
from app.extensions import db

NAME_MAX, SHORT_NAME_MAX, EMAIL_MAX, PHONE_MAX, WEBSITE_MAX = 200, 60, 254, 40, 300
PLACE_MAX, FOOTER_MAX, NOTICE_MAX = 500, 1000, 5000


class NoticeKind(LabeledEnum):
    #: Chapter 119: what a resident submits on a public form is a public record (R12).
    records = "records", _l("Public-records notice")
    #: F.S. 668.6076: e-mail addresses are public records (R12).
    email = "email", _l("Email notice")


class CityProfile(db.Model):
    """The city itself. One row at most; until it exists, config supplies the defaults (app/city/services.py)."""

    __tablename__ = "city_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    name_es: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    short_name: Mapped[str] = mapped_column(String(SHORT_NAME_MAX), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    record_language: Mapped[str] = mapped_column(String(8))
    meeting_place: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    clerk_email: Mapped[str] = mapped_column(String(EMAIL_MAX), default="")
    clerk_phone: Mapped[str] = mapped_column(String(PHONE_MAX), default="")
    website: Mapped[str] = mapped_column(String(WEBSITE_MAX), default="")
    footer_text: Mapped[str] = mapped_column(Text, default="")
    #: Empty means Dais's built-in statutory wording; version 0 is that wording, each change adds one.
    records_notice: Mapped[str] = mapped_column(Text, default="")
    records_notice_version: Mapped[int] = mapped_column(Integer, default=0)
    email_notice: Mapped[str] = mapped_column(Text, default="")
    email_notice_version: Mapped[int] = mapped_column(Integer, default=0)
    #: The logo, stored through app/core/uploads under a random name; served at a URL carrying its hash.
    logo_stored_name: Mapped[str | None] = mapped_column(String(64))
    logo_content_type: Mapped[str | None] = mapped_column(String(40))
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    logo_size: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Bumped on every save; a save from a page rendered at another version is refused (app/core/versioning.py).
    version: Mapped[int] = version_column()
    __mapper_args__ = {"version_id_col": version}
    #: Roles that must sign in with a second factor, comma-separated ("admin,clerk,deputy_clerk"); NULL until the
    #: city chooses (config TWO_FACTOR_ROLES then applies). Written by app.auth.two_factor.set_required_roles.
    two_factor_roles: Mapped[str | None] = mapped_column(String(80))
    #: Months after a meeting that residents' contact details are kept (NULL: config CONTACT_RETENTION_MONTHS).
    contact_retention_months: Mapped[int | None] = mapped_column(Integer)
    #: Days of published notice before an ordinance's adoption (NULL: the statute's 10, F.S. 166.041(3)(a)).
    #: Written by app.matters.reading_settings.set_notice_days.
    ordinance_notice_days: Mapped[int | None] = mapped_column(Integer)
    #: The city's pattern for matter file numbers ("{yyyy}-{nnnn}"); NULL: "{yy}-{nnnn}" (app.matters.numbering).
    file_number_pattern: Mapped[str | None] = mapped_column(String(40))


class NoticeVersion(db.Model):
    """Every wording a notice has had, so an auditor can see which version a form showed on a given day."""

    __tablename__ = "city_notice_versions"
    __table_args__ = (UniqueConstraint("kind", "version", name="uq_city_notice_versions_kind_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NoticeKind] = mapped_column(str_enum(NoticeKind, "notice_kind"))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Who saved it ("clerk@city.example"); the audit entry has the full before/after.
    actor_label: Mapped[str] = mapped_column(String(255))


class SetupToken(db.Model):
    """The one-time link `flask setup` prints: stored as a digest, expires, used once; a new one revokes the old."""

    __tablename__ = "setup_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
