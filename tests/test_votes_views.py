"""Motions, roll calls, resolutions and agreements through HTTP, as the clerk, a commissioner and the public."""

from datetime import date, timedelta

import pytest

from app.auth.models import Role
from app.legislation import services as leg
from app.legislation.models import EffectKind, LinkKind, ResolutionStatus
from app.votes import conflicts
from app.votes import motions as motion_service
from app.votes import roll_call as roll_call_service
from app.votes.models import ConflictDisclosure, DisclosureBasis, Motion, MotionKind, Vote, VoteChoice
from tests.votes_helpers import hold_comment, items, roll_call, start


@pytest.fixture
def session(commission, open_meeting, clock, db, members):
    """The meeting in session, everyone present, comment held on the resolution."""
    meeting = open_meeting(commission[0])
    start(meeting, clock, db)
    roll_call(meeting, list(members.values()))
    hold_comment(items(meeting)[1])
    db.session.commit()
    return meeting


@pytest.fixture
def item(session):
    return items(session)[1]


def _open_motion(meeting, item, members, db):
    motion = motion_service.make_motion(
        meeting,
        item=item,
        kind=MotionKind.main,
        text="Move to adopt",
        mover_id=members["Hollis"].id,
        seconder_id=members["Everett"].id,
        actor=None,
    )
    roll_call_service.open_vote(motion, actor=None)
    db.session.commit()
    return motion


def _choice(db, motion, member):
    return db.session.scalar(db.select(Vote.choice).where(Vote.motion_id == motion.id, Vote.member_id == member.id))


def test_the_clerk_runs_a_motion_from_the_form_to_the_public_resolution(client, login_as, session, item, members, db):
    login_as(Role.clerk)
    page = client.get(f"/staff/items/{item.id}/motions")
    assert page.status_code == 200 and "Public comment was held on this item." in page.get_data(as_text=True)
    response = client.post(
        f"/staff/items/{item.id}/motions",
        data={
            "motion-kind": "main",
            "motion-text": "Move to adopt the resolution.",
            "motion-mover_id": members["Hollis"].id,
            "motion-seconder_id": "",
        },
    )
    assert response.status_code == 302
    motion = db.session.scalar(db.select(Motion).where(Motion.agenda_item_id == item.id))
    url = f"/staff/motions/{motion.id}"
    # No second yet: the vote cannot open.
    refused = client.post(f"{url}/open")
    assert refused.status_code == 422 and "no second" in refused.get_data(as_text=True)
    assert client.post(f"{url}/second", data={"second-seconder_id": members["Everett"].id}).status_code == 302
    assert client.post(f"{url}/open").status_code == 302
    client.post(f"{url}/votes", data={"vote-member_id": members["Marisol"].id, "vote-choice": "yes"})
    running = client.get(url).get_data(as_text=True)
    # Issue 17: after the first vote the page says pending, never "Failed".
    assert "1 yes, 0 no; 6 still to vote. Pending: needs 3 more yes." in running
    assert "Failed." not in running and "Passed." not in running
    for name, choice in {
        "Marisol": "yes",
        "Everett": "yes",
        "Rosalind": "yes",
        "Tobias": "no",
        "Celestine": "yes",
        "Hollis": "yes",
    }.items():
        assert (
            client.post(f"{url}/votes", data={"vote-member_id": members[name].id, "vote-choice": choice}).status_code
            == 302
        )
    refused = client.post(f"{url}/close")
    assert refused.status_code == 422 and "No vote recorded for: Ines Baptiste" in refused.get_data(as_text=True)
    client.post(f"{url}/votes", data={"vote-member_id": members["Ines"].id, "vote-choice": "yes"})
    closed = client.post(f"{url}/close", follow_redirects=True)
    assert "Majority of members present (4 of 7 needed): 6 yes, 1 no. Passed." in closed.get_data(as_text=True)
    resolution = leg.find_resolution(item)
    assert resolution.status == ResolutionStatus.adopted
    client.post("/logout")
    public = client.get(f"/resolutions/{resolution.id}").get_data(as_text=True)
    assert f"Resolution {resolution.number}" in public
    assert "Majority of members present (4 of 7 needed): 6 yes, 1 no. Passed." in public
    assert "Moved by Hollis Prendergast" in public and "seconded by Everett Lindqvist" in public
    # The whole roll call, in the order called, each member's vote.
    rows = public[public.index('id="roll"') :]
    order = [
        "Celestine Arbuckle",
        "Ines Baptiste",
        "Everett Lindqvist",
        "Rosalind Okafor",
        "Hollis Prendergast",
        "Tobias Vandermeer",
        "Marisol Quintana",
    ]
    assert [rows.index(name) for name in order] == sorted(rows.index(name) for name in order)
    meeting_page = client.get(f"/meetings/{session.id}").get_data(as_text=True)
    assert "Passed</strong>, 6–1" in meeting_page and f"Resolution {resolution.number}" in meeting_page


