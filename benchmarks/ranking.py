"""Ranking quality on a real judged collection (CISI): practicebase against SQLite FTS5.

`python -m benchmarks.ranking` turns the 1,460 CISI abstracts into valid practice entries in a
temporary knowledge base, builds its index with `practicebase.index.rebuild_index`, runs the
CISI questions through `practicebase.search.Searcher` (the API the CLI and the app call) and
through SQLite FTS5 over the same title and abstract text, and prints MAP@100, nDCG@10 and P@5
over the judged queries only (76 of the 112 have relevance judgements). bm25s is run too when
it is importable. It is not part of the pytest run: it measures quality, it checks nothing.

Why: the speed suite's generated entries say how fast practicebase is, not how well it ranks
text nobody tuned it for. CISI's questions are long natural-language requests, the hard case
for a ranker built around short typed queries.

How the question text reaches each system (the text is `.T` then `.W` when the query has a
title, else `.W`, whitespace collapsed):

- practicebase gets plain words. Every character other than a letter, digit, underscore,
  whitespace, period, apostrophe or hyphen becomes a space: this removes quotes (phrases),
  parentheses, `:` (`field:` filters) and `*` (prefixes). A hyphen at the start of a word is
  removed (a leading `-` negates). The words `AND`, `OR` and `NOT`, operators only in capitals,
  are lowercased. Nothing else changes: case, repeated words and stop words are kept, and
  practicebase splits words (`data-processing`, `e.g.`) with its own word pattern, as it does
  for anything typed.
- FTS5 gets the `[A-Za-z0-9]+` words of the same text, each double-quoted, joined by OR:
  every word as often as the question uses it (the primary baseline, since BM25 rewards query
  term frequency), and each distinct word once.
- bm25s gets the same text through `bm25s.tokenize` (English stop words, PyStemmer's English
  stemmer when installed).

Metrics (binary relevance from CISI.REL): AP over the top 100 divided by the number of judged
relevant documents (trec_eval's map_cut_100), nDCG@10 with gain 1 and a log2(rank + 1)
discount against the ideal ranking of the judged relevant set, and P@5; each averaged over the
judged queries, overall and by query length (distinct words not in practicebase's stop list).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.corpus import _q as yaml_quote

if TYPE_CHECKING:
    from practicebase.entry import Entry

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpora" / "cisi"
TOP_K = 100
NDCG_K = 10
P_K = 5
# Query length buckets by distinct non-stop words. CISI's questions are long (median 23 such
# words; only 5 of the 76 judged ones have 4 or fewer), so these are close to its quartiles.
BUCKETS: tuple[tuple[int, int | None], ...] = ((1, 9), (10, 24), (25, 44), (45, None))

# Every entry gets these same values, so they cannot change the ranking. They do reach the
# index's `meta` field (force names, theme words: "dyfed powys police triage gateway");
# `check_neutral` makes sure no query term is one of them, or every document would match it.
NEUTRAL_FORCE = "dyfed-powys"
NEUTRAL_THEME = "triage-gateway"
NEUTRAL_FIELDS = (
    f"force: {NEUTRAL_FORCE}",
    f"themes: [{NEUTRAL_THEME}]",
    "stage: untested",
    "status: active",
    "last_reviewed: 2025-01-15",
    "contact:",
    "  role: Prevent Coordinator",
    f"  email: prevent.coordinator@{NEUTRAL_FORCE}.example.police.uk",
)
TITLE_MAX = 150  # docs/entry-format.md
SUMMARY_CHARS = 200
SUMMARY_SENTENCE_MAX = 300

_MARKER = re.compile(r"^\.([A-Z])(.*)$")
_FTS_WORD = re.compile(r"[A-Za-z0-9]+")
_PB_JUNK = re.compile(r"[^\w\s.'’-]")
_PB_OPERATORS = frozenset({"AND", "OR", "NOT"})
# The end of a first sentence: 40+ characters, a word of 2+ letters or digits, then . ! or ?
# and a capital or digit (so "e.g." and "J.P." do not end it).
_FIRST_SENTENCE = re.compile(r"^(.{40,}?[A-Za-z0-9)]{2}[.!?])\s+(?=[A-Z0-9\"(])")


# --- the collection ------------------------------------------------------------------------


@dataclass(frozen=True)
class Doc:
    """One CISI document: the fields used (authors are read but not indexed)."""

    id: int
    title: str
    authors: str
    abstract: str


@dataclass(frozen=True)
class Query:
    """One CISI query: `.T` (when present) then `.W`, whitespace collapsed."""

    id: int
    text: str


@dataclass(frozen=True)
class Collection:
    docs: tuple[Doc, ...]
    queries: tuple[Query, ...]  # all of them, judged or not
    qrels: dict[int, frozenset[int]]  # query id -> relevant doc ids
    judgements: int


def _collapse(text: str) -> str:
    return " ".join(text.split())


def parse_records(path: Path) -> list[dict[str, list[str]]]:
    """The records of a SMART-format file: `.I id`, then fields that each run until the next
    line starting with `.` and a capital letter (text on the marker's own line included)."""
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    name: str | None = None
    for line in path.read_text(encoding="ascii", errors="replace").splitlines():
        m = _MARKER.match(line)
        if m:
            name, rest = m.group(1), m.group(2).strip()
            if name == "I":
                current = {"I": [rest]}
                records.append(current)
                name = None
            elif current is not None:
                lines = current.setdefault(name, [])
                if rest:
                    lines.append(rest)
            continue
        if current is not None and name is not None:
            current[name].append(line)
    return records


def load_collection(folder: Path) -> Collection:
    """Read CISI.ALL, CISI.QRY and CISI.REL from `folder`."""
    docs = []
    for rec in parse_records(folder / "CISI.ALL"):
        docs.append(
            Doc(
                id=int(rec["I"][0]),
                title=_collapse(" ".join(rec.get("T", []))),
                authors="; ".join(_collapse(a) for a in rec.get("A", []) if a.strip()),
                abstract=_collapse(" ".join(rec.get("W", []))),
            )
        )
    queries = []
    for rec in parse_records(folder / "CISI.QRY"):
        text = _collapse(" ".join(rec.get("T", []) + rec.get("W", [])))
        queries.append(Query(int(rec["I"][0]), text))
    rel: dict[int, set[int]] = {}
    count = 0
    for line in (folder / "CISI.REL").read_text(encoding="ascii").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            rel.setdefault(int(parts[0]), set()).add(int(parts[1]))
            count += 1
    qrels = {q: frozenset(d) for q, d in rel.items()}
    return Collection(tuple(docs), tuple(queries), qrels, count)


# --- entries -------------------------------------------------------------------------------


def entry_id(doc_id: int) -> str:
    return f"cisi-{doc_id:04d}"


def doc_id_of(eid: str) -> int:
    return int(eid.removeprefix("cisi-"))


def _cut(text: str, limit: int) -> tuple[str, str]:
    """(head, rest): `text` cut at the last space at or before `limit` characters."""
    if len(text) <= limit:
        return text, ""
    space = text.rfind(" ", 0, limit + 1)
    space = space if space > 0 else limit
    return text[:space].rstrip(), text[space:].strip()


def summary_of(abstract: str) -> str:
    """The abstract's first sentence, or its first ~200 characters when that is too long."""
    m = _FIRST_SENTENCE.match(abstract)
    if m and len(m.group(1)) <= SUMMARY_SENTENCE_MAX:
        return m.group(1)
    head, rest = _cut(abstract, SUMMARY_CHARS)
    return head + (" ..." if rest else "")


def entry_text(doc: Doc) -> str:
    """A valid Markdown entry for one document: title, summary and the abstract as the body.

    Authors are left out, so practicebase and FTS5 index the same words (title and abstract;
    the summary repeats the abstract's first sentence, as a real entry's summary would).
    A title over 150 characters (9 documents) is cut at a word and the rest opens the body,
    so no word is lost. The body is one paragraph with no `##` sections: the recommended
    headings would add the same words ("problem", "evaluation", ...) to every document, so
    each entry gets "missing section" warnings instead, which do not stop it being valid.
    """
    title, rest = _cut(doc.title or f"Document {doc.id}", TITLE_MAX)
    body = f"{rest} {doc.abstract}".strip()
    fields = [
        f"id: {entry_id(doc.id)}",
        f"title: {yaml_quote(title)}",
        f"summary: {yaml_quote(summary_of(doc.abstract) or title)}",
        *NEUTRAL_FIELDS,
    ]
    return "---\n" + "\n".join(fields) + "\n---\n\n" + body + "\n"


def write_entries(root: Path, docs: Sequence[Doc]) -> list[Path]:
    """Write every document as `root/entries/<force>/cisi-NNNN.md`."""
    folder = root / "entries" / NEUTRAL_FORCE
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for doc in docs:
        path = folder / f"{entry_id(doc.id)}.md"
        path.write_text(entry_text(doc), encoding="utf-8")
        paths.append(path)
    return paths


def validate_entries(paths: Sequence[Path]) -> tuple[Counter[str], Entry]:
    """Check every file with practicebase.validate; exit on any error.

    Returns the warning counts and the first entry (to check the shared fields with)."""
    from practicebase.validate import validate_files
    from practicebase.vocabulary import load_vocabulary

    loaded = validate_files(paths, load_vocabulary())
    errors = [p for item in loaded for p in item.errors]
    if errors or any(item.entry is None for item in loaded):
        shown = "\n".join(p.format() for p in errors[:20])
        raise SystemExit(f"{len(errors)} validation error(s) in the generated entries:\n{shown}")
    warnings = Counter(f"{p.field}: {p.message}" for item in loaded for p in item.warnings)
    first = loaded[0].entry
    assert first is not None
    return warnings, first


# --- query text ----------------------------------------------------------------------------


def practicebase_text(text: str) -> str:
    """The question as plain words for practicebase's query language (see the docstring)."""
    words = []
    for token in _PB_JUNK.sub(" ", text).split():
        token = token.lstrip("-")
        if token:
            words.append(token.lower() if token in _PB_OPERATORS else token)
    return " ".join(words)


def fts_words(text: str) -> list[str]:
    return _FTS_WORD.findall(text)


def fts_match(words: Sequence[str], distinct: bool) -> str:
    """`"w1" OR "w2" ...`; with `distinct`, each word (ignoring case) only once."""
    if distinct:
        seen: dict[str, str] = {}
        for w in words:
            seen.setdefault(w.lower(), w)
        words = list(seen.values())
    return " OR ".join(f'"{w}"' for w in words)


def length_of(text: str) -> int:
    """Distinct words of the question not in practicebase's stop list."""
    from practicebase.analysis import STOP_WORDS

    return len({w.lower() for w in fts_words(text)} - STOP_WORDS)


def bucket_of(n: int) -> str:
    for lo, hi in BUCKETS:
        if n >= lo and (hi is None or n <= hi):
            return bucket_name(lo, hi)
    return "0"


def bucket_name(lo: int, hi: int | None) -> str:
    return f"{lo}+" if hi is None else f"{lo}-{hi}"


def check_neutral(entry: Entry, queries: Sequence[Query]) -> None:
    """Fail if a query term (as practicebase analyses it) is one of the terms every entry
    shares: the `meta` text practicebase indexes for the neutral force and theme."""
    from practicebase.analysis import text_analyzer
    from practicebase.index import entry_document
    from practicebase.vocabulary import load_vocabulary

    vocab = load_vocabulary()
    analyzer = text_analyzer(vocab)
    meta = entry_document(entry, vocab, "x.md", 0, 0, "")["meta"]
    shared = {t.text for t in analyzer(meta)}
    for q in queries:
        clash = shared & {t.text for t in analyzer(practicebase_text(q.text))}
        if clash:
            raise SystemExit(f"query {q.id} has terms every entry holds: {sorted(clash)}")


# --- metrics -------------------------------------------------------------------------------


def average_precision(ranking: Sequence[int], relevant: frozenset[int], k: int = TOP_K) -> float:
    """AP over the top k, divided by the number of relevant documents (map_cut_k)."""
    hits, total = 0, 0.0
    for rank, doc in enumerate(ranking[:k], 1):
        if doc in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant) if relevant else 0.0


