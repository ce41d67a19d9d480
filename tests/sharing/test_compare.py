"""`report compare FORCE FORCE`: two forces side by side, through the real CLI."""

from __future__ import annotations

import csv
import io
import json

import pytest

from practicebase.cli import main


def run_cli(capsys, *argv: object) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        status = main([str(a) for a in argv])
    except SystemExit as exited:  # argparse usage errors and --help
        status = exited.code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err


@pytest.fixture
def two_forces(write_entry, kb):
    """West Yorkshire: referrals x2 (one joint with Kent), training; Kent: online, referrals
    (the joint one); Merseyside: nothing to do with either."""
    write_entry(
        "wy-gp-referrals",
        title="GP referrals in West Yorkshire",
        themes=("referrals",),
        extra="recommendations: [CT4-2020-R5]",
    )
    write_entry(
        "wy-training",
        title="Training for strategic leads",
        themes=("training-awareness", "strategic-leadership"),
        extra="recommendations: [CT4-2020-R1]",
    )
    write_entry(
        "joint-referral-panel",
        title="A joint referral panel",
        force=["west-yorkshire", "kent"],
        themes=("referrals",),
        extra="recommendations: [CT4-2020-R5]",
    )
    write_entry(
        "kent-online-desk",
        title="Kent online harms desk",
        force="kent",
        themes=("online",),
        classification="OFFICIAL-SENSITIVE",
        extra="recommendations: [CT4-2020-R4]",
    )
    write_entry("merseyside-other", force="merseyside", themes=("online",))
    return kb


def test_text_shows_gaps_counts_recommendations_and_entries_only_one_has(
    capsys, two_forces
) -> None:
    status, out, err = run_cli(
        capsys, "--root", two_forces.root, "report", "compare", "west-yorkshire", "kent"
    )
    assert status == 0, err
    lines = out.splitlines()
    # an OFFICIAL-SENSITIVE title is listed: the marking comes first and last
    assert lines[0] == "OFFICIAL-SENSITIVE" and lines[-1] == "OFFICIAL-SENSITIVE"
    assert "West Yorkshire Police (west-yorkshire) and Kent Police (kent)" in out
    assert "west-yorkshire: 3 entries; kent: 2 entries; 1 entry of both" in out
    assert "Themes only west-yorkshire covers (2): training-awareness, strategic-leadership" in (
        out.replace("\n  ", " ")
    )
    assert "Themes only kent covers (1): online" in out
    assert "Themes both cover (1): referrals" in out
    row = next(line for line in lines if line.startswith("  referrals "))
    assert row.split() == ["referrals", "2", "1"]
    assert next(line for line in lines if line.startswith("  online ")).split() == [
        "online",
        ".",
        "1",
    ]
    assert "Recommendations only west-yorkshire has practice for (1): CT4-2020-R1" in out
    assert "Recommendations only kent has practice for (1): CT4-2020-R4" in out
    assert "(provisional)" in out
    # by theme: the joint entry is never "only one has"; merseyside's never appears
    referrals = out[out.index("\nreferrals\n") :]
    assert "wy-gp-referrals: GP referrals in West Yorkshire" in referrals
    assert "kent (0): none" in referrals.split("\n\n")[0]
    assert "joint-referral-panel:" not in out
    assert "merseyside-other" not in out
    assert "kent-online-desk: Kent online harms desk" in out


def test_names_and_aliases_resolve_and_order_is_kept(capsys, two_forces) -> None:
    status, out, _ = run_cli(
        capsys, "--root", two_forces.root, "report", "compare", "Kent Police", "WYP",
        "--format", "json",
    )  # fmt: skip
    assert status == 0
    data = json.loads(out)
    assert data["forces"] == ["kent", "west-yorkshire"]
    assert data["entries"] == {"kent": 2, "west-yorkshire": 3}


