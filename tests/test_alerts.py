"""Alerts (issue 19): a follow matches what changed once, and is mailed at once or in the day's digest."""

from datetime import UTC, datetime

from app.core.outbox import Mailing, MailingKind
from app.legislation import services as legislation
from app.legislation.models import EffectKind
from app.meetings import agenda, lifecycle
from app.meetings.models import AgendaItemType
from app.subscriptions import alert_mail
from app.subscriptions import services as subscriptions
from app.subscriptions.alerts import keyword_matches
from app.subscriptions.models import Alert, Digest, FollowKind
from app.subscriptions.services import Wanted
from app.topics.models import Topic
from tests.votes_helpers import adopt_six_to_one, hold_comment, items, roll_call, start


def follower(db, email, wanted, *, digest=Digest.instant, confirmed=True):
    pending = subscriptions.subscribe(email, wanted, digest=digest)
    if confirmed:
        subscriptions.confirm(pending.subscription)
    db.session.commit()
    return pending.subscription


def mails_to(outbox, email):
    """The messages to ``email`` other than its confirmation."""
    return [m for m in outbox() if m["To"] == email and "Confirm" not in m["Subject"]]


def new_meeting(create_meeting, body, *titles, topics=()):
    meeting = create_meeting(body, kind="regular")
    lifecycle.publish_meeting(meeting, actor=None)
    for title in titles:
        item = agenda.add_item(
            meeting, section="Resolutions", title=title, body_md="", item_type=AgendaItemType.resolution, actor=None
        )
        if title in topics:
            item.topics.append(topics[title])
    return meeting


def test_keyword_matches_like_search():
    assert keyword_matches("287g", "Resolution on the 287(g) agreement")
    assert keyword_matches("287(g)", "the 287 g program")
    assert keyword_matches("POLICE", "Police department budget")
    assert keyword_matches("votación", "Votacion del presupuesto")
    assert not keyword_matches("police", "Parks and recreation")
    assert not keyword_matches("287g", "Resolution 287")
    assert keyword_matches('"harbor lease"', "The harbor lease renewal")
    assert not keyword_matches('"harbor lease"', "lease of the harbor")


def test_a_keyword_alert_fires_once_for_a_matching_new_item_and_not_for_others(
    db, create_body, create_meeting, open_meeting, outbox
):
    body = create_body()
    follower(db, "k@example.org", Wanted(FollowKind.keyword, keyword="287g"))
    follower(db, "other@example.org", Wanted(FollowKind.keyword, keyword="stormwater"))

    meeting = open_meeting(body)  # three items, one of them "Resolution on the 287(g) agreement"
    [mail] = mails_to(outbox, "k@example.org")
    text = mail.get_content()
    assert "Resolution on the 287(g) agreement" in text and "Approval of minutes" not in text
    item = next(i for i in meeting.items if "287(g)" in i.title)
    assert f"http://localhost/meetings/{meeting.id}/items/{item.id}" in text
    assert "287g" in text  # why it was sent
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/subscriptions/" in text  # the manage link
    assert mails_to(outbox, "other@example.org") == []

    # The agenda is amended: the item already alerted is not alerted again; a new matching item is.
    agenda.add_item(
        meeting, section="Resolutions", title="Stormwater fee", body_md="", item_type=AgendaItemType.resolution,
        actor=None, amendment_reason="Added late",
    )  # fmt: skip
    db.session.commit()
    assert len(mails_to(outbox, "k@example.org")) == 1
    [storm] = mails_to(outbox, "other@example.org")
    assert "Stormwater fee" in storm.get_content()
    assert db.session.scalar(db.select(db.func.count()).select_from(Alert)) == 2


def test_nothing_is_sent_before_confirmation(db, create_body, open_meeting, outbox):
    body = create_body()
    follower(db, "wait@example.org", Wanted(FollowKind.keyword, keyword="287g"), confirmed=False)
    open_meeting(body)
    assert [m["Subject"] for m in outbox() if m["To"] == "wait@example.org"] == [
        "Confirm your subscription to new agendas"
    ]
    assert db.session.scalar(db.select(db.func.count()).select_from(Alert)) == 0


def test_one_transaction_is_one_message_per_instant_subscriber(db, create_body, create_meeting, outbox):
    body = create_body()
    police = Topic(name="Police", slug="police")
    db.session.add(police)
    db.session.commit()
    follower(db, "t@example.org", Wanted(FollowKind.topic, topic=police))
    meeting = new_meeting(
        create_meeting, body, "Body cameras", "Patrol cars", "Library hours",
        topics={"Body cameras": police, "Patrol cars": police},
    )  # fmt: skip
    agenda.publish_agenda(meeting, actor=None)
    db.session.commit()
    [mail] = mails_to(outbox, "t@example.org")
    text = mail.get_content()
    assert "Body cameras" in text and "Patrol cars" in text and "Library hours" not in text
    assert mail["Subject"] == "2 changes in what you follow"
    assert "Topic: Police" in text


