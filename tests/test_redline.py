"""The redline engine (app/core/redline.py): exact segments on a set of text pairs, and properties with Hypothesis."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import redline
from app.core.redline import Paragraph, Segment, as_plain_text, compare, new_text, old_text

E, I, D = "equal", "insert", "delete"  # noqa: E741


def shape(r):
    return [(p.op, [(s.op, s.text) for s in p.segments]) for p in r.paragraphs]


PAIRS = [
    ("identical", "The City shall act.", "The City shall act.", [(E, [(E, "The City shall act.")])]),
    ("empty to text", "", "Section 1.", [(I, [(I, "Section 1.")])]),
    ("text to empty", "Section 1.", "", [(D, [(D, "Section 1.")])]),
    ("both empty", "", "   \n\n ", []),
    (
        "a word replaced",
        "The Manager shall report.",
        "The Clerk shall report.",
        [("change", [(E, "The "), (D, "Manager"), (I, "Clerk"), (E, " shall report.")])],
    ),
    (
        "a word inserted at the start",
        "shall report.",
        "Staff shall report.",
        [("change", [(I, "Staff"), (E, " shall report.")])],
    ),
    (
        "words inserted at the end",
        "The Clerk shall report",
        "The Clerk shall report monthly in writing.",
        [("change", [(E, "The Clerk shall report"), (I, " monthly in writing.")])],
    ),
    (
        "shall becomes shall not",
        "The City shall enter the agreement.",
        "The City shall not enter the agreement.",
        [("change", [(E, "The City shall "), (I, "not "), (E, "enter the agreement.")])],
    ),
    (
        "a date changed",
        "Effective July 1, 2025.",
        "Effective July 8, 2025.",
        [("change", [(E, "Effective July "), (D, "1"), (I, "8"), (E, ", 2025.")])],
    ),
    (
        "punctuation only",
        "Whereas, the City acts.",
        "Whereas the City acts;",
        [("change", [(E, "Whereas"), (D, ","), (E, " the City acts"), (D, "."), (I, ";")])],
    ),
    (
        "a paragraph inserted",
        "Section 1.\n\nSection 3.",
        "Section 1.\n\nSection 2.\n\nSection 3.",
        [(E, [(E, "Section 1.")]), (I, [(I, "Section 2.")]), (E, [(E, "Section 3.")])],
    ),
    (
        "a paragraph removed",
        "Whereas one.\n\nWhereas two.\n\nNow therefore.",
        "Whereas one.\n\nNow therefore.",
        [(E, [(E, "Whereas one.")]), (D, [(D, "Whereas two.")]), (E, [(E, "Now therefore.")])],
    ),
    (
        "a paragraph moved",
        "Alpha text.\n\nBeta text.\n\nGamma text.",
        "Beta text.\n\nGamma text.\n\nAlpha text.",
        [(D, [(D, "Alpha text.")]), (E, [(E, "Beta text.")]), (E, [(E, "Gamma text.")]), (I, [(I, "Alpha text.")])],
    ),
    (
        "whitespace only is no change (new spacing kept)",
        "The City  shall\nact.\r\n\r\n\r\nNext.",
        "The City shall act.\n\nNext.",
        [(E, [(E, "The City shall act.")]), (E, [(E, "Next.")])],
    ),
    (
        "Spanish accents and curly quotes",
        "La “Comisión” aprobó la ordenanza.",
        "La “Comisión” rechazó la ordenanza número 3.",
        [
            (
                "change",
                [
                    (E, "La “Comisión” "),
                    (D, "aprobó"),
                    (I, "rechazó"),
                    (E, " la ordenanza"),
                    (I, " número 3"),
                    (E, "."),
                ],
            )
        ],
    ),
    (
        "a parenthesis after a number",
        "Section 200.",
        "Section 200 (amended).",
        [("change", [(E, "Section 200"), (I, " (amended)"), (E, ".")])],
    ),
    (
        "a space removed joins two words: a change",
        "shall shall",
        "shallshall",
        [("change", [(D, "shall shall"), (I, "shallshall")])],
    ),
    (
        "Markdown and HTML are compared as source",
        "**Section 1.** <b>Bold</b>",
        "## Section 1. <b>Bold</b>",
        [("change", [(D, "**"), (I, "## "), (E, "Section 1."), (D, "**"), (E, " <b>Bold</b>")])],
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), [p[1:] for p in PAIRS], ids=[p[0] for p in PAIRS])
def test_pairs(old, new, expected):
    r = compare(old, new)
    assert shape(r) == expected
    assert not r.capped
    assert new_text(r) == "\n\n".join(redline.paragraphs(new))


def test_summary_counts_words_not_spaces_or_punctuation():
    r = compare("The City shall pay by July 1, 2025.", "The City shall not pay by July 8, 2025!")
    assert (r.words_inserted, r.words_deleted) == (2, 1)
    assert r.summary == {"words_inserted": 2, "words_deleted": 1, "paragraphs_changed": 1}
    assert r.changed
    assert not compare("Same.", "Same.").changed


def test_plain_text_rendering():
    r = compare("Pay by July 1.\n\nOld clause.", "Pay by July 8.\n\nNew clause.\n\nAdded.")
    assert as_plain_text(r) == "Pay by July [-1-][+8+].\n\n[-Old-][+New+] clause.\n\n[+Added.+]"
    assert as_plain_text(compare("The City shall act.", "The City shall not act.")) == "The City shall [+not +]act."


def test_long_paragraph_takes_the_capped_path(monkeypatch):
    monkeypatch.setattr(redline, "MAX_TOKENS", 50)
    old = " ".join(f"w{i}" for i in range(40))
    new = old.replace("w7", "seven")
    r = compare(old, new)
    assert r.capped
    assert r.paragraphs == (Paragraph(D, (Segment(D, old),)), Paragraph(I, (Segment(I, new),)))
    assert new_text(r) == new and old_text(r) == old


def test_the_work_budget_covers_the_whole_comparison(monkeypatch):
    monkeypatch.setattr(redline, "MAX_WORK", 40)  # room for one pair of 5 x 5 tokens, not two
    r = compare(
        "One two three four five.\n\nSix seven eight nine ten.", "One two 3 four five.\n\nSix 7 eight nine ten."
    )
    assert r.capped
    assert [p.op for p in r.paragraphs] == ["change", D, I]
    assert new_text(r) == "One two 3 four five.\n\nSix 7 eight nine ten."


def test_a_huge_paragraph_is_not_even_split(monkeypatch):
    monkeypatch.setattr(redline, "tokens", lambda text: pytest.fail("tokenised"))
    big = "word " * 20_000
    r = compare(big, big + "more")
    assert r.capped and [p.op for p in r.paragraphs] == [D, I]
    assert r.words_inserted == 20_001


def test_many_paragraphs_take_the_capped_path(monkeypatch):
    monkeypatch.setattr(redline, "MAX_PARAGRAPHS", 6)
    old = "\n\n".join(f"Para {i}." for i in range(5))
    assert not compare(old, old).capped and not compare(old, old).changed
    r = compare(old, old.replace("Para 3", "Para three"))
    assert r.capped and [p.op for p in r.paragraphs] == [D, I]
    assert new_text(r) == old.replace("Para 3", "Para three")


def test_a_real_long_text_is_fast_and_exact():
    old = "\n\n".join(f"Section {i}. The City shall levy a fee of ${i}.00 each July {i % 28 + 1}." for i in range(400))
    new = old.replace("shall levy", "may levy").replace("Section 200.", "Section 200 (amended).")
    r = compare(old, new)
    assert not r.capped
    assert new_text(r) == new and old_text(r) == old
    assert r.words_deleted == 400 and r.words_inserted == 401


WORDS = st.sampled_from(["shall", "not", "City", "July", "1", "8", ",", ".", "é", "“", "”", "ordenanza", "a"])
SEPS = st.sampled_from([" ", " ", "  ", "\n", "\n\n", "\n \n", "\t"])
TEXT = st.lists(st.tuples(WORDS, SEPS), max_size=40).map(lambda xs: "".join(w + s for w, s in xs))


def _squash(text):
    return [" ".join(p.split()) for p in redline.paragraphs(text)]


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT)
def test_segments_rebuild_both_versions(old, new):
    r = compare(old, new)
    assert new_text(r) == "\n\n".join(redline.paragraphs(new))  # exactly, paragraph by paragraph
    assert _squash(old_text(r)) == _squash(old)  # up to whitespace (whitespace changes are not shown)
    for p in r.paragraphs:
        assert p.segments, p
        assert all(a.op != b.op for a, b in zip(p.segments, p.segments[1:], strict=False))
    assert as_plain_text(r).replace("[+", "").replace("+]", "").count("[-") == sum(
        1 for p in r.paragraphs for s in p.segments if s.op == D
    )


@settings(max_examples=100, deadline=None)
@given(TEXT)
def test_identical_up_to_whitespace_is_unchanged(text):
    r = compare(text, "  ".join(text.split(" ")))
    assert not r.changed and r.words_inserted == r.words_deleted == 0


RENDER = '{% from "_redline.html" import redline %}{{ redline(data, heading="Changes") }}'


def test_the_component_marks_changes_in_words_and_escapes_everything(app):
    from flask import render_template_string

    data = compare("Pay <b>by</b> July 1.\n\nOld & gone.", "Pay <b>by</b> July 8 <script>x</script>.")
    with app.test_request_context("/"):
        html = render_template_string(RENDER, data=data)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;b&gt;by&lt;/b&gt;" in html and "Old &amp; gone." in html
    assert (
        '<ins><span class="visually-hidden">[inserted: </span>8 &lt;script&gt;x&lt;/script&gt;'
        '<span class="visually-hidden">]</span></ins>'
    ) in html
    assert '<del><span class="visually-hidden">[deleted: </span>1<span class="visually-hidden">]</span></del>' in html
    assert 'class="redline-paragraph redline-paragraph-delete"' in html
    assert "inserted text" in html and "is struck through." in html  # the legend says it in words
    assert "4 words inserted" in html and "3 words deleted" in html  # 8, script, x, script / 1, Old, gone
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        from flask_babel import force_locale

        with force_locale("es"):
            same = render_template_string(RENDER, data=compare("A.", "A."))
    assert "<ins>" not in same.split("redline-text")[1]


def test_the_style_guide_shows_the_redline(client, login_as):
    login_as("viewer")
    html = client.get("/styleguide").get_data(as_text=True)
    assert '<h2 id="sg-redline"><code>redline</code></h2>' in html
    assert "<del>" in html and "<ins>" in html and "[inserted: </span>" in html


def test_the_component_passes_axe_in_chromium(app):
    from pathlib import Path

    from flask import render_template_string

    from tests.browser import axe_violations, chromium_or_skip, chromium_page

    chromium_or_skip()
    data = compare(
        "The City shall enter the agreement.\n\nEffective July 1, 2025.\n\nCopy to the Chief.",
        "The City shall not enter the “287(g)” agreement.\n\nSection 2. Report every 90 days.\n\n"
        "Effective July 8, 2025.",
    )
    with app.test_request_context("/"):
        body = render_template_string(RENDER, data=data)
    css = Path(app.root_path, "..", "static", "css", "dais.css").read_text()
    doc = (
        f'<!doctype html><html lang="en"><head><title>Redline</title><style>{css}</style></head>'
        f"<body><main><h1>Redline</h1>{body}</main></body></html>"
    )
    with chromium_page() as page:
        page.set_content(doc)
        violations, report = axe_violations(page)
        assert violations == [], report
        assert page.locator(".redline ins").first.evaluate("e => getComputedStyle(e).textDecorationLine") == "underline"
        assert page.locator(".redline del").first.evaluate("e => getComputedStyle(e).textDecorationLine") == (
            "line-through"
        )
