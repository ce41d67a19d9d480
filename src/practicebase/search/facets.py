"""Facet counts: how many matching entries hold each value of each facet field."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from practicebase.search.ranking import term_docnums
from practicebase.search.types import FACET_FIELDS

# Keyword fields are indexed lower-case; classifications and recommendations read upper-case.
_CLASSIFICATION_FIELD = "classification"
_RECOMMENDATION_FIELD = "recommendation"


class ReaderCache:
    """Per-reader data, each part computed once and only when first asked for: the entries
    holding each facet value, facet values per entry, titles.

    The facet sets come from the keyword fields' posting lists read a block at a time (see
    `ranking.term_docnums`), about 100 short lists: a `search` process that prints no facets
    never builds them, and one that does pays a few milliseconds at 10,000 entries.
    """

    def __init__(self, searcher: Any, vocabulary: Any) -> None:
        self.searcher = searcher
        self.vocabulary = vocabulary
        self.live_docnums = list(searcher.reader().all_doc_ids())
        self.live_set = set(self.live_docnums)
        self._counted = 0

    @cached_property
    def docsets(self) -> dict[str, dict[str, frozenset[int]]]:
        """facet field -> value -> the live entries holding it (force and theme included)."""
        searcher = self.searcher
        reader = searcher.reader()
        classifications = {c.lower(): c for c in self.vocabulary.classifications}
        out: dict[str, dict[str, frozenset[int]]] = {}
        for fieldname in dict.fromkeys((*FACET_FIELDS, "theme", "force")):
            sets: dict[str, frozenset[int]] = {}
            if fieldname in reader.schema:
                for btext in reader.lexicon(fieldname):
                    value = btext.decode("utf-8")
                    if fieldname == _CLASSIFICATION_FIELD:
                        value = classifications.get(value, value.upper())
                    elif fieldname == _RECOMMENDATION_FIELD:
                        value = value.upper()  # ids are stored in capitals, indexed lower
                    ids = term_docnums(searcher, fieldname, btext)
                    if ids:
                        sets[value] = ids
            out[fieldname] = sets
        return out

    @cached_property
    def values(self) -> dict[str, list[tuple[str, ...]]]:
        """facet field -> docnum -> the values that entry holds (for coverage reports)."""
        size = self.searcher.reader().doc_count_all()
        out: dict[str, list[tuple[str, ...]]] = {}
        for fieldname, sets in self.docsets.items():
            per_doc: list[list[str]] = [[] for _ in range(size)]
            for value, ids in sets.items():
                for d in ids:
                    per_doc[d].append(value)
            out[fieldname] = [tuple(v) for v in per_doc]
        return out

    @cached_property
    def titles(self) -> list[tuple[str, str]]:
        """(id, title) of every live entry, by title then id."""
        reader = self.searcher.reader()
        titles: list[tuple[str, str]] = []
        if reader.doc_count_all():
            ids = reader.column_reader("id")
            texts = reader.column_reader("title_text")
            for d in self.live_docnums:
                titles.append((ids[d], texts[d].decode("utf-8")))
        titles.sort(key=lambda pair: (pair[1].casefold(), pair[0]))
        return titles

    @cached_property
    def bits(self) -> dict[str, list[tuple[str, int, int]]]:
        """facet field -> (value, entries holding it, those entries as the bits of one
        integer) of each value."""
        size = self.searcher.reader().doc_count_all()
        docsets = self.docsets
        return {
            fieldname: [
                (value, len(docs), _bits(docs, size))
                for value, docs in docsets.get(fieldname, {}).items()
            ]
            for fieldname in FACET_FIELDS
        }

    def facet_counts(self, matched: set[int]) -> dict[str, tuple[tuple[str, int], ...]]:
        """facet field -> (value, matching entries holding it) of the values some match
        holds, most first.

        From the second count of a reader on, counted on bits: the matches (or, when they
        are most entries, the live entries they leave out) set in one integer, and each
        value's count the bits it shares with that, in C. A set intersection per value
        walks thousands of entries (10-20 ms a query at 50,000 entries); building the bits
        costs about as much once, which a process counting once never pays."""
        self._counted += 1
        # A query matching most entries is counted through the few it does not match.
        missing: Any = None
        if len(matched) * 2 > len(self.live_docnums):
            missing = self.live_set.difference(matched)
        if self._counted > 1:
            fields = self.bits
            size = self.searcher.reader().doc_count_all()
            if missing is not None:
                left_out = _bits(missing, size)
                count = lambda held, bits: held - (left_out & bits).bit_count()  # noqa: E731
            else:
                found = _bits(matched, size)
                count = lambda _held, bits: (found & bits).bit_count()  # noqa: E731
        else:
            fields = {
                fieldname: [(value, len(docs), docs) for value, docs in values.items()]
                for fieldname, values in self.docsets.items()
            }
            if missing is not None:
                count = lambda held, docs: held - len(missing.intersection(docs))  # noqa: E731
            else:
                count = lambda _held, docs: len(matched.intersection(docs))  # noqa: E731
        out: dict[str, tuple[tuple[str, int], ...]] = {}
        for fieldname in FACET_FIELDS:
            counts = []
            for value, held, docs in fields.get(fieldname, ()):
                n = count(held, docs)
                if n:
                    counts.append((value, n))
            counts.sort(key=lambda vc: (-vc[1], vc[0]))
            out[fieldname] = tuple(counts)
        return out


def _bits(docnums: Any, size: int) -> int:
    """An integer with bit d set for each docnum d (of a reader of `size` documents)."""
    packed = bytearray((size + 7) >> 3)
    for docnum in docnums:
        packed[docnum >> 3] |= 1 << (docnum & 7)
    return int.from_bytes(packed, "little")
