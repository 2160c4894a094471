"""Real Chromium: the clerk publishes an agenda while the mail server is down, sees the mailing wait ("Queued,
will retry") on the meeting page and the mail page; the server comes back and the progress bar fills while the
page is open, without a reload. axe checks the mail pages in English and Spanish."""

import pytest
from playwright.sync_api import expect

from app.core import delivery
from app.core.outbox import Mailing
from tests.browser import chromium_or_skip, chromium_page
from tests.conftest import PASSWORD
from tests.mail_helpers import meeting_with_item, subscribers
from tests.test_browser import assert_accessible

pytestmark = pytest.mark.browser


def test_the_clerk_follows_a_mailing_live(
    app, db, live_server, create_user, create_body, create_meeting, smtp_sink, closed_port, clock
):
    chromium_or_skip()
    smtp_port = app.config["MAIL_PORT"]
    app.config.update(MAIL_PORT=closed_port)
    clerk = create_user("clerk")
    body = create_body(name="City Commission")
    subscribers(body, 12)
    meeting = meeting_with_item(create_meeting, body, title="Harbor hearing")

    with chromium_page() as page:
        page.goto(live_server + "/login")
        page.get_by_label("Email").fill(clerk.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/dashboard/")

        page.goto(f"{live_server}/staff/meetings/{meeting.id}")
        page.get_by_role("button", name="Publish agenda").click()
        expect(page.get_by_text("The agenda is being emailed to 12 subscribers")).to_be_visible()
        mail_table = page.get_by_role("table", name="Mail about this meeting")
        expect(mail_table).to_contain_text("12 will be retried")
        assert_accessible(page)

        mail_table.get_by_role("link", name="Agenda published").click()
        expect(page.get_by_role("heading", name="Agenda published")).to_be_visible()
        expect(page.locator('[data-count="retrying"]')).to_have_text("12")
        expect(page.get_by_text("nothing is lost")).to_be_visible()
        expect(page.get_by_role("table")).to_contain_text("cannot connect")
        assert_accessible(page)

        # The mail server is back; the next attempt is due. The open page follows without a reload.
        app.config.update(MAIL_PORT=smtp_port)
        clock.advance(minutes=3)
        delivery.wake()
        expect(page.locator('[data-count="sent"]')).to_have_text("12", timeout=20_000)
        expect(page.locator("#mail-progress-bar")).to_have_attribute("value", "12")
        expect(page.locator('[data-count="retrying"]')).to_have_text("0")
        assert len(smtp_sink.messages) == 12

        page.get_by_role("link", name="Outgoing mail").first.click()
        expect(page.get_by_role("table", name="Mailings, newest first")).to_contain_text("Harbor hearing")
        assert_accessible(page)

        page.get_by_role("link", name="Español").click()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", name="Correo saliente")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("link", name="Agenda publicada").first.click()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        assert_accessible(page)

        # On a 390 px phone the mail pages do not scroll sideways (their tables scroll in their own region).
        page.set_viewport_size({"width": 390, "height": 844})
        mailing_id = db.session.scalar(db.select(Mailing.id))
        for path in ("/staff/mail/", f"/staff/mail/{mailing_id}", f"/staff/meetings/{meeting.id}"):
            page.goto(live_server + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow} px"
