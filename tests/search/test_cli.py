"""`practicebase index`, `search` and `show` through the real CLI, and the sample knowledge base."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from search_helpers import SAMPLE_ENTRIES, WriteEntry

from practicebase.cli import main
from practicebase.kb import KnowledgeBase


def cli(kb: KnowledgeBase, *args: str) -> int:
    return main(["--root", str(kb.root), *args])


def test_index_summary_then_nothing_to_do(kb, write_entry: WriteEntry, capsys):
    write_entry("alpha-practice", body="Triage of referrals.")
    assert cli(kb, "index") == 0
    out = capsys.readouterr()
    assert out.out.startswith("+1 ~0 -0, 1 entry, ")
    assert cli(kb, "index") == 0
    assert capsys.readouterr().out.startswith("+0 ~0 -0, 1 entry, ")


def test_index_reports_invalid_files_and_exits_1(kb, write_entry: WriteEntry, capsys):
    write_entry("alpha-practice", body="Triage of referrals.")
    bad = kb.entries_dir / "west-yorkshire" / "broken.md"
    bad.write_text("---\ntitle: x\n---\n", encoding="utf-8")
    assert cli(kb, "index") == 1
    captured = capsys.readouterr()
    assert "broken.md" in captured.err and "error" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out.startswith("+1 ~0 -0, 1 entry") and "1 invalid file(s) skipped" in (
        captured.out
    )


def test_index_check_and_rebuild(kb, write_entry: WriteEntry, capsys):
    write_entry("alpha-practice", body="Triage of referrals.")
    assert cli(kb, "index", "--check") == 1
    assert "out of date" in capsys.readouterr().out
    assert cli(kb, "index") == 0
    assert cli(kb, "index", "--check") == 0
    assert "up to date" in capsys.readouterr().out.splitlines()[-1]
    assert cli(kb, "index", "--rebuild") == 0
    assert capsys.readouterr().out.startswith("+1 ~0 -0, 1 entry")


def test_index_busy_is_one_clear_line(kb, write_entry: WriteEntry, capsys):
    from whoosh.filedb.filestore import FileStorage

    write_entry("alpha-practice", body="Triage of referrals.")
    cli(kb, "index")
    capsys.readouterr()
    lock = FileStorage(str(kb.index_dir)).lock("write.lock")
    assert lock.acquire()
    try:
        assert cli(kb, "index") == 1
    finally:
        lock.release()
    err = capsys.readouterr().err
    assert err.startswith("practicebase: index busy") and err.count("\n") == 1


def test_search_builds_a_missing_index_first(kb, write_entry: WriteEntry, capsys):
    write_entry("alpha-practice", title="Triage desk", body="Triage of referrals.")
    assert cli(kb, "search", "triage") == 0
    captured = capsys.readouterr()
    assert "building the search index first" in captured.err
    assert "alpha-practice" in captured.out and "1 entry" in captured.out
    assert "*Triage*" in captured.out  # matched words marked (not a terminal: asterisks)


def test_search_text_output(kb, write_entry: WriteEntry, capsys):
    write_entry(
        "alpha-practice",
        title="Triage desk",
        body="Triage of referrals.",
        extra="outcome: worked\n",
    )
    write_entry("beta-practice", force="essex", body="Training on referrals.", stage="untested")
    cli(kb, "index")
    capsys.readouterr()
    assert cli(kb, "search", "referrals", "--limit", "1", "--facets") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("  1. ")
    assert "2 entries (showing 1-1)" in out
    assert "force: " in out and "stage: " in out


def test_search_json_is_stable_and_documented(kb, write_entry: WriteEntry, capsys):
    write_entry("alpha-practice", title="Triage desk", body="Triage of referrals.")
    cli(kb, "index")
    capsys.readouterr()
    assert cli(kb, "search", "triaje", "--json", "--facets") == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {
        "version",
        "query",
        "sort",
        "offset",
        "limit",
        "total",
        "hits",
        "suggestion",
        "corrections",
        "reranked",
        "facets",
    }
    assert doc["version"] == 1 and doc["total"] == 1
    hit = doc["hits"][0]
    assert set(hit) == {
        "rank",
        "id",
        "title",
        "forces",
        "force_names",
        "themes",
        "stage",
        "outcome",
        "status",
        "classification",
        "last_reviewed",
        "review_due",
        "due_for_review",
        "added",
        "evidence",
        "path",
        "score",
        "snippet",
        "snippet_spans",
    }
    assert hit["rank"] == 1 and hit["id"] == "alpha-practice"
    assert doc["corrections"] == [{"typed": "triaje", "searched_as": ["triage"]}]
    assert doc["reranked"] == []
    assert doc["facets"]["force"] == [{"value": "west-yorkshire", "count": 1}]


def test_search_output_is_sanitised(kb, write_entry: WriteEntry, capsys):
    write_entry("alpha-practice", title="Triage desk", body="Triage \x1b[31mred\x1b[0m referrals.")
    cli(kb, "search", "triage")
    out = capsys.readouterr().out
    assert "\x1b" not in out


def test_search_no_results_and_bad_options(kb, write_entry: WriteEntry, capsys):
    write_entry("alpha-practice", body="Triage of referrals.")
    cli(kb, "index")
    capsys.readouterr()
    assert cli(kb, "search", "zzzzqqqq") == 0
    assert "no entries match" in capsys.readouterr().out
    assert cli(kb, "search", "x", "--limit", "-1") == 2


def test_show_text_json_and_unknown(kb, write_entry: WriteEntry, capsys):
    write_entry("alpha-practice", title="Triage desk", body="Triage **of** referrals.")
    assert cli(kb, "show", "alpha-practice") == 0
    out = capsys.readouterr().out
    assert out.startswith("Triage desk\n===========\n")
    assert "west-yorkshire" not in out.splitlines()[3] or "West Yorkshire Police" in out
    assert "Problem\n-------" in out and "**" not in out
    assert cli(kb, "show", "alpha-practice", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["id"] == "alpha-practice" and doc["forces"] == ["west-yorkshire"]
    assert doc["contact"]["role"] == "Prevent Lead"
    assert cli(kb, "show", "alpha-practise") == 1
    err = capsys.readouterr().err
    assert "no entry with id 'alpha-practise'" in err and "alpha-practice" in err


def test_help_for_each_command(capsys):
    for command in ("index", "search", "show"):
        with pytest.raises(SystemExit) as stop:
            main([command, "--help"])
        assert stop.value.code == 0
        assert "usage: practicebase " + command in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["search", "x"], "search"),
        (["--debug", "--root", "search", "show", "x"], "show"),  # a folder named "search"
        (["--root=kb", "index"], "index"),
        (["--help"], None),
        (["--deb", "search"], None),  # an abbreviated option: not certain, build all
        (["nonsense", "search"], None),
        ([], None),
    ],
)
def test_only_the_command_about_to_run_is_built(argv, command):
    from practicebase.cli import COMMANDS, build_parser, chosen_command

    assert chosen_command(argv) == command
    parser = build_parser(command)
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name in COMMANDS:
        options = subparsers.choices[name]._option_string_actions
        # Every command is listed; only the chosen one (or all) has its options.
        assert ("--limit" in options) == (name == "search" and command in ("search", None))


def test_global_options_before_the_command_still_work(kb, write_entry: WriteEntry, capsys):
    write_entry("alpha-practice", body="Triage of referrals.")
    assert main(["--debug", "--root", str(kb.root), "search", "triage", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["hits"][0]["id"] == "alpha-practice"
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in ("search", "show", "report", "export"))


def test_search_process_does_not_import_textual(kb, write_entry: WriteEntry):
    write_entry("alpha-practice", body="Triage of referrals.")
    cli(kb, "index")
    code = (
        "import sys\n"
        "from practicebase.cli import main\n"
        f"status = main(['--root', {str(kb.root)!r}, 'search', 'triage'])\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print('TEXTUAL', bad)\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "TEXTUAL []" in done.stdout
    assert "alpha-practice" in done.stdout


# --- the sample knowledge base --------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    if not any(SAMPLE_ENTRIES.glob("*/*.*")):
        pytest.skip("the sample entries are not there")
    root = tmp_path_factory.mktemp("sample") / "kb"
    shutil.copytree(SAMPLE_ENTRIES, root / "entries")
    kb = KnowledgeBase(root)
    from practicebase.index import update_index

    report = update_index(kb)
    assert report.problems == []
    return kb


def sample_ids(kb: KnowledgeBase, text: str, limit: int = 10) -> list[str]:
    from practicebase.search import Searcher, SearchRequest

    with Searcher(kb) as s:
        return [h.id for h in s.search(SearchRequest(text=text, limit=limit)).hits]


def require(kb: KnowledgeBase, *entry_ids: str) -> None:
    missing = [i for i in entry_ids if not list(kb.entries_dir.glob(f"*/{i}.*"))]
    if missing:
        pytest.skip(f"sample entries not written yet: {missing}")


def test_sample_american_query_finds_british_entries(sample_kb, capsys):
    require(sample_kb, "online-radicalisation-referrals-youth", "gp-practice-referral-pathway")
    assert main(["--root", str(sample_kb.root), "search", "radicalization referrals"]) == 0
    out = capsys.readouterr().out
    top = sample_ids(sample_kb, "radicalization referrals", limit=5)
    assert "online-radicalisation-referrals-youth" in top
    assert "gp-practice-referral-pathway" in top
    assert "online-radicalisation-referrals-youth" in out


def test_sample_acronym_finds_entries_using_only_the_expansion(sample_kb):
    require(sample_kb, "prevent-case-management-handover", "school-safeguarding-leads-network")
    assert "prevent-case-management-handover" in sample_ids(sample_kb, "PCM", limit=5)
    assert sample_ids(sample_kb, "DSL", limit=3)[0] == "school-safeguarding-leads-network"
    dsl_words = sample_ids(sample_kb, "Designated Safeguarding Lead", limit=3)
    assert dsl_words[0] == "school-safeguarding-leads-network"


def test_sample_expansion_finds_entries_using_only_the_acronym(sample_kb):
    require(sample_kb, "pcm-review-clinic", "ctlp-partner-briefing-pack", "mash-prevent-embed")
    assert "pcm-review-clinic" in sample_ids(sample_kb, '"Prevent Case Management"', limit=5)
    assert "ctlp-partner-briefing-pack" in sample_ids(
        sample_kb, "Counter Terrorism Local Profile", limit=5
    )
    assert "mash-prevent-embed" in sample_ids(sample_kb, "Multi-Agency Safeguarding Hub", limit=5)


def test_sample_british_query_finds_american_entries(sample_kb):
    require(sample_kb, "radicalization-screening-tool-pilot")
    assert "radicalization-screening-tool-pilot" in sample_ids(
        sample_kb, "radicalisation screening", limit=3
    )


def test_sample_question_finds_the_gp_practice(sample_kb):
    require(sample_kb, "gp-practice-referral-pathway")
    ids = sample_ids(sample_kb, "how do other forces get GP practices to make referrals", limit=3)
    assert ids[0] == "gp-practice-referral-pathway"


def test_sample_show_every_entry_is_readable(sample_kb, capsys):
    from practicebase.search import Searcher

    with Searcher(sample_kb) as s:
        entry_ids = [entry_id for entry_id, _ in s.titles()]
    for entry_id in entry_ids[:5]:
        assert main(["--root", str(sample_kb.root), "show", entry_id]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_environment_root(sample_kb, monkeypatch, capsys):
    monkeypatch.setenv("PRACTICEBASE_ROOT", str(sample_kb.root))
    monkeypatch.chdir(Path(os.sep))
    assert main(["search", "PCM", "--limit", "1"]) == 0
    assert "1. " in capsys.readouterr().out
