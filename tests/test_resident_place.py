"""Issue 17, residents in real time: the private link's live place, a wait predicted from the actual speaking times
so far, place.json for the page's script, and one "you are next" mail (in the resident's language) to whoever is
first in line once the speaker before them is called."""

import json
import re

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.core.outbox import Mailing, MailingKind, MailStatus, OutboxMessage
from app.meetings import lifecycle
from app.public_comment import intake as comment_intake
from app.public_comment import queue as speaker_queue
from app.public_comment import registration as speaker_registration
from app.public_comment.models import SpeakerRequest, SpeakerRequestStatus

R = SpeakerRequestStatus
SPANISH = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}
#: What a resident gives that only they and the clerks see: never in place.json.
PRIVATE = {
    "email": "ben.private@example.org",
    "phone": "305-555-0177",
    "city": "Sugarloaf Private",
    "interpreter_language": "Haitian Creole",
    "accommodation": "an aisle seat please",
}


def _item(meeting):
    return next(i for i in meeting.items if i.title == "Resolution on the 287(g) agreement")


def _register(item, name, **kwargs):
    fields = {"stance": "oppose", "participation": "in_person", "disclaimer_version": comment_intake.DISCLAIMER_VERSION}
    fields.update(kwargs)
    return speaker_registration.register_speaker(item, name=name, **fields)


def _link(registration) -> str:
    return f"/speak/{registration.request.id}-{registration.token}"


@pytest.fixture
def clerk(create_user):
    return create_user(Role.clerk)


@pytest.fixture
def start(clock, db):
    """Call the meeting to order (the speakers registered while sign-up was open)."""

    def do(meeting):
        clock.now = meeting.start_at
        lifecycle.start_meeting(meeting, actor=None)
        db.session.commit()

    return do


def _speak(request, seconds, clerk, clock):
    """Call ``request`` (unless at the podium already), let the timer run ``seconds`` and mark them as spoke."""
    if request.status != R.called:
        speaker_queue.call_speaker(request, actor=clerk)
    if seconds:
        speaker_queue.start_timer(request, actor=clerk)
        clock.advance(seconds=seconds)
    speaker_queue.mark_spoke(request, actor=clerk)


# --- 1. the predicted wait -----------------------------------------------------------------------


@pytest.fixture
def four(open_meeting, start):
    """A meeting in progress with four speakers on the resolution: 180 s, a group's 300 s, 180 s and 180 s."""
    meeting = open_meeting()
    item = _item(meeting)
    speakers = [
        _register(item, "Ada First").request,
        _register(item, "Gus Group", is_group_representative=True, group_name="Keys Rights").request,
        _register(item, "Cy Third").request,
        _register(item, "Dee Fourth").request,
    ]
    start(meeting)
    return meeting, item, speakers


def test_before_anyone_has_spoken_the_wait_is_the_allotted_times(four):
    _meeting, _item_, (ada, gus, cy, dee) = four
    place = speaker_queue.place_in_queue(dee)
    assert (place.place, place.ahead, place.wait_seconds, place.heard) == (4, 3, 180 + 300 + 180, 0)
    assert not place.is_next and not place.taking_comment and place.current is None
    first = speaker_queue.place_in_queue(ada)
    assert (first.place, first.ahead, first.wait_seconds) == (1, 0, 0)
    assert not first.is_next  # first in line, but comment on the item has not begun


def test_fast_speakers_shorten_the_wait_but_never_beyond_each_allotted_time(four, clerk, clock):
    _meeting, _item_, (ada, gus, cy, dee) = four
    _speak(ada, 60, clerk, clock)
    place = speaker_queue.place_in_queue(dee)
    assert (place.place, place.ahead, place.heard) == (3, 2, 1)
    assert place.wait_seconds == 60 + 60  # Gus and Cy at the average actually spoken, not 300 + 180
    assert place.taking_comment and not place.is_next

    _speak(gus, 240, clerk, clock)  # average now 150
    assert speaker_queue.place_in_queue(dee).wait_seconds == 150


