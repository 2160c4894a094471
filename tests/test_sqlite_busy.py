"""A database too busy to take a write: 503 with Retry-After, the form kept and sent again, never a 500.

On SQLite another connection holds the write lock (the request gives up after a short busy timeout); on
PostgreSQL it holds the comment period's row lock and the app runs with a short lock_timeout.
"""

import contextlib
import io
import re
import sqlite3
from html import escape
from html.parser import HTMLParser

import pytest
from sqlalchemy import create_engine, func, select, text
from werkzeug.datastructures import MultiDict

from app.core import sqlite as sqlite_tx
from app.extensions import db as _db
from app.public_comment import intake as comment_intake
from app.public_comment import registration as speaker_registration
from app.public_comment.models import SpeakerRequest
from tests.conftest import PASSWORD, make_app
from tests.dbutil import BACKEND

sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="holds SQLite's write lock")
POSTGRES_SHORT_LOCK_WAIT = {"pool_pre_ping": True, "connect_args": {"options": "-c lock_timeout=300"}}


@pytest.fixture
def app_overrides():
    settings = {"WTF_CSRF_ENABLED": True}
    if BACKEND == "postgres":
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = POSTGRES_SHORT_LOCK_WAIT
    return settings


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch):
    monkeypatch.setattr(sqlite_tx, "BUSY_TIMEOUT_MS", 300)


@contextlib.contextmanager
def database_busy(database_url: str, item_id: int):
    """Another connection holds what a registration needs: SQLite's write lock, or the period's row."""
    if BACKEND == "sqlite":
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(
                text("SELECT id FROM comment_periods WHERE agenda_item_id = :item FOR UPDATE"), {"item": item_id}
            )
            yield
            conn.rollback()
    finally:
        engine.dispose()


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "method": attrs.get("method"), "fields": []})
        elif tag in ("input", "textarea", "select") and self.forms and attrs.get("name"):
            self.forms[-1]["fields"].append((attrs["name"], attrs.get("value", ""), attrs.get("type")))


def resend_form(html: str) -> dict:
    """The page's "Send again" form: its action and the (name, value) pairs it posts."""
    parser = _Forms()
    parser.feed(html)
    (form,) = [f for f in parser.forms if f["method"] == "post" and "csrf_token" in str(f["fields"])][-1:]
    assert all(kind == "hidden" for _n, _v, kind in form["fields"])
    form["data"] = MultiDict([(name, value) for name, value, _kind in form["fields"]])
    return form


def token_from(html: str, name: str = "csrf_token") -> str:
    """The value of the first input called ``name`` on a page."""
    parser = _Forms()
    parser.feed(f"<form>{html}</form>")
    return next(value for form in parser.forms for n, value, _kind in form["fields"] if n == name)


def _item(meeting):
    return next(i for i in meeting.items if i.title == "Resolution on the 287(g) agreement")


def _speakers(item) -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count(SpeakerRequest.id)).where(SpeakerRequest.agenda_item_id == item.id))


def test_speak_form_sent_while_the_database_is_busy_comes_back_filled_and_is_sent_again_once(
    client, db, open_meeting, database_url
):
    meeting = open_meeting()
    item = _item(meeting)
    speaker_registration.period_for(item)
    db.session.commit()
    url = f"/meetings/{meeting.id}/speak"
    page = client.get(url).get_data(as_text=True)
    typed = {
        "csrf_token": token_from(page),
        "submission_key": token_from(page, "submission_key"),
        "agenda_item_id": str(item.id),
        "name": "Marisol Ortega-Díaz",
        "stance": "oppose",
        "participation": "in_person",
        "email": "marisol@example.org",
        "phone": "305-555-0142",
        "city": "Key West",
        "accommodation": "Wheelchair access,\nand a seat near the front <please>",
        "disclaimer_version": comment_intake.DISCLAIMER_VERSION,
        "website": "",
    }
    with database_busy(database_url, item.id):
        response = client.post(url, data=typed)
        assert response.status_code == 503
        assert _speakers(item) == 0

    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    assert "The system is busy. Nothing was saved. Your answers are kept below: send them again." in html
    for value in ("Marisol Ortega-Díaz", "marisol@example.org", "305-555-0142", "Key West"):
        assert escape(value) in html
    assert "and a seat near the front &lt;please&gt;" in html and "<please>" not in html
    assert "<dt>Agenda item" not in html and "<dt>Submission key" not in html  # sent back, not shown
    # The page: a language, one h1, the answers under their own heading, a real button, no script or style.
    assert re.search(r'<html lang="en">', html)
    assert len(re.findall(r"<h1[ >]", html)) == 1 and ">Your answers</h2>" in html
    assert re.search(r'<button type="submit"[^>]*>Send again</button>', html)
    assert "<script" not in html and "style=" not in html and "<style" not in html

    form = resend_form(html)
    assert form["action"] == url
    sent = dict(form["data"])
    assert sent.keys() == typed.keys()
    assert {k: v for k, v in sent.items() if k != "csrf_token"} == {k: v for k, v in typed.items() if k != "csrf_token"}
    assert sent["csrf_token"]

    response = client.post(form["action"], data=form["data"])
    assert response.status_code == 302 and "/speak/" in response.headers["Location"], response.get_data(as_text=True)
    assert _speakers(item) == 1
    again = client.post(form["action"], data=form["data"])  # a second click: the same request, not a new one
    assert again.status_code == 200 and _speakers(item) == 1


