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


# --- the database busy or down: 503, never 500 ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("sqlite:///{tmp}/missing-dir/none.sqlite3", id="sqlite-file-missing"),
        pytest.param("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=3", id="postgres-not-running"),
    ],
)
def test_a_database_that_is_down_gives_503_not_500(tmp_path, url):
    app = make_app(url.format(tmp=tmp_path))
    client = app.test_client()

    page = client.get("/meetings")
    assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
    assert "The system is busy. Wait a moment, then try again." in page.get_data(as_text=True)

    api = client.get("/api/v1/meetings")
    assert api.status_code == 503 and api.is_json and api.get_json()["error"]["status"] == 503
    assert api.get_json()["error"]["retry_after_seconds"] == int(api.headers["Retry-After"])

    form = client.post("/meetings/7/speak", data={"name": "Ana Reyes", "stance": "oppose", "csrf_token": "old"})
    html = form.get_data(as_text=True)
    assert form.status_code == 503 and "Your answers are kept below" in html and "Ana Reyes" in html
    assert 'action="/meetings/7/speak"' in html and "Send again" in html and 'value="old"' not in html

    login = client.post("/login", data={"email": "clerk@city.example", "password": "never-shown-again"})
    html = login.get_data(as_text=True)
    assert login.status_code == 503 and "clerk@city.example" in html and "never-shown-again" not in html


def _busy_error():
    import sqlite3

    from sqlalchemy.exc import OperationalError

    return OperationalError("BEGIN IMMEDIATE", (), sqlite3.OperationalError("database is locked"))


def test_a_busy_database_in_a_view_is_503_and_the_session_is_rolled_back(database_url):
    from app.extensions import db

    app = make_app(database_url)
    seen = {}

    @app.route("/staff/busy-write", methods=["POST"])
    def busy_write():
        db.session.execute(db.text("SELECT 1"))
        raise _busy_error()

    @app.after_request
    def record(response):
        seen["in_transaction"] = db.session().in_transaction()
        return response

    response = app.test_client().post("/staff/busy-write", data={"note": "kept"})
    assert response.status_code == 503 and "kept" in response.get_data(as_text=True)
    assert seen["in_transaction"] is False
    with app.app_context():
        db.engine.dispose()


def test_is_database_busy_and_is_database_down():
    import sqlite3

    import psycopg
    from sqlalchemy import create_engine
    from sqlalchemy import exc as sa_exc

    from app.core.dberrors import is_database_busy, is_database_down

    def wrapped(orig, **kwargs):
        return sa_exc.OperationalError("UPDATE comment_periods", {}, orig, **kwargs)

    busy = [
        sqlite3.OperationalError("database is locked"),
        _busy_error(),
        wrapped(sqlite3.OperationalError("database is busy")),
        wrapped(psycopg.errors.SerializationFailure("could not serialize access")),
        wrapped(psycopg.errors.DeadlockDetected("deadlock detected")),
        wrapped(psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")),
        sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
    ]
    for error in busy:
        assert is_database_busy(error) and not is_database_down(error), error
    try:
        try:
            raise _busy_error()
        except sa_exc.OperationalError as inner:
            raise RuntimeError("the service gave up") from inner
    except RuntimeError as outer:
        assert is_database_busy(outer)

    with pytest.raises(sa_exc.OperationalError) as refused:
        create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=3").connect()
    with pytest.raises(sa_exc.OperationalError) as missing:
        create_engine("sqlite:////nonexistent-dir/x.sqlite3").connect()
    down = [
        refused.value,
        missing.value,
        wrapped(psycopg.errors.AdminShutdown("terminating connection"), connection_invalidated=True),
    ]
    for error in down:
        assert is_database_down(error) and not is_database_busy(error), error

    for neither in [
        sa_exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
        wrapped(sqlite3.OperationalError("no such table: meetings")),
        ValueError("database is locked"),
        RuntimeError("kaboom"),
    ]:
        assert not is_database_busy(neither) and not is_database_down(neither), neither
