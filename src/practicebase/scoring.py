"""Whoosh pieces for ranking: "all words first" grouping and a collector that keeps every match.

`UnitsQuery` matches a document when any of its units (one typed word with its spellings,
acronym expansions and synonyms, or one phrase) matches, and ranks documents by how many units
they match first, BM25F score second: entries with all the words come first, entries with most
of them still appear. `RecordingCollector` remembers every matching document number so facet
counts and the total come from one pass over the matches.
"""

from __future__ import annotations

from typing import Any

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
CACHE_PHRASE_POSTINGS = 100_000


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
        self.segments = segments(searcher)
        self._lengths: dict[tuple[int, str], list[int]] = {}
        self._cache: dict[tuple[str, object, float], dict[int, float]] = {}
        self._cached = 0
        # Verified phrases apart from the term cache, whose clearing would otherwise take
        # them along: checking positions is the dearest step of a query, and a phrase
        # stays in the query while more words are typed after it.
        self._phrases: dict[tuple[str, tuple[str, ...]], dict[int, float]] = {}
        self._phrased = 0
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
            m, deleted = _leaf_postings(reader, field, btext)
            lengths = self._segment_lengths(index, field) if scorable else None
            if isinstance(m, W3LeafMatcher):
                while m.is_active():
                    ids, weights = _block_ids_weights(m)
                    if scorable and not deleted:
                        for docnum, w in zip(ids, weights, strict=False):
                            scores[docnum + offset] = idf * (w * k) / (w + c + d * lengths[docnum])
                    elif scorable:
                        for docnum, w in zip(ids, weights, strict=False):
                            if docnum not in deleted:
                                score = idf * (w * k) / (w + c + d * lengths[docnum])
                                scores[docnum + offset] = score
                    else:
                        for docnum in ids:
                            if docnum not in deleted:
                                scores[docnum + offset] = boost
                    m._next_block()
            else:  # another codec's matcher: the general, slower way
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
            parts: list[dict[int, float]] = []
            self._or_parts(q, boost, parts)
            return _summed(parts)
        if isinstance(q, query.Phrase) and q.slop == 1 and len(q.words) > 1:
            found = self.phrase(q.fieldname, tuple(q.words))
            if found is not None:
                scale = boost * q.boost
                return {docnum: score * scale for docnum, score in found.items()}
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

    def _or_parts(self, q, boost: float, parts: list[dict[int, float]]) -> None:
        """The scores of the clauses of nested ORs, flattened, so they are summed once."""
        for sub in q.subqueries:
            if isinstance(sub, query.Or):
                self._or_parts(sub, boost * q.boost, parts)
            else:
                part = self.query(sub, boost * q.boost)
                if part:
                    parts.append(part)

    def phrase(self, field: str, words: tuple[str, ...]) -> dict[int, float] | None:
        """docnum -> unboosted score of the words next to each other in `field` (cached), as
        Whoosh's phrase matcher scores it: the sum of the words' scores. None when the field
        keeps no positions.

        Whoosh's matcher walks a tree of span matchers for every document holding all the
        words (10 µs and more each); here the documents come from the cached term scores and
        only their positions are decoded, a block of postings at a time.
        """
        key = (field, words)
        found = self._phrases.get(key)
        if found is not None:
            return found
        schema = self.searcher.schema
        if field not in schema:
            return {}
        fmt = schema[field].format
        if fmt is None or not fmt.supports("positions"):
            return None
        per_word = [self.term(field, word) for word in words]
        smallest = min(per_word, key=len)
        common = set(smallest).intersection(*(p for p in per_word if p is not smallest))
        found = {}
        if common:
            btexts = [schema[field].to_bytes(word) for word in words]
            for sub, offset in self.segments:
                reader = sub.reader()
                end = offset + reader.doc_count_all()
                local = sorted(d - offset for d in common if offset <= d < end)
                if not local:
                    continue
                positions = [_positions(reader, field, btext, local) for btext in btexts]
                for docnum in local:
                    if _adjacent([p.get(docnum, ()) for p in positions]):
                        total = offset + docnum
                        found[total] = sum(p[total] for p in per_word)
        while self._phrases and self._phrased + len(found) > CACHE_PHRASE_POSTINGS:
            self._phrased -= len(self._phrases.pop(next(iter(self._phrases))))  # oldest
        self._phrases[key] = found
        self._phrased += len(found)
        return found

    def units(self, units: list, bonus: float = UNIT_BONUS) -> dict[int, float]:
        """docnum -> UNIT_BONUS per matched unit plus the units' scores."""
        total: dict[int, float] = {}
        for unit in units:
            scores = self.query(unit)
            get = total.get
            for docnum, score in scores.items():
                total[docnum] = get(docnum, 0.0) + bonus + score
        return total


