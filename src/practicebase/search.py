"""The search API the CLI and the terminal UI call: plain dataclasses in and out.

CONTRACT (owned by the search engine work): the dataclasses below are the interface the
terminal UI is built against; fields may be added, not renamed or removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

SORTS = ("relevance", "reviewed", "title")
FACET_FIELDS = ("force", "theme", "stage", "outcome", "status", "audience", "classification")


@dataclass(frozen=True)
class SearchRequest:
    """One search: the typed query plus facet filters, sort and paging.

    `filters` are (field, value) pairs using the query language's field names and stored ids,
    e.g. ("force", "west-midlands"), ("theme", "referrals"). Values of the same field are ORed,
    different fields ANDed; they are combined with `text` into one query.
    """

    text: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20
    with_facets: bool = True
    with_snippets: bool = True
    # While typing: the last word may be unfinished, so it also matches as a prefix.
    as_you_type: bool = False


@dataclass(frozen=True)
class Hit:
    """One matching entry, with what a results row shows."""

    id: str
    title: str
    forces: tuple[str, ...]
    force_names: tuple[str, ...]
    themes: tuple[str, ...]
    stage: str
    outcome: str | None
    status: str
    classification: str
    last_reviewed: date
    review_due: date
    is_due: bool
    path: str
    score: float = 0.0
    snippet: str = ""
    # (start, end) character offsets in `snippet` of the matched words, to emphasise.
    snippet_spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class SearchResult:
    """The hits of one page, the total over all pages, facet counts and spelling help."""

    request: SearchRequest
    hits: tuple[Hit, ...]
    total: int
    # facet field -> [(value id, count)], most frequent first, over all hits.
    facets: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    # A corrected query to offer as "did you mean", when the query finds nothing or little.
    suggestion: str | None = None
    # Words that matched nothing and what was searched instead: (typed, (used, ...)).
    corrections: tuple[tuple[str, tuple[str, ...]], ...] = ()
    elapsed_ms: float = 0.0


# --- the searcher --------------------------------------------------------------------------
# Everything below imports Whoosh lazily: importing this module for the dataclasses is cheap.

import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterable  # noqa: E402
from datetime import datetime, timedelta  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

if TYPE_CHECKING:
    from practicebase.entry import Entry
    from practicebase.kb import KnowledgeBase

TEXT_BOOSTS = (("title", 3.0), ("summary", 2.0), ("body", 1.0), ("meta", 1.5))
SYNONYM_BOOST = 0.5
EQUIVALENT_BOOST = 0.9
PREFIX_LIMIT = 12
PREFIX_BUDGET = 24
PREFIX_SCAN_LIMIT = 3000
MAX_UNITS = 32
SNIPPET_CHARS = 220
MIN_HITS_FOR_NO_SUGGESTION = 3

# Only the classes a multi-valued keyword field stores ids in; classification is uppercase.
_CLASSIFICATION_FIELD = "classification"


class Searcher:
    """Searches the index of one knowledge base; safe to call from several threads.

    One Whoosh searcher is reused between queries; `refresh()` picks up commits and rebuilds.
    Raises `practicebase.index.IndexUnavailable` when the index cannot be opened.
    """

    def __init__(self, kb: KnowledgeBase):
        from practicebase.analysis import expansions, text_analyzer

        self.kb = kb
        self.vocabulary = kb.vocabulary
        self._analyzer = text_analyzer(self.vocabulary)
        self._expansions = expansions(self.vocabulary)
        self._lock = threading.RLock()
        self._ix = None
        self._searcher = None
        self._generation: str | None = None
        self._cache: _ReaderCache | None = None
        self._sets: _DocSets | None = None
        self._scorer = None
        self._words = None
        self._words_stamp: tuple[str, float] | None = None
        self._open()

    # -- lifecycle --

    def _open(self) -> None:
        from practicebase.index import open_searcher

        ix, generation, searcher = open_searcher(self.kb)
        old = self._ix, self._searcher
        self._ix, self._generation = ix, generation
        self._searcher = searcher
        self._cache = None
        if old[1] is not None:
            old[1].close()
        if old[0] is not None:
            old[0].close()

    def refresh(self) -> None:
        """Pick up index commits and rebuilds made since the searcher was opened."""
        from practicebase.index import current_generation

        with self._lock:
            if self._searcher is None:
                self._open()
                return
            if current_generation(self.kb) != self._generation:
                self._open()
                return
            try:
                fresh = self._searcher.refresh()
            except _damage_errors() as exc:
                self._reopen_after(exc)
                return
            if fresh is not self._searcher:
                self._searcher = fresh
                self._cache = None

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            if self._ix is not None:
                self._ix.close()
            self._searcher = self._ix = None
            self._cache = None

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _reopen_after(self, exc: BaseException) -> None:
        from practicebase.index import IndexUnavailable, damaged_index

        try:
            self._open()
        except IndexUnavailable:
            raise
        except _damage_errors() as again:
            raise damaged_index(again) from exc

    def _guarded(self, work):
        """Run `work(searcher)`; a vanished or damaged index is reopened once, then reported."""
        from practicebase.index import IndexUnavailable, damaged_index

        with self._lock:
            if self._searcher is None:
                self._open()
            try:
                return work(self._searcher)
            except IndexUnavailable:
                raise
            except _damage_errors() as exc:
                self._reopen_after(exc)
                try:
                    return work(self._searcher)
                except _damage_errors() as again:
                    raise damaged_index(again) from again

    def _word_list(self):
        """The generation's word list, reloaded when the index rewrote it."""
        from practicebase.analysis import WordList
        from practicebase.index import WORDS_FILE, read_words

        location = self.kb.index_dir / (self._generation or "")
        try:
            stamp = (str(location), (location / WORDS_FILE).stat().st_mtime)
        except OSError:
            return self._words or WordList()
        if self._words is None or stamp != self._words_stamp:
            self._words = read_words(location)
            self._words_stamp = stamp
        return self._words

    def _bulk(self, searcher):
        from practicebase.scoring import BulkScorer

        if self._scorer is None or self._scorer.searcher is not searcher:
            self._scorer = BulkScorer(searcher)
        return self._scorer

    def _doc_sets(self, searcher) -> _DocSets:
        if self._sets is None or self._sets.searcher is not searcher:
            self._sets = _DocSets(searcher)
        return self._sets

    def _reader_cache(self, searcher) -> _ReaderCache:
        if self._cache is None:
            self._cache = _ReaderCache(searcher, self.vocabulary)
        return self._cache

    # -- public API --

    def search(self, request: SearchRequest) -> SearchResult:
        """Run one request: hits of the asked page with snippets, total, facets, spelling help."""
        started = time.perf_counter()
        result = self._guarded(lambda s: self._search(s, request))
        return SearchResult(
            request=result.request,
            hits=result.hits,
            total=result.total,
            facets=result.facets,
            suggestion=result.suggestion,
            corrections=result.corrections,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def more_like_this(self, entry_id: str, limit: int = 10) -> tuple[Hit, ...]:
        """Entries most like `entry_id` by their key words; other forces' practice first."""
        return self._guarded(lambda s: self._more_like_this(s, entry_id, limit))

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, read afresh from its file (None if gone or now invalid)."""
        rel = self._guarded(lambda s: self._path_of(s, entry_id))
        if rel is None:
            return None
        from practicebase.validate import load_entry

        path = self.kb.root / rel
        # The index is a cache, not a trusted source: never read outside entries/.
        if not path.resolve().is_relative_to(self.kb.entries_dir.resolve()):
            return None
        loaded = load_entry(path, self.vocabulary)
        return loaded.entry

    def rarest_words(self, words: Iterable[str], limit: int, field: str = "body") -> list[str]:
        """Up to `limit` of `words` that the fewest indexed entries hold in `field` (at least
        one does), rarest first: the words that tell a near copy from entries on the same
        topic. A word that analyses to more or fewer than one term is left out."""

        def rank(searcher) -> list[str]:
            reader = searcher.reader()
            if field not in reader.schema:
                return []
            ranked: list[tuple[int, str]] = []
            for word in dict.fromkeys(words):
                terms = [t.text for t in self._analyzer(word)]
                if len(terms) != 1:
                    continue
                count = reader.doc_frequency(field, terms[0])
                if count > 0:
                    ranked.append((count, word))
            ranked.sort()
            return [word for _count, word in ranked[: max(0, limit)]]

        return self._guarded(rank)

    def titles(self) -> list[tuple[str, str]]:
        """(id, title) of every indexed entry, by title."""
        cache = self._guarded(self._reader_cache)
        return list(cache.titles)

    def coverage_pairs(self) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        """(forces, themes) of every indexed entry."""
        cache = self._guarded(self._reader_cache)
        return [(cache.values["force"][d], cache.values["theme"][d]) for d in cache.live_docnums]

    # -- internals --

    def _path_of(self, searcher, entry_id: str) -> str | None:
        docnum = searcher.document_number(id=entry_id.strip().lower())
        if docnum is None:
            return None
        return searcher.stored_fields(docnum)["data"]["path"]

    def _search(self, searcher, request: SearchRequest) -> SearchResult:
        from practicebase.query import last_word_prefix, parse

        today = date.today()
        parsed = parse(request.text, today=today)
        typing = request.as_you_type and last_word_prefix(request.text)
        compiler = _Compiler(self, searcher, today, typing)
        compiler._text = request.text or ""
        compiler.compile(parsed, request.filters)

        offset = max(0, int(request.offset))
        limit = max(0, min(int(request.limit), 1000))
        top = max(1, offset + limit)
        sort = request.sort if request.sort in SORTS else "relevance"
        if sort == "relevance" and not compiler.scored:
            sort = "title"
        sets = self._doc_sets(searcher)
        allow = (
            sets.docset(searcher, compiler.filter_query)
            if compiler.filter_query is not None and compiler.scored
            else None
        )
        restrict = (
            sets.docset(searcher, compiler.negative_query)
            if compiler.negative_query is not None
            else None
        )
        import heapq

        if sort == "relevance" and compiler.units:
            scores = self._bulk(searcher).units(compiler.units)
            matched = set(scores)
        else:
            scores = {}
            matched = sets.docset(searcher, compiler.scored_query)
        if allow is not None:
            matched &= allow
        if restrict is not None:
            matched -= restrict
        if sets.live is not None:
            matched &= sets.live
        if sort == "relevance" and compiler.units:
            # In document order, so equal scores keep the lower document number first
            # (nlargest is stable); a C key function instead of a tuple per document.
            best = heapq.nlargest(top, sorted(matched), key=scores.__getitem__)
            top_docs = [(scores[d], d) for d in best]
        else:
            key = sets.sort_key(sort)
            top_docs = [(0.0, d) for d in heapq.nsmallest(top, matched, key=key)]
        page = top_docs[offset : offset + limit]
        snippets = (
            _Snippets(searcher, compiler.highlight_terms, [d for _, d in page])
            if request.with_snippets
            else None
        )
        hits = tuple(self._hit(searcher, docnum, score, snippets, today) for score, docnum in page)
        # The per-reader facet data costs 0.3 s to build at 10,000 entries: only when asked.
        facets = self._reader_cache(searcher).facet_counts(matched) if request.with_facets else {}
        total = len(matched)
        suggestion = compiler.suggestion(total)
        return SearchResult(
            request=request,
            hits=hits,
            total=total,
            facets=facets,
            suggestion=suggestion,
            corrections=tuple(compiler.corrections),
        )

    def _hit(self, searcher, docnum: int, score: float, snippets, today: date) -> Hit:
        stored = searcher.stored_fields(docnum)
        data = stored["data"]
        snippet, spans = ("", ())
        if snippets is not None:
            snippet, spans = snippets.for_doc(docnum, stored)
        forces = tuple(data["forces"])
        review_due = data["review_due"]
        return Hit(
            id=data["id"],
            title=data["title"],
            forces=forces,
            force_names=tuple(self.vocabulary.force_name(f) for f in forces),
            themes=tuple(data["themes"]),
            stage=data["stage"],
            outcome=data["outcome"],
            status=data["status"],
            classification=data["classification"],
            last_reviewed=data["last_reviewed"],
            review_due=review_due,
            is_due=review_due < today,
            path=data["path"],
            score=float(score),
            snippet=snippet,
            snippet_spans=spans,
        )

    def _more_like_this(self, searcher, entry_id: str, limit: int) -> tuple[Hit, ...]:
        docnum = searcher.document_number(id=entry_id.strip().lower())
        if docnum is None:
            return ()
        stored = searcher.stored_fields(docnum)
        own = set(stored["data"]["forces"])
        text = "\n".join(
            (stored.get("title", ""), stored.get("summary", ""), stored.get("body", ""))
        )
        results = searcher.more_like(docnum, "body", text=text, top=max(1, limit) * 3, numterms=15)
        ranked = [(r.score or 0.0, r.docnum) for r in results]
        ranked.sort(
            key=lambda item: (bool(own & set(searcher.stored_fields(item[1])["data"]["forces"])),)
        )
        today = date.today()
        hits = []
        for score, other in ranked[: max(0, limit)]:
            hit = self._hit(searcher, other, score, None, today)
            summary = searcher.stored_fields(other).get("summary", "")
            hits.append(_with_snippet(hit, _shorten(summary, SNIPPET_CHARS), ()))
        return tuple(hits)


def _with_snippet(hit: Hit, snippet: str, spans: tuple[tuple[int, int], ...]) -> Hit:
    from dataclasses import replace

    return replace(hit, snippet=snippet, snippet_spans=spans)


def _shorten(text: str, limit: int) -> str:
    from practicebase.sanitize import clean_line

    text = " ".join(clean_line(text).split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


def _damage_errors() -> tuple[type[BaseException], ...]:
    from practicebase.index import _damage_errors as errors

    return errors()


class _DocSets:
    """Matching document sets from posting lists, with the term sets cached per reader."""

    def __init__(self, searcher) -> None:
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
            order = sorted(range(self.doc_count), key=lambda d: (titles[d], d) if titles else d)
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
            from practicebase.scoring import term_docnums

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
        from whoosh import query

        from practicebase.scoring import Filtered

        if isinstance(q, query.Term):
            return self.term_docs(searcher, q.fieldname, q.text)
        if isinstance(q, query.Or):
            return set().union(*(self._docs(searcher, sub) for sub in q.subqueries))
        if isinstance(q, query.And):
            parts = sorted((self._docs(searcher, sub) for sub in q.subqueries), key=len)
            return set(parts[0]).intersection(*parts[1:]) if parts else set()
        if isinstance(q, query.AndNot):
            return set(self._docs(searcher, q.a)) - self._docs(searcher, q.b)
        if isinstance(q, Filtered | query.Require):
            return set(self._docs(searcher, q.a)) & self._docs(searcher, q.b)
        if isinstance(q, query.ConstantScoreQuery):
            return self._docs(searcher, q.child)
        if isinstance(q, query.Every):
            return self.live if self.live is not None else set(range(self.doc_count))
        return set(searcher.docs_for_query(q))


class _ReaderCache:
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


class _Snippets:
    """Highlighted snippets for the hits on screen, from stored character offsets."""

    def __init__(self, searcher, terms: set[str], docnums: list[int]) -> None:
        self._chars: dict[tuple[str, int], list[tuple[int, int]]] = {}
        wanted = sorted(set(docnums))
        if not wanted:
            return
        from practicebase.scoring import term_characters

        for fieldname in ("body", "summary"):
            for term in terms:
                for docnum, chars in term_characters(searcher, fieldname, term, wanted).items():
                    spans = self._chars.setdefault((fieldname, docnum), [])
                    spans.extend((s, e) for _pos, s, e in chars)

    def for_doc(
        self, docnum: int, stored: dict[str, Any]
    ) -> tuple[str, tuple[tuple[int, int], ...]]:
        for fieldname in ("body", "summary"):
            spans = self._chars.get((fieldname, docnum))
            if spans:
                return _fragment(stored.get(fieldname, ""), sorted(set(spans)))
        return _shorten(stored.get("summary", ""), SNIPPET_CHARS), ()


def _fragment(text: str, spans: list[tuple[int, int]]) -> tuple[str, tuple[tuple[int, int], ...]]:
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
    from practicebase.sanitize import clean_line

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


def _union(subqueries):
    """An OR query that always uses Whoosh's binary union matchers.

    For more than two clauses on a segment of up to 5,000 documents Whoosh would otherwise
    preload every match into arrays, which cannot skip blocks that cannot reach the top page.
    """
    from whoosh.query.compound import DefaultOr

    return DefaultOr(list(subqueries))


class _Compiler:
    """Turns parsed clauses into one Whoosh query against one reader, noting what it widened."""

    def __init__(self, owner: Searcher, searcher, today: date, typing: bool) -> None:
        self.owner = owner
        self.searcher = searcher
        self.reader = searcher.reader()
        self.vocabulary = owner.vocabulary
        self.analyzer = owner._analyzer
        self.expansions = owner._expansions
        self.joinable = frozenset(owner._expansions.joinable)
        self.today = today
        self.typing = typing
        self.scored = False
        self.highlight_terms: set[str] = set()
        self.corrections: list[tuple[str, tuple[str, ...]]] = []
        self._typed_words: list[str] = []
        self._text = ""
        # Words all the prefixes of one query may expand to, together.
        self._prefix_budget = PREFIX_BUDGET

    # -- building blocks --

    def analyse(self, text: str) -> tuple[str, ...]:
        return tuple(t.text for t in self.analyzer(text))

    def terms_query(self, seq: tuple[str, ...], boost: float = 1.0, field: str | None = None):
        from whoosh import query

        from practicebase.analysis import joined

        fields = [(field, 1.0)] if field else TEXT_BOOSTS
        if len(seq) > 1 and seq in self.joinable:
            seq = (joined(seq),)  # the index holds known sequences as one term
        self.highlight_terms.update(seq)
        if len(seq) == 1:
            parts = [query.Term(f, seq[0], boost=b * boost) for f, b in fields]
        else:
            parts = [query.Phrase(f, list(seq), boost=b * boost) for f, b in fields]
        return parts[0] if len(parts) == 1 else _union(parts)

    def widened(self, seq: tuple[str, ...], field: str | None = None):
        """The query for a term sequence plus its acronym equivalents and synonyms."""

        parts = [self.terms_query(seq, field=field)]
        equivalents, synonyms = self.expansions.alternatives(seq)
        for alt in equivalents:
            parts.append(self.terms_query(alt, EQUIVALENT_BOOST, field))
        for alt in synonyms:
            parts.append(self.terms_query(alt, SYNONYM_BOOST, field))
        return parts[0] if len(parts) == 1 else _union(parts), bool(equivalents or synonyms)

    def word_known(self, seq: tuple[str, ...]) -> bool:
        """True when every term of an analysed word occurs in some text field."""
        reader = self.reader
        try:
            return all(any(reader.doc_frequency(f, t) > 0 for f, _b in TEXT_BOOSTS) for t in seq)
        except Exception:
            return False

    def closest_words(self, word: str, n: int = 3) -> list[str]:
        """Known words within one edit (two for longer words), most frequent first."""
        if len(word) < 3 or len(word) > 30 or word.isdigit():
            return []
        maxdist = 1 if len(word) <= 5 else 2
        try:
            return self.owner._word_list().closest(word, maxdist, n)
        except Exception:  # a damaged word list only costs the spelling help
            return []

    def prefix_words(self, stem: str) -> list[str]:
        """The most frequent known words starting with `stem` (empty below 3 characters)."""
        if len(stem) < 3 or self._prefix_budget <= 0:
            return []
        words = self.owner._word_list().with_prefix(stem, min(PREFIX_LIMIT, self._prefix_budget))
        self._prefix_budget -= len(words)
        return words

    # -- units --

    def word_unit(self, word: str, field: str | None = None):
        """One typed word: its terms, widened, or its closest spellings when unknown."""

        seq = self.analyse(word)
        if not seq:
            return None
        unit, has_alternatives = self.widened(seq, field)
        lower = word.lower()
        if not has_alternatives and not self.word_known(seq):
            close = self.closest_words(lower)
            if close:
                self.corrections.append((word, tuple(close)))
                parts = [unit]
                for c in close:
                    alt = self.analyse(c)
                    if alt:
                        parts.append(self.terms_query(alt, EQUIVALENT_BOOST, field))
                unit = _union(parts)
        return unit

    def prefix_unit(self, word: str, field: str | None = None):

        lower = word.lower()
        expanded = self.prefix_words(lower)
        if not expanded:
            return self.word_unit(word, field)
        seqs: list[tuple[str, ...]] = []
        for w in [lower, *expanded]:
            seq = self.analyse(w)
            if seq and seq not in seqs:
                seqs.append(seq)
        parts = [self.terms_query(s, 1.0 if i == 0 else 0.8, field) for i, s in enumerate(seqs)]
        return parts[0] if len(parts) == 1 else _union(parts)

    def run_units(self, words: list[str]) -> list:
        """Units for a run of plain words: multi-word acronyms/synonyms grouped, stop words
        dropped unless every word is one."""
        from whoosh import query

        from practicebase.analysis import STOP_WORDS

        analysed = [(w, self.analyse(w)) for w in words]
        analysed = [(w, s) for w, s in analysed if s]
        all_stop = all(w.lower() in STOP_WORDS for w, _ in analysed)
        units = []
        i = 0
        longest = self.expansions.longest
        while i < len(analysed):
            matched = False
            for length in range(min(longest, len(analysed) - i), 1, -1):
                seq = tuple(t for _, s in analysed[i : i + length] for t in s)
                equivalents, synonyms = self.expansions.alternatives(seq)
                if equivalents or synonyms:
                    each = [self.terms_query(s) for _, s in analysed[i : i + length]]
                    parts = [query.And(each), self.terms_query(seq, 1.5)]
                    parts += [self.terms_query(a, EQUIVALENT_BOOST) for a in equivalents]
                    parts += [self.terms_query(a, SYNONYM_BOOST) for a in synonyms]
                    units.append(_union(parts))
                    i += length
                    matched = True
                    break
            if matched:
                continue
            word = analysed[i][0]
            i += 1
            if not all_stop and word.lower() in STOP_WORDS:
                continue
            unit = self.word_unit(word)
            if unit is not None:
                units.append(unit)
        return units

    def atom_query(self, atom):
        """The query of one non-run atom; (query, is_text)."""
        from whoosh import query

        from practicebase import query as ql

        if isinstance(atom, ql.Words):
            if atom.prefix and len(atom.words) == 1:
                return self.prefix_unit(atom.words[0], atom.field), True
            parts = [self.word_unit(w, atom.field) for w in atom.words]
            parts = [p for p in parts if p is not None]
            if not parts:
                return None, True
            return (parts[0] if len(parts) == 1 else query.And(parts)), True
        if isinstance(atom, ql.Phrase):
            seq = tuple(t for w in atom.words for t in self.analyse(w))
            if not seq:
                return None, True
            q, _ = self.widened(seq, atom.field)
            return q, True
        if isinstance(atom, ql.Filter):
            ids = self.resolve(atom.field, atom.value)
            if ids is None:
                words = ql._split_words(atom.value)
                if not words:
                    return None, True
                return self.atom_query(ql.Words(words))
            return query.Term(atom.field, ids.lower()), False
        if isinstance(atom, ql.DateRange):
            return self.date_query(atom.field, atom.start, atom.end), False
        if isinstance(atom, ql.Due):
            return self.date_query("review_due", None, self.today - timedelta(days=1)), False
        return None, True

    def date_query(self, fieldname: str, start: date | None, end: date | None):
        from whoosh import query

        lo = datetime(*(start or date(1, 1, 1)).timetuple()[:3])
        hi = datetime(*(end or date(9999, 12, 31)).timetuple()[:3])
        return query.DateRange(fieldname, lo, hi)

    def resolve(self, fieldname: str, value: str) -> str | None:
        """The stored id for a filter value (ids, names, aliases; close typos corrected)."""
        vocab = self.vocabulary
        value = " ".join(value.split())
        if fieldname in ("tag", "recommendation"):
            return value.lower() or None
        if fieldname == "force":
            found = vocab.resolve_force(value)
            if found is None:
                close = vocab.nearest_force(value, n=1)
                if close:
                    found = close[0]
                    self.corrections.append((f"force:{value}", (found,)))
            return found
        choices: tuple[str, ...] = {
            "theme": vocab.theme_ids(),
            "stage": vocab.stages,
            "outcome": vocab.outcomes,
            "status": vocab.statuses,
            "audience": tuple(t.id for t in vocab.audience),
            "partner": tuple(t.id for t in vocab.partners),
            "ideology": tuple(t.id for t in vocab.ideology),
            "classification": vocab.classifications,
        }.get(fieldname, ())
        folded = {c.casefold(): c for c in choices}
        key = value.casefold().replace(" ", "-").replace("_", "-")
        if key in folded:
            return folded[key]
        if fieldname == "theme":
            for term in vocab.themes:
                if term.meaning.casefold() == value.casefold():
                    return term.id
        close = vocab.nearest(key, list(choices), n=1)
        if close:
            self.corrections.append((f"{fieldname}:{value}", (close[0],)))
            return close[0]
        return None

    # -- the whole query --

    def compile(self, parsed, request_filters: Iterable[tuple[str, str]]):
        from whoosh import query

        from practicebase import query as ql

        units: list = []
        filters: list = []
        negatives: list = []
        run: list[str] = []

        def flush() -> None:
            if run:
                units.extend(self.run_units(list(run)))
                run.clear()

        clauses = list(parsed.clauses)
        last_prefix_word: str | None = None
        if self.typing and clauses:
            last = clauses[-1]
            if (
                not last.negated
                and len(last.atoms) == 1
                and isinstance(last.atoms[0], ql.Words)
                and last.atoms[0].field is None
                and len(last.atoms[0].words[-1]) >= 3
            ):
                atom = last.atoms[0]
                last_prefix_word = atom.words[-1]
                rest = atom.words[:-1]
                clauses = clauses[:-1] + ([ql.Clause([ql.Words(rest)])] if rest else [])

        for clause in clauses:
            atoms = clause.atoms
            if (
                not clause.negated
                and len(atoms) == 1
                and isinstance(atoms[0], ql.Words)
                and not atoms[0].prefix
                and atoms[0].field is None
            ):
                run.extend(atoms[0].words)
                self._typed_words.extend(atoms[0].words)
                continue
            flush()
            built = [self.atom_query(a) for a in atoms]
            built = [(q, is_text) for q, is_text in built if q is not None]
            if not built:
                continue
            if clause.negated:
                negatives.extend(q for q, _ in built)
                continue
            if len(built) == 1:
                q, is_text = built[0]
                (units if is_text else filters).append(q)
            elif all(not is_text for _, is_text in built):
                filters.append(query.Or([q for q, _ in built]))
            else:
                units.append(_union([q for q, _ in built]))
        flush()
        if last_prefix_word is not None:
            unit = self.prefix_unit(last_prefix_word)
            if unit is not None:
                units.append(unit)
        units = units[:MAX_UNITS]

        by_field: dict[str, list] = {}
        for fieldname, value in request_filters or ():
            name = ql.FILTER_FIELDS.get(str(fieldname).lower())
            if not name:
                continue
            resolved = self.resolve(name, str(value))
            if resolved is not None:
                by_field.setdefault(name, []).append(query.Term(name, resolved.lower()))
        for terms in by_field.values():
            filters.append(terms[0] if len(terms) == 1 else query.Or(terms))

        self.scored = bool(units)
        self.units = units
        # The parts, kept apart: filters and negations restrict the collector by document
        # sets, so block-max skipping only ever runs on the plain union of units.
        self.filter_query = (
            (query.And(filters) if len(filters) > 1 else filters[0]) if filters else None
        )
        self.negative_query = (
            (query.Or(negatives) if len(negatives) > 1 else negatives[0]) if negatives else None
        )
        if units:
            from practicebase.scoring import Filtered, UnitsQuery

            self.scored_query = UnitsQuery(units)
            main = self.scored_query
            if self.filter_query is not None:
                main = Filtered(main, self.filter_query)
        elif self.filter_query is not None:
            self.scored_query = query.ConstantScoreQuery(self.filter_query, 1.0)
            main = self.scored_query
        else:
            self.scored_query = main = query.Every()
        if self.negative_query is not None:
            main = query.AndNot(main, self.negative_query)
        return main

    def suggestion(self, total: int) -> str | None:
        """A corrected query to offer when words were corrected or little was found."""
        replacements: dict[str, str] = {}
        for typed, used in self.corrections:
            if ":" not in typed and used:
                replacements[typed.lower()] = used[0]
        if not replacements and total < MIN_HITS_FOR_NO_SUGGESTION:
            words = self.owner._word_list()
            for word in self._typed_words:
                lower = word.lower()
                if len(lower) < 4 or lower in replacements:
                    continue
                own = words.frequency(lower)
                close = self.closest_words(lower, n=1)
                if close and words.frequency(close[0]) > max(2, own * 3):
                    replacements[lower] = close[0]
        if not replacements:
            return None
        text = self.owner_text()
        from practicebase.analysis import WORD_PATTERN

        def swap(m) -> str:
            return replacements.get(m.group(0).lower(), m.group(0))

        suggested = WORD_PATTERN.sub(swap, text)
        return suggested if suggested != text else None

    def owner_text(self) -> str:
        return self._text
