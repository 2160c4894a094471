"""Members and terms set up in the browser; rosters on any date; vacancies; contact details stay private."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.bodies import people
from app.bodies.models import Member, Membership, TermEndReason
from app.core.audit import AuditEntry

PERSON = {
    "full_name": "Marisol Quintana-Reyes",
    "sort_name": "",
    "pronouns": "she/her",
    "bio": "Born in Key Haven.",
    "contact_email": "Marisol@Example.org",
    "contact_phone": "305-555-0101",
}


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_clerk_adds_a_member_and_gives_them_a_term(client, login_as, create_body, db):
    login_as(Role.clerk)
    body = create_body(name="City Commission", seat_count=5)
    response = client.post("/staff/members/new", data=PERSON)
    assert response.status_code == 302
    member = db.session.scalar(select(Member))
    assert (member.sort_name, member.contact_email) == ("Quintana-Reyes, Marisol", "marisol@example.org")
    seat = body.seats[0]
    added = client.post(
        f"/staff/members/{member.id}/terms",
        data={
            "term-seat_id": seat.id,
            "term-title": "Mayor",
            "term-basis": "elected",
            "term-term_start_on": "2024-11-20",
            "term-term_end_on": "2028-11-19",
        },
    )
    assert added.status_code == 302
    term = db.session.scalar(select(Membership))
    assert (term.seat_id, term.title, term.term_start_on) == (seat.id, "Mayor", date(2024, 11, 20))
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"member.create", "term.add"} <= actions
    page = client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    assert "City Commission: Seat 1" in page and "End this term" in page


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"full_name": ""}, "Enter a name"),
        ({"full_name": "x" * 121}, "Field cannot be longer than 120 characters"),
        ({"contact_email": "not-an-address"}, "Enter a valid email address"),
        ({"bio": "b" * 4001}, "Field cannot be longer than 4000 characters"),
        ({"pronouns": "p" * 41}, "Field cannot be longer than 40 characters"),
    ],
)
def test_bad_member_is_refused_with_everything_kept(client, login_as, db, overrides, message):
    login_as(Role.clerk)
    response = client.post("/staff/members/new", data={**PERSON, **overrides})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert "305-555-0101" in page  # what was typed comes back
    assert _count(db, Member) == 0


def test_the_same_person_is_not_added_twice(client, login_as, create_member, db):
    login_as(Role.clerk)
    create_member(full_name="Marisol Quintana-Reyes")
    response = client.post("/staff/members/new", data={**PERSON, "full_name": "marisol quintana-reyes"})
    assert response.status_code == 422
    assert "already on the record; give them a new term instead" in response.get_data(as_text=True)
    assert _count(db, Member) == 1


def _term(client, member, seat_id, start, end="", **extra):
    data = {"term-seat_id": seat_id, "term-basis": "elected", "term-term_start_on": start, "term-term_end_on": end}
    data.update({f"term-{k}": v for k, v in extra.items()})
    return client.post(f"/staff/members/{member.id}/terms", data=data)


def test_overlapping_terms_in_one_seat_are_refused(client, login_as, create_body, create_member, db):
    login_as(Role.clerk)
    body = create_body(seat_count=3)
    holder = create_member(body, full_name="Ada Holder", seat_number=1, term_start_on=date(2024, 1, 1))
    other = create_member(full_name="Bea Other")
    response = _term(client, other, body.seats[0].id, "2025-06-01", "2026-01-01", title="kept title")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ada Holder holds the seat Seat 1 from 2024-01-01" in page and "kept title" in page
    assert len(db.session.scalars(select(Membership)).all()) == 1 and holder.id
    # The same person cannot hold two seats of one body at once.
    second = _term(client, holder, body.seats[1].id, "2025-01-01")
    assert second.status_code == 422 and "already holds another seat of this body" in second.get_data(as_text=True)


@pytest.mark.parametrize(
    "seat, start, end, message",
    [
        ("2147483647", "2025-01-01", "", "Choose a seat"),
        ("99999999999999999999", "2025-01-01", "", "Choose a seat"),
        ("abc", "2025-01-01", "", "Choose a seat"),
        (None, "2025-01-01", "2024-01-01", "A term cannot end before it starts"),
        (None, "not a date", "", "Not a valid date value"),
        (None, "1999-01-01", "", "did not exist on that day"),
    ],
)
def test_bad_terms_are_refused(client, login_as, create_body, create_member, db, seat, start, end, message):
    login_as(Role.clerk)
    body = create_body(seat_count=3)
    person = create_member(full_name="Cal Person")
    response = _term(client, person, seat if seat is not None else body.seats[0].id, start, end)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(db, Membership) == 0


def test_ending_a_term_early_leaves_the_seat_vacant_from_the_next_day(client, login_as, create_body, create_member, db):
    login_as(Role.clerk)
    body = create_body(name="Harbor Board", seat_count=3)
    person = create_member(body, full_name="Dee Resigner", seat_number=2, term_start_on=date(2024, 1, 1))
    term = person.memberships[0]
    form = client.get(f"/staff/members/terms/{term.id}/end")
    assert form.status_code == 200
    ended = client.post(f"/staff/members/terms/{term.id}/end", data={"end_on": "2025-06-30", "reason": "resigned"})
    assert ended.status_code == 302
    term = db.session.get(Membership, term.id)
    assert (term.term_end_on, term.end_reason) == (date(2025, 6, 30), TermEndReason.resigned)
    before = client.get(f"/bodies/{body.id}?on=2025-06-30").get_data(as_text=True)
    after = client.get(f"/bodies/{body.id}?on=2025-07-01").get_data(as_text=True)
    assert "Dee Resigner" in before and before.count("<strong>Vacant</strong>") == 2
    assert "Dee Resigner" not in after and after.count("<strong>Vacant</strong>") == 3
    assert "Resigned" in client.get(f"/members/{person.id}").get_data(as_text=True)
    bad = client.post(f"/staff/members/terms/{term.id}/end", data={"end_on": "2020-01-01", "reason": "resigned"})
    assert bad.status_code == 422 and "cannot end before it starts" in bad.get_data(as_text=True)


@pytest.mark.parametrize("value", ["garbage", "2025-02-30", "99999-01-01", "0001-01-01", "'; drop table x"])
def test_roster_date_that_is_not_a_date_gets_a_message(client, create_body, value):
    body = create_body()
    response = client.get(f"/bodies/{body.id}", query_string={"on": value})
    assert response.status_code == 200
    assert "is not a valid date" in response.get_data(as_text=True)


def test_contact_details_never_leave_the_staff_pages(client, login_as, create_body, db):
    body = create_body(name="City Commission", seat_count=1)
    member = people.create_member(
        people.MemberInput(full_name="Eve Private", contact_email="eve@private.example", contact_phone="305-555-0199"),
        actor=None,
    )
    people.add_term(
        body, member, people.TermInput(seat_id=body.seats[0].id, term_start_on=date(2020, 1, 1)), actor=None
    )
    db.session.commit()
    for url in [
        "/members",
        f"/members/{member.id}",
        f"/bodies/{body.id}",
        "/bodies",
        "/",
        "/api/v1/members",
        f"/api/v1/members/{member.id}",
        f"/api/v1/bodies/{body.id}",
    ]:
        text = client.get(url).get_data(as_text=True)
        assert "Eve Private" in text or url in ("/bodies", f"/api/v1/bodies/{body.id}"), url
        assert "eve@private.example" not in text and "555-0199" not in text, url
    login_as(Role.clerk)
    assert "eve@private.example" in client.get(f"/staff/members/{member.id}").get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.create"))
    assert "eve@private" not in str(entry.data)


def test_public_roster_query_count_does_not_grow_with_members(client, create_body, create_member, count_queries):
    small = create_body(seat_count=2)
    create_member(small)
    with count_queries() as few:
        assert client.get(f"/bodies/{small.id}").status_code == 200
    big = create_body(seat_count=9)
    for n in range(9):
        create_member(big, seat_number=n + 1)
    with count_queries() as many:
        assert client.get(f"/bodies/{big.id}").status_code == 200
    assert len(many) == len(few)


def test_api_body_lists_seats_and_vacancies(client, create_body, create_member):
    body = create_body(seat_count=3)
    create_member(body, seat_number=1)
    data = client.get(f"/api/v1/bodies/{body.id}").get_json()
    assert [s["vacant"] for s in data["seats"]] == [False, True, True]
    assert data["quorum"] == 2 and data["seat_count"] == 3


def test_a_member_photo_is_uploaded_shown_and_removed(client, login_as, create_member, db, app, tmp_path):
    import io

    from tests.test_city_profile import PNG

    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    login_as(Role.clerk)
    member = create_member(full_name="Flo Photo")
    form = {**PERSON, "full_name": "Flo Photo"}
    saved = client.post(
        f"/staff/members/{member.id}",
        data={**form, "photo": (io.BytesIO(PNG), "flo.png")},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    member = db.session.get(Member, member.id)
    url = f"/members/{member.id}/photo/{member.photo_sha256}.png"
    page = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert url in page and 'alt="Photo of Flo Photo"' in page
    served = client.get(url)
    assert served.status_code == 200 and served.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/api/v1/members/{member.id}").get_json()["photo_url"].endswith(url)
    assert client.get(f"/members/{member.id}/photo/{'0' * 64}.png").status_code == 404
    assert client.get(f"/members/{member.id}/photo/{member.photo_sha256}.svg").status_code == 404

    for data, name, message in [
        (b"MZ\x90\x00 not a picture", "flo.png", "Only a PNG, JPEG or SVG picture"),
        (PNG + b"\x00" * (3 * 1024 * 1024), "big.png", "larger than 2 MB"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg", "contains script"),
    ]:
        refused = client.post(
            f"/staff/members/{member.id}",
            data={**form, "pronouns": "they/them", "photo": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        text = refused.get_data(as_text=True)
        assert refused.status_code == 422 and message in text and "they/them" in text
        assert db.session.get(Member, member.id).pronouns == "she/her"  # nothing saved

    removed = client.post(f"/staff/members/{member.id}", data={**form, "remove_photo": "y"})
    assert removed.status_code == 302 and db.session.get(Member, member.id).photo_sha256 is None
    assert client.get(url).status_code == 404