def test_json_uses_ids(capsys, two_forces) -> None:
    status, out, _ = run_cli(
        capsys, "--root", two_forces.root, "report", "compare", "west-yorkshire", "kent",
        "--format", "json",
    )  # fmt: skip
    assert status == 0
    data = json.loads(out)
    assert data["joint_entries"] == ["joint-referral-panel"]
    assert data["themes_only"] == {
        "west-yorkshire": ["training-awareness", "strategic-leadership"],
        "kent": ["online"],
    }
    assert data["themes_both"] == ["referrals"]
    assert "case-management" in data["themes_neither"]
    referrals = next(t for t in data["themes"] if t["theme"] == "referrals")
    assert referrals == {
        "theme": "referrals",
        "entries": {"west-yorkshire": 2, "kent": 1},
        "only": {"west-yorkshire": ["wy-gp-referrals"], "kent": []},
        "joint": ["joint-referral-panel"],
    }
    r5 = next(r for r in data["recommendations"] if r["id"] == "CT4-2020-R5")
    assert r5["entries"] == {"west-yorkshire": 2, "kent": 1} and r5["provisional"] is True
    assert data["recommendations_only"] == {
        "west-yorkshire": ["CT4-2020-R1"],
        "kent": ["CT4-2020-R4"],
    }
    assert "Kent online harms desk" not in out  # ids only


def test_csv_has_a_row_per_theme_and_recommendation(capsys, two_forces) -> None:
    status, out, _ = run_cli(
        capsys, "--root", two_forces.root, "report", "compare", "west-yorkshire", "kent",
        "--format", "csv",
    )  # fmt: skip
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    by_id = {(r["kind"], r["id"]): r for r in rows}
    referrals = by_id[("theme", "referrals")]
    assert (referrals["force_a"], referrals["force_b"]) == ("west-yorkshire", "kent")
    assert (referrals["entries_a"], referrals["entries_b"]) == ("2", "1")
    assert referrals["covered_by"] == "both"
    assert (referrals["only_a"], referrals["only_b"], referrals["joint"]) == (
        "wy-gp-referrals",
        "",
        "joint-referral-panel",
    )
    assert by_id[("theme", "online")]["covered_by"] == "kent"
    assert by_id[("theme", "case-management")]["covered_by"] == "neither"
    assert by_id[("recommendation", "CT4-2020-R1")]["covered_by"] == "west-yorkshire"
    assert len([r for r in rows if r["kind"] == "recommendation"]) == 8


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ("west-yorkshre", "kent", "unknown force 'west-yorkshre' (did you mean west-yorkshire"),
        ("kent", "atlantis", "unknown force 'atlantis'"),
        ("kent", "Kent Police", "are the same force (kent)"),
    ],
)
def test_bad_forces_are_usage_errors(capsys, two_forces, first, second, message) -> None:
    status, out, err = run_cli(
        capsys, "--root", two_forces.root, "report", "compare", first, second
    )
    assert status == 2
    assert message in err
    assert out == ""


def test_missing_force_and_bad_format_are_usage_errors(capsys, two_forces) -> None:
    status, _, err = run_cli(capsys, "--root", two_forces.root, "report", "compare", "kent")
    assert status == 2 and "FORCE" in err
    status, _, err = run_cli(
        capsys, "--root", two_forces.root, "report", "compare", "kent", "durham", "--format", "xml"
    )
    assert status == 2 and "invalid choice" in err


def test_files_with_errors_are_left_out_and_named(capsys, two_forces, write_entry) -> None:
    broken = write_entry("broken-one", force="kent")
    broken.write_text("---\nid: broken-one\n---\nno front matter fields\n", encoding="utf-8")
    status, out, err = run_cli(
        capsys, "--root", two_forces.root, "report", "compare", "kent", "west-yorkshire"
    )
    assert status == 0
    assert "1 file(s) with errors left out" in err
    assert "kent: 2 entries" in out


def test_forces_with_no_entries_compare_cleanly(capsys, kb) -> None:
    status, out, _ = run_cli(capsys, "--root", kb.root, "report", "compare", "durham", "dorset")
    assert status == 0
    assert "durham: 0 entries; dorset: 0 entries" in out
    assert "No entries differ." in out
    assert "OFFICIAL-SENSITIVE" not in out


def test_help_has_an_example(capsys) -> None:
    status, out, _ = run_cli(capsys, "report", "compare", "--help")
    assert status == 0
    assert "practicebase report compare GMP kent" in out
    assert "id, name or alias" in out
