"""Reports: due dates against a fixed today, stats totals, the coverage matrix via the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from practicebase.cli import main
from practicebase.reports import build_stats, due_report, quarter

TODAY = date(2026, 11, 29)
SAMPLE_DUE = {
    "hate-crime-tension-mapping",
    "faith-leaders-forum",
    "hate-crime-data-sharing-agreement",
}
# Past its review date, but the practice has ended: never listed as due, only counted.
SAMPLE_ENDED = "youth-diversion-sports"
SAMPLE_JOINT = {
    "joint-welsh-channel-secretariat": ("north-wales", "dyfed-powys", "gwent"),
    "rail-staff-awareness": ("btp", "ctp-london"),
    "ctlp-partner-briefing-pack": ("ctp-east-midlands", "lincolnshire"),
}


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err


# due ----------------------------------------------------------------------------------------


def test_due_report_against_fixed_today(make_entry, vocabulary):
    entries = [
        make_entry("overdue-one", review_due=date(2026, 11, 28)),
        make_entry("due-today", review_due=TODAY),
        make_entry("due-in-ten", review_due=date(2026, 12, 9), forces=("kent", "essex")),
        make_entry("due-in-forty", review_due=date(2027, 1, 8)),
    ]
    now = due_report(entries, today=TODAY, within=0, vocabulary=vocabulary)
    assert [i.id for i in now.items] == ["overdue-one", "due-today"]
    assert now.items[0].days_left == -1 and now.items[0].overdue
    assert now.items[1].days_left == 0 and not now.items[1].overdue
    assert now.overdue_count == 1
    month = due_report(entries, today=TODAY, within=30, vocabulary=vocabulary)
    assert [i.id for i in month.items] == ["overdue-one", "due-today", "due-in-ten"]
    groups = dict(month.by_force)
    # the joint entry is listed under each of its forces, once in `items`
    assert [i.id for i in groups["kent"]] == ["due-in-ten"]
    assert [i.id for i in groups["essex"]] == ["due-in-ten"]
    assert [f for f, _ in month.by_force] == ["essex", "kent", "west-yorkshire"]
    only_kent = due_report(entries, today=TODAY, within=30, force="kent", vocabulary=vocabulary)
    assert [f for f, _ in only_kent.by_force] == ["kent"]
    assert [i.id for i in only_kent.items] == ["due-in-ten"]


def test_due_cli_exit_status_and_contact(capsys, write_entry, kb):
    write_entry("old-practice", force="kent", last_reviewed="2025-01-10")
    write_entry("fresh-practice", force="essex", last_reviewed="2026-10-01")
    root = str(kb.root)
    status, out, _ = run_cli(capsys, "--root", root, "report", "due", "--today", "2026-11-29")
    assert status == 1
    assert "Kent Police (kent): 1" in out
    assert "old-practice" in out and "fresh-practice" not in out
    assert "prevent@kent.example.police.uk" in out and "Prevent Lead" in out
    assert "(323 days overdue)" in out  # due 2026-01-10
    status, out, _ = run_cli(
        capsys, "--root", root, "report", "due", "--today", "2026-11-29", "--force", "essex"
    )
    assert status == 0
    assert out.startswith("Nothing due")
    status, out, _ = run_cli(
        capsys,
        "--root",
        root,
        "report",
        "due",
        "--today",
        "2027-09-15",
        "--within",
        "30",
        "--json",
    )
    assert status == 1
    data = json.loads(out)
    assert data["due"] == 2 and data["overdue"] == 1
    assert data["cutoff"] == "2027-10-15"
    assert [g["force"] for g in data["by_force"]] == ["essex", "kent"]
    assert data["by_force"][0]["entries"][0]["contact"]["email"] == (
        "prevent@essex.example.police.uk"
    )
    status, _, err = run_cli(capsys, "--root", root, "report", "due", "--force", "nowhere-shire")
    assert status == 2 and "unknown force" in err


def test_due_on_sample_knowledge_base(capsys, sample_root):
    status, out, _ = run_cli(
        capsys,
        "--root",
        str(sample_root),
        "report",
        "due",
        "--today",
        "2026-11-29",
        "--within",
        "0",
        "--json",
    )
    assert status == 1
    data = json.loads(out)
    ids = {e["id"] for group in data["by_force"] for e in group["entries"]}
    assert ids == SAMPLE_DUE
    assert data["overdue"] == len(SAMPLE_DUE)
    assert data["ended_left_out"] == 1
    status, text, _ = run_cli(
        capsys, "--root", str(sample_root), "report", "due", "--today", "2026-11-29"
    )
    assert status == 1
    assert max(len(line) for line in text.splitlines()) <= 80
    assert all(entry_id in text for entry_id in SAMPLE_DUE)
    assert SAMPLE_ENDED not in text
    assert "1 ended entry (status: ended) left out" in text


# stats --------------------------------------------------------------------------------------


def test_stats_counts_and_quarters(make_entry, vocabulary):
    entries = [
        make_entry(
            "a-one",
            forces=("kent", "essex"),
            themes=("online", "referrals"),
            started=date(2024, 2, 1),
            last_reviewed=date(2026, 3, 31),
        ),
        make_entry(
            "b-two",
            forces=("kent",),
            themes=("online",),
            outcome="worked",
            classification="OFFICIAL-SENSITIVE",
            status="pilot",
            last_reviewed=date(2026, 4, 1),
            review_due=date(2026, 1, 1),
        ),
    ]
    stats = build_stats(entries, vocabulary, today=TODAY)
    assert stats.total == 2 and stats.joint_entries == 1 and stats.due_for_review == 1
    assert stats.by_force == {"kent": 2, "essex": 1}
    assert stats.by_theme["online"] == 2 and stats.by_theme["referrals"] == 1
    assert stats.by_theme["safeguarding"] == 0
    assert stats.by_outcome["worked"] == 1 and stats.by_outcome["(none)"] == 1
    assert stats.by_status == {"planned": 0, "pilot": 1, "active": 1, "ended": 0}
    assert stats.by_classification == {"OFFICIAL": 1, "OFFICIAL-SENSITIVE": 1}
    assert stats.started_per_quarter == {"2024-Q1": 1}
    assert stats.reviewed_per_quarter == {"2026-Q1": 1, "2026-Q2": 1}
    assert quarter(date(2026, 12, 31)) == "2026-Q4"


def test_stats_totals_on_sample_knowledge_base(capsys, sample_root):
    status, out, _ = run_cli(
        capsys, "--root", str(sample_root), "report", "stats", "--json", "--today", "2026-11-29"
    )
    assert status == 0
    data = json.loads(out)
    assert data["total"] == 40
    for facet in ("by_stage", "by_outcome", "by_status", "by_classification"):
        assert sum(data[facet].values()) == 40, facet
    assert all(data["by_stage"][s] > 0 for s in data["by_stage"])
    assert all(v > 0 for k, v in data["by_outcome"].items() if k != "(none)")
    assert data["joint_entries"] == len(SAMPLE_JOINT)
    extra_forces = sum(len(f) - 1 for f in SAMPLE_JOINT.values())
    assert sum(data["by_force"].values()) == 40 + extra_forces
    assert len(data["by_force"]) >= 20
    assert all(count > 0 for count in data["by_theme"].values())  # every theme covered
    assert data["by_classification"]["OFFICIAL-SENSITIVE"] >= 1
    assert data["due_for_review"] == len(SAMPLE_DUE)
    assert sum(data["reviewed_per_quarter"].values()) == 40
    status, text, _ = run_cli(capsys, "--root", str(sample_root), "report", "stats")
    assert status == 0 and text.startswith("40 entries")
    assert max(len(line) for line in text.splitlines()) <= 80


# coverage -----------------------------------------------------------------------------------


def test_coverage_cli_formats_on_built_knowledge_base(capsys, write_entry, kb):
    write_entry("joint-panel", force=["north-wales", "gwent"], themes=("channel-pmap", "online"))
    write_entry("gwent-panel", force="gwent", themes=("channel-pmap",))
    write_entry("kent-refs", force="kent", themes=("referrals",))
    root = str(kb.root)
    status, out, _ = run_cli(capsys, "--root", root, "report", "coverage", "--format", "csv")
    assert status == 0
    rows = list(csv.reader(io.StringIO(out)))
    header = rows[0]
    assert header[0] == "force" and header[-1] == "total"
    by_force = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_force["gwent"]["channel-pmap"] == "2"
    assert by_force["north-wales"]["channel-pmap"] == "1"
    assert by_force["north-wales"]["online"] == "1"
    assert by_force["gwent"]["total"] == "2"
    assert by_force["total"]["channel-pmap"] == "2"  # entries, not force cells
    assert by_force["total"]["total"] == "3"
    assert by_force["forces"]["channel-pmap"] == "2"
    assert by_force["west-midlands"]["total"] == "0"

    status, out, _ = run_cli(
        capsys, "--root", root, "report", "coverage", "--format", "json", "--min-forces", "2"
    )
    data = json.loads(out)
    assert data["total"] == 3
    rows = {r["force"]: r for r in data["rows"]}
    assert rows["gwent"]["counts"]["channel-pmap"] == 2 and rows["gwent"]["total"] == 2
    assert "kent" not in data["forces_without_entries"]
    assert "essex" in data["forces_without_entries"]
    assert "referrals" in data["themes_with_fewer_forces"]  # kent only
    assert "channel-pmap" not in data["themes_with_fewer_forces"]

    status, out, _ = run_cli(capsys, "--root", root, "report", "coverage")
    assert status == 0
    assert "Forces with no entries" in out and "essex" in out
    assert "Themes with fewer than 2 contributing forces" in out
    assert "REF=referrals" in out


def test_coverage_on_sample_fits_80_columns(capsys, sample_root):
    root = str(sample_root)
    for extra in ([], ["--transpose"]):
        status, out, _ = run_cli(capsys, "--root", root, "report", "coverage", *extra)
        assert status == 0
        assert max(len(line) for line in out.splitlines()) <= 80
    status, out, _ = run_cli(capsys, "--root", root, "report", "coverage", "--format", "json")
    data = json.loads(out)
    assert data["total"] == 40
    rows = {r["force"]: r for r in data["rows"]}
    for force in SAMPLE_JOINT["joint-welsh-channel-secretariat"]:
        assert rows[force]["counts"]["channel-pmap"] >= 1
        assert rows[force]["counts"]["strategic-leadership"] >= 1
    assert all(data["theme_totals"][t] >= 1 for t in data["themes"])
    assert sum(r["total"] for r in data["rows"]) == 40 + sum(
        len(f) - 1 for f in SAMPLE_JOINT.values()
    )


def test_report_help_and_bad_dates(capsys):
    for argv in (["report", "--help"], ["report", "due", "--help"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0
        assert "usage" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["report", "due", "--today", "2026-02-30"])
    assert exc.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_files_with_errors_are_left_out_with_a_note(capsys, write_entry, kb):
    write_entry("good-practice", force="kent")
    broken = kb.entries_dir / "kent" / "broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    status, out, err = run_cli(
        capsys, "--root", str(kb.root), "report", "coverage", "--format", "json"
    )
    assert status == 0
    assert json.loads(out)["total"] == 1
    assert "1 file(s) with errors left out" in err
