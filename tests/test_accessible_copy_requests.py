"""R14: beside a document the check flagged, the public page says what it lacks and links to a form to ask the
clerk for an accessible copy; the request is recorded, mailed to the clerk, and answered on a staff page. The
requester's contact details never reach a public page, feed or the API."""

import re

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.core.audit import AuditEntry
from app.core.outbox import Mailing, MailingKind, OutboxMessage
from app.extensions import limiter
from app.legislation.accessibility import AccessibleCopyRequest
from tests.accessibility_helpers import attach, make_pdf

NOTICE = "This document may not be fully accessible"
LIMITS = {"RATELIMIT_ENABLED": True, "PUBLIC_FORM_RATE_LIMIT": "2 per minute"}


def _item(meeting):
    return next(i for i in meeting.items if i.title == "Resolution on the 287(g) agreement")


@pytest.fixture
def flagged(db, open_meeting, set_city):
    """A published agenda with one untagged PDF and one clean one; the clerk's address in the city profile."""
    set_city(clerk_email="clerk@keywest.example")
    meeting = open_meeting()
    bad = attach(_item(meeting), make_pdf(tagged=False, title=None), "staff-report.pdf")
    good = attach(_item(meeting), make_pdf(), "budget.pdf")
    db.session.commit()
    return meeting, bad, good


def _form(**overrides):
    return {
        "name": "Rosa Reader",
        "email": "rosa@example.org",
        "document": "staff-report.pdf",
        "needs": "A tagged PDF for my screen reader.",
        "website": "",
    } | overrides


def _count(db):
    return db.session.scalar(select(func.count()).select_from(AccessibleCopyRequest))


def test_the_meeting_page_flags_only_the_document_that_is_not_accessible(client, flagged, count_queries):
    meeting, bad, good = flagged
    with count_queries() as queries:
        page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert page.count(NOTICE) == 1
    assert f"{NOTICE} (Not tagged (no structure for screen readers), No title)." in page
    assert f'href="/accessible-copy?attachment={bad.id}"' in page
    assert f"/accessible-copy?attachment={good.id}" not in page
    # The findings are columns of the attachments already loaded: no query per document.
    for n in range(5):
        attach(_item(meeting), make_pdf(tagged=False), f"more-{n}.pdf")
    from app.extensions import db

    db.session.commit()
    with count_queries() as more:
        assert client.get(f"/meetings/{meeting.id}").get_data(as_text=True).count(NOTICE) == 6
    assert len(more) == len(queries)


def test_the_form_is_prefilled_and_a_request_is_recorded_and_mailed_to_the_clerk(
    client, db, flagged, outbox, count_queries
):
    meeting, bad, _good = flagged
    page = client.get(f"/accessible-copy?attachment={bad.id}").get_data(as_text=True)
    assert 'value="staff-report.pdf (Special meeting, ' in page
    assert "Not tagged (no structure for screen readers), No title" in page  # what the check found
    response = client.post(f"/accessible-copy?attachment={bad.id}", data=_form(), environ_base=_ip())
    assert response.status_code == 200 and "Request sent" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    entry = db.session.scalar(select(AccessibleCopyRequest))
    assert (entry.attachment_id, entry.name, entry.email) == (bad.id, "Rosa Reader", "rosa@example.org")
    assert entry.locale == "en" and entry.is_open
    mailing = db.session.scalar(select(Mailing).where(Mailing.kind == MailingKind.accessible_copy_request))
    assert mailing.sensitive
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.mailing_id == mailing.id))
    assert message.recipient == "clerk@keywest.example"
    sent = outbox()[-1]  # delivered once the request committed
    assert sent["To"] == "clerk@keywest.example" and sent["Reply-To"] == "rosa@example.org"
    body = sent.get_body().get_content()
    assert "rosa@example.org" in body and "A tagged PDF for my screen reader." in body
    assert f"/meetings/{meeting.id}/documents/{bad.id}/staff-report.pdf" in body
    assert "/staff/accessibility/requests" in body
    # Audited, without the requester's contact details.
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "accessibility.request"))
    assert audit.target_id == entry.id and "rosa" not in str(audit.data) + audit.summary
    # Private: never on a public page, feed or the API.
    for url in [f"/meetings/{meeting.id}", "/feeds/agendas.atom", f"/api/v1/meetings/{meeting.id}", "/"]:
        text = client.get(url).get_data(as_text=True)
        assert "rosa@example.org" not in text and "Rosa Reader" not in text, url


