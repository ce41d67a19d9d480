"""The submission workflow: the pre-commit hook definition runs a strict validate."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import yaml

from practicebase.kb import KnowledgeBase
from practicebase.reports import load_entries


def test_pre_commit_hook_definition(sample_root):
    hooks = yaml.safe_load((sample_root / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "practicebase-validate")
    assert shlex.split(hook["entry"]) == ["practicebase", "validate", "--strict"]
    assert hook["language"] == "python" and hook["pass_filenames"] is True
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])

    def checked(path: str) -> bool:
        return bool(files.search(path)) and not exclude.search(path)

    assert checked("entries/kent/referral-desk.md")
    assert checked("entries/kent/referral-desk.yaml")
    assert checked("entries/kent/referral-desk.yml")
    assert not checked("entries/README.md")
    assert not checked("docs/sharing.md")
    assert not checked("vocabulary.yaml")


def test_hook_command_fails_a_near_copy_and_passes_a_new_entry(write_entry, kb, tmp_path):
    write_entry("gp-referral-pathway", force="kent", title="GP referral pathway")
    fresh = write_entry(
        "rail-staff-briefings",
        force="btp",
        title="Rail staff briefings",
        problem="Station staff had no route to report concerns.",
        did="Toolbox talks at depots and a pocket card.",
    )
    copy = write_entry("gp-referral-pathway-essex", force="essex", title="GP Referral Pathway")
    command = [sys.executable, "-m", "practicebase", "validate", "--strict"]

    def run(*paths) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *(str(p.relative_to(kb.root)) for p in paths)],
            cwd=kb.root,
            capture_output=True,
            text=True,
            timeout=60,
        )

    ok = run(fresh)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = run(copy)
    assert bad.returncode == 1
    assert "gp-referral-pathway" in bad.stdout and "very similar" in bad.stdout
    assert "Traceback" not in bad.stderr


def test_sample_entries_raise_no_duplicate_warnings(sample_root):
    from practicebase.duplicates import duplicate_warnings

    kb = KnowledgeBase(sample_root)
    entries = load_entries(kb).entries
    assert len(entries) == 40
    assert duplicate_warnings(kb, entries, existing=entries) == []
