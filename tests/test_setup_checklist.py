"""The setup checklist on the dashboard: editors see what is left, each step linked, until everything is done."""

import re
from datetime import date

from app.auth.models import Role
from app.meetings import lifecycle
from app.public_comment.models import CommentPolicy
from app.staff.checklist import setup_checklist

KEYS = ["city", "body", "members", "staff", "policy", "meeting"]


def steps_shown(html: str) -> dict[str, str]:
    """step key -> "Done:" or "To do:" as written on the page (not only a colour)."""
    return dict(re.findall(r'id="setup-step-(\w+)">\s*<span class="step-state">([^<]+)</span>', html))


def test_a_new_instance_shows_every_step_to_do_with_words_and_links(client, login_as):
    login_as(Role.admin)
    html = client.get("/dashboard/").get_data(as_text=True)
    assert steps_shown(html) == dict.fromkeys(KEYS, "To do:")
    assert 'href="/staff/city"' in html and 'href="/admin/users"' in html and 'href="/staff/meetings/new"' in html
    assert "0 steps of 6 are done" in html


def test_commissioners_do_not_see_the_checklist(client, login_as):
    login_as(Role.commissioner)
    assert 'id="setup-checklist"' not in client.get("/dashboard/").get_data(as_text=True)


def test_steps_turn_done_one_by_one_and_the_list_goes_away_at_the_end(
    app, db, client, login_as, set_city, create_body, create_member, create_user, create_meeting
):
    login_as(Role.clerk)
    set_city()
    body = create_body(name="Town Council")
    html = client.get("/dashboard/").get_data(as_text=True)
    shown = steps_shown(html)
    assert shown["city"] == shown["body"] == "Done:" and shown["members"] == "To do:"
    # The comment policy step links to the first body's policy page once there is a body.
    assert f'href="/staff/bodies/{body.id}/comment-policy"' in html

    create_member(body)
    create_user(Role.admin)
    db.session.add(CommentPolicy(body_id=body.id, version=1, adopted_on=date(2026, 1, 5)))
    db.session.commit()
    meeting = create_meeting(body)
    shown = steps_shown(client.get("/dashboard/").get_data(as_text=True))
    assert shown == {**dict.fromkeys(KEYS[:5], "Done:"), "meeting": "To do:"}  # a draft is not a noticed meeting

    lifecycle.publish_meeting(meeting, actor=None)
    db.session.commit()
    assert 'id="setup-checklist"' not in client.get("/dashboard/").get_data(as_text=True)


def test_the_checklist_is_one_query_whatever_the_record_holds(
    app, db, set_city, create_body, create_member, create_meeting, count_queries
):
    from app.city.services import current_city

    set_city()
    with app.test_request_context("/dashboard/"):
        current_city()  # the request has loaded the profile before the dashboard asks
        with count_queries() as empty:
            setup_checklist()
    for n in range(5):
        body = create_body()
        create_member(body, seat_number=n)
        create_meeting(body, status="noticed")
    with app.test_request_context("/dashboard/"):
        current_city()
        with count_queries() as full:
            steps = setup_checklist()
    assert len(empty) == len(full) == 1
    assert all(step.done for step in steps if step.key in ("city", "body", "members", "meeting"))
