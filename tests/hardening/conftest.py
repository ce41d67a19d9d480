"""Fixtures for the hardening suite: a small indexed knowledge base to copy per test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hardening_harness import BASE_ENTRIES, assert_clean_run, make_kb, run_cli  # noqa: E402


@pytest.fixture(scope="session")
def base_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A knowledge base with BASE_ENTRIES and a built index. Copy it; never change it."""
    root = make_kb(tmp_path_factory.mktemp("base") / "kb", BASE_ENTRIES)
    run = run_cli(root, "index", timeout=60)
    assert_clean_run(run)
    assert run.returncode == 0, run.describe()
    return root
