"""The check that a template runs no query (tests/template_queries.py) catches a lazy load in a template."""

from flask import render_template_string

from app.extensions import db
from app.meetings.models import Meeting


def test_a_lazy_load_in_a_template_is_reported(app, create_meeting, template_queries):
    meeting_id = create_meeting(title="Budget workshop").id
    db.session.commit()
    db.session.expunge_all()
    meeting = db.session.get(Meeting, meeting_id)  # loaded by the "view"; its change log is not
    with app.test_request_context():
        html = render_template_string("{{ meeting.title }}: {{ meeting.changes|length }} changes", meeting=meeting)
    assert "Budget workshop: 0 changes" in html
    assert len(template_queries.violations) == 1
    report = template_queries.violations[0]
    assert report.startswith("query while rendering <string>: SELECT") and "SELECT meeting_changes.id" in report
    template_queries.violations.clear()  # reported as expected: the test itself passes


def test_a_module_handed_to_a_template_is_reported(app, template_queries):
    import os

    with app.test_request_context():
        render_template_string("{{ 1 }}", os=os)
    assert template_queries.violations == ["<string> was given modules: os"]
    template_queries.violations.clear()


def test_loaded_data_renders_without_a_report(app, create_meeting, template_queries):
    meeting = create_meeting(title="Budget workshop")
    body_name = meeting.body.name
    with app.test_request_context():
        render_template_string("{{ meeting.title }} {{ name }}", meeting=meeting, name=body_name)
    assert template_queries.violations == []
