from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from app import create_app
from app.auth.models import Role, User
from app.bodies.models import Body, BodyKind, Member, Membership
from app.core.audit import AuditEntry
from app.demo import DEMO_LOGINS, DEMO_PASSWORD
from app.demo.city import COMMISSION
from app.extensions import db as _db
from config import DevelopmentConfig, ProductionConfig, TestingConfig, config_from_env
from tests.conftest import login


def _counts(db):
    from app.public_comment.models import CommentPolicy, SpeakerRequest, WrittenComment

    return {
        m.__name__: db.session.scalar(select(func.count()).select_from(m))
        for m in (Body, Member, Membership, User, AuditEntry, CommentPolicy, SpeakerRequest, WrittenComment)
    }


def test_create_user_command(app, db, client):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "First.Admin@City.example",
            "--name",
            "First Admin",
            "--role",
            "admin",
            "--password",
            "a-long-admin-password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "first.admin@city.example"))
    assert user.role == Role.admin
    assert login(client, "first.admin@city.example", "a-long-admin-password").status_code == 302

    again = runner.invoke(
        args=[
            "create-user",
            "--email",
            "first.admin@city.example",
            "--name",
            "X",
            "--password",
            "a-long-admin-password",
        ]
    )
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["create-user", "--email", "b@city.example", "--name", "B", "--password", "short"])
    assert short.exit_code != 0 and "at least 10 characters" in short.output


