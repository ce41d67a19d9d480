"""The fork server that runs the hardening suite's CLI runs (cli_zygote.py) behaves as a fresh
`python -m practicebase` does: same exit status, output and files, the timeout enforced by a
kill, and root made to obey file permissions when asked."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from hardening_harness import (
    CORPUS,
    copy_kb,
    permissions_can_be_enforced,
    run_cli,
    tree_digest,
    write_entry,
)

COMMANDS = {
    "validate-rejected": [("validate", CORPUS / "alias-bomb.yaml")],
    "validate-accepted": [("validate", CORPUS / "rich-markup-in-body.md")],
    "validate-strict-warning": [("validate", "--strict", CORPUS / "bidi-in-body.md")],
    "add-then-search": [
        ("add", CORPUS / "bom-crlf.md"),
        ("search", "practice managers", "--json", "--limit", "50"),
    ],
    "add-refused": [("add", CORPUS / "same-id-as-existing.md")],
    "show": [("show", "corpus-triage-desk")],
    "show-missing": [("show", "\x1b]0;pwned\x07")],
    "search-hostile": [("search", "\x1b[2J referrals \u202e")],
    "usage-error": [("--bogus",)],
    "index-rebuild-then-check": [("index", "--rebuild"), ("index", "--check")],
    "new-refused": [("new", "--force", "../../etc")],
}


SECONDS = re.compile(r"\b\d+(\.\d+)? ?(s|ms)\b")  # timings differ from run to run


def outcome(base_kb: Path, work: Path, commands: list[tuple], fresh: bool) -> list[tuple]:
    kb = copy_kb(base_kb, work / "kb")
    seen = []
    for args in commands:
        run = run_cli(kb, *args, cwd=work, fresh=fresh)
        text = [SECONDS.sub("<s>", t.replace(str(work), "<work>")) for t in (run.out, run.err)]
        # Lines are compared as sets: the order of equally ranked duplicate warnings follows
        # the hash seed, which differs between any two fresh interpreters too.
        seen.append((run.returncode, *(sorted(t.splitlines()) for t in text)))
    seen.append(tree_digest(kb, ("index",)))
    return seen


@pytest.mark.parametrize("name", list(COMMANDS))
def test_server_and_fresh_interpreter_agree(base_kb: Path, tmp_path: Path, name: str):
    fresh = outcome(base_kb, tmp_path / "fresh", COMMANDS[name], fresh=True)
    served = outcome(base_kb, tmp_path / "served", COMMANDS[name], fresh=False)
    assert served == fresh


@pytest.mark.parametrize("fresh", [True, False], ids=["fresh", "served"])
def test_a_run_past_its_timeout_is_killed(base_kb: Path, fresh: bool):
    run = run_cli(base_kb, "search", "referrals", timeout=0.001, fresh=fresh)
    assert run.returncode is None, run.describe()
    assert run.seconds < 5


@pytest.mark.skipif(not permissions_can_be_enforced(), reason="permissions cannot be enforced")
@pytest.mark.parametrize("fresh", [True, False], ids=["fresh", "served"])
def test_obey_permissions_makes_an_unreadable_file_unreadable(tmp_path: Path, fresh: bool):
    entry = write_entry(tmp_path / "unreadable.md", "unreadable")
    entry.chmod(0)
    kb = tmp_path / "kb"
    (kb / "entries").mkdir(parents=True)
    try:
        obeying = run_cli(kb, "validate", entry, obey_permissions=True, fresh=fresh)
        assert obeying.returncode == 1, obeying.describe()
        assert "permission" in obeying.text.lower(), obeying.describe()
        # The server itself is not weakened: a run that need not obey still reads it as root.
        if not fresh and os.geteuid() == 0:
            plain = run_cli(kb, "validate", entry)
            assert plain.returncode == 0, plain.describe()
    finally:
        entry.chmod(0o644)
        shutil.rmtree(kb)
