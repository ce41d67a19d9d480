"""Storage reliability (issue 16): one entry, one file; no orphan holds the index; the index
pointer read defensively; documented exit statuses; temporary files swept by `index`.

Every test runs the real CLI as a subprocess on a real knowledge base. Where a test needs a
process to die at one exact moment, it runs the CLI under a Python audit hook that SIGKILLs
the process when it is about to make a given system call on a given path (`killed_at`): a
real kill at a real point of the real code, with nothing of practicebase replaced.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hardening_harness import (
    BASE_ENTRIES,
    CliRun,
    assert_clean_run,
    cli_env,
    copy_kb,
    make_kb,
    run_cli,
    start_cli,
    without_added_line,
    write_entry,
)

from practicebase.store import MOVE_PREFIX, TEMP_PREFIX, is_entry_name

REPO = Path(__file__).resolve().parents[2]
EVERYONE = "practice managers"  # in every entry's body
MOVING = "moving-entry"

# Runs the CLI (argv[3:]) and SIGKILLs it when it raises the audit event argv[1] with an
# argument ending in argv[2]; with argv[1] prefixed by "raise:", raises RuntimeError instead
# (an injected bug, for the internal-error exit status).
KILL_AT = r"""
import os, signal, sys

event, needle = sys.argv[1], sys.argv[2]
fault = event.startswith("raise:")
event = event.removeprefix("raise:")


def hook(name, args):
    if name != event:
        return
    for arg in args:
        if isinstance(arg, (str, bytes, os.PathLike)) and os.fsdecode(arg).endswith(needle):
            if fault:
                raise RuntimeError("injected fault")
            os.kill(os.getpid(), signal.SIGKILL)


sys.addaudithook(hook)
from practicebase.cli import main

