"""Versions of a matter's text (issue 20): kept, numbered and never edited; made by the clerk or by an amendment
that passes at a meeting (tied to the motion); any two compared as a redline on a public page; in the API and the
OCD export."""

import re
from datetime import timedelta

import pytest
from pupa.scrape.schemas.bill import schema as BILL_SCHEMA
from sqlalchemy import select

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db as _db
from app.matters import versions as matter_versions
from app.matters.models import MatterVersion, VersionSource
from app.meetings import agenda
from app.meetings.models import AgendaItemType
from app.votes import motions as motion_service
from app.votes import roll_call as roll_call_service
from app.votes.models import MotionKind, VoteChoice
from tests.test_api import validate_public_form
from tests.votes_helpers import hold_comment, items, roll_call, start

ORIGINAL = (
    "**WHEREAS** the City owns the harbor lands; and\n\n"
    "1. The City Manager shall report on the lease by July 1, 2025.\n\n"
    "2. This resolution takes effect immediately."
)
AMENDED = (
    "**WHEREAS** the City owns the harbor lands; and\n\n"
    "1. The City Clerk shall not report on the lease before July 8, 2025.\n\n"
    "2. This resolution takes effect immediately."
)


def _public_item(db, create_meeting, body=None, *, days=7, public=True, matter=None):
    meeting = create_meeting(body, kind="regular", start_at=utcnow() + timedelta(days=days), title=f"Meeting {days}",
                             status="noticed" if public else None)  # fmt: skip
    item = agenda.add_item(meeting, section="Resolutions", title="Harbor lease", body_md="",
                           item_type=AgendaItemType.resolution, matter=matter, actor=None)  # fmt: skip
    if public:
        meeting.agenda_published_at = utcnow()
    db.session.commit()
    return item


def _texts(n: int) -> list[str]:
    """n texts, each a small change of the one before."""
    return [ORIGINAL.replace("July 1", f"July {k + 1}") for k in range(n)]


def _versions(matter) -> list[MatterVersion]:
    return list(
        _db.session.scalars(
            select(MatterVersion).where(MatterVersion.matter_id == matter.id).order_by(MatterVersion.number)
        )
    )


# --- the service ---------------------------------------------------------------------------------------------


def test_versions_are_numbered_kept_and_refused_when_empty_same_or_too_long(db, create_meeting):
    item = _public_item(db, create_meeting)
    matter = item.matter
    first = matter_versions.add_by_staff(matter, ORIGINAL, note="As filed", actor=None)
    second = matter_versions.add_by_staff(matter, AMENDED, note="Staff corrections", actor=None)
    db.session.commit()
    assert (first.number, first.source, second.number, second.source) == (
        1, VersionSource.introduced, 2, VersionSource.revised,
    )  # fmt: skip
    assert first.title == "Harbor lease" and first.note == "As filed" and first.motion_id is None
    assert matter_versions.latest_text(matter.id) == AMENDED
    for bad, message in (
        ("", "Enter the full text"),
        ("   \n\n ", "Enter the full text"),
        (AMENDED, "same as version 2"),
        (AMENDED.replace("\n\n", "\n  \n\n").replace(" shall", "  shall"), "same as version 2"),  # spacing only
        ("x" * (matter_versions.MAX_TEXT + 1), "too long"),
    ):
        with pytest.raises(DomainError, match=message) as refused:
            matter_versions.add_version(matter, bad, actor=None, source="revised")
        assert refused.value.field == "text"
    with pytest.raises(DomainError):
        matter_versions.add_version(matter, "New", actor=None, source="typed by a cat")
    assert [v.number for v in _versions(matter)] == [1, 2]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "matter.version")).all()
    assert [a.data["number"] for a in audit] == [1, 2] and audit[1].data["source"] == "revised"


# --- amendments at a meeting ---------------------------------------------------------------------------------


@pytest.fixture
def session(commission, open_meeting, clock, db):
    """A meeting in session with the roll taken and comment held on the resolution, whose matter has version 1."""
    meeting = open_meeting(commission[0])
    start(meeting, clock, db)
    _gen, item, _min = items(meeting)
    roll_call(meeting, commission[1])
    hold_comment(item)
    matter_versions.add_by_staff(item.matter, ORIGINAL, actor=None)
    db.session.commit()
    clock.now += timedelta(minutes=5)
    return meeting, item, commission[1]


