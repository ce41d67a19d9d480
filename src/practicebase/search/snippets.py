"""Snippets: the window of a hit's text holding the most matched words, with their spans."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from whoosh.lang.porter import stem

from practicebase.analysis import WORD_PATTERN, joined
from practicebase.lazyre import lazy_pattern
from practicebase.sanitize import clean_line
from practicebase.textnorm import SpellingFolder

SNIPPET_CHARS = 220


def shorten(text: str, limit: int = SNIPPET_CHARS) -> str:
    """`text` as one clean line of at most `limit` characters, cut at a space."""
    text = " ".join(clean_line(text).split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


# A snippet comes from the first this many characters of a field: the cost of a results page
# stays bounded whatever the length of an entry.
SCAN_CHARS = 20_000
STEM_CACHE = 200_000


def candidate_starts(terms: Iterable[str], fold: SpellingFolder) -> frozenset[str] | None:
    """The first two characters a lowercase word must begin with (the whole word, if
    shorter) to analyse to one of `terms`; None when any word might (a one-letter term).

    A word's term is `stem(fold(word))`. Porter's steps only rewrite endings, each keeping
    the start of the word: the first character always, the second unless a final "y" after
    a lone vowel becomes "i" ("ays" -> "ai"); so a term's first two characters are the
    folded word's, with "i" standing for "y" in second place. Folding keeps the first two
    characters too, except for the words the variant list respells (`fold.respelled()`),
    whose own starts are added. A one-letter term can come from a longer word ("ies" ->
    "i"), hence None. tests/search/test_snippets.py checks both properties over many words.
    """
    starts: set[str] = set()
    for term in terms:
        if len(term) < 2:
            return None
        starts.add(term[:2])
        if term[1] == "i":
            starts.add(term[0] + "y")
    for word, folded in fold.respelled():
        if folded[:2] in starts:
            starts.add(word[:2])
    return frozenset(starts)


# `WORD_PATTERN` (`\w+(?:[.'’]\w+)*`) written with its curly apostrophe apart: a class
# mixing it with ASCII costs a 65,536-entry table to compile (0.2 ms each). A word starts
# at a word character that follows neither one nor one and an inner separator.
_WORD_START = r"(?<!\w)(?<!\w[.'])(?<!\w’)"
_WORD = r"\w+(?:(?:[.']|’)\w+)*"
_WORD_CHAR = lazy_pattern(r"\w")


def candidate_words(starts: frozenset[str] | None) -> re.Pattern[str]:
    """A pattern matching the words of a text as `WORD_PATTERN` splits it, but only those
    that may begin with one of `starts` once lowercased: those whose first two characters
    match one, ignoring case, and every word with a non-ASCII letter among its first two
    (their lowercase can differ in length or script; `Snippets` checks them exactly).
    With no `starts`, every word. The regular expression engine then skips most words of
    a text, as Python code cannot."""
    if starts is None:
        return WORD_PATTERN
    wanted = "|".join(re.escape(start) for start in sorted(starts))
    return re.compile(rf"{_WORD_START}(?=(?i:{wanted})|[^\x00-\x7f]|\w[^\x00-\x7f]){_WORD}")


class Snippets:
    """Highlighted snippets for the hits on screen, found by analysing their stored text as
    the index did (words, lowercase, spelling folded, Porter stem): a word is marked where it
    analyses to a term the query searched, and a multi-word expansion where its words follow
    each other. Reading the offsets from the postings instead reads whole posting blocks of
    every query term, and the pipeline of Whoosh's analyzer costs several times this loop.

    Only words that can analyse to a searched term are stemmed (`candidate_starts`): the
    shown text of a page of hits holds thousands of distinct words, and a fresh process
    would otherwise stem every one of them.
    """

    def __init__(
        self,
        terms: set[str],
        fold: SpellingFolder,
        joinable: Iterable[tuple[str, ...]] = (),
        stems: dict[str, str] | None = None,
    ) -> None:
        self._terms = frozenset(terms)
        self._fold = fold
        self._sequences = [seq for seq in joinable if joined(seq) in self._terms]
        # Every term a single word must analyse to for a span: the searched terms and the
        # words of the searched multi-word expansions.
        self._wanted = self._terms.union(*self._sequences)
        self._starts = candidate_starts(self._wanted, fold)
        self._words = candidate_words(self._starts)
        self._sequences_from: dict[str, list[tuple[str, ...]]] = {}
        for seq in self._sequences:
            self._sequences_from.setdefault(seq[0], []).append(seq)
        # word -> term, shared between the searches of one searcher (same vocabulary), so
        # it holds analyses only, never what one query made of a word.
        self._stems = stems if stems is not None else {}
        if len(self._stems) > STEM_CACHE:
            self._stems.clear()

    def _term(self, word: str) -> str | None:
        """The index term of `word`, or None when it cannot be one of the wanted terms."""
        found = self._stems.get(word)
        if found is None:
            lower = word.lower()
            if self._starts is not None and lower[:2] not in self._starts:
                return None
            found = self._stems[word] = stem(self._fold(lower))
        return found

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of the words of `text` (its first `SCAN_CHARS`) the query searched."""
        if not self._terms or not text:
            return []
        terms, stems, term_of = self._terms, self._stems, self._term
        text = text[:SCAN_CHARS]
        matches = self._words.finditer(text)
        if not self._sequences:  # the common case: a lookup or two per candidate word
            found = []
            for m in matches:
                word = m.group()
                term = stems.get(word) or term_of(word)
                if term in terms:
                    found.append(m.span())
            return found
        wanted = self._wanted
        words = []
        for m in matches:
            term = term_of(m.group())
            if term in wanted:
                words.append((m.start(), m.end(), term))
        spans = {(start, end) for start, end, term in words if term in terms}
        # A multi-word expansion: its words in a row, nothing but separators between them.
        for i, (start, _end, term) in enumerate(words):
            for seq in self._sequences_from.get(term, ()):
                n = len(seq)
                run = words[i : i + n]
                if (
                    len(run) == n
                    and tuple(w[2] for w in run) == seq
                    and not any(
                        _WORD_CHAR.search(text, run[j][1], run[j + 1][0]) for j in range(n - 1)
                    )
                ):
                    spans.add((start, run[-1][1]))
        return sorted(spans)

    def for_doc(self, stored: dict[str, Any]) -> tuple[str, tuple[tuple[int, int], ...]]:
        for fieldname in ("body", "summary"):
            text = stored.get(fieldname, "")
            found = self.spans(text)
            if found:
                return fragment(text, found)
        return shorten(stored.get("summary", ""), SNIPPET_CHARS), ()