sys.exit(main(sys.argv[3:]))
"""


def run_hooked(kb: Path, event: str, needle: str, *args: str, timeout: float = 20) -> CliRun:
    command = [sys.executable, "-c", KILL_AT, event, needle, "--root", str(kb), *args]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=kb, env=cli_env(), capture_output=True, timeout=timeout, check=False
    )
    return CliRun(
        tuple(args), done.returncode, done.stdout, done.stderr, time.monotonic() - started
    )


def files_holding(kb: Path, entry_id: str) -> list[str]:
    return sorted(
        p.relative_to(kb).as_posix()
        for p in (kb / "entries").rglob("*")
        if is_entry_name(p.name) and p.stem == entry_id
    )


def hidden_leftovers(kb: Path) -> list[str]:
    return sorted(
        p.name
        for p in (kb / "entries").rglob(".practicebase-*")
        if p.name.startswith((TEMP_PREFIX, MOVE_PREFIX))
    )


def search_ids(kb: Path) -> list[str]:
    run = run_cli(kb, "search", EVERYONE, "--json", "--limit", "100")
    assert_clean_run(run)
    assert run.returncode == 0, run.describe()
    return sorted(hit["id"] for hit in json.loads(run.out)["hits"])


@pytest.fixture
def moving_kb(base_kb: Path, tmp_path: Path) -> Path:
    """The base knowledge base plus MOVING in kent, indexed."""
    kb = copy_kb(base_kb, tmp_path / "kb")
    write_entry(kb / "entries" / "kent" / f"{MOVING}.md", MOVING, force="kent")
    run = run_cli(kb, "index")
    assert run.returncode == 0, run.describe()
    return kb


def moved_source(tmp_path: Path, force: str, title: str = "Moved to another force") -> Path:
    return write_entry(
        tmp_path / "inbox" / force / f"{MOVING}.md", MOVING, force=force, title=title
    )


# --- one entry, one file -------------------------------------------------------------------


def test_replace_killed_after_filing_the_new_file_is_finished_by_index(
    moving_kb: Path, tmp_path: Path
):
    """SIGKILL between filing the moved entry and removing its old file leaves two files and
    the journal; `validate` and `index --check` name both files, and `index` finishes the
    move: exactly one file, the new one, and the index answers with it."""
    kb = moving_kb
    source = moved_source(tmp_path, "essex")
    killed = run_hooked(kb, "os.remove", f"kent/{MOVING}.md", "add", "--replace", str(source))
    assert killed.returncode == -signal.SIGKILL, killed.describe()
    both = [f"entries/essex/{MOVING}.md", f"entries/kent/{MOVING}.md"]
    assert files_holding(kb, MOVING) == both

    validate = run_cli(kb, "validate")
    assert_clean_run(validate)
    assert validate.returncode == 1, validate.describe()
    assert all(path in validate.out for path in both), validate.describe()

    check = run_cli(kb, "index", "--check")
    assert_clean_run(check)
    assert check.returncode == 1, check.describe()
    assert all(path in check.err for path in both), check.describe()
    assert "add --replace" in check.err, check.describe()

    index = run_cli(kb, "index")
    assert_clean_run(index)
    assert index.returncode == 0, index.describe()
    assert "interrupted" in index.err, index.describe()
    assert files_holding(kb, MOVING) == [f"entries/essex/{MOVING}.md"]
    filed = (kb / "entries" / "essex" / f"{MOVING}.md").read_bytes()
    assert without_added_line(filed) == source.read_bytes()
    assert hidden_leftovers(kb) == []
    assert search_ids(kb) == sorted([*BASE_ENTRIES, MOVING])


@pytest.mark.parametrize(
    ("event", "needle", "kept"),
    [
        # Killed before the new file is in place: the old one is the entry.
        ("os.rename", f"essex/{MOVING}.md", "kent"),
        # Killed after it, before the old one is removed.
        ("os.remove", f"kent/{MOVING}.md", "essex"),
    ],
    ids=["before-new", "before-old-removed"],
)
def test_retried_replace_after_a_kill_ends_with_one_file(
    moving_kb: Path, tmp_path: Path, event: str, needle: str, kept: str
):
    kb = moving_kb
    source = moved_source(tmp_path, "essex")
    killed = run_hooked(kb, event, needle, "add", "--replace", str(source))
    assert killed.returncode == -signal.SIGKILL, killed.describe()
    assert f"entries/{kept}/{MOVING}.md" in files_holding(kb, MOVING)

    retry = run_cli(kb, "add", "--replace", source)
    assert_clean_run(retry)
    assert retry.returncode == 0, retry.describe()
    assert files_holding(kb, MOVING) == [f"entries/essex/{MOVING}.md"]
    assert hidden_leftovers(kb) == []
    check = run_cli(kb, "index", "--check")
    assert check.returncode == 0, check.describe()


def test_two_files_for_one_id_are_named_with_the_fix(moving_kb: Path, tmp_path: Path):
    """Two files for one id with no journal (a hand copy, or a crash of an older version):
    `index` keeps the one it holds and names both files and the fix; `add --replace` fixes."""
    kb = moving_kb
    copy = kb / "entries" / "durham" / f"{MOVING}.md"
    copy.parent.mkdir()
    shutil.copy(kb / "entries" / "kent" / f"{MOVING}.md", copy)
    both = [f"entries/durham/{MOVING}.md", f"entries/kent/{MOVING}.md"]
    for args in (("index",), ("index", "--check")):
        run = run_cli(kb, *args)
        assert_clean_run(run)
        assert run.returncode == 1, run.describe()
        assert all(path in run.err for path in both), run.describe()
        assert "add --replace" in run.err, run.describe()
    assert files_holding(kb, MOVING) == both  # refused, never resolved by deleting a file
    fix = run_cli(kb, "add", "--replace", moved_source(tmp_path, "lancashire"))
    assert_clean_run(fix)
    assert fix.returncode == 0, fix.describe()
    assert files_holding(kb, MOVING) == [f"entries/lancashire/{MOVING}.md"]
    assert "durham" in fix.out and "kent" in fix.out, fix.describe()  # both removals said


@pytest.mark.parametrize(
    "forces",
    [("essex", "durham", "lancashire", "west-yorkshire"), ("essex", "durham", "essex")],
    ids=["four-forces", "two-into-one"],
)
def test_concurrent_replaces_into_different_forces_leave_one_file(
    moving_kb: Path, tmp_path: Path, forces: tuple[str, ...]
):
    kb = moving_kb
    sources = [
        moved_source(tmp_path / str(n), force, f"Replaced by {force} {n}")
        for n, force in enumerate(forces)
    ]
    processes = [start_cli(kb, "add", "--replace", path) for path in sources]
    for process in processes:
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0 and b"Traceback" not in out + err, (out, err)
    (survivor,) = files_holding(kb, MOVING)
    assert without_added_line((kb / survivor).read_bytes()) in {p.read_bytes() for p in sources}
    index = run_cli(kb, "index")
    assert index.returncode == 0, index.describe()
    assert search_ids(kb).count(MOVING) == 1


# --- no orphan holds the index ---------------------------------------------------------------


def _stat_fields(pid: int) -> list[bytes] | None:
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    return data[data.rfind(b")") + 2 :].split()


def children_of(pid: int) -> list[int]:
    kids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _stat_fields(int(name))
            if fields and int(fields[1]) == pid:
                kids.append(int(name))
    return kids


def alive(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in (b"Z", b"X")  # a zombie holds nothing


def lock_is_free(kb: Path) -> bool:
    fd = os.open(kb / "index" / "write.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="parallel rebuilds need two CPUs")
def test_killed_parallel_rebuild_leaves_no_process_holding_the_lock(tmp_path: Path):
    from practicebase.commands.index import PARALLEL_FROM

    kb = make_kb(tmp_path / "kb")
    folder = kb / "entries" / "kent"
    folder.mkdir()
    for n in range(PARALLEL_FROM):
        write_entry(folder / f"bulk-{n:04d}.md", f"bulk-{n:04d}", force="kent")
    rebuild = start_cli(kb, "index", "--rebuild")
    try:
        # Whoosh forks its first writer worker after 100 documents.
        assert wait_for(lambda: children_of(rebuild.pid) or rebuild.poll() is not None, 30)
        workers = children_of(rebuild.pid)
        assert workers, "the rebuild finished before any writer worker started"
    finally:
        rebuild.kill()
        rebuild.communicate(timeout=30)
    started = time.monotonic()
    assert wait_for(lambda: not any(alive(pid) for pid in workers), 5), "orphaned workers"
    assert wait_for(lambda: lock_is_free(kb), 5 - (time.monotonic() - started))
    # Few entries left, so the index that proves the lock free is quick to build.
    for path in sorted(folder.iterdir())[5:]:
        path.unlink()
    index = run_cli(kb, "index")
    assert_clean_run(index)
    assert index.returncode == 0, index.describe()
    assert "busy" not in index.text


HOLD = r"""
import subprocess, sys
from pathlib import Path
from practicebase.fsutil import WriteLock

