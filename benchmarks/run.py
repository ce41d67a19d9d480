"""Measure one knowledge-base size: practicebase and the FTS5 baseline on the same entries.

Whole-process figures (rebuild, `index`, `add`, `search`, the terminal UI) run the real
command in a child process; query latencies go through `practicebase.search.Searcher`, the
API the terminal UI calls, with the searcher open and warm.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.corpus import Corpus, extra_entry, generate_corpus, touch_fraction
from benchmarks.fts5 import Fts5Index
from benchmarks.queries import (
    REAL_TEXT_TYPED,
    TYPED_QUERIES,
    BenchQuery,
    query_mix,
    real_text_mix,
    typing_prefixes,
)
from benchmarks.realtext import DEFAULT_SOURCE, generate_real_corpus
from benchmarks.words import build_word_table

WARMUP_TEXTS = ("prevent", "partners police", "evaluation review")
SEARCH_WORD = "safeguarding"
REAL_SEARCH_WORD = "accessibility"
TOUCH_FRACTION = 0.01
Log = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    """What to run; the defaults are a full run."""

    seed: int = 1
    repeats: int = 2  # passes over the query mix (each query timed once per pass)
    max_queries: int | None = None  # first N of the mix (the smoke test uses few)
    typed: tuple[str, ...] = TYPED_QUERIES
    process_runs: int = 3  # repeats of each whole-process measurement (median reported)
    tui: bool = True
    tui_timeout: float = 180.0
    skip: frozenset[str] = field(default_factory=frozenset)
    process_queries: int | None = None  # `search --json` processes: first N of the mix
    real_source: Path = DEFAULT_SOURCE  # pages for the real-text corpus


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    """p50, p95 and max (linear interpolation), plus the count."""
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    ordered = sorted(values)

    def pct(p: float) -> float:
        k = (len(ordered) - 1) * p
        lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
        return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)

    return {"n": len(ordered), "p50": pct(0.5), "p95": pct(0.95), "max": ordered[-1]}


def dir_size_mb(path: Path) -> float:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total / 1e6


def _child(args: list[str], timeout: float = 3600) -> dict:
    """Run `python -m benchmarks.child ARGS` and return its RESULT JSON."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.child", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=Path(__file__).resolve().parent.parent,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"benchmark child {args[0]} failed: {proc.stderr[-800:]}")


def practicebase_process(root: Path, *args: str) -> dict:
    """Time `python -m practicebase --root ROOT ARGS` as a whole process, with its peak RSS."""
    cmd = [sys.executable, "-m", "practicebase", "--root", str(root), *args]
    return _child(["measure", "--", *cmd])


def fts5_process(*args: str) -> dict:
    """Time `python -m benchmarks.fts5 ARGS` (the baseline's command) as a whole process."""
    return _child(["measure", "--", sys.executable, "-m", "benchmarks.fts5", *args])


def _query_spec(q: BenchQuery) -> str:
    return json.dumps({"text": q.text, "fts": q.fts, "filters": [list(f) for f in q.filters]})


