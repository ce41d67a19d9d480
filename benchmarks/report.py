"""The printed table, the targets check and the growth curve of a benchmark run."""

from __future__ import annotations

import math
from typing import Any

TARGET_SIZE = 10_000
MEMORY_SIZE = 50_000


def _get(d: dict, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict) or d.get(key) is None:
            return None
        d = d[key]
    return d


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return a / b


# (label, practicebase path, FTS5 path, unit, scale) rows of the table. Every figure has the
# FTS5 figure of the same run beside it: processes against the baseline's own process
# (`python -m benchmarks.fts5 ...`), in-process latencies against its in-process queries.
ROWS: tuple[tuple[str, tuple[str, ...], tuple[str, ...] | None, str, float], ...] = (
    ("full rebuild (process)", ("rebuild", "seconds"), ("rebuild", "seconds"), "s", 1),
    ("rebuild CPU time", ("rebuild", "cpu_seconds"), ("rebuild", "cpu_seconds"), "s", 1),
    ("rebuild rate", ("rebuild", "entries_per_second"), ("rebuild", "entries_per_second"), "/s", 1),
    ("rebuild max RSS", ("rebuild", "peak_rss_mb"), ("rebuild", "peak_rss_mb"), "MB", 1),
    (
        "rebuild PSS, all procs",
        ("rebuild", "tree_peak_pss_mb"),
        ("rebuild", "tree_peak_pss_mb"),
        "MB",
        1,
    ),
    ("index size", ("index_size_mb",), ("index_size_mb",), "MB", 1),
    (
        "index, nothing changed",
        ("index_unchanged", "seconds"),
        ("index_unchanged", "seconds"),
        "s",
        1,
    ),
    (
        "index, 1% edited",
        ("index_after_touch", "seconds"),
        ("index_after_touch", "seconds"),
        "s",
        1,
    ),
    ("add one entry (process)", ("add_one", "seconds"), ("add_one", "seconds"), "s", 1),
    ("add one entry CPU", ("add_one", "cpu_seconds"), ("add_one", "cpu_seconds"), "s", 1),
    ("query p50", ("queries", "p50"), ("queries", "p50"), "ms", 1),
    ("query p95", ("queries", "p95"), ("queries", "p95"), "ms", 1),
    ("query max", ("queries", "max"), ("queries", "max"), "ms", 1),
    ("typing p50, fresh", ("typing", "p50"), ("typing", "p50"), "ms", 1),
    ("typing p95, fresh", ("typing", "p95"), ("typing", "p95"), "ms", 1),
    ("typing max, fresh", ("typing", "max"), ("typing", "max"), "ms", 1),
    (
        "open + first query",
        ("cold_open_first_query_seconds",),
        ("cold_open_first_query_seconds",),
        "s",
        1,
    ),
    (
        "search 1 word (process)",
        ("search_process", "seconds"),
        ("search_process", "seconds"),
        "s",
        1,
    ),
    (
        "search 1 word CPU",
        ("search_process", "cpu_seconds"),
        ("search_process", "cpu_seconds"),
        "s",
        1,
    ),
    (
        "search --json p50 (process)",
        ("search_json_process", "p50"),
        ("search_json_process", "p50"),
        "s",
        1,
    ),
    (
        "search --json p95 (process)",
        ("search_json_process", "p95"),
        ("search_json_process", "p95"),
        "s",
        1,
    ),
    (
        "search --json max (process)",
        ("search_json_process", "max"),
        ("search_json_process", "max"),
        "s",
        1,
    ),
    (
        "search --json CPU p95",
        ("search_json_process", "cpu_p95"),
        ("search_json_process", "cpu_p95"),
        "s",
        1,
    ),
    # FTS5 has no app: its figure is a process answering the same typed question.
    (
        "app first typed results",
        ("tui_first_results", "seconds"),
        ("tui_first_results", "seconds"),
        "s",
        1,
    ),
)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"


