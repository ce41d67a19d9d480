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


# (label, practicebase path, FTS5 path, unit, scale) rows of the table.
ROWS: tuple[tuple[str, tuple[str, ...], tuple[str, ...] | None, str, float], ...] = (
    ("full rebuild", ("rebuild", "seconds"), ("rebuild", "seconds"), "s", 1),
    ("rebuild CPU time", ("rebuild", "cpu_seconds"), ("rebuild", "cpu_seconds"), "s", 1),
    ("rebuild rate", ("rebuild", "entries_per_second"), ("rebuild", "entries_per_second"), "/s", 1),
    ("rebuild peak RSS", ("rebuild", "peak_rss_mb"), ("rebuild", "peak_rss_mb"), "MB", 1),
    ("rebuild PSS, all procs", ("rebuild", "tree_peak_pss_mb"), None, "MB", 1),
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
    ("add one entry CPU", ("add_one", "cpu_seconds"), None, "s", 1),
    ("query p50", ("queries", "p50"), ("queries", "p50"), "ms", 1),
    ("query p95", ("queries", "p95"), ("queries", "p95"), "ms", 1),
    ("query max", ("queries", "max"), ("queries", "max"), "ms", 1),
    ("typing p50", ("typing", "p50"), ("typing", "p50"), "ms", 1),
    ("typing p95", ("typing", "p95"), ("typing", "p95"), "ms", 1),
    ("typing max", ("typing", "max"), ("typing", "max"), "ms", 1),
    (
        "open + first query",
        ("cold_open_first_query_seconds",),
        ("cold_open_first_query_seconds",),
        "s",
        1,
    ),
    ("search (process)", ("search_process", "seconds"), None, "s", 1),
    ("search (process) CPU", ("search_process", "cpu_seconds"), None, "s", 1),
    ("TUI launch to results", ("tui_first_results", "seconds"), None, "s", 1),
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


def check_targets(size: dict) -> list[dict]:
    """Each target of the performance issue against one size's figures (met: True/False/None)."""
    pb, fts = size["practicebase"], size["fts5"]
    q95, f95 = _get(pb, "queries", "p95"), _get(fts, "queries", "p95")
    checks = [
        ("query p95 <= 50 ms", q95, 50.0, "ms"),
        ("query p95 <= 3x FTS5 p95", _ratio(q95, f95), 3.0, "x"),
        ("typing p95 <= 50 ms", _get(pb, "typing", "p95"), 50.0, "ms"),
        ("full rebuild <= 60 s", _get(pb, "rebuild", "seconds"), 60.0, "s"),
        (
            "peak memory < 500 MB",
            _get(pb, "rebuild", "tree_peak_pss_mb") or _get(pb, "rebuild", "peak_rss_mb"),
            500.0,
            "MB",
        ),
        ("index, nothing changed < 1 s", _get(pb, "index_unchanged", "seconds"), 1.0, "s"),
        ("add one entry < 0.5 s", _get(pb, "add_one", "seconds"), 0.5, "s"),
        ("TUI launch to results < 1.5 s", _get(pb, "tui_first_results", "seconds"), 1.5, "s"),
        ("search process < 0.6 s", _get(pb, "search_process", "seconds"), 0.6, "s"),
    ]
    return [
        {
            "target": name,
            "value": value,
            "limit": limit,
            "unit": unit,
            "met": None if value is None else value <= limit,
        }
        for name, value, limit, unit in checks
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


def render(results: dict) -> str:
    """The human-readable table for every size, then the targets and the growth."""
    lines: list[str] = []
    for size in results["sizes"]:
        pb, fts = size["practicebase"], size["fts5"]
        lines.append("")
        lines.append(
            f"== {size['entries']:,} entries ({size['query_count']} queries x "
            f"{results['options']['repeats']} passes, {size['typing_count']} typing prefixes) =="
        )
        load = (size.get("load_average_at_start"), size.get("load_average_at_end"))
        if None not in load:
            lines.append(
                f"load average {load[0]:.1f} -> {load[1]:.1f} on {results['meta']['cpus']} CPUs "
                "(other work on the machine slows both engines)"
            )
        lines.append(f"{'':26}{'practicebase':>14}{'FTS5':>10}{'ratio':>9}")
        for label, pb_path, fts_path, unit, _scale in ROWS:
            a = _get(pb, *pb_path)
            b = _get(fts, *fts_path) if fts_path else None
            r = _ratio(a, b) if fts_path else None
            ratio = f"{r:.1f}x" if r is not None else ""
            lines.append(f"{label + ' (' + unit + ')':26}{_fmt(a):>14}{_fmt(b):>10}{ratio:>9}")
        lines.append("targets (the issue sets them at 10,000 entries; memory at 50,000):")
        for check in size["targets"]:
            mark = {True: "met ", False: "MISS", None: "n/a "}[check["met"]]
            lines.append(f"  {mark} {check['target']:34} {_fmt(check['value'])} {check['unit']}")
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
        f"{s['entries']:,}: practicebase | FTS5 | ratio" for s in sizes
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
    lines.append("| target | " + " | ".join(f"{s['entries']:,}" for s in sizes) + " |")
    lines.append("|---|" + "---|" * len(sizes))
    for i, check in enumerate(sizes[0]["targets"]):
        cells = []
        for size in sizes:
            c = size["targets"][i]
            mark = {True: "met", False: "**missed**", None: "not run"}[c["met"]]
            cells.append(
                f"{_fmt(c['value'])} {c['unit']} {mark}" if c["value"] is not None else mark
            )
        lines.append(f"| {check['target']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    print(render_markdown(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
