"""Helpers for browser tests: a live server in a thread, and Debian's Chromium driven by Playwright."""

import contextlib
import logging
import os
import re
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests import serverlogs

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_or_skip():
    reason = None
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (pip install -r requirements-dev.txt)"
    if reason:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " and REQUIRE_BROWSER=1")
        pytest.skip(reason)


class ServerLog(logging.Handler):
    """Keeps what the server's threads log: werkzeug's request lines, and the app's logger (500s with their
    traceback). Records from the test's own thread are left to pytest's usual log capture."""

    ANSI = re.compile(r"\x1b\[[0-9;]*m")

    def __init__(self, test_thread: int):
        super().__init__(logging.INFO)
        self.test_thread = test_thread
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s"))

    def emit(self, record):
        if record.thread != self.test_thread:
            self.lines.append(self.ANSI.sub("", self.format(record)))

    def text(self) -> str:
        return "\n".join(self.lines)


@contextlib.contextmanager
def serve_in_thread(app):
    """Serve ``app`` from a thread on a free port; its log goes into the report if the test fails.

    Use it through the ``live_server`` fixture, which also makes the test commit for real: the server's
    threads use connections of their own, which only see committed data.
    """
    log = ServerLog(threading.get_ident())
    loggers = [logging.getLogger("werkzeug"), app.logger]
    werkzeug_level = loggers[0].level
    if werkzeug_level == logging.NOTSET:
        loggers[0].setLevel(logging.INFO)  # what werkzeug itself sets on its first request line
    for logger in loggers:
        logger.addHandler(log)
    serverlogs.attach("live server log", log.text)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        for logger in loggers:
            logger.removeHandler(log)
        loggers[0].setLevel(werkzeug_level)


_chromium = {}


def _browser():
    """One Chromium per process (per xdist worker), started on first use and closed by :func:`close_chromium`
    at the end of the session: launching it costs about a second, a new context a few milliseconds."""
    browser = _chromium.get("browser")
    if browser is None or not browser.is_connected():
        from playwright.sync_api import expect, sync_playwright

        expect.set_options(timeout=15_000)  # as long as the pages' own default: a shared machine can be slow
        close_chromium()
        playwright = sync_playwright().start()
        _chromium["playwright"] = playwright
        _chromium["browser"] = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    return _chromium["browser"]


def close_chromium() -> None:
    browser, playwright = _chromium.pop("browser", None), _chromium.pop("playwright", None)
    try:
        if browser is not None and browser.is_connected():
            browser.close()
    finally:
        if playwright is not None:
            playwright.stop()


@contextlib.contextmanager
def chromium_page():
    """A page in a new browser context (its own cookies and storage). Every context opened during the block,
    also those a test opens itself for a second user, is closed at its end."""
    browser = _browser()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
    finally:
        for opened in list(browser.contexts):
            opened.close()


def axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
            "resultTypes": ["violations"],  # passes and inapplicable rules are not collected: faster
        },
    )
    return results.response["violations"], results.generate_report()


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the real form and wait for the dashboard."""
    page.goto(base_url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")
