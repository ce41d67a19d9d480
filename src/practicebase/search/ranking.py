"""The ranking model: BM25F per word, weighted by how much of the query an entry answers.

A query is a list of *units*: one typed word with its spellings, acronym expansions and
synonyms, or one phrase (see `compile.py`). An entry's score is

    score(d) = sum over units u of  count(u) * bm25f(u, d)        (the BM25F part)
               * coverage(d) ** COVERAGE_POWER                   (how much it answers)

    coverage(d) = sum of count(u) * idf(u) over the units d matches
                  / sum of count(u) * idf(u) over all units

`bm25f` is BM25 per field with field boosts (title 3, summary 2, body 1, meta 1.5), summed,
with BM25's own inverse document frequency, log((N - n + 0.5) / (n + 0.5)), over the entries
holding the word in any field: a word half the entries hold says nothing about any of them.
`idf(u)` is the same formula over the entries the whole unit matches. `count(u)` is how often
the query asks for the unit: a long question repeats the words it is about.

So missing a rare, specific word costs an entry most of its score, and missing a word most
entries hold costs it almost nothing: the rare words of a question decide, and for a short
query of comparable words the entries holding all of them come first. docs/search.md gives the
measured effect of each part.
"""

from __future__ import annotations

import heapq
import os
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial, reduce
from itertools import compress
from math import log
from operator import and_, itemgetter
from typing import Any

from whoosh import query, scoring

from practicebase.whoosh_internals import field_lengths, phrase_postings, postings_blocks

K1 = 1.2
B = 0.75
COVERAGE_POWER = 1.0
CACHE_POSTINGS = 400_000
CACHE_PHRASE_POSTINGS = 100_000
# Words and compound units: this many postings as dicts, and this many more packed.
CACHE_UNIT_POSTINGS = 300_000
CACHE_PACKED_POSTINGS = 2_500_000
# A term more entries hold than this, in a word's synonyms or another compound unit, is
# scored straight into the unit's sum (no dict of its own, not kept in the term cache): at
# 50,000 entries a few such terms fill that cache anyway. Rarer terms stay cached for the
# keys typed next.
FUSED_POSTINGS = 16_384
# Protocol 5 pickles a dict of ints and floats in one C loop, three times as fast as
# filling arrays from it, about as compact, and loads as fast as a dict is made from arrays.
PICKLE_PROTOCOL = 5


# What a word held by half the entries or more weighs: nothing, but still positive, so that
# among the entries holding only such words the more relevant still rank first.
MIN_IDF = 1e-6


def idf(matching: int, total: int) -> float:
    """BM25's inverse document frequency (Robertson and Spärck Jones): a word held by half
    the entries or more is no evidence for any of them."""
    return max(MIN_IDF, log((total - matching + 0.5) / (matching + 0.5)))


class RankingWeighting(scoring.BM25F):
    """Whoosh's BM25F with BM25's inverse document frequency: the weighting every Whoosh
    searcher of practicebase uses, so Whoosh's own matchers score as `BulkScorer` does."""

    def idf(self, searcher: Any, fieldname: str, text: Any) -> float:
        parent = searcher.get_parent()
        return idf(parent.doc_frequency(fieldname, text), parent.doc_count_all())


@dataclass(frozen=True)
class Unit:
    """One part of a query that an entry can match or not."""

    query: Any
    # How often the query asks for it: a question repeats the words it is about.
    count: int = 1
    # Ranks the entries the other units find, and finds none of its own: an unknown word's
    # correction in a query whose other words match.
    optional: bool = False


def segments(searcher: Any) -> list[tuple[Any, int]]:
    """(sub-searcher, first global docnum) of each segment of `searcher`."""
    return [(searcher, 0)] if searcher.is_atomic() else list(searcher.subsearchers)


def term_docnums(searcher: Any, field: str, text: Any) -> frozenset[int]:
    """The global docnums of the live documents holding a term."""
    if field not in searcher.schema:
        return frozenset()
    try:
        btext = searcher.schema[field].to_bytes(text) if isinstance(text, str) else text
    except Exception:  # noqa: BLE001 - a value the field cannot hold: no document has it
        return frozenset()
    found: list[int] = []
    for sub, offset in segments(searcher):
        for ids, _weights in postings_blocks(sub.reader(), field, btext):
            found.extend(ids if not offset else [i + offset for i in ids])
    return frozenset(found)


