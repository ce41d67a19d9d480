"""Crash tests: `add`, `index` and `index --rebuild` killed with SIGKILL at random moments.

After every kill, `entries/` holds no partial entry (every visible entry file is byte-identical
to a file that was there or being added), and the index opens and answers with the old or the
new content, never a mixture and never an error. Rounds are seeded, so a failure can be re-run.
"""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hardening_harness import (
    assert_clean_run,
    copy_kb,
    entry_text,
    make_kb,
    run_cli,
    start_cli,
    without_added_line,
    write_entry,
)

from practicebase.index import update_index
from practicebase.kb import KnowledgeBase
from practicebase.search import Searcher, SearchRequest
from practicebase.store import TEMP_PREFIX, is_entry_name

SEED = 20261129
ROUNDS = {"add": 7, "index": 7, "rebuild": 6}
EVERYONE = "practice managers"  # in every entry's body
FORCES = ("west-yorkshire", "kent", "metropolitan", "lancashire", "essex", "durham")
BASE_COUNT = 60

pytestmark = pytest.mark.slow


def crash_entries(count: int) -> dict[str, dict[str, str]]:
    return {
        f"crash-{n:03d}": {
            "title": f"Crash entry {n} first version",
            "force": FORCES[n % len(FORCES)],
            "problem": f"Problem number {n} of the crash corpus, about referrals and triage.",
        }
        for n in range(count)
    }


def visible_entries(kb: Path) -> dict[str, bytes]:
    return {
        p.relative_to(kb).as_posix(): p.read_bytes()
        for p in (kb / "entries").rglob("*")
        if p.is_file() and is_entry_name(p.name)
    }


def temp_files(kb: Path) -> list[Path]:
    return [p for p in (kb / "entries").rglob(f"{TEMP_PREFIX}*")]


def indexed_content(kb: Path) -> frozenset[tuple[str, str]]:
    """(id, title) of every entry the index answers with; opening must always work."""
    searcher = Searcher(KnowledgeBase(kb))
    try:
        result = searcher.search(SearchRequest(text=EVERYONE, limit=500, with_facets=False))
        assert result.total == len(result.hits)
        return frozenset((hit.id, hit.title) for hit in result.hits)
    finally:
        searcher.close()


def content_of(files: dict[str, bytes]) -> frozenset[tuple[str, str]]:
    """The (id, title) pairs that entry files of this suite hold."""
    pairs = set()
    for rel, data in files.items():
        text = data.decode()
        entry_id = text.split("\nid: ", 1)[1].split("\n", 1)[0]
        title = text.split("\ntitle: ", 1)[1].split("\n", 1)[0]
        pairs.add((entry_id, title))
        assert rel.endswith(f"/{entry_id}.md")
    return frozenset(pairs)


@pytest.fixture(scope="module")
def crash_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kb = make_kb(tmp_path_factory.mktemp("crash-base") / "kb", crash_entries(BASE_COUNT))
    run = run_cli(kb, "index", timeout=60)
    assert_clean_run(run)
    assert run.returncode == 0, run.describe()
    return kb


def change_entries(kb: Path, rng: random.Random, tag: str) -> None:
    """Add, edit and delete some entry files directly, as a person with an editor would."""
    folder = kb / "entries"
    for n in range(6):
        write_entry(folder / "essex" / f"new-{tag}-{n}.md", f"new-{tag}-{n}", force="essex")
    existing = sorted(p for p in folder.rglob("crash-*.md"))
    chosen = rng.sample(existing, 7)
    for path in chosen[:4]:
        path.write_text(
            path.read_text("utf-8").replace("first version", f"second version {tag}"), "utf-8"
        )
    for path in chosen[4:]:
        path.unlink()


def kill_at_random(kb: Path, args: tuple[str, ...], delay: float) -> tuple[int, int, bytes]:
    """Start the CLI, SIGKILL it after `delay` seconds; (pid, exit status, stderr)."""
    process = start_cli(kb, *args)
    time.sleep(delay)
    process.kill()
    _out, err = process.communicate(timeout=30)
    return process.pid, process.returncode, err