@sqlite_only
def test_old_csrf_token_passwords_and_files_are_not_echoed(client, db, open_meeting, database_url):
    meeting = open_meeting()
    item = _item(meeting)
    url = f"/meetings/{meeting.id}/speak?item={item.id}"
    data = {
        "csrf_token": "OLD-CSRF-TOKEN-never-echoed",
        "agenda_item_id": str(item.id),
        "name": "Ana Reyes",
        "stance": "support",
        "participation": "in_person",
        "is_group_representative": "y",
        "password": "hunter2-never-echoed",
        "website": "",
        "attachment": (io.BytesIO(b"%PDF-1.4 minutes"), "my-statement.pdf"),
    }
    with database_busy(database_url, item.id):
        response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Ana Reyes" in html and '<dd class="pre-line">Yes</dd>' in html  # a ticked box reads "Yes"
    assert "OLD-CSRF-TOKEN" not in html and "hunter2" not in html
    assert "Passwords are not kept on this page" in html
    assert "Files cannot be sent again from this page" in html and "<li>my-statement.pdf</li>" in html
    form = resend_form(html)
    assert form["action"] == url  # the query string too
    names = [name for name, _value in form["data"].items(multi=True)]
    assert "password" not in names and "attachment" not in names and names.count("csrf_token") == 1
    assert dict(form["data"])["csrf_token"] != data["csrf_token"]


@sqlite_only
def test_staff_form_while_busy_is_a_503_with_the_form_kept_not_a_trip_to_sign_in(client, db, create_user, database_url):
    """The user loader takes a database error for "signed out"; a writing request must get its 503 first."""
    from app.auth.models import Role

    user = create_user(Role.clerk)
    page = client.get("/login").get_data(as_text=True)
    assert client.post("/login", data={"csrf_token": token_from(page), "email": user.email, "password": PASSWORD})
    form_page = client.get("/account/password").get_data(as_text=True)
    with database_busy(database_url, 0):
        response = client.post(
            "/account/password",
            data={
                "csrf_token": token_from(form_page),
                "current_password": PASSWORD,
                "new_password": "a-new-long-password",
                "confirm": "a-new-long-password",
            },
        )
    assert response.status_code == 503, response.headers.get("Location")
    html = response.get_data(as_text=True)
    assert PASSWORD not in html and "a-new-long-password" not in html
    assert "Passwords are not kept on this page" in html
    assert "The system is busy. Nothing was saved. Wait a moment, then send it again." in html


@sqlite_only
def test_a_prefixed_form_gets_its_own_csrf_field_back_and_sends_again(
    client, db, create_user, open_meeting, database_url
):
    from app.auth.models import Role

    meeting = open_meeting()
    item = _item(meeting)
    user = create_user(Role.clerk)
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": token_from(page), "email": user.email, "password": PASSWORD})
    queue = client.get(f"/staff/items/{item.id}/queue").get_data(as_text=True)
    url = f"/staff/items/{item.id}/queue/walk-in"
    data = {
        "walkin-csrf_token": token_from(queue, "walkin-csrf_token"),
        "walkin-name": "Walk-in Resident",
        "walkin-stance": "neutral",
        "walkin-participation": "in_person",
    }
    with database_busy(database_url, item.id):
        response = client.post(url, data=data)
    assert response.status_code == 503
    form = resend_form(response.get_data(as_text=True))
    sent = dict(form["data"])
    assert "walkin-csrf_token" in sent and "csrf_token" not in sent
    response = client.post(form["action"], data=form["data"])
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _speakers(item) == 1


def test_a_writing_api_call_gets_json_503(database_url, db, open_meeting):
    """The public API only reads today; a write under /api/ still answers JSON when the database is busy."""
    meeting = open_meeting()
    item = _item(meeting)
    speaker_registration.period_for(item)
    db.session.commit()
    item_id = item.id  # read here: the route runs in the other app, where this session's objects do not belong
    settings = {"SQLALCHEMY_ENGINE_OPTIONS": POSTGRES_SHORT_LOCK_WAIT} if BACKEND == "postgres" else {}
    api = make_app(database_url, **settings)

    @api.route("/api/v1/test-write", methods=["POST"])
    def test_write():
        _db.session.execute(
            text("UPDATE comment_periods SET last_position = last_position WHERE agenda_item_id = :item"),
            {"item": item_id},
        )
        _db.session.commit()
        return {"ok": True}

    client = api.test_client()
    with database_busy(database_url, item_id):
        response = client.post("/api/v1/test-write", json={"any": "thing"})
    assert response.status_code == 503 and response.is_json
    error = response.get_json()["error"]
    assert error["status"] == 503 and error["retry_after_seconds"] == int(response.headers["Retry-After"]) > 0
    assert error["message"] == "The system is busy. Nothing was saved. Wait a moment, then send it again."
    assert client.post("/api/v1/test-write", json={}).status_code == 200  # and it works once the lock is gone
    with api.app_context():
        _db.engine.dispose()


def test_pages_and_api_reads_are_503_while_another_process_locks_the_database_exclusively(tmp_path):
    """A tool holding SQLite in exclusive locking mode keeps even readers out. On a file of its own: that mode
    needs every other connection to the file closed first."""
    app = make_app(f"sqlite:///{tmp_path / 'exclusive.sqlite3'}")
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()
    holder = sqlite3.connect(str(tmp_path / "exclusive.sqlite3"), isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE maintenance_marker (x INTEGER)")
    holder.execute("DROP TABLE maintenance_marker")
    holder.execute("COMMIT")  # in exclusive mode the lock stays after the commit: nobody else can even read
    client = app.test_client()
    try:
        api = client.get("/api/v1/meetings")
        page = client.get("/meetings")
    finally:
        holder.close()
    assert api.status_code == 503 and api.is_json and api.get_json()["error"]["status"] == 503
    assert int(api.headers["Retry-After"]) > 0
    assert page.status_code == 503
    assert "The system is busy. Wait a moment, then try again." in page.get_data(as_text=True)
    assert client.get("/meetings").status_code == 200
    with app.app_context():
        _db.engine.dispose()
