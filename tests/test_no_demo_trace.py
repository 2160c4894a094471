"""A city set up without the demo sees nothing of the demo city: no page, feed or API answer names Key West."""

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from app.auth.models import Role, User
from app.bodies.models import Body, Member, Membership, Seat
from app.core.outbox import Mailing
from app.intake.models import Submission, SubmissionFile
from app.legislation.models import Agreement, AgreementDocument, Resolution
from app.matters.models import Matter
from app.meetings.models import AgendaItem, Attachment, Meeting, MeetingLogEntry
from app.public_comment.models import SpeakerRequest
from app.subscriptions.models import Subscription
from app.topics.models import Topic
from app.video.models import Recording
from app.votes.models import ConflictDisclosure, Motion
from tests.documents_helpers import pdf_text
from tests.test_city_profile import PNG, Upload

ROOT = Path(__file__).resolve().parent.parent
DEMO = re.compile(r"key\s*west", re.IGNORECASE)

#: Which table an URL argument names a row of; a missing row is filled with 1 (a 404 is an answer too).
ROWS = {
    "meeting_id": Meeting,
    "item_id": AgendaItem,
    "body_id": Body,
    "member_id": Member,
    "resolution_id": Resolution,
    "agreement_id": Agreement,
    "document_id": AgreementDocument,
    "attachment_id": Attachment,
    "motion_id": Motion,
    "request_id": SpeakerRequest,
    "subscription_id": Subscription,
    "user_id": User,
    "disclosure_id": ConflictDisclosure,
    "seat_id": Seat,
    "term_id": Membership,
    "mailing_id": Mailing,
    "topic_id": Topic,
    "recording_id": Recording,
    "entry_id": MeetingLogEntry,
    "matter_id": Matter,
    "submission_id": Submission,
    "file_id": SubmissionFile,
}


def get_urls(app, db) -> list[str]:
    from app.city.services import current_city

    city = current_city()
    fixed = {
        "code": "en",
        "token": "x",
        "filename": "file.pdf",
        "digest": city.logo_sha256,
        "ext": "png",
        "kind": "members",
        "slug": "police",
        "part": 1,
        "file_number": "25-0001",
        "number": 1,
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {}
        for name in rule.arguments:
            if name in ROWS:
                values[name] = db.session.scalar(select(ROWS[name].id).order_by(ROWS[name].id).limit(1)) or 1
            else:
                values[name] = fixed[name]  # a new kind of argument: say how to fill it here
        urls.append(rule.build(values)[1])
    return sorted(set(urls))


@pytest.fixture
def town(app, db, set_city, open_meeting, create_member):
    """Town of Example, set up by hand: profile with logo, a body with a member, a noticed meeting with items."""
    set_city(name_en="Town of Example", name_es="Pueblo de Ejemplo", logo=Upload("logo.png", PNG))
    meeting = open_meeting()
    create_member(meeting.body, full_name="Ada Member")
    return meeting


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_no_page_names_key_west_on_a_city_set_up_without_the_demo(app, db, client, login_as, town, who):
    if who == "admin":
        login_as(Role.admin)
    urls = get_urls(app, db)
    assert "/staff/city" in urls and "/" in urls and "/api/v1/meetings" in urls
    seen = {}
    for url in urls:
        for lang in ("en", "es"):
            with client.session_transaction() as session:
                session["lang"] = lang
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            seen[url] = response.status_code
            body = (
                pdf_text(response.data)  # a generated document (app/documents), read as text
                if response.mimetype == "application/pdf"
                else response.get_data(as_text=True)
                if not response.mimetype.startswith("image/")
                else ""
            )
            assert not DEMO.search(body), (url, lang, DEMO.search(body).group(0))
    assert seen["/"] == 200 and seen["/meetings.ics"] == 200 and seen["/api/v1/"] == 200
    if who == "admin":
        assert seen["/staff/city"] == seen["/dashboard/"] == seen["/admin/users"] == 200


def _strings_outside_docstrings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_no_code_or_template_outside_the_demo_names_key_west():
    """Comments and docstrings may explain where a rule came from; strings, templates and config may not."""
    found = []
    for path in [*ROOT.joinpath("app").rglob("*.py"), ROOT / "config.py"]:
        if "demo" in path.relative_to(ROOT).parts:
            continue
        found += [f"{path.relative_to(ROOT)}: {s[:60]!r}" for s in _strings_outside_docstrings(path) if DEMO.search(s)]
    for path in ROOT.joinpath("templates").rglob("*.html"):
        if DEMO.search(path.read_text(encoding="utf-8")):
            found.append(str(path.relative_to(ROOT)))
    assert found == []