def pruning_allowed() -> bool:
    """False when PRACTICEBASE_EXHAUSTIVE=1: every matching document is scored (what the
    differential tests compare pruning with). Read at each call."""
    return os.environ.get("PRACTICEBASE_EXHAUSTIVE", "") != "1"


# A score bound is compared after this relative margin, far above the rounding error of
# adding 64 units in another order: a document is skipped only when it surely ranks lower.
BOUND_MARGIN = 1e-9
# Set intersections the search for "which units can reach the top" may make before it
# settles for the coarser MaxScore split (long questions of many similar words).
MAX_BOUND_NODES = 128
# The share of the threshold below which "high" unit scores start, safely under 1 (the bound
# comparisons above allow for rounding to 1e-9; this allows a thousand times more).
HIGH_SHARE_MARGIN = 0.999
# Below this many matches (or this many times the page), scoring them all is as cheap.
MIN_PRUNED_MATCHES = 256
# The share of a unit's highest score from which its documents are the first scored, and
# how many of them at most.
LEADING_SHARE = 0.4
LEADING_POOL = 200


@dataclass
class Ranked:
    """The best documents of a query in order, and how many documents were scored."""

    top: list[tuple[float, int]]
    scored: int


class QueryScores:
    """The units of one query scored per document (see the module docstring): which
    documents match, the exact score of any of them, and the best k, pruned.

    Optional units score only documents a required unit matches, unless no required unit
    matches anything (then the query is, in effect, the optional units alone)."""

    def __init__(self, scorer: BulkScorer, units: Sequence[Unit], total: int) -> None:
        scored = [(unit, scorer.query(unit.query)) for unit in units]
        allowed: set[int] | None = None
        if any(unit.optional for unit in units):
            required = [scores for unit, scores in scored if not unit.optional]
            if any(required):
                allowed = set().union(*required)
        self.allowed = allowed
        # (docnum -> unit score, count, coverage weight, restricted to `allowed`) per unit
        self.parts = [
            (scores, unit.count, unit.count * idf(len(scores), total), unit.optional)
            for unit, scores in scored
        ]
        self.whole = sum(weight for _s, _c, weight, _o in self.parts) or 1.0

    @property
    def only_ranked(self) -> bool:
        """Whether optional units only ranked what the required ones matched."""
        return self.allowed is not None

    def matching(self) -> set[int]:
        """The documents matching the query (a new set): every one has a score."""
        if self.allowed is not None:
            return set(self.allowed)
        return set().union(*(scores for scores, _c, _w, _o in self.parts))

    def scores(self, docs: set[int] | None = None) -> dict[int, float]:
        """docnum -> score of the matching documents in `docs` (all when None).

        Each document's units are added in the query's order whatever `docs` holds, so a
        score is the same to the last bit however many documents are scored with it."""
        allowed = self.allowed
        # docnum -> BM25 part, and docnum -> covered idf: floats only, which the garbage
        # collector does not track (a list per entry made broad queries pay for collections).
        bm25: dict[int, float] = {}
        covered: dict[int, float] = {}
        for scores, count, weight, optional in self.parts:
            if docs is not None:
                common = scores.keys() & docs
                if allowed is not None and optional:
                    common &= allowed
                items: Any = ((d, scores[d]) for d in common)
            elif allowed is not None and optional:
                items = [(d, v) for d, v in scores.items() if d in allowed]
            else:
                items = scores.items()
            get_score, get_cover = bm25.get, covered.get
            if count == 1:
                for docnum, score in items:
                    bm25[docnum] = get_score(docnum, 0.0) + score
                    covered[docnum] = get_cover(docnum, 0.0) + weight
            else:
                for docnum, score in items:
                    bm25[docnum] = get_score(docnum, 0.0) + count * score
                    covered[docnum] = get_cover(docnum, 0.0) + weight
        power = COVERAGE_POWER
        if power == 1.0:
            scale = 1.0 / self.whole
            return {d: s * covered[d] * scale for d, s in bm25.items()}
        whole = self.whole
        return {d: s * (covered[d] / whole) ** power for d, s in bm25.items()}

    def best(self, matched: set[int], k: int, prune: bool = True) -> Ranked:
        """The k best of `matched` (documents of `matching()`, perhaps filtered) as
        (score, docnum), highest first, equal scores by lower docnum.

        Pruned (MaxScore-like, over the unit scores already read): the exact scores of a few
        documents scoring high in some unit (or, failing k of them, holding the query's
        weightiest units together) give a threshold, the k-th best of them; a document's
        score is at most (sum of the highest scores of the units it matches) x (their
        coverage), so only documents matching units whose bound reaches the threshold, and
        scoring high enough in one of them, are scored. The result is the exhaustive one,
        bit for bit."""
        if not prune or not pruning_allowed():
            scores = self.scores()
            return Ranked(_top(scores, matched, k), len(scores))
        if len(matched) <= max(MIN_PRUNED_MATCHES, 4 * k):
            scores = self.scores(matched)
            return Ranked(_top(scores, matched, k), len(scores))
        # (unit scores, highest count x score, coverage weight, highest score), weightiest
        # bound first
        peaks = [
            (scores, count, weight, max(scores.values()))
            for scores, count, weight, _o in self.parts
            if scores
        ]
        peaks.sort(key=lambda p: -p[1] * p[3] * p[2])
        parts = [(scores, count * peak, weight) for scores, count, weight, peak in peaks]
        # The documents scoring at least LEADING_SHARE of some unit's highest score: a few
        # thousand of 50,000 (a unit's scores fall off fast from its highest), among them
        # nearly always the best, so the k-th best of their exact scores is a threshold
        # as high as it gets, found without ranking every document that matches.
        leading = [
            ({d: v for d, v in scores.items() if v >= LEADING_SHARE * peak}, peak)
            for scores, _count, _weight, peak in peaks
        ]
        pool = set().union(*(lead for lead, _peak in leading)) & matched
        if len(pool) > LEADING_POOL:
            # (units whose scores are much alike lead with most of their documents: those
            # leading in more units, by more, first)
            summed: dict[int, float] = {}
            get = summed.get
            for lead, _peak in leading:
                for d, v in lead.items():
                    summed[d] = get(d, 0.0) + v
            pool = set(heapq.nlargest(LEADING_POOL, pool, key=summed.__getitem__))
        if len(pool) < k:
            pool = self._pool(parts, matched, k)
        pooled = self.scores(pool)
        if len(pooled) < k:
            scores = self.scores(matched)
            return Ranked(_top(scores, matched, k), len(pooled) + len(scores))
        threshold = heapq.nlargest(k, pooled.values())[-1]
        # A document whose every unit scores at most `share` of that unit's highest score is
        # bounded by `share` x the bound of all units, under the threshold: only documents
        # scoring above that share in some unit can reach it (and when that share is at
        # least LEADING_SHARE, those are among the leading documents already picked).
        share = (
            HIGH_SHARE_MARGIN
            * threshold
            / self._bound(sum(p[1] for p in parts), sum(p[2] for p in parts))
        )
        if share >= LEADING_SHARE:
            high = set().union(
                *({d for d, v in lead.items() if v > share * peak} for lead, peak in leading)
            )
        else:
            high = set().union(
                *({d for d, v in s.items() if v > cut} for s, cut in _cuts(peaks, share))
            )
        candidates = _reaching(parts, high & matched, threshold, self._bound)
        # (a score is the same to the bit whichever documents are scored with it)
        scores = self.scores(candidates - pooled.keys())
        scored = len(pooled) + len(scores)
        scores.update((d, pooled[d]) for d in candidates & pooled.keys())
        return Ranked(_top(scores, candidates, k), scored)

    def _bound(self, bm25: float, covered: float) -> float:
        """The score of a document with this BM25 part and covered idf, with the margin."""
        if COVERAGE_POWER == 1.0:
            return bm25 * covered * (1.0 / self.whole) * (1.0 + BOUND_MARGIN)
        return bm25 * (covered / self.whole) ** COVERAGE_POWER * (1.0 + BOUND_MARGIN)

    @staticmethod
    def _pool(parts: list[tuple[dict[int, float], float, float]], matched: set[int], k: int):
        """A few matching documents likely to rank high, when fewer than k score high in
        some unit: those holding the weightiest units together, as many as keep at least k,
        at most a few pages of them."""
        pool = matched
        narrowed: list[tuple[float, dict[int, float]]] = []
        for scores, most, _weight in parts:
            narrower = scores.keys() & pool
            if len(narrower) >= k:
                pool = narrower
                narrowed.append((most, scores))
        limit = max(2 * k, 50)
        if len(pool) > limit:
            # Ranked by the sum of the (up to three) units of highest scores it holds.
            leads = [scores for _most, scores in heapq.nlargest(3, narrowed, key=itemgetter(0))]
            if len(leads) == 3:
                a, b, c = leads
                key = lambda d: a[d] + b[d] + c[d]  # noqa: E731
            elif len(leads) == 2:
                a, b = leads
                key = lambda d: a[d] + b[d]  # noqa: E731
            elif leads:
                key = leads[0].__getitem__
            else:  # no unit holds k of them: by the weightiest unit, 0 where it is missing
                lead = parts[0][0].get
                key = lambda d: lead(d, 0.0)  # noqa: E731
            pool = set(heapq.nlargest(limit, sorted(pool), key=key))
        return pool


