"""Matching document sets from posting lists, and sort orders, cached per reader."""

from __future__ import annotations

from typing import Any

from whoosh import query

from practicebase.search.ranking import segments, term_docnums
from practicebase.whoosh_internals import column_bytes

# What a sortable date column reads for a document without the date (Whoosh's default for
# an unsigned 64-bit column), and the "newest first" key given to it: after every dated one.
_NO_DATE = (1 << 64) - 1
_UNDATED = 1 << 64


class DocSets:
    """Matching document sets from posting lists, with the term sets cached per reader."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        self.live: frozenset[int] | None = (
            live_docnums(searcher) if reader.has_deletions() else None
        )
        self.doc_count = reader.doc_count_all()
        self._terms: dict[tuple[str, Any], frozenset[int]] = {}
        self._title_rank: list[int] | None = None
        # sort name -> first sort key of each document number
        self._keys: dict[str, list] = {}

    def sort_key(self, sort: str):
        """A key function ordering document numbers by title; by review date (newest first),
        `added` date (newest first, entries without one last) or evidence order, each then
        by title. Every rank is computed once per reader, from columns."""
        rank = self._title_ranks()
        if sort not in ("reviewed", "newest", "evidence"):
            return rank.__getitem__
        first = self._keys.get(sort)
        if first is None:
            first = self._keys[sort] = self._column_keys(sort)
        return lambda d: (first[d], rank[d])

    def _title_ranks(self) -> list[int]:
        """Each document's place in title order (equal titles by document number), from
        the `title_sort` column read whole: the byte keys sort in C, with no tuple per
        document for the garbage collector."""
        if self._title_rank is None:
            titles = column_bytes(self.searcher.reader(), "title_sort")
            order = sorted(range(self.doc_count), key=titles.__getitem__)  # stable
            rank = [0] * self.doc_count
            for position, docnum in enumerate(order):
                rank[docnum] = position
            self._title_rank = rank
        return self._title_rank

    def _column_keys(self, sort: str) -> list:
        """The first sort key of each document, from the sort's column."""
        if not self.doc_count:
            return []
        reader = self.searcher.reader()
        if sort == "evidence":
            return column_bytes(reader, "evidence")
        name = "last_reviewed" if sort == "reviewed" else "added"
        column = reader.column_reader(name, translate=False)
        if column is None:
            return [_UNDATED] * self.doc_count
        keys = []
        for docnum in range(self.doc_count):
            value = column[docnum]
            keys.append(_UNDATED if not value or value == _NO_DATE else -value)
        return keys

    def term_docs(self, searcher, fieldname: str, text) -> frozenset[int]:
        key = (fieldname, text)
        found = self._terms.get(key)
        if found is None:
            found = term_docnums(searcher, fieldname, text)
            if len(self._terms) > 5000:
                self._terms.clear()
            self._terms[key] = found
        return found

    def docset(self, searcher, q) -> set[int]:
        """The live documents matching `q`."""
        docs = set(self._docs(searcher, q))
        return docs & self.live if self.live is not None else docs

    def _docs(self, searcher, q) -> set[int] | frozenset[int]:
        if isinstance(q, query.Term):
            return self.term_docs(searcher, q.fieldname, q.text)
        if isinstance(q, query.Or):
            return set().union(*(self._docs(searcher, sub) for sub in q.subqueries))
        if isinstance(q, query.And):
            parts = sorted((self._docs(searcher, sub) for sub in q.subqueries), key=len)
            return set(parts[0]).intersection(*parts[1:]) if parts else set()
        if isinstance(q, query.AndNot):
            return set(self._docs(searcher, q.a)) - self._docs(searcher, q.b)
        if isinstance(q, query.Require):
            return set(self._docs(searcher, q.a)) & self._docs(searcher, q.b)
        if isinstance(q, query.ConstantScoreQuery):
            return self._docs(searcher, q.child)
        if isinstance(q, query.Every):
            return self.live if self.live is not None else set(range(self.doc_count))
        return set(searcher.docs_for_query(q))


def live_docnums(searcher: Any) -> frozenset[int]:
    """The global numbers of the live documents, segment by segment: a segment without
    deletions is a range, and only a segment with some asks each document (Whoosh's
    multi-segment reader asks each document through two more calls)."""
    live: set[int] = set()
    for sub, offset in segments(searcher):
        reader = sub.reader()
        if not reader.has_deletions():
            live.update(range(offset, offset + reader.doc_count_all()))
        elif offset:
            live.update(docnum + offset for docnum in reader.all_doc_ids())
        else:
            live.update(reader.all_doc_ids())
    return frozenset(live)