def _summed(parts: list[dict[int, float]]) -> dict[int, float]:
    """docnum -> the sum of its scores in `parts`: a copy of the largest, the others added."""
    if not parts:
        return {}
    parts.sort(key=len, reverse=True)
    out = dict(parts[0])
    get = out.get
    for part in parts[1:]:
        for docnum, score in part.items():
            out[docnum] = get(docnum, 0.0) + score
    return out


def _positions(
    reader, field: str, btext: bytes, wanted: list[int], kind: str = "positions"
) -> dict[int, list]:
    """Segment docnum -> decoded postings value (`kind`: "positions", or "characters" for
    (position, start, end)) of one term, for the sorted docnums in `wanted`.

    Reads the segment's postings directly, without the scorer a searcher's `postings()`
    builds, and unpickles only the blocks that hold a wanted document."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    out: dict[int, list] = {}
    if not wanted or (field, btext) not in reader:
        return out
    m, _deleted = _leaf_postings(reader, field, btext)  # (wanted holds no deleted document)
    decode = _decoder(reader.schema[field].format, kind)
    if isinstance(m, W3LeafMatcher):
        want = set(wanted)
        i, n = 0, len(wanted)
        while m.is_active() and i < n:
            top = m.block_max_id()
            if wanted[i] <= top:  # else no wanted document in this block: not unpickled
                m._read_ids()
                m._read_values()
                for docnum, value in zip(m._ids, m._values, strict=False):
                    if docnum in want:
                        out[docnum] = decode(value)
                while i < n and wanted[i] <= top:
                    i += 1
            m._next_block()
        return out
    for docnum in wanted:  # another codec's matcher: the general way
        if not m.is_active():
            break
        if m.id() < docnum:
            m.skip_to(docnum)
            if not m.is_active():
                break
        if m.id() == docnum:
            out[docnum] = m.value_as(kind)
    return out


def _leaf_postings(reader, field: str, btext: bytes) -> tuple[Any, frozenset[int]]:
    """(matcher, deleted docnums) of one term in one segment: Whoosh wraps the postings of a
    segment with deletions in a filter that skips them one posting at a time; unwrapped, its
    blocks can be read whole and the deleted documents dropped from them."""
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.matching.wrappers import FilterMatcher

    m = reader.postings(field, btext)
    if type(m) is FilterMatcher and m._exclude and isinstance(m.child, W3LeafMatcher):
        return m.child, m._ids
    return m, frozenset()


def term_docnums(searcher, field: str, text: str) -> frozenset[int]:
    """The global docnums of the live documents holding a term, read a block at a time."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    if field not in searcher.schema:
        return frozenset()
    try:
        btext = searcher.schema[field].to_bytes(text) if isinstance(text, str) else text
    except Exception:  # noqa: BLE001 - a value the field cannot hold: no document has it
        return frozenset()
    found: list[int] = []
    for sub, offset in segments(searcher):
        reader = sub.reader()
        if (field, btext) not in reader:
            continue
        m, deleted = _leaf_postings(reader, field, btext)
        if isinstance(m, W3LeafMatcher):
            while m.is_active():
                ids, _weights = _block_ids_weights(m)
                found.extend(i + offset for i in ids if i not in deleted)
                m._next_block()
        else:
            found.extend(i + offset for i in m.all_ids())
    return frozenset(found)