def _cuts(
    peaks: list[tuple[dict[int, float], int, float, float]], share: float
) -> list[tuple[dict[int, float], float]]:
    """(unit scores, `share` of its highest score) per unit."""
    return [(scores, share * peak) for scores, _count, _weight, peak in peaks]


def _reaching(
    parts: list[tuple[dict[int, float], float, float]],
    matched: set[int],
    threshold: float,
    bound: Any,
) -> set[int]:
    """The documents of `matched` whose matched units bound a score of `threshold` or more.

    A depth-first search over sets of units (weightiest first), intersecting their
    documents: a set whose bound reaches the threshold adds its documents (bigger sets add
    no others); a set that cannot reach it even with every later unit is dropped. Past
    MAX_BOUND_NODES intersections: MaxScore's split, the documents of every unit but the
    lightest few whose bound together stays under the threshold."""
    n = len(parts)
    rest_most = [0.0] * (n + 1)
    rest_weight = [0.0] * (n + 1)
    for i in range(n - 1, -1, -1):
        rest_most[i] = rest_most[i + 1] + parts[i][1]
        rest_weight[i] = rest_weight[i + 1] + parts[i][2]
    found: set[int] = set()
    nodes = 0
    stack: list[tuple[int, float, float, set[int]]] = [(0, 0.0, 0.0, matched)]
    while stack:
        start, most, weight, docs = stack.pop()
        for j in range(start, n):
            scores, unit_most, unit_weight = parts[j]
            # With every unit from j on: if that cannot reach the threshold, no later
            # choice can (each leaves out more).
            if bound(most + rest_most[j], weight + rest_weight[j]) < threshold:
                break
            nodes += 1
            if nodes > MAX_BOUND_NODES:
                return _essential(parts, matched, threshold, bound)
            narrower = scores.keys() & docs
            if not narrower:
                continue
            if bound(most + unit_most, weight + unit_weight) >= threshold:
                found |= narrower
            else:
                stack.append((j + 1, most + unit_most, weight + unit_weight, narrower))
    return found


