"""Facet counts: how many matching entries hold each value of each facet field."""

from __future__ import annotations

from practicebase.search.types import FACET_FIELDS

# Keyword fields are indexed lower-case; classifications and recommendations read upper-case.
_CLASSIFICATION_FIELD = "classification"
_RECOMMENDATION_FIELD = "recommendation"


class ReaderCache:
    """Per-reader data computed once: facet values per document, titles, live documents."""

    def __init__(self, searcher, vocabulary) -> None:
        reader = searcher.reader()
        self.live_docnums = list(reader.all_doc_ids())
        size = reader.doc_count_all()
        self.docsets: dict[str, dict[str, set[int]]] = {}
        self.values: dict[str, list[tuple[str, ...]]] = {}
        classifications = {c.lower(): c for c in vocabulary.classifications}
        live = self.live_set = set(self.live_docnums)
        for fieldname in (*FACET_FIELDS, "theme", "force"):
            if fieldname in self.docsets:
                continue
            sets: dict[str, set[int]] = {}
            per_doc: list[list[str]] = [[] for _ in range(size)]
            if fieldname in reader.schema:
                for btext in reader.lexicon(fieldname):
                    value = btext.decode("utf-8")
                    if fieldname == _CLASSIFICATION_FIELD:
                        value = classifications.get(value, value.upper())
                    elif fieldname == _RECOMMENDATION_FIELD:
                        value = value.upper()  # ids are stored in capitals, indexed lower
                    ids = {d for d in reader.postings(fieldname, btext).all_ids() if d in live}
                    if ids:
                        sets[value] = ids
                        for d in ids:
                            per_doc[d].append(value)
            self.docsets[fieldname] = sets
            self.values[fieldname] = [tuple(v) for v in per_doc]
        titles: list[tuple[str, str]] = []
        if size:
            ids = reader.column_reader("id")
            texts = reader.column_reader("title_text")
            for d in self.live_docnums:
                titles.append((ids[d], texts[d].decode("utf-8")))
        titles.sort(key=lambda pair: (pair[1].casefold(), pair[0]))
        self.titles = titles

    def facet_counts(self, matched: set[int]) -> dict[str, tuple[tuple[str, int], ...]]:
        # A query matching most entries is counted through the few it does not match: each
        # set intersection then walks the smaller side.
        missing = None
        if len(matched) * 2 > len(self.live_docnums):
            missing = self.live_set.difference(matched)
        out: dict[str, tuple[tuple[str, int], ...]] = {}
        for fieldname in FACET_FIELDS:
            counts = []
            for value, docs in self.docsets.get(fieldname, {}).items():
                if missing is not None:
                    n = len(docs) - len(missing.intersection(docs))
                else:
                    n = len(matched.intersection(docs))
                if n:
                    counts.append((value, n))
            counts.sort(key=lambda vc: (-vc[1], vc[0]))
            out[fieldname] = tuple(counts)
        return out
