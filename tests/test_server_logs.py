"""The report of a failed test shows what the servers it started logged (tests/serverlogs.py).

Proved on a pytest run of its own (pytester, in a subprocess) with the suite's conftest as a plugin: a page made
to fail on the live server thread, and a gunicorn app server that answers 500 on a database without tables.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FAILING_RUN = """
import urllib.error
import urllib.request

from tests.servers import Browserless, app_servers


def _status(url):
    try:
        with urllib.request.urlopen(url) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_page_of_the_live_server_fails(app, live_server, monkeypatch):
    def boom():
        raise RuntimeError("kaboom on the live server")

    monkeypatch.setitem(app.view_functions, "portal.healthz", boom)
    assert _status(live_server + "/healthz") == 200


def test_a_page_of_a_gunicorn_server_fails(tmp_path):
    empty = f"sqlite:///{tmp_path / 'no-tables.sqlite3'}"  # /healthz answers; every page fails
    with app_servers(empty, 1, threads=1) as (url,):
        status, _headers, _page = Browserless(url).request("/meetings")
    assert status == 200


def test_a_passing_test_shows_no_server_log(live_server):
    assert _status(live_server + "/healthz") == 200
"""


def test_failure_reports_show_the_live_server_and_app_server_logs(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest('pytest_plugins = ["tests.conftest"]\n')
    pytester.makepyfile(test_failing=FAILING_RUN)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=240)
    result.assert_outcomes(passed=1, failed=2)
    out = result.stdout.str()

    # The live server: werkzeug's request line and the app's logger with the traceback of the 500.
    assert out.count("live server log") == 1, out
    live = out[out.index("live server log") :]
    assert '"GET /healthz HTTP/1.1" 500' in live
    assert "Unhandled error on GET /healthz" in live
    assert "Traceback (most recent call last)" in live and "RuntimeError: kaboom on the live server" in live

    # The gunicorn process: its access log and the app's traceback, from the file its output went to.
    assert out.count("app server 1 log") == 1, out
    gunicorn = out[out.index("app server 1 log") :]
    assert '"GET /meetings HTTP/1.1" 500' in gunicorn
    assert "Unhandled error on GET /meetings" in gunicorn and "no such table" in gunicorn
