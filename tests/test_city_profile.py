"""The city profile: validation, audit, notice versions, the logo, and what the pages take from it."""

import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.city.models import CityProfile, NoticeKind, NoticeVersion
from app.city.services import current_city, forget_city, update_city_profile
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.core.record import in_record_language, record_language
from app.core.timeutil import city_zone

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    b'<rect width="10" height="10" fill="#0b4f6c"/></svg>'
)
VALID = {"name_en": "Town of Example", "timezone": "America/New_York", "record_language": "en"}


class Upload:
    """What the view hands the service: a file name and a stream (werkzeug's FileStorage has both)."""

    def __init__(self, filename, data):
        self.filename = filename
        self.stream = io.BytesIO(data)


def profiles(db) -> int:
    return db.session.scalar(select(func.count(CityProfile.id)))


# --- the service refuses bad values, naming the field, and saves nothing ----------------------------------------


BAD_VALUES = [
    ("name_en", 42, "must be text"),
    ("name_en", "", "official name"),
    ("name_en", "x" * 201, "too long"),
    ("name_es", ["a list"], "must be text"),
    ("name_es", "x" * 201, "too long"),
    ("short_name", "x" * 61, "too long"),
    ("short_name", "Bell\x07", "control characters"),
    ("timezone", "Mars/Olympus_Mons", "not a time zone"),
    ("timezone", "../../etc/passwd", "not a time zone"),
    ("timezone", 5, "must be text"),
    ("timezone", "", "time zone"),
    ("record_language", "fr", "languages"),
    ("record_language", 1, "languages"),
    ("meeting_place", "x" * 501, "too long"),
    ("clerk_email", "not-an-address", "valid email"),
    ("clerk_email", "a@" + "x" * 260 + ".example", "too long"),
    ("clerk_phone", "call me", "phone number"),
    ("website", "javascript:alert(1)", "https://"),
    ("website", "www.example.org", "https://"),
    ("footer_text", "x" * 1001, "too long"),
    ("records_notice", "x" * 5001, "too long"),
    ("email_notice", {"a": 1}, "must be text"),
]


@pytest.mark.parametrize("field, value, words", BAD_VALUES, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(BAD_VALUES)])
def test_a_bad_value_is_refused_naming_its_field_and_nothing_is_saved(app, db, field, value, words):
    with pytest.raises(DomainError) as refused:
        update_city_profile(**{**VALID, field: value}, actor_label="test")
    assert refused.value.field == field
    assert words in refused.value.message
    db.session.rollback()
    assert profiles(db) == 0


LOGOS = [
    ("notes.png", b"just some text, not a picture", "PNG, JPEG or SVG"),
    ("report.pdf", b"%PDF-1.4\n%%EOF\n", "PNG, JPEG or SVG"),
    ("huge.png", PNG + b"\x00" * (20 * 1024 * 1024), "larger than 2 MB"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "script"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>', "script"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>', "links"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>hi</p></foreignObject></svg>', "embedded"),
    ("logo.svg", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>', "PNG, JPEG or SVG"),
    ("logo.jpg", PNG, "name ends in"),
    ("", PNG, None),  # no file chosen: nothing to check, nothing refused
]


@pytest.mark.parametrize("filename, data, words", LOGOS, ids=[str(i) for i in range(len(LOGOS))])
def test_a_logo_that_is_not_a_safe_small_picture_is_refused(app, db, filename, data, words):
    if words is None:
        update_city_profile(**VALID, logo=Upload(filename, data), actor_label="test")
        assert current_city().logo_sha256 is None
        return
    with pytest.raises(DomainError) as refused:
        update_city_profile(**VALID, logo=Upload(filename, data), actor_label="test")
    assert refused.value.field == "logo"
    assert words in refused.value.message, refused.value.message
    db.session.rollback()
    assert profiles(db) == 0


def test_defaults_come_from_config_until_the_profile_is_saved(app, db):
    city = current_city()
    assert not city.saved and city.name("en") == app.config["CITY_NAME"] == ""
    assert city.timezone == app.config["TIMEZONE"] and city.record_language == "en"


# --- audit and notice versions -------------------------------------------------------------------------------


def test_every_change_is_audited_with_before_and_after(app, db, set_city):
    set_city()
    set_city(name_en="Town of Example", short_name="Example", clerk_email="Clerk@Example.org")
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("city.%")).order_by(AuditEntry.id))
    first, second = list(entries)
    assert first.action == "city.create" and first.data["after"]["name_en"] == "Town of Example"
    assert second.action == "city.update"
    assert second.data["changed"] == ["clerk_email", "short_name"]
    assert second.data["before"]["short_name"] == "" and second.data["after"]["short_name"] == "Example"
    assert second.data["after"]["clerk_email"] == "clerk@example.org"


