"""The agenda packet in real Chromium: the public page that says no packet is built yet, and the clerk's panel
(the "Build packet" button, the progress bar moved by static/js/packet-progress.js while the worker builds, the
link once built), each checked with axe in English and Spanish."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.demo import DEMO_PASSWORD
from app.documents import packets
from app.documents.packet_models import PacketBuild, PacketBuildStatus
from app.meetings.models import Meeting
from tests.browser import chromium_page, sign_in
from tests.test_browser import assert_accessible, site  # noqa: F401  (the demo city behind a live server)

pytestmark = pytest.mark.browser


def _published(db) -> Meeting:
    return db.session.scalar(
        select(Meeting).where(Meeting.agenda_published_at.is_not(None)).order_by(Meeting.start_at.desc()).limit(1)
    )


def test_no_packet_yet_page_passes_axe_in_both_languages(site, db):  # noqa: F811
    meeting = _published(db)
    with chromium_page() as page:
        response = page.goto(f"{site}/meetings/{meeting.id}/packet.pdf")
        assert response.status == 404
        expect(page.locator("main h1")).to_have_text("Agenda packet not available yet")
        assert_accessible(page)
        page.goto(f"{site}/language/es?next=/meetings/{meeting.id}/packet.pdf")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        assert_accessible(page)
        page.goto(f"{site}/meetings/{meeting.id}")
        expect(page.locator(f"a[href='/meetings/{meeting.id}/packet.pdf']")).to_be_visible()


def test_the_clerk_builds_the_packet_and_watches_it(site, db, app):  # noqa: F811
    app.config["JOBS_BACKEND"] = "none"  # the build waits for "the worker": this test, below
    meeting = _published(db)
    with chromium_page() as page:
        sign_in(page, site, "clerk@keywest.example", DEMO_PASSWORD)
        page.goto(f"{site}/staff/meetings/{meeting.id}")
        page.get_by_role("button", name="Build packet").click()
        bar = page.locator("#packet-progress-bar")
        expect(bar).to_be_visible()
        assert_accessible(page)
        build = db.session.scalar(select(PacketBuild).where(PacketBuild.meeting_id == meeting.id))
        assert build.status == PacketBuildStatus.queued
        packets.build(build.id)  # the worker; the page polls once a second and reloads when it ends
        expect(page.get_by_role("link", name="Open the packet (PDF)")).to_be_visible(timeout=15_000)
        expect(bar).to_have_count(0)
        assert_accessible(page)
        page.goto(f"{site}/language/es?next=/staff/meetings/{meeting.id}")
        expect(page.locator("#packet")).to_be_visible()
        assert_accessible(page)
