"""The searcher the CLI and the app call: one request in, one result out, thread-safe."""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from whoosh import query
from whoosh.searching import Searcher as WhooshSearcher

from practicebase.analysis import (
    WordList,
    expansions,
    spelling_folder,
    text_analyzer,
)
from practicebase.index import (
    WORDS_FILE,
    IndexUnavailable,
    current_generation,
    damaged_index,
    open_searcher,
    read_words,
    storage_reads,
)
from practicebase.index import _damage_errors as damage_errors
from practicebase.query import last_word_prefix, parse
from practicebase.search.compile import Compiler
from practicebase.search.docsets import DocSets
from practicebase.search.facets import ReaderCache
from practicebase.search.ranking import BulkScorer, QueryScores, RankingWeighting
from practicebase.search.snippets import SNIPPET_CHARS, Snippets, shorten
from practicebase.search.spelling import Spelling
from practicebase.search.types import SORTS, Hit, SearchRequest, SearchResult

if TYPE_CHECKING:
    from practicebase.entry import Entry
    from practicebase.kb import KnowledgeBase


class Searcher:
    """Searches the index of one knowledge base; safe to call from several threads.

    One Whoosh searcher is reused between queries; `refresh()` picks up commits and rebuilds.
    Raises `practicebase.index.IndexUnavailable` when the index cannot be opened.
    """

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.vocabulary = kb.vocabulary
        self._analyzer = text_analyzer(self.vocabulary)
        self._stems: dict[str, str] = {}  # the snippets' word -> term cache
        self._expansions = expansions(self.vocabulary)
        self._lock = threading.RLock()
        self._ix = None
        self._searcher = None
        self._generation: str | None = None
        self._cache: ReaderCache | None = None
        self._sets: DocSets | None = None
        self._scorer = None
        self._words = None
        self._words_stamp: tuple[str, float] | None = None
        # Documents whose score the last search computed (pruning skips the rest), for
        # tests and benchmarks.
        self.documents_scored = 0
        self._open()

    # -- lifecycle --

    def _open(self) -> None:
        ix, generation, opened = open_searcher(self.kb)
        # The same reader, scored by practicebase's ranking model in Whoosh's own matchers
        # too (phrases of other shapes, more-like-this); `refresh()` keeps the weighting.
        searcher = WhooshSearcher(opened.reader(), fromindex=ix, weighting=RankingWeighting())
        old = self._ix, self._searcher
        self._ix, self._generation = ix, generation
        self._searcher = searcher
        self._cache = None
        if old[1] is not None:
            old[1].close()
        if old[0] is not None:
            old[0].close()

    def refresh(self) -> bool:
        """Pick up index commits and rebuilds made since the searcher was opened (by this
        process or another); True when there were any. Cheap when there were none: one read
        of `index/CURRENT` and of the generation's table of contents."""
        with self._lock:
            if self._searcher is None or current_generation(self.kb) != self._generation:
                self._open()
                return True
            try:
                with storage_reads():
                    fresh = self._searcher.refresh()
            except damage_errors() as exc:
                self._reopen_after(exc)
                return True
            if fresh is self._searcher:
                return False
            self._searcher = fresh
            self._cache = None
            return True

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
        try:
            self._open()
        except IndexUnavailable:
            raise
        except damage_errors() as again:
            raise damaged_index(again) from exc

    def _guarded(self, work):
        """Run `work(searcher)`; a vanished or damaged index is reopened once, then reported."""
        with self._lock:
            if self._searcher is None:
                self._open()
            try:
                with storage_reads():
                    return work(self._searcher)
            except IndexUnavailable:
                raise
            except damage_errors() as exc:
                self._reopen_after(exc)
                try:
                    with storage_reads():
                        return work(self._searcher)
                except damage_errors() as again:
                    raise damaged_index(again) from again

    def _word_list(self):
        """The generation's word list, reloaded when the index rewrote it."""
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
        if self._scorer is None or self._scorer.searcher is not searcher:
            self._scorer = BulkScorer(searcher)
        return self._scorer

    def _doc_sets(self, searcher) -> DocSets:
        if self._sets is None or self._sets.searcher is not searcher:
            self._sets = DocSets(searcher)
        return self._sets

    def _reader_cache(self, searcher) -> ReaderCache:
        if self._cache is None:
            self._cache = ReaderCache(searcher, self.vocabulary)
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
            reranked=result.reranked,
        )

    def more_like_this(self, entry_id: str, limit: int = 10) -> tuple[Hit, ...]:
        """Entries most like `entry_id` by their key words; other forces' practice first."""
        return self._guarded(lambda s: self._more_like_this(s, entry_id, limit))

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, read afresh from its file (None if gone or now invalid)."""
        rel = self._guarded(lambda s: self._path_of(s, entry_id))
        if rel is None:
            return None
        from practicebase.validate import load_entry  # (PyYAML: only when an entry is read)

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

        def rarest(searcher: Any) -> list[str]:
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

        return self._guarded(rarest)

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

    def _spelling(self) -> Spelling:
        return Spelling(self._word_list(), spelling_folder(self.vocabulary))

    def _search(self, searcher: Any, request: SearchRequest) -> SearchResult:
        today = date.today()
        parsed = parse(request.text, today=today)
        typing = request.as_you_type and last_word_prefix(request.text)
        compiler = Compiler(
            searcher,
            self._analyzer,
            self._expansions,
            self.vocabulary,
            self._spelling(),
            today,
            typing,
        )
        compiler.compile(request.text, parsed, request.filters)

        offset = max(0, int(request.offset))
        limit = max(0, min(int(request.limit), 1000))
        top = max(1, offset + limit)
        sort = request.sort if request.sort in SORTS else "relevance"
        if sort == "relevance" and not compiler.scored:
            sort = "title"
        sets = self._doc_sets(searcher)
        ranked: QueryScores | None = None
        if compiler.scored:
            ranked = QueryScores(self._bulk(searcher), compiler.units, searcher.doc_count())
            compiler.note_spelling(ranked.only_ranked)
            matched = ranked.matching()
            if compiler.filter_query is not None:
                matched &= sets.docset(searcher, compiler.filter_query)
        else:
            matched = sets.docset(searcher, compiler.filter_query or query.Every())
        if compiler.negative_query is not None:
            matched -= sets.docset(searcher, compiler.negative_query)
        if sets.live is not None:
            matched &= sets.live
        self.documents_scored = 0
        if sort == "relevance" and ranked is not None:
            # Only the documents that can still reach the top `offset + limit` are scored;
            # the result is the same as scoring every match (ranking.QueryScores.best).
            best = ranked.best(matched, top)
            top_docs = best.top
            self.documents_scored = best.scored
        else:
            key = sets.sort_key(sort)
            ordered = heapq.nsmallest(top, matched, key=key)
            shown = ranked.scores(set(ordered[offset:])) if ranked is not None else {}
            top_docs = [(shown.get(d, 0.0), d) for d in ordered]
        page = top_docs[offset : offset + limit]
        snippets = (
            Snippets(
                compiler.highlight_terms,
                spelling_folder(self.vocabulary),
                self._expansions.joinable,
                self._stems,
            )
            if request.with_snippets
            else None
        )
        hits = tuple(self._hit(searcher, docnum, score, snippets, today) for score, docnum in page)
        # The per-reader facet data costs 0.3 s to build at 10,000 entries: only when asked.
        facets = self._reader_cache(searcher).facet_counts(matched) if request.with_facets else {}
        total = len(matched)
        return SearchResult(
            request=request,
            hits=hits,
            total=total,
            facets=facets,
            suggestion=compiler.suggestion(total),
            corrections=tuple(compiler.corrections),
            reranked=tuple(compiler.reranked),
        )

    def _hit(self, searcher, docnum: int, score: float, snippets, today: date) -> Hit:
        stored = searcher.stored_fields(docnum)
        data = stored["data"]
        snippet, spans = ("", ())
        if snippets is not None:
            snippet, spans = snippets.for_doc(stored)
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
            added=data.get("added"),
            sms_level=data.get("sms_level"),
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
            hits.append(replace(hit, snippet=shorten(summary, SNIPPET_CHARS), snippet_spans=()))
        return tuple(hits)