def test_a_notice_version_goes_up_only_when_its_text_changes(app, db, set_city):
    set_city()
    assert (current_city().records_notice_version, current_city().email_notice_version) == (0, 0)
    set_city(records_notice="Your submission is a public record.")
    set_city(records_notice="Your submission is a public record.  ")  # same text once trimmed: no new version
    set_city(records_notice="Your submission is a public record.", email_notice="E-mail addresses are public.")
    set_city(records_notice="Everything you send is a public record.", email_notice="E-mail addresses are public.")
    city = current_city()
    assert (city.records_notice_version, city.email_notice_version) == (2, 1)
    kept = db.session.scalars(select(NoticeVersion).order_by(NoticeVersion.kind, NoticeVersion.version)).all()
    assert [(v.kind, v.version, v.text) for v in kept] == [
        (NoticeKind.email, 1, "E-mail addresses are public."),
        (NoticeKind.records, 1, "Your submission is a public record."),
        (NoticeKind.records, 2, "Everything you send is a public record."),
    ]
    assert all(v.actor_label == "test" for v in kept)


# --- the staff page -------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_and_a_commissioner_is_refused(client, login_as):
    response = client.get("/staff/city")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    login_as(Role.commissioner)
    assert client.get("/staff/city").status_code == 403
    assert client.post("/staff/city", data=VALID).status_code == 403


