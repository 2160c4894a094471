"""What the servers a test starts have logged, shown in the test's failure report.

The live server (a thread, tests/browser.py) and the gunicorn app servers (tests/servers.py) add their log here
with :func:`attach`; conftest's ``pytest_runtest_makereport`` hook prints every attached log as a section of the
report of a failed test ("live server log", "app server 1 log", ...), and forgets them when the test is over.
"""

from collections.abc import Callable

#: Lines kept per log in a report: the end, where the failure is.
MAX_LINES = 300

_attached: list[tuple[str, Callable[[], str]]] = []


def attach(title: str, read: Callable[[], str]) -> None:
    """Show ``read()`` under ``title`` if the current test fails."""
    _attached.append((title, read))


def sections() -> list[tuple[str, str]]:
    out = []
    for title, read in _attached:
        lines = read().rstrip("\n").splitlines()
        if len(lines) > MAX_LINES:
            lines = [f"[... {len(lines) - MAX_LINES} earlier lines left out ...]", *lines[-MAX_LINES:]]
        out.append((title, "\n".join(lines) if lines else "(nothing logged)"))
    return out


def forget() -> None:
    _attached.clear()
