from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.bodies.models import Body
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.meetings import agenda, lifecycle
from app.meetings.models import AgendaItemType


def _post(client, body, **overrides):
    data = {
        "notice_special_block_hours": "48",
        "notice_special_warn_hours": "96",
        "notice_regular_warn_hours": "168",
        "agenda_sections": "Call to Order\nResolutions\nAdjournment",
    }
    data.update(overrides)
    return client.post(f"/staff/bodies/{body.id}/settings", data=data)


def test_clerk_sets_charter_notice_values_and_they_apply(client, login_as, create_body, create_meeting, clock, db):
    login_as(Role.clerk)
    body = create_body()
    assert _post(client, body).status_code == 302
    body = db.session.get(Body, body.id)
    assert body.notice_special_block_hours == 48 and body.agenda_sections == [
        "Call to Order",
        "Resolutions",
        "Adjournment",
    ]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "body.settings")).data["before"]
    meeting = create_meeting(body, kind="special")
    clock.now = meeting.start_at - timedelta(hours=47)
    with pytest.raises(DomainError, match="48 hours"):
        lifecycle.publish_meeting(meeting, actor=None)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"notice_special_block_hours": "abc"}, "Not a valid integer value"),
        ({"notice_special_block_hours": "99999999999999999999"}, "Between 0 and 1,440 hours"),
        ({"notice_special_warn_hours": "10"}, "cannot be shorter"),
        ({"agenda_sections": "  \n "}, "at least one"),
        ({"agenda_sections": "A\na"}, "only once"),
    ],
)
def test_bad_settings_are_refused_and_kept(client, login_as, create_body, overrides, message):
    login_as(Role.clerk)
    body = create_body()
    response = _post(client, body, **overrides)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_section_in_use_cannot_be_removed(client, login_as, create_meeting, db):
    login_as(Role.clerk)
    meeting = create_meeting(kind="regular")
    agenda.add_item(meeting, section="Reports", title="R", body_md="", item_type=AgendaItemType.report, actor=None)
    db.session.commit()
    response = _post(client, meeting.body, agenda_sections="Call to Order\nResolutions")
    assert response.status_code == 422
    assert "must stay: Reports" in response.get_data(as_text=True)
