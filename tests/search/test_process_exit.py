"""The `practicebase` process ends without the interpreter's shutdown (`__main__.run`): its
whole output still arrives, through a pipe or into a file, and its exit status is kept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from search_helpers import write_corpus

from practicebase.kb import KnowledgeBase

ENTRY_POINT = "from practicebase.__main__ import run; run()"  # what the console script runs


def _run(*args: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", ENTRY_POINT, *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


def test_whole_output_arrives_through_a_pipe_and_into_a_file(kb: KnowledgeBase, tmp_path: Path):
    write_corpus(kb)
    args = ("--root", str(kb.root), "search", "referrals", "--json", "--limit", "1000")
    piped = _run(*args)
    assert piped.returncode == 0, piped.stderr
    document = json.loads(piped.stdout)
    assert document["hits"] and len(document["hits"]) == document["total"]
    out = tmp_path / "out.json"
    with out.open("w", encoding="utf-8") as handle:
        written = _run(*args, stdout=handle)
    assert written.returncode == 0
    assert out.read_text(encoding="utf-8") == piped.stdout
    module = subprocess.run(
        [sys.executable, "-m", "practicebase", *args], capture_output=True, text=True, timeout=120
    )
    assert module.returncode == 0 and module.stdout == piped.stdout


def test_exit_status_and_error_kept(tmp_path: Path):
    missing = _run("--root", str(tmp_path / "nowhere"), "search", "x")
    assert missing.returncode == 2
    assert "is not a knowledge base" in missing.stderr
    usage = _run("search", "--no-such-option")
    assert usage.returncode == 2 and "usage" in usage.stderr


def test_only_commands_that_write_nothing_skip_the_usual_exit(kb: KnowledgeBase):
    """`search` and `show` end at once; a command that may write files (here `index`) gets the
    interpreter's usual exit, with its exit handlers."""
    write_corpus(kb)
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('EXIT HANDLERS RAN', file=sys.stderr))\n" + ENTRY_POINT
    )

    def handlers_ran(*args: str) -> bool:
        done = subprocess.run(
            [sys.executable, "-c", probe, "--root", str(kb.root), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return "EXIT HANDLERS RAN" in done.stderr

    assert handlers_ran("index")
    assert not handlers_ran("search", "referrals", "--json")