def one_round(base: Path, work: Path, command: str, seed: int, duration: float) -> None:
    rng = random.Random(seed)
    kb = copy_kb(base, work / "kb")
    before_files = visible_entries(kb)
    old = indexed_content(kb)
    assert old == content_of(before_files)
    delay = duration * rng.uniform(0.1, 1.1)
    if command == "add":
        inbox = work / "inbox"
        sources = {}
        for n in range(8):
            entry_id = f"added-{seed}-{n}"
            path = write_entry(inbox / f"{entry_id}.md", entry_id, force=rng.choice(FORCES))
            sources[entry_id] = path.read_bytes()
        pid, code, err = kill_at_random(kb, ("add", str(inbox)), delay)
        after_files = visible_entries(kb)
        for rel, data in after_files.items():
            if before_files.get(rel) == data:
                continue
            # A new file is its source plus the `added:` line add writes, whole.
            source = sources.get(Path(rel).stem)
            assert source is not None and without_added_line(data) == source, (
                f"partial or unexpected entry file {rel} after add was killed"
            )
        assert set(before_files) <= set(after_files), "a killed add lost an entry"
        new = content_of(after_files)
        got = indexed_content(kb)
        # add updates the index in one commit after filing: old content, or everything filed.
        assert got in (old, new), f"killed add (seed {seed}) left a mixed index"
        # A kill during a write may leave the hidden temp file of that process (see
        # test_next_add_sweeps_temp_files_of_killed_adds); it is never read as an entry.
        for leftover in temp_files(kb):
            assert leftover.name.startswith(f"{TEMP_PREFIX}{pid}-"), leftover
        later = write_entry(work / "later" / f"later-{seed}.md", f"later-{seed}")
        run = run_cli(kb, "add", later)
        assert_clean_run(run)
        assert run.returncode == 0, run.describe()
    else:
        change_entries(kb, rng, str(seed))
        changed_files = visible_entries(kb)
        args = ("index", "--rebuild") if command == "rebuild" else ("index",)
        _pid, code, err = kill_at_random(kb, args, delay)
        assert b"Traceback" not in err
        assert visible_entries(kb) == changed_files, "indexing changed entries/"
        new = content_of(changed_files)
        got = indexed_content(kb)
        assert got in (old, new), (
            f"killed {command} (seed {seed}, exit {code}) left neither old nor new content: "
            f"{len(got ^ old)} differ from old, {len(got ^ new)} from new"
        )
    # Whatever the kill left, the next update brings the index to the files' content.
    update_index(KnowledgeBase(kb))
    assert indexed_content(kb) == content_of(visible_entries(kb))


def measured_duration(base: Path, work: Path, command: str) -> float:
    kb = copy_kb(base, work / "kb")
    if command == "add":
        inbox = work / "inbox"
        for n in range(8):
            write_entry(inbox / f"timing-{n}.md", f"timing-{n}")
        args: tuple[str, ...] = ("add", str(inbox))
    else:
        change_entries(kb, random.Random(0), "timing")
        args = ("index", "--rebuild") if command == "rebuild" else ("index",)
    run = run_cli(kb, *args, timeout=60)
    assert_clean_run(run)
    return run.seconds


@pytest.mark.parametrize("command", list(ROUNDS))
def test_killed_command_leaves_entries_whole_and_index_old_or_new(
    crash_base: Path, tmp_path: Path, command: str
):
    duration = measured_duration(crash_base, tmp_path / "timing", command)
    seeds = [SEED + 1000 * list(ROUNDS).index(command) + n for n in range(ROUNDS[command])]
    with ThreadPoolExecutor(2) as pool:
        futures = [
            pool.submit(one_round, crash_base, tmp_path / f"round-{s}", command, s, duration)
            for s in seeds
        ]
        for future in futures:
            future.result()


def test_entry_text_helper_matches_content_parser():
    """content_of reads id and title the way entry_text writes them (guards the oracle)."""
    text = entry_text("guard-entry", title="Guard title")
    assert content_of({"entries/west-yorkshire/guard-entry.md": text.encode()}) == {
        ("guard-entry", "Guard title")
    }


def test_next_add_sweeps_temp_files_of_killed_adds(tmp_path: Path):
    """A killed add can leave `entries/<force>/.practicebase-tmp-<pid>-*.part`; the next add,
    whatever folder it files into, must remove every temp file of a dead process, and no
    command may read one as an entry."""
    kb = make_kb(tmp_path / "kb", {"swept-entry": {"force": "durham"}})
    dead = start_cli(kb, "--version")
    dead.communicate(timeout=30)
    leftover = kb / "entries" / "durham" / f"{TEMP_PREFIX}{dead.pid}-0123456789ab.part"
    leftover.write_bytes(entry_text("half-written")[:200].encode())
    validate = run_cli(kb, "validate")
    assert_clean_run(validate)
    assert validate.returncode == 0, validate.describe()
    later = write_entry(tmp_path / "inbox" / "filed-elsewhere.md", "filed-elsewhere")
    run = run_cli(kb, "add", later)
    assert_clean_run(run)
    assert run.returncode == 0, run.describe()
    assert temp_files(kb) == [], "the temp file of a killed add is still in entries/"
