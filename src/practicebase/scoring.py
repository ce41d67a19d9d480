"""Whoosh pieces for ranking: "all words first" grouping and a collector that keeps every match.

`UnitsQuery` matches a document when any of its units (one typed word with its spellings,
acronym expansions and synonyms, or one phrase) matches, and ranks documents by how many units
they match first, BM25F score second: entries with all the words come first, entries with most
of them still appear. `RecordingCollector` remembers every matching document number so facet
counts and the total come from one pass over the matches.
"""

from __future__ import annotations

from whoosh import collectors, matching, query

UNIT_BONUS = 1000.0


class UnitsMatcher(matching.Matcher):
    """A flat union of leaf matchers, each belonging to a unit; the score of a document is
    UNIT_BONUS per unit with a matching leaf plus the leaves' scores.

    Flat rather than Whoosh's binary tree of unions: a document then costs one pass over the
    leaves instead of a walk through a tree of wrappers, several times faster per match.
    """

    def __init__(self, leaves: list[tuple[int, matching.Matcher]], bonus: float = UNIT_BONUS):
        self._leaves = leaves
        self._bonus = bonus
        self._id: int | None = None
        self._update()

    def _update(self) -> None:
        best = None
        for _unit, m in self._leaves:
            if m.is_active():
                i = m.id()
                if best is None or i < best:
                    best = i
        self._id = best

    def is_active(self) -> bool:
        return self._id is not None

    def id(self) -> int:
        return self._id  # type: ignore[return-value]

    def children(self) -> list[matching.Matcher]:
        return [m for _u, m in self._leaves if m.is_active()]

    def copy(self) -> UnitsMatcher:
        return UnitsMatcher([(u, m.copy()) for u, m in self._leaves], self._bonus)

    def reset(self) -> None:
        for _u, m in self._leaves:
            m.reset()
        self._update()

    def supports_block_quality(self) -> bool:
        # Block maxima were measured to skip almost nothing on entry text (scores are close).
        return False

    def supports(self, astype: str) -> bool:
        return all(m.supports(astype) for _u, m in self._leaves)

    def next(self) -> bool:
        current = self._id
        for _u, m in self._leaves:
            if m.is_active() and m.id() == current:
                m.next()
        self._update()
        return False

    def skip_to(self, target: int) -> None:
        for _u, m in self._leaves:
            if m.is_active() and m.id() < target:
                m.skip_to(target)
        self._update()

    def weight(self) -> float:
        current = self._id
        return sum(m.weight() for _u, m in self._leaves if m.is_active() and m.id() == current)

    def score(self) -> float:
        current = self._id
        total = 0.0
        units = set()
        for unit, m in self._leaves:
            if m.is_active() and m.id() == current:
                total += m.score()
                units.add(unit)
        return total + self._bonus * len(units)

    def spans(self):
        current = self._id
        out = []
        for _u, m in self._leaves:
            if m.is_active() and m.id() == current:
                out.extend(m.spans())
        return sorted(set(out))


def _leaves(q, searcher, context, boost: float = 1.0) -> list[matching.Matcher]:
    """Matchers for the leaves of nested ORs (boosts multiplied down), others whole."""
    if isinstance(q, query.Or) and not isinstance(q, UnitsQuery):
        out: list[matching.Matcher] = []
        for sub in q.subqueries:
            out.extend(_leaves(sub, searcher, context, boost * q.boost))
        return out
    m = q.matcher(searcher, context)
    if not m.is_active():
        return []
    return [matching.WrappingMatcher(m, boost) if boost != 1.0 else m]


class UnitsQuery(query.Or):
    """Documents matching any unit, ranked by the number of units matched, then by score."""

    def __init__(self, subqueries, boost: float = 1.0, bonus: float = UNIT_BONUS):
        super().__init__(subqueries, boost=boost)
        self.bonus = bonus

    def normalize(self):
        return self.__class__([q.normalize() for q in self.subqueries], self.boost, self.bonus)

    def matcher(self, searcher, context=None):
        leaves = [
            (unit, m)
            for unit, q in enumerate(self.subqueries)
            for m in _leaves(q, searcher, context)
        ]
        if not leaves:
            return matching.NullMatcher()
        return UnitsMatcher(leaves, self.bonus)


class RecordingCollector(collectors.WrappingCollector):
    """Passes every match to its child and remembers the global document numbers."""

    def prepare(self, top_searcher, q, context):
        self.matched: list[int] = []
        super().prepare(top_searcher, q, context)

    def collect(self, sub_docnum):
        self.matched.append(sub_docnum + self.child.offset)
        return self.child.collect(sub_docnum)

    def matches(self):
        return self.child.matches()

    def count(self) -> int:
        return len(self.matched)


class Filtered(query.Require):
    """Documents of `a` that also match `b`, scored by `a` alone.

    Whoosh 2.7.4's own `Require.matcher` returns an AND NOT matcher (the opposite); this uses
    the `RequireMatcher` it meant to.
    """

    def matcher(self, searcher, context=None):
        scored = self.a.matcher(searcher, context)
        required = self.b.matcher(searcher, searcher.boolean_context())
        if not scored.is_active() or not required.is_active():
            return matching.NullMatcher()
        return matching.RequireMatcher(scored, required)


# --- bulk BM25F ---------------------------------------------------------------------------

