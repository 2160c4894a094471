# ruff: noqa: C408  (rows read best as keyword arguments)
"""Issue 18, pages that stay fast as the archive grows: fixed query counts at two archive sizes, lists read in index
order, the maintained corrected choice, one Markdown renderer, and public pages answered from the record's version
(304 before anything is built, the page cache, its invalidation, languages and staff kept apart)."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import template_rendered
from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text

from app.bodies.models import Body, Member
from app.core import audit
from app.core import cache as page_cache
from app.core.text import render_markdown
from app.extensions import db
from app.legislation.models import Resolution
from app.meetings.models import AgendaItem, Attendance, Meeting, agenda_item_sponsors
from app.votes.models import Motion, Vote, VoteChoice, VoteCorrection
from tests.conftest import make_app
from tests.dbutil import fresh_database

#: The resolution page's budget (issue 18), counting the city profile and the page's version; one more since the
#: roll call is drawn as seats (issue 19: the body's seats and terms on the day, for vacant seats), and one more for
#: the meeting's recording parts (issue 21: the watch links of the motion, the vote and the speakers).
RESOLUTION_PAGE_BUDGET = 12


def grow(body, members, meetings: int, *, first_id: int) -> dict:
    """``meetings`` adjourned meetings (weekly, back from 2020), each with two resolutions decided by a roll call
    of every member, one vote in each meeting corrected (through the ORM, as any writer would), and attendance.
    Ids start at ``first_id`` so that two calls never collide."""
    rows = {"meetings": [], "items": [], "sponsors": [], "motions": [], "votes": [], "resolutions": [], "att": []}
    item_id = motion_id = vote_id = resolution_id = first_id
    corrected = []
    for n in range(meetings):
        meeting_id = first_id + n
        start = datetime(2020, 1, 7, 22, tzinfo=UTC) - timedelta(days=7 * (first_id % 1000 + n))
        rows["meetings"].append(
            dict(
                id=meeting_id,
                body_id=body.id,
                kind="regular",
                title=f"Archived meeting {meeting_id}",
                start_at=start,
                location="City Hall",
                status="adjourned",
                first_published_at=start - timedelta(days=9),
                agenda_published_at=start - timedelta(days=8),
                sequence=0,
                created_at=start,
                updated_at=start,
            )
        )
        rows["att"] += [
            dict(meeting_id=meeting_id, member_id=m.id, status="present_in_person", arrived_at=start, recorded_at=start)
            for m in members
        ]
        for k in range(2):
            item_id, motion_id, resolution_id = item_id + 1, motion_id + 1, resolution_id + 1
            rows["items"].append(
                dict(
                    id=item_id,
                    meeting_id=meeting_id,
                    section="Resolutions",
                    position=k + 1,
                    label=f"R{k + 1}",
                    title=f"Resolution on the seawall {item_id}",
                    body_md="**Seawall** repairs.",
                    item_type="resolution",
                    file_number=f"T{item_id}",
                    fiscal_impact="",
                    public_comment_required=True,
                    created_at=start,
                )
            )
            rows["sponsors"].append(dict(agenda_item_id=item_id, member_id=members[(n + k) % len(members)].id))
            rows["motions"].append(
                dict(
                    id=motion_id,
                    meeting_id=meeting_id,
                    agenda_item_id=item_id,
                    kind="main",
                    text=f"Move to adopt {item_id}",
                    mover_id=members[1].id,
                    seconder_id=members[2].id,
                    previous_notice=False,
                    threshold_basis="members_present",
                    threshold_fraction="majority",
                    threshold_min_yes=0,
                    status="closed",
                    result="passed",
                    roll_call_method="alphabetical_chair_last",
                    roll_call_order=[m.id for m in members],
                    seats_at_vote=len(members),
                    made_at=start,
                    opened_at=start,
                    closed_at=start + timedelta(hours=1),
                )
            )
            for position, member in enumerate(members, start=1):
                vote_id += 1
                choice = "no" if position == len(members) else "yes"
                rows["votes"].append(
                    dict(
                        id=vote_id,
                        motion_id=motion_id,
                        member_id=member.id,
                        position=position,
                        choice=choice,
                        remote=False,
                        recorded_at=start,
                    )
                )
                if k == 0 and position == len(members):
                    corrected.append(vote_id)
            rows["resolutions"].append(
                dict(
                    id=resolution_id,
                    agenda_item_id=item_id,
                    title=f"Resolution on the seawall {item_id}",
                    text_md=f"Repairing seawall section {item_id}.",
                    status="adopted",
                    number=f"{start.year % 100:02d}-{resolution_id}",
                    number_year=start.year,
                    number_seq=resolution_id,
                    adopted_on=start.date(),
                    effective_on=start.date(),
                    motion_id=motion_id,
                    created_at=start,
                )
            )
    from app.matters.models import Matter
    from app.meetings.matter_link import bulk_matter_rows

    first_matter = (db.session.scalar(select(func.max(Matter.id))) or 0) + 1
    rows["matters"] = bulk_matter_rows(rows["items"], first_id=first_matter)
    for table, key in (
        (Meeting.__table__, "meetings"),
        (Matter.__table__, "matters"),
        (AgendaItem.__table__, "items"),
        (agenda_item_sponsors, "sponsors"),
        (Attendance.__table__, "att"),
        (Motion.__table__, "motions"),
        (Vote.__table__, "votes"),
        (Resolution.__table__, "resolutions"),
    ):
        db.session.execute(insert(table), rows[key])
    for vote in corrected:
        db.session.add(VoteCorrection(vote_id=vote, old_choice="no", new_choice="yes", reason="Misheard"))
    db.session.commit()
    return {key: len(value) for key, value in rows.items()} | {"corrections": len(corrected)}


def public_urls(body, member, meeting_id: int, resolution_id: int) -> list[str]:
    return [
        "/",
        "/meetings",
        f"/meetings?body={body.id}",
        f"/meetings/{meeting_id}",
        "/resolutions",
        "/resolutions?year=2019",
        f"/resolutions?sponsor={member.id}",
        "/resolutions?sort=oldest&page=2",
        f"/resolutions/{resolution_id}",
        "/agreements",
        "/members",
        f"/members/{member.id}",
        f"/members/{member.id}?vote=no",
        f"/members/{member.id}?page=2",
        "/feeds/agendas.atom",
        f"/bodies/{body.id}/agendas.atom",
        "/feeds/resolutions.atom",
    ]


def counts(client, count_queries, urls) -> dict[str, int]:
    found = {}
    for url in urls:
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        found[url] = len(statements)
    return found


def test_query_counts_are_the_same_at_two_archive_sizes(client, commission, count_queries):
    body, members = commission
    small = grow(body, members, 12, first_id=500_000)  # 24 resolutions and votes each: every page 2 exists
    first = db.session.scalar(select(Resolution.id).where(Resolution.id > 500_000).order_by(Resolution.id))
    urls = public_urls(body, members[-1], 500_000, first)
    before = counts(client, count_queries, urls)
    large = grow(body, members, 60, first_id=600_000)
    assert large["votes"] == 5 * small["votes"] and large["corrections"] == 60
    after = counts(client, count_queries, urls)
    assert after == before, {url: (before[url], after[url]) for url in urls if before[url] != after[url]}
    assert after[f"/resolutions/{first}"] <= RESOLUTION_PAGE_BUDGET
    # A meeting's page also draws its roll calls as seats and its timeline from the live log (issue 19): two more;
    # and reads its recording's parts for the "Watch" links (issue 21): one more.
    meeting_pages = [u for u in after if re.fullmatch(r"/meetings/\d+", u)]
    assert meeting_pages and max(after[u] for u in meeting_pages) <= 15, after
    assert max(n for u, n in after.items() if u not in meeting_pages) <= 12, after


def test_the_member_page_counts_and_filters_votes_as_corrected(client, commission):
    body, members = commission
    grow(body, members, 4, first_id=700_000)
    last = members[-1]
    # Each meeting corrected the last member's "no" on its first resolution to "yes": 4 of their 8 votes.
    corrected = db.session.scalars(select(Vote).where(Vote.member_id == last.id, Vote.corrected_choice.is_not(None)))
    assert [v.final_choice for v in corrected] == [VoteChoice.yes] * 4
    page = client.get(f"/members/{last.id}").get_data(as_text=True)
    assert "8 roll calls." in page and page.count("<del>No</del> Yes") == 4
    assert "4 roll calls." in client.get(f"/members/{last.id}?vote=no").get_data(as_text=True)
    assert "4 roll calls." in client.get(f"/members/{last.id}?vote=yes").get_data(as_text=True)
    # The newest ten sponsored items are listed, with a way to all of them.
    many = grow(body, members, 40, first_id=710_000)
    assert many["items"] == 80
    page = client.get(f"/members/{members[0].id}").get_data(as_text=True)
    assert page.count("Resolution on the seawall") == 10 + 20  # ten sponsored, twenty votes on the page
    assert f"/resolutions?sponsor={members[0].id}" in page


def test_a_correction_through_the_service_moves_the_corrected_choice(db, commission, create_user):
    from app.votes.corrections import correct_vote

    body, members = commission
    grow(body, members, 1, first_id=720_000)
    vote = db.session.scalar(select(Vote).where(Vote.member_id == members[1].id, Vote.motion_id == 720_001))
    clerk = create_user("clerk")
    correct_vote(vote, VoteChoice.no, "The clerk misheard.", actor=clerk)
    assert vote.corrected_choice == VoteChoice.no and vote.final_choice == VoteChoice.no  # in the same transaction
    db.session.commit()
    stored = db.session.execute(text("SELECT choice, corrected_choice FROM votes WHERE id = :id"), {"id": vote.id})
    assert stored.one() == ("yes", "no")


def test_the_migration_backfills_the_corrected_choice(tmp_path):
    with fresh_database("sqlite", tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade(revision="e6ff9eaea663")  # the revision before b59a83bd85a1
            # Rows as the release before left them, written with the tables' columns of then (Core, no ORM events).
            when = datetime(2025, 1, 7, 22, tzinfo=UTC)
            meeting = dict(id=1, body_id=1, kind="regular", title="Regular", start_at=when, location="City Hall")
            motion = dict(id=1, meeting_id=1, kind="main", text="Move", mover_id=1, status="closed", result="passed")
            motion.update(threshold_basis="members_present", threshold_fraction="majority")
            for table, row in (
                (Body.__table__, dict(id=1, name="City Commission", kind="commission")),
                (Member.__table__, dict(id=1, full_name="Ada One", sort_name="One, Ada")),
                (Member.__table__, dict(id=2, full_name="Bo Two", sort_name="Two, Bo")),
                (Meeting.__table__, dict(meeting, status="adjourned", sequence=0)),
                (Motion.__table__, motion),
                (Vote.__table__, dict(id=1, motion_id=1, member_id=1, position=1, choice="no", remote=False)),
                (Vote.__table__, dict(id=2, motion_id=1, member_id=2, position=2, choice="yes", remote=False)),
            ):
                db.session.execute(insert(table).values(**row))
            for n, (old, new) in enumerate([("no", "yes"), ("yes", "abstain")], start=1):
                correction = dict(id=n, vote_id=1, old_choice=old, new_choice=new, reason="r", corrected_at=when)
                db.session.execute(insert(VoteCorrection.__table__).values(**correction))
            db.session.commit()
            upgrade()
            rows = db.session.execute(text("SELECT id, corrected_choice FROM votes ORDER BY id")).all()
            db.session.remove()
            db.engine.dispose()
    assert rows == [(1, "abstain"), (2, None)]  # the newest correction wins; an uncorrected vote stays null


def test_lists_and_feeds_are_read_in_index_order_not_sorted(client, commission, count_queries):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plans are checked; PostgreSQL chooses by its statistics")
    body, members = commission
    grow(body, members, 30, first_id=730_000)
    checked = 0
    for url, table in (
        ("/resolutions", "FROM resolutions JOIN agenda_items"),
        ("/feeds/resolutions.atom", "FROM resolutions JOIN agenda_items"),
        ("/feeds/agendas.atom", "FROM meetings"),
        ("/", "FROM resolutions JOIN agenda_items"),
    ):
        with count_queries() as statements:
            client.get(url)
        for statement in statements:
            if table in statement and "LIMIT" in statement and "count(" not in statement:
                raw = db.session.connection().connection.driver_connection
                params = [0] * statement.count("?")
                plan = " / ".join(row[-1] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, params))
                assert "USING INDEX" in plan and "TEMP B-TREE FOR ORDER BY" not in plan, (url, plan)
                checked += 1
    assert checked >= 4


# ---- Markdown ---------------------------------------------------------------------------------------------------


def test_one_markdown_renderer_gives_the_same_html_from_many_threads():
    texts = [f"**Item {n}**\n\n1. one\n2. two\n\n| a | b |\n|---|---|\n| {n} | x |" for n in range(40)]
    expected = {t: str(render_markdown(t)) for t in texts}
    assert "<strong>Item 3</strong>" in expected[texts[3]] and "<table>" in expected[texts[3]]
    unsafe = str(render_markdown("<script>alert(1)</script>[x](javascript:alert(1))"))
    assert "script" not in unsafe and "javascript" not in unsafe and ">x</a>" in unsafe
    found, problems = [], []

    def work(offset):
        for n in range(200):
            text_ = texts[(n + offset) % len(texts)] + ("\n\nmore" if n % 2 else "")
            html = str(render_markdown(text_))
            base = expected[texts[(n + offset) % len(texts)]]
            if not html.startswith(base.split("</table>")[0]):
                problems.append((text_, html))
            found.append(html)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == [] and len(found) == 1600


# ---- the version, 304 and the page cache ------------------------------------------------------------------------


@pytest.fixture
def renders(app):
    seen = []

    def record(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


@pytest.fixture
def kept_pages(app):
    """The page cache on (SimpleCache in this process), emptied before and after."""
    app.config["CACHE_TYPE"] = "SimpleCache"
    page_cache.init_app(app)
    page_cache.cache.clear()
    yield page_cache.cache
    page_cache.cache.clear()
    app.config["CACHE_TYPE"] = "NullCache"
    page_cache.init_app(app)


def test_a_repeat_visit_is_a_304_before_anything_is_built(client, commission, renders, count_queries):
    body, members = commission
    grow(body, members, 2, first_id=740_000)
    for url in ("/", "/resolutions", f"/members/{members[0].id}", "/feeds/resolutions.atom", "/meetings"):
        first = client.get(url)
        assert first.status_code == 200 and first.headers["ETag"].startswith('W/"'), url
        renders.clear()
        with count_queries() as statements:
            again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b"", url
        assert renders == [], url  # no template rendered
        # The record's version, the city's zone (for its day) and the app's own "is there a user yet?" check.
        assert len(statements) <= 3, statements
        assert again.headers["ETag"] == first.headers["ETag"] and "no-cache" in again.headers["Cache-Control"]


def test_a_change_to_the_record_shows_at_once(client, commission, kept_pages, renders, monkeypatch):
    body, members = commission
    grow(body, members, 2, first_id=750_000)
    resolution = db.session.get(Resolution, 750_001)
    url = f"/resolutions/{resolution.id}"
    first = client.get(url)
    assert "Resolution on the seawall" in first.get_data(as_text=True)
    renders.clear()
    kept = client.get(url)
    assert renders == [] and kept.get_data() == first.get_data()  # from the cache

    # A change that no service audited (a direct write): the generation moves after its commit.
    resolution.title = "Resolution on the seawall, as retitled"
    db.session.commit()
    changed = client.get(url)
    assert "as retitled" in changed.get_data(as_text=True) and changed.headers["ETag"] != first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200

    # A change another process made and audited (this process's generation does not move): the audit head does.
    monkeypatch.setattr(page_cache, "bump", lambda: None)
    db.session.execute(text("UPDATE resolutions SET title = 'Retitled elsewhere' WHERE id = :id"), {"id": 750_001})
    audit.record("resolution.retitled", resolution, "Retitled elsewhere", actor_label="cli")
    db.session.commit()
    assert "Retitled elsewhere" in client.get(url).get_data(as_text=True)


def test_languages_are_kept_apart(client, commission, kept_pages, renders):
    english = client.get("/resolutions", headers={"Accept-Language": "en"})
    spanish = client.get("/resolutions", headers={"Accept-Language": "es"})
    assert "Resolutions" in english.get_data(as_text=True) and 'lang="en"' in english.get_data(as_text=True)
    assert 'lang="es"' in spanish.get_data(as_text=True) and spanish.headers["ETag"] != english.headers["ETag"]
    renders.clear()
    again = client.get("/resolutions", headers={"Accept-Language": "es"})
    assert renders == [] and again.get_data() == spanish.get_data()
    # A language chosen with the switch (kept in the session) is its own page too.
    client.get("/language/es")
    chosen = client.get("/resolutions", headers={"Accept-Language": "en"})
    assert 'lang="es"' in chosen.get_data(as_text=True) and chosen.get_data() == spanish.get_data()
    renders.clear()
    assert client.get("/members", headers={"Accept-Language": "en"}).status_code == 200 and renders
    renders.clear()
    kept = client.get("/members", headers={"Accept-Language": "en"})
    assert 'lang="es"' in kept.get_data(as_text=True) and renders == []  # built for this visitor, then kept


def test_signed_in_staff_are_never_served_nor_stored(client, app, login_as, kept_pages, renders):
    anonymous = client.get("/")
    assert "Sign out" not in anonymous.get_data(as_text=True)
    login_as("clerk")
    renders.clear()
    staff = client.get("/")
    assert "Sign out" in staff.get_data(as_text=True) and renders  # built for them
    assert staff.headers["ETag"] != anonymous.headers["ETag"]
    # Signing in was audited, so the record's version moved: the next visitor gets a page built for nobody, and
    # the one after gets that page from the cache; the clerk's page was never stored.
    assert "Sign out" not in app.test_client().get("/").get_data(as_text=True)
    renders.clear()
    assert "Sign out" not in app.test_client().get("/").get_data(as_text=True) and renders == []
    renders.clear()
    assert "Sign out" in client.get("/").get_data(as_text=True) and renders == ["portal/home.html"]


def test_a_flash_waiting_is_shown_and_the_page_not_kept(app, client, kept_pages, renders):
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "Your subscription is confirmed.")]
    assert "Your subscription is confirmed." in client.get("/").get_data(as_text=True)
    assert "Your subscription is confirmed." not in app.test_client().get("/").get_data(as_text=True)


def test_a_page_that_made_a_csrf_token_is_not_kept(app, kept_pages):
    from flask_wtf.csrf import generate_csrf

    @page_cache.public_page()
    def with_a_form():
        return f'<form method="post"><input name="csrf_token" value="{generate_csrf()}"></form>'

    with app.test_request_context("/a-form"):
        response = with_a_form()
        key = page_cache.page_key(None)
    assert response.status_code == 200 and "ETag" not in response.headers
    assert kept_pages.get(f"page:{key}") is None


def test_the_day_is_part_of_the_version(client, clock):
    first = client.get("/agreements")
    clock.now = clock.now + timedelta(days=1)
    assert client.get("/agreements", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_a_parameter_the_page_does_not_read_is_never_kept(client, kept_pages, renders):
    client.get("/resolutions?utm_source=1")
    renders.clear()
    again = client.get("/resolutions?utm_source=1")
    assert renders == ["portal/resolutions.html"] and not again.headers["ETag"].startswith("W/")  # the content's
    kept = client.get("/resolutions?page=1")
    assert kept.headers["ETag"].startswith("W/")
