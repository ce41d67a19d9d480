"""Fixtures for the foundation tests: a temporary knowledge base, entry writers, the CLI."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from foundation_helpers import BODY, Run, assert_clean, entry_text  # noqa: E402

from practicebase.cli import main  # noqa: E402


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """An empty knowledge base root (it has entries/)."""
    root = tmp_path / "kb"
    (root / "entries").mkdir(parents=True)
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the knowledge base, where users keep files before adding them."""
    folder = tmp_path / "incoming"
    folder.mkdir()
    return folder


@pytest.fixture
def write_entry(outside: Path) -> Callable[..., Path]:
    """Write an entry file (valid unless changed) and return its path."""

    def write(
        name: str = "school-liaison-pilot.md",
        *,
        text: str | None = None,
        data: bytes | None = None,
        folder: Path | None = None,
        body: str = BODY,
        **changes: str | None,
    ) -> Path:
        path = (folder or outside) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is None:
            form = "yaml" if path.suffix in (".yaml", ".yml") else "md"
            data = (text if text is not None else entry_text(form, body, **changes)).encode()
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run `practicebase ARGS` in-process; asserts no traceback or raw control characters."""

    def run(*args: str | os.PathLike[str]) -> Run:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        result = Run(code, captured.out, captured.err)
        assert_clean(result.text)
        return result

    return run
