"""`practicebase tui` and `practicebase` alone: help, and clear refusals without a terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tui_kb import make_kb


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "practicebase", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=30,
    )


def test_tui_help_names_the_command() -> None:
    done = run_cli("tui", "--help")
    assert done.returncode == 0
    assert "terminal app" in done.stdout and "--light" in done.stdout


def test_without_a_terminal_it_says_so_instead_of_hanging(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb", [])
    for args in (("--root", str(root)), ("--root", str(root), "tui")):
        done = run_cli(*args)
        assert done.returncode == 2
        assert "needs an interactive terminal" in done.stderr
        assert "Traceback" not in done.stderr


def test_no_knowledge_base_is_a_clear_error(tmp_path: Path) -> None:
    done = run_cli("--root", str(tmp_path / "missing"), "tui")
    assert done.returncode == 2
    assert "not a knowledge base" in done.stderr and "Traceback" not in done.stderr
