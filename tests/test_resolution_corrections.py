"""Issue 17, after adoption: an adopted resolution's number or effective date corrected with a reason, kept as a
row, audited, shown on the public page and in the API; its agreement effects and the pinned record digest follow."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.legislation import digest
from app.legislation import services as legislation
from app.legislation.corrections import correct_resolution
from app.legislation.models import CorrectionField, EffectKind, Resolution, ResolutionCorrection, ResolutionStatus
from app.meetings import agenda, lifecycle
from app.meetings.models import AgendaItemType
from tests.votes_helpers import adopt_six_to_one, hold_comment, items, roll_call, start

ADOPTED = date(2026, 3, 12)  # the open_meeting fixture's day: ten days after the test clock


@pytest.fixture
def adopted(commission, open_meeting, clock, db):
    """The 287(g) resolution adopted 6 to 1 on March 12, 2026 (No. 26-001), its meeting adjourned and its record
    digest pinned; an agreement it voids from the day it takes effect, another it terminates later."""
    body, members = commission
    meeting = open_meeting(body)
    item = items(meeting)[1]
    resolution = legislation.resolution_for(item)
    agreement = legislation.save_agreement(
        None,
        title="287(g) Task Force Model agreement",
        counterparty="U.S. ICE",
        category="287(g) agreement",
        signed_on=date(2025, 3, 3),
        signed_by="Police chief",
        description_md="",
        actor=None,
    )
    other = legislation.save_agreement(
        None,
        title="Jail services contract",
        counterparty="Monroe County",
        category="Jail services",
        signed_on=date(2025, 1, 6),
        signed_by="City manager",
        description_md="",
        actor=None,
    )
    legislation.add_effect(resolution, kind=EffectKind.voids, agreement=agreement, actor=None)
    legislation.add_effect(
        resolution, kind=EffectKind.terminates, agreement=other, effective_on=date(2026, 6, 1), actor=None
    )
    db.session.commit()
    start(meeting, clock, db)
    roll_call(meeting, members)
    hold_comment(item)
    adopt_six_to_one(meeting, item, members)
    lifecycle.adjourn_meeting(meeting, actor=None, confirm_open_items=True)
    db.session.commit()
    assert (resolution.status, resolution.number, resolution.adopted_on) == (
        ResolutionStatus.adopted,
        "26-001",
        ADOPTED,
    )
    return SimpleNamespace(
        meeting=meeting, item=item, resolution=resolution, agreement=agreement, other=other, members=members
    )


def _another_adopted(create_meeting, adopted, title, when):
    """A resolution of another meeting of the body, adopted on ``when`` (its number the next of the year)."""
    meeting = create_meeting(adopted.meeting.body, kind="regular")
    item = agenda.add_item(
        meeting,
        section="Resolutions",
        title=title,
        body_md="",
        item_type=AgendaItemType.resolution,
        actor=None,
    )
    return legislation.decide(item, SimpleNamespace(id=None, passed=True, closed_at=when), actor=None)


def _corrections(db, resolution):
    return db.session.scalars(
        select(ResolutionCorrection)
        .where(ResolutionCorrection.resolution_id == resolution.id)
        .order_by(ResolutionCorrection.id)
    ).all()


# --- the service ---------------------------------------------------------------------------------------------------


def test_effective_date_corrected_is_kept_as_a_row_audited_and_moves_the_agreements_timeline(adopted, db):
    resolution, agreement = adopted.resolution, adopted.agreement
    assert legislation.agreement_status(agreement, date(2026, 3, 12)).status == "void"

    made = correct_resolution(resolution, effective_on=date(2026, 4, 1), reason="The text says April 1.", actor=None)
    db.session.commit()

    assert resolution.effective_on == date(2026, 4, 1)
    [row] = _corrections(db, resolution)
    assert made == [row]
    assert (row.field, row.before, row.after, row.reason) == (
        CorrectionField.effective_on,
        "2026-03-12",
        "2026-04-01",
        "The text says April 1.",
    )
    assert row.before_value == date(2026, 3, 12) and row.after_value == date(2026, 4, 1)
    # The effect that started with the resolution moves with it; the later one keeps its own day.
    voids, terminates = resolution.effects
    assert voids.effective_on == date(2026, 4, 1) and terminates.effective_on == date(2026, 6, 1)
    assert legislation.agreement_status(agreement, date(2026, 3, 31)).status == "active"
    state = legislation.agreement_status(agreement, date(2026, 4, 1))
    assert (state.status, state.since) == ("void", date(2026, 4, 1))

    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "resolution.corrected")).one()
    assert entry.target_id == resolution.id
    assert entry.data["changes"] == [{"field": "effective_on", "before": "2026-03-12", "after": "2026-04-01"}]
    assert entry.data["reason"] == "The text says April 1."
    assert entry.data["effects_moved"] == [{"effect_id": voids.id, "before": "2026-03-12", "after": "2026-04-01"}]


def test_a_later_date_raises_every_effect_that_would_start_before_it(adopted, db):
    resolution = adopted.resolution
    correct_resolution(
        resolution, effective_on=date(2026, 7, 1), reason="Effective at the new fiscal year.", actor=None
    )
    assert [e.effective_on for e in resolution.effects] == [date(2026, 7, 1), date(2026, 7, 1)]
    assert legislation.agreement_status(adopted.other, date(2026, 6, 15)).status == "active"
    assert legislation.agreement_status(adopted.other, date(2026, 7, 1)).status == "terminated"


def test_effective_date_cannot_be_before_adoption(adopted, db):
    with pytest.raises(DomainError, match="cannot take effect before it was adopted") as refused:
        correct_resolution(adopted.resolution, effective_on=date(2026, 3, 11), reason="Typo.", actor=None)
    assert refused.value.field == "effective_on"
    assert adopted.resolution.effective_on == ADOPTED and _corrections(db, adopted.resolution) == []


def test_number_corrected_is_normalised_and_the_sequence_never_gives_it_again(adopted, create_meeting, db):
    resolution = adopted.resolution
    correct_resolution(resolution, number=" 26-7 ", reason="The clerk's book numbers it 26-007.", actor=None)
    db.session.commit()
    assert (resolution.number, resolution.number_year, resolution.number_seq) == ("26-007", 2026, 7)
    [row] = _corrections(db, resolution)
    assert (row.field, row.before, row.after) == (CorrectionField.number, "26-001", "26-007")
    # The next adoption of the year gets 26-008: 26-007 is never handed out twice.
    following = _another_adopted(create_meeting, adopted, "Seawall", datetime(2026, 3, 20, 22, tzinfo=UTC))
    assert following.number == "26-008"


@pytest.mark.parametrize(
    "number, message",
    [
        ("26001", "Write the number as YY-NNN"),
        ("twenty-six", "Write the number as YY-NNN"),
        ("26-" + "9" * 40, "Write the number as YY-NNN"),
        ("26-999999999", "runs from 1 to 99,999"),
        ("26-000", "runs from 1 to 99,999"),
        ("25-004", "adopted in 2026: its number starts with 26-"),
        ("２６-００４", "Write the number as YY-NNN"),
    ],
)
def test_a_malformed_number_is_refused_on_the_number(adopted, db, number, message):
    with pytest.raises(DomainError, match=message) as refused:
        correct_resolution(adopted.resolution, number=number, reason="Fix.", actor=None)
    assert refused.value.field == "number"
    assert adopted.resolution.number == "26-001"


def test_a_number_already_given_is_refused_naming_its_resolution(adopted, create_meeting, db):
    taken = _another_adopted(create_meeting, adopted, "Seawall repairs", datetime(2026, 3, 20, 22, tzinfo=UTC))
    assert taken.number == "26-002"
    with pytest.raises(DomainError, match="Number 26-002 is already Resolution “Seawall repairs”") as refused:
        correct_resolution(adopted.resolution, number="26-2", reason="Swap.", actor=None)
    assert refused.value.field == "number"


def test_nothing_changes_when_both_values_are_the_ones_on_record(adopted, db):
    resolution = adopted.resolution
    with pytest.raises(DomainError, match="Nothing to correct") as refused:
        correct_resolution(resolution, number="26-001", effective_on=ADOPTED, reason="Check.", actor=None)
    assert refused.value.field is None
    with pytest.raises(DomainError, match="Nothing to correct"):
        correct_resolution(resolution, number="", reason="Check.", actor=None)
    assert _corrections(db, resolution) == []


@pytest.mark.parametrize("reason, message", [("", "Say why"), ("  \n ", "Say why"), ("x" * 501, "too long")])
def test_a_reason_is_required_and_short(adopted, db, reason, message):
    with pytest.raises(DomainError, match=message) as refused:
        correct_resolution(adopted.resolution, effective_on=date(2026, 4, 1), reason=reason, actor=None)
    assert refused.value.field == "reason"
    assert adopted.resolution.effective_on == ADOPTED


def test_only_an_adopted_resolution_is_corrected(adopted, open_meeting, db):
    draft = legislation.resolution_for(items(open_meeting(adopted.meeting.body))[1])
    with pytest.raises(DomainError, match="Only an adopted resolution"):
        correct_resolution(draft, effective_on=date(2026, 4, 1), reason="No.", actor=None)


def test_a_number_correction_pins_the_record_again_with_its_reason_and_verify_passes(adopted, app, db):
    meeting = adopted.meeting
    before = digest.pinned_entry(meeting.id)
    correct_resolution(adopted.resolution, number="26-010", reason="Numbered out of order.", actor=None)
    db.session.commit()
    pinned = digest.pinned_entry(meeting.id)
    assert pinned.id != before.id
    assert pinned.data["reason"] == "resolution corrected"
    assert pinned.data["previous_digest"] == before.data["digest"]
    assert pinned.data["digest"] == digest.current_digest(meeting)
    result = app.test_cli_runner().invoke(args=["verify"])
    assert result.exit_code == 0, result.output


def test_an_effective_date_correction_leaves_the_digest_as_it_was_and_verify_passes(adopted, app, db):
    """The effective date is not part of the hashed record: nothing to pin again; the correction itself is in
    the chained audit log."""
    meeting = adopted.meeting
    before = digest.pinned_entry(meeting.id)
    correct_resolution(adopted.resolution, effective_on=date(2026, 4, 1), reason="The text says April 1.", actor=None)
    db.session.commit()
    assert digest.pinned_entry(meeting.id).id == before.id
    result = app.test_cli_runner().invoke(args=["verify"])
    assert result.exit_code == 0, result.output


# --- the staff page ------------------------------------------------------------------------------------------------


def _staff_url(adopted):
    return f"/staff/items/{adopted.item.id}/resolution"


def _form(client, adopted):
    page = client.get(_staff_url(adopted))
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _csrf(html, prefix="fix"):
    import re

    return re.search(rf'id="{prefix}-csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_an_editor_corrects_the_date_and_sees_it_with_their_name(adopted, app, client, login_as, db):
    clerk = login_as(Role.clerk, display_name="Cheri Smith")
    app.config["WTF_CSRF_ENABLED"] = True  # signed in; the correction form must carry its token
    html = _form(client, adopted)
    assert "Correct the number or effective date" in html
    response = client.post(
        _staff_url(adopted) + "/correct",
        data={
            "fix-csrf_token": _csrf(html),
            "fix-number": "26-001",
            "fix-effective_on": "2026-04-01",
            "fix-reason": "The text says April 1.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    [row] = _corrections(db, adopted.resolution)
    assert row.actor_id == clerk.id and row.after == "2026-04-01"
    page = client.get(_staff_url(adopted)).get_data(as_text=True)
    assert "Corrected on" in page and "The text says April 1." in page and "Cheri Smith" in page


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"fix-effective_on": "2026-03-01"}, "effective_on", "cannot take effect before it was adopted"),
        ({"fix-effective_on": "2026-02-30"}, "effective_on", "Not a valid date"),
        ({"fix-effective_on": "99999-01-01"}, "effective_on", "Not a valid date"),
        ({"fix-number": "26-" + "9" * 17}, "number", "Write the number as YY-NNN"),
        ({"fix-number": "9" * 5000}, "number", "Field cannot be longer than 20 characters"),
        ({"fix-number": "26-99999999"}, "number", "runs from 1 to 99,999"),
        ({"fix-reason": ""}, "reason", "Say why the record is corrected."),
        ({"fix-reason": "y" * 501}, "reason", "too long"),
    ],
)
def test_a_refused_correction_comes_back_422_with_what_was_typed(adopted, client, login_as, db, data, field, message):
    login_as(Role.clerk)
    typed = {"fix-number": "26-001", "fix-effective_on": "2026-03-12", "fix-reason": "Typed reason kept"} | data
    response = client.post(_staff_url(adopted) + "/correct", data=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html
    assert message in html
    assert f'id="fix-{field}-error"' in html
    if typed["fix-reason"] and len(typed["fix-reason"]) <= 500:
        assert typed["fix-reason"] in html
    if "fix-number" in data and len(data["fix-number"]) < 100:
        assert f'value="{data["fix-number"]}"' in html
    if "fix-effective_on" in data:
        assert f'value="{data["fix-effective_on"]}"' in html
    assert _corrections(db, adopted.resolution) == []


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(adopted, app, client, login_as, db):
    login_as(Role.clerk)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(
        _staff_url(adopted) + "/correct", data={"fix-effective_on": "2026-04-01", "fix-reason": "No token."}
    )
    assert response.status_code in (400, 422)
    assert _corrections(db, adopted.resolution) == []
    assert db.session.get(Resolution, adopted.resolution.id).effective_on == ADOPTED


@pytest.mark.parametrize("role", [Role.commissioner, Role.viewer])
def test_commissioners_and_viewers_cannot_correct(adopted, client, login_as, db, role):
    login_as(role)
    response = client.post(
        _staff_url(adopted) + "/correct", data={"fix-effective_on": "2026-04-01", "fix-reason": "Not mine to fix."}
    )
    assert response.status_code in (403, 404)
    assert _corrections(db, adopted.resolution) == []


def test_the_form_is_only_there_once_the_resolution_is_adopted(open_meeting, commission, client, login_as, db):
    login_as(Role.clerk)
    item = items(open_meeting(commission[0]))[1]
    html = client.get(f"/staff/items/{item.id}/resolution").get_data(as_text=True)
    assert "Correct the number or effective date" not in html
    response = client.post(
        f"/staff/items/{item.id}/resolution/correct",
        data={"fix-effective_on": "2026-04-01", "fix-reason": "Too early."},
    )
    assert response.status_code in (404, 422)


# --- the public page and the API ----------------------------------------------------------------------------------


@pytest.fixture
def corrected(adopted, create_user, db):
    clerk = create_user(Role.clerk, display_name="Cheri Smith", email="cheri.smith@city.example")
    correct_resolution(adopted.resolution, effective_on=date(2026, 4, 1), reason="The text says April 1.", actor=clerk)
    correct_resolution(adopted.resolution, number="26-004", reason="Numbered out of order.", actor=clerk)
    db.session.commit()
    return adopted


def test_the_public_page_shows_each_correction_without_who_made_it(corrected, client):
    html = client.get(f"/resolutions/{corrected.resolution.id}").get_data(as_text=True)
    assert "Corrections after adoption" in html
    assert "effective date from March 12, 2026 to April 1, 2026" in html
    assert "The text says April 1." in html
    assert "number from 26-001 to 26-004" in html and "Numbered out of order." in html
    assert "Cheri Smith" not in html and "cheri.smith@city.example" not in html


def test_the_public_page_of_a_resolution_never_corrected_has_no_such_section(adopted, client):
    html = client.get(f"/resolutions/{adopted.resolution.id}").get_data(as_text=True)
    assert "Corrections after adoption" not in html


def test_the_api_lists_the_corrections_without_who_made_them(corrected, client):
    data = client.get(f"/api/v1/resolutions/{corrected.resolution.id}").get_json()
    assert data["number"] == "26-004" and data["effective_on"] == "2026-04-01"
    assert [(c["field"], c["before"], c["after"], c["reason"]) for c in data["corrections"]] == [
        ("effective_on", "2026-03-12", "2026-04-01", "The text says April 1."),
        ("number", "26-001", "26-004", "Numbered out of order."),
    ]
    assert all(set(c) == {"field", "before", "after", "reason", "corrected_at"} for c in data["corrections"])
    assert "cheri" not in str(data).lower()
    listed = client.get("/api/v1/resolutions").get_json()
    assert any(r["id"] == corrected.resolution.id and len(r["corrections"]) == 2 for r in listed["data"])


def test_the_public_agreement_page_follows_the_corrected_date(corrected, client):
    html = client.get(f"/agreements/{corrected.agreement.id}?on=2026-03-20").get_data(as_text=True)
    assert "April 1, 2026" in html
    assert client.get(f"/api/v1/agreements/{corrected.agreement.id}?on=2026-03-20").get_json()["status"]["status"] == (
        "active"
    )
    assert (
        client.get(f"/api/v1/agreements/{corrected.agreement.id}?on=2026-04-01").get_json()["status"]["status"]
        == "void"
    )


def test_pages_render_the_corrections_without_a_query_from_their_templates(corrected, client, login_as):
    """The template_queries plugin fails any page whose template runs a query; these pages render the rows."""
    assert client.get(f"/resolutions/{corrected.resolution.id}").status_code == 200
    login_as(Role.clerk)
    assert client.get(_staff_url(corrected)).status_code == 200
