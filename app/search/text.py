"""Text as search sees it: the same normalization for what is indexed and what is typed, and snippets.

- Accents and case are folded ("Votación" -> "votacion"), NUL and control characters dropped.
- A number followed by one letter, with or without brackets or a space, is one token: "287(g)", "287 g" and
  "287g" all become "287g". The indexed text also keeps the bare number ("287g 287"), so "287" finds it too.
- A resolution number or file number typed as "25-123", "2025-123" or "25-0123" names a record (``refs_in``).
- Words are stemmed in English and Spanish: by PostgreSQL's configurations, and on SQLite by FTS5's porter
  tokenizer plus a column of Spanish stems (Snowball, ``snowballstemmer``).
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from markupsafe import Markup, escape

#: Longest query read (characters); the rest is left off and the page says so.
MAX_QUERY_CHARS = 300
#: Most words (and phrases) used from one query.
MAX_TERMS = 12
#: Most characters of a document's text put in the index (a long attachment's tail is not searched).
MAX_INDEXED_CHARS = 300_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: "287(g)", "287 (g)", "287 g", "287-g", "287g": a number and one letter that stands alone.
_NUMBER_LETTER = re.compile(r"\b(\d+)[\s\-]*(?:\(\s*([a-z])\s*\)|([a-z]))(?![\w(])")
_WORD = re.compile(r"[^\W_]+")
#: "25-187" is two numbers to both databases' tokenizers (PostgreSQL would read "-187" as a negative number).
_NUMBER_DASH = re.compile(r"(?<=\d)[-‐–](?=\d)")
_PHRASE = re.compile(r'"([^"]*)"')
#: "25-123", "2025-123", "25-0123", "Resolution 25 - 123".
_REF = re.compile(r"(?<![\d-])(\d{4}|\d{2})\s*[-‐–]\s*(\d{1,4})(?![\d-])")

_SPANISH = snowballstemmer.stemmer("spanish")


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    decomposed = unicodedata.normalize("NFKD", c)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return kept if len(kept) == 1 else c.lower()


#: Accented Latin letters to their base letter, applied by str.translate (C speed; long texts are folded often).
_FOLD_TABLE = {cp: _fold_char(chr(cp)) for cp in range(0xC0, 0x250) if _fold_char(chr(cp)) != chr(cp).lower()}


def fold(value: str) -> str:
    """Lower case without accents, one character for one (so positions in the folded text are the original's)."""
    value = _CONTROL.sub(" ", value)
    if value.isascii():
        return value.lower()
    folded = value.translate(_FOLD_TABLE).lower()
    if len(folded) == len(value) and folded.isascii():
        return folded
    return "".join(_fold_char(c) for c in value)


def _joined(match: re.Match, *, keep_number: bool) -> str:
    number, letter = match.group(1), match.group(2) or match.group(3)
    return f"{number}{letter} {number}" if keep_number else f"{number}{letter}"


def normalize_document(value: str) -> str:
    """What the index stores for a title or text."""
    folded = _NUMBER_DASH.sub(" ", fold(value[:MAX_INDEXED_CHARS]))
    return _NUMBER_LETTER.sub(lambda m: _joined(m, keep_number=True), folded)


def spanish_stems(normalized: str) -> str:
    """The distinct Spanish stems that differ from their word (SQLite's ``stems`` column)."""
    words = set(_WORD.findall(normalized))
    return " ".join(sorted({s for w in words if (s := _SPANISH.stemWord(w)) != w}))


@lru_cache(maxsize=4096)
def spanish_stem(word: str) -> str:
    return _SPANISH.stemWord(word)


@dataclass
class Query:
    """A typed query read once: its words, phrases and the record numbers it names."""

    words: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    #: ``refs`` in the order an exact match is listed: the form typed first.
    ref_order: list[str] = field(default_factory=list)
    trimmed: bool = False

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases and not self.refs

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def all_words(self) -> list[str]:
        return self.words + [w for p in self.phrases for w in p]


def refs_in(value: str) -> list[str]:
    """The resolution number (YY-NNN) and file number (YY-NNNN) a query may name, first; then the same with the
    year in four digits, for a city whose file numbers follow "{yyyy}-{nnnn}" ("2025-0123")."""
    match = _REF.search(value)
    if not match:
        return []
    year, seq = match.group(1)[-2:], int(match.group(2))
    full = match.group(1) if len(match.group(1)) == 4 else f"20{year}"
    return [f"{year}-{seq:03d}", f"{year}-{seq:04d}", f"{full}-{seq:03d}", f"{full}-{seq:04d}"]


def refs_as_typed(value: str) -> list[str]:
    """The same numbers, nearest to what was typed first: "25-187" names resolution 25-187 before file 25-0187,
    "2025-0123" names file 2025-0123 (or 25-0123) before resolution 25-123."""
    refs = refs_in(value)
    if not refs:
        return []
    match = _REF.search(value)
    seq_width, year_width = len(match.group(2)), len(match.group(1))

    def nearness(ref: str) -> tuple[int, int]:
        year, seq = ref.split("-")
        return (len(seq) != seq_width, len(year) != year_width)

    return sorted(refs, key=nearness)


def parse(raw: str) -> Query:
    """Read a query: never an error, whatever was typed; over-long input is trimmed and ``trimmed`` set."""
    trimmed = len(raw) > MAX_QUERY_CHARS
    text = raw[:MAX_QUERY_CHARS]
    query = Query(refs=refs_in(text), ref_order=refs_as_typed(text))
    folded = fold(text)
    for phrase in _PHRASE.findall(folded):
        words = _WORD.findall(_NUMBER_LETTER.sub(lambda m: _joined(m, keep_number=False), phrase))
        if len(words) > 1:
            query.phrases.append(words[:MAX_TERMS])
        elif words:
            query.words.extend(words)
    rest = _NUMBER_LETTER.sub(lambda m: _joined(m, keep_number=False), _PHRASE.sub(" ", folded))
    seen = set(query.words)
    for word in _WORD.findall(rest):
        if word not in seen:
            seen.add(word)
            query.words.append(word)
    if len(query.words) + len(query.phrases) > MAX_TERMS:
        trimmed = True
        query.phrases = query.phrases[:MAX_TERMS]
        query.words = query.words[: MAX_TERMS - len(query.phrases)]
    query.trimmed = trimmed
    return query


# ---- snippets -----------------------------------------------------------------------------------------------------

SNIPPET_BEFORE = 80
SNIPPET_AFTER = 180


def _term_pattern(word: str) -> str:
    if m := re.fullmatch(r"(\d+)([a-z])", word):
        return rf"{m.group(1)}[\s\-]*\(?\s*{m.group(2)}\b\)?"
    stems = [word, spanish_stem(word)]
    stem = min((s for s in stems if len(s) >= 3), key=len, default=word)
    # English stems shorten a word by at most a few letters; a prefix of the word covers them.
    if len(word) > 5:
        stem = min(stem, word[: max(4, len(word) - 3)], key=len)
    return rf"\b{re.escape(stem)}\w*"


@lru_cache(maxsize=256)
def _compiled(words: tuple[str, ...]) -> re.Pattern | None:
    return re.compile("|".join(_term_pattern(w) for w in words)) if words else None


def _pattern(query: Query) -> re.Pattern | None:
    return _compiled(tuple(sorted(set(query.all_words), key=len, reverse=True)))


def highlight(text: str, query: Query, *, window: bool = False) -> Markup:
    """The text escaped, each match in ``<mark>``; with ``window`` only the stretch around the first match."""
    pattern = _pattern(query)
    folded = fold(text)
    matches = list(pattern.finditer(folded)) if pattern else []
    start, end = 0, len(text)
    if window:
        first = matches[0].start() if matches else 0
        start = max(0, first - SNIPPET_BEFORE)
        end = min(len(text), first + SNIPPET_AFTER)
        if start > 0:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < first else start
        if end < len(text):
            space = text.rfind(" ", first, end)
            end = space if space > first else end
    out, at = [], start
    for m in matches:
        if m.start() < start or m.end() > end or m.start() < at:
            continue
        out.append(escape(text[at : m.start()]))
        out.append(Markup("<mark>%s</mark>") % text[m.start() : m.end()])
        at = m.end()
    out.append(escape(text[at:end]))
    result = Markup("").join(out)
    if window:
        result = (
            (Markup("… ") if start > 0 else Markup("")) + result + (Markup(" …") if end < len(text) else Markup(""))
        )
    return result
