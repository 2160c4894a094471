"""The public archive: resolution search, the meetings list and month calendar, member pages, the comment guide."""

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from app.core.timeutil import format_seconds
from app.legislation.models import AgreementEffect, EffectKind, Resolution, ResolutionStatus
from app.meetings.models import AgendaItem, AgendaItemType, Attendance, MeetingStatus
from app.public_comment import policy as comment_policy
from app.votes.models import Vote, VoteCorrection
from tests import archive


def _titles(response) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/resolutions/\d+">([^<]*)</a>', response.get_data(as_text=True))


@pytest.fixture
def published(create_meeting, db):
    def make(body=None, **kw):
        meeting = create_meeting(body, status="noticed", **kw)
        meeting.agenda_published_at = meeting.first_published_at
        db.session.commit()
        return meeting

    return make


@pytest.fixture
def add_resolution(db):
    counter = iter(range(1, 10_000))

    def make(meeting, title, text="", *, number=None, status=ResolutionStatus.adopted, sponsors=(), year=None):
        n = next(counter)
        item = AgendaItem(
            meeting_id=meeting.id,
            section="Resolutions",
            position=n,
            label=f"R{n}",
            title=title,
            item_type=AgendaItemType.resolution,
            file_number=f"T{meeting.id}-{n}",
        )
        item.sponsors = list(sponsors)
        db.session.add(item)
        db.session.flush()
        year_of = year or (int("20" + number[:2]) if number else None)
        resolution = Resolution(
            agenda_item_id=item.id,
            title=title,
            text_md=text,
            status=status,
            number=number,
            number_year=year_of,
            number_seq=int(number[3:]) if number else None,
            adopted_on=date(year_of, 6, 30) if number else None,
        )
        db.session.add(resolution)
        db.session.commit()
        return resolution

    return make


# ---- search -----------------------------------------------------------------------------------------------------


def test_search_puts_the_exact_number_first(client, published, add_resolution):
    meeting = published()
    add_resolution(
        meeting,
        "Amending the harbor lease",
        "This amends Resolution 25-187. See 25-187 and 25-187 again.",
        number="25-190",
    )
    add_resolution(meeting, "Declaring the 287(g) agreement void", "The agreement is void.", number="25-187")
    add_resolution(meeting, "Unrelated parking rules", "Parking.", number="25-188")

    response = client.get("/resolutions?q=25-187")
    assert response.status_code == 200
    assert _titles(response) == ["Declaring the 287(g) agreement void", "Amending the harbor lease"]
    assert "Exact number" in response.get_data(as_text=True)
    # Typed the long way, the number is still recognized.
    assert _titles(client.get("/resolutions?q=Resolution+25+-+187"))[0] == "Declaring the 287(g) agreement void"


def test_search_matches_title_and_text_with_stemming(client, published, add_resolution):
    meeting = published()
    add_resolution(
        meeting, "Declaring the 287(g) agreement void", "Barring similar agreements with ICE.", number="25-187"
    )
    add_resolution(meeting, "Parking rules downtown", "Meters on Duval Street.", number="25-188")
    add_resolution(meeting, "Draft on immigration enforcement", "Enforcing federal law.", status=ResolutionStatus.draft)

    assert _titles(client.get("/resolutions?q=agreements")) == ["Declaring the 287(g) agreement void"]
    assert _titles(client.get("/resolutions?q=meter")) == ["Parking rules downtown"]
    assert _titles(client.get("/resolutions?q=enforce")) == ["Draft on immigration enforcement"]
    assert _titles(client.get("/resolutions?q=Duval+parking")) == ["Parking rules downtown"]
    assert _titles(client.get("/resolutions?q=nothing+like+this")) == []


def test_drafts_of_unpublished_agendas_are_not_found(client, create_meeting, add_resolution):
    hidden = create_meeting(status="noticed")  # noticed, agenda not published
    add_resolution(hidden, "Secret harbor deal", "Harbor.", status=ResolutionStatus.draft)
    assert _titles(client.get("/resolutions?q=harbor")) == []
    assert _titles(client.get("/resolutions")) == []


