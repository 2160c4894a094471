"""The staff list of every matter (``/staff/matters``, issue 20): filters by text, type, status, body and year,
newest first, 50 a page, forgiving of a garbage page number, each row with what the clerk looks for, in a fixed
number of queries."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.auth.models import Role
from app.matters import services as matter_service
from app.matters.models import MatterActionKind, MatterStatus, MatterType
from app.meetings import agenda
from app.meetings.models import AgendaItemType

ROW = re.compile(r"<tr>\s*<td data-label=\"File number\"><a href=\"/staff/matters/(\d+)\">([^<]+)</a>")


def listed(html: str) -> list[str]:
    """The file numbers of the list's rows, in order."""
    return [number for _id, number in ROW.findall(html)]


def open_matter(db, title, *, matter_type=MatterType.resolution, body=None):
    matter = matter_service.open_matter(title=title, matter_type=matter_type, body_id=body.id if body else None,
                                        actor=None)  # fmt: skip
    db.session.commit()
    return matter


@pytest.fixture
def staff(client, login_as):
    login_as(Role.viewer)  # the least of the staff roles reads the list
    return client


def test_every_matter_newest_first_with_its_row(staff, db, create_meeting, create_body, clock):
    commission = create_body(name="City Commission", seat_count=5)
    first = open_matter(db, "Harbor lease renewal", matter_type=MatterType.contract, body=commission)
    clock.advance(days=1)
    meeting = create_meeting(commission, kind="regular", title="Draft meeting")  # never noticed: staff still see it
    item = agenda.add_item(meeting, section="Resolutions", title="Seawall repair", body_md="",
                           item_type=AgendaItemType.ordinance, actor=None)  # fmt: skip
    db.session.commit()
    second = item.matter
    clock.advance(days=1)
    later = create_meeting(commission, kind="regular", title="Later", start_in=timedelta(days=30))
    agenda.add_item(later, section="Resolutions", title="Seawall repair", body_md="",
                    item_type=AgendaItemType.ordinance, matter=second, actor=None)  # fmt: skip
    clock.advance(days=1)
    matter_service.record_action(second, MatterActionKind.referred, referred_to="Harbor board", note="For advice",
                                 actor=None)  # fmt: skip
    db.session.commit()

    response = staff.get("/staff/matters")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert listed(html) == [second.file_number, first.file_number]
    assert "2 matters." in html
    row = html[html.index(f'href="/staff/matters/{second.id}"') :]
    row = row[: row.index("</tr>")]
    assert ">Seawall repair</th>" in row and ">Ordinance<" in row and ">Referred<" in row
    assert ">City Commission<" in row
    assert "Referred, <time" in row and ">March 5, 2026</time>" in row
    assert 'data-label="Appearances">2<' in row
    first_row = html[html.index(f'href="/staff/matters/{first.id}"') :]
    first_row = first_row[: first_row.index("</tr>")]
    assert 'data-label="Appearances">0<' in first_row and "Introduced, <time" in first_row
    assert ">Contract or agreement approval<" in first_row
    # Phone width: the table becomes cards (labels from data-label); the nav and the dashboard lead here.
    assert '<table class="stack matter-list">' in html
    assert 'href="/staff/matters" aria-current="page">Matters<' in html
    assert 'href="/staff/matters"' in staff.get("/dashboard/").get_data(as_text=True)
    # A viewer is not offered the file number pattern (an editor's page).
    assert "/staff/matters/numbering" not in html


