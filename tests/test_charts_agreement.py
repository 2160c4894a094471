"""An agreement's timeline in pictures (issue 19): signed, then each effect in force on a dated axis, numbered as in
the ordered list under it, each step linking the resolution that did it."""

import re

import pytest
from sqlalchemy import select

from app.demo import seed_demo
from app.legislation.models import Agreement, Resolution


@pytest.fixture
def agreement(db):
    seed_demo()
    db.session.commit()
    return db.session.scalar(select(Agreement))


def _section(page: str) -> str:
    return re.search(r'<section aria-labelledby="timeline">.*?</section>', page, flags=re.S).group(0)


def test_the_287g_agreement_signed_voided_then_authorized_again(client, db, agreement):
    section = _section(client.get(f"/agreements/{agreement.id}").get_data(as_text=True))
    [svg] = re.findall(r"<svg.*?</svg>", section, flags=re.S)
    assert 'role="img"' in svg and 'viewBox="0 0 320 96"' in svg
    assert re.findall(r'data-kind="(\w+)" data-day="([\d-]+)"', svg) == [
        ("signed", "2025-03-12"),
        ("voids", "2025-07-01"),
        ("authorizes", "2025-07-08"),
    ]
    # The line between steps is drawn by the standing each step left: in force, then void.
    assert re.findall(r'data-status="(\w+)"', svg) == ["active", "void"]
    title = re.search(r"<title[^>]*>([^<]*)</title>", svg).group(1)
    assert title.startswith("1. March 12, 2025: Signed by Chief of Police (In force); 2. July 1, 2025: Declares void")
    # The list says the same, in the same order, each effect linking its resolution.
    items = re.findall(r'<li data-kind="(\w+)">(.*?)</li>', section, flags=re.S)
    assert [k for k, _ in items] == ["signed", "voids", "authorizes"]
    voiding = db.session.scalar(select(Resolution).where(Resolution.number == "25-187"))
    assert f'href="/resolutions/{voiding.id}">Resolution 25-187</a>' in items[1][1]
    assert "Then: Void." in items[1][1] and "Then: In force." in items[2][1]


def test_in_spanish(client, agreement):
    client.get("/language/es")
    section = _section(client.get(f"/agreements/{agreement.id}").get_data(as_text=True))
    assert "Después: Nulo." in section
    assert "12 de marzo de 2025" in section


def test_an_agreement_with_nothing_dated_says_so(client, db):
    from app.legislation import services as legislation

    found = legislation.save_agreement(
        None, title="Mutual aid", counterparty="Monroe County", category="mutual aid", signed_on=None,
        signed_by="", description_md="", actor=None,
    )  # fmt: skip
    db.session.commit()
    section = _section(client.get(f"/agreements/{found.id}").get_data(as_text=True))
    assert "<svg" not in section and "Nothing dated on record yet." in section
