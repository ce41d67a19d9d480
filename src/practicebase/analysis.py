"""Text analysis for search: analyzers, the word list, acronyms and synonyms, Markdown to text.

Words, stop words and spelling folding live in `practicebase.textnorm` (also used by the
duplicate check); `STOP_WORDS`, `WORD_PATTERN`, `SpellingFolder`, `spelling_folder` and
`words` stay importable from here. The same analyzer runs at index and query time, so a
folded spelling never has to be a real word: it only has to be the same for both spellings.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from practicebase import textnorm
from practicebase.lazyre import lazy_pattern

# Re-exported: search and its tests import these from here.
from practicebase.textnorm import (  # noqa: F401
    STOP_WORDS,
    WORD_PATTERN,
    SpellingFolder,
    spelling_folder,
)
from practicebase.textnorm import folder_for as _folder_for
from practicebase.textnorm import variants_key as _variants_key
from practicebase.vocabulary import Vocabulary

words = textnorm.words  # re-exported, as the names above


def text_analyzer(vocabulary: Vocabulary):
    """Whoosh analyzer for searchable text: words, lowercase, spelling folded, Porter stem.

    No stop-word filter: it renumbers positions, which lets phrases match across a dropped word.
    Common words are left out of plain queries instead (`STOP_WORDS`).
    """
    return _analyzer_for(_variants_key(vocabulary))


def index_analyzer(vocabulary: Vocabulary):
    """The analyzer for indexed text: `text_analyzer` plus one extra term wherever a
    multi-word acronym expansion or synonym occurs (`prevent_case_manag` for "Prevent Case
    Management"), so queries for them are single-term lookups instead of phrase checks."""
    return _index_analyzer_for(_variants_key(vocabulary), expansions(vocabulary).joinable)


@lru_cache(maxsize=8)
def _index_analyzer_for(
    variants: tuple[tuple[str, str], ...], sequences: tuple[tuple[str, ...], ...]
):
    return _analyzer_for(variants) | _join_filter_class()(sequences)


def joined(seq: tuple[str, ...]) -> str:
    """The single index term standing for a multi-word sequence of terms."""
    return "_".join(seq)


@lru_cache(maxsize=1)
def _join_filter_class():
    from collections import deque

    from whoosh.analysis import Filter

    class SequenceJoinFilter(Filter):
        """Passes every token on, and after the last token of a known sequence also yields
        the joined term, spanning the sequence's characters."""

        def __init__(self, sequences: tuple[tuple[str, ...], ...] = ()):
            self.sequences = tuple(sequences)
            self._setup()

        def _setup(self) -> None:
            ends: dict[str, list[tuple[str, ...]]] = {}
            for seq in self.sequences:
                ends.setdefault(seq[-1], []).append(seq)
            self._ends = ends
            self._longest = max((len(q) for q in self.sequences), default=1)

        def __eq__(self, other: object) -> bool:
            return type(other) is type(self) and other.sequences == self.sequences

        def __hash__(self) -> int:
            return hash(self.sequences)

        def __getstate__(self) -> dict:
            return {"sequences": self.sequences}

        def __setstate__(self, state: dict) -> None:
            self.sequences = state["sequences"]
            self._setup()

        def __call__(self, tokens):
            ends = self._ends
            recent: deque = deque(maxlen=self._longest)
            for t in tokens:
                yield t
                text = t.text
                start = getattr(t, "startchar", None)
                recent.append((text, start))
                candidates = ends.get(text)
                if not candidates:
                    continue
                for seq in candidates:
                    n = len(seq)
                    if len(recent) < n:
                        continue
                    window = list(recent)[-n:]
                    if tuple(w for w, _s in window) != seq:
                        continue
                    t.text = joined(seq)
                    if start is not None and window[0][1] is not None:
                        t.startchar = window[0][1]
                    yield t
                    t.text = text
                    if start is not None:
                        t.startchar = start

    SequenceJoinFilter.__module__ = __name__
    SequenceJoinFilter.__qualname__ = "SequenceJoinFilter"
    globals()["SequenceJoinFilter"] = SequenceJoinFilter
    return SequenceJoinFilter


@lru_cache(maxsize=8)
def _analyzer_for(variants: tuple[tuple[str, str], ...]):
    from whoosh.analysis import RegexTokenizer

    return RegexTokenizer(WORD_PATTERN.pattern) | _filter_class()(variants)


@lru_cache(maxsize=1)
def _filter_class():
    from whoosh.analysis import Filter
    from whoosh.lang.porter import stem

    class SpellingStemFilter(Filter):
        """Lowercase, fold British/American spellings, then Porter-stem, in one cached step.

        One filter instead of three halves the per-token cost of indexing. Pickles (inside the
        index's schema) as its variant list only.
        """

        def __init__(self, variants: tuple[tuple[str, str], ...] = ()):
            self.variants = tuple(variants)
            self._cache: dict[str, str] = {}

        def __eq__(self, other: object) -> bool:
            return type(other) is type(self) and other.variants == self.variants

        def __hash__(self) -> int:
            return hash(self.variants)

        def __getstate__(self) -> dict:
            return {"variants": self.variants}

        def __setstate__(self, state: dict) -> None:
            self.variants = state["variants"]
            self._cache = {}

        def term_of(self, text: str) -> str:
            """The index term of one word (what `__call__` makes of a token's text)."""
            out = self._cache.get(text)
            if out is None:
                out = stem(_folder_for(self.variants)(text.lower()))
                if len(self._cache) < 200_000:
                    self._cache[text] = out
            return out

        def __call__(self, tokens):
            cache = self._cache
            fold = _folder_for(self.variants)
            for t in tokens:
                text = t.text
                out = cache.get(text)
                if out is None:
                    out = stem(fold(text.lower()))
                    if len(cache) < 200_000:
                        cache[text] = out
                t.text = out
                yield t

    SpellingStemFilter.__module__ = __name__
    SpellingStemFilter.__qualname__ = "SpellingStemFilter"
    globals()["SpellingStemFilter"] = SpellingStemFilter
    return SpellingStemFilter


def __getattr__(name: str):
    # Lets a pickled index schema find the filter class without importing Whoosh eagerly.
    if name == "SpellingStemFilter":
        return _filter_class()
    if name == "SequenceJoinFilter":
        return _join_filter_class()
    raise AttributeError(name)


class WordList:
    """The unstemmed words of the indexed entries with document counts, for spelling help and
    prefixes. Kept beside the index (`words.json`) rather than as an index field: a field would
    nearly double the postings Whoosh writes, and so the indexing time."""

    def __init__(self, counts: dict[str, int] | None = None):
        self.counts: dict[str, int] = dict(counts or {})
        self._sorted: list[str] | None = None

    @property
    def sorted_words(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.counts)
        return self._sorted

    def add(self, words: Iterable[str]) -> None:
        counts = self.counts
        for w in words:
            counts[w] = counts.get(w, 0) + 1
        self._sorted = None

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    def frequency(self, word: str) -> int:
        return self.counts.get(word, 0)

    def with_prefix(self, prefix: str, limit: int, scan: int = 5000) -> list[str]:
        """Up to `limit` words starting with `prefix`, most frequent first."""
        import bisect

        words = self.sorted_words
        i = bisect.bisect_left(words, prefix)
        found: list[tuple[int, str]] = []
        for word in words[i : i + scan]:
            if not word.startswith(prefix):
                break
            found.append((-self.counts[word], word))
        found.sort()
        return [w for _c, w in found[:limit]]

    def closest(self, word: str, maxdist: int, n: int = 3) -> list[str]:
        """Known words within `maxdist` edits sharing the first letter; nearest, then commonest."""
        import bisect

        from whoosh.automata.fsa import find_all_matches
        from whoosh.automata.lev import levenshtein_automaton
        from whoosh.support.levenshtein import distance

        words = self.sorted_words
        if not words or not word:
            return []

        def lookup(key: str) -> str | None:
            i = bisect.bisect_left(words, key)
            return words[i] if i < len(words) else None

        dfa = levenshtein_automaton(word, maxdist, prefix=1).to_dfa()
        found = [
            (distance(word, w), -self.counts[w], w)
            for w in find_all_matches(dfa, lookup)
            if w != word
        ]
        found.sort()
        if not found:
            return []
        best = found[0][0]
        return [w for d, _c, w in found if d == best][:n]

    def to_json(self) -> str:
        import json

        return json.dumps(self.counts, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> WordList:
        import json

        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("word list is not a mapping")
        words = cls()
        # JSON keys are strings; the parsed mapping is used as it is when every count is an
        # int (what `to_json` writes), sparing a search a copy of the whole list.
        if all(type(count) is int for count in data.values()):
            words.counts = data
        else:
            words.counts = {k: int(v) for k, v in data.items()}
        return words


# --- Markdown to plain text ---------------------------------------------------------------

# Every pattern stays on one line and is bounded, so hostile input (thousands of `[`, `*`, `<`
# or blank lines) is processed in linear time.
_FENCE = lazy_pattern(r"^(?:```|~~~)[^\n]*$", re.MULTILINE)
_IMAGE = lazy_pattern(r"!\[([^\[\]\n]{0,300})\]\([^()\n]{0,500}\)")
_LINK = lazy_pattern(r"\[([^\[\]\n]{1,300})\]\((?:[^()\n]|\([^()\n]{0,200}\)){0,500}\)")
_REF_LINK = lazy_pattern(r"\[([^\[\]\n]{1,300})\]\[[^\[\]\n]{0,100}\]")
_REF_DEF = lazy_pattern(r"^[ ]{0,3}\[[^\[\]\n]{1,300}\]:[ \t]+\S[^\n]*$", re.MULTILINE)
_AUTOLINK = lazy_pattern(r"<((?:https?|mailto):[^<>\s]{1,500})>")
_TAG = lazy_pattern(r"</?[A-Za-z][^<>\n]{0,200}>")
_HEADING = lazy_pattern(r"^[ ]{0,3}#{1,6}[ \t]*([^\n]*)$", re.MULTILINE)
_SETEXT = lazy_pattern(r"^[ ]{0,3}(?:=+|-+)[ \t]*$", re.MULTILINE)
_QUOTE = lazy_pattern(r"^[ ]{0,3}>[ ]?", re.MULTILINE)
_BULLET = lazy_pattern(r"^([ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+", re.MULTILINE)
_RULE = lazy_pattern(
    r"^[ ]{0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$", re.MULTILINE
)
_STARS = lazy_pattern(r"\*+")
_UNDERSCORES = lazy_pattern(r"(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])")
_CODE = lazy_pattern(r"`+")
_TABLE_RULE = lazy_pattern(
    r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.MULTILINE
)
_ESCAPE = lazy_pattern(r"\\([\\`*_{}\[\]()#+\-.!|>])")
# Runs of blanks become one space first: patterns anchored at a line start that begin with
# `[ \t]*` would otherwise backtrack quadratically over a long run of them.
_BLANK_RUN = lazy_pattern(r"[ \t]*\t[ \t]*| {2,}")
_BLANKS = lazy_pattern(r"\n{3,}")


def _heading_text(match: re.Match[str]) -> str:
    # Closing hashes are stripped here, not in the pattern, which kept it linear.
    return match.group(1).rstrip(" \t#")


# A character reference as `html.unescape` reads one. Its numeric forms can have any number of
# digits, which `html.unescape` hands to int(): over 4,300 digits that raises ValueError (and
# costs quadratic time before). Here the digits are trimmed first: a number with more
# significant digits than any code point has is out of range, U+FFFD, as `html.unescape` says.
_CHARREF = lazy_pattern(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")


def _charref(match: re.Match[str]) -> str:
    ref = match.group(1)
    if ref[0] != "#":
        return html.unescape(match.group(0))  # a named reference: at most 32 characters
    hexadecimal = ref[1] in "xX"
    digits = ref[2 if hexadecimal else 1 :].rstrip(";").lstrip("0") or "0"
    if len(digits) > (6 if hexadecimal else 7):
        return "\ufffd"
    return html.unescape(f"&#{'x' if hexadecimal else ''}{digits};")


def unescape_html(text: str) -> str:
    """`html.unescape` that never raises and stays linear, however long a numeric reference."""
    return _CHARREF.sub(_charref, text) if "&" in text else text


def markdown_to_text(body: str) -> str:
    """The readable text of a Markdown body: no `#`, `**`, link targets or HTML tags.

    A regular-expression pass rather than a full render: it is about 20 times faster than the
    `markdown` package (1.6 ms per 650-word entry, 16 s over 10,000 entries) and only has to
    keep markup out of the index and out of snippets.
    """
    text = body.replace("\r\n", "\n")
    text = _BLANK_RUN.sub(" ", text)
    # Each pass only when its marker character occurs: most bodies have no fences, images,
    # tags or escapes, and a pass over the whole text costs as much as finding nothing.
    if "```" in text or "~~~" in text:
        text = _FENCE.sub("", text)
    if "[" in text:
        text = _REF_DEF.sub("", text)
    if "---" in text:
        text = _TABLE_RULE.sub("", text)
    if "![" in text:
        text = _IMAGE.sub(r"\1", text)
    if "[" in text:
        text = _LINK.sub(r"\1", text)
        text = _REF_LINK.sub(r"\1", text)
    if "<" in text:
        text = _AUTOLINK.sub(r"\1", text)
        text = _TAG.sub("", text)
    text = _RULE.sub("", text)
    if "#" in text:
        text = _HEADING.sub(_heading_text, text)
    text = _SETEXT.sub("", text)
    if ">" in text:
        text = _QUOTE.sub("", text)
    text = _BULLET.sub(r"\1", text)
    if "`" in text:
        text = _CODE.sub("", text)
    if "*" in text:
        text = _STARS.sub("", text)
    if "_" in text:
        text = _UNDERSCORES.sub("", text)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    text = text.replace("|", " ")
    text = unescape_html(text)
    text = _BLANK_RUN.sub(" ", text)
    text = _BLANKS.sub("\n\n", text)
    return text.strip()


# --- Query widening: acronyms and synonyms --------------------------------------------------


@dataclass(frozen=True)
class Expansions:
    """Acronyms and synonym groups as analysed (folded, stemmed) term sequences."""

    # acronym term -> expansion terms, and expansion terms -> acronym term
    equivalents: dict[tuple[str, ...], tuple[tuple[str, ...], ...]]
    # term sequence -> the other members of its synonym groups
    synonyms: dict[tuple[str, ...], tuple[tuple[str, ...], ...]]
    # longest term sequence among keys
    longest: int
    # every multi-term sequence above, which the index also holds as one joined term
    joinable: tuple[tuple[str, ...], ...] = ()

    def alternatives(
        self, seq: tuple[str, ...]
    ) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
        """(equivalents, synonyms) of a term sequence: acronym<->expansion, then synonyms."""
        return self.equivalents.get(seq, ()), self.synonyms.get(seq, ())


def analyse(analyzer, text: str) -> tuple[str, ...]:
    """The index terms of `text` under a Whoosh analyzer."""
    return tuple(t.text for t in analyzer(text))


@lru_cache(maxsize=8)
def _expansions(
    variants: tuple[tuple[str, str], ...],
    acronym_items: tuple[tuple[str, str], ...],
    groups: tuple[tuple[str, ...], ...],
) -> Expansions:
    analyzer = _analyzer_for(variants)
    equivalents: dict[tuple[str, ...], list[tuple[str, ...]]] = {}

    def link(a: tuple[str, ...], b: tuple[str, ...]) -> None:
        if a and b and a != b:
            bucket = equivalents.setdefault(a, [])
            if b not in bucket:
                bucket.append(b)

    for acro, expansion in acronym_items:
        short, long = analyse(analyzer, acro), analyse(analyzer, expansion)
        if len(short) == 1 and long:
            link(short, long)
            link(long, short)
    synonyms: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for group in groups:
        keys = [k for k in (analyse(analyzer, w) for w in group) if k]
        for k in keys:
            others = synonyms.setdefault(k, [])
            for other in keys:
                if other != k and other not in others:
                    others.append(other)
    longest = max([len(k) for k in (*equivalents, *synonyms)] or [1])
    multi = {k for k in (*equivalents, *synonyms) if len(k) > 1}
    return Expansions(
        equivalents={k: tuple(v) for k, v in equivalents.items()},
        synonyms={k: tuple(v) for k, v in synonyms.items()},
        longest=longest,
        joinable=tuple(sorted(multi)),
    )


def expansions(vocabulary: Vocabulary) -> Expansions:
    """The vocabulary's acronyms and synonyms as analysed term sequences (cached)."""
    return _expansions(
        _variants_key(vocabulary),
        tuple(sorted(vocabulary.acronyms.items())),
        tuple(vocabulary.synonyms),
    )
