"""Snippets: the window of a hit's text holding the most matched words, with their spans."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from whoosh.lang.porter import stem

from practicebase.analysis import WORD_PATTERN, joined
from practicebase.sanitize import clean_line

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


class Snippets:
    """Highlighted snippets for the hits on screen, found by analysing their stored text as
    the index did (words, lowercase, spelling folded, Porter stem): a word is marked where it
    analyses to a term the query searched, and a multi-word expansion where its words follow
    each other. Reading the offsets from the postings instead reads whole posting blocks of
    every query term, and the pipeline of Whoosh's analyzer costs several times this loop."""

    def __init__(
        self,
        terms: set[str],
        fold: Callable[[str], str],
        joinable: Iterable[tuple[str, ...]] = (),
        stems: dict[str, str] | None = None,
    ) -> None:
        self._terms = frozenset(terms)
        self._fold = fold
        self._sequences = [seq for seq in joinable if joined(seq) in self._terms]
        # word -> term, shared between the searches of one searcher (same vocabulary).
        self._stems = stems if stems is not None else {}
        if len(self._stems) > STEM_CACHE:
            self._stems.clear()

    def _stem(self, word: str) -> str:
        found = self._stems.get(word)
        if found is None:
            found = self._stems[word] = stem(self._fold(word.lower()))
        return found

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of the words of `text` (its first `SCAN_CHARS`) the query searched."""
        if not self._terms or not text:
            return []
        terms, stems, term_of = self._terms, self._stems, self._stem
        matches = WORD_PATTERN.finditer(text[:SCAN_CHARS])
        if not self._sequences:  # the common case: one dictionary lookup per word
            found = []
            for m in matches:
                word = m.group()
                term = stems.get(word) or term_of(word)
                if term in terms:
                    found.append(m.span())
            return found
        words = [(m.start(), m.end(), term_of(m.group())) for m in matches]
        spans = {(start, end) for start, end, term in words if term in terms}
        for seq in self._sequences:
            n = len(seq)
            for i in range(len(words) - n + 1):
                if words[i][2] == seq[0] and tuple(w[2] for w in words[i : i + n]) == seq:
                    spans.add((words[i][0], words[i + n - 1][1]))
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
