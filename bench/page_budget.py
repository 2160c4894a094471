"""A Lighthouse-style budget for the public pages (issue 19, "Phone first").

    .venv/bin/python -m bench.page_budget [--limit N] [--budget-kb 100] [--keep]

Serves the demo city as ``make run`` does (bench/_server.py), crawls every public page reachable from the home
page (the pages tests/test_portal_browser.py audits), and for each one adds up what a first visit transfers:
the HTML and every stylesheet and script the page references, each gzip-compressed (level 6, as a front proxy
would send it). It fails (exit status 1) when a page is over the budget (100 KB by default) or has a
render-blocking script: a ``<script src>`` in ``<head>`` without ``defer``, ``async`` or ``type="module"``.

The measuring part (:func:`measure`, :func:`crawl`) takes any ``fetch(path) -> (status, body)``, so
tests/test_page_budget.py runs the same check in-process with Flask's test client.
"""

import argparse
import gzip
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

BUDGET_BYTES = 100 * 1024

#: Not pages: staff sign-in, language switching, feeds and files, the JSON API.
SKIP_PREFIXES = ("/login", "/staff", "/dashboard", "/language/", "/api/", "/static/", "/agreements/documents/")
SKIP_SUFFIXES = (".ics", ".atom", ".json", ".pdf")

Fetch = Callable[[str], tuple[int, bytes]]


class _PageParser(HTMLParser):
    """The links, stylesheets and scripts of one page, and the scripts that block its first render."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.assets: list[str] = []
        self.blocking: list[str] = []
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif tag == "body":
            self.in_head = False
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "link" and "stylesheet" in (a.get("rel") or "").split() and a.get("href"):
            self.assets.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.assets.append(a["src"])
            deferred = "defer" in a or "async" in a or a.get("type") == "module"
            if self.in_head and not deferred:
                self.blocking.append(a["src"])

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


@dataclass
class PageBudget:
    path: str
    html: int  # gzip bytes
    assets: dict[str, int] = field(default_factory=dict)  # path -> gzip bytes
    blocking: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.html + sum(self.assets.values())

    def problems(self, budget: int = BUDGET_BYTES) -> list[str]:
        found = [f"{self.path}: render-blocking script {src}" for src in self.blocking]
        if self.total > budget:
            found.append(f"{self.path}: {self.total / 1024:.1f} KB, over the budget of {budget / 1024:.0f} KB")
        return found


def gzipped(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6, mtime=0))


def _local(path: str, href: str) -> str | None:
    """``href`` as a path on this site (query kept), or None for another site or a non-page link."""
    if href.startswith(("mailto:", "tel:", "javascript:", "#", "data:")):
        return None
    parts = urlsplit(urljoin("http://site" + path, href))
    if parts.netloc != "site":
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def measure(fetch: Fetch, path: str, asset_sizes: dict[str, int] | None = None) -> tuple[PageBudget, list[str]]:
    """One page's budget, and the links it has (as site paths). ``asset_sizes`` caches stylesheets and scripts
    across pages (their size is the same on each)."""
    cache = {} if asset_sizes is None else asset_sizes
    status, body = fetch(path)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    parser = _PageParser()
    parser.feed(body.decode("utf-8", errors="replace"))
    page = PageBudget(path, gzipped(body), blocking=parser.blocking)
    for href in parser.assets:
        asset = _local(path, href)
        if asset is None:
            page.blocking.append(f"{href} (another site)")
            continue
        if asset not in cache:
            asset_status, asset_body = fetch(asset)
            if asset_status != 200:
                raise RuntimeError(f"{asset} (on {path}) answered {asset_status}")
            cache[asset] = gzipped(asset_body)
        page.assets[asset] = cache[asset]
    links = [link for href in parser.links if (link := _local(path, href))]
    return page, links


def crawlable(path: str) -> bool:
    bare = urlsplit(path).path
    return not (bare.startswith(SKIP_PREFIXES) or bare.endswith(SKIP_SUFFIXES) or "/documents/" in bare)


def crawl(fetch: Fetch, *, start: str = "/", limit: int = 200) -> list[PageBudget]:
    """Every public page reachable from ``start`` (one month-calendar page; at most ``limit``)."""
    seen, queue, pages, sizes = {start}, [start], [], {}
    while queue and len(pages) < limit:
        path = queue.pop(0)
        page, links = measure(fetch, path, sizes)
        pages.append(page)
        for link in links:
            if not crawlable(link) or link in seen:
                continue
            if "month=" in link and any("month=" in p for p in seen):
                continue
            seen.add(link)
            queue.append(link)
    return pages


def report(pages: list[PageBudget], budget: int = BUDGET_BYTES) -> tuple[str, list[str]]:
    lines = [f"{'page':<48} {'html':>8} {'css+js':>8} {'total':>8}"]
    for p in sorted(pages, key=lambda p: -p.total):
        assets = sum(p.assets.values())
        lines.append(f"{p.path[:48]:<48} {p.html / 1024:>7.1f}K {assets / 1024:>7.1f}K {p.total / 1024:>7.1f}K")
    biggest = max(pages, key=lambda p: p.total)
    lines.append(
        f"{len(pages)} pages; the largest {biggest.path} at {biggest.total / 1024:.1f} KB of {budget / 1024:.0f} KB"
    )
    problems = [problem for p in pages for problem in p.problems(budget)]
    return "\n".join(lines), problems


def http_fetch(base: str) -> Fetch:
    def fetch(path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(base + path, timeout=60) as response:  # noqa: S310 (our own server)
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    return fetch


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--limit", type=int, default=200, help="pages to crawl at most")
    p.add_argument("--budget-kb", type=int, default=100, help="compressed HTML+CSS+JS per page")
    p.add_argument("--keep", action="store_true", help="keep the instance's directory")
    return p


def main(argv=None) -> int:
    from bench._server import fresh_instance, serve

    args = parser().parse_args(argv)
    with fresh_instance(keep=args.keep) as instance, serve(instance) as server:
        pages = crawl(http_fetch(server.base), limit=args.limit)
    text, problems = report(pages, args.budget_kb * 1024)
    print(text)
    for problem in problems:
        print("FAIL", problem)
    print("ok: every page within the budget, no render-blocking script" if not problems else "over budget")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
