"""The app and `practicebase search` give one result set: once typing pauses, the app shows
exactly the CLI's hits, in the CLI's order, for the same text (acronyms, synonyms, spelling
variants, typos and unfinished words included)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tui_helpers import result_ids, settle, type_query

from practicebase.cli import main
from practicebase.index import update_index
from practicebase.kb import KnowledgeBase
from practicebase.tui.app import PracticebaseApp

SAMPLE_ENTRIES = Path(__file__).resolve().parents[2] / "entries"

QUERIES = [
    "PCM",  # an acronym: its expansion matches too
    "online",
    "referal triage",  # a typo beside a word that matches
    "handovr",  # a typo alone
    "radicalization referrals",  # American spelling of British entries
    "extremism",  # a synonym group
    "Prevent Case Management",
    "designated safeguarding lead",
    "schools",
    "schoo",  # an unfinished word: the CLI's answer, not the prefix's
    "how do other forces get GP practices to make referrals",
    "training for frontline officers",
    "hate crime data",
    "mental health",
    "channel panel",
    "evaluation",
    "staff resilence",
    "CTLP",
    "university",
    "faith leaders",
    "referrals -online",
    '"case management"',
]


@pytest.fixture(scope="module")
def sample_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sample") / "kb"
    shutil.copytree(SAMPLE_ENTRIES, root / "entries")
    update_index(KnowledgeBase(root))
    return root


def cli_ids(root: Path, text: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    code = main(["--root", str(root), "search", "--json", "--limit", "20", "--", text])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return [hit["id"] for hit in json.loads(out)["hits"]]


async def test_the_app_shows_the_cli_results_once_typing_pauses(
    sample_root: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from practicebase.tui.screens import search

    monkeypatch.setattr(search, "EXACT_AFTER_SECONDS", 0.2)
    expected = {text: cli_ids(sample_root, text, capsys) for text in QUERIES}
    assert len(QUERIES) >= 20 and all(expected[q] for q in ("PCM", "online", "referal triage"))
    app = PracticebaseApp(KnowledgeBase(sample_root))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        for text in QUERIES:
            await type_query(pilot, text)
            assert result_ids(app) == expected[text], text
            assert not app.search_screen.current_request().as_you_type
