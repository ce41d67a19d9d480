"""Hostile surroundings: the whole corpus in one call, a hostile vocabulary.yaml at the root,
and roots that are not knowledge bases."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hardening_harness import (
    CORPUS,
    CliRun,
    assert_clean_run,
    cli_env,
    copy_kb,
    diff_digests,
    run_cli,
    tree_digest,
)

CORPUS_FILES = sorted(p.name for p in CORPUS.iterdir() if p.is_file() and p.name != "ruff.toml")


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """The whole corpus in one folder: no file is left out for being slow."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in CORPUS_FILES:
        shutil.copy2(CORPUS / name, folder / name)
    return folder


def files_with_problems(base_kb: Path) -> list[str]:
    from practicebase.kb import KnowledgeBase
    from practicebase.validate import load_entry

    vocabulary = KnowledgeBase(base_kb).vocabulary
    return [n for n in CORPUS_FILES if load_entry(CORPUS / n, vocabulary).problems]


def test_validate_the_whole_corpus_in_one_call(base_kb: Path, inbox: Path):
    named = files_with_problems(base_kb)
    assert len(named) > 60
    text = run_cli(base_kb, "validate", inbox, cwd=inbox.parent)
    assert_clean_run(text)
    assert text.returncode == 1, text.describe()
    for name in named:
        assert name in text.out, f"{name} missing from the report"
    machine = run_cli(base_kb, "validate", "--format", "json", inbox, cwd=inbox.parent)
    assert_clean_run(machine)
    assert machine.returncode == 1
    assert json.loads(machine.out), "empty JSON report"
    for name in named:
        assert name in machine.out, f"{name} missing from the JSON report"


def test_add_the_whole_corpus_in_one_call(base_kb: Path, inbox: Path, tmp_path: Path):
    kb = copy_kb(base_kb, tmp_path / "kb")
    outside = tree_digest(tmp_path, ("kb/entries", "kb/index"))
    run = run_cli(kb, "add", inbox, cwd=tmp_path)
    assert_clean_run(run)
    assert run.returncode == 1, run.describe()
    for name in CORPUS_FILES:
        assert name in run.out, f"{name} has no line in the add report"
    assert tree_digest(tmp_path, ("kb/entries", "kb/index")) == outside
    assert not list(tmp_path.rglob("pwned*"))
    # The valid ones were filed; nothing else was.
    filed = {p.stem for p in (kb / "entries").rglob("*.md")} - {"corpus-existing-entry"}
    assert "rules-inside-body" in filed and "bom-crlf" in filed and "0755" in filed
    assert not filed & {"unsafe-tag-apply", "impossible-date", "classification-secret"}


VOCABULARIES = {
    "unsafe-tag": 'forces: !!python/object/apply:os.system ["touch pwned-by-vocabulary"]\n',
    "alias-bomb": "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "themes: *i\n",
    "not-a-mapping": "- just\n- a list\n",
    "wrong-types": "forces: 7\nthemes: {a: b}\nclassifications: SECRET\n",
    "cp1252": b"forces:\n  - id: caf\xe9\n    name: Caf\x93\n",
    "control-characters": 'extra_themes:\n  - id: "evil\\e[2J"\n    meaning: "\\e]0;title\\a"\n',
    "empty": "",
}


@pytest.mark.parametrize("kind", list(VOCABULARIES))
def test_hostile_vocabulary_file_is_refused_clearly(base_kb: Path, tmp_path: Path, kind: str):
    kb = copy_kb(base_kb, tmp_path / "kb")
    content = VOCABULARIES[kind]
    (kb / "vocabulary.yaml").write_bytes(
        content if isinstance(content, bytes) else content.encode()
    )
    before = tree_digest(tmp_path)
    for args in (("validate",), ("search", "referrals")):
        run = run_cli(kb, *args, cwd=tmp_path)
        assert_clean_run(run)
        if kind != "empty":
            assert run.returncode != 0, run.describe()
            assert "vocabulary.yaml" in run.err, run.describe()
            assert len(run.err) < 2000, run.describe()
    assert not list(tmp_path.rglob("pwned*"))
    changed = [c for c in diff_digests(before, tree_digest(tmp_path)) if "/index/" not in c]
    assert changed == [], changed


@pytest.mark.parametrize(
    "root_kind", ["missing", "a-file", "no-entries", "entries-is-a-file", "fifo"]
)
def test_a_root_that_is_not_a_knowledge_base(tmp_path: Path, root_kind: str):
    root = tmp_path / "root"
    if root_kind == "a-file":
        root.write_text("x")
    elif root_kind == "no-entries":
        root.mkdir()
    elif root_kind == "entries-is-a-file":
        root.mkdir()
        (root / "entries").write_text("x")
    elif root_kind == "fifo":
        os.mkfifo(root)
    for args in (("validate",), ("index",), ("search", "x")):
        run = run_cli(root, *args, cwd=tmp_path)
        assert_clean_run(run)
        assert run.returncode == 2, run.describe()
        assert "knowledge base" in run.err, run.describe()
    assert sorted(p.name for p in tmp_path.iterdir()) == (
        [] if root_kind == "missing" else ["root"]
    )
    if root_kind == "no-entries":
        assert list(root.iterdir()) == [], "something was created in a folder that is not a kb"


