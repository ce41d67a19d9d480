"""A damaged index is detected and rebuilt, or reported with the fix; never a traceback.

Each kind of damage is done to a copy of a small indexed knowledge base; then the real CLI
runs `search`, `index`, `search` again and `index --check`.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from hardening_harness import (
    BASE_ENTRIES,
    CliRun,
    copy_kb,
    diff_digests,
    problems_with_run,
    run_cli,
    tree_digest,
)

FIX = r"practicebase index"  # what a report of damage must tell the user to run


def generation(kb: Path) -> Path:
    return kb / "index" / json.loads((kb / "index" / "CURRENT").read_text())["generation"]


def toc(kb: Path) -> Path:
    return max(generation(kb).glob("_MAIN_*.toc"))


def segment(kb: Path) -> Path:
    return max(generation(kb).glob("*.seg"), key=lambda p: p.stat().st_size)


def truncate(path: Path, fraction: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])


def flip_bits(path: Path, count: int = 12) -> None:
    data = bytearray(path.read_bytes())
    step = max(1, len(data) // (count + 1))
    for n in range(1, count + 1):
        data[n * step] ^= 0xFF
    path.write_bytes(bytes(data))


def set_pointer(kb: Path, **changes: object) -> None:
    pointer = kb / "index" / "CURRENT"
    data = json.loads(pointer.read_text())
    data.update(changes)
    pointer.write_text(json.dumps(data))


def killed_commit_leftovers(kb: Path) -> None:
    """What killed writers leave: a half-built generation, a temp pointer, an orphan segment,
    stale lock files nobody holds."""
    live = generation(kb)
    half = kb / "index" / "gen-18ec0000deadbeef-999999"
    shutil.copytree(live, half)
    truncate(max(half.glob("_MAIN_*.toc")), 0.3)
    (kb / "index" / "CURRENT.tmp").write_text('{"schema": 1, "gener')
    (live / "MAIN_orphanorphanorph.seg").write_bytes(os.urandom(4096))
    (kb / "index" / "write.lock").touch()


def newer_garbage_toc(kb: Path) -> None:
    """A table of contents of a later generation that a killed commit never finished."""
    current = toc(kb)
    number = int(current.stem.split("_")[-1])
    (current.parent / f"_MAIN_{number + 1}.toc").write_bytes(current.read_bytes()[:100])


def stale_generation_links_outside(kb: Path) -> None:
    """A stale generation that is a symlink to a folder outside, and a real stale generation
    holding a symlink to one: cleaning up must remove the links, never what they point to."""
    precious = kb.parent / "precious"
    precious.mkdir()
    (precious / "keep.txt").write_text("must survive index clean-up\n")
    (kb / "index" / "gen-0000000000000001-1").symlink_to(precious, target_is_directory=True)
    stale = kb / "index" / "gen-0000000000000002-2"
    stale.mkdir()
    (stale / "inner-link").symlink_to(precious, target_is_directory=True)


def index_is_a_file(kb: Path) -> None:
    shutil.rmtree(kb / "index")
    (kb / "index").write_text("not a folder\n")


DAMAGE: dict[str, Callable[[Path], None]] = {
    "toc-truncated": lambda kb: truncate(toc(kb), 0.5),
    "toc-bit-flipped": lambda kb: flip_bits(toc(kb)),
    "toc-missing": lambda kb: toc(kb).unlink(),
    "toc-empty": lambda kb: truncate(toc(kb), 0),
    "segment-missing": lambda kb: segment(kb).unlink(),
    "segment-truncated": lambda kb: truncate(segment(kb), 0.3),
    "segment-bit-flipped": lambda kb: flip_bits(segment(kb), 40),
    "killed-commit-leftovers": killed_commit_leftovers,
    "newer-garbage-toc": newer_garbage_toc,
    "pointer-garbage": lambda kb: (kb / "index" / "CURRENT").write_bytes(b"\x00\xffgarbage"),
    "pointer-missing": lambda kb: (kb / "index" / "CURRENT").unlink(),
    "pointer-to-missing-generation": lambda kb: set_pointer(kb, generation="gen-0-0"),
    "pointer-escapes-index": lambda kb: set_pointer(kb, generation="gen-x/../../entries"),
    "pointer-older-schema": lambda kb: set_pointer(kb, schema=0),
    "generation-folder-missing": lambda kb: shutil.rmtree(generation(kb)),
    "index-folder-empty": lambda kb: [shutil.rmtree(kb / "index"), (kb / "index").mkdir()],
    "index-is-a-file": index_is_a_file,
    "stale-generation-links-outside": stale_generation_links_outside,
}
# Damage Whoosh cannot notice (it keeps no checksums): only the rebuild is promised to cure it.
UNDETECTABLE = {"segment-bit-flipped"}
EVERYONE = "practice managers"


@dataclass
class DamageRun:
    kb: Path
    search: CliRun
    index: CliRun
    search_after: CliRun
    check: CliRun
    leftovers: list[str]  # names in index/ after `index` repaired it
    rebuild: CliRun | None  # only where `index` alone is not promised to cure the damage
    search_rebuilt: CliRun | None
    entries_before: dict[str, str]
    entries_after: dict[str, str]
    outside_before: dict[str, str]
    outside_after: dict[str, str]

    @property
    def runs(self) -> list[CliRun]:
        runs = [self.search, self.index, self.search_after, self.check]
        return runs + [r for r in (self.rebuild, self.search_rebuilt) if r is not None]


def damage_and_run(base_kb: Path, work: Path, kind: str) -> DamageRun:
    kb = copy_kb(base_kb, work / "kb")
    DAMAGE[kind](kb)
    entries_before = tree_digest(kb / "entries")
    outside_before = tree_digest(work, ("kb/index",))
    search = run_cli(kb, "search", EVERYONE, "--json", "--limit", "50")
    index = run_cli(kb, "index")
    search_after = run_cli(kb, "search", EVERYONE, "--json", "--limit", "50")
    check = run_cli(kb, "index", "--check")
    leftovers = sorted(p.name for p in (kb / "index").glob("*") if p.name != "write.lock")
    rebuild = search_rebuilt = None
    if kind in UNDETECTABLE or kind in (
        "killed-commit-leftovers",
        "stale-generation-links-outside",
    ):
        rebuild = run_cli(kb, "index", "--rebuild")
        search_rebuilt = run_cli(kb, "search", EVERYONE, "--json", "--limit", "50")
    return DamageRun(
        kb,
        search,
        index,
        search_after,
        check,
        leftovers,
        rebuild,
        search_rebuilt,
        entries_before,
        tree_digest(kb / "entries"),
        outside_before,
        tree_digest(work, ("kb/index",)),
    )


@pytest.fixture(scope="module")
def damage_runs(base_kb: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, DamageRun]:
    top = tmp_path_factory.mktemp("damage")
    with ThreadPoolExecutor(4) as pool:
        futures = {k: pool.submit(damage_and_run, base_kb, top / k, k) for k in DAMAGE}
        return {k: f.result() for k, f in futures.items()}


def found_ids(run: CliRun) -> set[str]:
    return {hit["id"] for hit in json.loads(run.out)["hits"]}


kinds = pytest.mark.parametrize("kind", list(DAMAGE))


@kinds
def test_no_traceback_whatever_the_damage(damage_runs: dict[str, DamageRun], kind: str):
    found = [f"{r.args}: {p}" for r in damage_runs[kind].runs for p in problems_with_run(r)]
    assert not found, (
        "\n".join(found) + "\n" + "\n".join(r.describe() for r in damage_runs[kind].runs)
    )


@kinds
def test_damage_is_repaired_or_reported_with_the_fix(damage_runs: dict[str, DamageRun], kind: str):
    import re

    runs = damage_runs[kind]
    if kind == "index-is-a-file":
        # Nothing to repair without deleting a file we did not make: a clear refusal.
        for run in (runs.search, runs.index):
            assert run.returncode not in (0, None), run.describe()
            assert "index" in run.err and len(run.err) < 1000, run.describe()
        return
    # The first search either answers completely (repaired on the way) or says what to run.
    if runs.search.returncode == 0:
        if kind not in UNDETECTABLE:
            assert found_ids(runs.search) == set(BASE_ENTRIES), runs.search.describe()
    else:
        assert re.search(FIX, runs.search.err), runs.search.describe()
    # `index` repairs whatever it finds; afterwards search is complete and the check is clean.
    assert runs.index.returncode == 0, runs.index.describe()
    if kind not in UNDETECTABLE:
        assert runs.search_after.returncode == 0, runs.search_after.describe()
        assert found_ids(runs.search_after) == set(BASE_ENTRIES), runs.search_after.describe()
        assert runs.check.returncode == 0, runs.check.describe()
    # A rebuild always cures it.
    if runs.rebuild is not None and runs.search_rebuilt is not None:
        assert runs.rebuild.returncode == 0, runs.rebuild.describe()
        assert found_ids(runs.search_rebuilt) == set(BASE_ENTRIES), runs.search_rebuilt.describe()


@kinds
def test_repair_writes_only_inside_index(damage_runs: dict[str, DamageRun], kind: str):
    runs = damage_runs[kind]
    assert diff_digests(runs.entries_before, runs.entries_after) == []
    assert diff_digests(runs.outside_before, runs.outside_after) == []


def test_leftovers_of_killed_commits_are_cleaned(damage_runs: dict[str, DamageRun]):
    """A half-built generation and a temp pointer (a killed rebuild's leftovers) can be as big
    as the index: `index` removes them, and so does `index --rebuild`."""
    runs = damage_runs["killed-commit-leftovers"]
    after_index = [n for n in runs.leftovers if n.startswith("gen-") or n.endswith(".tmp")]
    assert len(after_index) == 1, f"left in index/ after `index`: {runs.leftovers}"
    index = runs.kb / "index"
    generations = [p.name for p in index.iterdir() if p.name.startswith("gen-")]
    assert len(generations) == 1, generations
    assert not (index / "CURRENT.tmp").exists()
