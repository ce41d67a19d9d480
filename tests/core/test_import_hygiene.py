"""The core and the CLI's start-up never import Textual, so commands start fast."""

import subprocess
import sys


def test_cli_help_and_core_do_not_import_textual() -> None:
    code = (
        "import sys\n"
        "import practicebase.cli, practicebase.kb, practicebase.entry, practicebase.vocabulary\n"
        "practicebase.cli.build_parser()\n"
        "for name in ('validate', 'store', 'index', 'search', 'coverage', 'reports', "
        "'duplicates', 'export'):\n"
        "    try:\n"
        "        __import__('practicebase.' + name)\n"
        "    except ModuleNotFoundError as exc:\n"
        "        if exc.name != 'practicebase.' + name: raise\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
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
