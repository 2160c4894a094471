"""Resolutions (R11) and the agreements register: numbers, links, effects, status as of a date."""

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from app.core.errors import DomainError
from app.legislation import services as leg
from app.legislation.models import EffectKind, LinkKind, ResolutionStatus
from app.meetings import agenda
from app.meetings.models import AgendaItemType


@pytest.fixture
def add_resolution_item(create_meeting, db):
    meeting = create_meeting(kind="regular")

    def factory(title):
        item = agenda.add_item(
            meeting,
            section="Resolutions",
            title=title,
            body_md="Be it resolved...",
            item_type=AgendaItemType.resolution,
            actor=None,
        )
        db.session.flush()
        return item

    return factory


def _decide(item, passed, when):
    return leg.decide(item, SimpleNamespace(id=None, passed=passed, closed_at=when), actor=None)


def test_numbers_are_sequential_per_year_never_reused_and_only_on_adoption(add_resolution_item):
    first = _decide(add_resolution_item("One"), True, datetime(2025, 6, 30, 22, tzinfo=UTC))
    failed = _decide(add_resolution_item("Two"), False, datetime(2025, 7, 1, 22, tzinfo=UTC))
    second = _decide(add_resolution_item("Three"), True, datetime(2025, 7, 8, 22, tzinfo=UTC))
    withdrawn = leg.resolution_for(add_resolution_item("Four"))
    leg.withdraw(withdrawn, actor=None)
    # 2026 starts again at 001; the local (New York) date decides the year.
    new_year = _decide(add_resolution_item("Five"), True, datetime(2026, 1, 1, 6, tzinfo=UTC))
    late_2025 = _decide(add_resolution_item("Six"), True, datetime(2026, 1, 1, 3, tzinfo=UTC))  # Dec 31, 10 pm
    assert [first.number, second.number, new_year.number, late_2025.number] == ["25-001", "25-002", "26-001", "25-003"]
    assert failed.number is None and failed.status == ResolutionStatus.failed
    assert withdrawn.number is None and withdrawn.status == ResolutionStatus.withdrawn
    assert first.adopted_on == date(2025, 6, 30) and first.effective_on == date(2025, 6, 30)


def test_effective_date_may_be_later_than_adoption(add_resolution_item):
    resolution = leg.resolution_for(add_resolution_item("Void the agreement"))
    leg.update_draft(resolution, title="Void the agreement", text_md="...", effective_on=date(2025, 7, 1), actor=None)
    _decide(resolution.item, True, datetime(2025, 6, 30, 22, tzinfo=UTC))
    assert (resolution.adopted_on, resolution.effective_on) == (date(2025, 6, 30), date(2025, 7, 1))
    with pytest.raises(DomainError, match="Only a draft"):
        leg.update_draft(resolution, title="x", text_md="", effective_on=None, actor=None)


def test_agreement_status_as_of_dates_before_on_and_after_each_effect(add_resolution_item):
    agreement = leg.save_agreement(
        None,
        title="287(g) Task Force Model agreement",
        counterparty="U.S. ICE",
        category="287(g) agreement",
        signed_on=date(2025, 3, 3),
        signed_by="Police chief",
        description_md="",
        actor=None,
    )
    voiding = leg.resolution_for(add_resolution_item("Void"))
    leg.update_draft(voiding, title="Void", text_md="", effective_on=date(2025, 7, 1), actor=None)
    leg.add_effect(voiding, kind=EffectKind.voids, agreement=agreement, actor=None)
    leg.add_effect(voiding, kind=EffectKind.prohibits, category="287(g) Agreement", actor=None)
    # A draft has no effect yet.
    assert leg.agreement_status(agreement, date(2025, 7, 2)).status == "active"
    _decide(voiding.item, True, datetime(2025, 6, 30, 22, tzinfo=UTC))
    authorizing = leg.resolution_for(add_resolution_item("Authorize"))
    _decide(authorizing.item, True, datetime(2025, 7, 8, 22, tzinfo=UTC))
    leg.add_effect(authorizing, kind=EffectKind.authorizes, agreement=agreement, actor=None)
    leg.add_link(authorizing, voiding, LinkKind.supersedes, actor=None)

    def status(day):
        return leg.agreement_status(agreement, day).status

    assert status(date(2025, 3, 2)) == "not_signed"
    assert status(date(2025, 3, 3)) == "active"
    assert status(date(2025, 6, 30)) == "active"
    assert status(date(2025, 7, 1)) == "void"
    assert status(date(2025, 7, 7)) == "void"
    assert status(date(2025, 7, 8)) == "active"
    assert leg.agreement_status(agreement, date(2025, 7, 1)).effect.resolution == voiding
    # The prohibition holds from July 1 and is lifted when the July 8 resolution supersedes it.
    assert leg.prohibitions("287(g) agreement", date(2025, 6, 30)) == []
    assert [e.resolution for e in leg.prohibitions(" 287(G) AGREEMENT ", date(2025, 7, 1))] == [voiding]
    assert leg.prohibitions("287(g) agreement", date(2025, 7, 8)) == []
    assert leg.prohibitions("Service contract", date(2025, 7, 1)) == []


