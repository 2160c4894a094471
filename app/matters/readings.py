"""An ordinance's two readings and its notice (issue 20; F.S. 166.041(3)(a)). Pure: dates in, dates and messages out.

The rule, as Dais applies it:

* An ordinance is read (by title or in full) at two meetings on **separate days**: the second reading, at which it
  is adopted, is on a later day than the first.
* Notice of the proposed ordinance is published **at least N days before adoption** (N is the city's setting,
  ``CityProfile.ordinance_notice_days``; the statute's 10 when the city has not chosen). Counting: the day of
  publication is not counted and the day of adoption is, so adoption is lawful when
  ``adoption_date - publication_date >= N days``: notice published Monday 1 June allows adoption from Thursday
  11 June (10 days), not Wednesday 10 June (9 days). A city whose attorney counts both days out sets N to 11.
* The notice need not follow the first reading (the statute ties it to adoption only); the earliest second reading
  is the later of "the day after the first reading" and "publication + N days".
* An ordinance takes effect on the date it states, or else on adoption (``effective_on``); the city's charter may
  say otherwise (a fixed delay), which the caller passes as ``default_delay_days``.

Publication (F.S. 50.011, as amended in 2022 by HB 7049, from 1 January 2023): in a newspaper that meets the
statute's tests, or, where the local government chose so, on a publicly accessible website of the county (or one
designated by it) in the manner 50.0311 sets. ``app.matters.notices.OrdinanceNotice`` keeps when and where it
was published and how it is proven (an affidavit of publication, a capture of the web page). This is a paraphrase,
not legal advice: the city attorney confirms the count and the medium.

The messages are translated at call time (call inside a request or an app context with a locale).
"""

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.enums import LabeledEnum
from app.core.web import local_date

#: F.S. 166.041(3)(a): notice at least 10 days before adoption.
STATUTORY_NOTICE_DAYS = 10
#: What a city may set (a longer period is its own choice; a shorter one would break the statute).
NOTICE_DAYS_LIMITS = (STATUTORY_NOTICE_DAYS, 60)
DAY_PATTERN = "EEEE, d MMMM y"  # date_full in app/core/web.py


class NoticeMedium(LabeledEnum):
    """Where a notice was published (F.S. 50.011)."""

    newspaper = "newspaper", _l("A newspaper")
    website = "website", _l("The county's public notice website")


MEDIA = tuple(m.value for m in NoticeMedium)


def say_day(value: date) -> str:
    """A day in words, in the reader's language (the date_full context)."""
    return local_date(value, DAY_PATTERN)


def earliest_second_reading(
    first_reading_on: date | None, notice_published_on: date | None, days: int = STATUTORY_NOTICE_DAYS
) -> tuple[date | None, list[str]]:
    """The earliest lawful day for the second reading (adoption), and the reasons that set it, in words.

    The date is None when it cannot be known yet: no first reading, or no notice published (the reasons say so)."""
    reasons: list[str] = []
    candidates: list[date] = []
    if first_reading_on is None:
        reasons.append(_("The ordinance has not had its first reading yet."))
    else:
        after_first = first_reading_on + timedelta(days=1)
        candidates.append(after_first)
        reasons.append(
            _(
                "The second reading must be on a later day than the first reading (%(first)s).",
                first=say_day(first_reading_on),
            )
        )
    if notice_published_on is None:
        reasons.append(
            _(
                "The notice of the ordinance has not been published yet; adoption can be at least %(days)d days "
                "after it is.",
                days=days,
            )
        )
    else:
        candidates.append(notice_published_on + timedelta(days=days))
        reasons.append(
            _(
                "The notice was published on %(published)s; adoption must be at least %(days)d days later.",
                published=say_day(notice_published_on),
                days=days,
            )
        )
    if first_reading_on is None or notice_published_on is None:
        return None, reasons
    return max(candidates), reasons


def check_second_reading(
    first_reading_on: date | None,
    notice_published_on: date | None,
    proposed_on: date,
    days: int = STATUTORY_NOTICE_DAYS,
) -> str | None:
    """None when a second reading (adoption) on ``proposed_on`` is lawful; otherwise the reason and the earliest
    date, as one translated sentence ready for a DomainError (or a warning on the agenda)."""
    if first_reading_on is None:
        return _("An ordinance is adopted at its second reading; it has not had its first reading yet.")
    if proposed_on <= first_reading_on:
        return _(
            "The second reading must be on a later day than the first reading (%(first)s).",
            first=say_day(first_reading_on),
        )
    if notice_published_on is None:
        return _(
            "The notice of the ordinance has not been published yet: it must be published at least %(days)d days "
            "before the second reading.",
            days=days,
        )
    earliest, _reasons = earliest_second_reading(first_reading_on, notice_published_on, days)
    if proposed_on < earliest:
        return _(
            "Too early for the second reading: the notice was published on %(published)s and adoption must be at "
            "least %(days)d days later. The earliest lawful date is %(earliest)s.",
            published=say_day(notice_published_on),
            days=days,
            earliest=say_day(earliest),
        )
    return None


def effective_on(adopted_on: date, stated: date | None = None, default_delay_days: int = 0) -> date:
    """The day an ordinance takes effect: the day it states, or else its adoption (plus the charter's delay)."""
    if stated is not None:
        return stated
    return adopted_on + timedelta(days=default_delay_days)


def check_notice_days(days) -> str | None:
    """None for an acceptable city setting; otherwise the translated reason."""
    low, high = NOTICE_DAYS_LIMITS
    if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
        return _("Enter a number of days from %(low)d to %(high)d.", low=low, high=high)
    return None


def check_notice(published_on, medium, where) -> str | None:
    """None for a complete notice record; otherwise the translated reason."""
    if not isinstance(published_on, date):
        return _("Enter the date the notice was published.")
    if medium not in MEDIA:
        return _("Choose where the notice was published: a newspaper or a website.")
    if not isinstance(where, str) or not where.strip() or len(where) > 300:
        return _("Name the newspaper or give the web address of the notice (at most 300 characters).")
    if medium == "website" and not where.strip().lower().startswith(("https://", "http://")):
        return _("Give the web address of the notice, starting with https://.")
    return None