def _essential(
    parts: list[tuple[dict[int, float], float, float]],
    matched: set[int],
    threshold: float,
    bound: Any,
) -> set[int]:
    """MaxScore's candidates: the matching documents of every unit except the lightest
    ones, which together bound a score under the threshold."""
    most = weight = 0.0
    keep = len(parts)
    for i in range(len(parts) - 1, -1, -1):  # the lightest last in `parts`
        if bound(most + parts[i][1], weight + parts[i][2]) >= threshold:
            break
        most, weight, keep = most + parts[i][1], weight + parts[i][2], i
    essential = [scores for scores, _m, _w in parts[:keep]]
    return set().union(*essential) & matched if essential else set()


def _top(scores: dict[int, float], docs: set[int], k: int) -> list[tuple[float, int]]:
    """The k highest-scoring of `docs` as (score, docnum); equal scores by lower docnum
    (the documents in order, and nlargest is stable), a C key function, no tuple each."""
    best = heapq.nlargest(k, sorted(docs), key=scores.__getitem__)
    return [(scores[d], d) for d in best]


@dataclass
class Unscored:
    """A term's live postings read but not scored yet: (first docnum of the segment, its
    length parts, segment docnums, weights) per block, the weight of its scores (idf x
    boost) and how many postings there are."""

    blocks: list[tuple[int, list[float], Any, Any]]
    weight: float
    size: int

    def __len__(self) -> int:
        return self.size


