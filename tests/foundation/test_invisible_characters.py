"""Fields are checked for every character the display replaces: the Arabic letter mark is a
bidirectional control (an error), tag and interlinear-annotation characters are invisible (a
warning), as `sanitize` defines them."""

from __future__ import annotations

from pathlib import Path

import pytest
from foundation_helpers import entry_text


@pytest.mark.parametrize(
    ("character", "severity"),
    [("\u061c", "error"), ("\U000e0041", "warning"), ("\ufff9", "warning"), ("\u200b", "warning")],
)
def test_hidden_characters_in_a_field_are_reported(
    cli, kb, tmp_path: Path, character: str, severity: str
) -> None:
    path = tmp_path / "entry.md"
    path.write_text(entry_text(title=f'"School referral{character} clinic"'), encoding="utf-8")
    run = cli("--root", kb, "validate", path)
    assert f"{severity}: title:" in run.text, run.text
    assert run.code == (1 if severity == "error" else 0)