def test_slow_speakers_count_at_most_each_allotted_time(four, clerk, clock):
    _meeting, _item_, (ada, gus, cy, dee) = four
    _speak(ada, 250, clerk, clock)  # ran over: 250 of 180
    place = speaker_queue.place_in_queue(dee)
    assert place.wait_seconds == 250 + 180  # Gus min(300, 250), Cy min(180, 250)


def test_a_timer_that_never_ran_is_left_out_of_the_average(four, clerk, clock):
    _meeting, _item_, (ada, gus, cy, dee) = four
    _speak(ada, 0, clerk, clock)  # marked as spoke without the timer: no time on record
    _speak(gus, 90, clerk, clock)
    place = speaker_queue.place_in_queue(dee)
    assert place.heard == 1 and place.wait_seconds == 90


def test_the_current_speakers_remaining_time_is_added(four, clerk, clock):
    _meeting, _item_, (ada, gus, cy, dee) = four
    speaker_queue.call_speaker(ada, actor=clerk)
    speaker_queue.start_timer(ada, actor=clerk)
    clock.advance(seconds=100)
    place = speaker_queue.place_in_queue(cy)
    assert (place.place, place.ahead) == (2, 1)  # the speaker at the podium is not "ahead"
    assert place.wait_seconds == 80 + 300 and place.current == "Ada First"
    nxt = speaker_queue.place_in_queue(gus)
    assert (nxt.place, nxt.ahead, nxt.wait_seconds, nxt.is_next) == (1, 0, 80, True)
    clock.advance(seconds=200)  # Ada runs over: nothing negative is added
    assert speaker_queue.place_in_queue(gus).wait_seconds == 0


def test_partway_through_after_fast_speakers(four, clerk, clock):
    _meeting, _item_, (ada, gus, cy, dee) = four
    _speak(ada, 40, clerk, clock)
    speaker_queue.call_speaker(gus, actor=clerk)
    speaker_queue.start_timer(gus, actor=clerk)
    clock.advance(seconds=30)
    place = speaker_queue.place_in_queue(dee)
    assert place.wait_seconds == (300 - 30) + 40  # Gus's remaining time, then Cy at the average
    assert speaker_queue.place_in_queue(cy).is_next


def test_withdrawn_and_finished_requests_have_no_place(four, clerk):
    _meeting, _item_, (ada, gus, cy, dee) = four
    speaker_registration.withdraw_request(cy)
    assert speaker_queue.place_in_queue(cy).place is None
    assert speaker_queue.place_in_queue(dee).place == 3
    speaker_queue.call_speaker(ada, actor=clerk)
    called = speaker_queue.place_in_queue(ada)
    assert called.place is None and called.current == "Ada First"


def test_the_prediction_takes_a_fixed_number_of_queries(open_meeting, start, clerk, clock, count_queries, db):
    meeting = open_meeting()
    item = _item(meeting)
    speakers = [_register(item, f"Speaker {n}").request for n in range(12)]
    start(meeting)
    _speak(speakers[0], 30, clerk, clock)
    speaker_queue.call_speaker(speakers[1], actor=clerk)
    counts = []
    for resident in (speakers[2], speakers[11]):
        db.session.refresh(resident)  # loaded, as the private page's loader does
        with count_queries() as statements:
            place = speaker_queue.place_in_queue(resident)
        counts.append(len(statements))
    assert place.ahead == 9 and place.wait_seconds == 180 + 9 * 30
    assert counts[0] == counts[1] and counts[1] <= 4, (counts, statements)


# --- 2. place.json -------------------------------------------------------------------------------


@pytest.fixture
def two(open_meeting, start, db):
    """Ada, then Ben (who gave every contact detail), on the resolution of a meeting in progress."""
    meeting = open_meeting()
    item = _item(meeting)
    ada = _register(item, "Ada First")
    ben = _register(item, "Ben Second", **PRIVATE)
    start(meeting)
    return meeting, item, ada, ben


