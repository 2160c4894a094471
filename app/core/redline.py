"""Redlines (issue 20): two versions of a matter's text compared word by word, as a readable list of changes.

Pure: no database, no Flask. The input is the Markdown *source* of an ordinance or resolution; the output is plain
data (``Redline``) that ``templates/_redline.html`` renders as <ins>/<del> and ``as_plain_text`` renders
as "[+added+]" / "[-removed-]" for a PDF or an email. The diff is of the source text, never rendered Markdown: a
changed "**" or "#" is shown as such, and everything is HTML-escaped by Jinja when rendered.

How it compares:

1. Both texts are split into paragraphs (blank lines separate them; line endings are normalised to "\\n").
2. The paragraphs are matched with difflib (whole paragraphs as units, whitespace inside collapsed), so an
   inserted, removed or moved paragraph reads as a whole inserted/deleted paragraph, not as words smeared across
   its neighbours.
3. Where a run of old paragraphs is *replaced* by a run of new ones, the runs are paired one to one (the first
   old with the first new, ...) and each pair is compared word by word; the surplus is whole inserted or deleted
   paragraphs.
4. Inside a paragraph the tokens are words and single punctuation marks, each with the whitespace after it, so
   "shall" to "shall not" is one inserted word and "July 1, 2025" to "July 8, 2025" one replaced token. A changed
   run keeps what both sides share at its ends (on word boundaries) as equal text, and a replaced word's trailing
   space goes with the text after it, so the marks hug the words: "The [-Manager-][+Clerk+] shall" (an inserted
   word after a space keeps its own: "shall [+not +]enter").

Whitespace: a change of whitespace alone (a re-wrapped line, two spaces for one, a line break for a space) is *not*
shown: tokens are compared by their word and whether whitespace follows (not which), and the equal text is taken
from the new version. Whitespace added or removed between two words does change them ("shall shall" to
"shallshall") and is shown. The segments therefore rebuild the new text exactly, and the old one up to the kind of
whitespace (see ``old_text``/``new_text``; tested with Hypothesis).

The work is capped, with a clear fallback: a paragraph pair over ``MAX_CHARS`` characters or ``MAX_TOKENS`` tokens,
or one that would take the comparison past ``MAX_WORK`` (the sum of old x new tokens over pairs, difflib's worst
case), is shown as a whole deleted and a whole inserted paragraph; beyond ``MAX_PARAGRAPHS`` paragraphs in total
the texts are one deleted and one inserted block unless identical. ``Redline.capped`` is then true, and the page
says the comparison is coarse. A 40-paragraph ordinance rewritten throughout compares in well under a second.
"""

import difflib
import os
import re
from dataclasses import dataclass, field
from typing import Literal

Op = Literal["equal", "insert", "delete"]

