"""`practicebase validate` and `practicebase new` as users run them, and the entry API."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from foundation_helpers import entry_text, run_subprocess

from practicebase.entry import EntryError
from practicebase.validate import (
    load_entry,
    parse_entry_text,
    render_entry,
    validate_files,
)
from practicebase.vocabulary import load_vocabulary

REPO = Path(__file__).resolve().parents[2]
VOCABULARY = load_vocabulary(None)


def test_validate_defaults_to_all_entries_and_summarises(cli, kb, write_entry):
    folder = kb / "entries" / "kent"
    write_entry("one-entry.md", id=None, folder=folder)
    write_entry("two-entry.yaml", id=None, folder=folder, stage="bad")
    (kb / "entries" / "README.md").write_text("# not an entry\n")
    run = cli("--root", kb, "validate")
    assert run.code == 1
    assert "two-entry.yaml:5: error: stage: unknown value `bad`" in run.out
    assert run.out.splitlines()[-1] == (
        "2 files checked: 1 valid, 1 with errors; 1 error, 0 warnings"
    )


def test_empty_knowledge_base_is_valid(cli, kb):
    run = cli("--root", kb, "validate")
    assert run.code == 0
    assert "0 files checked" in run.out


def test_duplicate_ids_across_files_name_both(cli, kb, write_entry):
    a = write_entry("same-id.md", id=None, folder=kb / "entries" / "kent")
    b = write_entry("same-id.yaml", id=None, folder=kb / "entries" / "sussex", title="Other")
    run = cli("--root", kb, "validate")
    assert run.code == 1
    assert f"{a}: error: id: id `same-id` is also used by {b}; ids must be unique" in run.out
    assert f"{b}: error: id: id `same-id` is also used by {a}" in run.out


def test_json_format(cli, kb, write_entry):
    good = write_entry("good-one.md", id=None)
    bad = write_entry("bad-one.md", id=None, sms_level="9", colour="red")
    run = cli("--root", kb, "validate", "--format", "json", good, bad)
    assert run.code == 1
    report = json.loads(run.out)
    assert report["errors"] == 1 and report["warnings"] == 1
    assert report["files_checked"] == 2 and report["valid"] == 1
    files = {Path(f["path"]).name: f for f in report["files"]}
    assert files["good-one.md"]["id"] == "good-one"
    problem = files["bad-one.md"]["problems"][0]
    assert problem["severity"] == "error"
    assert problem["field"] == "sms_level"
    assert problem["line"] == 12
    assert "whole number from 1 to 5" in problem["message"]


def test_github_format(cli, kb, write_entry):
    path = write_entry(stage="tested", title="'a, b: c'", colour="red")
    run = cli("--root", kb, "validate", "--format", "github", path)
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == (
        f"::error file={path},line=7,title=stage::stage: unknown value `tested`; "
        "did you mean `untested`?"
    )
    assert lines[1].startswith(f"::warning file={path},line=13,title=colour::")
    assert lines[-1].startswith("1 file checked")


def test_strict_turns_warnings_into_errors(cli, kb, write_entry):
    path = write_entry(colour="red")
    assert cli("--root", kb, "validate", path).code == 0
    strict = cli("--root", kb, "validate", "--strict", path)
    assert strict.code == 1
    assert "error: colour: unknown field" in strict.out
    before = sorted(p.name for p in (kb / "entries").rglob("*"))
    add = cli("--root", kb, "add", "--strict", path)
    assert add.code == 1
    assert sorted(p.name for p in (kb / "entries").rglob("*")) == before


def test_files_outside_any_knowledge_base_use_the_packaged_vocabulary(
    cli, tmp_path, write_entry, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PRACTICEBASE_ROOT", raising=False)
    run = cli("validate", write_entry())
    assert run.code == 0, run.text
    nothing = cli("validate")
    assert nothing.code == 2
    assert "no knowledge base found" in nothing.err


def test_bundled_sample_entries_validate_without_errors():
    run = run_subprocess("--root", REPO, "validate")
    assert run.code == 0, run.out
    assert " 0 errors" in run.out


def test_help_for_each_command():
    for command in ("validate", "add", "new"):
        run = run_subprocess(command, "--help")
        assert run.code == 0
        assert "usage: practicebase" in run.out


# --- new -----------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["md", "yaml"])
def test_new_template_has_no_errors_but_its_placeholders_are_warned_about(cli, kb, outside, form):
    args = ["--yaml"] if form == "yaml" else []
    run = cli("--root", kb, "new", *args, "--force", "GMP")
    assert run.code == 0
    assert "force: greater-manchester" in run.out
    path = outside / f"my-new-entry.{form}"
    path.write_text(run.out)
    check = cli("--root", kb, "validate", path)
    assert check.code == 0
    assert "0 errors, 4 warnings" in check.out
    for field in ("title", "summary", "contact.email", "body"):
        assert f"warning: {field}: is still the template's example" in check.out, field
    assert cli("--root", kb, "validate", "--strict", path).code == 1


def test_new_needs_a_force(cli, kb, outside):
    run = cli("--root", kb, "new", "--out", outside / "mine.md")
    assert run.code == 2
    assert "which force" in run.err and "--force" in run.err
    assert not (outside / "mine.md").exists()


def test_add_refuses_an_unedited_template_naming_file_line_and_field(cli, kb, outside):
    path = outside / "unedited.md"
    assert cli("--root", kb, "new", "--force", "Kent", "--out", path).code == 0
    before = sorted(p.relative_to(kb) for p in kb.rglob("*"))
    run = cli("--root", kb, "add", path)
    assert run.code == 1
    assert "unedited.md:5: error: title: is still the template's example" in run.out
    assert "error: summary: is still the template's example" in run.out
    assert "error: contact.email: is still the template's example" in run.out
    assert sorted(p.relative_to(kb) for p in kb.rglob("*")) == before
    # Edited, it goes in (the body's hints are only a warning).
    text = path.read_text()
    text = text.replace("What the practice is, in a few words", "Schools liaison rota")
    text = text.replace("prevent@example.police.uk", "prevent.schools@kent.example.police.uk")
    text = text.replace("One paragraph (at most 600 characters)", "Officers visit schools")
    path.write_text(text)
    run = cli("--root", kb, "add", path)
    assert run.code == 0, run.out
    assert "warning: body: is still the template's example" in run.out


def test_new_out_writes_a_new_file_and_never_overwrites(cli, kb, outside):
    path = outside / "my-practice.yaml"
    run = cli("--root", kb, "new", "--force", "GMP", "--out", path)
    assert run.code == 0
    assert "id: my-practice" in path.read_text()
    assert "body: |" in path.read_text()
    assert cli("--root", kb, "validate", path).code == 0
    before = path.read_bytes()
    again = cli("--root", kb, "new", "--force", "GMP", "--out", path)
    assert again.code == 1
    assert "already exists" in again.err
    assert path.read_bytes() == before


def test_new_unknown_force(cli, kb):
    run = cli("--root", kb, "new", "--force", "West Midlnds")
    assert run.code == 2
    assert "unknown force `West Midlnds`; did you mean `west-midlands`" in run.err


# --- the entry API -------------------------------------------------------------------------


def test_load_entry_never_raises_and_parse_entry_text_raises_only_entry_error(tmp_path):
    samples = [b"", b"---", b"---\n---", b"\xff\xfe", b"---\na: [\n---\n", b"\x00" * 10]
    for index, data in enumerate(samples):
        path = tmp_path / f"s{index}.md"
        path.write_bytes(data)
        loaded = load_entry(path, VOCABULARY)
        assert loaded.entry is None and loaded.problems
        with pytest.raises(EntryError):
            parse_entry_text(
                data.decode("utf-8", "replace"),
                form="md",
                source="x.md",
                vocabulary=VOCABULARY,
                default_id="x-entry",
            )


@pytest.mark.parametrize("form", ["md", "yaml"])
def test_render_entry_reads_back_equal(form):
    sample = sorted((REPO / "entries").rglob("*.*"))
    loaded = validate_files([p for p in sample if p.name != "README.md"], VOCABULARY)
    entries = [item.entry for item in loaded if item.entry is not None]
    text = entry_text(
        force="[gmp, kent]",
        title="'NO'",
        summary="'24:7 cover: yes'",
        tags="['0755', 'on']",
        sms_level="3",
        links="[{title: 'Guide', url: 'https://example.org/a?b=c'}]",
        body="\n  indented first line\n\n---\n\ntrailing spaces   \n\n\n",
    )
    entries.append(
        parse_entry_text(
            text, form="md", source="x.md", vocabulary=VOCABULARY, default_id="x-entry"
        )
    )
    for entry in entries:
        rendered = render_entry(entry, form)
        again = parse_entry_text(
            rendered, form=form, source="r", vocabulary=VOCABULARY, default_id="unused"
        )
        assert again == dataclasses.replace(entry, form=form)


def test_a_file_inside_a_knowledge_base_is_checked_with_its_vocabulary(
    cli, kb, write_entry, tmp_path, monkeypatch
):
    (kb / "vocabulary.yaml").write_text("extra_forces:\n  - {id: jersey, name: Jersey Police}\n")
    path = write_entry(folder=kb / "entries" / "jersey", force="jersey")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PRACTICEBASE_ROOT", raising=False)
    run = cli("validate", path)
    assert run.code == 0, run.out