def _median_run(runs: list[dict]) -> dict:
    seconds = [r["seconds"] for r in runs]
    return {
        "seconds": statistics.median(seconds),
        "runs": seconds,
        "returncode": max(r["returncode"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
        "output": runs[-1]["stdout_tail"].strip()[-200:] or runs[-1]["stderr_tail"].strip()[-200:],
    }


def _process_stats(runs: list[dict]) -> dict:
    """p50/p95/max of many whole-process runs (seconds), their CPU p95 and worst status."""
    return {
        **percentiles([r["seconds"] for r in runs]),
        "cpu_p95": percentiles([r["cpu_seconds"] for r in runs])["p95"],
        "returncode": max((r["returncode"] for r in runs), default=0),
    }


class _Timings:
    """Latency samples of one engine on one query list: overall, per kind, slowest queries."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.by_kind: dict[str, list[float]] = {}
        self.per_query: dict[str, list[float]] = {}
        self.totals: dict[str, int] = {}
        self.with_snippet = 0

    def add(self, q: BenchQuery, ms: float, total: int, has_snippet: bool) -> None:
        self.samples.append(ms)
        self.by_kind.setdefault(q.kind, []).append(ms)
        self.per_query.setdefault(q.text, []).append(ms)
        self.totals[q.text] = total
        self.with_snippet += has_snippet

    def summary(self) -> dict:
        slowest = sorted(self.per_query.items(), key=lambda kv: -max(kv[1]))[:8]
        return {
            **percentiles(self.samples),
            "by_kind": {k: percentiles(v) for k, v in self.by_kind.items()},
            "slowest": [
                {"query": t, "max_ms": max(v), "total": self.totals[t]} for t, v in slowest
            ],
            "totals": self.totals,
            "with_snippet": self.with_snippet,
        }


Engine = Callable[[BenchQuery], tuple[int, bool]]


def _time_interleaved(
    engines: dict[str, Engine],
    queries: list[BenchQuery],
    repeats: int,
    timings: dict[str, _Timings] | None = None,
) -> dict[str, dict]:
    """Time every query on every engine, alternating engines query by query, so that load
    from other processes on a shared machine falls on both sides alike (samples go into
    `timings` when given, to gather several calls)."""
    timings = timings if timings is not None else {name: _Timings() for name in engines}
    for _ in range(repeats):
        for q in queries:
            for name, run in engines.items():
                start = time.perf_counter()
                total, has_snippet = run(q)
                timings[name].add(q, (time.perf_counter() - start) * 1000, total, has_snippet)
    return {name: t.summary() for name, t in timings.items()}


def _queries(
    root: Path,
    db: Path,
    mix: list[BenchQuery],
    typed_texts: tuple[str, ...],
    search_word: str,
    opts: Options,
) -> tuple[dict, dict]:
    """(practicebase, FTS5) query and typing latencies through each engine's API.

    The query mix runs on one open searcher (as the app keeps one), warmed by three other
    queries. Typing opens a fresh searcher (and a fresh FTS5 connection) for every typed
    sequence of every pass, so no phrase or term result cached by an earlier pass helps.
    """
    from practicebase.kb import KnowledgeBase
    from practicebase.search import Searcher, SearchRequest

    start = time.perf_counter()
    searcher = Searcher(KnowledgeBase(root))
    first = searcher.search(SearchRequest(search_word, limit=20))
    pb: dict = {"cold_open_first_query_seconds": time.perf_counter() - start}
    start = time.perf_counter()
    index = Fts5Index(db)
    index.search(BenchQuery("warm", search_word, search_word))
    fts: dict = {"cold_open_first_query_seconds": time.perf_counter() - start}
    for text in WARMUP_TEXTS:
        searcher.search(SearchRequest(text, limit=20))
        index.search(BenchQuery("warm", text, text))

    def on(pb_searcher: Searcher, fts_index: Fts5Index) -> dict[str, Engine]:
        def practicebase(q: BenchQuery) -> tuple[int, bool]:
            as_you_type = q.kind == "typing"
            result = pb_searcher.search(SearchRequest(q.text, limit=20, as_you_type=as_you_type))
            return result.total, bool(result.hits and result.hits[0].snippet)

        def fts5(q: BenchQuery) -> tuple[int, bool]:
            total, rows = fts_index.search(q)
            return total, bool(rows and rows[0][2])

        def fts5_plain(q: BenchQuery) -> tuple[int, bool]:
            rows = fts_index.search_plain(q)
            return len(rows), bool(rows)

        return {"pb": practicebase, "fts": fts5, "plain": fts5_plain}

    engines = on(searcher, index)
    mixed = _time_interleaved(engines, mix, opts.repeats)
    searcher.close()
    index.close()

    typing_runs: dict[str, _Timings] = {"pb": _Timings(), "fts": _Timings()}
    for _ in range(opts.repeats):
        for typed in typed_texts:
            fresh_searcher, fresh_index = Searcher(KnowledgeBase(root)), Fts5Index(db)
            fresh = on(fresh_searcher, fresh_index)
            _time_interleaved(
                {"pb": fresh["pb"], "fts": fresh["fts"]}, typing_prefixes(typed), 1, typing_runs
            )
            fresh_searcher.close()
            fresh_index.close()
    pb.update(
        facets_returned=bool(first.facets),
        queries=mixed["pb"],
        typing={**typing_runs["pb"].summary(), "fresh_searcher_per_sequence": True},
    )
    plain = mixed["plain"]
    fts.update(
        queries=mixed["fts"],
        typing=typing_runs["fts"].summary(),
        queries_top20_snippets_only={k: plain[k] for k in ("n", "p50", "p95", "max")},
    )
    return pb, fts


def tui_launch(root: Path, timeout: float, typed: str) -> dict:
    """Seconds from starting the app's process to the results of a question typed at launch
    (headless)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.child", "tui", str(root), str(timeout), typed],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    shown = None
    result: dict = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "shown" and shown is None:
            shown = time.perf_counter() - start
        elif line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
    stderr = proc.stderr.read() if proc.stderr else ""
    proc.wait(timeout=timeout)
    return {
        "seconds": shown,
        **result,
        "error": None if shown is not None else (stderr[-400:] or "results never shown"),
    }


def _load() -> float:
    return os.getloadavg()[0]


def run_size(
    n: int, workdir: Path, opts: Options, log: Log = print, kind: str = "synthetic"
) -> dict:
    """Every measurement at `n` entries of one corpus kind ("synthetic" or "real", the
    latter from `opts.real_source`); returns the figures as a JSON-ready dict."""
    label = f"{n}" if kind == "synthetic" else f"{n} real"
    root = workdir / f"kb-{kind}-{n}"
    load_at_start = _load()
    start = time.perf_counter()
    if kind == "real":
        corpus: Corpus = generate_real_corpus(root, n, opts.real_source)
        mix = real_text_mix()
        typed_texts = REAL_TEXT_TYPED if opts.typed == TYPED_QUERIES else opts.typed
        search_word = REAL_SEARCH_WORD
    else:
        corpus = generate_corpus(root, n, opts.seed)
        mix = query_mix(build_word_table(opts.seed))
        typed_texts = opts.typed
        search_word = SEARCH_WORD
    generated = time.perf_counter() - start
    log(f"[{label}] generated {n} entries in {generated:.1f} s")
    if opts.max_queries is not None:
        mix = mix[:: max(1, len(mix) // opts.max_queries)][: opts.max_queries]
    typing_count = sum(len(typing_prefixes(t)) for t in typed_texts)
    fts: dict = {}
    pb: dict = {}
    out: dict = {
        "entries": n,
        "corpus": kind,
        "source": str(opts.real_source) if kind == "real" else "synthetic",
        "load_average_at_start": load_at_start,
        "generate_seconds": generated,
        "query_count": len(mix),
        "typing_count": typing_count,
        "practicebase": pb,
        "fts5": fts,
    }

    db = workdir / f"fts5-{kind}-{n}.sqlite"
    built = fts5_process("build", str(db), str(corpus.entries_dir))
    fts["rebuild"] = {
        "seconds": built["seconds"],
        "entries_per_second": n / built["seconds"],
        "peak_rss_mb": built["peak_rss_mb"],
        "tree_peak_pss_mb": built["tree_peak_pss_mb"],
        "cpu_seconds": built["cpu_seconds"],
        "returncode": built["returncode"],
    }
    fts["index_size_mb"] = db.stat().st_size / 1e6
    log(f"[{label}] FTS5 built in {built['seconds']:.1f} s (whole process)")

    run = practicebase_process(root, "index", "--rebuild")
    pb["rebuild"] = {
        "seconds": run["seconds"],
        "entries_per_second": n / run["seconds"],
        "peak_rss_mb": run["peak_rss_mb"],
        "tree_peak_pss_mb": run["tree_peak_pss_mb"],
        "cpu_seconds": run["cpu_seconds"],
        "returncode": run["returncode"],
        "output": (run["stdout_tail"] or run["stderr_tail"]).strip()[-200:],
    }
    pb["index_size_mb"] = dir_size_mb(root / "index")
    log(f"[{label}] practicebase rebuilt in {run['seconds']:.1f} s ({pb['rebuild']['output']})")

    if "index" not in opts.skip:
        runs = [practicebase_process(root, "index") for _ in range(opts.process_runs)]
        pb["index_unchanged"] = _median_run(runs)
        runs = [
            fts5_process("index", str(db), str(corpus.entries_dir))
            for _ in range(opts.process_runs)
        ]
        fts["index_unchanged"] = _median_run(runs)

        touched = touch_fraction(corpus, TOUCH_FRACTION)
        pb["index_after_touch"] = _median_run([practicebase_process(root, "index")])
        pb["index_after_touch"]["touched"] = len(touched)
        fts["index_after_touch"] = _median_run(
            [fts5_process("index", str(db), str(corpus.entries_dir))]
        )
        fts["index_after_touch"]["touched"] = len(touched)
        log(
            f"[{label}] index unchanged {pb['index_unchanged']['seconds']:.2f} s "
            f"(FTS5 {fts['index_unchanged']['seconds']:.2f} s), after {len(touched)} edits "
            f"{pb['index_after_touch']['seconds']:.2f} s"
        )

    if "add" not in opts.skip:
        extras = [
            extra_entry(workdir / f"incoming-{kind}-{n}", i, opts.seed)
            for i in range(opts.process_runs)
        ]
        pb["add_one"] = _median_run([practicebase_process(root, "add", str(p)) for p in extras])
        # FTS5 takes the same new files (a copy beside entries/, which `add` filled), so both
        # engines search the same entries.
        copies = workdir / f"fts5-added-{kind}-{n}"
        fts["add_one"] = _median_run(
            [fts5_process("add", str(db), str(p), str(copies / p.name)) for p in extras]
        )
        log(
            f"[{label}] add one entry {pb['add_one']['seconds']:.2f} s "
            f"(FTS5 {fts['add_one']['seconds']:.2f} s)"
        )

    pb_queries, fts_queries = _queries(root, db, mix, typed_texts, search_word, opts)
    pb.update(pb_queries)
    fts.update(fts_queries)
    # A made-up tail word has no stem, spelling, acronym or synonym relatives: both engines
    # must count exactly the same matches (a cheap guard against lost matches).
    out["rare_word_totals"] = [
        {
            "query": q.text,
            "practicebase": pb["queries"]["totals"][q.text],
            "fts5": fts["queries"]["totals"][q.text],
        }
        for q in mix
        if q.kind == "rare"
    ]
    log(
        f"[{label}] queries p95 practicebase {pb['queries']['p95']:.1f} ms, "
        f"FTS5 {fts['queries']['p95']:.1f} ms; typing p95 {pb['typing']['p95']:.1f} ms "
        f"(FTS5 {fts['typing']['p95']:.1f} ms)"
    )

    if "search" not in opts.skip:
        word = BenchQuery("single", search_word, search_word)
        runs = [practicebase_process(root, "search", search_word) for _ in range(opts.process_runs)]
        pb["search_process"] = _median_run(runs)
        runs = [
            fts5_process("search", str(db), _query_spec(word)) for _ in range(opts.process_runs)
        ]
        fts["search_process"] = _median_run(runs)
        # `search --json --limit 20` over the query mix, one process per query, alternating
        # practicebase and FTS5 query by query.
        chosen = mix if opts.process_queries is None else mix[: opts.process_queries]
        pb_runs, fts_runs = [], []
        for q in chosen:
            pb_runs.append(practicebase_process(root, "search", q.text, "--json", "--limit", "20"))
            fts_runs.append(fts5_process("search", str(db), _query_spec(q)))
        pb["search_json_process"] = _process_stats(pb_runs)
        fts["search_json_process"] = _process_stats(fts_runs)
        log(
            f"[{label}] search as a process {pb['search_process']['seconds']:.2f} s "
            f"(FTS5 {fts['search_process']['seconds']:.2f} s); search --json p95 "
            f"{pb['search_json_process']['p95']:.2f} s "
            f"(FTS5 {fts['search_json_process']['p95']:.2f} s)"
        )

    if opts.tui and "tui" not in opts.skip:
        typed = typed_texts[0]
        launches = [
            tui_launch(root, opts.tui_timeout, typed) for _ in range(max(1, opts.process_runs - 1))
        ]
        ok = [t["seconds"] for t in launches if t["seconds"] is not None]
        pb["tui_first_results"] = {
            "seconds": statistics.median(ok) if ok else None,
            "runs": [t["seconds"] for t in launches],
            "typed": typed,
            "import_seconds": launches[-1].get("import_seconds"),
            "typed_seconds": launches[-1].get("typed_seconds"),
            "after_typed_seconds": launches[-1].get("after_typed_seconds"),
            "hits_shown": launches[-1].get("hits_shown"),
            "error": launches[-1].get("error"),
        }
        # FTS5's nearest equivalent: a process answering the same question.
        q = BenchQuery("typing", typed, typing_prefixes(typed)[-1].fts)
        fts["tui_first_results"] = _median_run(
            [fts5_process("search", str(db), _query_spec(q)) for _ in range(opts.process_runs)]
        )
        shown = pb["tui_first_results"]["seconds"]
        log(f"[{label}] app first typed results {shown if shown is None else round(shown, 2)} s")
    out["load_average_at_end"] = _load()
    return out