#: Tokens in one paragraph pair beyond which the pair is not compared word by word.
MAX_TOKENS = 4000
#: Characters in one paragraph pair beyond which it is not even split into tokens.
MAX_CHARS = 40_000
#: The whole comparison's budget of word-by-word work (the sum over pairs of old tokens x new tokens, difflib's
#: worst case); a pair that would exceed what is left is compared as whole paragraphs instead.
MAX_WORK = 4_000_000
#: Paragraphs (old + new) beyond which the texts are not compared paragraph by paragraph.
MAX_PARAGRAPHS = 4000

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_TOKEN = re.compile(r"\s+|\w+\s*|[^\w\s]\s*", re.UNICODE)
_WORDS = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the comparison. ``op`` is "equal" when unchanged, "insert"/"delete" when the whole
    paragraph is new/gone, "change" when its words changed (then the segments tell which)."""

    op: Literal["equal", "insert", "delete", "change"]
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Redline:
    paragraphs: tuple[Paragraph, ...] = ()
    words_inserted: int = 0
    words_deleted: int = 0
    capped: bool = False
    summary: dict = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(p.op != "equal" for p in self.paragraphs)


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs: split on blank lines, outer whitespace trimmed, empty ones dropped."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()] if text else []


def tokens(paragraph: str) -> list[str]:
    """Words and single punctuation marks, each with the whitespace after it; joined they give the paragraph back
    exactly. (Whitespace is not a token of its own: it would be most of them, and the one difflib finds everywhere.)"""
    return _TOKEN.findall(paragraph)


def _key(token: str) -> str:
    """What a token is compared by: its word, and whether whitespace follows it (not which whitespace)."""
    word = token.rstrip()
    return word + " " if word != token else word


def _boundary(text: str, i: int) -> bool:
    return i <= 0 or i >= len(text) or not (_WORDS.match(text[i - 1]) and _WORDS.match(text[i]))


def _change(deleted: str, inserted: str, after_space: bool = False) -> list[Segment]:
    """One changed run: the text both sides share at its ends (on word boundaries) stays equal ("200" to
    "200 (amended)" inserts " (amended)"), and an inserted word's trailing space goes with the equal text after it
    when the deleted side had one too ("The [-Manager-][+Clerk+] shall"), or when nothing was deleted and no space
    comes before ("[+Staff+] shall"); after a space, an inserted word keeps its own ("shall [+not +]enter"), else the
    old text would get two."""
    n = len(os.path.commonprefix([deleted, inserted]))
    while n and not (_boundary(deleted, n) and _boundary(inserted, n)):
        n -= 1
    head, deleted, inserted = inserted[:n], deleted[n:], inserted[n:]
    m = len(os.path.commonprefix([deleted[::-1], inserted[::-1]]))
    while m and not (_boundary(deleted, len(deleted) - m) and _boundary(inserted, len(inserted) - m)):
        m -= 1
    tail = inserted[len(inserted) - m :] if m else ""
    deleted, inserted = deleted[: len(deleted) - m], inserted[: len(inserted) - m]
    space = ""
    word = inserted.rstrip()
    if word != inserted and (deleted.rstrip() != deleted if deleted else not (head or after_space)):
        space = inserted[len(word) :]
        inserted, deleted = word, deleted.rstrip()
    return [
        Segment("equal", head),
        Segment("delete", deleted),
        Segment("insert", inserted),
        Segment("equal", space + tail),
    ]


def _words(text: str) -> int:
    return len(_WORDS.findall(text))


def _norm(paragraph: str) -> str:
    return " ".join(paragraph.split())


def _whole(op: Op, text: str) -> Paragraph:
    return Paragraph(op, (Segment(op, text),))


def _merge(segments: list[Segment]) -> tuple[Segment, ...]:
    merged: list[Segment] = []
    for seg in segments:
        if not seg.text:
            continue
        if merged and merged[-1].op == seg.op:
            merged[-1] = Segment(seg.op, merged[-1].text + seg.text)
        else:
            merged.append(seg)
    return tuple(merged)


def _compare_paragraph(old: str, new: str, budget: list[int]) -> tuple[list[Paragraph], bool]:
    """Word by word; a pair over a cap is one deleted and one inserted paragraph. ``budget`` is the work left."""
    if len(old) + len(new) > MAX_CHARS:
        return [_whole("delete", old), _whole("insert", new)], True
    a, b = tokens(old), tokens(new)
    if len(a) + len(b) > MAX_TOKENS or len(a) * len(b) > budget[0]:
        return [_whole("delete", old), _whole("insert", new)], True
    budget[0] -= len(a) * len(b)
    matcher = difflib.SequenceMatcher(None, [_key(t) for t in a], [_key(t) for t in b], autojunk=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment("equal", "".join(b[j1:j2])))
            continue
        after_space = bool(segments) and segments[-1].text[-1:].isspace()
        segments += _change("".join(a[i1:i2]), "".join(b[j1:j2]), after_space)
    segments = list(_merge(segments))
    # A change that only touched whitespace (equal keys) is no change.
    op = "equal" if all(s.op == "equal" for s in segments) else "change"
    return [Paragraph(op, tuple(segments))], False


def compare(old: str, new: str) -> Redline:
    """The redline from ``old`` to ``new`` (Markdown source, or any plain text)."""
    a, b = paragraphs(old), paragraphs(new)
    out: list[Paragraph] = []
    capped = False
    budget = [MAX_WORK]
    if len(a) + len(b) > MAX_PARAGRAPHS:
        if [_norm(p) for p in a] == [_norm(p) for p in b]:
            out = [_whole("equal", p) for p in b]
        else:
            out = [_whole("delete", "\n\n".join(a)), _whole("insert", "\n\n".join(b))]
            capped = True
        return _finish(out, capped)
    matcher = difflib.SequenceMatcher(None, [_norm(p) for p in a], [_norm(p) for p in b], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(_whole("equal", p) for p in b[j1:j2])
        elif tag == "delete":
            out.extend(_whole("delete", p) for p in a[i1:i2])
        elif tag == "insert":
            out.extend(_whole("insert", p) for p in b[j1:j2])
        else:  # replace: pair them in order, the surplus whole
            pairs = min(i2 - i1, j2 - j1)
            for k in range(pairs):
                paras, hit = _compare_paragraph(a[i1 + k], b[j1 + k], budget)
                out.extend(paras)
                capped = capped or hit
            out.extend(_whole("delete", p) for p in a[i1 + pairs : i2])
            out.extend(_whole("insert", p) for p in b[j1 + pairs : j2])
    return _finish(out, capped)


def _finish(out: list[Paragraph], capped: bool) -> Redline:
    inserted = sum(_words(s.text) for p in out for s in p.segments if s.op == "insert")
    deleted = sum(_words(s.text) for p in out for s in p.segments if s.op == "delete")
    changed = sum(1 for p in out if p.op != "equal")
    summary = {"words_inserted": inserted, "words_deleted": deleted, "paragraphs_changed": changed}
    return Redline(tuple(out), inserted, deleted, capped, summary)


def _side(redline: Redline, keep: Op) -> str:
    parts = []
    for p in redline.paragraphs:
        text = "".join(s.text for s in p.segments if s.op in ("equal", keep))
        if text:
            parts.append(text)
    return "\n\n".join(parts)


def new_text(redline: Redline) -> str:
    """The new version rebuilt from the segments (equal + insert): its paragraphs joined by a blank line."""
    return _side(redline, "insert")


def old_text(redline: Redline) -> str:
    """The old version rebuilt from the segments (equal + delete); whitespace as in the new version where equal."""
    return _side(redline, "delete")


def as_plain_text(redline: Redline) -> str:
    """For a PDF or an email: "[+added+]" and "[-removed-]" marks, paragraphs separated by a blank line."""
    marks = {"equal": ("", ""), "insert": ("[+", "+]"), "delete": ("[-", "-]")}
    parts = []
    for p in redline.paragraphs:
        parts.append("".join(f"{marks[s.op][0]}{s.text}{marks[s.op][1]}" for s in p.segments))
    return "\n\n".join(parts)