def test_links_need_an_adopted_target_and_are_kept_both_ways(add_resolution_item):
    old = _decide(add_resolution_item("Old"), True, datetime(2025, 6, 30, 22, tzinfo=UTC))
    new = leg.resolution_for(add_resolution_item("New"))
    draft = leg.resolution_for(add_resolution_item("Draft"))
    with pytest.raises(DomainError, match="Only an adopted"):
        leg.add_link(new, draft, LinkKind.rescinds, actor=None)
    with pytest.raises(DomainError, match="itself"):
        leg.add_link(old, old, LinkKind.rescinds, actor=None)
    link = leg.add_link(new, old, LinkKind.rescinds, actor=None)
    assert old.links_in == [link] and new.links_out == [link]
    assert link.effective_on is None  # not in force while the new one is a draft
    _decide(new.item, True, datetime(2025, 7, 8, 22, tzinfo=UTC))
    assert link.effective_on == date(2025, 7, 8)


def test_an_agreement_amended_suspended_and_reinstated(add_resolution_item, client, db):
    """Issue 19: an amendment keeps the standing; a suspension takes the agreement out of force until reinstated;
    the timeline shows every step with the standing it left; a void agreement cannot be amended."""
    agreement = leg.save_agreement(
        None, title="Mutual aid", counterparty="Monroe County", category="mutual aid",
        signed_on=date(2025, 1, 6), signed_by="City Manager", description_md="", actor=None,
    )  # fmt: skip

    def adopted(title, kind, day):
        resolution = leg.resolution_for(add_resolution_item(title))
        _decide(resolution.item, True, datetime(day.year, day.month, day.day, 22, tzinfo=UTC))
        return leg.add_effect(resolution, kind=kind, agreement=agreement, actor=None)

    adopted("Amend", EffectKind.amends, date(2025, 3, 4))
    adopted("Suspend", EffectKind.suspends, date(2025, 5, 6))
    adopted("Reinstate", EffectKind.reinstates, date(2025, 9, 2))
    db.session.commit()

    def status(day):
        return leg.agreement_status(agreement, day).status

    assert [status(date(2025, m, 10)) for m in (2, 4, 6, 10)] == ["active", "active", "suspended", "active"]
    assert leg.agreement_status(agreement, date(2025, 4, 1)).since == date(2025, 1, 6)  # amended, still in force

    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert [k for k, _d in re.findall(r'data-kind="(\w+)" data-day="([\d-]+)"', svg)] == [
        "signed", "amends", "suspends", "reinstates",
    ]  # fmt: skip
    assert re.findall(r'data-status="(\w+)"', svg) == ["active", "active", "suspended"]
    assert "Amends (In force)" in svg and "Suspends (Suspended)" in svg

    voiding = leg.resolution_for(add_resolution_item("Void"))
    _decide(voiding.item, True, datetime(2025, 10, 7, 22, tzinfo=UTC))
    leg.add_effect(voiding, kind=EffectKind.voids, agreement=agreement, actor=None)
    late = leg.resolution_for(add_resolution_item("Amend again"))
    _decide(late.item, True, datetime(2025, 11, 4, 22, tzinfo=UTC))
    with pytest.raises(DomainError, match="reinstated, not amended"):
        leg.add_effect(late, kind=EffectKind.amends, agreement=agreement, actor=None)
