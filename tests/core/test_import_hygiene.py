"""The core and the CLI's start-up never import Textual or Rich, so commands start fast and
the core runs headless."""

import subprocess
import sys
from pathlib import Path

import practicebase

SRC = Path(practicebase.__file__).resolve().parent


def core_modules() -> list[str]:
    """Every module of practicebase outside the terminal app (`practicebase.tui`)."""
    names = []
    for path in sorted(SRC.rglob("*.py")):
        parts = ("practicebase", *path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if len(parts) > 1 and parts[1] in ("tui", "__main__"):
            continue
        names.append(".".join(parts))
    return names


def test_core_modules_are_found():
    assert {"practicebase.store", "practicebase.search.searcher", "practicebase.cli"} <= set(
        core_modules()
    )


def test_cli_help_and_every_core_module_import_neither_textual_nor_rich() -> None:
    code = (
        "import sys, importlib\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "import practicebase.cli\n"
        "practicebase.cli.build_parser()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""


def test_python_dash_m_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "practicebase", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "usage: practicebase" in result.stdout