def _checks(size: dict) -> list[tuple[str, float | None, float, str]]:
    """Issue 15's "Done when" targets for one size: (name, value, limit, unit)."""
    pb, fts = size["practicebase"], size["fts5"]

    def ratio(*path: str) -> float | None:
        return _ratio(_get(pb, *path), _get(fts, *path))

    if size.get("corpus") == "real":
        return [
            ("rebuild <= 12x FTS5 build", ratio("rebuild", "seconds"), 12.0, "x"),
            (
                "search --json process p95 <= 2.5x FTS5",
                ratio("search_json_process", "p95"),
                2.5,
                "x",
            ),
        ]
    if size["entries"] >= MEMORY_SIZE:
        return [
            ("query p95 <= FTS5's", ratio("queries", "p95"), 1.0, "x"),
            ("search --json process p95 < 1 s", _get(pb, "search_json_process", "p95"), 1.0, "s"),
            ("rebuild peak memory < 500 MB", _get(pb, "rebuild", "tree_peak_pss_mb"), 500.0, "MB"),
        ]
    return [
        (
            "search --json process p95 <= 2.5x FTS5",
            ratio("search_json_process", "p95"),
            2.5,
            "x",
        ),
        ("search --json process p95 < 0.6 s", _get(pb, "search_json_process", "p95"), 0.6, "s"),
        ("query p95 <= FTS5's", ratio("queries", "p95"), 1.0, "x"),
        ("query p95 <= 50 ms", _get(pb, "queries", "p95"), 50.0, "ms"),
        ("typing p95 (fresh searcher) <= 40 ms", _get(pb, "typing", "p95"), 40.0, "ms"),
        ("add one entry < 0.5 s", _get(pb, "add_one", "seconds"), 0.5, "s"),
        ("app first typed results < 1.5 s", _get(pb, "tui_first_results", "seconds"), 1.5, "s"),
        ("rebuild <= 10x FTS5 build", ratio("rebuild", "seconds"), 10.0, "x"),
    ]


def check_targets(size: dict) -> list[dict]:
    """Each target of issue 15 that applies to one size (met: True/False, None when not run).

    Synthetic sizes below 50,000 get the 10,000-entry targets, 50,000 and more the 50,000
    ones, the real-text corpus its own; the absolute ones are meant for a quiet machine."""
    return [
        {
            "target": name,
            "value": value,
            "limit": limit,
            "unit": unit,
            "met": None if value is None else value <= limit,
        }
        for name, value, limit, unit in _checks(size)
    ]


def growth(sizes: list[dict]) -> dict | None:
    """Query latency growth between the smallest and largest size: the exponent k in t ~ n^k."""
    if len(sizes) < 2:
        return None
    small, large = sizes[0], sizes[-1]
    ratio_n = large["entries"] / small["entries"]
    out: dict[str, Any] = {"from": small["entries"], "to": large["entries"], "curve": []}
    for size in sizes:
        out["curve"].append(
            {
                "entries": size["entries"],
                "practicebase_p50_ms": _get(size, "practicebase", "queries", "p50"),
                "practicebase_p95_ms": _get(size, "practicebase", "queries", "p95"),
                "fts5_p50_ms": _get(size, "fts5", "queries", "p50"),
                "fts5_p95_ms": _get(size, "fts5", "queries", "p95"),
            }
        )
    for engine in ("practicebase", "fts5"):
        for stat in ("p50", "p95"):
            a = _get(small, engine, "queries", stat)
            b = _get(large, engine, "queries", stat)
            key = f"{engine}_{stat}_exponent"
            out[key] = math.log(b / a) / math.log(ratio_n) if a and b and ratio_n > 1 else None
    exp = out.get("practicebase_p50_exponent")
    out["sublinear"] = None if exp is None else exp < 1.0
    return out


def _corpus_name(size: dict) -> str:
    return "real-text" if size.get("corpus") == "real" else "synthetic"


