"""Public comment as residents and the clerk use it, through HTTP."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.core import live
from app.meetings import lifecycle
from app.public_comment import intake as comment_intake
from app.public_comment import policy as comment_policy
from app.public_comment import queue as speaker_queue
from app.public_comment import registration as speaker_registration
from app.public_comment import written as written_comments
from app.public_comment.models import SpeakerRequest, SpeakerRequestStatus, WrittenComment, WrittenCommentStatus


def _item(meeting, title="Resolution on the 287(g) agreement"):
    return next(i for i in meeting.items if i.title == title)


def _form(item, **overrides):
    data = {
        "agenda_item_id": str(item.id),
        "name": "Ana Resident",
        "stance": "oppose",
        "participation": "in_person",
        "disclaimer_version": comment_intake.DISCLAIMER_VERSION,
        "submission_key": "",
        "website": "",
    }
    data.update(overrides)
    return data


def _count(db, model=SpeakerRequest):
    return db.session.scalar(select(func.count()).select_from(model))


def _private_link(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    assert re.search(r"/speak/\d+-[A-Za-z0-9_-]{20,}\?registered=1$", location)
    return location.split("?")[0]


def test_resident_registers_sees_place_and_gets_the_link_by_email(client, open_meeting, db, outbox):
    meeting = open_meeting()
    item = _item(meeting)
    page = client.get(f"/meetings/{meeting.id}/speak?item={item.id}").get_data(as_text=True)
    assert "Chapter 119" in page and "668.6076" in page and comment_intake.DISCLAIMER_VERSION in page
    assert f'<option selected value="{item.id}">' in page or f'value="{item.id}" selected' in page
    assert "Approval of minutes" not in page  # exempt items are not offered
    client.post(f"/meetings/{meeting.id}/speak", data=_form(item, name="First Resident"))
    response = client.post(
        f"/meetings/{meeting.id}/speak",
        data=_form(item, email="ana@example.org", is_group_representative="y", group_name="Keys Neighbors"),
    )
    link = _private_link(response)
    page = client.get(link + "?registered=1").get_data(as_text=True)
    assert "You are registered to speak" in page and "Your place in the queue" in page
    assert re.search(r'class="big-number">2<', page)
    assert "1 speaker is ahead of you" in page
    assert "Predicted wait once comment on this item begins: about 3 minutes." in page  # the first one's full time
    assert client.get(link).headers["Cache-Control"] == "no-store"
    [message] = outbox()
    assert message["To"] == "ana@example.org" and "Your request to speak" in message["Subject"]
    assert link in message.get_content() and "place in the queue: 2" in message.get_content()
    speaker = db.session.scalar(select(SpeakerRequest).where(SpeakerRequest.email == "ana@example.org"))
    assert speaker.group_name == "Keys Neighbors" and speaker.allotted_seconds == 300


def test_wrong_or_malformed_private_links_are_404(client, open_meeting):
    meeting = open_meeting()
    registration = speaker_registration.register_speaker(
        _item(meeting),
        name="Ana",
        stance="oppose",
        participation="in_person",
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    )
    from app.extensions import db

    db.session.commit()
    speaker = registration.request
    assert client.get(f"/speak/{speaker.id}-{registration.token}").status_code == 200
    for url in [
        f"/speak/{speaker.id}-wrongtoken",
        f"/speak/{speaker.id + 1}-{registration.token}",
        f"/speak/99999999999-{registration.token}",
        f"/speak/{speaker.id}-",
        "/speak/abc-def",
        f"/speak/{speaker.id}-{'x' * 500}",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/speak/{speaker.id}-wrongtoken/withdraw").status_code == 404


def test_outside_the_window_nothing_is_saved_and_the_form_is_kept(client, open_meeting, clock, db):
    meeting = open_meeting()
    item = _item(meeting)
    clock.now = meeting.start_at - timedelta(minutes=30)
    page = client.get(f"/meetings/{meeting.id}/speak").get_data(as_text=True)
    assert "Sign-up for this meeting closed at" in page and "<form" not in page.split("<main")[1]
    response = client.post(f"/meetings/{meeting.id}/speak", data=_form(item, name="Late Larry"))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "closed at Thursday 12 March 2026, 9:00" in text
    assert _count(db) == 0
    # A written comment sent too late is not lost: the page gives the text back.
    late = client.post(
        f"/meetings/{meeting.id}/comment",
        data={
            "agenda_item_id": str(item.id),
            "name": "Late Larry",
            "stance": "oppose",
            "text": "My long\ncomment",
            "disclaimer_version": comment_intake.DISCLAIMER_VERSION,
            "website": "",
        },
    )
    assert late.status_code == 422
    assert "Your comment was not sent" in late.get_data(as_text=True)
    assert "My long\ncomment" in late.get_data(as_text=True)
    assert _count(db, WrittenComment) == 0


def test_refused_form_keeps_what_was_typed_and_names_the_field(client, open_meeting, db):
    meeting = open_meeting()
    item = _item(meeting)
    response = client.post(
        f"/meetings/{meeting.id}/speak",
        data=_form(
            item,
            name="Ana <i>Resident</i>",
            email="not-an-email",
            city="Key West",
            accommodation="Wheelchair <script>alert(1)</script>",
        ),
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Enter an email address like name@example.com" in text
    assert 'value="Ana &lt;i&gt;Resident&lt;/i&gt;"' in text and 'value="Key West"' in text
    assert "Wheelchair &lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert" not in text
    assert 'value="not-an-email"' in text
    assert _count(db) == 0
    too_long = client.post(f"/meetings/{meeting.id}/speak", data=_form(item, name="N" * 500))
    assert too_long.status_code == 422 and "N" * 500 in too_long.get_data(as_text=True)
    for bad in [
        {"agenda_item_id": "99999999999"},
        {"agenda_item_id": "abc"},
        {"stance": "maybe"},
        {"participation": "teleport"},
        {"agenda_item_id": str(_item(meeting, "Approval of minutes").id)},
    ]:
        assert client.post(f"/meetings/{meeting.id}/speak", data=_form(item, **bad)).status_code == 422, bad
    assert _count(db) == 0


def test_honeypot_refuses_and_saves_nothing(client, open_meeting, db):
    meeting = open_meeting()
    response = client.post(f"/meetings/{meeting.id}/speak", data=_form(_item(meeting), website="http://spam.example"))
    assert response.status_code == 422 and "Leave the last field" in response.get_data(as_text=True)
    assert _count(db) == 0


def test_duplicate_registration_returns_the_existing_request_and_remails_a_fresh_link(client, open_meeting, db, outbox):
    meeting = open_meeting()
    item = _item(meeting)
    first_link = _private_link(client.post(f"/meetings/{meeting.id}/speak", data=_form(item, email="ana@example.org")))
    again = client.post(f"/meetings/{meeting.id}/speak", data=_form(item, name="ANA resident", email="ana@example.org"))
    assert again.status_code == 200
    text = again.get_data(as_text=True)
    assert "You are already registered" in text and "Place in the queue: 1" in text
    assert "/speak/" not in text  # the link goes only to the address on file
    assert _count(db) == 1
    first, second = outbox()
    assert "previous link no longer works" in second.get_content()
    new_link = re.search(r"http://localhost(/speak/\S+)", second.get_content()).group(1)
    assert client.get(first_link).status_code == 404 and client.get(new_link).status_code == 200


def test_double_submission_of_one_form_makes_one_request(client, open_meeting, db):
    meeting = open_meeting()
    data = _form(_item(meeting), submission_key="same-form-key-123456")
    link = _private_link(client.post(f"/meetings/{meeting.id}/speak", data=data))
    second = client.post(f"/meetings/{meeting.id}/speak", data=data)
    assert second.status_code == 200 and "You are already registered" in second.get_data(as_text=True)
    assert _count(db) == 1 and client.get(link).status_code == 200


def test_resident_changes_and_withdraws_through_the_private_link(client, open_meeting, db):
    meeting = open_meeting()
    item = _item(meeting)
    link = _private_link(client.post(f"/meetings/{meeting.id}/speak", data=_form(item)))
    changed = client.post(link, data={"stance": "support", "participation": "remote", "phone": "305-555-0100"})
    assert changed.status_code == 302
    speaker = db.session.scalar(select(SpeakerRequest))
    assert (speaker.stance.value, speaker.participation.value, speaker.phone) == ("support", "remote", "305-555-0100")
    refused = client.post(link, data={"stance": "support", "participation": "remote", "phone": "nope"})
    assert refused.status_code == 422 and 'value="nope"' in refused.get_data(as_text=True)
    assert client.post(link + "/withdraw", data={"confirm": "yes"}).status_code == 302
    page = client.get(link).get_data(as_text=True)
    assert "Withdrawn" in page and "Withdraw my request" not in page and "Save changes" not in page
    db.session.refresh(speaker)
    assert speaker.status == SpeakerRequestStatus.withdrawn
    # Withdrawn requests stay on record and on the public speaker list, marked (tests/test_queue_residents.py).
    public = client.get(f"/meetings/{meeting.id}/items/{item.id}").get_data(as_text=True)
    assert "Ana Resident" in public and "<strong>Withdrawn</strong>" in public


def test_written_comment_is_public_only_once_published_and_hidden_with_a_reason(client, login_as, open_meeting, db):
    meeting = open_meeting()
    item = _item(meeting)
    data = {
        "agenda_item_id": str(item.id),
        "name": "Wren Writer",
        "stance": "support",
        "text": "Line one\n<b>bold?</b>",
        "email": "wren@example.org",
        "disclaimer_version": comment_intake.DISCLAIMER_VERSION,
        "website": "",
    }
    too_long = client.post(f"/meetings/{meeting.id}/comment", data={**data, "text": "z" * 3001})
    assert too_long.status_code == 422 and "at most 3000" in too_long.get_data(as_text=True)
    assert "z" * 3001 in too_long.get_data(as_text=True)
    response = client.post(f"/meetings/{meeting.id}/comment", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/items/{item.id}")
    item_url = f"/meetings/{meeting.id}/items/{item.id}"
    assert "Line one" not in client.get(item_url).get_data(as_text=True)
    comment = db.session.scalar(select(WrittenComment))
    login_as(Role.clerk)
    assert client.post(f"/staff/written/{comment.id}/publish").status_code == 302
    public = client.get(item_url).get_data(as_text=True)
    assert "Line one\n&lt;b&gt;bold?&lt;/b&gt;" in public and "wren@example.org" not in public
    assert client.post(f"/staff/written/{comment.id}/hide", data={"reason": ""}).status_code == 302
    db.session.refresh(comment)
    assert comment.status == WrittenCommentStatus.published  # no reason: refused
    client.post(f"/staff/written/{comment.id}/hide", data={"reason": "Threat: referred to police"})
    assert "Line one" not in client.get(item_url).get_data(as_text=True)
    db.session.refresh(comment)
    assert comment.status == WrittenCommentStatus.hidden and comment.hidden_reason == "Threat: referred to police"


PRIVATE = [
    "secret-ana@example.org",
    "305-555-0199",
    "Stock Island Secret",
    "Haitian Creole",
    "hearing loop please",
    "wren-private@example.org",
    "Big Pine Private",
]
SUBSCRIBER = "subscriber-private@example.org"


def test_no_contact_detail_leaks_into_any_public_response(client, login_as, open_meeting, clock, db, app):
    """R12: email, phone, city and accommodation details are for staff only."""
    meeting = open_meeting()
    item = _item(meeting)
    speaker = speaker_registration.register_speaker(
        item,
        name="Ana Resident",
        stance="oppose",
        participation="in_person",
        email=PRIVATE[0],
        phone=PRIVATE[1],
        city=PRIVATE[2],
        interpreter_language=PRIVATE[3],
        accommodation=PRIVATE[4],
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    ).request
    speaker_registration.register_speaker(
        item,
        name="Written Only",
        stance="support",
        participation="written_only",
        email="wo-" + PRIVATE[0],
        phone=PRIVATE[1],
        city=PRIVATE[2],
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    )
    written, _ = written_comments.submit_written_comment(
        item,
        name="Wren Writer",
        stance="support",
        text="Yes please.",
        email=PRIVATE[5],
        city=PRIVATE[6],
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    )
    written_comments.publish_written_comment(written, actor=None)
    clock.now = meeting.start_at
    lifecycle.start_meeting(meeting, actor=None)
    speaker_queue.call_speaker(speaker, actor=None)
    from app.legislation.services import resolution_for

    resolution = resolution_for(item)  # its public page lists the item's speakers and comments
    from app.subscriptions import services as subscriptions

    subscriber = subscriptions.subscribe(SUBSCRIBER, meeting.body)
    subscriptions.confirm(subscriber.subscription)
    db.session.commit()
    public_urls = [
        "/",
        f"/meetings/{meeting.id}",
        f"/meetings/{meeting.id}/items/{item.id}",
        f"/meetings/{meeting.id}/speak",
        f"/meetings/{meeting.id}/comment",
        f"/meetings/{meeting.id}/display",
        f"/meetings/{meeting.id}/display.json",
        f"/resolutions/{resolution.id}",
        "/resolutions",
        "/meetings",
        "/members",
        "/public-comment",
        "/subscribe",
        "/meetings.ics",
        f"/bodies/{meeting.body_id}/meetings.ics",
        "/feeds/agendas.atom",
        "/feeds/resolutions.atom",
        f"/bodies/{meeting.body_id}/agendas.atom",
        f"/api/v1/meetings/{meeting.id}",
        "/api/v1/meetings",
        f"/api/v1/resolutions/{resolution.id}",
        "/api/v1/resolutions",
        "/api/v1/motions",
        "/api/v1/members",
        "/api/v1/bodies",
        f"/api/v1/ocd/events/{meeting.id}",
        f"/api/v1/ocd/bills/{resolution.id}",
    ]
    for url in public_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        for secret in [*PRIVATE, SUBSCRIBER]:
            assert secret not in body, (url, secret)
    # The names and positions are public; the check above is not passing because nothing is shown.
    assert "Ana Resident" in client.get(f"/meetings/{meeting.id}/items/{item.id}").get_data(as_text=True)
    assert client.get(f"/meetings/{meeting.id}/display.json").json["speaker"]["name"] == "Ana Resident"
    # Staff see them on the queue.
    login_as(Role.clerk)
    staff_page = client.get(f"/staff/items/{item.id}/queue").get_data(as_text=True)
    for secret in PRIVATE:
        assert secret in staff_page, secret


def test_public_pages_show_tallies_and_the_speaker_list(client, open_meeting, db):
    meeting = open_meeting()
    item = _item(meeting)
    for n, stance in enumerate(["oppose", "oppose", "support"]):
        speaker_registration.register_speaker(
            item,
            name=f"Speaker {n}",
            stance=stance,
            participation="in_person",
            is_group_representative=n == 2,
            group_name="Keys Group" if n == 2 else None,
            disclaimer_version=comment_intake.DISCLAIMER_VERSION,
        )
    db.session.commit()
    meeting_page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Support 1 · Oppose 2 · Neutral 0" in meeting_page and "Register to speak" in meeting_page
    item_page = client.get(f"/meetings/{meeting.id}/items/{item.id}").get_data(as_text=True)
    assert re.search(r"<th scope=\"row\">Oppose</th><td>2</td><td>0</td>", item_page)
    assert "Keys Group" in item_page and "Speaker 2" in item_page


def test_public_page_query_counts_do_not_grow_with_speakers(client, open_meeting, db, count_queries):
    meeting = open_meeting()
    item = _item(meeting)
    urls = [f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/items/{item.id}", f"/meetings/{meeting.id}/display"]

    def add(n, offset):
        for i in range(n):
            speaker_registration.register_speaker(
                item,
                name=f"Resident {offset + i}",
                stance="oppose",
                participation="in_person",
                disclaimer_version=comment_intake.DISCLAIMER_VERSION,
            )
            c, _ = written_comments.submit_written_comment(
                item,
                name=f"Writer {offset + i}",
                stance="support",
                text="Yes",
                disclaimer_version=comment_intake.DISCLAIMER_VERSION,
            )
            written_comments.publish_written_comment(c, actor=None)
        db.session.commit()
        live.publish_committed()  # as the end of the request that made the change does

    add(2, 0)
    few = {}
    for url in urls:
        with count_queries() as q:
            assert client.get(url).status_code == 200
        few[url] = len(q)
    add(60, 100)
    for url in urls:
        with count_queries() as q:
            assert client.get(url).status_code == 200
        assert len(q) == few[url] <= 10, (url, len(q))


def test_chamber_display_has_no_controls(client, open_meeting, db):
    meeting = open_meeting()
    page = client.get(f"/meetings/{meeting.id}/display").get_data(as_text=True)
    assert "<form" not in page and "<button" not in page and "No one is speaking" in page
    assert client.get(f"/meetings/{meeting.id}/display.json").json == {"speaker": None, "meeting": meeting.title}


def test_draft_meetings_have_no_public_comment_pages(client, create_meeting):
    draft = create_meeting(kind="regular")
    for url in [
        f"/meetings/{draft.id}/speak",
        f"/meetings/{draft.id}/comment",
        f"/meetings/{draft.id}/display",
        f"/meetings/{draft.id}/display.json",
    ]:
        assert client.get(url).status_code == 404, url


# --- the clerk ----------------------------------------------------------------------------------


def test_clerk_runs_the_queue_through_the_pages(client, login_as, open_meeting, clock, db):
    meeting = open_meeting()
    item = _item(meeting)
    for name in ("First Speaker", "Second Speaker"):
        speaker_registration.register_speaker(
            item,
            name=name,
            stance="oppose",
            participation="in_person",
            disclaimer_version=comment_intake.DISCLAIMER_VERSION,
        )
    clock.now = meeting.start_at
    lifecycle.start_meeting(meeting, actor=None)
    db.session.commit()
    login_as(Role.clerk)
    queue_url = f"/staff/items/{item.id}/queue"
    assert client.post(f"/staff/items/{item.id}/queue/next").status_code == 302
    first = db.session.scalar(select(SpeakerRequest).where(SpeakerRequest.name == "First Speaker"))
    assert first.status == SpeakerRequestStatus.called
    page = client.get(queue_url).get_data(as_text=True)
    assert "Start timer" in page and 'data-remaining="180"' in page
    client.post(f"/staff/speakers/{first.id}/start")
    clock.advance(seconds=45)
    refused = client.post(f"/staff/speakers/{first.id}/extend", data={"extend-seconds": "30", "extend-reason": ""})
    assert refused.status_code == 422 and "Give the reason" in refused.get_data(as_text=True)
    client.post(f"/staff/speakers/{first.id}/extend", data={"extend-seconds": "30", "extend-reason": "Applause"})
    page = client.get(queue_url).get_data(as_text=True)
    assert 'data-remaining="165"' in page and "Applause" in page and "Pause timer" in page
    log = page.split('id="extensions-title"')[1]
    assert "First Speaker" in log and "+0:30" in log and "Applause" in log
    client.post(f"/staff/speakers/{first.id}/spoke")
    walk = client.post(
        f"/staff/items/{item.id}/queue/walk-in",
        data={"walkin-name": "Walk In", "walkin-stance": "neutral", "walkin-participation": "in_person"},
    )
    assert walk.status_code == 302
    page = client.get(queue_url).get_data(as_text=True)
    assert "Walk In" in page and "Walk-in" in page and "0:45" in page
    # An action that breaks a rule is refused with a message, not an error page.
    refused = client.post(f"/staff/speakers/{first.id}/start", follow_redirects=True)
    assert refused.status_code == 200 and "Call this speaker first" in refused.get_data(as_text=True)
    assert client.post(f"/staff/speakers/{first.id}/explode").status_code == 404


def test_commissioner_sees_the_queue_without_controls(client, login_as, open_meeting, db):
    meeting = open_meeting()
    item = _item(meeting)
    speaker_registration.register_speaker(
        item,
        name="Ana",
        stance="oppose",
        participation="in_person",
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    )
    db.session.commit()
    login_as(Role.commissioner)
    page = client.get(f"/staff/items/{item.id}/queue").get_data(as_text=True)
    assert "Ana" in page and "Check in" not in page and "Add a walk-in" not in page


def test_reading_a_queue_writes_nothing(client, login_as, open_meeting, db):
    from app.public_comment.models import CommentPeriod

    item = _item(open_meeting(), "General public comment")  # no one registered: no comment period row yet
    login_as(Role.clerk)
    assert client.get(f"/staff/items/{item.id}/queue").status_code == 200
    assert _count(db, CommentPeriod) == 0


def test_clerk_adopts_a_policy_version_from_the_form(client, login_as, create_body, db):
    body = create_body(name="City Commission")
    login_as(Role.clerk)
    page = client.get(f"/staff/bodies/{body.id}/comment-policy").get_data(as_text=True)
    assert "No policy adopted yet" in page
    form = {
        "adopted_on": "2026-02-01",
        "adopted_by": "Resolution 26-010",
        "speaker_minutes": "2",
        "speaker_extra_seconds": "30",
        "group_minutes": "1",
        "signup_closes_minutes": "90",
        "written_accepted": "y",
        "written_max_chars": "2000",
    }
    refused = client.post(f"/staff/bodies/{body.id}/comment-policy", data=form)
    assert refused.status_code == 422 and "less time than an individual" in refused.get_data(as_text=True)
    assert 'value="Resolution 26-010"' in refused.get_data(as_text=True)
    adopted = client.post(f"/staff/bodies/{body.id}/comment-policy", data={**form, "group_minutes": "5"})
    assert adopted.status_code == 302
    policy = comment_policy.policies(body)[0]
    assert (policy.version, policy.speaker_seconds, policy.group_seconds, policy.signup_closes_minutes) == (
        1,
        150,
        300,
        90,
    )


@pytest.fixture
def app_overrides(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_expired_form_token_keeps_the_answers(client, open_meeting, db):
    meeting = open_meeting()
    response = client.post(f"/meetings/{meeting.id}/speak", data=_form(_item(meeting), name="Kept Name"))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "This form expired" in text and 'value="Kept Name"' in text
    assert _count(db) == 0
    page = client.get(f"/meetings/{meeting.id}/speak").get_data(as_text=True)
    token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = client.post(f"/meetings/{meeting.id}/speak", data={**_form(_item(meeting)), "csrf_token": token})
    assert ok.status_code == 302
    # The private-link forms keep the global check.
    link = ok.headers["Location"].split("?")[0]
    assert client.post(link + "/withdraw", data={"confirm": "yes"}).status_code == 400


@pytest.mark.parametrize(
    "app_overrides", [{"RATELIMIT_ENABLED": True, "PUBLIC_FORM_RATE_LIMIT": "2 per minute"}], indirect=True
)
def test_public_form_is_rate_limited_with_a_retry_time(client, open_meeting, db):
    meeting = open_meeting()
    item = _item(meeting)
    ip = {"REMOTE_ADDR": "203.0.113.50"}
    for n in range(2):
        client.post(f"/meetings/{meeting.id}/speak", data=_form(item, name=f"R {n}"), environ_base=ip)
    limited = client.post(f"/meetings/{meeting.id}/speak", data=_form(item, name="R 3"), environ_base=ip)
    assert limited.status_code == 429
    retry = int(limited.headers["Retry-After"])
    assert 0 < retry <= 60
    text = limited.get_data(as_text=True)
    assert f"Wait {retry} seconds" in text or f"Wait {retry + 1} seconds" in text
    assert _count(db) == 2
    # Reading the form is not limited, and another address is unaffected.
    assert client.get(f"/meetings/{meeting.id}/speak", environ_base=ip).status_code == 200
    other = client.post(
        f"/meetings/{meeting.id}/speak", data=_form(item, name="R 4"), environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert other.status_code == 302


def test_staff_forms_refuse_nonsense_without_an_error_page(client, login_as, open_meeting, clock, db):
    meeting = open_meeting()
    item = _item(meeting)
    speaker = speaker_registration.register_speaker(
        item,
        name="Ana",
        stance="oppose",
        participation="in_person",
        disclaimer_version=comment_intake.DISCLAIMER_VERSION,
    ).request
    clock.now = meeting.start_at
    lifecycle.start_meeting(meeting, actor=None)
    speaker_queue.call_speaker(speaker, actor=None)
    db.session.commit()
    login_as(Role.clerk)
    for seconds in ["abc", "99999999999999999999", "-5", ""]:
        response = client.post(
            f"/staff/speakers/{speaker.id}/extend", data={"extend-seconds": seconds, "extend-reason": "Why not"}
        )
        assert response.status_code == 422, seconds
        assert 'value="Why not"' in response.get_data(as_text=True)
    assert client.post(f"/staff/speakers/{speaker.id}/cede", data={"recipient_id": "99999999999"}).status_code == 302
    policy = client.post(
        f"/staff/bodies/{meeting.body_id}/comment-policy",
        data={
            "adopted_on": "99999-01-01",
            "speaker_minutes": "1e9",
            "group_minutes": "x",
            "signup_closes_minutes": "",
            "written_max_chars": "-1",
        },
    )
    assert policy.status_code == 422 and "Please correct the following" in policy.get_data(as_text=True)
    walk_in = client.post(
        f"/staff/items/{item.id}/queue/walk-in",
        data={"walkin-name": "x" * 300, "walkin-stance": "sideways", "walkin-participation": "?"},
    )
    assert walk_in.status_code == 422 and "x" * 300 in walk_in.get_data(as_text=True)
    assert _count(db) == 1