class ScoreCache:
    """docnum -> score dicts by key, the least recently used dropped first: the latest
    `hot` postings as dicts, ready to use, and older ones up to `packed` postings more
    pickled (about 12 bytes a posting, where a dict takes about 100; pickling and loading
    run in C, the floats to the bit). At 50,000 entries a broad query's words and units
    come back packed for a twentieth of the cost of reading and scoring their postings
    again."""

    def __init__(self, hot: int, packed: int) -> None:
        self.hot_limit = hot
        self.packed_limit = packed
        self._hot: dict[Any, dict[int, float]] = {}
        self._hot_size = 0
        self._packed: dict[Any, tuple[int, bytes]] = {}  # (postings, pickle)
        self._packed_size = 0

    def get(self, key: Any) -> dict[int, float] | None:
        found = self._hot.pop(key, None)
        if found is None:
            packed = self._packed.pop(key, None)
            if packed is None:
                return None
            self._packed_size -= packed[0]
            found = pickle.loads(packed[1])
            self._hot_size += len(found)
        self._hot[key] = found  # the most recent last
        self._shrink()
        return found

    def put(self, key: Any, scores: dict[int, float]) -> None:
        old = self._hot.pop(key, None)
        if old is not None:
            self._hot_size -= len(old)
        self._hot[key] = scores
        self._hot_size += len(scores)
        self._shrink()

    def _shrink(self) -> None:
        """Pack the oldest dicts past the hot limit (never the newest), and drop the oldest
        packed ones past the packed limit."""
        while self._hot_size > self.hot_limit and len(self._hot) > 1:
            key = next(iter(self._hot))
            scores = self._hot.pop(key)
            self._hot_size -= len(scores)
            if len(scores) <= self.packed_limit:
                self._packed[key] = (len(scores), pickle.dumps(scores, PICKLE_PROTOCOL))
                self._packed_size += len(scores)
        while self._packed_size > self.packed_limit:
            self._packed_size -= self._packed.pop(next(iter(self._packed)))[0]