def ndcg(ranking: Sequence[int], relevant: frozenset[int], k: int = NDCG_K) -> float:
    """Binary-gain nDCG@k, the ideal ranking putting min(k, |relevant|) relevant first."""
    dcg = sum(1 / math.log2(r + 1) for r, d in enumerate(ranking[:k], 1) if d in relevant)
    ideal = sum(1 / math.log2(r + 1) for r in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal if ideal else 0.0


def precision(ranking: Sequence[int], relevant: frozenset[int], k: int = P_K) -> float:
    return sum(1 for d in ranking[:k] if d in relevant) / k


METRICS: dict[str, Callable[[Sequence[int], frozenset[int]], float]] = {
    "MAP@100": average_precision,
    "nDCG@10": ndcg,
    "P@5": precision,
}


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


@dataclass
class SystemRun:
    """One system's rankings of the judged queries, with what it took."""

    name: str
    rankings: dict[int, list[int]] = field(default_factory=dict)
    build_seconds: float = 0.0
    query_seconds: float = 0.0
    note: str = ""

    def per_query(self, qrels: dict[int, frozenset[int]]) -> dict[int, dict[str, float]]:
        return {
            qid: {m: f(ranking, qrels[qid]) for m, f in METRICS.items()}
            for qid, ranking in self.rankings.items()
        }

    def means(self, qrels: dict[int, frozenset[int]], qids: Sequence[int]) -> dict[str, float]:
        per = self.per_query(qrels)
        return {m: _mean([per[q][m] for q in qids if q in per]) for m in METRICS}


# --- the systems ---------------------------------------------------------------------------


@dataclass
class PracticebaseRun(SystemRun):
    """practicebase's run, plus what it did to each query (corrections, suggestions, limits)."""

    index_output: str = ""
    procs: int = 1
    corrections: dict[int, list[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)
    reranked: dict[int, list[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)
    suggestions: dict[int, str] = field(default_factory=dict)
    totals: dict[int, int] = field(default_factory=dict)
    sent: dict[int, str] = field(default_factory=dict)
    limits: dict[int, dict[str, int]] = field(default_factory=dict)


def _default_procs(n_files: int) -> int:
    """What `practicebase index --rebuild` would use: two processes from 1,000 files."""
    return 2 if n_files >= 1000 and (os.cpu_count() or 1) >= 2 else 1


def query_limits(text: str) -> dict[str, int]:
    """What practicebase's query limits cut from `text`: characters beyond the parser's cap,
    words beyond its clause cap, and scored words beyond the searcher's unit cap."""
    from practicebase import query as ql
    from practicebase.analysis import STOP_WORDS, WORD_PATTERN

    typed = WORD_PATTERN.findall(text)
    parsed = ql.parse(text)
    kept = list(parsed.notes)
    scored = [w for w in kept if w.lower() not in STOP_WORDS]
    import practicebase.search as ps

    max_units = getattr(ps, "MAX_UNITS", None)
    return {
        "chars_cut": max(0, len(text) - ql.MAX_QUERY_CHARS),
        "words_typed": len(typed),
        "words_parsed": len(kept),
        "scored_words": len(scored),
        "scored_words_over_unit_cap": max(0, len(scored) - max_units) if max_units else 0,
    }


def run_practicebase(
    root: Path, queries: Sequence[Query], procs: int | None, log: Callable[[str], None]
) -> PracticebaseRun:
    """Build the index with rebuild_index, then search every query through Searcher."""
    from practicebase.index import rebuild_index
    from practicebase.kb import KnowledgeBase
    from practicebase.search import Searcher, SearchRequest

    kb = KnowledgeBase(root)
    n_files = sum(1 for _ in kb.entries_dir.rglob("*.md"))
    run = PracticebaseRun("practicebase", procs=procs or _default_procs(n_files))
    start = time.perf_counter()
    report = rebuild_index(kb, procs=run.procs)
    run.build_seconds = time.perf_counter() - start
    run.index_output = report.summary()
    if report.problems or report.total != n_files:
        shown = "\n".join(p.format() for p in report.problems[:10])
        raise SystemExit(f"index built {report.total} of {n_files} entries:\n{shown}")
    log(f"practicebase index built in {run.build_seconds:.2f} s ({run.index_output})")

    searcher = Searcher(kb)
    try:
        start = time.perf_counter()
        for q in queries:
            text = practicebase_text(q.text)
            result = searcher.search(
                SearchRequest(text=text, limit=TOP_K, with_facets=False, with_snippets=False)
            )
            run.rankings[q.id] = [doc_id_of(h.id) for h in result.hits]
            run.sent[q.id] = text
            run.totals[q.id] = result.total
            if result.corrections:
                run.corrections[q.id] = [(t, tuple(u)) for t, u in result.corrections]
            if getattr(result, "reranked", ()):
                run.reranked[q.id] = [(t, tuple(u)) for t, u in result.reranked]
            if result.suggestion:
                run.suggestions[q.id] = result.suggestion
        run.query_seconds = time.perf_counter() - start
    finally:
        searcher.close()
    run.limits = {q.id: query_limits(run.sent[q.id]) for q in queries}
    return run


FTS5_SCHEMA = (
    "CREATE VIRTUAL TABLE docs USING fts5(title, abstract, "
    "tokenize = 'porter unicode61 remove_diacritics 2')"
)


def build_fts5(docs: Sequence[Doc]) -> tuple[sqlite3.Connection, float]:
    """An in-memory FTS5 table of title and abstract, rowid = CISI doc id."""
    start = time.perf_counter()
    conn = sqlite3.connect(":memory:")
    conn.execute(FTS5_SCHEMA)
    with conn:
        conn.executemany(
            "INSERT INTO docs(rowid, title, abstract) VALUES (?, ?, ?)",
            [(d.id, d.title, d.abstract) for d in docs],
        )
    return conn, time.perf_counter() - start


def run_fts5(
    conn: sqlite3.Connection, queries: Sequence[Query], distinct: bool, build_seconds: float
) -> SystemRun:
    """bm25(docs, 3.0, 1.0): title weight 3, abstract 1; ties by doc id."""
    name = "FTS5 distinct words" if distinct else "FTS5 query tf"
    run = SystemRun(name, build_seconds=build_seconds)
    start = time.perf_counter()
    for q in queries:
        match = fts_match(fts_words(q.text), distinct)
        rows = conn.execute(
            "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 3.0, 1.0), rowid "
            "LIMIT ?",
            (match, TOP_K),
        ).fetchall()
        run.rankings[q.id] = [r[0] for r in rows]
    run.query_seconds = time.perf_counter() - start
    return run


def run_bm25s(docs: Sequence[Doc], queries: Sequence[Query]) -> SystemRun:
    """bm25s with its defaults (title and abstract as one text), if installed."""
    run = SystemRun("bm25s")
    try:
        import bm25s
    except ImportError:
        run.note = "skipped: bm25s is not installed"
        return run
    try:
        import Stemmer  # PyStemmer, bm25s's recommended stemmer

        stemmer = Stemmer.Stemmer("english")
        run.note = "English stop words, PyStemmer English stemmer"
    except ImportError:
        stemmer = None
        run.note = "English stop words, no stemmer (PyStemmer not installed)"
    start = time.perf_counter()
    corpus = [f"{d.title} {d.abstract}" for d in docs]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer, show_progress=False))
    run.build_seconds = time.perf_counter() - start
    start = time.perf_counter()
    tokens = bm25s.tokenize(
        [q.text for q in queries], stopwords="en", stemmer=stemmer, show_progress=False
    )
    results, _scores = retriever.retrieve(tokens, k=TOP_K, show_progress=False)
    for q, row in zip(queries, results, strict=True):
        run.rankings[q.id] = [docs[int(i)].id for i in row]
    run.query_seconds = time.perf_counter() - start
    return run


# --- report --------------------------------------------------------------------------------


def summarise(
    runs: Sequence[SystemRun], queries: Sequence[Query], qrels: dict[int, frozenset[int]]
) -> dict:
    """Means per system, overall and per length bucket, plus the per-query figures."""
    lengths = {q.id: length_of(q.text) for q in queries}
    qids = [q.id for q in queries]
    buckets: dict[str, list[int]] = {bucket_name(lo, hi): [] for lo, hi in BUCKETS}
    for q in qids:
        buckets.setdefault(bucket_of(lengths[q]), []).append(q)
    out: dict = {"overall": {}, "buckets": {}, "per_query": {}}
    for run in runs:
        if not run.rankings:
            continue
        out["overall"][run.name] = run.means(qrels, qids)
        out["buckets"][run.name] = {b: run.means(qrels, ids) for b, ids in buckets.items()}
        out["per_query"][run.name] = run.per_query(qrels)
    out["bucket_sizes"] = {b: len(ids) for b, ids in buckets.items()}
    out["lengths"] = lengths
    return out


def _fmt(value: float) -> str:
    return "  n/a" if value != value else f"{value:.3f}"


def _ratio(a: float, b: float) -> str:
    return "  n/a" if not b or a != a or b != b else f"{a / b:.2f}x"


def render_table(summary: dict, runs: Sequence[SystemRun], baseline: str) -> str:
    """Rows: systems (overall, then by query length); columns: the metrics."""
    names = list(METRICS)
    head = f"{'':<34}" + "".join(f"{m:>9}" for m in names)
    lines = [head]
    pb = "practicebase"

    def block(means: dict[str, dict[str, float]], indent: str) -> None:
        for run in runs:
            if run.name in means:
                row = means[run.name]
                lines.append(
                    f"{indent + run.name:<34}" + "".join(f"{_fmt(row[m]):>9}" for m in names)
                )
            elif run.note and indent == "":
                lines.append(f"{run.name:<34}{run.note}")
        if pb in means and baseline in means:
            lines.append(
                f"{indent + 'practicebase / ' + baseline:<34}"
                + "".join(f"{_ratio(means[pb][m], means[baseline][m]):>9}" for m in names)
            )

    block(summary["overall"], "")
    lines.append("")
    lines.append("by query length (distinct words not in practicebase's stop list):")
    for b, size in summary["bucket_sizes"].items():
        lines.append(f"  {b} words ({size} queries)")
        if not size:
            continue
        per = {name: buckets[b] for name, buckets in summary["buckets"].items()}
        block(per, "    ")
    return "\n".join(lines)


def render_diagnostics(pb: PracticebaseRun, queries: Sequence[Query], docs: int) -> str:
    """What practicebase did to these long questions: corrections, suggestions, limits."""
    n = len(queries)
    ids = {q.id for q in queries}
    corrections = {q: c for q, c in pb.corrections.items() if q in ids}
    corrected = Counter(
        (typed.lower(), used) for items in corrections.values() for typed, used in items
    )
    reranked = {q: c for q, c in pb.reranked.items() if q in ids}
    lines = [
        f"practicebase searched a corrected spelling instead in {len(corrections)} of {n} "
        f"queries ({sum(corrected.values())} words); in {len(reranked)} queries "
        f"({sum(len(c) for c in reranked.values())} words) a word no entry holds only "
        "reranked what the other words found",
    ]
    for (typed, used), count in corrected.most_common(12):
        lines.append(f"  {typed!r} -> {', '.join(used)}" + (f"  (x{count})" if count > 1 else ""))
    if len(corrected) > 12:
        lines.append(f"  ... {len(corrected) - 12} more distinct corrections (see --json)")
    suggested = sum(1 for q in pb.suggestions if q in ids)
    lines.append(f"practicebase offered a 'did you mean' suggestion for {suggested} of {n}")
    limits = [v for q, v in pb.limits.items() if q in ids]
    cut_chars = [v for v in limits if v["chars_cut"]]
    cut_words = [v for v in limits if v["words_parsed"] < v["words_typed"]]
    cut_units = [v for v in limits if v["scored_words_over_unit_cap"]]
    lines.append(
        f"query limits: {len(cut_chars)} queries over the parser's character cap, "
        f"{len(cut_words)} lose words to the parser's caps "
        f"({sum(v['words_typed'] - v['words_parsed'] for v in cut_words)} words, stop words "
        "included), "
        f"{len(cut_units)} have more scored words than the searcher's unit cap "
        f"({sum(v['scored_words_over_unit_cap'] for v in cut_units)} words beyond it)"
    )
    totals = sorted(pb.totals[q] for q in ids)
    short = sum(1 for q in ids if len(pb.rankings[q]) < TOP_K)
    lines.append(
        f"practicebase matches per query: median {totals[len(totals) // 2]:,} of {docs:,} "
        f"entries; {short} queries returned fewer than {TOP_K}"
    )
    return "\n".join(lines)


def explain(
    qid: int,
    coll: Collection,
    pb: PracticebaseRun,
    fts: SystemRun,
) -> str:
    """practicebase's top 10 for one query beside FTS5's (`*` marks a judged relevant one)."""
    titles = {d.id: d.title for d in coll.docs}
    relevant = coll.qrels.get(qid, frozenset())
    query = next(q for q in coll.queries if q.id == qid)
    lines = [
        f"query {qid} ({len(relevant)} relevant, {length_of(query.text)} distinct words):",
        f"  {query.text}",
        f"  sent to practicebase: {pb.sent.get(qid, '')}",
        f"  corrections: {pb.corrections.get(qid) or 'none'}; "
        f"suggestion: {pb.suggestions.get(qid) or 'none'}; limits: {pb.limits.get(qid)}",
        "",
        f"{'':>4} {'practicebase':<50} {fts.name}",
    ]
    left, right = pb.rankings.get(qid, []), fts.rankings.get(qid, [])

    def cell(ranking: list[int], i: int) -> str:
        if i >= len(ranking):
            return ""
        d = ranking[i]
        return f"{'*' if d in relevant else ' '} {entry_id(d)} {titles.get(d, '')[:34]}"

    for i in range(NDCG_K):
        lines.append(f"{i + 1:>4} {cell(left, i):<50} {cell(right, i)}")
    for run in (pb, fts):
        if qid in run.rankings:
            scores = {m: f(run.rankings[qid], relevant) for m, f in METRICS.items()}
            lines.append(f"  {run.name}: " + ", ".join(f"{m} {v:.3f}" for m, v in scores.items()))
    return "\n".join(lines)


# --- command line --------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ranking",
        description=(
            "Ranking quality on the CISI collection: practicebase (through Searcher) against "
            "SQLite FTS5 BM25 (and bm25s when installed), MAP@100, nDCG@10 and P@5 over the "
            "76 judged queries."
        ),
        epilog="example: python -m benchmarks.ranking --json /tmp/ranking.json --explain 11",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        metavar="DIR",
        help=f"folder with CISI.ALL, CISI.QRY, CISI.REL (default: {DEFAULT_CORPUS})",
    )
    parser.add_argument(
        "--queries", type=int, default=None, metavar="N", help="only the first N judged queries"
    )
    parser.add_argument(
        "--explain",
        type=int,
        default=None,
        metavar="QID",
        help="also print practicebase's top 10 for query QID beside FTS5's",
    )
    parser.add_argument(
        "--procs",
        type=int,
        default=None,
        metavar="N",
        help="indexing processes for the rebuild (default: as `practicebase index --rebuild`)",
    )
    parser.add_argument(
        "--json", type=Path, default=None, metavar="PATH", help="write every figure as JSON"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.perf_counter()
    if not (args.corpus / "CISI.ALL").is_file():
        print(f"--corpus: no CISI.ALL in {args.corpus}", file=sys.stderr)
        return 2
    coll = load_collection(args.corpus)
    judged = [q for q in coll.queries if q.id in coll.qrels]
    queries = judged[: args.queries] if args.queries else judged
    if args.explain is not None and args.explain not in coll.qrels:
        print(f"--explain: query {args.explain} has no judgements", file=sys.stderr)
        return 2
    if args.explain is not None and all(q.id != args.explain for q in queries):
        queries.append(next(q for q in judged if q.id == args.explain))

    with tempfile.TemporaryDirectory(prefix="practicebase-cisi-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        paths = write_entries(root, coll.docs)
        warnings, first = validate_entries(paths)
        check_neutral(first, queries)
        log(
            f"wrote and validated {len(paths)} entries in {time.perf_counter() - start:.1f} s "
            f"(0 errors, {sum(warnings.values())} warnings)"
        )
        pb = run_practicebase(root, queries, args.procs, log)
    conn, fts_build = build_fts5(coll.docs)
    fts_tf = run_fts5(conn, queries, distinct=False, build_seconds=fts_build)
    fts_once = run_fts5(conn, queries, distinct=True, build_seconds=fts_build)
    conn.close()
    bm25 = run_bm25s(coll.docs, queries)
    runs: list[SystemRun] = [pb, fts_tf, fts_once, bm25]

    scored = [q for q in queries if args.queries is None or q in judged[: args.queries]]
    summary = summarise(runs, scored, coll.qrels)
    print(
        f"CISI: {len(coll.docs):,} documents, {len(coll.queries)} queries of which "
        f"{len(judged)} are judged ({coll.judgements:,} judgements); evaluating "
        f"{len(scored)} judged queries only, top {TOP_K}"
    )
    print(
        f"index build: practicebase {pb.build_seconds:.2f} s (rebuild_index, procs={pb.procs}: "
        f"{pb.index_output}); FTS5 {fts_build:.2f} s"
        + (f"; bm25s {bm25.build_seconds:.2f} s" if bm25.rankings else "")
    )
    print(
        "query time (all queries): "
        + ", ".join(f"{r.name} {r.query_seconds:.2f} s" for r in runs if r.rankings)
    )
    print()
    print(render_table(summary, runs, fts_tf.name))
    print()
    print(render_diagnostics(pb, scored, len(coll.docs)))
    if warnings:
        print(
            "entry warnings (expected: no recommended sections): "
            + "; ".join(f"{k} x{v}" for k, v in warnings.most_common(3))
        )
    if args.explain is not None:
        print()
        print(explain(args.explain, coll, pb, fts_tf))
    if args.json:
        data = {
            "corpus": str(args.corpus),
            "documents": len(coll.docs),
            "queries_total": len(coll.queries),
            "queries_judged": len(judged),
            "queries_evaluated": [q.id for q in scored],
            "buckets": [bucket_name(lo, hi) for lo, hi in BUCKETS],
            "systems": {
                r.name: {
                    "build_seconds": r.build_seconds,
                    "query_seconds": r.query_seconds,
                    "note": r.note,
                    "rankings": {str(k): v for k, v in r.rankings.items()},
                }
                for r in runs
            },
            "practicebase": {
                "procs": pb.procs,
                "index_output": pb.index_output,
                "sent": {str(k): v for k, v in pb.sent.items()},
                "corrections": {str(k): v for k, v in pb.corrections.items()},
                "reranked": {str(k): v for k, v in pb.reranked.items()},
                "suggestions": {str(k): v for k, v in pb.suggestions.items()},
                "totals": {str(k): v for k, v in pb.totals.items()},
                "limits": {str(k): v for k, v in pb.limits.items()},
            },
            "entry_warnings": dict(warnings),
            **summary,
            "seconds": time.perf_counter() - started,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nJSON: {args.json}")
    log(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
