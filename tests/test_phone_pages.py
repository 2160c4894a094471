"""Phone first (issue 19), in-process: resident forms ask for the right keyboard and autofill, each public page
puts its main action first, dates read one way per context, the header folds into a menu, and the staff style
guide shows every component. The layout itself is checked in Chromium (tests/test_phone_browser.py)."""

import re

import pytest
from sqlalchemy import select

from app.demo import seed_demo
from app.meetings.models import Meeting


@pytest.fixture
def demo(app, db):
    seed_demo()
    db.session.commit()
    return app


def _input(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


def _upcoming(db, client) -> Meeting:
    """The demo's upcoming meeting (the first under "Upcoming meetings" on the home page): public comment is open."""
    home = client.get("/").get_data(as_text=True)
    meeting_id = re.search(r'href="/meetings/(\d+)"', home[home.index("Upcoming meetings") :]).group(1)
    return db.session.get(Meeting, int(meeting_id))


def test_resident_forms_ask_for_the_right_keyboard_and_autofill(demo, db, client):
    meeting = _upcoming(db, client)
    speak = client.get(f"/meetings/{meeting.id}/speak").get_data(as_text=True)
    for name, kind, autocomplete in (("email", "email", "email"), ("phone", "tel", "tel"), ("name", "text", "name")):
        tag = _input(speak, name)
        assert f'type="{kind}"' in tag and f'autocomplete="{autocomplete}"' in tag, tag
    written = client.get(f"/meetings/{meeting.id}/comment").get_data(as_text=True)
    assert 'type="email"' in _input(written, "email") and 'autocomplete="name"' in _input(written, "name")
    for page in ("/subscribe", "/accessible-copy"):
        tag = _input(client.get(page).get_data(as_text=True), "email")
        assert 'type="email"' in tag and 'autocomplete="email"' in tag, (page, tag)
    # The honeypot stays a plain text field nobody is prompted to fill.
    assert 'type="text"' in _input(speak, "website")


def test_the_main_action_comes_before_anything_else_in_the_page(demo, db, client):
    meeting = _upcoming(db, client)
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    main = html[html.index('<main id="main"') :]
    action = re.search(r'<a class="button" href="([^"]+)" data-primary-action>([^<]+)</a>', main)
    assert action and action.group(1) == f"/meetings/{meeting.id}/speak" and action.group(2) == "Register to speak"
    assert main.index("data-primary-action") < main.index("<h2")
    assert main.count("data-primary-action") == 1
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/subscribe" data-primary-action>Get new agendas by email<', home)
    body = client.get(f"/bodies/{meeting.body_id}").get_data(as_text=True)
    assert f'href="/subscribe?body={meeting.body_id}" data-primary-action>' in body


def test_dates_read_one_way_per_context(demo, db, client):
    june_30 = db.session.scalars(select(Meeting).where(Meeting.title.like("%287(g)%"))).one()
    # In a heading: the weekday, the day and the zone.
    assert "Monday 30 June 2025, 5:00 PM EDT" in client.get(f"/meetings/{june_30.id}").get_data(as_text=True)
    # In a list: short.
    assert "30 Jun 2025, 5:00 PM" in client.get("/meetings?year=2025").get_data(as_text=True)
    # A day alone: the language's long date.
    assert "June 30, 2025" in client.get("/").get_data(as_text=True)
    client.get("/language/es")
    assert "lunes, 30 de junio de 2025" in client.get(f"/meetings/{june_30.id}").get_data(as_text=True)


def test_no_template_names_a_date_pattern_of_its_own(app):
    """Every date on every page (public, staff, mail, documents) goes through a context of DATE_CONTEXTS: the
    pattern filters are not even registered, and no template calls Babel's formatters with a pattern."""
    from pathlib import Path

    from app.core.web import DATE_CONTEXTS

    assert "local_datetime" not in app.jinja_env.filters and "local_date" not in app.jinja_env.filters
    assert set(DATE_CONTEXTS) <= set(app.jinja_env.filters)
    # Machine forms in URLs (strftime('%Y-%m'), isoformat()) are not dates shown to people.
    own = re.compile(
        r"\|\s*(local_date|local_datetime|format_date|format_datetime|format_time)\b"
        r"|strftime\(['\"](?!%Y-%m(-%d)?['\"])"
    )
    root = Path(app.root_path).parent / "templates"
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.*")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if own.search(line)
    ]
    assert not offenders, offenders


def test_the_header_folds_into_a_menu_that_holds_the_links_and_the_search(demo, client):
    html = client.get("/meetings").get_data(as_text=True)
    menu = html[html.index('<details class="site-menu">') : html.index("</details>")]
    assert "<summary>Menu</summary>" in menu
    assert 'aria-label="Main"' in menu and 'role="search"' in menu
    assert html.index("Skip to main content") < html.index('<details class="site-menu">')


def test_public_tables_fit_a_phone(demo, client):
    for path in ("/meetings", "/resolutions", "/agreements", "/members"):
        html = client.get(path).get_data(as_text=True)
        assert '<table class="stack">' in html, path
        cells = re.findall(r"<td( data-label=\"[^\"]+\")?", html)
        assert cells and all(cells[:-1] or [True]), path
    member = client.get("/members/1").get_data(as_text=True)
    assert member.count('role="region"') == member.count("<table"), "every table of a member's page scrolls alone"


def test_the_style_guide_shows_each_component_to_staff(demo, client, login_as):
    assert client.get("/styleguide").status_code in (302, 401)
    login_as("viewer")
    html = client.get("/styleguide").get_data(as_text=True)
    for name in ("tokens", "button", "primary-action", "card", "notice", "badge", "form-field", "stacked-table",
                 "scroll-region", "pagination", "summary-list", "nav", "dates", "vote-colours"):  # fmt: skip
        assert f'<h2 id="sg-{name}"><code>{name}</code></h2>' in html, name
    assert "--color-yes" in html and 'class="swatch swatch-brand"' in html
    assert "Monday 30 June 2025, 5:00 PM EDT" in html and "30 Jun 2025, 5:00 PM" in html
    assert 'type="email"' in html and 'aria-invalid="true"' in html