class BulkScorer:
    """BM25F (as `RankingWeighting` computes it) over whole posting lists at once.

    Scoring match by match through Whoosh's matcher tree costs about 10 µs per document and
    clause in Python; reading a posting list block by block and scoring it in one loop costs a
    fraction of that, and the per-term results are cached for the life of the reader, so the
    queries typed one key at a time reuse the words already typed. Per reader: make a new one
    after `refresh()`.
    """

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.segments = segments(searcher)
        self._lengths: dict[tuple[int, str], list[float]] = {}
        self._cache: dict[tuple[str, object, float], dict[int, float]] = {}
        self._cached = 0
        # Verified phrases apart from the term cache, whose clearing would otherwise take
        # them along: checking positions is the dearest step of a query, and a phrase
        # stays in the query while more words are typed after it.
        self._phrases: dict[tuple[str, tuple[str, ...]], dict[int, float]] = {}
        self._phrased = 0
        # Words and compound units apart too, so that caching them never evicts the terms.
        self._units = ScoreCache(CACHE_UNIT_POSTINGS, CACHE_PACKED_POSTINGS)

    def term(self, field: str, text: Any, boost: float = 1.0) -> dict[int, float]:
        """docnum -> boosted BM25 score of one term in one field (cached)."""
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

    def _score_term(
        self, field: str, text: Any, boost: float, idf_free: bool = False
    ) -> dict[int, float]:
        searcher = self.searcher
        scores: dict[int, float] = {}
        schema = searcher.schema
        if field not in schema:
            return scores
        btext = schema[field].to_bytes(text) if isinstance(text, str) else text
        if searcher.doc_count_all() == 0 or searcher.doc_frequency(field, btext) == 0:
            return scores
        if not schema[field].scorable:
            for docnum in term_docnums(searcher, field, btext):
                scores[docnum] = boost
            return scores
        weight = boost if idf_free else searcher.idf(field, btext) * boost
        c, k = K1 * (1 - B), K1 + 1
        for offset, dl, ids, weights in self._blocks(field, btext):
            for docnum, w in zip(ids, weights, strict=False):
                scores[docnum + offset] = weight * (w * k) / (w + c + dl[docnum])
        return scores

    def _blocks(self, field: str, btext: bytes) -> Iterator[tuple[int, list[float], Any, Any]]:
        """(first docnum of the segment, its length part per docnum, segment docnums,
        weights) of each block of a term's live postings, segment by segment. The length
        part is BM25's K1 x B x field length / average field length."""
        for index, (sub, offset) in enumerate(self.segments):
            reader = sub.reader()
            if (field, btext) not in reader:
                continue
            dl = self._length_parts(index, field)
            for ids, weights in postings_blocks(reader, field, btext):
                yield offset, dl, ids, weights

    def _length_parts(self, index: int, field: str) -> list[float]:
        """K1 x B / average field length x the field's length, by docnum of one segment."""
        key = (index, field)
        found = self._lengths.get(key)
        if found is None:
            avgfl = self.searcher.avg_field_length(field) or 1
            d = K1 * B / avgfl
            lengths = field_lengths(self.segments[index][0].reader(), field)
            found = self._lengths[key] = [d * length for length in lengths]
        return found

    def query(self, q: Any, boost: float = 1.0) -> dict[int, float]:
        """docnum -> score for a query tree of ORs over terms; other queries by matcher."""
        if isinstance(q, query.Term):
            return self.term(q.fieldname, q.text, boost * q.boost)
        if isinstance(q, query.Or):
            fields = _one_word_in_fields(q)
            if fields is not None:
                return self.word(fields, boost * q.boost)
            return self._cached_unit(q, boost, self._or_scores)
        if isinstance(q, query.Phrase) and q.slop == 1 and len(q.words) > 1:
            found = self.phrase(q.fieldname, tuple(q.words))
            if found is not None:
                scale = boost * q.boost
                return {docnum: score * scale for docnum, score in found.items()}
        if isinstance(q, query.And) and q.subqueries:
            return self._cached_unit(q, boost, self._and_scores)
        searcher = self.searcher
        out = {}
        m = q.matcher(searcher, searcher.context())
        while m.is_active():
            out[m.id()] = m.score() * boost
            m.next()
        return out

    def _cached_unit(self, q: Any, boost: float, score: Any) -> dict[int, float]:
        """`score(q, boost)`, cached (least recently used dropped first, apart from the term
        cache): a query's units (a word with its synonyms, a multi-word synonym) come back at
        every key typed after them, when typing pauses, and when a question is asked again.
        Whoosh queries compare equal by class, fields, words and boosts."""
        key = (q, boost)
        found = self._units.get(key)
        if found is None:
            found = score(q, boost)
            self._units.put(key, found)
        return found

    def _or_scores(self, q: Any, boost: float) -> dict[int, float]:
        parts: list[dict[int, float] | Unscored] = []
        self._or_parts(q, boost, parts)
        return _or_summed(parts)

    def _and_scores(self, q: Any, boost: float) -> dict[int, float]:
        parts = sorted((self.query(sub, boost * q.boost) for sub in q.subqueries), key=len)
        common = set(parts[0]).intersection(*parts[1:])
        first, *rest = parts
        found = {docnum: first[docnum] for docnum in common}
        for part in rest:  # added in the same order as sum() would, a comprehension each
            found = {docnum: score + part[docnum] for docnum, score in found.items()}
        return found

    def word(self, fields: tuple[tuple[str, Any, float], ...], boost: float) -> dict[int, float]:
        """docnum -> score of one word in several text fields (cached): BM25 per field,
        weighted by the field's boost and added, with one idf for the word, over the entries
        that hold it in any field. How much a word tells about an entry depends on how many
        entries hold it, not on how many titles do."""
        key = ("\x00word", fields, boost)
        found = self._units.get(key)
        if found is not None:
            return found
        found = self._word_scores(fields, boost)
        self._units.put(key, found)
        return found

    def _word_scores(
        self, fields: tuple[tuple[str, Any, float], ...], boost: float
    ) -> dict[int, float]:
        """`word`'s scores, uncached: what `_summed` gives over each field's scores without
        idf, scaled by the word's idf, computed in one pass per field without a dict each."""
        schema = self.searcher.schema
        if not all(field in schema and schema[field].scorable for field, _t, _b in fields):
            parts = [self._score_term(field, text, fboost, True) for field, text, fboost in fields]
            parts = [p for p in parts if p]
            matching = len(parts[0]) if len(parts) == 1 else len(set().union(*parts))
            return _summed(parts, idf(matching, self.searcher.doc_count_all()) * boost)
        read = []  # (live postings, blocks, field boost) of each field holding the word
        for field, text, fboost in fields:
            btext = schema[field].to_bytes(text) if isinstance(text, str) else text
            blocks = list(self._blocks(field, btext))
            live = sum(len(ids) for _o, _dl, ids, _w in blocks)
            if live:
                read.append((live, blocks, fboost))
        if not read:
            return {}
        # The field of most entries first, as `_summed` takes them (a stable sort).
        read.sort(key=itemgetter(0), reverse=True)
        if len(read) == 1:
            matching = read[0][0]
        else:  # the union of the fields' entries, counted in C
            held: set[int] = set()
            for _live, blocks, _fboost in read:
                for offset, _dl, ids, _w in blocks:
                    held.update(ids if not offset else map(offset.__add__, ids))
            matching = len(held)
        scale = idf(matching, self.searcher.doc_count_all()) * boost
        c, k = K1 * (1 - B), K1 + 1
        found: dict[int, float] = {}
        get = found.get
        for n, (_live, blocks, fboost) in enumerate(read):
            for offset, dl, ids, weights in blocks:
                if n == 0:
                    for docnum, w in zip(ids, weights, strict=False):
                        found[docnum + offset] = fboost * (w * k) / (w + c + dl[docnum]) * scale
                else:
                    for docnum, w in zip(ids, weights, strict=False):
                        total = docnum + offset
                        found[total] = (
                            get(total, 0.0) + fboost * (w * k) / (w + c + dl[docnum]) * scale
                        )
        return found

    def _or_parts(self, q: Any, boost: float, parts: list[dict[int, float] | Unscored]) -> None:
        """The scores of the clauses of nested ORs, flattened, so they are summed once; a
        term of many postings not in the term cache is read but left unscored, to be scored
        straight into the sum (`_or_summed`)."""
        for sub in q.subqueries:
            if isinstance(sub, query.Or):
                self._or_parts(sub, boost * q.boost, parts)
            else:
                part: Any = None
                if isinstance(sub, query.Term):
                    part = self._unscored(sub.fieldname, sub.text, boost * q.boost * sub.boost)
                if part is None:
                    part = self.query(sub, boost * q.boost)
                if part:
                    parts.append(part)

    def _unscored(self, field: str, text: Any, boost: float) -> Unscored | None:
        """A term's live postings, read and left unscored, when more than FUSED_POSTINGS
        entries hold it and `term` has not cached its scores; else None."""
        if (field, text, boost) in self._cache:
            return None
        searcher = self.searcher
        schema = searcher.schema
        if field not in schema or not schema[field].scorable or not searcher.doc_count_all():
            return None
        btext = schema[field].to_bytes(text) if isinstance(text, str) else text
        if searcher.doc_frequency(field, btext) <= FUSED_POSTINGS:
            return None
        blocks = list(self._blocks(field, btext))
        live = sum(len(ids) for _o, _dl, ids, _w in blocks)
        return Unscored(blocks, searcher.idf(field, btext) * boost, live)

    def phrase(self, field: str, words: tuple[str, ...]) -> dict[int, float] | None:
        """docnum -> unboosted score of the words next to each other in `field` (cached), as
        Whoosh's phrase matcher scores it: the sum of the words' scores (each as `term`
        scores it). None when the field keeps no positions or no lengths (Whoosh's matcher
        then answers).

        Whoosh's matcher walks a tree of span matchers for every document holding all the
        words (10 µs and more each). Here each segment's postings of the rarest word are
        read once, positions and weights together, and each other word's only in the
        documents holding the words before it; only the documents where the words are
        adjacent are scored.
        """
        key = (field, words)
        found = self._phrases.get(key)
        if found is not None:
            return found
        searcher = self.searcher
        schema = searcher.schema
        if field not in schema:
            return {}
        fmt = schema[field].format
        if fmt is None or not fmt.supports("positions") or not schema[field].scorable:
            return None
        found = self._adjacent_scores(field, words)
        while self._phrases and self._phrased + len(found) > CACHE_PHRASE_POSTINGS:
            self._phrased -= len(self._phrases.pop(next(iter(self._phrases))))  # oldest
        self._phrases[key] = found
        self._phrased += len(found)
        return found

    def _adjacent_scores(self, field: str, words: tuple[str, ...]) -> dict[int, float]:
        searcher = self.searcher
        btexts = [searcher.schema[field].to_bytes(word) for word in words]
        frequencies = [searcher.doc_frequency(field, btext) for btext in btexts]
        found: dict[int, float] = {}
        if searcher.doc_count_all() == 0 or not all(frequencies):
            return found
        # BM25 of each word as `_score_term` computes it (boost 1), the same float operations
        idfs = [searcher.idf(field, btext) * 1.0 for btext in btexts]
        c, k = K1 * (1 - B), K1 + 1
        rarest_first = sorted(range(len(words)), key=frequencies.__getitem__)
        for index, (sub, offset) in enumerate(self.segments):
            reader = sub.reader()
            bits: list[dict[int, int]] = [{}] * len(words)
            weights: list[dict[int, float]] = [{}] * len(words)
            docnums: list[int] | None = None  # holding every word read so far
            for i in rarest_first:
                bits[i], weights[i] = phrase_postings(reader, field, btexts[i], docnums)
                docnums = sorted(bits[i])
                if not docnums:
                    break
            if not docnums:
                continue
            dl = self._length_parts(index, field)
            scoring = list(zip(idfs, weights, strict=True))
            for docnum in _adjacent_in(docnums, bits):
                score = 0.0  # (the words' scores added in order, as `sum` adds them)
                for idf, word_weights in scoring:
                    w = word_weights[docnum]
                    score += idf * (w * k) / (w + c + dl[docnum])
                found[offset + docnum] = score
        return found


