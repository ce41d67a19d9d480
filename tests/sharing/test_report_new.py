"""`practicebase report new`: what joined the knowledge base lately, through the real CLI in
every format, with bad input; and the sample knowledge base's `added` dates."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from practicebase.cli import main
from practicebase.kb import KnowledgeBase
from practicebase.store import load_all

TODAY = "2026-11-30"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err


def usage_error(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return captured.err


@pytest.fixture
def new_kb(write_entry, kb: KnowledgeBase) -> KnowledgeBase:
    write_entry(
        "zulu-desk",
        title="Zulu desk",
        stage="independently-evaluated",
        extra="sms_level: 3\nadded: 2026-11-20",
    )
    write_entry(
        "alpha-clinic", title="Alpha clinic", extra="added: 2026-11-20", outcome="promising"
    )
    write_entry(
        "formula-form",
        title="=SUM(1+1) screening form",
        stage="untested",
        outcome="didnt-work",
        extra="added: 2026-11-01",
    )
    write_entry("old-panel", title="Old panel", extra="added: 2026-06-01")
    write_entry("hand-copied", title="Hand copied")
    write_entry(
        "sensitive-joint",
        title="Sensitive joint work",
        force=["west-yorkshire", "kent"],
        classification="OFFICIAL-SENSITIVE",
        extra="added: 2026-11-10",
    )
    return kb


def report(capsys, kb: KnowledgeBase, *args: str) -> str:
    status, out, err = run_cli(
        capsys, "--root", str(kb.root), "report", "new", "--today", TODAY, *args
    )
    assert status == 0, err
    return out


def json_ids(capsys, kb: KnowledgeBase, *args: str) -> list[str]:
    doc = json.loads(report(capsys, kb, *args, "--format", "json"))
    return [e["id"] for e in doc["entries"]]


def test_since_lists_newest_first_then_by_title(capsys, new_kb):
    assert json_ids(capsys, new_kb, "--since", "2026-11-01") == [
        "alpha-clinic",
        "zulu-desk",
        "sensitive-joint",
        "formula-form",  # what didn't work is listed like the rest
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--days", "20"), ["alpha-clinic", "zulu-desk", "sensitive-joint"]),
        (("--days", "10"), ["alpha-clinic", "zulu-desk"]),
        (("--days", "0"), []),
        ((), ["alpha-clinic", "zulu-desk", "sensitive-joint", "formula-form"]),  # 30 days
        (
            ("--since", "2026-01-01"),
            ["alpha-clinic", "zulu-desk", "sensitive-joint"] + ["formula-form", "old-panel"],
        ),
    ],
)
def test_days_and_the_default_window(capsys, new_kb, args, expected):
    assert json_ids(capsys, new_kb, *args) == expected


def test_json_document(capsys, new_kb):
    doc = json.loads(report(capsys, new_kb, "--since", "2026-11-10", "--format", "json"))
    assert doc["since"] == "2026-11-10" and doc["today"] == TODAY
    assert doc["count"] == 3 and doc["undated_entries"] == 1
    first = doc["entries"][1]
    assert first == {
        "id": "zulu-desk",
        "title": "Zulu desk",
        "added": "2026-11-20",
        "forces": ["west-yorkshire"],
        "themes": ["referrals"],
        "evidence": {"stage": "independently-evaluated", "sms_level": 3, "outcome": "worked"},
        "classification": "OFFICIAL",
        "path": "entries/west-yorkshire/zulu-desk.md",
    }
    assert doc["entries"][2]["forces"] == ["west-yorkshire", "kent"]


def test_csv(capsys, new_kb):
    rows = list(csv.DictReader(io.StringIO(report(capsys, new_kb, "--format", "csv"))))
    assert [r["id"] for r in rows] == ["alpha-clinic", "zulu-desk", "sensitive-joint"] + [
        "formula-form"
    ]
    assert rows[1]["evidence"] == "I3+" and rows[1]["sms_level"] == "3"
    assert rows[0]["evidence"] == "L-~" and rows[0]["sms_level"] == ""
    assert rows[2]["forces"] == "west-yorkshire;kent"
    assert rows[2]["classification"] == "OFFICIAL-SENSITIVE"
    # A title is never run as a spreadsheet formula.
    assert rows[3]["title"] == "'=SUM(1+1) screening form"
    assert rows[3]["evidence"] == "U-x" and rows[3]["added"] == "2026-11-01"


def test_text_is_marked_and_fits_80_columns(capsys, new_kb):
    out = report(capsys, new_kb, "--since", "2026-11-01")
    lines = out.splitlines()
    assert lines[0] == "OFFICIAL-SENSITIVE" and lines[-1] == "OFFICIAL-SENSITIVE"
    assert "4 entries added from 2026-11-01 to today (2026-11-30)" in out
    assert "2026-11-20  L-~  alpha-clinic  Alpha clinic" in lines
    assert "2026-11-20  I3+  zulu-desk  Zulu desk" in lines
    assert lines.index("2026-11-20  L-~  alpha-clinic  Alpha clinic") < lines.index(
        "2026-11-20  I3+  zulu-desk  Zulu desk"
    )
    assert "                 forces: West Yorkshire Police, Kent Police" in lines
    assert "1 entry has no `added` date" in out
    # The handling notice is one long line, as in every other report; the rest fits.
    assert all(len(line) <= 80 for line in lines[2:])


def test_nothing_new_and_no_marking_when_nothing_sensitive_is_listed(capsys, new_kb):
    out = report(capsys, new_kb, "--days", "0")
    assert out.splitlines()[0].startswith("0 entries added from 2026-11-30 to today")
    assert "OFFICIAL-SENSITIVE" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "2026-02-30"), "'2026-02-30' is not a valid date"),
        (("--since", "01/02/2026"), "'01/02/2026' is not a date written YYYY-MM-DD"),
        (("--since", "20260101"), "is not a date written YYYY-MM-DD"),
        (("--days", "-1"), "must be 0 or more"),
        (("--days", "a week"), "not a whole number"),
        (("--days", "99999999"), "must be at most"),
        (("--since", "2026-01-01", "--days", "3"), "not allowed with argument"),
        (("--format", "xml"), "invalid choice: 'xml'"),
    ],
)
def test_bad_input_is_a_usage_error(capsys, new_kb, args, message):
    err = usage_error(capsys, "--root", str(new_kb.root), "report", "new", *args)
    assert message in err
    assert "report new" in err


def test_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "new", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--since" in out and "--days" in out and "I independently evaluated" in out


# the sample knowledge base ------------------------------------------------------------------


def test_every_sample_entry_has_a_realistic_added_date(sample_root):
    loaded = load_all(KnowledgeBase(sample_root))
    assert loaded and all(item.entry is not None for item in loaded)
    days = [item.entry.added for item in loaded]
    assert all(day is not None for day in days)
    assert min(days) >= date(2025, 1, 1) and max(days) <= date(2026, 11, 30)
    for item in loaded:
        assert item.entry.started is None or item.entry.started <= item.entry.added, item.path
    # Spread over the two years, not bunched: entries in at least 18 different months.
    assert len({(day.year, day.month) for day in days}) >= 18


def test_report_new_on_the_sample_knowledge_base(capsys, sample_root):
    status, out, _err = run_cli(
        capsys, "--root", str(sample_root), "report", "new", "--today", "2026-12-03"
    )
    assert status == 0
    assert "2 entries added from 2026-11-03 to today (2026-12-03)" in out
    assert "2026-11-19  U-*  referral-feedback-loop" in out
    assert out.splitlines()[0] == "OFFICIAL-SENSITIVE"  # staff-vulnerability-support
