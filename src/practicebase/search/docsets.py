"""Matching document sets from posting lists, and sort orders, cached per reader."""

from __future__ import annotations

from typing import Any

from whoosh import query

from practicebase.search.ranking import term_docnums


class DocSets:
    """Matching document sets from posting lists, with the term sets cached per reader."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        self.live: frozenset[int] | None = (
            frozenset(reader.all_doc_ids()) if reader.has_deletions() else None
        )
        self.doc_count = reader.doc_count_all()
        self._terms: dict[tuple[str, Any], frozenset[int]] = {}
        self._title_rank: list[int] | None = None
        self._reviewed: list[int] | None = None

    def sort_key(self, sort: str):
        """A key function ordering document numbers by title, or by review date (newest
        first) then title; the ranks are computed once per reader."""
        if self._title_rank is None:
            reader = self.searcher.reader()
            titles = reader.column_reader("title_sort") if self.doc_count else None
            # `is not None`: a multi-segment column reader is falsy (its length reads 0).
            order = sorted(
                range(self.doc_count),
                key=lambda d: (titles[d], d) if titles is not None else d,
            )
            rank = [0] * self.doc_count
            for position, docnum in enumerate(order):
                rank[docnum] = position
            self._title_rank = rank
        rank = self._title_rank
        if sort != "reviewed":
            return rank.__getitem__
        if self._reviewed is None:
            reader = self.searcher.reader()
            column = (
                reader.column_reader("last_reviewed", translate=False) if self.doc_count else None
            )
            self._reviewed = [
                -(column[d] or 0) if column is not None else 0 for d in range(self.doc_count)
            ]
        reviewed = self._reviewed
        return lambda d: (reviewed[d], rank[d])

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