def _one_word_in_fields(q: Any) -> tuple[tuple[str, Any, float], ...] | None:
    """((field, text, boost), ...) when `q` is an OR of one term in several different fields
    (a typed word in the text fields), else None."""
    subs = q.subqueries
    if len(subs) < 2 or not all(type(sub) is query.Term for sub in subs):
        return None
    if len({sub.text for sub in subs}) != 1 or len({sub.fieldname for sub in subs}) != len(subs):
        return None
    return tuple((sub.fieldname, sub.text, sub.boost) for sub in subs)


def _summed(parts: list[dict[int, float]], scale: float = 1.0) -> dict[int, float]:
    """docnum -> `scale` times the sum of its scores in `parts`: the largest copied, the
    others added."""
    if not parts:
        return {}
    parts.sort(key=len, reverse=True)
    out = dict(parts[0]) if scale == 1.0 else {d: v * scale for d, v in parts[0].items()}
    get = out.get
    for part in parts[1:]:
        if scale == 1.0:
            for docnum, score in part.items():
                out[docnum] = get(docnum, 0.0) + score
        else:
            for docnum, score in part.items():
                out[docnum] = get(docnum, 0.0) + score * scale
    return out


def _or_summed(parts: list[dict[int, float] | Unscored]) -> dict[int, float]:
    """`_summed(parts)` where some parts are terms' postings not yet scored: each scored as
    `term` would score it, straight into the sum, in the order `_summed` adds them."""
    if not any(isinstance(part, Unscored) for part in parts):
        return _summed(parts)  # type: ignore[arg-type]
    parts.sort(key=len, reverse=True)
    c, k = K1 * (1 - B), K1 + 1
    out: dict[int, float] = {}
    get = out.get
    for n, part in enumerate(parts):
        if isinstance(part, dict):
            if n == 0:
                out.update(part)
            else:
                for docnum, score in part.items():
                    out[docnum] = get(docnum, 0.0) + score
            continue
        weight = part.weight
        for offset, dl, ids, weights in part.blocks:
            if n == 0:
                for docnum, w in zip(ids, weights, strict=False):
                    out[docnum + offset] = weight * (w * k) / (w + c + dl[docnum])
            else:
                for docnum, w in zip(ids, weights, strict=False):
                    total = docnum + offset
                    out[total] = get(total, 0.0) + weight * (w * k) / (w + c + dl[docnum])
    return out


def _adjacent_in(docnums: list[int], bits: list[dict[int, int]]) -> list[int]:
    """The documents of `docnums` (each in every dict of `bits`) where some position p of
    the first word has p+1 for the second, p+2 for the third... (`bits`: docnum -> an int
    with bit p set for each position p of the word, per word): the AND of the words' bits,
    the first shifted most, is not 0. In C, no Python step per document."""
    last = len(bits) - 1
    shifted = [
        map((last - i).__rlshift__, map(word.__getitem__, docnums))
        if i < last
        else map(word.__getitem__, docnums)
        for i, word in enumerate(bits)
    ]
    return list(compress(docnums, reduce(partial(map, and_), shifted)))