lock = WriteLock(Path(sys.argv[1]) / "write.lock")
assert lock.try_acquire() is None
if sys.argv[2] == "orphan":
    # A child that inherits the locked file and outlives us, as a worker of an older
    # version without the parent-death signal did.
    child = subprocess.Popen(
        ["sleep", "60"], pass_fds=[lock.fd], stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    print(child.pid, flush=True)
    import os
    os._exit(0)
print("held", flush=True)
sys.stdin.read()
"""


def test_lock_kept_by_the_orphans_of_a_dead_holder_is_broken(base_kb: Path, tmp_path: Path):
    kb = copy_kb(base_kb, tmp_path / "kb")
    holder = subprocess.run(
        [sys.executable, "-c", HOLD, str(kb / "index"), "orphan"],
        capture_output=True,
        timeout=30,
        check=True,
    )
    orphan = int(holder.stdout)
    try:
        assert not lock_is_free(kb)
        index = run_cli(kb, "index", "--rebuild")
        assert_clean_run(index)
        assert index.returncode == 0, index.describe()
        assert "has died" in index.err, index.describe()
        again = run_cli(kb, "index")
        assert again.returncode == 0, again.describe()
    finally:
        os.kill(orphan, signal.SIGKILL)


def test_index_busy_names_the_holder_and_its_age(base_kb: Path, tmp_path: Path):
    kb = copy_kb(base_kb, tmp_path / "kb")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(kb / "index"), "hold"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        run = run_cli(kb, "index")
        assert_clean_run(run)
        assert run.returncode == 1, run.describe()
        assert f"index busy: process {holder.pid} has held" in run.err, run.describe()
        assert " s; try again" in run.err, run.describe()
    finally:
        holder.communicate(b"", timeout=10)


# --- the index pointer -----------------------------------------------------------------------


def long_name(pointer: Path) -> None:
    data = json.loads(pointer.read_text())
    data["generation"] = "gen-" + "a" * 356
    pointer.write_text(json.dumps(data))


POINTER_DAMAGE = {
    "360-byte-generation": long_name,
    "fifo": lambda pointer: [pointer.unlink(), os.mkfifo(pointer)],
    "link-to-dev-zero": lambda pointer: [pointer.unlink(), pointer.symlink_to("/dev/zero")],
    "folder": lambda pointer: [pointer.unlink(), pointer.mkdir(), (pointer / "x").touch()],
    "huge": lambda pointer: pointer.write_bytes(b" " * (1 << 20)),
}


def damage_pointer_and_rebuild(base_kb: Path, work: Path, kind: str) -> list[CliRun]:
    kb = copy_kb(base_kb, work / "kb")
    POINTER_DAMAGE[kind](kb / "index" / "CURRENT")
    return [run_cli(kb, *args) for args in (("index", "--check"), ("index", "--rebuild"))] + [
        run_cli(kb, "search", EVERYONE, "--json", "--limit", "100")
    ]


def test_damaged_pointer_is_reported_promptly_and_cured_by_rebuild(base_kb: Path, tmp_path: Path):
    with ThreadPoolExecutor(len(POINTER_DAMAGE)) as pool:
        futures = {
            kind: pool.submit(damage_pointer_and_rebuild, base_kb, tmp_path / kind, kind)
            for kind in POINTER_DAMAGE
        }
        outcomes = {kind: future.result() for kind, future in futures.items()}
    for kind, (check, rebuild, search) in outcomes.items():
        for run in (check, rebuild, search):
            assert_clean_run(run)
            assert run.seconds < 5, f"{kind}: {run.describe()}"
        assert check.returncode == 1, f"{kind}: {check.describe()}"
        assert "damaged" in check.err and "index --rebuild" in check.err, check.describe()
        assert rebuild.returncode == 0, f"{kind}: {rebuild.describe()}"
        assert search.returncode == 0, f"{kind}: {search.describe()}"
        assert sorted(hit["id"] for hit in json.loads(search.out)["hits"]) == sorted(BASE_ENTRIES)


def test_other_commands_answer_a_fifo_pointer_promptly(base_kb: Path, tmp_path: Path):
    """`search` and `show` meet the damage, say so, and rebuild on the way."""
    kb = copy_kb(base_kb, tmp_path / "kb")
    POINTER_DAMAGE["fifo"](kb / "index" / "CURRENT")
    search = run_cli(kb, "search", "referrals")
    assert_clean_run(search)
    assert search.returncode == 0, search.describe()
    assert "damaged" in search.err, search.describe()
    show = run_cli(kb, "show", "corpus-triage-desk")
    assert show.returncode == 0, show.describe()


# --- exit statuses ---------------------------------------------------------------------------


def test_full_output_device_is_an_io_failure(base_kb: Path):
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [*_cli(base_kb), "report", "stats", "--json"],
            stdout=full,
            stderr=subprocess.PIPE,
            env=cli_env(),
            timeout=10,
            check=False,
        )
    err = done.stderr.decode()
    assert done.returncode == 4, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "standard output" in err and os.strerror(errno.ENOSPC) in err, err


@pytest.mark.parametrize(
    "args", [("--within", "9" * 30), ("--within", "36501"), ("--today", "9999-12-30")]
)
def test_huge_within_is_a_usage_error(base_kb: Path, args: tuple[str, ...]):
    run = run_cli(base_kb, "report", "due", *args)
    assert run.returncode == 2, run.describe()
    assert "Traceback" not in run.text and "internal error" not in run.text, run.describe()


def test_a_bug_is_an_internal_error_with_status_3(base_kb: Path):
    """An exception our code does not expect (injected where `validate` lists entries/) ends as
    one line asking for a report, exit 3; `--debug` shows the traceback."""
    plain = run_hooked(base_kb, "raise:os.scandir", "entries", "validate")
    assert plain.returncode == 3, plain.describe()
    assert plain.err.startswith("practicebase: internal error: RuntimeError: injected fault;")
    assert "please report it" in plain.err and "Traceback" not in plain.err, plain.describe()
    debug = run_hooked(base_kb, "raise:os.scandir", "entries", "--debug", "validate")
    assert "Traceback" in debug.err and "injected fault" in debug.err, debug.describe()


def test_an_unpickling_failure_is_damage_not_a_bug(base_kb: Path, tmp_path: Path):
    """A table of contents that names a module that does not exist (as a flipped bit does)
    raises ModuleNotFoundError inside Whoosh's unpickling: reported as damage (exit 1, the fix
    named), repaired by `index`, never exit 3."""
    kb = copy_kb(base_kb, tmp_path / "kb")
    pointer = json.loads((kb / "index" / "CURRENT").read_text())
    toc = max((kb / "index" / pointer["generation"]).glob("_MAIN_*.toc"))
    data = toc.read_bytes()
    assert b"whoosh.fields" in data
    toc.write_bytes(data.replace(b"whoosh.fields", b"whoosh.fieldz"))
    check = run_cli(kb, "index", "--check")
    assert_clean_run(check)
    assert check.returncode == 1, check.describe()
    assert "damaged" in check.err and "index --rebuild" in check.err, check.describe()
    index = run_cli(kb, "index")
    assert index.returncode == 0, index.describe()
    assert search_ids(kb) == sorted(BASE_ENTRIES)


def test_only_storage_errors_count_as_damage():
    from practicebase.index import _check_schema, _damage_errors, build_schema
    from practicebase.vocabulary import load_vocabulary

    caught = _damage_errors()
    for bug in (TypeError, KeyError, AttributeError, ImportError, ValueError, IndexError):
        assert not issubclass(bug, caught), bug
    _check_schema(build_schema(load_vocabulary(None)))  # the shape check knows our schema


def _cli(kb: Path) -> list[str]:
    return [sys.executable, "-m", "practicebase", "--root", str(kb)]


# --- temporary files of a killed add -----------------------------------------------------------


def test_index_sweeps_temp_files_of_killed_adds(base_kb: Path, tmp_path: Path):
    kb = copy_kb(base_kb, tmp_path / "kb")
    dead = start_cli(kb, "--version")
    dead.communicate(timeout=30)
    leftover = kb / "entries" / "lancashire" / f"{TEMP_PREFIX}{dead.pid}-0123456789ab.part"
    leftover.write_text("---\nid: half")
    run = run_cli(kb, "index")
    assert_clean_run(run)
    assert run.returncode == 0, run.describe()
    assert not leftover.exists()


@pytest.mark.skipif(shutil.which("git") is None or not (REPO / ".git").exists(), reason="git")
def test_git_ignores_what_an_interrupted_add_leaves():
    for name in (
        f"entries/kent/{TEMP_PREFIX}123-0123456789ab.part",
        f"entries/{MOVE_PREFIX}123-0123456789ab.json",
    ):
        done = subprocess.run(
            ["git", "-C", str(REPO), "check-ignore", "--no-index", "-q", name], check=False
        )
        assert done.returncode == 0, f"{name} is not ignored by .gitignore"