def segments(searcher) -> list[tuple[Any, int]]:
    """(sub-searcher, first global docnum) of each segment of `searcher`."""
    return [(searcher, 0)] if searcher.is_atomic() else list(searcher.subsearchers)


def term_characters(
    searcher, field: str, text: str, docnums: list[int]
) -> dict[int, list[tuple[int, int, int]]]:
    """Global docnum -> (position, start, end) of each occurrence of a term, for the sorted
    `docnums` (e.g. the hits on screen, to highlight them)."""
    out: dict[int, list[tuple[int, int, int]]] = {}
    if field not in searcher.schema:
        return out
    try:
        btext = searcher.schema[field].to_bytes(text)
    except ValueError:
        return out
    for sub, offset in segments(searcher):
        reader = sub.reader()
        end = offset + reader.doc_count_all()
        local = [d - offset for d in docnums if offset <= d < end]
        for docnum, chars in _positions(reader, field, btext, local, "characters").items():
            out[docnum + offset] = chars
    return out


# In Whoosh 2.7.4 a postings block is a zlib-compressed protocol-2 pickle of the tuple
# (ids, weights, values). A positional field's values are one pickled `bytes` per posting,
# and unpickling protocol-2 bytes (through `_codecs.encode`) is three quarters of the cost of
# reading the block. Ranking needs only ids and weights: `_block_ids_weights` unpickles the
# stream up to the values tuple, whose MARK comes just before the first `_codecs.encode`.
_BYTES_GLOBAL = b"c_codecs\nencode\n"
_MARK = ord("(")
# A block's ids and weights take at most 128 * (5 + 9) bytes of the decompressed stream.
_HEAD_BYTES = 4096


def _block_ids_weights(m) -> tuple[Any, Any]:
    """(docnums, weights) of the current block of a W3 leaf matcher, without its values.

    Any block not laid out as expected is read the ordinary way, so the result is always
    Whoosh's own."""
    import pickle
    import zlib
    from itertools import accumulate

    if m._data is None and m._compression:
        raw = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
        head = zlib.decompressobj().decompress(raw, _HEAD_BYTES)
        at = head.find(_BYTES_GLOBAL)
        if at > 0 and head[at - 1] == _MARK:
            try:
                ids, weights, _ = pickle.loads(head[: at - 1] + b"N\x87.")
            except Exception:  # noqa: BLE001 - not the layout expected: read it whole
                ids = None
            n = m._blocklength
            if (
                isinstance(ids, tuple | bytes)
                and len(ids) == n
                and (weights is None or isinstance(weights, float) or len(weights) == n)
            ):
                if not m._byteids:
                    ids = tuple(accumulate(ids))
                if weights is None:
                    weights = (1.0,) * n
                elif isinstance(weights, float):
                    weights = (weights,) * n
                return ids, weights
    m._read_ids()
    m._read_weights()
    return m._ids, m._weights


def _decoder(fmt, kind: str):
    """A function decoding one posting value as `kind`: Whoosh's own, or for its Positions
    and Characters formats the same decoding with the per-position loop done in C."""
    import pickle
    from itertools import accumulate
    from operator import itemgetter

    from whoosh import formats

    if kind == "positions" and type(fmt) in (formats.Positions, formats.Characters):
        loads = pickle.loads
        first = itemgetter(0) if type(fmt) is formats.Characters else None

        def positions(value: bytes) -> list[int]:
            # A value is a 4-byte count and a pickle of deltas whose STOP may be trimmed.
            codes = loads(value[4:] if value.endswith(b".") else value[4:] + b".")
            return list(accumulate(map(first, codes) if first else codes))

        return positions
    return getattr(fmt, f"decode_{kind}")


def _adjacent(positions: list) -> bool:
    """True when some position p of the first word has p+1 for the second, p+2 for the third..."""
    if not all(positions):
        return False
    if len(positions) == 2:
        second = set(positions[1])
        return any(p + 1 in second for p in positions[0])
    rest = [set(p) for p in positions[1:]]
    return any(all(p + i in s for i, s in enumerate(rest, 1)) for p in positions[0])