def test_garbage_root_from_the_environment(tmp_path: Path):
    env = cli_env({"PRACTICEBASE_ROOT": "\x1b[2J/nowhere\u202e"})
    done = subprocess.run(
        [sys.executable, "-m", "practicebase", "validate"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=10,
    )
    run = CliRun(("validate",), done.returncode, done.stdout, done.stderr, 0.0)
    assert_clean_run(run)
    assert run.returncode == 2 and "PRACTICEBASE_ROOT" in run.err, run.describe()


def test_new_with_hostile_arguments(base_kb: Path, tmp_path: Path):
    for args in (("new", "--force", "\x1b]0;pwned\x07Kent"), ("new", "--force", "../../etc")):
        run = run_cli(base_kb, *args, cwd=tmp_path)
        assert_clean_run(run)
        assert run.returncode != 0, run.describe()
        assert list(tmp_path.iterdir()) == []


def test_the_same_id_twice_in_one_call_names_both_files(base_kb: Path, tmp_path: Path):
    from hardening_harness import write_entry

    kb = copy_kb(base_kb, tmp_path / "kb")
    first = write_entry(tmp_path / "inbox" / "a" / "twice.md", "twice", title="First of two")
    second = write_entry(tmp_path / "inbox" / "b" / "twice.md", "twice", force="kent")
    validate = run_cli(kb, "validate", first, second, cwd=tmp_path)
    assert_clean_run(validate)
    assert validate.returncode == 1, validate.describe()
    assert "inbox/a/twice.md" in validate.out and "inbox/b/twice.md" in validate.out
    before = tree_digest(kb / "entries")
    add = run_cli(kb, "add", first, second, cwd=tmp_path)
    assert_clean_run(add)
    assert add.returncode == 1, add.describe()
    stored = [p for p in (kb / "entries").rglob("twice.md")]
    assert len(stored) <= 1, "two files with one id were filed"
    assert len(diff_digests(before, tree_digest(kb / "entries"))) <= 2


def test_a_refused_replace_keeps_the_old_entry_byte_identical(base_kb: Path, tmp_path: Path):
    from hardening_harness import entry_text

    kb = copy_kb(base_kb, tmp_path / "kb")
    broken = tmp_path / "inbox" / "corpus-existing-entry.md"
    broken.parent.mkdir()
    text = entry_text("corpus-existing-entry", extra="classification: SECRET")
    broken.write_text(text, encoding="utf-8")
    before = tree_digest(kb)
    for args in (("add", "--replace", broken), ("add", "--replace", "--dry-run", broken)):
        run = run_cli(kb, *args, cwd=tmp_path)
        assert_clean_run(run)
        assert run.returncode == 1, run.describe()
        assert "SECRET" in run.out, run.describe()
    assert diff_digests(before, tree_digest(kb)) == []


@pytest.mark.parametrize("target", ["existing-file", "symlink", "dangling-symlink", "fifo"])
def test_new_never_overwrites_or_writes_through_links(base_kb: Path, tmp_path: Path, target: str):
    """`new --out FILE` writes only a new file: an existing file, a symlink (even dangling, which
    would create its target elsewhere) or a FIFO are refused."""
    victim = tmp_path / "elsewhere" / "victim.txt"
    victim.parent.mkdir()
    out = tmp_path / "new-entry.md"
    if target == "existing-file":
        out.write_text("my unsaved work\n")
    elif target == "symlink":
        victim.write_text("precious\n")
        out.symlink_to(victim)
    elif target == "dangling-symlink":
        out.symlink_to(victim)
    else:
        os.mkfifo(out)
    before = tree_digest(tmp_path)
    run = run_cli(base_kb, "new", "--force", "kent", "--out", out, cwd=tmp_path)
    assert_clean_run(run)
    assert run.returncode != 0, run.describe()
    assert "new-entry.md" in run.err, run.describe()
    assert diff_digests(before, tree_digest(tmp_path)) == []


def test_an_empty_knowledge_base_answers_every_command(tmp_path: Path):
    kb = tmp_path / "kb"
    (kb / "entries").mkdir(parents=True)
    for args in (
        ("validate",),
        ("index",),
        ("index", "--rebuild"),
        ("index", "--check"),
        ("search", "referrals"),
        ("search", "referrals", "--json"),
        ("report", "coverage"),
    ):
        run = run_cli(kb, *args)
        assert_clean_run(run)
        assert run.returncode == 0, run.describe()
    show = run_cli(kb, "show", "anything")
    assert_clean_run(show)
    assert show.returncode == 1 and "anything" in show.err, show.describe()
