"""A template runs no query and receives no module: checked for every test.

Flask sends ``before_render_template`` before a template renders and ``template_rendered`` after; macros and
``{% include %}`` are part of the same render, and a render_template called while another renders (rare) nests.
SQLAlchemy's ``before_cursor_execute`` on every Engine sees each statement. A statement sent while the current
thread is inside a render is a lazy load (or a service call) in the template: the view should have loaded or
computed it. Violations are collected (a browser test's server renders in another thread) and fail the test at
teardown, naming the template and the SQL.
"""

import threading
import types
from dataclasses import dataclass, field

import pytest
from flask import (
    appcontext_tearing_down,
    before_render_template,
    got_request_exception,
    request_tearing_down,
    template_rendered,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class TemplateQueryCheck:
    violations: list[str] = field(default_factory=list)
    local: threading.local = field(default_factory=threading.local)

    def stack(self) -> list[str]:
        if not hasattr(self.local, "stack"):
            self.local.stack = []
        return self.local.stack

    def before_render(self, sender, template, context, **extra):
        name = template.name or "<string>"
        self.stack().append(name)
        modules = sorted(k for k, v in context.items() if isinstance(v, types.ModuleType))
        if modules:
            self.violations.append(f"{name} was given modules: {', '.join(modules)}")

    def rendered(self, sender, template, context, **extra):
        stack = self.stack()
        if stack:
            stack.pop()

    def reset(self, *args, **extra):
        """A render that raised never reports ``template_rendered``: forget it when the request ends."""
        self.stack().clear()

    def before_cursor_execute(self, conn, cursor, statement, parameters, context, executemany):
        stack = self.stack()
        if stack:
            self.violations.append(f"query while rendering {' > '.join(stack)}: {' '.join(statement.split())[:400]}")


@pytest.fixture(autouse=True)
def template_queries():
    """Fails the test if a template ran a query or was handed a module; yields the check (see its violations)."""
    check = TemplateQueryCheck()
    connections = [
        (before_render_template, check.before_render),
        (template_rendered, check.rendered),
        (got_request_exception, check.reset),
        (request_tearing_down, check.reset),
        (appcontext_tearing_down, check.reset),
    ]
    for signal, receiver in connections:
        signal.connect(receiver)
    event.listen(Engine, "before_cursor_execute", check.before_cursor_execute)
    try:
        yield check
    finally:
        event.remove(Engine, "before_cursor_execute", check.before_cursor_execute)
        for signal, receiver in connections:
            signal.disconnect(receiver)
    if check.violations:
        shown = "\n".join(dict.fromkeys(check.violations))  # the same lazy load in a loop, once
        pytest.fail(f"templates must get their data from the view:\n{shown}", pytrace=False)
