"""Where a matter came from (issue 20): a department submission placed on an agenda shows on its matter's pages.
The staff page gives the route step by step (who, which step, when, the comments) to those intake lets see it;
the public page only says which department submitted it and when, and when it was approved for the agenda: never a
name, an email or a comment of the city's staff. Both pages keep a fixed number of queries."""

import re
from datetime import timedelta

import pytest

from app.auth.models import Role
from app.core.timeutil import utcnow
from app.extensions import db
from app.intake import origin, workflow
from app.intake.models import SubmissionState
from app.meetings import agenda
from app.meetings.models import AgendaItemType, MeetingStatus
from tests.intake_helpers import regular_meeting, three_step_route

RETURN_COMMENT = "Attach the survey map, confidential-note-7731"
LEGAL_COMMENT = "Reviewed for form, privileged-remark-5512"


@pytest.fixture
def placed(app, create_user, create_meeting, clock):
    """A Public Works submission: submitted, returned by the department head, submitted again, approved at each of
    the three steps, placed on a regular meeting's agenda; the meeting's notice and agenda then published."""
    head, legal, manager = three_step_route(create_user)
    engineer = create_user(Role.department, display_name="Zebulon Engineer", email="zebulon.engineer@city.example")
    engineer.department = "Public Works"
    clerk = create_user(Role.clerk, display_name="Clerk Quintana")
    db.session.commit()
    meeting = regular_meeting(create_meeting)
    fields = {"item_type": "ordinance", "title": "Sidewalk repair ordinance", "summary_md": "Repairs.",
              "fiscal_impact": "$1", "recommended_action": "Adopt", "meeting_id": meeting.id}  # fmt: skip
    moments = {}
    with app.test_request_context():
        submission = workflow.save_draft(None, actor=engineer, **fields)
        workflow.submit(submission, actor=engineer)
        moments["submitted"] = utcnow()
        clock.advance(days=1)
        workflow.send_back(submission, actor=head, comment=RETURN_COMMENT)
        clock.advance(days=1)
        workflow.save_draft(submission, actor=engineer, **fields)
        workflow.submit(submission, actor=engineer)
        for user, comment in ((head, "Fine"), (legal, LEGAL_COMMENT), (manager, "")):
            clock.advance(days=1)
            workflow.approve(submission, actor=user, comment=comment)
        moments["approved"] = utcnow()
        assert submission.state == SubmissionState.approved
        clock.advance(days=1)
        item = workflow.place(submission, meeting=meeting, section=meeting.body.agenda_sections[0], actor=clerk)
        db.session.commit()
    meeting.status = MeetingStatus.noticed
    meeting.first_published_at = utcnow()
    meeting.agenda_published_at = utcnow()
    db.session.commit()
    people = {"head": head, "legal": legal, "manager": manager, "engineer": engineer, "clerk": clerk}
    return {"submission": submission, "item": item, "matter": item.matter, "meeting": meeting, "people": people,
            **moments}  # fmt: skip


def test_the_matter_knows_its_submission(placed):
    matter = placed["matter"]
    assert [s.id for s in origin.staff_submissions(matter.id)] == [placed["submission"].id]
    steps = origin.public_steps(matter.id)
    assert [(s.kind, s.at, s.department) for s in steps] == [
        (origin.SUBMITTED, placed["submitted"], "Public Works"),  # the first submission, not the second
        (origin.APPROVED, placed["approved"], "Public Works"),  # the last approval, which made it ready
    ]


def test_the_public_page_says_where_it_came_from_and_nothing_private(client, placed):
    matter = placed["matter"]
    html = client.get(f"/matters/{matter.file_number}").get_data(as_text=True)
    submitted = "Submitted by the Public Works department on March 2, 2026"
    approved = "Approved for the agenda on March 7, 2026"
    assert submitted in html and approved in html
    history = html[html.index('<ol class="matter-history">') :]
    # In time order, before the matter's own steps (opened when the submission was placed).
    assert history.index(submitted) < history.index(approved) < history.index("matter-entry-action")
    assert history.count("matter-entry-submitted") == 1 and history.count("matter-entry-approved_for_agenda") == 1
    for private in (RETURN_COMMENT, "confidential-note", LEGAL_COMMENT, "privileged-remark", "@city.example",
                    "Zebulon", "Head of Public Works", "Clerk Quintana", "Returned", "Department head"):  # fmt: skip
        assert private not in html, private