def fragment(text: str, spans: list[tuple[int, int]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The window of `text` holding the most matched words, as one clean line plus spans."""
    best_start, best_count = spans[0][0], 0
    for i, (start, _end) in enumerate(spans):
        count = 0
        seen: set[str] = set()
        for s, e in spans[i:]:
            if e - start > SNIPPET_CHARS - 40:
                break
            word = text[s:e].lower()
            count += 2 if word not in seen else 1
            seen.add(word)
        if count > best_count:
            best_start, best_count = start, count
    lo = max(0, best_start - 40)
    if lo > 0:
        space = text.rfind(" ", max(0, lo - 20), best_start)
        lo = space + 1 if space >= 0 else lo
        sentence = text.rfind(". ", max(0, best_start - 60), best_start)
        if sentence >= 0:
            lo = sentence + 2
    hi = min(len(text), lo + SNIPPET_CHARS)
    if hi < len(text):
        space = text.rfind(" ", lo + SNIPPET_CHARS // 2, hi)
        hi = space if space > 0 else hi
    # Build the line, collapsing whitespace and mapping span offsets as we go.
    out: list[str] = []
    index_map: dict[int, int] = {}
    prev_space = True
    for pos in range(lo, hi):
        ch = text[pos]
        if ch.isspace():
            if prev_space:
                index_map[pos] = len(out)
                continue
            ch = " "
            prev_space = True
        else:
            prev_space = False
        index_map[pos] = len(out)
        out.append(ch)
    line = clean_line("".join(out)).rstrip()
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(text) else ""
    shift = len(prefix)
    result_spans = []
    for s, e in spans:
        if s >= lo and e <= hi and s in index_map:
            start = index_map[s] + shift
            end = index_map.get(e - 1, index_map[s]) + 1 + shift
            if end <= len(line) + shift:
                result_spans.append((start, end))
    return prefix + line + suffix, tuple(result_spans)
