"""Inputs that cannot be committed as files: huge files, symlinks, a FIFO, a directory named
like an entry, an unreadable file. Each goes through `validate`, `add` and `search` from an
inbox, and the same things placed inside `entries/` go through `validate`, `index`,
`index --rebuild` and `search`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hardening_harness import (
    HazardRun,
    assert_clean_run,
    copy_kb,
    diff_digests,
    entry_text,
    exercise,
    permissions_can_be_enforced,
    problems_with_run,
    run_cli,
    tree_digest,
    without_added_line,
    write_entry,
)

CANARY = "quokkacanary"  # a word only the secret file holds
HUGE_BYTES = 20 * 1024 * 1024 + 7


def write_huge(path: Path) -> Path:
    """A valid entry whose body is padded past 20 MiB, written in chunks."""
    head = entry_text(path.stem, problem="A huge body follows.")
    line = ("practice " * 15 + "\n").encode()
    with open(path, "wb") as fh:
        fh.write(head.encode())
        written = len(head)
        while written < HUGE_BYTES:
            fh.write(line)
            written += len(line)
    return path


def write_secret(work: Path) -> Path:
    """A perfectly valid entry outside the inbox: only a symlink could bring it in."""
    return write_entry(
        work / "secret" / "secret-entry.md",
        "secret-entry",
        title=f"Secret {CANARY} entry",
        problem=f"The {CANARY} must never be read through a link.",
    )


def place_huge(inbox: Path) -> Path:
    return write_huge(inbox / "huge-20mb.md")


def place_symlink_to_secret(inbox: Path) -> Path:
    link = inbox / "symlink-to-secret.md"
    link.symlink_to(write_secret(inbox.parent))
    return link


def place_symlink_loop(inbox: Path) -> Path:
    (inbox / "symlink-loop-b.md").symlink_to("symlink-loop.md")
    (inbox / "symlink-loop.md").symlink_to("symlink-loop-b.md")
    return inbox / "symlink-loop.md"


def place_dangling_symlink(inbox: Path) -> Path:
    link = inbox / "dangling-symlink.md"
    link.symlink_to(inbox / "nowhere" / "gone.md")
    return link


def place_fifo(inbox: Path) -> Path:
    fifo = inbox / "fifo.md"
    os.mkfifo(fifo)
    return fifo


def place_directory_named_md(inbox: Path) -> Path:
    folder = inbox / "x.md"
    folder.mkdir()
    return folder


def place_symlinked_directory(inbox: Path) -> Path:
    """A folder argument that is a symlink to a folder of valid entries elsewhere."""
    write_secret(inbox.parent)
    link = inbox / "linked-folder"
    link.symlink_to(inbox.parent / "secret", target_is_directory=True)
    return link


def place_unreadable(inbox: Path) -> Path:
    path = write_entry(inbox / "unreadable.md", "unreadable")
    path.chmod(0)
    return path


PLACERS: dict[str, Callable[[Path], Path]] = {
    "huge-20mb": place_huge,
    "symlink-to-secret": place_symlink_to_secret,
    "symlink-loop": place_symlink_loop,
    "dangling-symlink": place_dangling_symlink,
    "fifo": place_fifo,
    "directory-named-x-md": place_directory_named_md,
    "symlinked-directory": place_symlinked_directory,
    "unreadable": place_unreadable,
}
# (message regex for the add and validate output); all are refused.
MESSAGES = {
    "huge-20mb": r"limit|MiB|bytes",
    "symlink-to-secret": r"symbolic link|symlink",
    "symlink-loop": r"symbolic link|symlink|loop",
    "dangling-symlink": r"symbolic link|symlink|no such file",
    "fifo": r"regular file|FIFO",
    "directory-named-x-md": r"director|no entr|nothing",
    "symlinked-directory": r"symbolic link|symlink",
    "unreadable": r"permission|cannot read",
}


# Root reads any file whatever its permissions (CI runs as root). The CLI runs with the
# capabilities that allow that (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) dropped, so a mode-000
# file is unreadable to it too; where that cannot be done, the unreadable case is skipped.
ENFORCED = permissions_can_be_enforced()


@pytest.fixture(scope="module")
def special_runs(base_kb: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, HazardRun]:
    top = tmp_path_factory.mktemp("special")
    names = [n for n in PLACERS if n != "unreadable" or ENFORCED]
    with ThreadPoolExecutor(4) as pool:
        futures = {
            n: pool.submit(exercise, base_kb, top / n, PLACERS[n], obey_permissions=True)
            for n in names
        }
        return {n: f.result() for n, f in futures.items()}


def _run_for(special_runs: dict[str, HazardRun], name: str) -> HazardRun:
    if name not in special_runs:
        pytest.skip("file permissions cannot be enforced on the CLI here (root without prctl)")
    return special_runs[name]


names = pytest.mark.parametrize("name", list(PLACERS))


@names
def test_special_input_is_refused_cleanly(special_runs: dict[str, HazardRun], name: str):
    import re

    hazard = _run_for(special_runs, name)
    problems = [f"{r.args[0]}: {p}" for r in hazard.runs for p in problems_with_run(r)]
    assert not problems, "\n".join(problems) + "\n".join(r.describe() for r in hazard.runs)
    for run in (hazard.validate, hazard.add):
        assert run.returncode not in (0, None), run.describe()
        assert hazard.source.name in run.text, run.describe()
        assert re.search(MESSAGES[name], run.text, re.IGNORECASE), run.describe()
        assert CANARY not in run.text, "the secret file's content was read through a link"
        assert len(run.text) < 4000, run.describe()
        assert run.seconds < 10


@names
def test_special_input_changes_nothing(special_runs: dict[str, HazardRun], name: str):
    hazard = _run_for(special_runs, name)
    assert diff_digests(hazard.kb_before, hazard.kb_after) == []
    assert diff_digests(hazard.outside_before, hazard.outside_after) == []
    assert hazard.searches_after == hazard.searches_before
    assert CANARY not in hazard.search.text


# ---- the same hazards inside entries/ ----------------------------------------------------------


def make_hostile_kb(base_kb: Path, work: Path, *, fifo: bool = True) -> Path:
    """The base knowledge base with every special hazard placed inside entries/."""
    kb = copy_kb(base_kb, work / "kb")
    folder = kb / "entries" / "west-yorkshire"
    write_huge(folder / "huge-20mb.md")
    secret = write_secret(work)
    (folder / "symlink-to-secret.md").symlink_to(secret)
    (folder / "symlink-loop-b.md").symlink_to("symlink-loop.md")
    (folder / "symlink-loop.md").symlink_to("symlink-loop-b.md")
    (folder / "dangling-symlink.md").symlink_to(work / "gone.md")
    if fifo:
        os.mkfifo(folder / "fifo.md")
    (folder / "x.md").mkdir()
    write_entry(folder / "x.md" / "inside-dir-named-md.md", "inside-dir-named-md")
    (kb / "entries" / "linked-force").symlink_to(secret.parent, target_is_directory=True)
    if ENFORCED:
        write_entry(folder / "unreadable.md", "unreadable").chmod(0)
    return kb


# Files inside entries/ that every command must name as invalid (and skip).
REPORTED = (
    "huge-20mb.md",
    "symlink-to-secret.md",
    "symlink-loop.md",
    "dangling-symlink.md",
)


def test_validate_all_reports_each_hazard_inside_entries(base_kb: Path, tmp_path: Path):
    run = run_cli(make_hostile_kb(base_kb, tmp_path), "validate", obey_permissions=True)
    assert_clean_run(run)
    assert run.returncode == 1, run.describe()
    for name in (*REPORTED, "fifo.md", *(["unreadable.md"] if ENFORCED else [])):
        assert name in run.text, f"{name} not reported\n{run.describe()}"
    assert CANARY not in run.text


def check_index_run(
    kb: Path,
    work: Path,
    command: tuple[str, ...],
    reported: tuple[str, ...],
    searchable: tuple[str, ...],
):
    outside = tree_digest(work, ("kb/entries", "kb/index"))
    entries = tree_digest(kb / "entries")
    run = run_cli(kb, *command, obey_permissions=True)
    assert_clean_run(run)
    assert run.returncode == 1, f"invalid files must make the exit status 1\n{run.describe()}"
    for name in reported:
        assert name in run.text, f"{name} not reported\n{run.describe()}"
    assert CANARY not in run.text
    assert tree_digest(kb / "entries") == entries, "index changed entries/"
    assert tree_digest(work, ("kb/entries", "kb/index")) == outside
    # The valid entries are all searchable; nothing from the secret file is.
    search = run_cli(kb, "search", "practice managers", "--limit", "50")
    assert_clean_run(search)
    for entry_id in searchable:
        assert entry_id in search.out, search.describe()
    secret = run_cli(kb, "search", CANARY)
    assert_clean_run(secret)
    assert "secret-entry" not in secret.out, secret.describe()


COMMANDS = pytest.mark.parametrize(
    "command", [("index",), ("index", "--rebuild")], ids=["index", "rebuild"]
)


@COMMANDS
def test_index_reports_and_skips_hazards_inside_entries(
    base_kb: Path, tmp_path: Path, command: tuple[str, ...]
):
    kb = make_hostile_kb(base_kb, tmp_path, fifo=False)
    # A fresh file (not yet indexed) and an indexed one changed into a hazard.
    (kb / "entries" / "lancashire" / "corpus-school-network.md").unlink()
    (kb / "entries" / "lancashire" / "corpus-school-network.md").symlink_to(
        tmp_path / "secret" / "secret-entry.md"
    )
    searchable = ("corpus-existing-entry", "corpus-triage-desk", "inside-dir-named-md")
    reported = (*REPORTED, "corpus-school-network.md", *(["unreadable.md"] if ENFORCED else []))
    check_index_run(kb, tmp_path, command, reported, searchable)


@COMMANDS
def test_index_with_a_fifo_inside_entries_does_not_hang(
    base_kb: Path, tmp_path: Path, command: tuple[str, ...]
):
    kb = copy_kb(base_kb, tmp_path / "kb")
    os.mkfifo(kb / "entries" / "west-yorkshire" / "fifo.md")
    run = run_cli(kb, *command)
    assert_clean_run(run)
    assert run.returncode == 1, run.describe()
    assert "fifo.md" in run.text, run.describe()


def test_add_of_a_folder_files_the_valid_and_names_each_refusal(base_kb: Path, tmp_path: Path):
    """One call with good and hostile files: the good are filed, each bad one is named."""
    kb = copy_kb(base_kb, tmp_path / "kb")
    inbox = tmp_path / "inbox"
    good = write_entry(inbox / "good-in-folder.md", "good-in-folder")
    for place in (place_symlink_to_secret, place_fifo, place_dangling_symlink, place_huge):
        place(inbox)
    (inbox / "nested").mkdir()
    write_entry(inbox / "nested" / "nested-good.md", "nested-good", force="kent")
    outside = tree_digest(tmp_path, ("kb/entries", "kb/index"))
    for command in ("validate", "add"):
        run = run_cli(kb, command, inbox, cwd=tmp_path)
        assert_clean_run(run)
        assert run.returncode == 1, run.describe()
        for name in ("symlink-to-secret.md", "fifo.md", "dangling-symlink.md", "huge-20mb.md"):
            assert name in run.text, f"{command} did not name {name}\n{run.describe()}"
        assert CANARY not in run.text
    stored = kb / "entries" / "west-yorkshire" / "good-in-folder.md"
    assert without_added_line(stored.read_bytes()) == good.read_bytes()
    assert (kb / "entries" / "kent" / "nested-good.md").is_file()
    assert not list((kb / "entries").rglob("secret-entry*"))
    assert tree_digest(tmp_path, ("kb/entries", "kb/index")) == outside


@pytest.mark.parametrize("kind", ["symlink-to-outside", "a-file"])
def test_add_never_writes_through_an_odd_force_folder(base_kb: Path, tmp_path: Path, kind: str):
    """entries/kent as a symlink to a folder outside, or as a file: add refuses to file there."""
    kb = copy_kb(base_kb, tmp_path / "kb")
    outside = tmp_path / "outside"
    outside.mkdir()
    if kind == "symlink-to-outside":
        (kb / "entries" / "kent").symlink_to(outside, target_is_directory=True)
    else:
        (kb / "entries" / "kent").write_text("not a folder\n")
    source = write_entry(tmp_path / "inbox" / "kent-practice.md", "kent-practice", force="kent")
    before = tree_digest(tmp_path)
    run = run_cli(kb, "add", source, cwd=tmp_path)
    assert_clean_run(run)
    assert run.returncode == 1, run.describe()
    assert "kent" in run.text and len(run.text) < 4000, run.describe()
    assert list(outside.iterdir()) == []
    assert diff_digests(before, tree_digest(tmp_path)) == []


def test_file_names_with_escapes_are_printed_safely(base_kb: Path, tmp_path: Path):
    """File names are data too: ESC, BEL, newlines and bidi controls in them never reach the
    terminal, whether the file is valid (id given) or not."""
    kb = copy_kb(base_kb, tmp_path / "kb")
    inbox = tmp_path / "inbox"
    names = ["\x1b[2J\x1b]0;title\x07.md", "line\nbreak.md", "\u202egnp.md", "\x9b31m.md"]
    for n, name in enumerate(names):
        write_entry(inbox / name, f"escaped-name-{n}")
    (inbox / "no-id-\x1b[31m.md").write_text(
        entry_text("placeholder").replace("id: placeholder\n", ""), encoding="utf-8"
    )
    outside = tree_digest(tmp_path, ("kb/entries", "kb/index"))
    for command in ("validate", "add"):
        run = run_cli(kb, command, inbox, cwd=tmp_path)
        assert_clean_run(run)
        assert run.returncode == 1, run.describe()  # the file without an id has no valid id
    assert tree_digest(tmp_path, ("kb/entries", "kb/index")) == outside
    stored = sorted(p.name for p in (kb / "entries").rglob("escaped-name-*"))
    assert stored == [f"escaped-name-{n}.md" for n in range(4)]