def test_the_staff_page_shows_the_route_step_by_step(client, login_as, placed):
    matter = placed["matter"]
    login_as(Role.clerk)
    html = client.get(f"/staff/matters/{matter.id}").get_data(as_text=True)
    section = html[html.index('id="origin"') : html.index('id="steps"')]
    assert "Department submission by Zebulon Engineer (Public Works)." in section
    assert f'href="/intake/{placed["submission"].id}"' in section
    steps = re.findall(r"<strong>([^<]+)</strong>(?: \(([^)]+)\))?(?: — ([^<]+))?", section)
    assert steps == [
        ("Submitted", "", "Zebulon Engineer"),
        ("Returned with comments", "Department head", "Head of Public Works"),
        ("Submitted", "", "Zebulon Engineer"),
        ("Approved", "Department head", "Head of Public Works"),
        ("Approved", "Legal", "City Attorney"),
        ("Approved", "City Manager", "City Manager"),
        ("Placed on an agenda", "", "Clerk Quintana"),
    ]
    assert RETURN_COMMENT in section and LEGAL_COMMENT in section
    assert "2 Mar 2026" in section and "8 Mar 2026" in section  # submitted first, placed last


def test_staff_outside_the_route_see_the_steps_without_names_or_comments(client, login_as, placed):
    matter = placed["matter"]
    login_as(Role.viewer)
    html = client.get(f"/staff/matters/{matter.id}").get_data(as_text=True)
    section = html[html.index('id="origin"') : html.index('id="steps"')]
    assert "Department submission from Public Works." in section
    assert section.count("<strong>Approved</strong>") == 3 and "(Legal)" in section
    for private in (RETURN_COMMENT, LEGAL_COMMENT, "Zebulon", "Head of Public Works", "Clerk Quintana", "/intake/"):
        assert private not in section, private


def test_a_matter_not_from_a_submission_says_nothing_of_one(client, login_as, create_meeting):
    meeting = create_meeting(kind="regular", status="noticed")
    item = agenda.add_item(meeting, section="Resolutions", title="Harbor lease", body_md="",
                           item_type=AgendaItemType.report, actor=None)  # fmt: skip
    meeting.agenda_published_at = utcnow()
    db.session.commit()
    html = client.get(f"/matters/{item.file_number}").get_data(as_text=True)
    assert "matter-entry-submitted" not in html and "Approved for the agenda" not in html
    login_as(Role.clerk)
    assert 'id="origin"' not in client.get(f"/staff/matters/{item.matter_id}").get_data(as_text=True)


def test_the_pages_keep_a_fixed_number_of_queries(client, login_as, placed, create_meeting, count_queries):
    """The public page costs the same with or without a submission and with more appearances; so does the staff
    page."""
    matter = placed["matter"]
    plain_meeting = create_meeting(kind="regular", status="noticed")
    # An ordinance too: an ordinance's pages also read its readings and notices (two queries more).
    plain = agenda.add_item(plain_meeting, section="Resolutions", title="Harbor lease", body_md="",
                            item_type=AgendaItemType.ordinance, actor=None)  # fmt: skip
    plain_meeting.agenda_published_at = utcnow()
    db.session.commit()

    def public(number):
        client.get(f"/matters/{number}")  # warm
        with count_queries() as statements:
            assert client.get(f"/matters/{number}").status_code == 200
        return len(statements)

    without, with_submission = public(plain.file_number), public(matter.file_number)
    assert with_submission == without
    for k in range(3):  # the matter comes back to three more public meetings
        later = create_meeting(placed["meeting"].body, kind="regular", status="noticed",
                               start_in=timedelta(days=60 + 7 * k))  # fmt: skip
        agenda.add_item(later, section="Resolutions", title="Sidewalk repair ordinance", body_md="",
                        item_type=AgendaItemType.ordinance, matter=matter, actor=None)  # fmt: skip
        later.agenda_published_at = utcnow()
    db.session.commit()
    assert public(matter.file_number) == with_submission <= 14

    login_as(Role.clerk)

    def staff(matter_id):
        client.get(f"/staff/matters/{matter_id}")
        with count_queries() as statements:
            assert client.get(f"/staff/matters/{matter_id}").status_code == 200
        return len(statements)

    # No submission: one query finds none; with one, its steps are one more.
    assert staff(matter.id) == staff(plain.matter_id) + 1
