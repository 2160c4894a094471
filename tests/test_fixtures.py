"""The suite's own database fixtures (tests/conftest.py, tests/dbutil.py) do what they promise.

Run as a pytest session of its own (pytester, in a subprocess) with the suite's conftest, because what is proved
is what one test leaves for the next: nothing, whether it rolled back or really committed.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUN = """
import pytest
from sqlalchemy import func, select, text

from app.auth.models import Role, User
from app.bodies.models import Body
from tests.dbutil import SecondConnectionError


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_1_writes_and_commits_through_the_service_and_a_request(client, login_as, create_body, db):
    create_body(name="Left behind?")
    login_as(Role.admin)
    data = {"email": "new@city.example", "display_name": "New", "role": "clerk", "password": "long-enough-pass"}
    assert client.post("/admin/users/new", data=data).status_code == 302
    assert (_count(db, Body), _count(db, User)) == (1, 2)


def test_2_the_next_test_sees_none_of_it(db):
    assert (_count(db, Body), _count(db, User)) == (0, 0)


def test_3_a_session_rollback_keeps_what_was_committed_before(db, create_body):
    create_body(name="Committed")
    db.session.add(Body(name="Not committed", kind="board"))
    db.session.flush()
    db.session.rollback()
    assert [b.name for b in db.session.scalars(select(Body))] == ["Committed"]


def test_4_a_second_connection_is_refused_with_the_way_out(db):
    with pytest.raises(SecondConnectionError, match="pytest.mark.commits"):
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))


@pytest.mark.commits
def test_5_a_test_marked_commits_commits_for_real(db, create_body):
    create_body(name="Really committed")
    with db.engine.connect() as other:  # another connection sees it
        assert other.execute(text("SELECT count(*) FROM bodies")).scalar() == 1


def test_6_and_its_rows_are_gone_after_it(db):
    assert _count(db, Body) == 0
"""


def test_each_test_leaves_an_empty_database_and_a_second_connection_is_refused(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest('pytest_plugins = ["tests.conftest"]\n')
    pytester.makeini("[pytest]\nmarkers =\n    commits: real commits\n")
    pytester.makepyfile(test_fixtures_run=RUN)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", timeout=240)
    result.assert_outcomes(passed=6)
