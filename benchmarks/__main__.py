"""`python -m benchmarks`: run the suite at one or more sizes; print a table, write JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.realtext import DEFAULT_SOURCE, read_pages
from benchmarks.report import check_targets, growth, render
from benchmarks.run import Options, run_size

DEFAULT_OUT = Path(__file__).resolve().parent / "out"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=(
            "Benchmark practicebase against SQLite FTS5 on generated knowledge bases: "
            "rebuild, incremental index, add, query and typing latency, cold starts."
        ),
    )
    parser.add_argument(
        "--entries",
        default="1000",
        metavar="N[,N...]",
        help="synthetic knowledge base sizes, e.g. 10000,50000 (default: 1000; 0: none)",
    )
    parser.add_argument(
        "--real-text",
        type=int,
        default=0,
        metavar="N",
        help="also run N entries of real text (0: none; issue 15 uses 1000)",
    )
    parser.add_argument(
        "--real-source",
        type=Path,
        default=DEFAULT_SOURCE,
        metavar="PATH",
        help="the real text: the 18F guides export (default: ../shared/corpora/18f-guides) "
        "or any folder of Markdown files",
    )
    parser.add_argument(
        "--process-queries",
        type=int,
        default=None,
        metavar="N",
        help="`search --json` processes over the first N queries of the mix (default: all)",
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default: 1)")
    parser.add_argument(
        "--repeats", type=int, default=2, help="passes over the query mix (default: 2)"
    )
    parser.add_argument(
        "--queries", type=int, default=None, metavar="N", help="use N queries of the mix"
    )
    parser.add_argument(
        "--typed",
        default=None,
        metavar="TEXT[,TEXT]",
        help="the 20-character queries typed key by key (default: three built in)",
    )
    parser.add_argument(
        "--process-runs",
        type=int,
        default=3,
        metavar="N",
        help="runs of each whole-process measurement, median reported (default: 3)",
    )
    parser.add_argument("--no-tui", action="store_true", help="skip the terminal UI launch")
    parser.add_argument(
        "--skip",
        default="",
        metavar="PART[,PART]",
        help="leave out whole-process parts: index (unchanged and 1%% edited), add, search, tui",
    )
    parser.add_argument(
        "--json", type=Path, default=None, metavar="PATH", help="where to write the JSON results"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to generate knowledge bases (default: a temporary folder, removed after)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        sizes = [int(s.replace("_", "")) for s in args.entries.split(",") if s.strip()]
    except ValueError:
        print(f"--entries: not a list of numbers: {args.entries!r}", file=sys.stderr)
        return 2
    sizes = [n for n in sizes if n != 0]
    if (not sizes and args.real_text < 1) or min(sizes, default=1) < 1 or args.real_text < 0:
        print("--entries, --real-text: sizes must be positive", file=sys.stderr)
        return 2
    if args.real_text:
        try:
            pages = read_pages(args.real_source)
        except (OSError, ValueError) as exc:
            print(f"--real-source: cannot read {args.real_source}: {exc}", file=sys.stderr)
            return 2
        if not pages:
            print(f"--real-source: no Markdown pages in {args.real_source}", file=sys.stderr)
            return 2
    opts = Options(
        seed=args.seed,
        repeats=max(1, args.repeats),
        max_queries=args.queries,
        process_runs=max(1, args.process_runs),
        tui=not args.no_tui,
        skip=frozenset(p.strip() for p in args.skip.split(",") if p.strip()),
        process_queries=args.process_queries,
        real_source=args.real_source,
        **({"typed": tuple(args.typed.split(","))} if args.typed else {}),
    )
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="practicebase-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.time()
    compiled = _byte_compile_practicebase()
    results: dict = {
        "meta": {
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "sqlite": __import__("sqlite3").sqlite_version,
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "byte_compiled": compiled,
            "load_average_at_start": os.getloadavg(),
        },
        "options": {
            "entries": sizes,
            "seed": opts.seed,
            "repeats": opts.repeats,
            "queries": opts.max_queries,
            "typed": list(opts.typed),
            "process_runs": opts.process_runs,
            "tui": opts.tui,
            "skip": sorted(opts.skip),
            "real_text": args.real_text,
            "real_source": str(args.real_source) if args.real_text else None,
            "process_queries": opts.process_queries,
        },
        "sizes": [],
        "failed": [],
    }
    try:
        runs = [(n, "synthetic") for n in sorted(sizes)]
        runs += [(args.real_text, "real")] if args.real_text else []
        for n, kind in runs:
            try:
                size = run_size(n, workdir, opts, log, kind=kind)
            except Exception as exc:  # noqa: BLE001 - one failed size must not lose the others
                log(f"[{n} {kind}] FAILED: {exc}")
                results["failed"].append({"entries": n, "corpus": kind, "error": str(exc)[-800:]})
                continue
            size["targets"] = check_targets(size)
            results["sizes"].append(size)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    results["growth"] = growth([s for s in results["sizes"] if s["corpus"] == "synthetic"])
    results["meta"]["seconds"] = time.time() - started
    results["meta"]["load_average_at_end"] = os.getloadavg()
    name = "-".join(
        [*(str(n) for n in sorted(sizes)), *([f"real{args.real_text}"] * bool(args.real_text))]
    )
    out = args.json or DEFAULT_OUT / f"results-{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(render(results))
    print(f"\nJSON: {out}")
    return 1 if results["failed"] else 0


def _byte_compile_practicebase() -> bool:
    """Write practicebase's bytecode before timing whole processes, as installing it does.

    An editable install writes it on first import, unless PYTHONDONTWRITEBYTECODE is set (as
    on some machines, this one included): every measured process would then compile the
    whole package again, about 0.1 s that no installed copy pays."""
    import compileall

    import practicebase

    return bool(compileall.compile_dir(Path(practicebase.__file__).parent, quiet=1))


if __name__ == "__main__":
    sys.exit(main())
