"""docs/entry-format.md: its examples validate and its vocabulary lists match the data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from practicebase.vocabulary import load_vocabulary

DOC = Path(__file__).resolve().parents[2] / "docs" / "entry-format.md"


def example(heading: str, fence: str) -> tuple[str, str]:
    """(file name, text) of the first `fence` code block after `heading`."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    name = re.search(r"`entries/[^`]+/([^`/]+)`", section).group(1)
    block = re.search(rf"```{fence}\n(.*?)```", section, re.DOTALL).group(1)
    return name, block


@pytest.mark.parametrize(
    ("heading", "fence"),
    [("## Example: Markdown form", "markdown"), ("## Example: YAML form", "yaml")],
)
def test_documented_examples_validate_cleanly(cli, kb, outside, heading, fence):
    name, text = example(heading, fence)
    path = outside / name
    path.write_text(text, encoding="utf-8")
    run = cli("--root", kb, "validate", path)
    assert run.code == 0, run.out
    assert "0 errors, 0 warnings" in run.out
    assert cli("--root", kb, "add", path).code == 0


def test_every_force_and_theme_is_documented():
    text = DOC.read_text(encoding="utf-8")
    vocabulary = load_vocabulary()
    for force in vocabulary.forces:
        assert f"| `{force.id}` | {force.name} |" in text
    for theme in vocabulary.themes:
        assert f"| `{theme.id}` | {theme.meaning} |" in text
