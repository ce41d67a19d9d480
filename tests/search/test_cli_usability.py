"""The command line as people type it: `-word` in a query, honest counts, an example in
every --help (issue 13)."""

from __future__ import annotations

import json
import re

import pytest
from search_helpers import WriteEntry

from practicebase.cli import main
from practicebase.kb import KnowledgeBase


def cli(kb: KnowledgeBase, *args: str) -> int:
    return main(["--root", str(kb.root), *args])


@pytest.fixture
def three(kb: KnowledgeBase, write_entry: WriteEntry) -> KnowledgeBase:
    write_entry("online-referrals", body="Referrals about online content.")
    write_entry("school-referrals", body="Referrals from schools.")
    write_entry("gp-referrals", body="Referrals from GP practices, some about online harm.")
    assert main(["--root", str(kb.root), "index"]) == 0
    return kb


def ids(capsys) -> list[str]:
    return [hit["id"] for hit in json.loads(capsys.readouterr().out)["hits"]]


@pytest.mark.parametrize(
    "args",
    [
        ["referrals", "-online"],
        ["-online", "referrals", "--json"],
        ["referrals", "--json", "-online"],
        ["--json", "--", "referrals", "-online"],
    ],
)
def test_a_word_starting_with_a_dash_is_an_exclusion(three, capsys, args) -> None:
    if "--json" not in args:
        args = [*args, "--json"]
    assert cli(three, "search", *args) == 0
    assert ids(capsys) == ["school-referrals"]
    assert cli(three, "search", "referrals", "-force:west-yorkshire", "--json") == 0
    assert ids(capsys) == []


def test_an_unknown_double_dash_option_is_still_an_error(three, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli(three, "search", "referrals", "--bogus")
    assert exit_.value.code == 2
    assert "--bogus" in capsys.readouterr().err


def test_counts_say_what_was_shown(three, capsys) -> None:
    assert cli(three, "search", "referrals", "--limit", "2") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "3 entries (showing 1-2)"
    assert cli(three, "search", "--offset", "100", "referrals") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "3 entries; nothing at offset 100"
    assert cli(three, "search", "--limit", "0", "referrals") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "3 entries; none shown (--limit 0)"
    assert cli(three, "search", "--offset", "2", "referrals") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "3 entries (showing 3-3)"


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["tui"],
        ["validate"],
        ["add"],
        ["new"],
        ["index"],
        ["search"],
        ["show"],
        ["report"],
        ["report", "coverage"],
        ["report", "due"],
        ["report", "stats"],
        ["export"],
    ],
    ids=lambda command: " ".join(command) or "practicebase",
)
def test_every_help_has_an_example(command, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    examples = re.split(r"(?i)\bexamples?\b", text, maxsplit=1)
    assert len(examples) == 2, text
    assert " ".join(["practicebase", *command]) in examples[1]


def test_an_unclosed_quote_is_reported_where_it_opens(kb, capsys) -> None:
    path = kb.entries_dir / "broken.md"
    path.write_text('---\nid: "broken\ntitle: x\nforce: gmp\n---\nBody.\n', encoding="utf-8")
    assert cli(kb, "validate", str(path)) == 1
    err = capsys.readouterr().out
    assert "broken.md:2: error: YAML syntax error at column 5: a quote that is never closed" in err


def test_an_empty_folder_is_no_file_checked(kb, tmp_path, capsys) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli(kb, "validate", str(empty)) == 1
    out = capsys.readouterr().out
    assert "no entry files in this folder" in out
    assert out.splitlines()[-1].startswith("0 files checked: 0 valid, 0 with errors; 1 error")
