"""First run: an empty instance is claimed only through the one-time link `flask setup` prints."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.city.models import SetupToken
from app.core.audit import AuditEntry
from app.core.tokens import hash_token
from tests.conftest import PASSWORD

LINK = re.compile(r"http://127\.0\.0\.1:5000/setup/(\S+)")


def run_setup(app, *args) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["setup", *args])
    return result.exit_code, result.output


def new_link(app) -> str:
    code, output = run_setup(app)
    assert code == 0, output
    match = LINK.search(output)
    assert match, output
    return "/setup/" + match.group(1)


def admin_form(**overrides):
    data = {"display_name": "Ada Admin", "email": "ada@town.example", "password": PASSWORD, "confirm": PASSWORD}
    data.update(overrides)
    return data


def users(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_setup_prints_a_link_whose_token_is_stored_only_as_a_digest(app, db):
    url = new_link(app)
    token = url.rsplit("/", 1)[1]
    row = db.session.scalar(select(SetupToken))
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    assert row.used_at is None and (row.expires_at - row.created_at).total_seconds() == 24 * 3600


def test_the_link_creates_the_first_administrator_signs_them_in_and_leads_to_the_city_profile(app, db, client):
    url = new_link(app)
    page = client.get(url)
    assert page.status_code == 200 and "Create the first administrator" in page.get_data(as_text=True)
    response = client.post(url, data=admin_form())
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/city?setup=1")
    admin = db.session.scalar(select(User))
    assert admin.role == Role.admin and admin.email == "ada@town.example"
    profile_page = client.get("/staff/city?setup=1")
    assert profile_page.status_code == 200 and "Welcome." in profile_page.get_data(as_text=True)
    saved = client.post(
        "/staff/city?setup=1",
        data={"name_en": "Town of Example", "timezone": "America/Chicago", "record_language": "en"},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/dashboard/")
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "setup.first_admin")).actor_id == admin.id


def test_the_link_works_once(app, db, client):
    url = new_link(app)
    assert client.post(url, data=admin_form()).status_code == 302
    client.post("/logout")
    assert client.get(url).status_code == 404  # a user exists: setup is over, whatever the token
    assert client.post(url, data=admin_form(email="eve@town.example")).status_code == 404
    assert users(db) == 1


def test_a_used_token_is_gone_even_before_any_user_is_seen(app, db, client):
    from app.city.setup import TokenState, setup_token_state, use_setup_token

    url = new_link(app)
    token = url.rsplit("/", 1)[1]
    assert use_setup_token(token) is True
    assert use_setup_token(token) is False
    assert setup_token_state(token) is TokenState.used
    db.session.commit()
    response = client.get(url)
    assert response.status_code == 410 and "already been used" in response.get_data(as_text=True)


def test_an_expired_link_is_refused_with_410(app, db, client, clock):
    url = new_link(app)
    clock.advance(hours=24, seconds=1)
    response = client.get(url)
    assert response.status_code == 410 and "flask setup" in response.get_data(as_text=True)
    assert client.post(url, data=admin_form()).status_code == 410
    assert users(db) == 0


def test_a_new_link_replaces_the_old_one(app, db, client):
    old = new_link(app)
    new = new_link(app)
    assert client.get(old).status_code == 404
    assert client.post(old, data=admin_form()).status_code == 404
    assert client.get(new).status_code == 200


@pytest.mark.parametrize("url", ["/setup/nonsense", "/setup/" + "x" * 300])
def test_a_wrong_token_is_a_plain_404(app, db, client, url):
    new_link(app)
    response = client.get(url)
    assert response.status_code == 404 and "Create the first administrator" not in response.get_data(as_text=True)


def test_a_refused_form_keeps_what_was_typed_and_the_link_still_works(app, db, client):
    url = new_link(app)
    response = client.post(url, data=admin_form(confirm="something-else"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The passwords differ." in html and 'value="ada@town.example"' in html and PASSWORD not in html
    short = client.post(url, data=admin_form(password="short", confirm="short"))
    assert short.status_code == 422 and "10 characters" in short.get_data(as_text=True)
    assert users(db) == 0
    assert client.post(url, data=admin_form()).status_code == 302


def test_setup_refuses_once_users_exist_and_if_needed_prints_nothing(app, db, create_user):
    create_user(Role.clerk)
    code, output = run_setup(app)
    assert code == 1 and "already has users" in output and "/setup/" not in output
    code, output = run_setup(app, "--if-needed")
    assert code == 0 and output == ""
    assert db.session.scalar(select(func.count(SetupToken.id))) == 0


def test_setup_if_needed_prints_the_link_on_an_empty_instance(app, db):
    code, output = run_setup(app, "--if-needed", "--host", "meetings.local", "--port", "8080")
    assert code == 0 and re.search(r"http://meetings\.local:8080/setup/\S+", output)


@pytest.mark.parametrize("url", ["/", "/login"])
def test_home_and_sign_in_say_how_setup_is_done_while_there_is_no_user(app, db, client, create_user, url):
    new_link(app)
    html = client.get(url).get_data(as_text=True)
    assert 'id="setup-pending"' in html and "flask setup" in html
    assert "/setup/" not in html  # the link itself is never shown
    create_user(Role.clerk)
    assert 'id="setup-pending"' not in client.get(url).get_data(as_text=True)


def test_make_run_without_the_demo_prints_the_setup_link_instead_of_seeding():
    """What `DAIS_DEMO=0 make run` runs (the recipe is shell; its flask commands are tested above)."""
    recipe = Path(__file__).resolve().parent.parent.joinpath("Makefile").read_text()
    run = recipe.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    demo_off = run.split('if [ "$${DAIS_DEMO:-1}" = "0" ]; then', 1)[1]
    setup_branch, seed_branch = demo_off.split("else", 1)
    assert "flask setup --if-needed" in setup_branch and "seed-demo" not in setup_branch
    assert "seed-demo --if-empty" in seed_branch
    assert run.index("flask db upgrade") < run.index("flask setup") < run.index("flask run")
