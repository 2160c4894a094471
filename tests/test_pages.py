from datetime import date

from app.auth.models import Role
from app.bodies.models import BodyKind


def test_home_lists_bodies_and_current_members(client, create_body, create_member):
    body = create_body(name="City Commission", kind=BodyKind.commission, seat_count=7)
    create_member(body, full_name="Ada Current", title="Mayor", is_chair=True)
    create_member(body, full_name="Old Timer", term_start_on=date(2010, 1, 1), term_end_on=date(2012, 1, 1))
    html = client.get("/").get_data(as_text=True)
    assert "City Commission" in html and "Ada Current" in html
    assert "Old Timer" not in html
    assert "Quorum: 4 members" in html


def test_home_query_count_does_not_grow_with_bodies_or_meetings(
    client, create_body, create_member, create_meeting, count_queries, clock
):
    from datetime import timedelta

    create_member(create_body(), full_name="One Member")
    create_meeting(status="noticed")
    with count_queries() as few:
        client.get("/")
    for n in range(8):
        body = create_body()
        for seat in range(3):
            create_member(body, seat_number=seat)
        create_meeting(body, status="noticed", start_in=timedelta(days=n + 1))
        create_meeting(body, status="noticed", start_in=timedelta(days=-(n + 30)))
    with count_queries() as many:
        client.get("/")
    # Bodies with their seats, rules and terms (4), upcoming and recent meetings, the latest resolutions (3), the
    # city profile (app/city) and "does any user exist?" (the setup hint on an instance without users).
    assert len(many) == len(few) <= 9


def test_shell_has_landmarks_skip_link_and_lang(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'href="#main"' in html and 'id="main"' in html
    for tag in ("<header", "<nav", "<main", "<footer"):
        assert tag in html


def test_flash_messages_are_announced(client, login_as):
    login_as(Role.clerk)
    html = client.get("/dashboard/").get_data(as_text=True)
    assert 'role="status"' in html  # the welcome message
    client.post("/logout")
    bad = client.post("/login", data={"email": "x@city.example", "password": "nope"}).get_data(as_text=True)
    assert 'role="alert"' in bad


def test_commissioner_dashboard_names_their_member(client, login_as, create_member):
    member = create_member(full_name="Vera Vote")
    login_as(Role.commissioner, member=member)
    assert "records votes for Vera Vote" in client.get("/dashboard/").get_data(as_text=True)


def test_times_are_shown_in_the_city_time_zone(app, client, db):
    from app.demo import seed_demo
    from app.meetings.models import Meeting

    seed_demo()
    db.session.commit()
    from sqlalchemy import select

    special = db.session.scalar(select(Meeting).where(Meeting.kind == "special"))
    page = client.get(f"/meetings/{special.id}").get_data(as_text=True)
    assert "5:00 PM EDT" in page  # 21:00 UTC on June 30, 2025
    assert "UTC" not in page and "Coordinated Universal Time" not in page
