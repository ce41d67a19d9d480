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
from benchmarks.queries import TYPED_QUERIES, BenchQuery, query_mix, typing_prefixes
from benchmarks.words import build_word_table

WARMUP_TEXTS = ("prevent", "partners police", "evaluation review")
SEARCH_WORD = "safeguarding"
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


def _median_run(runs: list[dict]) -> dict:
    seconds = [r["seconds"] for r in runs]
    return {
        "seconds": statistics.median(seconds),
        "runs": seconds,
        "returncode": max(r["returncode"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "output": runs[-1]["stdout_tail"].strip()[-200:] or runs[-1]["stderr_tail"].strip()[-200:],
    }


def _time_queries(
    search: Callable[[BenchQuery], tuple[int, int, bool]], queries: list[BenchQuery], repeats: int
) -> dict:
    """Latency of every query, `repeats` passes; also per kind and the slowest few."""
    samples: list[float] = []
    by_kind: dict[str, list[float]] = {}
    per_query: dict[str, list[float]] = {}
    totals: dict[str, int] = {}
    snippets = 0
    for _ in range(repeats):
        for q in queries:
            start = time.perf_counter()
            total, _shown, has_snippet = search(q)
            ms = (time.perf_counter() - start) * 1000
            samples.append(ms)
            by_kind.setdefault(q.kind, []).append(ms)
            per_query.setdefault(q.text, []).append(ms)
            totals[q.text] = total
            snippets += has_snippet
    slowest = sorted(per_query.items(), key=lambda kv: -max(kv[1]))[:8]
    return {
        **percentiles(samples),
        "by_kind": {k: percentiles(v) for k, v in by_kind.items()},
        "slowest": [{"query": t, "max_ms": max(v), "total": totals[t]} for t, v in slowest],
        "totals": totals,
        "with_snippet": snippets,
    }


def _practicebase_queries(
    root: Path, mix: list[BenchQuery], typing: list[BenchQuery], opts: Options
) -> dict:
    from practicebase.kb import KnowledgeBase
    from practicebase.search import Searcher, SearchRequest

    kb = KnowledgeBase(root)
    start = time.perf_counter()
    searcher = Searcher(kb)
    first = searcher.search(SearchRequest(SEARCH_WORD, limit=20))
    cold_open = time.perf_counter() - start
    for text in WARMUP_TEXTS:
        searcher.search(SearchRequest(text, limit=20))
    typing_flag = "as_you_type" in SearchRequest.__dataclass_fields__
    facets_seen = bool(first.facets)

    def run(q: BenchQuery, as_you_type: bool = False) -> tuple[int, int, bool]:
        extra = {"as_you_type": True} if as_you_type and typing_flag else {}
        result = searcher.search(SearchRequest(q.text, limit=20, **extra))
        return result.total, len(result.hits), bool(result.hits and result.hits[0].snippet)

    out = {
        "cold_open_first_query_seconds": cold_open,
        "facets_returned": facets_seen,
        "queries": _time_queries(run, mix, opts.repeats),
        "typing": _time_queries(lambda q: run(q, True), typing, opts.repeats),
        "typing_uses_as_you_type": typing_flag,
    }
    searcher.close()
    return out


def _fts5_queries(db: Path, mix: list[BenchQuery], typing: list[BenchQuery], opts: Options) -> dict:
    start = time.perf_counter()
    index = Fts5Index(db)
    index.search(BenchQuery("warm", SEARCH_WORD, SEARCH_WORD))
    cold_open = time.perf_counter() - start
    for text in WARMUP_TEXTS:
        index.search(BenchQuery("warm", text, text))

    def run(q: BenchQuery) -> tuple[int, int, bool]:
        total, rows = index.search(q)
        return total, len(rows), bool(rows and rows[0][2])

    def plain(q: BenchQuery) -> tuple[int, int, bool]:
        rows = index.search_plain(q)
        return len(rows), len(rows), bool(rows)

    out = {
        "cold_open_first_query_seconds": cold_open,
        "queries": _time_queries(run, mix, opts.repeats),
        "typing": _time_queries(run, typing, opts.repeats),
    }
    plain_samples: list[float] = []
    for _ in range(opts.repeats):
        for q in mix:
            t = time.perf_counter()
            plain(q)
            plain_samples.append((time.perf_counter() - t) * 1000)
    out["queries_top20_snippets_only"] = percentiles(plain_samples)
    index.close()
    return out


def tui_launch(root: Path, timeout: float) -> dict:
    """Seconds from starting the app's process to the first results shown (headless)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.child", "tui", str(root), str(timeout)],
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


def run_size(n: int, workdir: Path, opts: Options, log: Log = print) -> dict:
    """Every measurement at `n` entries; returns the figures as a JSON-ready dict."""
    root = workdir / f"kb-{n}"
    start = time.perf_counter()
    corpus: Corpus = generate_corpus(root, n, opts.seed)
    generated = time.perf_counter() - start
    log(f"[{n}] generated {n} entries in {generated:.1f} s")
    table = build_word_table(opts.seed)
    mix = query_mix(table)
    if opts.max_queries is not None:
        mix = mix[:: max(1, len(mix) // opts.max_queries)][: opts.max_queries]
    typing = [q for typed in opts.typed for q in typing_prefixes(typed)]
    fts: dict = {}
    pb: dict = {}
    out: dict = {
        "entries": n,
        "generate_seconds": generated,
        "query_count": len(mix),
        "typing_count": len(typing),
        "practicebase": pb,
        "fts5": fts,
    }

    db = workdir / f"fts5-{n}.sqlite"
    built = _child(["fts5-build", str(corpus.entries_dir), str(db)])
    fts["rebuild"] = {
        "seconds": built["seconds"],
        "entries_per_second": built["entries"] / built["seconds"],
        "peak_rss_mb": built["peak_rss_mb"],
    }
    fts["index_size_mb"] = db.stat().st_size / 1e6
    log(f"[{n}] FTS5 built in {built['seconds']:.1f} s")

    run = practicebase_process(root, "index", "--rebuild")
    pb["rebuild"] = {
        "seconds": run["seconds"],
        "entries_per_second": n / run["seconds"],
        "peak_rss_mb": run["peak_rss_mb"],
        "returncode": run["returncode"],
        "output": (run["stdout_tail"] or run["stderr_tail"]).strip()[-200:],
    }
    pb["index_size_mb"] = dir_size_mb(root / "index")
    log(f"[{n}] practicebase rebuilt in {run['seconds']:.1f} s ({pb['rebuild']['output']})")

    runs = [practicebase_process(root, "index") for _ in range(opts.process_runs)]
    pb["index_unchanged"] = _median_run(runs)
    index = Fts5Index(db)
    start = time.perf_counter()
    changed = index.changed_files(corpus.entries_dir)
    fts["index_unchanged"] = {"seconds": time.perf_counter() - start, "changed": len(changed)}

    touched = touch_fraction(corpus, TOUCH_FRACTION)
    pb["index_after_touch"] = _median_run([practicebase_process(root, "index")])
    pb["index_after_touch"]["touched"] = len(touched)
    start = time.perf_counter()
    index.upsert(touched)
    fts["index_after_touch"] = {"seconds": time.perf_counter() - start, "touched": len(touched)}
    index.close()
    log(
        f"[{n}] index unchanged {pb['index_unchanged']['seconds']:.2f} s, "
        f"after {len(touched)} edits {pb['index_after_touch']['seconds']:.2f} s"
    )

    extras = [
        extra_entry(workdir / f"incoming-{n}", i, opts.seed) for i in range(opts.process_runs)
    ]
    pb["add_one"] = _median_run([practicebase_process(root, "add", str(p)) for p in extras])
    log(f"[{n}] add one entry {pb['add_one']['seconds']:.2f} s")

    pb.update(_practicebase_queries(root, mix, typing, opts))
    fts.update(_fts5_queries(db, mix, typing, opts))
    log(
        f"[{n}] queries p95 practicebase {pb['queries']['p95']:.1f} ms, "
        f"FTS5 {fts['queries']['p95']:.1f} ms; typing p95 {pb['typing']['p95']:.1f} ms"
    )

    runs = [practicebase_process(root, "search", SEARCH_WORD) for _ in range(opts.process_runs)]
    pb["search_process"] = _median_run(runs)
    log(f"[{n}] search as a process {pb['search_process']['seconds']:.2f} s")

    if opts.tui:
        launches = [
            tui_launch(root, opts.tui_timeout) for _ in range(max(1, opts.process_runs - 1))
        ]
        ok = [t["seconds"] for t in launches if t["seconds"] is not None]
        pb["tui_first_results"] = {
            "seconds": statistics.median(ok) if ok else None,
            "runs": [t["seconds"] for t in launches],
            "import_seconds": launches[-1].get("import_seconds"),
            "hits_shown": launches[-1].get("hits_shown"),
            "error": launches[-1].get("error"),
        }
        shown = pb["tui_first_results"]["seconds"]
        log(f"[{n}] terminal UI first results {shown if shown is None else round(shown, 2)} s")
    return out
