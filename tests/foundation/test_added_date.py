"""The `added` date: `validate` checks it, `add` writes it into the filed copy when the file has
none (changing nothing else), and keeps the one a file has, through the real CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from foundation_helpers import entry_text, tree_digest, without_added_line

from practicebase.actions import add_entries
from practicebase.kb import KnowledgeBase
from practicebase.validate import load_entry

TODAY = date.today()


@pytest.mark.parametrize("name", ["school-liaison-pilot.md", "school-liaison-pilot.yaml"])
def test_add_writes_todays_date_and_changes_nothing_else(cli, kb, write_entry, name):
    src = write_entry(name)
    run = cli("--root", kb, "add", src)
    assert run.code == 0, run.out
    filed = next((kb / "entries" / "west-midlands").iterdir())
    assert without_added_line(filed.read_bytes()) == src.read_bytes()
    loaded = load_entry(filed, KnowledgeBase(kb).vocabulary)
    assert loaded.entry is not None and loaded.entry.added == TODAY
    assert loaded.problems == []
    # The line sits among the fields: in Markdown before the closing `---`, in YAML before
    # `body:`, so the body is untouched.
    text = filed.read_text()
    marker = "---\n" if name.endswith(".md") else "body: |"
    assert f"added: {TODAY.isoformat()}\n{marker}" in text
    # The source file is left as it was.
    assert b"added:" not in src.read_bytes()


def test_add_keeps_the_date_a_file_has(cli, kb, write_entry):
    src = write_entry(added="2025-03-01")
    assert cli("--root", kb, "add", src).code == 0
    filed = kb / "entries" / "west-midlands" / "school-liaison-pilot.md"
    assert filed.read_bytes() == src.read_bytes()


def test_crlf_file_gets_a_crlf_line(cli, kb, write_entry):
    data = entry_text("md").replace("\n", "\r\n").encode()
    src = write_entry(data=data)
    assert cli("--root", kb, "add", src).code == 0
    filed = (kb / "entries" / "west-midlands" / "school-liaison-pilot.md").read_bytes()
    assert f"added: {TODAY.isoformat()}\r\n---\r\n".encode() in filed
    assert without_added_line(filed) == data


def test_replace_keeps_the_date_the_entry_was_first_added(cli, kb, write_entry):
    assert cli("--root", kb, "add", write_entry(added="2025-03-01")).code == 0
    new = write_entry("school-liaison-pilot.yaml", title="Updated title", force="kent")
    run = cli("--root", kb, "add", "--replace", new)
    assert run.code == 0, run.out
    filed = (kb / "entries" / "kent" / "school-liaison-pilot.yaml").read_bytes()
    assert without_added_line(filed, date(2025, 3, 1)) == new.read_bytes()


def test_dry_run_writes_nothing(cli, kb, write_entry):
    before = tree_digest(kb)
    run = cli("--root", kb, "add", "--dry-run", write_entry())
    assert run.code == 0 and "would add" in run.out
    assert tree_digest(kb) == before


def test_an_empty_added_line_is_refused_with_a_clear_message(cli, kb, write_entry):
    src = write_entry(added="")
    before = tree_digest(kb)
    run = cli("--root", kb, "add", src)
    assert run.code == 1
    assert f"{src}: error: added: could not add the line `added: {TODAY.isoformat()}`" in run.out
    assert "0 added, 1 failed" in run.out
    assert tree_digest(kb) == before


def test_the_apps_add_path_dates_entries_the_same_way(kb, write_entry):
    """The app's add dialog calls `actions.add_entries`, as the CLI does."""
    src = write_entry()
    report = add_entries(KnowledgeBase(kb), [src])
    assert [o.status for o in report.outcomes] == ["added"]
    assert report.outcomes[0].entry.added == TODAY
    filed = report.outcomes[0].destination
    assert without_added_line(filed.read_bytes()) == src.read_bytes()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            (TODAY + timedelta(days=1)).isoformat(),
            f"added: {(TODAY + timedelta(days=1)).isoformat()} is in the future",
        ),
        ("2026-13-01", "added: `2026-13-01` is not a valid date"),
        ("01/02/2026", "added: `01/02/2026` must be a date written YYYY-MM-DD"),
    ],
)
def test_validate_and_add_refuse_a_future_or_malformed_date(cli, kb, write_entry, value, message):
    src = write_entry(added=value)
    # The problem names the line the field is on.
    line = src.read_text().splitlines().index(f"added: {value}") + 1
    run = cli("--root", kb, "validate", src)
    assert run.code == 1
    assert f"{src}:{line}: error: {message}" in run.out
    before = tree_digest(kb)
    add = cli("--root", kb, "add", src)
    assert add.code == 1 and message in add.out
    assert tree_digest(kb) == before


def test_a_file_without_added_is_valid(cli, kb, write_entry):
    run = cli("--root", kb, "validate", write_entry())
    assert run.code == 0, run.out
    assert "0 errors, 0 warnings" in run.out


def test_show_prints_the_added_date(cli, kb, write_entry):
    assert cli("--root", kb, "add", write_entry()).code == 0
    run = cli("--root", kb, "show", "school-liaison-pilot")
    assert run.code == 0, run.out
    assert f"added           {TODAY.isoformat()}" in run.out.splitlines()
    run = cli("--root", kb, "show", "school-liaison-pilot", "--json")
    assert json.loads(run.out)["added"] == TODAY.isoformat()