K1 = 1.2
B = 0.75
CACHE_POSTINGS = 400_000


def _length_table() -> list[int]:
    from whoosh.util.numeric import byte_to_length

    return [byte_to_length(i) for i in range(256)]


class BulkScorer:
    """BM25F (as Whoosh's default weighting computes it) over whole posting lists at once.

    Scoring match by match through Whoosh's matcher tree costs about 10 µs per document and
    clause in Python; reading a posting list block by block and scoring it in one loop costs a
    fraction of that, and the per-term results are cached for the life of the reader, so the
    queries typed one key at a time reuse the words already typed. Per reader: make a new one
    after `refresh()`.
    """

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.segments = [(searcher, 0)] if searcher.is_atomic() else list(searcher.subsearchers)
        self._lengths: dict[tuple[int, str], list[int]] = {}
        self._cache: dict[tuple[str, object, float], dict[int, float]] = {}
        self._cached = 0
        self._table: list[int] | None = None

    def _segment_lengths(self, index: int, field: str) -> list[int]:
        key = (index, field)
        found = self._lengths.get(key)
        if found is not None:
            return found
        reader = self.segments[index][0].reader()
        n = reader.doc_count_all()
        try:
            from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

            col = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
            if col is None:
                found = [0] * n
            else:
                if self._table is None:
                    self._table = _length_table()
                table = self._table
                raw = col._dbfile.get(col._basepos, min(col._count, n))
                found = [table[b] for b in raw] + [0] * max(0, n - len(raw))
        except Exception:  # another codec: the slow, public way
            found = [reader.doc_field_length(d, field, 0) or 0 for d in range(n)]
        self._lengths[key] = found
        return found

    def term(self, field: str, text, boost: float = 1.0) -> dict[int, float]:
        """docnum -> boosted BM25F score of one term in one field (cached)."""
        key = (field, text, boost)
        found = self._cache.get(key)
        if found is not None:
            return found
        found = self._score_term(field, text, boost)
        if self._cached + len(found) > CACHE_POSTINGS:
            self._cache.clear()
            self._cached = 0
        self._cache[key] = found
        self._cached += len(found)
        return found

    def _score_term(self, field: str, text, boost: float) -> dict[int, float]:
        from whoosh.codec.whoosh3 import W3LeafMatcher

        searcher = self.searcher
        scores: dict[int, float] = {}
        schema = searcher.schema
        if field not in schema:
            return scores
        btext = schema[field].to_bytes(text) if isinstance(text, str) else text
        if searcher.doc_count_all() == 0 or searcher.doc_frequency(field, btext) == 0:
            return scores  # (and Whoosh's idf would take the log of zero)
        scorable = schema[field].scorable
        if scorable:
            idf = searcher.idf(field, btext) * boost
            avgfl = searcher.avg_field_length(field) or 1
            c = K1 * (1 - B)
            d = K1 * B / avgfl
            k = K1 + 1
        for index, (sub, offset) in enumerate(self.segments):
            reader = sub.reader()
            if (field, btext) not in reader:
                continue
            m = reader.postings(field, btext)
            lengths = self._segment_lengths(index, field) if scorable else None
            if isinstance(m, W3LeafMatcher):
                while m.is_active():
                    m._read_ids()
                    m._read_weights()
                    ids, weights = m._ids, m._weights
                    if scorable:
                        for docnum, w in zip(ids, weights, strict=False):
                            scores[docnum + offset] = idf * (w * k) / (w + c + d * lengths[docnum])
                    else:
                        for docnum in ids:
                            scores[docnum + offset] = boost
                    m._next_block()
            else:  # e.g. a segment with deletions: its matcher filters them out
                while m.is_active():
                    docnum = m.id()
                    if scorable:
                        w = m.weight()
                        scores[docnum + offset] = idf * (w * k) / (w + c + d * lengths[docnum])
                    else:
                        scores[docnum + offset] = boost
                    m.next()
        return scores

    def query(self, q, boost: float = 1.0) -> dict[int, float]:
        """docnum -> score for a query tree of ORs over terms; other queries by matcher."""
        if isinstance(q, query.Term):
            return self.term(q.fieldname, q.text, boost * q.boost)
        if isinstance(q, query.Or):
            out: dict[int, float] = {}
            for sub in q.subqueries:
                part = self.query(sub, boost * q.boost)
                if not out:
                    out = dict(part)
                    continue
                get = out.get
                for docnum, score in part.items():
                    out[docnum] = get(docnum, 0.0) + score
            return out
        if isinstance(q, query.And) and q.subqueries:
            parts = sorted((self.query(sub, boost * q.boost) for sub in q.subqueries), key=len)
            common = set(parts[0]).intersection(*parts[1:])
            return {docnum: sum(p[docnum] for p in parts) for docnum in common}
        searcher = self.searcher
        out = {}
        m = q.matcher(searcher, searcher.context())
        while m.is_active():
            out[m.id()] = m.score() * boost
            m.next()
        return out

    def units(self, units: list, bonus: float = UNIT_BONUS) -> dict[int, float]:
        """docnum -> UNIT_BONUS per matched unit plus the units' scores."""
        total: dict[int, float] = {}
        for unit in units:
            scores = self.query(unit)
            get = total.get
            for docnum, score in scores.items():
                total[docnum] = get(docnum, 0.0) + bonus + score
        return total
