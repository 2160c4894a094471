"""A body's agenda template: its sections (the body's agenda sections) and standing items, copied onto every new
meeting (by hand or from the regular schedule), never onto meetings made before; and the demo's template."""

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.meetings import agenda_template, schedules
from app.meetings.models import AgendaItemType, CommentExemption, Meeting, MeetingKind
from app.meetings.schedule_models import AgendaTemplateItem, HolidayPolicy, MeetingSchedule, ScheduleRepeat
from app.meetings.settings import update_agenda_sections

STANDING = [
    ("Call to Order", "Call to order", AgendaItemType.ministerial, None),
    ("Call to Order", "Pledge of Allegiance", AgendaItemType.ministerial, None),
    ("Roll Call", "Roll call", AgendaItemType.ministerial, None),
    ("Public Comment", "General public comment", AgendaItemType.report, MeetingKind.regular),
    ("Adjournment", "Adjournment", AgendaItemType.ministerial, None),
]


def with_template(body):
    for section, title, item_type, kind in STANDING:
        agenda_template.add_template_item(
            body, section=section, title=title, item_type=item_type, meeting_kind=kind, actor=None
        )
    return body


def _new_meeting_form(body, **changes):
    return {
        "body_id": str(body.id),
        "kind": "regular",
        "title": "Regular meeting",
        "start_local": "2026-04-07T17:00",
        "end_local": "",
        "location": "City Hall",
        "remote_url": "",
        "purpose": "",
    } | changes


def _agenda(meeting):
    return [(i.label, i.section, i.title) for i in sorted(meeting.items, key=lambda i: i.position)]


def test_a_meeting_made_by_hand_starts_with_the_standing_items(client, login_as, db, create_body):
    login_as(Role.clerk)
    body = with_template(create_body())
    db.session.commit()
    response = client.post("/staff/meetings/new", data=_new_meeting_form(body))
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting).where(Meeting.body_id == body.id))
    assert _agenda(meeting) == [
        ("1.A", "Call to Order", "Call to order"),
        ("1.B", "Call to Order", "Pledge of Allegiance"),
        ("2.A", "Roll Call", "Roll call"),
        ("3.A", "Public Comment", "General public comment"),
        ("9.A", "Adjournment", "Adjournment"),
    ]
    pledge = next(i for i in meeting.items if i.title == "Pledge of Allegiance")
    comment = next(i for i in meeting.items if i.section == "Public Comment")
    assert (pledge.public_comment_required, pledge.comment_exemption) == (False, CommentExemption.ministerial)
    assert comment.public_comment_required and comment.comment_exemption is None
    assert all(i.file_number for i in meeting.items)  # filed like any item


def test_a_kind_only_item_is_left_off_other_kinds(client, login_as, db, create_body):
    login_as(Role.clerk)
    body = with_template(create_body())
    db.session.commit()
    client.post("/staff/meetings/new", data=_new_meeting_form(body, kind="workshop", title="Budget workshop"))
    meeting = db.session.scalar(select(Meeting).where(Meeting.body_id == body.id))
    assert "General public comment" not in [t for *_x, t in _agenda(meeting)] and len(meeting.items) == 4


def test_a_body_without_a_template_gets_an_empty_agenda_as_before(client, login_as, db, create_body):
    login_as(Role.clerk)
    body = create_body()
    assert client.post("/staff/meetings/new", data=_new_meeting_form(body)).status_code == 302
    assert db.session.scalar(select(Meeting).where(Meeting.body_id == body.id)).items == []


def test_editing_the_template_changes_no_meeting_already_made(db, create_body, create_meeting):
    body = create_body()
    before = create_meeting(body, kind="regular")  # made before there was a template
    with_template(body)
    made = agenda_template.schedule_meeting(
        body=body,
        kind=MeetingKind.regular,
        title="Regular meeting",
        start_at=before.start_at + timedelta(days=1),
        end_at=None,
        location="City Hall",
        remote_url=None,
        purpose=None,
        actor=None,
    )
    db.session.commit()
    snapshot = _agenda(made)
    for item in agenda_template.template_items(body):
        if item.title == "Pledge of Allegiance":
            agenda_template.remove_template_item(item, body, actor=None)
    agenda_template.add_template_item(
        body,
        section="Reports",
        title="City Manager's report",
        item_type=AgendaItemType.report,
        meeting_kind=None,
        actor=None,
    )
    db.session.commit()
    db.session.expire_all()
    assert _agenda(db.session.get(Meeting, made.id)) == snapshot
    assert db.session.get(Meeting, before.id).items == []


def test_meetings_from_the_schedule_start_with_the_template(db, create_body):
    body = with_template(create_body())
    schedules.add_rule(
        body,
        schedules.RuleInput(
            repeat=ScheduleRepeat.monthly,
            weekday=1,
            ordinals=[1, 3],
            interval=1,
            starts_on=date(2026, 1, 1),
            ends_on=None,
            start_time=time(17),
            kind=MeetingKind.regular,
            title="Regular meeting",
            location="City Hall",
            holiday_policy=HolidayPolicy.skip,
        ),
        actor=None,
    )
    made = schedules.create_planned(body, mode="next", count=3, actor=None)
    assert [len(m.items) for m in made] == [5, 5, 5]
    assert {_agenda(m)[0] for m in made} == {("1.A", "Call to Order", "Call to order")}


def test_a_section_holding_a_standing_item_cannot_be_removed(db, create_body):
    body = with_template(create_body())
    sections = [s for s in body.agenda_sections if s != "Roll Call"]
    with pytest.raises(DomainError) as refused:
        update_agenda_sections(body, sections, actor=None)
    assert "Roll Call" in refused.value.message and refused.value.field == "agenda_sections"