def test_a_refused_form_keeps_what_was_typed(client, db, flagged):
    _meeting, bad, _good = flagged
    response = client.post(f"/accessible-copy?attachment={bad.id}", data=_form(needs="", email="not-an-address"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Say what you need." in page and "Enter an email address like name@example.com." in page
    assert 'value="Rosa Reader"' in page and 'value="not-an-address"' in page
    assert _count(db) == 0


@pytest.mark.parametrize("app_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_an_expired_form_is_shown_back_filled_and_a_valid_token_sends_it(app_overrides, client, db, flagged):
    _meeting, bad, _good = flagged
    refused = client.post(f"/accessible-copy?attachment={bad.id}", data=_form(csrf_token="stale"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "This form expired" in page and 'value="Rosa Reader"' in page
    assert _count(db) == 0
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    sent = client.post(f"/accessible-copy?attachment={bad.id}", data=_form(csrf_token=token))
    assert sent.status_code == 200 and _count(db) == 1


@pytest.mark.parametrize("app_overrides", [LIMITS])
def test_the_form_is_rate_limited_and_keeps_input(app_overrides, client, db, flagged):
    _meeting, bad, _good = flagged
    limiter.reset()
    ip = _ip()
    for n in range(2):
        assert client.post("/accessible-copy", data=_form(name=f"Resident {n}"), environ_base=ip).status_code == 200
    limited = client.post(f"/accessible-copy?attachment={bad.id}", data=_form(name="Third Try"), environ_base=ip)
    page = limited.get_data(as_text=True)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert "Too many requests" in page and 'value="Third Try"' in page
    assert _count(db) == 2


def _ip(_n=iter(range(20, 250))):
    return {"REMOTE_ADDR": f"192.0.2.{next(_n)}"}


def test_unpublished_or_unknown_documents_and_bad_ids_are_404(client, db, create_meeting, flagged):
    from app.meetings import agenda
    from app.meetings.models import AgendaItemType

    draft = create_meeting(status="noticed")
    item = agenda.add_item(
        draft, section="Resolutions", title="Draft", body_md="", item_type=AgendaItemType.resolution, actor=None
    )
    hidden = attach(item, make_pdf(tagged=False), "draft.pdf")
    db.session.commit()
    for query in [
        f"attachment={hidden.id}",
        "attachment=999999",
        "attachment=abc",
        "attachment=" + "9" * 40,
        "attachment=-1",
        "agreement_document=12345",
    ]:
        assert client.get(f"/accessible-copy?{query}").status_code == 404, query
        assert client.post(f"/accessible-copy?{query}", data=_form()).status_code == 404, query
    # Without a document: the resident names it.
    assert client.get("/accessible-copy").status_code == 200
    assert client.post("/accessible-copy", data=_form(document="")).status_code == 422
    too_long = client.post("/accessible-copy", data=_form(needs="x" * 5000))
    assert too_long.status_code == 422 and _count(db) == 0


def test_without_a_clerk_address_the_clerks_get_it(client, db, open_meeting, create_user):
    clerk = create_user(Role.clerk)
    create_user(Role.viewer)
    bad = attach(_item(open_meeting()), make_pdf(tagged=False), "a.pdf")
    db.session.commit()
    assert client.post(f"/accessible-copy?attachment={bad.id}", data=_form()).status_code == 200
    recipients = db.session.scalars(select(OutboxMessage.recipient)).all()
    assert recipients == [clerk.email]


def test_the_clerk_sees_open_requests_and_marks_them_answered(client, db, flagged, login_as):
    _meeting, bad, _good = flagged
    client.post(f"/accessible-copy?attachment={bad.id}", data=_form())
    client.post("/accessible-copy", data=_form(name="Tom Other", document="The 2024 budget", email="tom@example.org"))
    login_as(Role.clerk)
    page = client.get("/staff/accessibility/requests").get_data(as_text=True)
    assert "2 open requests" in page and "rosa@example.org" in page and "The 2024 budget" in page
    entry = db.session.scalar(select(AccessibleCopyRequest).where(AccessibleCopyRequest.name == "Rosa Reader"))
    response = client.post(
        f"/staff/accessibility/requests/{entry.id}/answer", data={"note": "Tagged PDF sent"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Request marked answered." in page and "1 open request" in page and "Tagged PDF sent" in page
    db.session.expire_all()
    assert db.session.get(AccessibleCopyRequest, entry.id).answered_at is not None
    again = client.post(f"/staff/accessibility/requests/{entry.id}/answer", follow_redirects=True)
    assert "already marked answered" in again.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "accessibility.answered")) is not None
    assert client.post("/staff/accessibility/requests/99999999/answer").status_code == 404


def test_viewers_and_commissioners_never_see_requesters(client, db, flagged, login_as):
    _meeting, bad, _good = flagged
    client.post(f"/accessible-copy?attachment={bad.id}", data=_form())
    login_as(Role.viewer)
    response = client.get("/staff/accessibility/requests")
    assert response.status_code == 403 and "rosa@example.org" not in response.get_data(as_text=True)


def test_the_requests_page_costs_the_same_queries_for_few_requests_or_many(
    client, db, flagged, login_as, count_queries
):
    _meeting, bad, _good = flagged
    login_as(Role.clerk)

    def add(count, answered):
        for n in range(count):
            client.post(f"/accessible-copy?attachment={bad.id}", data=_form(name=f"Resident {n}"))
        for entry in db.session.scalars(
            select(AccessibleCopyRequest).where(AccessibleCopyRequest.answered_at.is_(None)).limit(answered)
        ).all():
            client.post(f"/staff/accessibility/requests/{entry.id}/answer", data={"note": "Sent"})

    add(2, 1)
    with count_queries() as few:
        assert client.get("/staff/accessibility/requests").status_code == 200
    add(8, 3)
    with count_queries() as many:
        page = client.get("/staff/accessibility/requests").get_data(as_text=True)
    assert "6 open requests" in page and "Answered lately" in page
    assert len(many) == len(few)


def test_the_service_refuses_an_address_that_could_break_a_header(app, db):
    from app.core.errors import DomainError
    from app.legislation.accessibility import request_copy

    for bad in ["rosa@example.org, boss@example.org", "Rosa <rosa@example.org>", "no-at-sign", "a@b"]:
        with pytest.raises(DomainError):
            request_copy(document="x.pdf", name="Rosa", email=bad, needs="Large print", locale="en")
    assert _count(db) == 0