def _move(meeting, item, members, kind=MotionKind.main, **kw):
    return motion_service.make_motion(meeting, kind=kind, text=kw.pop("text", "Move"), item=item,
                                      mover_id=members[5].id, seconder_id=members[1].id, actor=None, **kw)  # fmt: skip


def _decide(motion, members, yes=True):
    roll_call_service.open_vote(motion, actor=None)
    for member in members:
        roll_call_service.record_vote(motion, member.id, VoteChoice.yes if yes else VoteChoice.no, actor=None)
    roll_call_service.close_vote(motion, actor=None)
    _db.session.commit()


def test_a_passed_amendment_makes_the_next_version_tied_to_its_motion(session, db, client, clock):
    meeting, item, members = session
    main = _move(meeting, item, members, text="Move to adopt the resolution")
    amendment = _move(meeting, item, members, kind=MotionKind.amend, parent=main, text="Amend section 1",
                      matter_text=AMENDED)  # fmt: skip
    _decide(amendment, members)
    versions = _versions(item.matter)
    assert [(v.number, v.source) for v in versions] == [(1, VersionSource.introduced), (2, VersionSource.amended)]
    assert versions[1].motion_id == amendment.id and versions[1].meeting_id == meeting.id
    assert versions[1].created_at == amendment.closed_at
    assert matter_versions.texts_of(versions[1:]) == {versions[1].id: AMENDED}
    # On the public history, in time order: the amendment's vote, then the version it made, then the main vote.
    clock.now += timedelta(minutes=10)
    _decide(main, members)
    html = client.get(f"/matters/{item.file_number}").get_data(as_text=True)
    entry = re.findall(r'matter-entry-version">(.*?)</li>', html, re.S)[1]
    assert "Version 2</a>" in entry and "amended at the meeting of" in entry and "by the motion of Hollis" in entry
    assert f"#motion-{amendment.id}" in entry and "compare with the previous version" in entry
    kinds = re.findall(r"matter-entry-(\w+)", html)
    amended = len(kinds) - 1 - kinds[::-1].index("version")
    assert kinds[amended - 1 : amended + 2] == ["vote", "version", "vote"], kinds


def test_a_failed_amendment_or_one_without_a_text_makes_no_version(session, db):
    meeting, item, members = session
    main = _move(meeting, item, members)
    failed = _move(meeting, item, members, kind=MotionKind.amend, parent=main, matter_text=AMENDED)
    _decide(failed, members, yes=False)
    silent = _move(meeting, item, members, kind=MotionKind.amend, parent=main, amended_text="Move, as amended")
    _decide(silent, members)
    unchanged = _move(meeting, item, members, kind=MotionKind.amend, parent=main, matter_text=ORIGINAL + "\n")
    assert unchanged.matter_text is None  # the form's pre-filled text, untouched: no change of the matter
    _decide(unchanged, members)
    assert [v.number for v in _versions(item.matter)] == [1]
    # A main motion carries no text of the matter, even if the form sent one.
    assert _move(meeting, item, members, text="Another", matter_text=AMENDED).matter_text is None


def test_only_what_passes_into_the_main_motion_changes_the_matter(session, db):
    meeting, item, members = session
    main = _move(meeting, item, members)
    primary = _move(meeting, item, members, kind=MotionKind.amend, parent=main, matter_text=AMENDED)
    better = AMENDED.replace("City Clerk", "City Attorney")
    secondary = _move(meeting, item, members, kind=MotionKind.amend, parent=primary, matter_text=better)
    _decide(secondary, members)
    assert [v.number for v in _versions(item.matter)] == [1]  # the amendment of the amendment alone: no version
    assert primary.matter_text == better
    _decide(primary, members)
    versions = _versions(item.matter)
    assert [v.number for v in versions] == [1, 2] and versions[1].motion_id == primary.id
    assert matter_versions.latest_text(item.matter_id) == better