def test_place_json_follows_the_queue_without_contact_details(client, two, clerk, db):
    _meeting, _item_, ada, ben = two
    response = client.get(_link(ben) + "/place.json")
    assert response.status_code == 200 and response.is_json
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"
    state = response.get_json()
    assert {k: state[k] for k in ("status", "place", "ahead", "is_next", "current_speaker")} == {
        "status": "waiting",
        "place": 2,
        "ahead": 1,
        "is_next": False,
        "current_speaker": None,
    }
    assert state["wait_seconds"] == 180 and state["wait"] == "about 3 minutes"
    assert state["summary"] == (
        "1 speaker is ahead of you. Predicted wait once comment on this item begins: about 3 minutes."
    )
    assert state["alert"] == ""
    text = response.get_data(as_text=True)
    for secret in PRIVATE.values():
        assert secret not in text, secret

    speaker_queue.call_speaker(ada.request, actor=clerk)
    db.session.commit()
    state = client.get(_link(ben) + "/place.json").get_json()
    assert (state["place"], state["ahead"], state["is_next"]) == (1, 0, True)
    assert state["alert"] == "You are next. Please come to the podium."
    assert state["current_speaker"] == "Ada First" and state["current"] == "At the podium now: Ada First"
    for secret in PRIVATE.values():
        assert secret not in json.dumps(state), secret

    speaker_queue.mark_spoke(ada.request, actor=clerk)
    speaker_queue.call_speaker(ben.request, actor=clerk)
    db.session.commit()
    state = client.get(_link(ben) + "/place.json").get_json()
    assert state["status"] == "called" and state["place"] is None and not state["is_next"]
    assert state["summary"] == "It is your turn: you have been called to speak."


