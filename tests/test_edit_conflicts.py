"""No lost edits (issue 22): a save made from an out-of-date page is refused with both versions shown and what
the user typed kept; two saves at the same moment on two app servers give one save and one such page, never a
500 and never a silent overwrite."""

import re
import threading

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.meetings import agenda
from app.meetings.models import AgendaItem, AgendaItemType
from tests.conftest import PASSWORD, login
from tests.servers import Browserless, app_servers


def text(response) -> str:
    return response.get_data(as_text=True)


def version_in(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def item_form(title: str, version: str, body="Summary.") -> dict:
    return {
        "version": version,
        "title": title,
        "item_type": "resolution",
        "body_md": body,
        "public_comment_required": "y",
        "comment_exemption": "",
    }


@pytest.fixture
def draft_item(create_meeting, create_user, db):
    meeting = create_meeting(kind="regular")
    item = agenda.add_item(
        meeting,
        section=meeting.body.agenda_sections[0],
        title="Original title",
        body_md="Summary.",
        item_type=AgendaItemType.resolution,
        actor=create_user(Role.clerk),
    )
    db.session.commit()
    return item


def test_a_save_from_an_out_of_date_page_shows_both_and_keeps_what_was_typed(app, client, create_user, draft_item, db):
    ana, ben = create_user(Role.clerk, display_name="Ana Clerk"), create_user(Role.clerk, display_name="Ben Deputy")
    other = app.test_client()
    login(client, ana.email)
    login(other, ben.email)
    url = f"/staff/items/{draft_item.id}"
    stale = version_in(text(client.get(url)))  # Ana opens the item ...
    assert other.post(url, data=item_form("Ben's title", version_in(text(other.get(url))))).status_code == 302

    refused = client.post(url, data=item_form("Ana's title", stale, body="Ana's long summary."))  # ... and saves
    page = text(refused)
    assert refused.status_code == 409
    assert "Someone else saved this while you were editing" in page and f"Last saved by {ben.email}" in page
    assert re.search(r"<th scope=\"row\">Title</th><td><div class=\"conflict-text\">Ben&#39;s title</div>", page)
    assert 'value="Ana&#39;s title"' in page and "Ana&#39;s long summary." in page  # what she typed, in the form
    db.session.expire_all()
    assert db.session.get(AgendaItem, draft_item.id).title == "Ben's title"  # nothing overwritten

    again = client.post(url, data=item_form("Ana's title", version_in(page)))  # a deliberate second save
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(AgendaItem, draft_item.id).title == "Ana's title"


def test_minutes_resolution_body_and_city_profile_refuse_an_old_version(app, client, login_as, create_body, db):
    from app.bodies.models import Body

    login_as(Role.clerk)
    body = create_body(name="City Commission", seat_count=5)
    url = f"/staff/bodies/{body.id}/settings"
    stale = version_in(text(client.get(url)))
    sections = "\n".join(body.agenda_sections)
    assert client.post(url, data={"version": stale, "agenda_sections": sections + "\nWorkshops"}).status_code == 302
    refused = client.post(url, data={"version": stale, "agenda_sections": sections + "\nProclamations"})
    assert refused.status_code == 409 and "Proclamations" in text(refused) and "Workshops" in text(refused)
    db.session.expire_all()
    assert "Workshops" in db.session.get(Body, body.id).agenda_sections
    assert "Proclamations" not in db.session.get(Body, body.id).agenda_sections


def test_the_version_goes_up_on_each_save_and_a_garbled_one_is_a_conflict(app, client, login_as, draft_item, db):
    login_as(Role.clerk)
    url = f"/staff/items/{draft_item.id}"
    first = int(version_in(text(client.get(url))))
    assert client.post(url, data=item_form("Second", str(first))).status_code == 302
    assert int(version_in(text(client.get(url)))) == first + 1
    assert client.post(url, data=item_form("Third", "not-a-number")).status_code == 409
    assert client.post(url, data=item_form("Third", "9" * 40)).status_code == 409


def _race(clients, url, forms) -> list[tuple[int, str]]:
    results = [None] * len(clients)
    barrier = threading.Barrier(len(clients))

    def save(i):
        barrier.wait(timeout=60)
        status, _headers, page = clients[i].request(url, forms[i])
        results[i] = (status, page)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.timeout(300)
def test_two_clerks_saving_one_item_at_once_on_two_servers(app, real_time, database_url, create_user, draft_item, db):
    clerks = [create_user(Role.clerk, email=f"race{n}@city.example") for n in range(2)]
    db.session.commit()
    with app_servers(database_url, 2, threads=4) as urls:
        clients = []
        for n, clerk in enumerate(clerks):
            client = Browserless(urls[n])
            assert client.request("/login", {"email": clerk.email, "password": PASSWORD})[0] == 302
            clients.append(client)
        url = f"/staff/items/{draft_item.id}"
        for round_ in range(3):
            versions = [version_in(c.request(url)[2]) for c in clients]
            assert versions[0] == versions[1]
            titles = [f"Round {round_} by clerk {n}" for n in range(2)]
            results = _race(clients, url, [item_form(titles[n], versions[n]) for n in range(2)])
            statuses = sorted(status for status, _page in results)
            assert statuses == [302, 409], statuses  # one saved, the other told; never a 500
            loser = next(n for n, (status, _page) in enumerate(results) if status == 409)
            winner = 1 - loser
            assert titles[loser] in results[loser][1]  # the loser's text is on their page, kept
            db.session.expire_all()
            saved = db.session.scalar(select(AgendaItem.title).where(AgendaItem.id == draft_item.id))
            assert saved == titles[winner]