def test_a_substitute_makes_a_substituted_version(session, db):
    meeting, item, members = session
    main = _move(meeting, item, members)
    substitute = _move(meeting, item, members, kind=MotionKind.substitute, parent=main, text="Substitute",
                       matter_text="1. An entirely new resolution.")  # fmt: skip
    _decide(substitute, members)
    assert [v.source for v in _versions(item.matter)] == [VersionSource.introduced, VersionSource.substituted]


def test_the_staff_motion_form_offers_the_latest_text_and_keeps_the_amended_one(session, db, client, login_as):
    meeting, item, members = session
    main = _move(meeting, item, members)
    db.session.commit()
    login_as(Role.clerk)
    page = client.get(f"/staff/items/{item.id}/motions").get_data(as_text=True)
    assert 'name="motion-matter_text"' in page and "The City Manager shall report on the lease" in page
    form = {
        "motion-kind": "amend", "motion-text": "Amend section 1", "motion-mover_id": members[5].id,
        "motion-seconder_id": members[1].id, "motion-parent_id": main.id, "motion-matter_text": AMENDED,
    }  # fmt: skip
    response = client.post(f"/staff/items/{item.id}/motions", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    motion = db.session.scalar(select(main.__class__).where(main.__class__.parent_id == main.id))
    assert motion.matter_text == AMENDED
    page = client.get(f"/staff/motions/{motion.id}").get_data(as_text=True)  # before the vote: what would change
    assert f"If adopted, the text of file {item.file_number} changes as follows" in page
    assert "[deleted: </span>Manager" in page and "[inserted: </span>Clerk" in page
    assert "changes as follows" not in client.get(f"/staff/motions/{main.id}").get_data(as_text=True)
    too_long = {**form, "motion-matter_text": "y" * (matter_versions.MAX_TEXT + 1), "motion-text": "Kept motion"}
    response = client.post(f"/staff/items/{item.id}/motions", data=too_long)
    assert response.status_code == 422 and "Kept motion" in response.get_data(as_text=True)


# --- the staff matter page -----------------------------------------------------------------------------------


def test_the_clerk_adds_versions_and_refusals_keep_what_was_typed(db, create_meeting, client, login_as):
    item = _public_item(db, create_meeting, public=False)
    url = f"/staff/matters/{item.matter_id}"
    login_as(Role.clerk)
    assert "Record the text as introduced" in client.get(url).get_data(as_text=True)
    response = client.post(f"{url}/versions", data={"version-text": "", "version-note": "Typed note"})
    assert response.status_code == 422 and "Typed note" in response.get_data(as_text=True)
    response = client.post(f"{url}/versions", data={"version-text": "x" * (matter_versions.MAX_TEXT + 1)})
    assert response.status_code == 422
    assert client.post(f"{url}/versions", data={"version-text": ORIGINAL}).status_code == 302
    response = client.post(f"{url}/versions", data={"version-text": ORIGINAL, "version-note": "Again"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "same as version 1" in page and "Again" in page
    response = client.post(f"{url}/versions", data={"version-text": AMENDED, "version-note": "Clerk's fix"})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Version 2" in page and "revised by staff" in page and "Clerk&#39;s fix" in page
    assert "The City Clerk shall not report" in page  # the form offers the latest text to edit
    # The staff compare and version pages work before the matter is public.
    compare = client.get(f"{url}/compare").get_data(as_text=True)
    assert "<ins>" in compare and "<del>" in compare
    assert "The City Clerk" in client.get(f"{url}/versions/2").get_data(as_text=True)
    assert client.get(f"{url}/versions/3").status_code == 404
    assert client.get(f"/matters/{item.file_number}/compare").status_code == 404  # not public yet


def test_a_viewer_sees_the_versions_but_cannot_add_one(db, create_meeting, client, login_as):
    item = _public_item(db, create_meeting)
    matter_versions.add_by_staff(item.matter, ORIGINAL, actor=None)
    db.session.commit()
    login_as(Role.viewer)
    url = f"/staff/matters/{item.matter_id}"
    page = client.get(url).get_data(as_text=True)
    assert "Version 1" in page and 'name="version-text"' not in page
    assert client.post(f"{url}/versions", data={"version-text": AMENDED}).status_code == 403
    assert [v.number for v in _versions(item.matter)] == [1]


# --- the public compare and version pages --------------------------------------------------------------------


@pytest.fixture
def public_matter(db, create_meeting):
    item = _public_item(db, create_meeting)
    for text in (ORIGINAL, AMENDED, AMENDED + "\n\n3. A new section."):
        matter_versions.add_by_staff(item.matter, text, actor=None)
    db.session.commit()
    return item.matter


def test_the_compare_page_shows_a_marked_redline(client, public_matter):
    base = f"/matters/{public_matter.file_number}/compare"
    response = client.get(base)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Changes from version 2 to version 3" in html
    assert '<ins><span class="visually-hidden">[inserted: </span>3. A new section.' in html
    html = client.get(f"{base}?from=1&to=2").get_data(as_text=True)
    assert "Changes from version 1 to version 2" in html
    assert re.search(r"<del><span class=\"visually-hidden\">\[deleted: </span>Manager</span>", html) or (
        "[deleted: </span>Manager" in html and "[inserted: </span>Clerk" in html
    )
    assert "[inserted: </span>not " in html
    assert '<option value="1" selected>' in html and '<option value="2" selected>' in html
    html = client.get(f"{base}?to=2").get_data(as_text=True)  # what version 2 changed
    assert "Changes from version 1 to version 2" in html
    html = client.get(f"{base}?from=3&to=1").get_data(as_text=True)  # backwards is allowed
    assert "Changes from version 3 to version 1" in html


@pytest.mark.parametrize("query", ["from=abc", "to=9", "from=0", "from=-1", "to=1.5", "from=99999999999999999999",
                                   "from=%00", "to=" + "9" * 300, "from=１"])  # fmt: skip
def test_bad_version_numbers_are_a_clear_message_not_an_error(client, public_matter, query):
    response = client.get(f"/matters/{public_matter.file_number}/compare?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is no version" in html and "Changes from version 2 to version 3" in html


def test_fewer_than_two_versions_and_private_matters(client, db, create_meeting):
    item = _public_item(db, create_meeting)
    url = f"/matters/{item.file_number}"
    assert "No text of this matter has been recorded yet" in client.get(f"{url}/compare").get_data(as_text=True)
    matter_versions.add_by_staff(item.matter, ORIGINAL, actor=None)
    db.session.commit()
    response = client.get(f"{url}/compare?from=1&to=2")
    assert response.status_code == 200 and "nothing to compare yet" in response.get_data(as_text=True)
    hidden = _public_item(db, create_meeting, days=14, public=False)
    matter_versions.add_by_staff(hidden.matter, ORIGINAL, actor=None)
    db.session.commit()
    for path in ("compare", "versions/1", "versions/1.txt"):
        assert client.get(f"/matters/{hidden.file_number}/{path}").status_code == 404
    assert client.get("/matters/99-9999/compare").status_code == 404
    assert client.get(f"/matters/{'x' * 30}/compare").status_code == 404


def test_one_version_page_and_its_plain_text(client, public_matter):
    base = f"/matters/{public_matter.file_number}"
    html = client.get(f"{base}/versions/2").get_data(as_text=True)
    assert "Version 2" in html and "**WHEREAS**" in html and "The City Clerk shall not report" in html
    assert "Compare with the previous version (1)" in html and "Compare with the latest version (3)" in html
    text = client.get(f"{base}/versions/2.txt")
    assert text.mimetype == "text/plain" and text.get_data(as_text=True) == AMENDED + "\n"
    for bad in ("4", "0", "99999999999", "abc"):
        assert client.get(f"{base}/versions/{bad}").status_code == 404
    page = client.get(base).get_data(as_text=True)
    assert "Versions of the text" in page and page.count("compare with the previous version") == 4  # list + history
    assert f"{base}/compare?to=2" in page and f"{base}/versions/3" in page


def test_versions_escape_their_text(client, db, create_meeting):
    item = _public_item(db, create_meeting)
    matter_versions.add_by_staff(item.matter, "Hello", actor=None)
    matter_versions.add_by_staff(item.matter, "Hello <script>alert(1)</script>", actor=None)
    db.session.commit()
    for path in ("compare", "versions/2"):
        html = client.get(f"/matters/{item.file_number}/{path}").get_data(as_text=True)
        assert "<script>alert" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("staff", [False, True], ids=["public", "staff"])
def test_pages_take_a_fixed_number_of_queries(client, db, create_meeting, count_queries, login_as, staff):
    item = _public_item(db, create_meeting)
    matter = item.matter
    texts = _texts(10)
    for text in texts[:2]:
        matter_versions.add_by_staff(matter, text, actor=None)
    db.session.commit()
    base = f"/staff/matters/{matter.id}" if staff else f"/matters/{matter.file_number}"
    paths = [base, f"{base}/compare", f"{base}/compare?from=1&to=2", f"{base}/versions/2"]
    if staff:
        login_as(Role.clerk)
    else:
        paths.append(f"{base}/versions/2.txt")
    for path in paths:
        client.get(path)
    few = {}
    for path in paths:
        with count_queries() as queries:
            assert client.get(path).status_code == 200
        few[path] = len(queries)
    for text in texts[2:]:
        matter_versions.add_by_staff(matter, text, actor=None)
    db.session.commit()
    for path in paths:
        with count_queries() as queries:
            html = client.get(path).get_data(as_text=True)
        assert len(queries) == few[path] <= 14, (path, queries)
        if path.endswith("/compare"):
            assert html.count("<option ") == 20 and "Changes from version 9 to version 10" in html
    if not staff:
        assert client.get(base).get_data(as_text=True).count("matter-entry-version") == 10


# --- API and OCD ---------------------------------------------------------------------------------------------


def test_the_api_and_the_ocd_bill_list_the_versions(session, db, client, create_user):
    meeting, item, members = session
    clerk = create_user(Role.clerk, email="private.clerk@city.example")
    matter_versions.add_by_staff(item.matter, ORIGINAL + "\n\n3. Staff note.", actor=clerk)
    main = _move(meeting, item, members)
    amendment = _move(meeting, item, members, kind=MotionKind.amend, parent=main, matter_text=AMENDED)
    _decide(amendment, members)
    _decide(main, members)
    detail = client.get(f"/api/v1/matters/{item.matter_id}")
    assert detail.status_code == 200
    versions = detail.json["versions"]
    assert [(v["number"], v["source"], v["motion_id"]) for v in versions] == [
        (1, "introduced", None), (2, "revised", None), (3, "amended", amendment.id),
    ]  # fmt: skip
    assert versions[2]["meeting_id"] == meeting.id
    assert client.get(versions[2]["text_url"]).get_data(as_text=True) == AMENDED + "\n"
    assert client.get(versions[2]["html_url"]).status_code == 200
    history = [(h["kind"], h.get("version")) for h in detail.json["history"]]
    assert ("version", 3) in history
    assert "private.clerk" not in detail.get_data(as_text=True)
    bill = client.get(f"/api/v1/ocd/matters/{item.matter_id}")
    assert validate_public_form(BILL_SCHEMA, bill.json) == []
    assert [v["note"] for v in bill.json["versions"]][2].startswith("Version 3 (amended at the meeting of")
    assert {link["media_type"] for link in bill.json["versions"][0]["links"]} == {"text/html", "text/plain"}
    classes = [a["classification"] for a in bill.json["actions"]]
    assert ["amendment-passage"] in classes and classes.index(["amendment-passage"]) < classes.index(["passage"])
    assert "private.clerk" not in bill.get_data(as_text=True)


def test_the_demo_july_8_matter_has_two_versions_to_compare(client, app, db):
    from app.demo import seed_demo
    from app.legislation.models import Resolution

    seed_demo()
    db.session.commit()
    june30, july8 = db.session.scalars(
        select(Resolution).where(Resolution.title.contains("287(g)")).order_by(Resolution.id)
    ).all()[:2]
    assert [v.source for v in _versions(june30.item.matter)] == [VersionSource.introduced]
    html = client.get(f"/matters/{july8.item.file_number}/compare").get_data(as_text=True)
    assert "Changes from version 1 to version 2" in html
    assert "[deleted: </span>Chief of Police" in html and "[inserted: </span>City Manager" in html
    page = client.get(f"/matters/{july8.item.file_number}").get_data(as_text=True)
    assert "Versions of the text" in page and "revised by staff" in page
