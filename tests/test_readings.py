"""An ordinance's two readings (app/matters/readings.py, F.S. 166.041(3)(a)): the earliest lawful second reading,
the refusal of one too early, the notice record's checks and the effective date."""

import re
from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale

from app.matters import readings
from app.matters.readings import (
    check_notice,
    check_notice_days,
    check_second_reading,
    earliest_second_reading,
    effective_on,
)

FIRST = date(2026, 5, 26)  # a Tuesday
NOTICE = date(2026, 6, 1)  # a Monday
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"):
        yield


def test_earliest_is_ten_days_after_the_notice(ctx):
    earliest, reasons = earliest_second_reading(FIRST, NOTICE, 10)
    assert earliest == date(2026, 6, 11)
    assert any("Monday, 1 June 2026" in r and "10 days" in r for r in reasons), reasons


@pytest.mark.parametrize(
    ("gap", "lawful"),
    [(9, False), (10, True), (11, True)],
    ids=["9 days: too early", "10 days: the first lawful day", "11 days"],
)
def test_the_boundary_counts_adoption_minus_publication(ctx, gap, lawful):
    proposed = date.fromordinal(NOTICE.toordinal() + gap)
    message = check_second_reading(FIRST, NOTICE, proposed, 10)
    if lawful:
        assert message is None
    else:
        assert message == (
            "Too early for the second reading: the notice was published on Monday, 1 June 2026 and adoption must be "
            "at least 10 days later. The earliest lawful date is Thursday, 11 June 2026."
        )


def test_the_first_reading_sets_the_date_when_the_notice_came_early(ctx):
    notice = date(2026, 5, 1)
    assert earliest_second_reading(FIRST, notice, 10)[0] == date(2026, 5, 27)
    assert check_second_reading(FIRST, notice, date(2026, 5, 27), 10) is None


@pytest.mark.parametrize("proposed", [FIRST, date(2026, 5, 25)], ids=["same day", "before the first"])
def test_the_second_reading_on_the_same_day_or_before_is_refused(ctx, proposed):
    message = check_second_reading(FIRST, date(2026, 4, 1), proposed, 10)
    assert message == "The second reading must be on a later day than the first reading (Tuesday, 26 May 2026)."


def test_no_notice_yet_means_no_earliest_date(ctx):
    earliest, reasons = earliest_second_reading(FIRST, None, 10)
    assert earliest is None
    assert "The notice of the ordinance has not been published yet" in reasons[-1]
    message = check_second_reading(FIRST, None, date(2026, 12, 1), 10)
    assert message == (
        "The notice of the ordinance has not been published yet: it must be published at least 10 days before the "
        "second reading."
    )


def test_no_first_reading_yet(ctx):
    assert earliest_second_reading(None, NOTICE, 10)[0] is None
    assert "first reading yet" in check_second_reading(None, NOTICE, date(2026, 12, 1), 10)


def test_a_city_with_a_longer_notice(ctx):
    assert earliest_second_reading(FIRST, NOTICE, 15)[0] == date(2026, 6, 16)
    assert "15 days" in check_second_reading(FIRST, NOTICE, date(2026, 6, 15), 15)
    assert check_second_reading(FIRST, NOTICE, date(2026, 6, 16), 15) is None


def test_the_default_is_the_statutes_ten_days(ctx):
    assert readings.STATUTORY_NOTICE_DAYS == 10
    assert earliest_second_reading(FIRST, NOTICE)[0] == date(2026, 6, 11)


@pytest.mark.parametrize(("days", "ok"), [(10, True), (14, True), (60, True), (9, False), (61, False),
                                          ("10", False), (True, False), (None, False)])  # fmt: skip
def test_the_city_setting_is_checked(ctx, days, ok):
    assert (check_notice_days(days) is None) is ok


def test_effective_date(ctx):
    adopted = date(2026, 6, 11)
    assert effective_on(adopted) == adopted
    assert effective_on(adopted, date(2026, 10, 1)) == date(2026, 10, 1)
    assert effective_on(adopted, None, default_delay_days=10) == date(2026, 6, 21)


