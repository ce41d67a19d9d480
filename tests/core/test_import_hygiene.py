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


# What a `search` or `show` process must not import: the terminal app's libraries, the
# Markdown parser (only validation and the app's views parse Markdown), and urllib.request
# with http.client and email behind it (Whoosh's compat module asks for it; see
# practicebase/__init__.py). `urllib.parse` stays: pathlib imports it.
NOT_FOR_SEARCH_OR_SHOW = ("textual", "rich", "markdown_it", "markdown", "mdurl", "urllib.request")
# A search reads no entry file: no YAML parser (the vocabulary comes from index/'s cache once a
# process has parsed it), no validator, no store.
NOT_FOR_SEARCH = (*NOT_FOR_SEARCH_OR_SHOW, "yaml", "practicebase.validate", "practicebase.store")
SAMPLE_ENTRIES = SRC.parents[1] / "entries"


def _modules_after(
    root: Path, *argv: str, unwanted: tuple[str, ...] = NOT_FOR_SEARCH_OR_SHOW
) -> tuple[int, list[str]]:
    """Run `practicebase --root ROOT ARGV` in a fresh interpreter; (status, unwanted modules)."""
    code = (
        "import contextlib, io, sys\n"
        "from practicebase.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    status = main({['--root', str(root), *argv]!r})\n"
        f"unwanted = {unwanted!r}\n"
        "bad = sorted(m for m in sys.modules if m in unwanted or m.split('.')[0] in unwanted)\n"
        "print(status, ','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    status, _, bad = result.stdout.strip().partition(" ")
    return int(status), [m for m in bad.split(",") if m]


def test_search_and_show_import_only_what_they_use(tmp_path: Path) -> None:
    import shutil

    from practicebase.index import rebuild_index
    from practicebase.kb import KnowledgeBase

    root = tmp_path / "kb"
    shutil.copytree(SAMPLE_ENTRIES, root / "entries")
    rebuild_index(KnowledgeBase(root))
    some_id = sorted((root / "entries").glob("*/*.md"))[0].stem
    for argv in (
        ("search", "referrals", "--json", "--limit", "20"),
        ("search", "referrals -online"),
        ("show", some_id),
    ):
        status, bad = _modules_after(root, *argv)
        assert status == 0, argv
        assert bad == [], f"{' '.join(argv)} imported {bad}"
    # The searches above left the parsed vocabulary in index/: the next one parses no YAML.
    for argv in (("search", "referrals", "--json", "--limit", "20"), ("search", "referrals")):
        status, bad = _modules_after(root, *argv, unwanted=NOT_FOR_SEARCH)
        assert status == 0, argv
        assert bad == [], f"{' '.join(argv)} imported {bad}"


def test_urllib_request_still_works_after_whoosh_loaded() -> None:
    code = (
        "import practicebase, whoosh.compat, sys\n"
        "assert 'urllib.request' not in sys.modules\n"
        "import urllib.request\n"
        "print(callable(urllib.request.urlopen), whoosh.compat.urlretrieve.__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["True", "urlretrieve"]


def test_whoosh_english_variations_run_only_when_used_and_answer_as_whoosh_does() -> None:
    """practicebase defers `whoosh.lang.morph_en` (see practicebase/__init__.py): a search
    never runs its code, and Whoosh's Variations query still gets Whoosh's own answers."""
    words = ["rendering", "walked", "policies", "safeguarding", "referrals"]
    show = "print(sorted(sorted(variations(w)) for w in " + repr(words) + "))\n"
    plain = subprocess.run(
        [sys.executable, "-c", "from whoosh.lang.morph_en import variations\n" + show],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    deferred = (
        "import sys, practicebase, whoosh.query\n"
        "module = sys.modules['whoosh.lang.morph_en']\n"
        "assert 'rules' not in vars(module), 'ran at import'\n"
        "from whoosh.query.terms import variations  # what the Variations query calls\n"
        + show
        + "assert isinstance(module.rules, tuple)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", deferred], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout == plain.stdout
    assert "walking" in result.stdout