def test_a_commissioner_records_only_their_own_vote_and_only_while_open(client, login_as, session, item, members, db):
    motion = _open_motion(session, item, members, db)
    login_as(Role.commissioner, member=members["Rosalind"])
    page = client.get(f"/staff/motions/{motion.id}").get_data(as_text=True)
    assert "Record my vote" in page
    assert client.post(f"/staff/motions/{motion.id}/my-vote", data={"own-choice": "yes"}).status_code == 302
    assert _choice(db, motion, members["Rosalind"]) == VoteChoice.yes
    # Another member's vote: 403 on both routes, and nothing recorded.
    assert (
        client.post(
            f"/staff/motions/{motion.id}/my-vote", data={"own-choice": "no", "member_id": members["Tobias"].id}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/staff/motions/{motion.id}/votes", data={"vote-member_id": members["Tobias"].id, "vote-choice": "no"}
        ).status_code
        == 403
    )
    assert _choice(db, motion, members["Tobias"]) is None
    # An abstention without a disclosure is refused with the reason.
    refused = client.post(f"/staff/motions/{motion.id}/my-vote", data={"own-choice": "abstain"})
    assert refused.status_code == 422 and "may abstain only for a conflict" in refused.get_data(as_text=True)
    # The clerk closes the vote; the commissioner can no longer change anything.
    for name in ("Marisol", "Everett", "Tobias", "Celestine", "Hollis", "Ines"):
        roll_call_service.record_vote(motion, members[name].id, VoteChoice.yes, actor=None)
    roll_call_service.close_vote(motion, actor=None)
    db.session.commit()
    assert client.post(f"/staff/motions/{motion.id}/my-vote", data={"own-choice": "no"}).status_code == 409
    assert _choice(db, motion, members["Rosalind"]) == VoteChoice.yes


def test_a_commissioner_without_a_seat_on_the_roll_cannot_vote(
    client, login_as, session, item, members, db, create_member
):
    motion = _open_motion(session, item, members, db)
    roll_call_service.record_vote(motion, members["Tobias"].id, VoteChoice.no, actor=None)
    db.session.commit()
    outsider = create_member(full_name="Other Board Member")
    login_as(Role.commissioner, member=outsider)

    def roll_call_as_stored():
        db.session.expire_all()
        rows = db.session.execute(
            db.select(Vote.member_id, Vote.position, Vote.choice, Vote.recorded_at, Vote.recorded_by_id)
            .where(Vote.motion_id == motion.id)
            .order_by(Vote.position)
        )
        return [tuple(row) for row in rows]

    before = roll_call_as_stored()
    assert len(before) == 7 and (members["Tobias"].id, VoteChoice.no) in {(r[0], r[2]) for r in before}
    assert client.post(f"/staff/motions/{motion.id}/my-vote", data={"own-choice": "yes"}).status_code == 403
    # Nor for a member who has a seat.
    assert (
        client.post(
            f"/staff/motions/{motion.id}/my-vote", data={"own-choice": "yes", "member_id": members["Tobias"].id}
        ).status_code
        == 403
    )
    assert roll_call_as_stored() == before  # reloaded from the database: not one vote changed or added
    assert _choice(db, motion, outsider) is None


def test_the_clerk_cannot_record_on_a_closed_motion(client, login_as, session, item, members, db):
    motion = _open_motion(session, item, members, db)
    for name in members:
        roll_call_service.record_vote(motion, members[name].id, VoteChoice.yes, actor=None)
    roll_call_service.close_vote(motion, actor=None)
    db.session.commit()
    login_as(Role.clerk)
    response = client.post(
        f"/staff/motions/{motion.id}/votes", data={"vote-member_id": members["Ines"].id, "vote-choice": "no"}
    )
    assert response.status_code == 409 and "not open" in response.get_data(as_text=True)


