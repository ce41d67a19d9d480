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
        "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
        "output": runs[-1]["stdout_tail"].strip()[-200:] or runs[-1]["stderr_tail"].strip()[-200:],
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
    engines: dict[str, Engine], queries: list[BenchQuery], repeats: int
) -> dict[str, dict]:
    """Time every query on every engine, alternating engines query by query, so that load
    from other processes on a shared machine falls on both sides alike."""
    timings = {name: _Timings() for name in engines}
    for _ in range(repeats):
        for q in queries:
            for name, run in engines.items():
                start = time.perf_counter()
                total, has_snippet = run(q)
                timings[name].add(q, (time.perf_counter() - start) * 1000, total, has_snippet)
    return {name: t.summary() for name, t in timings.items()}


def _queries(
    root: Path, db: Path, mix: list[BenchQuery], typing: list[BenchQuery], opts: Options
) -> tuple[dict, dict]:
    """(practicebase, FTS5) query and typing latencies, warm, through each engine's API."""
    from practicebase.kb import KnowledgeBase
    from practicebase.search import Searcher, SearchRequest

    start = time.perf_counter()
    searcher = Searcher(KnowledgeBase(root))
    first = searcher.search(SearchRequest(SEARCH_WORD, limit=20))
    pb: dict = {"cold_open_first_query_seconds": time.perf_counter() - start}
    start = time.perf_counter()
    index = Fts5Index(db)
    index.search(BenchQuery("warm", SEARCH_WORD, SEARCH_WORD))
    fts: dict = {"cold_open_first_query_seconds": time.perf_counter() - start}
    for text in WARMUP_TEXTS:
        searcher.search(SearchRequest(text, limit=20))
        index.search(BenchQuery("warm", text, text))
    typing_flag = "as_you_type" in SearchRequest.__dataclass_fields__

    def practicebase(q: BenchQuery, as_you_type: bool = False) -> tuple[int, bool]:
        extra = {"as_you_type": True} if as_you_type and typing_flag else {}
        result = searcher.search(SearchRequest(q.text, limit=20, **extra))
        return result.total, bool(result.hits and result.hits[0].snippet)

    def fts5(q: BenchQuery) -> tuple[int, bool]:
        total, rows = index.search(q)
        return total, bool(rows and rows[0][2])

    def fts5_plain(q: BenchQuery) -> tuple[int, bool]:
        rows = index.search_plain(q)
        return len(rows), bool(rows)

    mixed = _time_interleaved(
        {"pb": practicebase, "fts": fts5, "plain": fts5_plain}, mix, opts.repeats
    )
    typed = _time_interleaved(
        {"pb": lambda q: practicebase(q, True), "fts": fts5}, typing, opts.repeats
    )
    pb.update(
        facets_returned=bool(first.facets),
        queries=mixed["pb"],
        typing=typed["pb"],
        typing_uses_as_you_type=typing_flag,
    )
    plain = mixed["plain"]
    fts.update(
        queries=mixed["fts"],
        typing=typed["fts"],
        queries_top20_snippets_only={k: plain[k] for k in ("n", "p50", "p95", "max")},
    )
    searcher.close()
    index.close()
    return pb, fts


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
        "load_average_at_start": os.getloadavg()[0],
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
        "cpu_seconds": built["cpu_seconds"],
    }
    fts["index_size_mb"] = db.stat().st_size / 1e6
    log(f"[{n}] FTS5 built in {built['seconds']:.1f} s")

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
    log(f"[{n}] practicebase rebuilt in {run['seconds']:.1f} s ({pb['rebuild']['output']})")

    if "index" not in opts.skip:
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

    if "add" not in opts.skip:
        extras = [
            extra_entry(workdir / f"incoming-{n}", i, opts.seed) for i in range(opts.process_runs)
        ]
        pb["add_one"] = _median_run([practicebase_process(root, "add", str(p)) for p in extras])
        # FTS5 takes the same new files, so both engines search the same entries.
        index = Fts5Index(db)
        start = time.perf_counter()
        added = index.changed_files(corpus.entries_dir)
        index.upsert(added)
        fts["add_one"] = {
            "seconds": time.perf_counter() - start,  # finding and inserting all of them
            "added": len(added),
        }
        index.close()
        log(f"[{n}] add one entry {pb['add_one']['seconds']:.2f} s")

    pb_queries, fts_queries = _queries(root, db, mix, typing, opts)
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
        f"[{n}] queries p95 practicebase {pb['queries']['p95']:.1f} ms, "
        f"FTS5 {fts['queries']['p95']:.1f} ms; typing p95 {pb['typing']['p95']:.1f} ms"
    )

    if "search" not in opts.skip:
        runs = [practicebase_process(root, "search", SEARCH_WORD) for _ in range(opts.process_runs)]
        pb["search_process"] = _median_run(runs)
        log(f"[{n}] search as a process {pb['search_process']['seconds']:.2f} s")

    if opts.tui and "tui" not in opts.skip:
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
    out["load_average_at_end"] = os.getloadavg()[0]
    return out
