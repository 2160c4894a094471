"""The page budget of bench/page_budget.py, in-process (issue 19): a few public pages of the demo city are each
under 100 KB of compressed HTML, CSS and JS, with no render-blocking script; and the check does catch both."""

import random

import pytest

from app.demo import seed_demo
from bench.page_budget import BUDGET_BYTES, crawl, measure


@pytest.fixture
def fetch(app, db, client):
    seed_demo()
    db.session.commit()

    def get(path: str) -> tuple[int, bytes]:
        response = client.get(path)
        return response.status_code, response.data

    return get


def test_public_pages_of_the_demo_are_within_the_budget(fetch):
    pages = crawl(fetch, limit=12)
    paths = [p.path for p in pages]
    assert "/" in paths and "/meetings" in paths and len(pages) == 12
    for page in pages:
        assert page.problems() == [], page.problems()
        # The stylesheet is counted: a page is its HTML and what it makes the browser fetch.
        assert page.assets.get("/static/css/dais.css", 0) > 2000, page.assets
        assert 0 < page.total < BUDGET_BYTES


def test_the_check_catches_a_blocking_script_and_a_page_over_budget():
    pages = {
        "/": b'<html><head><script src="/static/a.js"></script><script src="/static/b.js" defer></script>'
        b'<script type="module" src="/static/c.js"></script></head><body><a href="/big">big</a></body></html>',
        "/big": b"<html><head></head><body>" + random.Random(19).randbytes(120_000) + b"</body></html>",
        "/static/a.js": b"1",
        "/static/b.js": b"2",
        "/static/c.js": b"3",
    }

    def fetch(path):
        return (200, pages[path]) if path in pages else (404, b"")

    home, links = measure(fetch, "/")
    assert home.blocking == ["/static/a.js"]
    assert home.problems() == ["/: render-blocking script /static/a.js"]
    assert links == ["/big"]
    big, _ = measure(fetch, "/big")
    assert big.total > BUDGET_BYTES and "over the budget" in big.problems()[0]