def test_filters_by_year_status_sponsor_and_effect(client, published, add_resolution, create_member, db):
    meeting = published()
    sponsor = create_member(full_name="Hollis Prendergast")
    other = create_member(full_name="Ines Baptiste")
    void = add_resolution(meeting, "Voiding the 287(g) agreement", number="25-187", sponsors=[sponsor])
    add_resolution(meeting, "Budget amendment", number="24-050", sponsors=[other])
    add_resolution(meeting, "Failed proposal", status=ResolutionStatus.failed, sponsors=[sponsor])
    db.session.add(
        AgreementEffect(
            resolution_id=void.id, kind=EffectKind.prohibits, category="287(g) agreement", effective_on=date(2025, 7, 1)
        )
    )
    db.session.commit()

    assert _titles(client.get("/resolutions?year=2024")) == ["Budget amendment"]
    assert _titles(client.get("/resolutions?status=failed")) == ["Failed proposal"]
    assert sorted(_titles(client.get(f"/resolutions?sponsor={sponsor.id}"))) == [
        "Failed proposal",
        "Voiding the 287(g) agreement",
    ]
    assert _titles(client.get("/resolutions?effect=prohibits")) == ["Voiding the 287(g) agreement"]
    assert _titles(client.get(f"/resolutions?sponsor={sponsor.id}&status=adopted")) == ["Voiding the 287(g) agreement"]
    page = client.get("/resolutions").get_data(as_text=True)
    assert '<option value="2025">2025</option>' in page and "Hollis Prendergast" in page


def test_sorting_and_pagination_are_stable(client, published, add_resolution):
    meeting = published()
    for n in range(1, 46):
        add_resolution(meeting, f"Harbor lease {n:02d}", "harbor", number=f"25-{n:03d}")
    first = client.get("/resolutions?q=harbor&sort=newest")
    assert "45 resolutions match" in first.get_data(as_text=True)
    assert _titles(first)[:2] == ["Harbor lease 45", "Harbor lease 44"] and len(_titles(first)) == 20
    second = client.get("/resolutions?q=harbor&sort=newest&page=2")
    assert _titles(second)[0] == "Harbor lease 25"
    last = client.get("/resolutions?q=harbor&sort=oldest&page=3")
    assert _titles(last) == [f"Harbor lease {n:02d}" for n in range(41, 46)]
    assert 'rel="prev"' in last.get_data(as_text=True) and 'rel="next"' not in last.get_data(as_text=True)
    # A page past the end shows the last page instead of nothing.
    assert _titles(client.get("/resolutions?q=harbor&sort=oldest&page=999")) == _titles(last)


def test_bad_search_parameters_get_a_message_and_keep_the_query(client, published, add_resolution):
    add_resolution(published(), "Harbor lease", number="25-001")
    response = client.get("/resolutions?q=harbor&year=abc&status=nonsense&page=-1&sort=sideways")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "“abc” is not a valid year." in page and "“nonsense” is not a valid status." in page
    assert 'value="harbor"' in page  # what was typed stays in the box
    assert _titles(response) == ["Harbor lease"]  # the valid part of the search still runs


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "NEAR(",
        "a OR",
        "'; DROP TABLE resolutions; --",
        "&|!:*",
        "a:b",
        "título ñandú",
        "x" * 300,
        "-",
        "()",
        "^",
        "25-",
        "AND OR NOT",
    ],
)
def test_hostile_queries_never_fail(client, published, add_resolution, query):
    add_resolution(published(), "Harbor lease", number="25-001")
    response = client.get("/resolutions", query_string={"q": query})
    assert response.status_code == 200


# ---- meetings ---------------------------------------------------------------------------------------------------