def test_moving_within_a_section_and_the_audit(db, create_body, create_user):
    clerk = create_user(Role.clerk)
    body = with_template(create_body())
    pledge = next(i for i in agenda_template.template_items(body) if i.title == "Pledge of Allegiance")
    agenda_template.move_template_item(pledge, body, direction="up", actor=clerk)
    assert [i.title for i in agenda_template.template_items(body)][:2] == ["Pledge of Allegiance", "Call to order"]
    with pytest.raises(DomainError):
        agenda_template.move_template_item(pledge, body, direction="up", actor=clerk)
    with pytest.raises(DomainError):
        agenda_template.move_template_item(pledge, body, direction="sideways", actor=clerk)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("agenda_template.%"))).all()
    assert actions.count("agenda_template.add") == 5 and actions.count("agenda_template.move") == 1


def test_clerk_edits_the_template_on_its_page(client, login_as, db, create_body):
    login_as(Role.clerk)
    body = create_body()
    url = f"/staff/bodies/{body.id}/agenda-template"
    page = client.get(url)
    assert page.status_code == 200 and "No standing item." in page.get_data(as_text=True)
    response = client.post(url, data={"section": "Roll Call", "title": "Roll call", "item_type": "ministerial"})
    assert response.status_code == 302
    item = db.session.scalar(select(AgendaTemplateItem).where(AgendaTemplateItem.body_id == body.id))
    assert (item.section, item.title, item.meeting_kind) == ("Roll Call", "Roll call", None)
    assert "Roll call" in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/{item.id}/remove").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AgendaTemplateItem)) == 0


@pytest.mark.parametrize(
    "data, message",
    [
        ({"section": "Not a section", "title": "Kept title", "item_type": "ministerial"}, "Choose one of this body"),
        ({"section": "Roll Call", "title": "", "item_type": "ministerial"}, "Enter a title"),
        ({"section": "Roll Call", "title": "Kept title", "item_type": "bogus"}, "Not a valid choice"),
        ({"section": "Roll Call", "title": "Kept title", "item_type": "report", "meeting_kind": "x"}, "Not a valid"),
        ({"section": "Roll Call", "title": "y" * 5000, "item_type": "report"}, "cannot be longer than 300"),
    ],
)
def test_refused_template_items_keep_what_was_typed(client, login_as, db, create_body, data, message):
    login_as(Role.clerk)
    body = create_body()
    response = client.post(f"/staff/bodies/{body.id}/agenda-template", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and message in text
    if data["title"] == "Kept title":
        assert 'value="Kept title"' in text
    assert db.session.scalar(select(func.count()).select_from(AgendaTemplateItem)) == 0


@pytest.mark.parametrize("role", [Role.commissioner, Role.viewer])
def test_only_editors_edit_the_template(client, login_as, db, create_body, role):
    login_as(role)
    body = with_template(create_body())
    item = agenda_template.template_items(body)[0]
    db.session.commit()
    url = f"/staff/bodies/{body.id}/agenda-template"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"section": "Roll Call", "title": "X", "item_type": "report"}).status_code == 403
    assert client.post(f"{url}/{item.id}/remove").status_code == 403
    assert client.post(f"{url}/{item.id}/move", data={"direction": "down"}).status_code == 403
    assert len(agenda_template.template_items(body)) == 5


def test_foreign_and_huge_ids_are_404(client, login_as, db, create_body):
    login_as(Role.clerk)
    body, other = create_body(), with_template(create_body())
    item = agenda_template.template_items(other)[0]
    db.session.commit()
    assert client.post(f"/staff/bodies/{body.id}/agenda-template/{item.id}/remove").status_code == 404
    assert client.post(f"/staff/bodies/{body.id}/agenda-template/{10**30}/move").status_code == 404
    assert client.get(f"/staff/bodies/{10**30}/agenda-template").status_code == 404


def test_the_template_page_in_spanish(client, login_as, db, create_body):
    login_as(Role.clerk)
    body = with_template(create_body())
    db.session.commit()
    text = client.get(f"/staff/bodies/{body.id}/agenda-template", headers={"Accept-Language": "es"}).get_data(
        as_text=True
    )
    assert "Plantilla de agenda de" in text and "Agregar un punto fijo" in text


def test_the_demo_commission_has_its_schedule_and_template(app, db):
    from app.bodies.models import Body
    from app.demo import seed_demo

    seed_demo()
    commission = db.session.scalar(select(Body).where(Body.name == "City Commission"))
    rules = schedules.rules_of(commission)
    assert [(r.ordinals, r.weekday, r.start_time) for r in rules] == [([1, 3], 1, time(17, 0))]
    titles = [i.title for i in agenda_template.template_items(commission)]
    assert titles == ["Call to order", "Roll call", "General public comment", "Adjournment"]
    rows = schedules.plan(commission, mode="next", count=4)
    assert all(r.on.weekday() == 1 for r in rows)
    assert seed_demo() == 0  # idempotent
    board = db.session.scalar(select(Body).where(Body.name == "Planning Board"))
    assert schedules.rules_of(board) == [] and agenda_template.template_items(board) == []


def test_a_new_city_without_the_demo_has_no_schedule(db, create_body):
    body = create_body()
    assert db.session.scalar(select(func.count()).select_from(MeetingSchedule)) == 0
    with pytest.raises(DomainError):
        schedules.plan(body, mode="next", count=2)