def test_the_notice_record(ctx):
    assert check_notice(NOTICE, "newspaper", "Key West Citizen") is None
    assert check_notice(NOTICE, "website", "https://monroecounty-fl.gov/notices/123") is None
    assert "web address" in check_notice(NOTICE, "website", "monroecounty notices")
    assert check_notice(None, "newspaper", "Key West Citizen") == "Enter the date the notice was published."
    assert check_notice(NOTICE, "radio", "WKWF") is not None
    assert check_notice(NOTICE, "newspaper", "  ") is not None
    assert check_notice(NOTICE, "newspaper", "x" * 301) is not None


def test_spanish_dates_and_a_translation_for_every_message(app):
    with app.test_request_context("/"), force_locale("es"):
        message = check_second_reading(FIRST, NOTICE, date(2026, 6, 10), 10)
    assert "11 de junio de 2026" in message and "1 de junio de 2026" in message
    from babel.messages.pofile import read_po

    with (ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale="es")
    fragment = {
        (m.id[0] if isinstance(m.id, tuple) else m.id): m.string for m in catalog if m.id and m.string
    }  # the Spanish catalog: every message of the module and the template is translated there
    placeholder = re.compile(r"%\([a-z_]+\)[sd]")
    sources = [ROOT / "app" / "matters" / "readings.py", ROOT / "templates" / "_redline.html"]
    ids = []
    for source in sources:
        text = re.sub(r"\{#.*?#\}", "", source.read_text(), flags=re.S)  # not the comments' examples
        ids += [
            "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m))
            for m in re.findall(r'_\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', text)
        ]
    assert ids
    for msgid in ids:
        assert msgid in fragment, msgid
        spanish = fragment[msgid] if isinstance(fragment[msgid], str) else fragment[msgid][0]
        assert sorted(placeholder.findall(spanish)) == sorted(placeholder.findall(msgid)), msgid


# --- the city's setting (app/matters/reading_settings.py, /staff/city/ordinances) -------------------------------


def test_the_setting_is_ten_until_the_city_chooses_and_is_audited(db, set_city, create_user):
    from sqlalchemy import select

    from app.core.audit import AuditEntry
    from app.core.errors import DomainError
    from app.matters import reading_settings

    clerk = create_user()
    with pytest.raises(DomainError, match="Save the city's profile first"):
        reading_settings.set_notice_days(12, actor=clerk)
    set_city()
    assert reading_settings.notice_days() == 10
    reading_settings.set_notice_days(14, actor=clerk)
    db.session.commit()
    assert reading_settings.notice_days() == 14
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "city.ordinance_notice_days")).one()
    assert entry.data == {"before": None, "after": 14}
    reading_settings.set_notice_days(14, actor=clerk)  # the same again: nothing to record
    with pytest.raises(DomainError) as refused:
        reading_settings.set_notice_days(9, actor=clerk)
    assert refused.value.field == "notice_days"
    assert db.session.query(AuditEntry).filter_by(action="city.ordinance_notice_days").count() == 1


@pytest.mark.parametrize("typed", ["9", "61", "ten", "99999999999999999999", "-1", ""])
def test_the_page_refuses_a_wrong_number_and_keeps_it(set_city, client, login_as, typed):
    set_city()
    login_as("clerk")
    page = client.post("/staff/city/ordinances", data={"notice_days": typed})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    if typed and typed.lstrip("-").isdigit() and len(typed) < 5:
        assert f'value="{typed}"' in html


def test_the_clerk_sets_the_days_on_the_page(set_city, client, login_as):
    set_city()
    login_as("clerk")
    assert 'value="10"' in client.get("/staff/city/ordinances").get_data(as_text=True)
    saved = client.post("/staff/city/ordinances", data={"notice_days": "15"}, follow_redirects=True)
    assert saved.status_code == 200
    html = saved.get_data(as_text=True)
    assert "checked against 15 days of notice" in html and 'value="15"' in html
    assert 'href="/staff/city/ordinances"' in client.get("/staff/city").get_data(as_text=True)