def test_meetings_list_filters_and_marks_cancelled(client, create_meeting, create_body, db):
    commission = create_body(name="City Commission")
    board = create_body(name="Planning Board")
    regular = create_meeting(
        commission,
        kind="regular",
        status="noticed",
        title="Budget hearing",
        start_at=datetime(2025, 6, 10, 22, tzinfo=UTC),
    )
    special = create_meeting(
        commission,
        kind="special",
        status="noticed",
        title="287(g) special meeting",
        start_at=datetime(2025, 6, 30, 21, tzinfo=UTC),
    )
    create_meeting(
        board, kind="regular", status="noticed", title="Setbacks", start_at=datetime(2024, 3, 1, 22, tzinfo=UTC)
    )
    create_meeting(commission, kind="regular", title="Draft, not public", start_at=datetime(2025, 6, 12, tzinfo=UTC))
    regular.status, regular.cancelled_reason = MeetingStatus.cancelled, "No quorum expected"
    db.session.commit()

    page = client.get("/meetings").get_data(as_text=True)
    assert "3 meetings." in page and "Draft, not public" not in page
    assert page.index("287(g) special meeting") < page.index("Budget hearing") < page.index("Setbacks")
    row = page[page.index("Budget hearing") : page.index("Budget hearing") + 400]
    assert "Cancelled" in row
    assert "Setbacks" not in client.get(f"/meetings?body={commission.id}").get_data(as_text=True)
    only_special = client.get("/meetings?kind=special").get_data(as_text=True)
    assert "287(g) special meeting" in only_special and "Budget hearing" not in only_special
    assert "Setbacks" in client.get("/meetings?year=2024").get_data(as_text=True)
    assert "Budget hearing" not in client.get("/meetings?year=2024").get_data(as_text=True)
    assert special.id


def test_month_calendar_places_meetings_on_the_city_day(client, create_meeting, db):
    # 9 pm in Key West on June 30 is 1 am UTC on July 1: it belongs to June 30.
    create_meeting(
        kind="special", status="noticed", title="Late special meeting", start_at=datetime(2025, 7, 1, 1, tzinfo=UTC)
    )
    june = client.get("/meetings?month=2025-06")
    assert june.status_code == 200
    page = june.get_data(as_text=True)
    assert "Meetings in June 2025" in page and "1 meeting this month." in page
    cell = page[page.index('<span class="day-number">30</span>') :]
    assert cell.index("Late special meeting") < cell.index("</td>")
    assert "Late special meeting" not in client.get("/meetings?month=2025-07").get_data(as_text=True)
    # Previous and next stop at the archive's ends: nothing before June 2025, and next months up to this one
    # (the clock's March 2026) even when empty.
    assert 'href="/meetings?month=2025-05' not in page and 'href="/meetings?month=2025-07' in page
    this_month = client.get("/meetings?month=2026-03").get_data(as_text=True)
    assert 'href="/meetings?month=2026-02' in this_month and "month=2026-04" not in this_month
    create_meeting(kind="regular", status="noticed", title="Budget", start_at=datetime(2026, 9, 9, 21, tzinfo=UTC))
    assert 'href="/meetings?month=2026-04' in client.get("/meetings?month=2026-03").get_data(as_text=True)
    bad = client.get("/meetings?month=2025-13")
    assert bad.status_code == 400 and "is not a month" in bad.get_data(as_text=True)


# ---- members ----------------------------------------------------------------------------------------------------