def test_commissioner_moves_seconds_and_discloses_as_themselves(client, login_as, session, item, members, db):
    login_as(Role.commissioner, member=members["Ines"])
    data = {"motion-kind": "main", "motion-text": "Move to adopt.", "motion-mover_id": members["Ines"].id}
    assert client.post(f"/staff/items/{item.id}/motions", data=data).status_code == 302
    assert (
        client.post(
            f"/staff/items/{item.id}/motions", data={**data, "motion-mover_id": members["Tobias"].id}
        ).status_code
        == 422
    )  # not a choice
    motion = db.session.scalar(db.select(Motion).where(Motion.agenda_item_id == item.id))
    assert motion.mover_id == members["Ines"].id
    refused = client.post(f"/staff/motions/{motion.id}/second", data={"second-seconder_id": members["Ines"].id})
    assert refused.status_code == 422 and "cannot second their own" in refused.get_data(as_text=True)
    response = client.post(
        f"/staff/items/{item.id}/disclosures",
        data={
            "disclose-member_id": members["Ines"].id,
            "disclose-basis": "principal",
            "disclose-nature": "My employer holds a detention contract.",
        },
    )
    assert response.status_code == 302
    disclosure = db.session.scalar(db.select(ConflictDisclosure))
    assert disclosure.member_id == members["Ines"].id and disclosure.basis == DisclosureBasis.principal


