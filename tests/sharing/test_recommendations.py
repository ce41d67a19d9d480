"""Inspection recommendations: the vocabulary, validate, `rec:` filters and facets, and
`report recommendations`, through the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from practicebase.cli import main
from practicebase.vocabulary import VocabularyError, load_vocabulary

IDS = tuple(f"CT4-2020-R{n}" for n in range(1, 9))


def run_cli(capsys, *argv: str | Path) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out, captured.err


def write_vocabulary(kb_root: Path, text: str) -> None:
    (kb_root / "vocabulary.yaml").write_text(text, encoding="utf-8")


# the vocabulary -------------------------------------------------------------------------------


def test_packaged_vocabulary_lists_eight_provisional_recommendations() -> None:
    vocab = load_vocabulary()
    assert vocab.recommendation_ids() == IDS
    assert all(r.provisional and r.label for r in vocab.recommendations)
    assert vocab.recommendation("ct4-2020-r1").label == "Training for Prevent strategic leads"
    assert "radicalisation" in vocab.recommendation("CT4-2020-R2").label.casefold()
    assert vocab.recommendation("CT4-2020-R4").shown_label.endswith("(provisional)")
    assert vocab.resolve_recommendation("r4") == "CT4-2020-R4"
    assert vocab.resolve_recommendation("CT4-2020-r8") == "CT4-2020-R8"
    assert vocab.resolve_recommendation("R9") is None


def test_local_vocabulary_gives_the_exact_wording(tmp_path: Path) -> None:
    write_vocabulary(
        tmp_path,
        "extra_recommendations:\n"
        '  - {id: ct4-2020-r4, label: "The exact wording of R4"}\n'
        '  - {id: CT4-2020-R9, label: "A ninth one"}\n',
    )
    vocab = load_vocabulary(tmp_path)
    assert vocab.recommendation_ids() == (*IDS, "CT4-2020-R9")
    r4 = vocab.recommendation("CT4-2020-R4")
    assert (r4.label, r4.provisional, r4.shown_label) == (
        "The exact wording of R4",
        False,
        "The exact wording of R4",
    )
    assert vocab.recommendation("CT4-2020-R1").provisional


def test_local_recommendations_list_replaces_the_packaged_one(tmp_path: Path) -> None:
    write_vocabulary(tmp_path, "recommendations:\n  - {id: CT4-2020-R1, label: Exact}\n")
    vocab = load_vocabulary(tmp_path)
    assert [(r.id, r.label, r.provisional) for r in vocab.recommendations] == [
        ("CT4-2020-R1", "Exact", False)
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("recommendations:\n  - {id: R4, label: x}\n", "not a recommendation id"),
        ("extra_recommendations: CT4-2020-R4\n", "must be a list"),
        ("extra_recommendations:\n  - {id: CT4-2020-R4, label: [a]}\n", "must be text"),
        (f"extra_recommendations:\n  - {{id: CT4-2020-R4, label: {'x' * 201}}}\n", "one line"),
        ("extra_recommendations:\n  - {id: CT4-2020-R4, label: !!python/name:os.system}\n", ""),
    ],
)
def test_bad_local_recommendations_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    write_vocabulary(tmp_path, text)
    with pytest.raises(VocabularyError, match="vocabulary.yaml") as raised:
        load_vocabulary(tmp_path)
    assert message in str(raised.value)


# validate -------------------------------------------------------------------------------------


def test_validate_accepts_known_ids_in_any_case(capsys, write_entry, kb) -> None:
    path = write_entry("known-recs", extra="recommendations: [ct4-2020-r4, CT4-2020-R8]")
    status, out, _ = run_cli(capsys, "--root", kb.root, "validate", "--strict", path)
    assert status == 0, out


def test_unknown_id_is_a_warning_naming_the_known_ones(capsys, write_entry, kb) -> None:
    path = write_entry("unknown-rec", extra="recommendations: [CT4-2020-R9]")
    status, out, _ = run_cli(capsys, "--root", kb.root, "validate", path)
    assert status == 0
    assert (
        "warning: recommendations[0]: unknown recommendation `CT4-2020-R9`; "
        "CT4-2020 has CT4-2020-R1 to CT4-2020-R8" in out
    )
    status, out, _ = run_cli(capsys, "--root", kb.root, "validate", "--strict", path)
    assert status == 1 and "error: recommendations[0]: unknown recommendation" in out


def test_unknown_id_gets_did_you_mean(capsys, write_entry, kb) -> None:
    path = write_entry("typo-rec", extra="recommendations: [CT4-2002-R4]")
    _, out, _ = run_cli(capsys, "--root", kb.root, "validate", path)
    assert "unknown recommendation `CT4-2002-R4`; did you mean `CT4-2020-R4`" in out


def test_short_form_in_an_entry_is_an_error_with_the_full_id(capsys, write_entry, kb) -> None:
    path = write_entry("short-rec", extra="recommendations: [R4]")
    status, out, _ = run_cli(capsys, "--root", kb.root, "validate", path)
    assert status == 1
    assert "`R4` is not a recommendation id like `CT4-2020-R4`; did you mean `CT4-2020-R4`?" in out


def test_local_vocabulary_makes_an_id_known(capsys, write_entry, kb) -> None:
    write_vocabulary(kb.root, "extra_recommendations:\n  - {id: CT4-2020-R9, label: Ninth}\n")
    path = write_entry("ninth-rec", extra="recommendations: [CT4-2020-R9]")
    status, out, _ = run_cli(capsys, "--root", kb.root, "validate", "--strict", path)
    assert status == 0, out


# search ---------------------------------------------------------------------------------------


@pytest.fixture
def linked_kb(write_entry, kb):
    write_entry("triage-one", extra="recommendations: [CT4-2020-R4]")
    write_entry(
        "triage-two",
        force=["greater-manchester", "lancashire"],
        stage="untested",
        outcome="promising",
        extra="recommendations: [CT4-2020-R4, CT4-2020-R5]",
    )
    write_entry("triage-three", force="kent", extra="recommendations: [CT4-2020-R5]")
    write_entry("no-recs", force="kent")
    return kb


@pytest.mark.parametrize(
    "query", ["rec:R4", "rec:r4", "rec:CT4-2020-R4", "recommendation:ct4-2020-r4"]
)
def test_rec_filter_short_and_full_forms(capsys, linked_kb, query: str) -> None:
    root = linked_kb.root
    assert run_cli(capsys, "--root", root, "index")[0] == 0
    status, out, _ = run_cli(capsys, "--root", root, "search", query, "--json", "--facets")
    assert status == 0
    result = json.loads(out)
    assert sorted(h["id"] for h in result["hits"]) == ["triage-one", "triage-two"]
    assert dict(
        (item["value"], item["count"]) if isinstance(item, dict) else tuple(item)
        for item in result["facets"]["recommendation"]
    ) == {"CT4-2020-R4": 2, "CT4-2020-R5": 1}


def test_rec_filter_for_an_unlisted_number_finds_nothing(capsys, linked_kb) -> None:
    root = linked_kb.root
    run_cli(capsys, "--root", root, "index")
    status, out, _ = run_cli(capsys, "--root", root, "search", "rec:R9", "--json")
    assert json.loads(out)["total"] == 0


# report ---------------------------------------------------------------------------------------


def test_report_text_shows_forces_counts_gaps_and_provisional(capsys, linked_kb) -> None:
    status, out, _ = run_cli(capsys, "--root", linked_kb.root, "report", "recommendations")
    assert status == 0
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "3 of 4 entries are linked" in out
    assert "Labels marked (provisional)" in out
    block = out.split("CT4-2020-R4  ", 1)[1].split("\n\n", 1)[0]
    assert block.startswith("Radicalisation as a public-protection discipline (provisional)")
    assert "2 entries from 3 forces: greater-manchester (1), lancashire (1)," in block
    assert "west-yorkshire (1)" in block
    assert "stage: untested 1, evaluated-locally 1, independently-evaluated 0" in block
    assert "outcome: worked 1, promising 1" in block
    assert "forces with none (" in block and "kent" in block.split("forces with none")[1]
    r1 = out.split("CT4-2020-R1  ", 1)[1].split("\n\n", 1)[0]
    assert "no practice linked yet" in r1


def test_report_json_and_csv_use_ids(capsys, linked_kb) -> None:
    root = linked_kb.root
    _, out, _ = run_cli(capsys, "--root", root, "report", "recommendations", "--format", "json")
    data = json.loads(out)
    assert (data["total_entries"], data["linked_entries"]) == (4, 3)
    rows = {r["id"]: r for r in data["recommendations"]}
    assert list(rows) == list(IDS)
    r5 = rows["CT4-2020-R5"]
    assert r5["provisional"] is True and r5["in_vocabulary"] is True
    assert r5["entries"] == ["triage-three", "triage-two"]
    assert r5["forces"] == {"greater-manchester": 1, "kent": 1, "lancashire": 1}
    assert r5["by_stage"]["untested"] == 1 and r5["by_outcome"]["promising"] == 1
    assert "kent" not in r5["forces_without_practice"]
    assert "west-yorkshire" in r5["forces_without_practice"]

    _, out, _ = run_cli(capsys, "--root", root, "report", "recommendations", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert [r["recommendation"] for r in table] == list(IDS)
    r4 = table[3]
    assert r4["entries"] == "2" and r4["forces"] == "3" and r4["stage:untested"] == "1"
    assert r4["force_ids"].split(";") == ["greater-manchester", "lancashire", "west-yorkshire"]
    assert r4["provisional"] == "yes"


def test_report_uses_local_wording_and_lists_unknown_ids(capsys, linked_kb, write_entry) -> None:
    root = linked_kb.root
    write_vocabulary(
        root,
        "recommendations:\n"
        '  - {id: CT4-2020-R4, label: "=Exact wording"}\n'
        '  - {id: CT4-2020-R5, label: "Exact five"}\n',
    )
    write_entry("other-series", force="kent", extra="recommendations: [XX1-2021-R2]")
    status, out, _ = run_cli(capsys, "--root", root, "report", "recommendations")
    assert status == 0
    assert "provisional" not in out
    assert "CT4-2020-R5  Exact five\n" in out
    assert "XX1-2021-R2  (not in the vocabulary)" in out
    _, out, _ = run_cli(capsys, "--root", root, "report", "recommendations", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert [r["recommendation"] for r in table] == ["CT4-2020-R4", "CT4-2020-R5", "XX1-2021-R2"]
    assert table[0]["label"] == "'=Exact wording"
    assert table[2]["in_vocabulary"] == "no"


def test_report_help_has_an_example(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["report", "recommendations", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "practicebase report recommendations --format csv" in out


def test_sample_knowledge_base_links_about_half_its_entries(capsys, sample_root) -> None:
    status, out, _ = run_cli(
        capsys, "--root", sample_root, "report", "recommendations", "--format", "json"
    )
    data = json.loads(out)
    assert 0.4 <= data["linked_entries"] / data["total_entries"] <= 0.6
    assert all(r["in_vocabulary"] for r in data["recommendations"])
    assert all(r["entries"] for r in data["recommendations"])