def test_seed_demo_is_idempotent_and_logins_work(app, db, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output
    counts = _counts(db)
    assert counts["Body"] == 2 and counts["User"] == len(DEMO_LOGINS)

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "0 new records" in second.output
    assert _counts(db) == counts

    skipped = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not loaded" in skipped.output
    assert _counts(db) == counts

    commission = db.session.scalar(select(Body).where(Body.name == "City Commission"))
    assert commission.seat_count == 7 and len(commission.memberships) == len(COMMISSION) == 7
    assert sum(m.is_chair for m in commission.memberships) == 1
    assert {m.title for m in commission.memberships} >= {"Mayor", "Commissioner"}
    commissioners = db.session.scalars(select(User).where(User.role == Role.commissioner)).all()
    assert len(commissioners) == 2 and all(u.member_id for u in commissioners)

    for email, _role, _member in DEMO_LOGINS:
        assert login(app.test_client(), email, DEMO_PASSWORD).status_code == 302


@contextmanager
def _profile(config_class, database_url, tmp_path):
    """The app under a real profile (production, development) on the test database, its context pushed.

    The CLI runner only pushes the app it is given when no app context is active, so the test pushes it here.
    """
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "x" * 40,
        "PASSWORD_HASH_METHOD": TestingConfig.PASSWORD_HASH_METHOD,
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    profile_app = create_app(type(f"{config_class.__name__}OnTestDatabase", (config_class,), settings))
    with profile_app.app_context():
        try:
            yield profile_app
        finally:
            _db.session.remove()
            _db.engine.dispose()


def test_only_the_production_profile_refuses_the_demo(monkeypatch):
    monkeypatch.delenv("DAIS_CONFIG", raising=False)
    assert config_from_env() is ProductionConfig and ProductionConfig.DEMO_ALLOWED is False  # wsgi.py's default
    assert DevelopmentConfig.DEMO_ALLOWED is True and TestingConfig.DEMO_ALLOWED is True


@pytest.mark.parametrize("args", [["seed-demo"], ["seed-demo", "--if-empty"]])
def test_seed_demo_refuses_on_production_and_says_why(app, db, database_url, tmp_path, args):
    empty = _counts(db)
    with _profile(ProductionConfig, database_url, tmp_path) as production:
        result = production.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1, result.output
    assert "Refusing to load the demo city on a production configuration" in result.output
    assert "password is published" in result.output  # the reason
    assert "DAIS_CONFIG=development" in result.output and "--force" in result.output  # the fixes
    assert DEMO_PASSWORD not in result.output
    assert _counts(db) == empty and not any(empty.values())


def test_seed_demo_force_on_an_empty_production_database_loads_it(app, db, client, database_url, tmp_path):
    with _profile(ProductionConfig, database_url, tmp_path) as production:
        result = production.test_cli_runner().invoke(args=["seed-demo", "--force"])
    assert result.exit_code == 0, result.output
    assert "Demo city ready" in result.output
    assert "Warning: this is a production configuration" in result.output
    counts = _counts(db)
    assert counts["Body"] == 2 and counts["User"] == len(DEMO_LOGINS)
    assert login(client, "admin@keywest.example", DEMO_PASSWORD).status_code == 302


@pytest.mark.parametrize("existing", ["body", "user"])
def test_seed_demo_force_refuses_on_a_production_database_with_data(app, db, database_url, tmp_path, existing):
    if existing == "body":
        db.session.add(Body(name="Utility Board", kind=BodyKind.board))
    else:
        db.session.add(User(email="clerk@city.example", display_name="Clerk", role=Role.clerk, password_hash="x"))
    db.session.commit()
    before = _counts(db)
    with _profile(ProductionConfig, database_url, tmp_path) as production:
        result = production.test_cli_runner().invoke(args=["seed-demo", "--force"])
    assert result.exit_code == 1, result.output
    assert "Refusing to load the demo city with --force" in result.output
    assert "empty database" in result.output and "DATABASE_URL" in result.output
    assert DEMO_PASSWORD not in result.output
    assert _counts(db) == before


def test_seed_demo_on_development_works_as_before(app, db, database_url, tmp_path):
    """What `make run` does: DAIS_CONFIG=development, --if-empty, no --force needed."""
    with _profile(DevelopmentConfig, database_url, tmp_path) as development:
        first = development.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
        second = development.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "Demo city ready" in first.output and DEMO_PASSWORD in first.output
    assert "Warning" not in first.output
    counts = _counts(db)
    assert counts["Body"] == 2 and counts["User"] == len(DEMO_LOGINS)
    assert second.exit_code == 0 and "not loaded" in second.output
    assert _counts(db) == counts


def test_demo_has_the_june_30_special_meeting_noticed_in_time(app, db):
    from datetime import date

    from app.core.timeutil import to_local
    from app.meetings.models import Meeting, MeetingKind
    from app.meetings.notice import check_notice

    app.test_cli_runner().invoke(args=["seed-demo"])
    meetings = db.session.scalars(select(Meeting).order_by(Meeting.start_at)).all()
    june30 = [m for m in meetings if to_local(m.start_at).date() == date(2025, 6, 30)]
    assert len(june30) == 1
    special = june30[0]
    assert special.kind == MeetingKind.special and "287(g)" in special.purpose
    assert to_local(special.start_at).strftime("%A") == "Monday"
    assert check_notice(special).level == "ok"  # at least 72 hours' notice
    sections = [i.section for i in special.active_items]
    assert sections == ["Call to Order", "Roll Call", "Public Comment", "Resolutions", "Adjournment"]
    resolution = special.active_items[3]
    assert "void and unenforceable" in resolution.title and resolution.file_number.startswith("25-")
    assert resolution.public_comment_required and resolution.sponsors
    assert special.minutes is not None and not special.minutes.is_locked  # public DRAFT
    assert any(to_local(m.start_at).date() < date(2025, 6, 30) for m in meetings)
    assert any(to_local(m.start_at).date() > date(2025, 6, 30) for m in meetings)


def test_demo_june_30_comment_period_is_finished_and_close_to_two_hours(app, db, client):
    from app.meetings.models import Meeting, MeetingStatus
    from app.public_comment import registration as speaker_registration
    from app.public_comment import tallies as comment_tallies
    from app.public_comment.models import SpeakerRequest, SpeakerRequestStatus, Stance

    app.test_cli_runner().invoke(args=["seed-demo"])
    special = db.session.scalar(select(Meeting).where(Meeting.title.like("%287(g)%")))
    resolution = next(i for i in special.items if i.item_type.value == "resolution")
    cards = db.session.scalars(select(SpeakerRequest).where(SpeakerRequest.agenda_item_id == resolution.id)).all()
    assert len(cards) >= 30
    statuses = {c.status for c in cards}
    assert statuses <= {SpeakerRequestStatus.spoke, SpeakerRequestStatus.no_show, SpeakerRequestStatus.withdrawn}
    assert SpeakerRequestStatus.no_show in statuses
    spoke = [c for c in cards if c.status == SpeakerRequestStatus.spoke]
    minutes = sum(c.elapsed_seconds for c in spoke) / 60
    assert 105 <= minutes <= 120, minutes
    tally = comment_tallies.tallies(special.id)[resolution.id]
    # Most speakers opposed the agreement, i.e. supported the resolution declaring it void.
    assert tally.spoken[Stance.support] > 2 * (tally.spoken[Stance.oppose] + tally.spoken[Stance.neutral])
    assert sum(tally.written.values()) >= 5
    assert speaker_registration.period_for(resolution).was_held
    assert special.comment_policy is not None and special.comment_policy.speaker_seconds == 180
    page = client.get(f"/meetings/{special.id}/items/{resolution.id}").get_data(as_text=True)
    assert "No-show" in page and "Spoke" in page
    assert "Public comment: 38 spoke" in special.minutes.body_md  # the draft minutes record the speakers
    # The next regular meeting has residents signed up, for the clerk to run a queue on.
    upcoming = db.session.scalar(
        select(Meeting).where(Meeting.status == MeetingStatus.noticed, Meeting.agenda_published_at.is_not(None))
    )
    waiting = db.session.scalars(select(SpeakerRequest).where(SpeakerRequest.meeting_id == upcoming.id)).all()
    assert sum(r.allotted_seconds for r in waiting) >= 115 * 60  # a two-hour comment period to run


def test_demo_records_the_june_30_vote_and_its_effects(app, db, client):
    """seed-demo: quorum of 7 in person, the motion, a 6-1 roll call, Resolution 25-187 effective July 1, its
    voids and prohibits effects, and the July 8 reversal that supersedes it."""
    from datetime import date

    from app.legislation import services as leg
    from app.legislation.models import Agreement, Resolution
    from app.meetings import attendance
    from app.votes import reading as vote_record

    app.test_cli_runner().invoke(args=["seed-demo"])
    june30 = db.session.scalar(db.select(Resolution).where(Resolution.adopted_on == date(2025, 6, 30)))
    meeting = june30.item.meeting
    state = attendance.quorum(meeting)
    assert (state.in_person, state.remote, state.has_quorum) == (7, 0, True)
    motion = june30.motion
    assert (motion.mover.full_name, motion.seconder.full_name) == ("Hollis Prendergast", "Everett Lindqvist")
    result = vote_record.outcome_of(motion)
    assert result.sentence() == "Majority of members present (4 of 7 needed): 6 yes, 1 no. Passed."
    assert [v.member.full_name for v in motion.votes if v.choice.value == "no"] == ["Tobias Vandermeer"]
    assert motion.votes[-1].member.full_name == "Marisol Quintana-Reyes"  # the chair, called last
    assert (june30.number, june30.effective_on) == ("25-187", date(2025, 7, 1))
    agreement = db.session.scalar(db.select(Agreement))
    assert agreement.signed_on.month == 3 and agreement.signed_on.year == 2025
    assert [
        leg.agreement_status(agreement, d).status for d in (date(2025, 6, 30), date(2025, 7, 1), date(2025, 7, 8))
    ] == ["active", "void", "active"]
    assert [e.resolution for e in leg.prohibitions("287(g) agreement", date(2025, 7, 1))] == [june30]
    july8 = june30.links_in[0].source
    assert july8.number == "25-188" and vote_record.outcome_of(july8.motion).tally.absent == 1
    page = client.get(f"/resolutions/{june30.id}").get_data(as_text=True)
    assert "Superseded by" in page and "6 yes, 1 no. Passed." in page
    minutes = meeting.minutes.body_md
    assert "6 yes, 1 no. Passed." in minutes and "Tobias Vandermeer no" in minutes