def test_bad_input_is_refused_with_the_form_kept(client, login_as, session, item, members, db):
    login_as(Role.clerk)
    long_text = "x" * 20_001
    response = client.post(
        f"/staff/items/{item.id}/motions",
        data={"motion-kind": "main", "motion-text": long_text, "motion-mover_id": members["Hollis"].id},
    )
    assert response.status_code == 422 and long_text in response.get_data(as_text=True)
    for data in (
        {"motion-kind": "nonsense", "motion-text": "Keep me", "motion-mover_id": "abc"},
        {"motion-kind": "main", "motion-text": "Keep me", "motion-mover_id": "99999999999"},
        {
            "motion-kind": "postpone",
            "motion-text": "Keep me",
            "motion-mover_id": members["Hollis"].id,
            "motion-postponed_to": "not-a-date",
        },
        {"motion-kind": "amend", "motion-text": "Keep me", "motion-mover_id": members["Hollis"].id},
    ):
        response = client.post(f"/staff/items/{item.id}/motions", data=data)
        assert response.status_code == 422, data
        assert "Keep me" in response.get_data(as_text=True)
    motion = _open_motion(session, item, members, db)
    for data in (
        {"vote-member_id": "2147483648", "vote-choice": "yes"},
        {"vote-member_id": members["Ines"].id, "vote-choice": "maybe"},
    ):
        assert client.post(f"/staff/motions/{motion.id}/votes", data=data).status_code == 422
    pending = motion_service.make_motion(
        session,
        item=item,
        kind=MotionKind.refer,
        text="Refer",
        referred_to="Staff",
        mover_id=members["Ines"].id,
        actor=None,
    )
    db.session.commit()
    refused = client.post(
        f"/staff/motions/{pending.id}/threshold",
        data={"threshold-basis": "votes_cast", "threshold-fraction": "two_thirds", "threshold-min_yes": "a"},
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'value="a"' in page and '<option selected value="two_thirds">' in page  # what was typed is kept
    assert client.post(f"/staff/motions/{motion.id}/bogus").status_code == 404
    assert client.get("/staff/motions/99999999999").status_code == 404
    assert client.get("/resolutions/99999999999").status_code == 404
    assert client.get("/agreements/1").status_code == 404  # no agreement registered
    bad_date = client.get("/agreements?on=31-31-2025")
    assert bad_date.status_code == 400 and "is not a date" in bad_date.get_data(as_text=True)


def test_corrections_are_logged_and_shown_publicly(client, login_as, session, item, members, db):
    motion = _open_motion(session, item, members, db)
    for name in members:
        roll_call_service.record_vote(
            motion, members[name].id, VoteChoice.no if name == "Tobias" else VoteChoice.yes, actor=None
        )
    roll_call_service.close_vote(motion, actor=None)
    db.session.commit()
    login_as(Role.clerk)
    tobias = db.session.scalar(
        db.select(Vote).where(Vote.motion_id == motion.id, Vote.member_id == members["Tobias"].id)
    )
    refused = client.post(f"/staff/votes/{tobias.id}/correct", data={"correct-choice": "yes", "correct-reason": ""})
    assert refused.status_code == 422
    assert (
        client.post(
            f"/staff/votes/{tobias.id}/correct",
            data={"correct-choice": "yes", "correct-reason": "The video shows a yes."},
        ).status_code
        == 302
    )
    client.post("/logout")
    page = client.get(f"/resolutions/{leg.find_resolution(item).id}").get_data(as_text=True)
    assert "The video shows a yes." in page and "<del>No</del>" in page
    assert "7 yes, 0 no. Passed." in page


def test_supersede_and_rescind_links_show_both_ways(client, session, item, members, db):
    motion = _open_motion(session, item, members, db)
    for name in members:
        roll_call_service.record_vote(motion, members[name].id, VoteChoice.yes, actor=None)
    roll_call_service.close_vote(motion, actor=None)
    old = leg.find_resolution(item)
    from app.meetings import agenda
    from app.meetings.models import AgendaItemType

    new_item = agenda.add_item(
        session,
        section="Resolutions",
        title="Reversal",
        body_md="",
        item_type=AgendaItemType.resolution,
        actor=None,
        amendment_reason="Added",
    )
    hold_comment(new_item)
    new = leg.resolution_for(new_item)
    leg.add_link(new, old, LinkKind.supersedes, actor=None)
    second = motion_service.make_motion(
        session,
        item=new_item,
        kind=MotionKind.main,
        text="Adopt the reversal",
        mover_id=members["Marisol"].id,
        seconder_id=members["Tobias"].id,
        actor=None,
    )
    roll_call_service.open_vote(second, actor=None)
    for name in members:
        roll_call_service.record_vote(second, members[name].id, VoteChoice.yes, actor=None)
    roll_call_service.close_vote(second, actor=None)
    db.session.commit()
    old_page = client.get(f"/resolutions/{old.id}").get_data(as_text=True)
    new_page = client.get(f"/resolutions/{new.id}").get_data(as_text=True)
    assert "Superseded by" in old_page and f"/resolutions/{new.id}" in old_page
    assert "Supersedes" in new_page and f"/resolutions/{old.id}" in new_page


def test_agreement_page_status_as_of_dates_and_the_prohibited_flag(client, login_as, session, item, members, db, clock):
    from app.core.timeutil import to_local

    agreement = leg.save_agreement(
        None,
        title="ICE 287(g) MOA",
        counterparty="U.S. ICE",
        category="287(g) agreement",
        signed_on=date(2025, 3, 12),
        signed_by="Chief",
        description_md="",
        actor=None,
    )
    resolution = leg.resolution_for(item)
    day = to_local(session.start_at).date()
    leg.update_draft(resolution, title=resolution.title, text_md="", effective_on=day + timedelta(days=1), actor=None)
    leg.add_effect(resolution, kind=EffectKind.voids, agreement=agreement, actor=None)
    leg.add_effect(resolution, kind=EffectKind.prohibits, category="287(g) agreement", actor=None)
    motion = _open_motion(session, item, members, db)
    for name in members:
        roll_call_service.record_vote(motion, members[name].id, VoteChoice.yes, actor=None)
    roll_call_service.close_vote(motion, actor=None)
    item.agreement_category = "287(G) Agreement"
    db.session.commit()

    def status_on(when):
        page = client.get(f"/agreements/{agreement.id}?on={when.isoformat()}").get_data(as_text=True)
        return page.split("Status on a date")[1].split("</strong>")[0].rsplit(">", 1)[1]

    assert [status_on(d) for d in (date(2025, 3, 11), date(2025, 3, 12), day, day + timedelta(days=1))] == [
        "Not yet signed",
        "In force",
        "In force",
        "Void",
    ]
    login_as(Role.clerk)
    # The ban is not in effect on the day of the vote; from the next day the clerk is warned.
    assert "Prohibited category" not in client.get(f"/staff/items/{item.id}/motions").get_data(as_text=True)
    form = {"agr-title": "New MOA", "agr-counterparty": "U.S. ICE", "agr-category": "287(g) agreement"}
    assert "prohibited by Resolution" not in client.post(
        "/staff/agreements/new", data=form, follow_redirects=True
    ).get_data(as_text=True)
    clock.advance(days=1)
    for url in (f"/staff/items/{item.id}/motions", f"/staff/meetings/{session.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Prohibited category" in page and f"Resolution {resolution.number}" in page, url
    response = client.post("/staff/agreements/new", data=form, follow_redirects=True).get_data(as_text=True)
    assert f"prohibited by Resolution {resolution.number}" in response
    future = {**form, "agr-signed_on": (day + timedelta(days=30)).isoformat()}
    assert "cannot be in the future" in client.post("/staff/agreements/new", data=future).get_data(as_text=True)


def test_overdue_form_8b_is_flagged_on_the_dashboard(client, login_as, session, item, members, clock, db, app):
    conflicts.disclose_conflict(
        item, members["Ines"].id, nature="Spouse's employer", basis=DisclosureBasis.relative, actor=None
    )
    db.session.commit()
    login_as(Role.clerk)
    assert "overdue" not in client.get("/dashboard/").get_data(as_text=True).lower()
    clock.advance(days=16)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "1 Form 8B memorandum is overdue" in page and "Ines Baptiste" in page
    import io

    from tests.meetings_helpers import PDF

    disclosure = db.session.scalar(db.select(ConflictDisclosure))
    response = client.post(
        f"/staff/disclosures/{disclosure.id}/form-8b",
        data={"f8b-filed_on": clock.now.date().isoformat(), "f8b-file": (io.BytesIO(PDF), "form8b.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "overdue" not in client.get("/dashboard/").get_data(as_text=True).lower()


def test_query_budgets_do_not_grow_with_the_record(client, session, item, members, db, count_queries):
    motion = _open_motion(session, item, members, db)
    for name in members:
        roll_call_service.record_vote(motion, members[name].id, VoteChoice.yes, actor=None)
    roll_call_service.close_vote(motion, actor=None)
    db.session.commit()
    resolution_url = f"/resolutions/{leg.find_resolution(item).id}"
    urls = [f"/meetings/{session.id}", resolution_url, f"/meetings/{session.id}/items/{item.id}", "/agreements"]
    counts = {}
    for url in urls:
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        counts[url] = len(queries)
    # Six more motions on the same item, each with its seven votes.
    for _ in range(6):
        again = motion_service.make_motion(
            session,
            item=item,
            kind=MotionKind.refer,
            text="Refer to staff",
            referred_to="City Manager",
            mover_id=members["Ines"].id,
            seconder_id=members["Tobias"].id,
            actor=None,
        )
        roll_call_service.open_vote(again, actor=None)
        for name in members:
            roll_call_service.record_vote(again, members[name].id, VoteChoice.no, actor=None)
        vote = roll_call_service.close_vote(again, actor=None)
        assert not vote.passed
    db.session.commit()
    for url in urls:
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        # 10 for the page, plus the city profile every request loads once (app/city); a resolution's page also
        # lists its corrections after adoption.
        # The meeting page draws its roll calls as seats and its timeline (issue 19): the body's seats and terms, and
        # the live log, one query each; and its recording's parts for the "Watch" links (issue 21), one more.
        budget = (
            12
            if url.startswith("/resolutions/")
            else 14
            if url.startswith("/meetings/") and "/items/" not in url
            else 11
        )
        where = [q[q.find("FROM") : q.find("FROM") + 40] for q in queries]
        assert len(queries) == counts[url] <= budget, (url, where)


def test_the_resolution_is_prepared_from_the_agenda_before_the_meeting(client, login_as, create_meeting, db):
    """Issue 17: the draft is reachable from the clerk's agenda ahead of time, not only mid-meeting."""
    from app.meetings import agenda
    from app.meetings.models import AgendaItemType

    meeting = create_meeting(kind="regular", status="noticed")
    item = agenda.add_item(
        meeting, section="Resolutions", title="Harbor lease", body_md="", item_type=AgendaItemType.resolution,
        actor=None,
    )  # fmt: skip
    db.session.commit()
    login_as(Role.clerk)
    page = client.get(f"/staff/meetings/{meeting.id}").get_data(as_text=True)
    link = f'href="/staff/items/{item.id}/resolution"'
    assert link in page and "Motions and votes" not in page  # before the meeting: the draft, not the votes
    response = client.post(
        f"/staff/items/{item.id}/resolution",
        data={"res-title": "Harbor lease", "res-text_md": "WHEREAS the harbor...", "res-effective_on": "2026-04-01"},
    )
    assert response.status_code == 302
    assert "WHEREAS the harbor" in client.get(f"/staff/items/{item.id}/resolution").get_data(as_text=True)