def test_daily_digest_waits_for_the_hour_and_batches(db, create_body, create_meeting, outbox, clock):
    body = create_body()
    follower(db, "d@example.org", Wanted(FollowKind.keyword, keyword="lease"), digest=Digest.daily)
    clock.now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in the city: after today's digest hour
    for title in ("Harbor lease", "Airport lease"):
        meeting = new_meeting(create_meeting, body, title, "Unrelated item")
        agenda.publish_agenda(meeting, actor=None)
        db.session.commit()
    alert_mail.tick()
    assert mails_to(outbox, "d@example.org") == []  # not before tomorrow's digest hour

    clock.now = datetime(2026, 3, 3, 11, 59, tzinfo=UTC)  # 06:59 in the city
    alert_mail.tick()
    assert mails_to(outbox, "d@example.org") == []
    clock.now = datetime(2026, 3, 3, 12, 5, tzinfo=UTC)  # 07:05
    alert_mail.tick()
    [digest] = mails_to(outbox, "d@example.org")
    assert digest["Subject"] == "Your daily digest: 2 changes"
    assert "Harbor lease" in digest.get_content() and "Airport lease" in digest.get_content()
    assert "Unrelated item" not in digest.get_content()
    alert_mail.tick()  # the same day again: nothing more
    assert len(mails_to(outbox, "d@example.org")) == 1
    assert db.session.scalar(db.select(Mailing.kind).where(Mailing.topic == "alerts")) == MailingKind.follow_digest


def test_member_item_and_agreement_follows_hear_of_the_vote(db, commission, open_meeting, clock, outbox):
    body, members = commission
    tobias = members[3]  # votes no in adopt_six_to_one
    meeting = open_meeting(body)
    item = items(meeting)[1]
    agreement = legislation.save_agreement(
        None, title="287(g) task force agreement", counterparty="ICE", category="287(g) agreement",
        signed_on=None, signed_by="", description_md="", actor=None,
    )  # fmt: skip
    db.session.commit()
    follower(db, "m@example.org", Wanted(FollowKind.member, member=tobias))
    follower(db, "i@example.org", Wanted(FollowKind.item, item=item))
    follower(db, "a@example.org", Wanted(FollowKind.agreement, agreement=agreement))
    follower(db, "none@example.org", Wanted(FollowKind.keyword, keyword="stormwater"))

    resolution = legislation.resolution_for(item)
    legislation.add_effect(resolution, kind=EffectKind.terminates, agreement=agreement, actor=None)
    db.session.commit()
    [effect_mail] = mails_to(outbox, "a@example.org")
    assert "287(g) task force agreement" in effect_mail.get_content()
    assert f"http://localhost/agreements/{agreement.id}" in effect_mail.get_content()

    start(meeting, clock, db)
    roll_call(meeting, members)
    hold_comment(item)
    adopt_six_to_one(meeting, item, members)
    db.session.commit()
    for email in ("m@example.org", "i@example.org"):
        text = mails_to(outbox, email)[-1].get_content()
        assert "Resolution on the 287(g) agreement: passed" in text
        assert "6 yes, 1 no" in text and "Tobias Vandermeer: No" in text
        assert f"http://localhost/resolutions/{resolution.id}" in text
    # The agreement's follower hears of the vote on the resolution that terminates it.
    assert len(mails_to(outbox, "a@example.org")) == 2
    assert mails_to(outbox, "none@example.org") == []


def test_an_ended_follow_or_subscriber_hears_nothing_more(db, create_body, open_meeting, outbox):
    body = create_body()
    gone = follower(db, "gone@example.org", Wanted(FollowKind.keyword, keyword="287g"))
    subscriptions.unsubscribe(gone)
    stopped = follower(db, "stopped@example.org", Wanted(FollowKind.keyword, keyword="287g"))
    subscriptions.end_follow(stopped, stopped.follows[0].id)
    db.session.commit()
    open_meeting(body)
    assert mails_to(outbox, "gone@example.org") == [] and mails_to(outbox, "stopped@example.org") == []


def test_an_agreement_follower_hears_of_the_next_item_on_its_category(db, create_body, create_meeting, outbox):
    """ "When is the next vote on the 287(g) agreement": an item naming the agreement's category is on an agenda."""
    agreement = legislation.save_agreement(
        None, title="Task force agreement", counterparty="ICE", category="287(g) agreement",
        signed_on=None, signed_by="", description_md="", actor=None,
    )  # fmt: skip
    db.session.commit()
    follower(db, "a@example.org", Wanted(FollowKind.agreement, agreement=agreement))
    meeting = create_meeting(create_body(), kind="regular")
    lifecycle.publish_meeting(meeting, actor=None)
    for title, category in (("Renewing the task force", "287(G) Agreement"), ("Library lease", None)):
        agenda.add_item(
            meeting, section="Resolutions", title=title, body_md="", item_type=AgendaItemType.resolution,
            agreement_category=category, actor=None,
        )  # fmt: skip
    agenda.publish_agenda(meeting, actor=None)
    db.session.commit()
    [mail] = mails_to(outbox, "a@example.org")
    assert "Renewing the task force" in mail.get_content() and "Library lease" not in mail.get_content()
    assert "Agreement: Task force agreement" in mail.get_content()
