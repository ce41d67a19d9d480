"""The benchmark suite runs end to end at a tiny size, so it cannot rot.

Asserts the shape of the output (every figure present, targets checked, FTS5 compared),
never the timings.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # `benchmarks` is a top-level folder of the repo, not installed

from benchmarks.__main__ import main  # noqa: E402
from benchmarks.corpus import generate_corpus  # noqa: E402
from benchmarks.queries import query_mix, typing_prefixes  # noqa: E402
from benchmarks.words import build_word_table  # noqa: E402
from practicebase.validate import load_entry  # noqa: E402
from practicebase.vocabulary import load_vocabulary  # noqa: E402


def test_generated_entries_are_valid_and_deterministic(tmp_path: Path) -> None:
    first = generate_corpus(tmp_path / "a", 25, seed=7)
    second = generate_corpus(tmp_path / "b", 25, seed=7)
    vocabulary = load_vocabulary()
    forms = set()
    for a, b in zip(first.paths, second.paths, strict=True):
        assert a.read_bytes() == b.read_bytes()
        loaded = load_entry(a, vocabulary)
        assert loaded.entry is not None, [p.format() for p in loaded.problems]
        assert not [p for p in loaded.problems if p.is_error]
        forms.add(a.suffix)
    assert forms == {".md", ".yaml"}


def test_query_mix_covers_every_kind() -> None:
    mix = query_mix(build_word_table(1))
    kinds = {q.kind for q in mix}
    assert len(mix) >= 50
    assert {"single", "several", "phrase", "or-not", "filter", "prefix", "typo"} <= kinds
    assert {"acronym", "spelling"} <= kinds
    prefixes = typing_prefixes("radicalisation refer")
    assert len("radicalisation refer") == 20 and len(prefixes) == 20
    assert prefixes[-1].fts == "radicalisation refer*"


def test_suite_runs_at_a_tiny_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.json"
    status = main(
        [
            "--entries",
            "12",
            "--queries",
            "4",
            "--repeats",
            "1",
            "--process-runs",
            "1",
            "--typed",
            "risk",
            "--real-text",
            "6",
            "--process-queries",
            "2",
            "--json",
            str(out),
            "--workdir",
            str(tmp_path / "work"),
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "12 synthetic entries" in printed and "targets" in printed and "FTS5" in printed
    assert "real-text" in printed and "load average" in printed
    results = json.loads(out.read_text())
    synthetic, real = results["sizes"]
    assert (synthetic["corpus"], real["corpus"]) == ("synthetic", "real")
    assert synthetic["entries"] == 12 and synthetic["query_count"] == 4
    assert synthetic["typing_count"] == 4
    assert real["entries"] == 6
    for size in (synthetic, real):
        pb, fts = size["practicebase"], size["fts5"]
        for engine in (pb, fts):
            assert engine["rebuild"]["seconds"] > 0
            assert engine["index_size_mb"] > 0
            for path in ("queries", "typing"):
                stats = engine[path]
                assert stats["n"] > 0
                assert stats["p50"] <= stats["p95"] <= stats["max"]
            # Every process figure has the baseline's own process beside it.
            for name in ("rebuild", "index_unchanged", "index_after_touch", "add_one"):
                assert engine[name]["returncode"] == 0, engine[name]
                assert engine[name]["seconds"] > 0
            for name in ("search_process", "tui_first_results"):
                assert engine[name]["seconds"] is not None, engine[name]
            assert engine["search_json_process"]["n"] == 2
            assert engine["search_json_process"]["returncode"] == 0
        assert pb["facets_returned"] is True
        assert pb["queries"]["with_snippet"] > 0
        assert pb["typing"]["fresh_searcher_per_sequence"] is True
        assert pb["tui_first_results"]["typed"] == "risk"
        assert all(t["met"] in (True, False) for t in size["targets"]), size["targets"]
    assert synthetic["practicebase"]["tui_first_results"]["hits_shown"] > 0
    assert isinstance(synthetic["rare_word_totals"], list)
    assert {t["target"] for t in synthetic["targets"]} >= {
        "rebuild <= 10x FTS5 build",
        "typing p95 (fresh searcher) <= 40 ms",
        "app first typed results < 1.5 s",
        "search --json process p95 < 0.6 s",
    }
    assert {t["target"] for t in real["targets"]} == {
        "rebuild <= 12x FTS5 build",
        "search --json process p95 <= 2.5x FTS5",
    }