def render(results: dict) -> str:
    """The human-readable table for every size, then the targets and the growth."""
    lines: list[str] = []
    meta = results["meta"]
    if meta.get("load_average_at_start") and meta.get("load_average_at_end"):
        start, end = meta["load_average_at_start"], meta["load_average_at_end"]
        lines.append(
            "load average (1, 5, 15 min) at start "
            + " ".join(f"{x:.2f}" for x in start)
            + ", at end "
            + " ".join(f"{x:.2f}" for x in end)
            + f" on {meta['cpus']} CPUs"
        )
    for size in results["sizes"]:
        pb, fts = size["practicebase"], size["fts5"]
        lines.append("")
        lines.append(
            f"== {size['entries']:,} {_corpus_name(size)} entries ({size['query_count']} queries x "
            f"{results['options']['repeats']} passes, {size['typing_count']} typing prefixes) =="
        )
        load = (size.get("load_average_at_start"), size.get("load_average_at_end"))
        if None not in load:
            lines.append(
                f"load average {load[0]:.1f} -> {load[1]:.1f} on {results['meta']['cpus']} CPUs "
                "(other work on the machine slows both engines)"
            )
        lines.append(f"{'':34}{'practicebase':>14}{'FTS5':>10}{'ratio':>9}")
        for label, pb_path, fts_path, unit, _scale in ROWS:
            a = _get(pb, *pb_path)
            b = _get(fts, *fts_path) if fts_path else None
            r = _ratio(a, b) if fts_path else None
            ratio = f"{r:.1f}x" if r is not None else ""
            lines.append(f"{label + ' (' + unit + ')':34}{_fmt(a):>14}{_fmt(b):>10}{ratio:>9}")
        lines.append("issue 15 targets for this size (absolute ones are for a quiet machine):")
        for check in size["targets"]:
            mark = {True: "met ", False: "MISS", None: "n/a "}[check["met"]]
            lines.append(f"  {mark} {check['target']:40} {_fmt(check['value'])} {check['unit']}")
        rare = size.get("rare_word_totals") or []
        wrong = [r for r in rare if r["practicebase"] != r["fts5"]]
        if rare:
            lines.append(
                "match counts of rare words equal FTS5's: "
                + (
                    "yes"
                    if not wrong
                    else "NO: "
                    + ", ".join(f"{r['query']} {r['practicebase']} vs {r['fts5']}" for r in wrong)
                )
            )
        slow = _get(pb, "queries", "slowest") or []
        if slow:
            lines.append(
                "slowest practicebase queries (ms): "
                + ", ".join(f"{s['query']!r} {s['max_ms']:.0f}" for s in slow[:5])
            )
    for failed in results.get("failed", []):
        lines.append("")
        lines.append(
            f"== {failed['entries']:,} {failed['corpus']} entries: FAILED, no figures ==\n"
            f"{failed['error']}"
        )
    g = results.get("growth")
    if g:
        lines.append("")
        lines.append(f"query latency growth {g['from']:,} -> {g['to']:,} entries:")
        for point in g["curve"]:
            lines.append(
                f"  {point['entries']:>7,}: practicebase p50 {_fmt(point['practicebase_p50_ms'])} "
                f"p95 {_fmt(point['practicebase_p95_ms'])} ms; FTS5 p50 "
                f"{_fmt(point['fts5_p50_ms'])} p95 {_fmt(point['fts5_p95_ms'])} ms"
            )
        exp = g.get("practicebase_p50_exponent")
        lines.append(
            f"  practicebase p50 ~ n^{_fmt(exp)} "
            f"({'sub-linear' if g['sublinear'] else 'NOT sub-linear' if exp is not None else '-'})"
        )
    return "\n".join(lines)


def render_markdown(results: dict) -> str:
    """The figures as Markdown tables (one column pair per size), for docs/performance.md."""
    sizes = results["sizes"]
    head = "| figure | " + " | ".join(
        f"{s['entries']:,} {_corpus_name(s)}: practicebase | FTS5 | ratio" for s in sizes
    )
    lines = [head + " |", "|---|" + "---:|---:|---:|" * len(sizes)]
    for label, pb_path, fts_path, unit, _scale in ROWS:
        cells = []
        for size in sizes:
            a = _get(size["practicebase"], *pb_path)
            b = _get(size["fts5"], *fts_path) if fts_path else None
            r = _ratio(a, b) if fts_path else None
            cells += [_fmt(a), _fmt(b), f"{r:.1f}x" if r is not None else ""]
        lines.append(f"| {label} ({unit}) | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| size | target | value | verdict |")
    lines.append("|---|---|---:|---|")
    for size in sizes:
        for c in size["targets"]:
            mark = {True: "met", False: "**missed**", None: "not run"}[c["met"]]
            value = f"{_fmt(c['value'])} {c['unit']}" if c["value"] is not None else "-"
            name = f"{size['entries']:,} {_corpus_name(size)}"
            lines.append(f"| {name} | {c['target']} | {value} | {mark} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    print(render_markdown(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
