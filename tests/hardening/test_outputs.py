"""Every command that prints or writes entry data, run on a knowledge base holding the hostile
entries the corpus accepts (markup, HTML, bidi and zero-width characters, YAML look-alikes)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from hardening_harness import CORPUS, assert_clean_run, copy_kb, diff_digests, run_cli, tree_digest

ACCEPTED = [
    "bidi-in-body.md",
    "bom-crlf.md",
    "csv-formula-title.md",
    "html-script-in-body.md",
    "rich-markup-balanced-title.md",
    "rich-markup-in-body.md",
    "rich-markup-unbalanced-title.md",
    "rules-inside-body.md",
    "sexagesimal-title.md",
    "yaml11-booleans-as-text.md",
    "zero-width-title.md",
    # Markdown storms: each is exported (as Markdown, or as plain text past a limit) in
    # bounded time, together with every other accepted file.
    "markdown-heading-of-hashes.md",
    "markdown-many-blank-lines.md",
    "markdown-many-brackets.md",
    "markdown-many-emphasis-marks.md",
    "markdown-spaces-before-tab.md",
]


@pytest.fixture(scope="module")
def hostile_kb(base_kb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("outputs")
    kb = copy_kb(base_kb, work / "kb")
    inbox = work / "inbox"
    inbox.mkdir()
    for name in ACCEPTED:
        shutil.copy2(CORPUS / name, inbox / name)
    run = run_cli(kb, "add", inbox, cwd=work)
    assert_clean_run(run)
    assert run.returncode == 0, run.describe()
    return kb


COMMANDS = [
    ("validate",),
    ("search", "practice managers", "--limit", "50", "--facets"),
    ("search", "practice managers", "--limit", "50", "--json"),
    ("show", "rich-markup-balanced-title"),
    ("show", "html-script-in-body", "--json"),
    ("show", "zero-width-title"),
    ("report", "coverage"),
    ("report", "due"),
    ("report", "stats"),
    ("export", "--format", "json"),
    ("export", "--format", "csv"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_printed_output_is_terminal_safe(hostile_kb: Path, command: tuple[str, ...]):
    entries = tree_digest(hostile_kb / "entries")
    run = run_cli(hostile_kb, *command)
    assert_clean_run(run)
    assert run.returncode in (0, 1), run.describe()
    assert tree_digest(hostile_kb / "entries") == entries
    if "--json" in command or "json" in command:
        json.loads(run.out)
    if "csv" in command:
        rows = list(csv.reader(io.StringIO(run.out)))
        assert len(rows) > len(ACCEPTED)
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        for row in rows:
            for cell in row:
                assert not re.match(r"[=+@]|-\d", cell), f"formula-like cell {cell!r}"
        assert "HYPERLINK" in run.out


def test_html_export_escapes_entry_html(hostile_kb: Path, tmp_path: Path):
    out = tmp_path / "site"
    run = run_cli(hostile_kb, "export", "--format", "html", "--out", out)
    assert_clean_run(run)
    assert run.returncode == 0, run.describe()
    pages = {p.name: p.read_text("utf-8") for p in out.rglob("*.html")}
    assert pages, "no pages written"
    for name, html in pages.items():
        # The entry's tags appear only escaped, as text: never as elements.
        assert not re.search(r"<\s*(script|img)\b", html, re.IGNORECASE), name
        assert "\u202e" not in html and "\x1b" not in html, name
    combined = "\n".join(pages.values())
    assert "&lt;script&gt;" in combined, "the HTML in the body should be shown as text"


HOSTILE_ARGUMENTS = [
    ("search", "\x1b[2J\x1b]0;title\x07 referrals"),
    ("search", "\x9b31m\u202e\u200b zzzqqq"),
    ("search", "[bold]x[/] [@click=app.quit]y"),
    ("search", "force:\x1b[2J"),
    ("search", "a" * 10_000),
    ("search", '"unclosed AND ( force: -'),
    ("search", "referrals", "--json", "--limit", "1"),
    ("show", "\x1b]52;c;cm0gLXJmIH4=\x07"),
    ("show", "../../etc/passwd"),
    ("show", "x" * 5000),
    ("validate", "\x1b[2J-no-such-file.md"),
    ("add", "\x1b]0;pwned\x07.md"),
]


@pytest.mark.parametrize("args", HOSTILE_ARGUMENTS, ids=lambda a: repr(a)[:40])
def test_hostile_arguments_never_reach_the_terminal(hostile_kb: Path, args: tuple[str, ...]):
    """Words typed or pasted on the command line are echoed back only sanitised."""
    entries = tree_digest(hostile_kb / "entries")
    run = run_cli(hostile_kb, *args)
    assert_clean_run(run)
    assert tree_digest(hostile_kb / "entries") == entries
    if args[0] == "search" and "--json" in args:
        json.loads(run.out)


@pytest.mark.parametrize(
    "target", ["inside-entries", "inside-index", "folder-of-other-files", "symlink", "a-file"]
)
def test_html_export_never_writes_where_it_must_not(hostile_kb: Path, tmp_path: Path, target):
    kb = copy_kb(hostile_kb, tmp_path / "kb")
    mine = tmp_path / "my-documents"
    mine.mkdir()
    (mine / "report.docx").write_text("my work\n")
    out = {
        "inside-entries": kb / "entries" / "site",
        "inside-index": kb / "index" / "site",
        "folder-of-other-files": mine,
        "symlink": tmp_path / "site-link",
        "a-file": mine / "report.docx",
    }[target]
    if target == "symlink":
        out.symlink_to(mine, target_is_directory=True)
    before = tree_digest(tmp_path)
    run = run_cli(kb, "export", "--format", "html", "--out", out, cwd=tmp_path)
    assert_clean_run(run)
    assert run.returncode != 0, run.describe()
    assert diff_digests(before, tree_digest(tmp_path)) == []