def form_data(**overrides):
    data = {
        **VALID,
        "name_es": "Pueblo de Ejemplo",
        "short_name": "Example",
        "meeting_place": "Town Hall, 1 Main Street",
        "clerk_email": "clerk@example.org",
        "clerk_phone": "555-0100",
        "website": "https://example.org",
        "records_notice": "",
        "email_notice": "",
        "footer_text": "Town Hall is open 8 to 5.",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", [Role.clerk, Role.admin])
def test_an_editor_saves_the_profile_and_the_header_shows_it(client, db, login_as, role):
    login_as(role)
    page = client.get("/staff/city")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.get_data(as_text=True)
    response = client.post("/staff/city", data=form_data(), content_type="multipart/form-data")
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert '<span class="brand-city">Town of Example</span>' in html
    assert "<title>" in html and "· Town of Example · Dais</title>" in html
    assert "Town Hall is open 8 to 5." in html
    profile = db.session.scalar(select(CityProfile))
    assert profile.clerk_email == "clerk@example.org" and profile.updated_at is not None


def test_a_refused_form_comes_back_with_everything_typed_and_says_to_choose_the_logo_again(client, db, login_as):
    login_as(Role.clerk)
    data = form_data(timezone="Mars/Olympus_Mons", name_en="Town of <Example>", website="example.org")
    data["logo"] = (io.BytesIO(PNG), "logo.png")
    response = client.post("/staff/city", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Town of &lt;Example&gt;"' in html and 'value="clerk@example.org"' in html
    assert 'value="example.org"' in html
    assert "Town Hall, 1 Main Street" in html and "Pueblo de Ejemplo" in html
    assert 'aria-describedby="timezone-hint timezone-error"' in html
    assert re.search(r'id="timezone-error">[^<]*not a time zone', html)
    assert re.search(r'id="website-error">[^<]*https://', html)  # every refusal at once, not only the first
    assert "choose the file again" in html
    assert profiles(db) == 0


def test_a_20_mb_logo_is_refused_with_a_message_not_an_error_page(client, db, login_as):
    login_as(Role.admin)
    data = form_data()
    data["logo"] = (io.BytesIO(PNG + b"\x00" * (20 * 1024 * 1024)), "logo.png")
    response = client.post("/staff/city", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="logo-error">[^<]*larger than 2 MB', html)
    assert profiles(db) == 0


def test_a_text_file_named_like_a_picture_is_refused_on_the_page(client, db, login_as):
    login_as(Role.admin)
    data = form_data()
    data["logo"] = (io.BytesIO(b"hello"), "logo.png")
    response = client.post("/staff/city", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "this file is none of those" in response.get_data(as_text=True)


# --- the logo --------------------------------------------------------------------------------------------------


def test_the_logo_is_in_the_header_at_a_url_naming_its_content(client, db, login_as, set_city):
    set_city(logo=Upload("logo.png", PNG))
    city = current_city()
    url = f"/city/logo/{city.logo_sha256}.png"
    assert f'src="{url}"' in client.get("/").get_data(as_text=True)
    response = client.get(url)
    assert response.status_code == 200 and response.data == PNG
    assert response.mimetype == "image/png"
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/city/logo/{'0' * 64}.png").status_code == 404
    assert client.get(f"/city/logo/{city.logo_sha256}.svg").status_code == 404


def test_an_svg_logo_is_served_under_a_csp_that_forbids_script(client, db, set_city):
    set_city(logo=Upload("logo.svg", SVG))
    city = current_city()
    response = client.get(f"/city/logo/{city.logo_sha256}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_logo_can_be_replaced_and_removed(client, db, set_city):
    set_city(logo=Upload("logo.png", PNG))
    old = current_city().logo_sha256
    set_city(logo=Upload("logo.svg", SVG))
    new = current_city().logo_sha256
    assert new != old and current_city().logo_content_type == "image/svg+xml"
    assert client.get(f"/city/logo/{old}.png").status_code == 404
    set_city(remove_logo=True)
    assert current_city().logo_sha256 is None
    assert "brand-logo" not in client.get("/").get_data(as_text=True)


# --- what the pages take from the profile ----------------------------------------------------------------------


def test_spanish_pages_show_the_spanish_name_when_there_is_one(client, set_city):
    set_city(name_es="Pueblo de Ejemplo")
    client.get("/language/es")
    assert '<span class="brand-city">Pueblo de Ejemplo</span>' in client.get("/").get_data(as_text=True)
    client.get("/language/en")
    assert '<span class="brand-city">Town of Example</span>' in client.get("/").get_data(as_text=True)


def test_without_a_spanish_name_spanish_pages_show_the_english_one(client, set_city):
    set_city()
    client.get("/language/es")
    assert '<span class="brand-city">Town of Example</span>' in client.get("/").get_data(as_text=True)


def test_until_the_city_is_named_the_header_says_dais(client):
    html = client.get("/").get_data(as_text=True)
    assert '<span class="brand-city">Dais</span>' in html


def test_the_profile_time_zone_changes_the_times_shown(client, set_city, create_meeting):
    meeting = create_meeting(status="noticed", start_at=datetime(2026, 6, 30, 21, 0, tzinfo=UTC))
    set_city(timezone="America/New_York")
    assert "5:00" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    set_city(timezone="America/Los_Angeles")
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "2:00" in html and "5:00" not in html
    forget_city()
    assert city_zone().key == "America/Los_Angeles"


def test_the_record_language_comes_from_the_profile(app, set_city):
    from flask_babel import gettext

    assert record_language() == "en"
    set_city(record_language="es")
    assert record_language() == "es"
    with in_record_language():
        assert gettext("Meetings") == "Reuniones"


def test_feeds_and_the_api_name_the_city_from_the_profile(client, set_city):
    set_city(name_en="Town of Example")
    assert client.get("/api/v1/").get_json()["name"] == "Town of Example open meeting data"
    assert "Town of Example public meetings" in client.get("/meetings.ics").get_data(as_text=True)


def test_the_profile_is_loaded_once_per_request_and_never_while_a_template_renders(
    client, set_city, count_queries, template_queries
):
    with count_queries() as before:
        client.get("/meetings")
    set_city(name_es="Pueblo de Ejemplo", logo=Upload("logo.png", PNG))
    with count_queries() as after:
        client.get("/meetings")
    assert len(after) == len(before)
    assert sum("city_profile" in q for q in after) == 1
    assert template_queries.violations == []


def test_the_chamber_display_and_a_printed_page_carry_the_name_and_logo(client, db, set_city, open_meeting):
    set_city(name_en="Town of Example", logo=Upload("logo.svg", SVG))
    digest = current_city().logo_sha256
    meeting = open_meeting()
    display = client.get(f"/meetings/{meeting.id}/display").get_data(as_text=True)
    assert f"/city/logo/{digest}.svg" in display and "Town of Example" in display
    # Print hides the navigation but keeps the brand (logo and name) at the head of a printed agenda.
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'class="brand-logo"' in page
    print_css = client.get("/static/css/print.css").get_data(as_text=True)
    assert ".site-header nav" in print_css and ".brand {" in print_css
