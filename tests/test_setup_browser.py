"""Real Chromium, from an empty database to a first noticed meeting, without the demo and without a shell:
the one-time setup link, the first administrator, the city profile with a logo, a five-seat commission with a
vacancy and a four-fifths rule, five members with terms, a commissioner invited and linked, a comment policy and
a special meeting noticed a day ahead; then the commissioner signs in and sees it. axe checks every new page, in
English and in Spanish."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import chromium_or_skip, chromium_page
from tests.test_browser import assert_accessible
from tests.test_city_profile import SVG

pytestmark = pytest.mark.browser

CITY = "Town of Coral Harbor"
PASSWORD = "a-long-enough-password"
MEMBERS = [
    ("Ana Barros", "Mayor"),
    ("Ben Castillo", "District 1"),
    ("Cora Dimas", "District 2"),
    ("Dev Esposito", "District 3"),
    ("Eli Fuentes", "District 4"),
]


@pytest.fixture
def site(app, db, tmp_path, live_server):
    chromium_or_skip()
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    return live_server


def _setup_link(app, site) -> str:
    result = app.test_cli_runner().invoke(args=["setup", "--base-url", site])
    assert result.exit_code == 0, result.output
    return re.search(r"(http://\S+/setup/\S+)", result.output).group(1)


def _check(page, visited: list[str]) -> None:
    assert_accessible(page)
    visited.append(page.url)


def test_a_city_sets_itself_up_and_notices_its_first_meeting(app, site, tmp_path, outbox):
    logo = tmp_path / "seal.svg"
    logo.write_text(SVG if isinstance(SVG, str) else SVG.decode())
    visited: list[str] = []
    with chromium_page() as page:
        # An empty instance tells a visitor how setup is done, without handing out the link.
        page.goto(site + "/")
        expect(page.locator("body")).to_contain_text("flask setup")
        assert "Key West" not in page.content()

        # The one-time link printed by `flask setup`: the first administrator.
        page.goto(_setup_link(app, site))
        _check(page, visited)
        page.get_by_label("Your name").fill("Grace Hopper")
        page.get_by_label("Email").fill("clerk@coralharbor.example")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Password again").fill(PASSWORD)
        page.get_by_role("button", name="Create the administrator").click()
        page.wait_for_url("**/staff/city**")

        # City profile with a logo.
        _check(page, visited)
        page.get_by_label("Official name in English").fill(CITY)
        page.get_by_label("Official name in Spanish (optional)").fill("Pueblo de Coral Harbor")
        page.get_by_label("Logo (PNG, JPEG or SVG, at most 2 MB)").set_input_files(str(logo))
        page.get_by_label("Time zone").select_option("America/New_York")
        page.get_by_label("Address of the usual meeting place").fill("Town Hall, 1 Harbor Way")
        page.get_by_label("Clerk's office email").fill("clerk@coralharbor.example")
        page.get_by_role("button", name="Save the city profile").click()
        expect(page.locator(".brand-city")).to_have_text(CITY)
        expect(page.locator("img.brand-logo")).to_be_visible()

        # A five-seat commission with a four-fifths rule.
        page.get_by_role("link", name="Bodies and members").click()
        _check(page, visited)
        page.get_by_role("link", name="Create a body").click()
        page.get_by_label("Name", exact=True).fill("Town Commission")
        page.get_by_label("Kind of body").select_option("commission")
        page.get_by_label("Number of seats").fill("5")
        page.get_by_label("Seat labels, one per line, in order (optional)").fill("\n".join(seat for _, seat in MEMBERS))
        page.get_by_label("In force from").fill("2026-01-01")
        page.get_by_label("Resolutions and ordinances pass by a vote of").select_option("full_membership")
        page.get_by_label("Fraction needed").select_option("four_fifths")
        _check(page, visited)
        page.get_by_role("button", name="Create the body").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Town Commission")
        expect(page.locator("strong", has_text="Vacant")).to_have_count(5)
        _check(page, visited)
        body_url = page.url

        # Five members with terms; the fifth resigns, so one seat is vacant.
        for name, seat in MEMBERS:
            page.goto(site + "/staff/members/new")
            page.get_by_label("Full name").fill(name)
            page.get_by_role("button", name="Add the member").click()
            page.get_by_label("Seat", exact=True).select_option(label=f"Town Commission: {seat}")
            page.get_by_label("Term starts").fill("2026-01-01")
            page.get_by_label("Term ends (leave empty if not set)").fill("2029-12-31")
            page.get_by_role("button", name="Add the term").click()
            expect(page.locator(".flashes")).to_contain_text(f"Term added for {name}.")
        _check(page, visited)
        page.get_by_role("link", name="End this term").click()
        _check(page, visited)
        page.get_by_label("Last day in office").fill("2026-02-15")
        page.get_by_label("Why the term ended early").select_option("resigned")
        page.get_by_role("button", name="End the term").click()
        page.goto(body_url)
        expect(page.locator("strong", has_text="Vacant")).to_have_count(1)

        # The chair, then the comment policy.
        page.get_by_label("Chair", exact=True).select_option(label="Ana Barros")
        page.get_by_role("button", name="Save the officers").click()
        expect(page.locator(".flashes")).to_contain_text("Officers of Town Commission saved.")
        page.get_by_role("link", name="Rules and their versions").first.click()
        _check(page, visited)
        page.goto(body_url)
        page.get_by_role("link", name="Public comment policy").click()
        page.get_by_label("Adopted on").fill("2026-01-01")
        page.get_by_label("Minutes per speaker").fill("3")
        page.get_by_role("button", name="Adopt this version").click()
        expect(page.locator(".flashes")).to_be_visible()

        # Invite a commissioner, linked to her member record.
        page.get_by_role("link", name="Users").click()
        page.get_by_role("link", name="Invite a user").click()
        _check(page, visited)
        page.get_by_label("Email").fill("cora@coralharbor.example")
        page.get_by_label("Display name").fill("Cora Dimas")
        page.get_by_label("Role").select_option("commissioner")
        page.get_by_label("Linked member (commissioners only)").select_option(label="Cora Dimas")
        page.get_by_role("button", name="Send the invitation").click()
        expect(page.locator(".flashes")).to_be_visible()
        [mail] = [m for m in outbox() if "cora@coralharbor.example" in m["To"]]
        invitation = re.search(r"(http://\S+/invitations/\S+)", mail.get_body(("plain",)).get_content()).group(1)

        # A special meeting noticed a day ahead (the clock is 2026-03-02 09:00 in New York).
        page.get_by_role("link", name="Manage meetings").click()
        page.get_by_role("link", name="Schedule a meeting").click()
        page.get_by_label("Body").select_option(label="Town Commission")
        page.get_by_label("Kind of meeting").select_option("special")
        page.get_by_label("Title").fill("Special meeting on the harbor lease")
        page.get_by_label("Starts").fill("2026-03-03T10:00")
        page.get_by_label("Place").fill("Town Hall, 1 Harbor Way")
        page.get_by_label("Purpose stated in the call").fill("Consider the harbor lease")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url("**/staff/meetings/*")
        page.get_by_role("button", name="Publish notice").click()
        expect(page.locator(".flashes")).to_contain_text("Notice published.")

        # Every step of the checklist is done, so it is gone.
        page.get_by_role("link", name="Dashboard").click()
        expect(page.locator("#setup-checklist")).to_have_count(0)
        _check(page, visited)
        page.get_by_role("button", name="Sign out").click()

        # The public header shows the new city; no trace of the demo city.
        page.goto(site + "/")
        expect(page.locator(".brand-city")).to_have_text(CITY)
        expect(page.locator("img.brand-logo")).to_be_visible()
        assert "Key West" not in page.content()
        page.goto(body_url.replace("/staff/bodies/", "/bodies/"))
        _check(page, visited)

        # The commissioner accepts the invitation and sees the meeting.
        page.goto(invitation)
        _check(page, visited)
        page.get_by_label("Choose a password").fill(PASSWORD)
        page.get_by_label("Repeat the password").fill(PASSWORD)
        page.get_by_role("button", name="Save my password and sign in").click()
        page.wait_for_url("**/dashboard/")
        expect(page.locator("main")).to_contain_text("Your login records votes for Cora Dimas.")
        page.get_by_role("link", name="Manage meetings").click()
        expect(page.get_by_role("link", name="Special meeting on the harbor lease")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()

    # Every page visited again in Spanish, signed in as the administrator: axe finds nothing.
    with chromium_page() as page:
        page.goto(site + "/login")
        page.get_by_label("Email").fill("clerk@coralharbor.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/dashboard/")
        page.get_by_role("link", name="Español").click()
        for url in visited:
            if "/setup/" in url or "/invitations/" in url:
                continue  # used up: the one-time pages answer "already used" now (checked in English above)
            page.goto(url)
            expect(page.locator("html")).to_have_attribute("lang", "es")
            assert_accessible(page)

    # A phone 320 px wide: no page of the path scrolls sideways (tables scroll inside their own region).
    with chromium_page() as page:
        page.set_viewport_size({"width": 320, "height": 700})
        page.goto(site + "/login")
        page.get_by_label("Email").fill("clerk@coralharbor.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/dashboard/")
        for url in [u for u in visited if "/setup/" not in u and "/invitations/" not in u] + [site + "/bodies"]:
            page.goto(url)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (url, overflow)
