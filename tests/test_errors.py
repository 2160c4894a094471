import pytest

from app.auth.models import Role
from tests.conftest import make_app


@pytest.mark.parametrize(
    "url",
    [
        "/admin/users/99999999999999999999999",
        "/admin/users/2147483648",
        "/admin/users/0",
        "/admin/users/abc",
        "/admin/users/-1",
        "/admin/users/1.5",
        "/admin/users/%00",
    ],
)
def test_bad_ids_in_urls_give_404(client, login_as, url):
    login_as(Role.admin)
    response = client.get(url)
    assert response.status_code == 404
    assert "There is no page at this address" in response.get_data(as_text=True)


def test_missing_but_valid_id_gives_404(client, login_as):
    login_as(Role.admin)
    assert client.get("/admin/users/2147483647").status_code == 404
    assert client.post("/admin/users/2147483647/deactivate").status_code == 404


def test_huge_page_number_is_not_an_error(client, login_as):
    login_as(Role.admin)
    for page in ["99999999999999999999", "-5", "abc"]:
        assert client.get(f"/admin/audit?page={page}").status_code == 200


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"]["status"] == 404


def test_html_errors_are_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<main" in response.get_data(as_text=True)


def test_405_page(client):
    response = client.put("/login")
    assert response.status_code == 405
    assert "does not accept that kind of request" in response.get_data(as_text=True)
    assert "GET" in response.headers["Allow"]


def test_413_page(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"email": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "larger than the limit" in response.get_data(as_text=True)


def test_500_page_and_json(database_url):
    app = make_app(database_url)

    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    @app.route("/api/boom")
    def api_boom():
        raise RuntimeError("kaboom")

    client = app.test_client()
    page = client.get("/boom")
    assert page.status_code == 500
    assert "Something went wrong" in page.get_data(as_text=True)
    assert "kaboom" not in page.get_data(as_text=True)
    api = client.get("/api/boom")
    assert api.status_code == 500 and api.get_json()["error"]["status"] == 500


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_healthz_503_when_database_does_not_answer(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/missing-dir/none.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]


def test_no_external_assets_on_pages(client, login_as):
    for url in ["/", "/login"]:
        html = client.get(url).get_data(as_text=True)
        assert "http://" not in html.replace("http://localhost", "") and "https://" not in html
