"""Protective markings in plain-text outputs: `show` and the CSV export, through the real CLI."""

from __future__ import annotations

import csv
import io

from practicebase.cli import main


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err


def test_show_marks_a_sensitive_entry_first_and_last(capsys, write_entry, kb):
    write_entry("insider-aftercare", classification="OFFICIAL-SENSITIVE")
    write_entry("school-liaison")
    status, out, _ = run_cli(capsys, "--root", str(kb.root), "show", "insider-aftercare")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "OFFICIAL-SENSITIVE"
    assert "need to know" in lines[1]
    assert lines[3] == "Practice insider-aftercare"
    assert lines[-1] == "OFFICIAL-SENSITIVE"

    status, out, _ = run_cli(capsys, "--root", str(kb.root), "show", "school-liaison")
    assert status == 0
    assert out.splitlines()[0] == "Practice school-liaison"
    assert "need to know" not in out


def test_csv_marks_every_row_in_a_classification_column(capsys, write_entry, kb):
    write_entry("insider-aftercare", classification="OFFICIAL-SENSITIVE")
    write_entry("school-liaison")
    root = str(kb.root)
    status, out, err = run_cli(capsys, "--root", root, "export", "--format", "csv")
    assert status == 0 and "1 OFFICIAL-SENSITIVE entries left out" in err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["id"], r["classification"]) for r in rows] == [("school-liaison", "OFFICIAL")]

    status, out, _ = run_cli(
        capsys, "--root", root, "export", "--format", "csv", "--include-sensitive"
    )
    assert status == 0
    assert out.startswith("id,title,")  # still plain CSV: the header is the first row
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["id"]: r["classification"] for r in rows} == {
        "insider-aftercare": "OFFICIAL-SENSITIVE",
        "school-liaison": "OFFICIAL",
    }


def test_search_and_report_due_mark_output_holding_a_sensitive_entry(capsys, write_entry, kb):
    write_entry("insider-aftercare", classification="OFFICIAL-SENSITIVE")
    write_entry("school-liaison")
    root = str(kb.root)
    status, out, _ = run_cli(capsys, "--root", root, "search", "practice")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "OFFICIAL-SENSITIVE" and lines[-1] == "OFFICIAL-SENSITIVE"
    status, out, _ = run_cli(capsys, "--root", root, "search", "liaison")
    assert "school-liaison" in out and "OFFICIAL-SENSITIVE" not in out

    status, out, _ = run_cli(capsys, "--root", root, "report", "due", "--today", "2099-01-01")
    assert status == 1
    lines = out.splitlines()
    assert lines[0] == "OFFICIAL-SENSITIVE" and lines[-1] == "OFFICIAL-SENSITIVE"