def test_the_filters(staff, db, create_body, clock):
    commission = create_body(name="City Commission", seat_count=5)
    board = create_body(name="Planning Board", seat_count=5)
    clock.now = datetime(2025, 6, 1, 15, tzinfo=UTC)
    old = open_matter(db, "Harbor lease renewal", matter_type=MatterType.contract, body=commission)
    clock.now = datetime(2026, 1, 1, 4, tzinfo=UTC)  # still 31 December 2025 in the city (New York time)
    eve = open_matter(db, "New Year fireworks permit", matter_type=MatterType.other, body=board)
    clock.now = datetime(2026, 3, 2, 14, tzinfo=UTC)
    new = open_matter(db, "Harbor dredging ordinance", matter_type=MatterType.ordinance, body=board)
    matter_service.record_action(new, MatterActionKind.withdrawn, note="Withdrawn by the sponsor", actor=None)
    db.session.commit()

    def numbers(**params):
        response = staff.get("/staff/matters", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        return listed(response.get_data(as_text=True))

    assert numbers(q="harbor") == [new.file_number, old.file_number]
    assert numbers(q="HARBOR lease") == [old.file_number]  # every word, any case
    assert numbers(q="lease harbor") == [old.file_number]  # in any order
    assert numbers(q=old.file_number) == [old.file_number]
    assert numbers(q="%") == [] and numbers(q="_") == []  # LIKE's wildcards are plain characters
    assert numbers(type="ordinance") == [new.file_number]
    assert numbers(status="withdrawn") == [new.file_number]
    assert numbers(status="introduced") == [eve.file_number, old.file_number]
    assert numbers(body=board.id) == [new.file_number, eve.file_number]
    assert numbers(year=2025) == [eve.file_number, old.file_number]  # the city's calendar year
    assert numbers(year=2026) == [new.file_number]
    assert numbers(q="harbor", body=board.id, year=2026, type="ordinance", status="withdrawn") == [new.file_number]
    kept = staff.get("/staff/matters", query_string={"type": "ordinance", "status": "withdrawn", "body": board.id})
    kept = kept.get_data(as_text=True)  # the filters chosen stay chosen, and only they
    assert 'value="ordinance" selected' in kept and 'value="withdrawn" selected' in kept
    assert f'value="{board.id}" selected' in kept and kept.count(" selected>") == 3
    html = staff.get("/staff/matters?q=nothing-like-this").get_data(as_text=True)
    assert "No matter matches" in html and "0 matters." in html
    assert MatterStatus.withdrawn.value in staff.get("/staff/matters").get_data(as_text=True)


@pytest.mark.parametrize(
    "params",
    [
        {"type": "nonsense"},
        {"status": "<script>"},
        {"body": "abc"},
        {"body": "99999999999999999999"},
        {"year": "twenty"},
        {"year": "1e3"},
        {"year": "99999"},
    ],
)
def test_unusable_filters_are_named_and_left_off(staff, db, params):
    matter = open_matter(db, "Beach rules")
    response = staff.get("/staff/matters", query_string=params)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Some of the filters could not be used" in html and "<script>" not in html
    assert listed(html) == [matter.file_number]  # the filter was left off


def test_pages_of_fifty_and_a_forgiving_page_number(staff, db, clock):
    for n in range(55):
        open_matter(db, f"Matter {n:02d}")
        clock.advance(minutes=1)
    page1 = staff.get("/staff/matters").get_data(as_text=True)
    assert len(listed(page1)) == 50 and "55 matters." in page1 and "Page 1 of 2." in page1
    assert 'href="/staff/matters?page=2" rel="next"' in page1
    page2 = staff.get("/staff/matters?page=2").get_data(as_text=True)
    assert len(listed(page2)) == 5 and set(listed(page1)).isdisjoint(listed(page2))
    for garbage in ("abc", "-1", "0", "1.5", "%00", "99999999999999999999", "２"):
        response = staff.get("/staff/matters", query_string={"page": garbage})
        assert response.status_code == 200, garbage
        assert len(listed(response.get_data(as_text=True))) in (50, 5), garbage
    past = staff.get("/staff/matters?page=999").get_data(as_text=True)
    assert listed(past) == listed(page2)  # past the end: the last page
    # The pager keeps the filters.
    filtered = staff.get("/staff/matters?q=matter&type=resolution").get_data(as_text=True)
    assert "/staff/matters?q=matter&amp;type=resolution&amp;page=2" in filtered


def test_a_fixed_number_of_queries(staff, db, create_meeting, create_body, count_queries):
    body = create_body(name="City Commission", seat_count=5)

    def add(n):
        for k in range(n):
            meeting = create_meeting(body, kind="regular", start_in=timedelta(days=10 + k))
            item = agenda.add_item(meeting, section="Resolutions", title=f"Item {k}", body_md="",
                                   item_type=AgendaItemType.resolution, actor=None)  # fmt: skip
            matter_service.record_action(item.matter, MatterActionKind.referred, referred_to="Board", note="n",
                                         actor=None)  # fmt: skip
        db.session.commit()

    add(3)
    staff.get("/staff/matters")  # warm
    with count_queries() as few:
        html = staff.get("/staff/matters?status=referred").get_data(as_text=True)
    assert len(listed(html)) == 3
    add(27)
    with count_queries() as many:
        html = staff.get("/staff/matters?status=referred").get_data(as_text=True)
    assert len(listed(html)) == 30
    assert len(few) == len(many), many
    # the city, the session, the page, the count, the bodies, each row's extras
    assert len(many) <= 7, many


def test_department_staff_and_the_public_cannot_see_it(client, login_as):
    assert client.get("/staff/matters").status_code == 302
    login_as(Role.department)
    assert client.get("/staff/matters").status_code == 403


@pytest.mark.browser
def test_the_list_passes_axe_and_fits_320_px(app, db, live_server, create_user, create_body):
    """Real Chromium: no axe violation (WCAG 2.1 AA), and at 320 px the rows are cards, nothing scrolls sideways."""
    from playwright.sync_api import expect

    from tests.browser import axe_violations, chromium_or_skip, chromium_page, sign_in
    from tests.conftest import PASSWORD

    chromium_or_skip()
    body = create_body(name="City Commission", seat_count=5)
    for n in range(3):
        open_matter(db, f"Harbor lease renewal with a rather long title, number {n}", body=body)
    viewer = create_user(Role.viewer)
    with chromium_page() as page:
        sign_in(page, live_server, viewer.email, PASSWORD)
        page.set_viewport_size({"width": 320, "height": 800})
        page.goto(f"{live_server}/staff/matters?body={body.id}")
        expect(page.locator("table.matter-list tbody tr")).to_have_count(3)
        violations, report = axe_violations(page)
        assert violations == [], report
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, overflow