def test_member_page_counts_attendance_votes_and_the_majority(client, commission, db):
    body, members = commission
    archive.build(
        body, members, years=1, meetings_per_year=3, items_per_meeting=3, speakers_per_item=0, first_year=2025
    )
    # Items alternate 6-1, 5-2 and 4-3, the roll called in seat order: the last member always votes no,
    # the sixth votes yes once in three, and the majority is yes every time.
    last, sixth, first = members[6], members[5], members[0]
    db.session.execute(update(Attendance).values(status="present_in_person"))
    some_meeting = db.session.scalars(db.select(Attendance.meeting_id).distinct()).first()
    db.session.execute(
        update(Attendance)
        .where(Attendance.member_id == last.id, Attendance.meeting_id == some_meeting)
        .values(status="absent")
    )
    db.session.commit()

    page = client.get(f"/members/{last.id}").get_data(as_text=True)
    assert "Attended 67% of the meetings with a roll call." in page
    assert "Voted with the majority 0% of the time (0 of 9" in page
    assert "9 roll calls." in page
    assert "majority 33% of the time (3 of 9" in client.get(f"/members/{sixth.id}").get_data(as_text=True)
    assert "majority 100% of the time (9 of 9" in client.get(f"/members/{first.id}").get_data(as_text=True)

    # A correction counts as the vote; the original stays visible, struck through.
    vote = db.session.scalars(db.select(Vote).where(Vote.member_id == last.id).order_by(Vote.id)).first()
    db.session.add(VoteCorrection(vote_id=vote.id, old_choice="no", new_choice="yes", reason="Misheard"))
    db.session.commit()
    page = client.get(f"/members/{last.id}").get_data(as_text=True)
    assert "(1 of 9" in page and "<del>No</del> Yes" in page

    only_no = client.get(f"/members/{last.id}?vote=no").get_data(as_text=True)
    assert "8 roll calls." in only_no
    assert "0 roll calls." in client.get(f"/members/{last.id}?year=2024").get_data(as_text=True)
    sponsored = client.get(f"/members/{members[1].id}").get_data(as_text=True)
    assert sponsored.count("Resolution on harbor lease") >= 3  # items 2 of each meeting


def test_member_page_errors(client, commission):
    _, members = commission
    assert client.get("/members/999999").status_code == 404
    assert client.get("/members/99999999999999999999").status_code == 404
    bad = client.get(f"/members/{members[0].id}?vote=maybe&year=20x5")
    assert bad.status_code == 400 and "“maybe” is not a valid vote." in bad.get_data(as_text=True)
    listing = client.get("/members").get_data(as_text=True)
    assert all(m.full_name in listing for m in members)


def test_members_disclosures_are_listed(client, commission, db, published):
    from app.votes.models import ConflictDisclosure, DisclosureBasis

    body, members = commission
    meeting = published(body)
    item = AgendaItem(
        meeting_id=meeting.id,
        section="Resolutions",
        position=1,
        label="R1",
        title="Marina lease",
        item_type=AgendaItemType.resolution,
        file_number="D-1",
    )
    db.session.add(item)
    db.session.flush()
    db.session.add(
        ConflictDisclosure(
            meeting_id=meeting.id,
            agenda_item_id=item.id,
            member_id=members[3].id,
            nature_of_interest="My brother operates the marina.",
            basis=DisclosureBasis.own,
            form_8b_due_on=date(2026, 3, 27),
        )
    )
    db.session.commit()
    page = client.get(f"/members/{members[3].id}").get_data(as_text=True)
    assert "My brother operates the marina." in page and "Due" in page and "Marina lease" in page


# ---- how public comment works -----------------------------------------------------------------------------------


def test_comment_guide_follows_the_policy_in_force(client, commission, db):
    body, _ = commission
    comment_policy.adopt_policy(
        body,
        adopted_on=date(2026, 1, 15),
        adopted_by="Resolution 26-004",
        speaker_seconds=150,
        group_seconds=420,
        item_cap_minutes=90,
        signup_closes_minutes=30,
        written_accepted=True,
        written_max_chars=2000,
        ceding_allowed=True,
        actor=None,
    )
    db.session.commit()
    page = client.get("/public-comment").get_data(as_text=True)
    assert format_seconds(150) in page and format_seconds(420) in page
    assert "at most 90 minutes" in page and "closes 30 minutes before" in page
    assert "Resolution 26-004" in page and "F.S. 668.6076" in page


def test_home_has_search_latest_resolutions_and_ways_to_follow(client, published, add_resolution, create_meeting):
    meeting = published()
    add_resolution(meeting, "Declaring the 287(g) agreement void", number="25-187")
    page = client.get("/").get_data(as_text=True)
    assert 'role="search"' in page and "Resolution 25-187" in page
    for link in ("/meetings.ics", "/feeds/agendas.atom", "/feeds/resolutions.atom", "/subscribe", "/public-comment"):
        assert f'href="{link}"' in page