def test_place_json_refuses_wrong_links(client, two):
    _meeting, _item_, _ada, ben = two
    speaker = ben.request
    for url in [
        f"/speak/{speaker.id}-wrongtoken/place.json",
        f"/speak/{speaker.id + 1}-{ben.token}/place.json",
        f"/speak/{speaker.id}-{'x' * 500}/place.json",
        f"/speak/{speaker.id}-{ben.token[:-1]}é/place.json",
        f"/speak/99999999999-{ben.token}/place.json",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(_link(ben) + "/place.json").status_code == 405


def test_remote_speakers_are_told_to_be_ready_not_to_come_up(client, open_meeting, start, clerk, db):
    meeting = open_meeting()
    item = _item(meeting)
    ada = _register(item, "Ada First")
    remote = _register(item, "Rita Remote", participation="remote")
    start(meeting)
    speaker_queue.call_speaker(ada.request, actor=clerk)
    db.session.commit()
    state = client.get(_link(remote) + "/place.json").get_json()
    assert state["alert"] == "You are next. Please be ready: the clerk will call your name and unmute you."


def test_the_private_page_works_without_javascript(client, two, clerk, db):
    _meeting, _item_, ada, ben = two
    page = client.get(_link(ben)).get_data(as_text=True)
    assert re.search(r'class="big-number">2<', page)
    assert f'data-place-url="{_link(ben)}/place.json"' in page
    assert f'href="{_link(ben)}">Refresh</a>' in page  # no fragment: a link to the page itself reloads it
    assert 'http-equiv="refresh"' not in page
    assert '<script src="/static/js/place.js" defer></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script (CSP: script-src 'self')
    assert '<p class="next-alert" role="alert" data-field="alert"></p>' in page

    speaker_queue.call_speaker(ada.request, actor=clerk)
    db.session.commit()
    page = client.get(_link(ben)).get_data(as_text=True)  # the place as of this load: next
    assert 'role="alert" data-field="alert">You are next. Please come to the podium.</p>' in page
    assert "At the podium now: Ada First" in page


# --- 3. "you are next" by mail -------------------------------------------------------------------


def _mailed(outbox) -> dict[str, list]:
    found: dict[str, list] = {}
    for message in outbox():
        if message["Subject"].startswith(("You are next", "Usted es el siguiente")):
            found.setdefault(message["To"], []).append(message)
    return found


def test_the_speaker_now_first_in_line_gets_one_mail_with_their_private_link(
    app, client, open_meeting, start, clerk, db, outbox, clock
):
    meeting = open_meeting()
    item = _item(meeting)
    ada = _register(item, "Ada First", email="ada@example.org")
    ben = _register(item, "Ben Second", email="ben@example.org")
    _register(item, "Cy Third", email="cy@example.org")
    start(meeting)

    speaker_queue.call_speaker(ada.request, actor=clerk)
    db.session.commit()
    mailed = _mailed(outbox)
    assert list(mailed) == ["ben@example.org"]  # the next one only: not Ada at the podium, not Cy
    [message] = mailed["ben@example.org"]
    assert message["Subject"] == f"You are next to speak: {meeting.title}"
    text = message.get_content()
    assert "You are next. Please come to the podium." in text and "Hello Ben Second," in text
    assert f"Item: {item.label} {item.title}" in text
    path = re.search(r"https?://[^/\s]+(/speak/\d+-[\w-]+)", text).group(1)
    assert path.startswith(f"/speak/{ben.request.id}-") and ben.token not in text
    # The link opens Ben's private page and its place.json (the page's own token is never stored).
    assert client.get(path).status_code == 200
    assert client.get(path + "/place.json").get_json()["is_next"] is True
    row = db.session.scalar(select(OutboxMessage).join(Mailing).where(Mailing.kind == MailingKind.speaker_next))
    assert row.status == MailStatus.sent and row.ref_id == ben.request.id
    assert row.subject is None and not row.body  # composed at delivery: the link is never stored
    assert db.session.get(SpeakerRequest, ben.request.id).next_notified_at == clock.now

    # Ada spoke, Ben is called: now Cy is first in line, and gets one.
    _speak(ada.request, 45, clerk, clock)
    speaker_queue.call_speaker(ben.request, actor=clerk)
    db.session.commit()
    mailed = _mailed(outbox)
    assert sorted(mailed) == ["ben@example.org", "cy@example.org"]
    assert len(mailed["ben@example.org"]) == 1 and len(mailed["cy@example.org"]) == 1
    assert "Hello Cy Third," in mailed["cy@example.org"][0].get_content()

    # A new private link (sent to the address on file) ends the mailed one too.
    speaker_registration.reissue_token(ben.request)
    db.session.commit()
    assert client.get(path).status_code == 404


def test_never_twice_for_the_same_request(app, open_meeting, start, clerk, db, outbox, clock):
    meeting = open_meeting()
    item = _item(meeting)
    ada = _register(item, "Ada First")
    _register(item, "Ben Second", email="ben@example.org")
    cy = _register(item, "Cy Third")
    dee = _register(item, "Dee Fourth")
    start(meeting)
    speaker_queue.call_speaker(ada.request, actor=clerk)
    db.session.commit()
    # The chair takes Cy and then Dee out of order: Ben is still first in line at each call, and is not told again.
    _speak(ada.request, 30, clerk, clock)
    speaker_queue.call_speaker(cy.request, actor=clerk)
    _speak(cy.request, 30, clerk, clock)
    speaker_queue.call_speaker(dee.request, actor=clerk)
    db.session.commit()
    assert len(_mailed(outbox)["ben@example.org"]) == 1
    assert db.session.scalar(select(Mailing).where(Mailing.kind == MailingKind.speaker_next)).total == 1


def test_no_mail_without_an_address_nor_to_someone_who_withdrew(app, open_meeting, start, clerk, db, outbox, clock):
    meeting = open_meeting()
    item = _item(meeting)
    ada = _register(item, "Ada First")
    ben = _register(item, "Ben Noemail", phone="305-555-0100")
    wanda = _register(item, "Wanda Withdrawn", email="wanda@example.org")
    _register(item, "Cy Third", email="cy@example.org")
    speaker_registration.withdraw_request(wanda.request)
    start(meeting)
    speaker_queue.call_speaker(ada.request, actor=clerk)
    db.session.commit()
    assert _mailed(outbox) == {}  # Ben is next and gave no address; Cy is not next yet
    assert db.session.get(SpeakerRequest, ben.request.id).next_notified_at is None
    _speak(ada.request, 30, clerk, clock)
    speaker_queue.call_speaker(ben.request, actor=clerk)
    db.session.commit()
    assert list(_mailed(outbox)) == ["cy@example.org"]  # Wanda withdrew: Cy is next


def test_a_resident_who_withdraws_before_delivery_is_not_mailed(app, open_meeting, start, clerk, db, outbox):
    meeting = open_meeting()
    item = _item(meeting)
    ada = _register(item, "Ada First")
    ben = _register(item, "Ben Second", email="ben@example.org")
    start(meeting)
    speaker_queue.call_speaker(ada.request, actor=clerk)
    speaker_registration.withdraw_request(ben.request)  # before the message goes out (composed at delivery)
    db.session.commit()
    assert _mailed(outbox) == {}
    row = db.session.scalar(select(OutboxMessage).join(Mailing).where(Mailing.kind == MailingKind.speaker_next))
    assert row.status == MailStatus.skipped


def test_a_refused_call_mails_no_one(app, open_meeting, start, clerk, db, outbox):
    from app.core.actions import attempt

    meeting = open_meeting()
    item = _item(meeting)
    ada = _register(item, "Ada First")
    ben = _register(item, "Ben Second")
    _register(item, "Cy Third", email="cy@example.org")
    start(meeting)
    speaker_queue.call_speaker(ada.request, actor=clerk)
    db.session.commit()
    with app.test_request_context(), attempt() as done:
        speaker_queue.call_speaker(ben.request, actor=clerk)  # Ada is still speaking: refused
    assert not done
    db.session.commit()
    assert _mailed(outbox) == {}


def test_the_mail_is_in_spanish_for_a_resident_who_registered_in_spanish(
    app, client, open_meeting, start, clerk, db, outbox
):
    meeting = open_meeting()
    item = _item(meeting)
    ada = _register(item, "Ada First")
    response = client.post(
        f"/meetings/{meeting.id}/speak",
        headers=SPANISH,
        data={
            "agenda_item_id": str(item.id),
            "name": "Ana Vecina",
            "email": "ana@example.org",
            "stance": "oppose",
            "participation": "in_person",
            "disclaimer_version": comment_intake.DISCLAIMER_VERSION,
        },
    )
    assert response.status_code == 302
    ana = db.session.scalar(select(SpeakerRequest).where(SpeakerRequest.name == "Ana Vecina"))
    assert ana.locale == "es"
    english = _register(item, "Ed English", email="ed@example.org").request
    assert english.locale is None  # registered without a language (a walk-in, or before it was kept): the default
    start(meeting)

    speaker_queue.call_speaker(ada.request, actor=clerk)  # the clerk works in English
    db.session.commit()
    [message] = _mailed(outbox)["ana@example.org"]
    assert message["Subject"] == f"Usted es el siguiente en hablar: {meeting.title}"
    text = message.get_content()
    assert "Hola, Ana Vecina:" in text and "Usted es el siguiente. Por favor, acérquese al podio." in text
    assert "Su enlace privado muestra su lugar a medida que cambia:" in text

    # Her page and place.json, in Spanish, say the same.
    link = re.search(r"/speak/\d+-[\w-]+", text).group(0)
    state = client.get(link + "/place.json", headers=SPANISH).get_json()
    assert state["alert"] == "Usted es el siguiente. Por favor, acérquese al podio."
    assert state["current"] == "En el podio ahora: Ada First"
