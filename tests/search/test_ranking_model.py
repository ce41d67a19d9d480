"""The ranking model and spelling rules of docs/search.md, on real indexes: the rare words of a
question decide, a short query puts entries with all its words first, typos are corrected only
when confident and never pull results to another topic, and sort orders survive updates."""

from __future__ import annotations

import ast
import json
import shutil
import warnings
from pathlib import Path

import pytest
import whoosh
from search_helpers import SAMPLE_ENTRIES, WriteEntry

from practicebase.cli import main
from practicebase.index import update_index
from practicebase.kb import KnowledgeBase
from practicebase.search import Searcher, SearchRequest, SearchResult

SRC = Path(__file__).resolve().parents[2] / "src" / "practicebase"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("sample") / "kb"
    shutil.copytree(SAMPLE_ENTRIES, root / "entries")
    kb = KnowledgeBase(root)
    assert update_index(kb).problems == []
    with Searcher(kb) as searcher:
        yield searcher


def search(searcher: Searcher, text: str, limit: int = 50) -> SearchResult:
    return searcher.search(SearchRequest(text=text, limit=limit))


def ids(searcher: Searcher, text: str, limit: int = 50) -> list[str]:
    return [h.id for h in search(searcher, text, limit).hits]


def test_the_rare_words_of_a_question_decide(kb: KnowledgeBase, write_entry: WriteEntry):
    # Many entries use the generic words of the question, one uses its two rare words.
    generic = "We used it and found it helped to show papers and results we used and found."
    for n in range(8):
        write_entry(f"generic-{n}", title=f"General note {n}", body=generic)
    write_entry("the-answer", title="Citation indexing", body="Bibliographic coupling of texts.")
    update_index(kb)
    question = (
        "What papers show how bibliographic coupling was used and found useful in "
        "citation indexing, and what results were found?"
    )
    with Searcher(kb) as searcher:
        assert ids(searcher, question)[0] == "the-answer"


def test_a_short_query_puts_entries_with_all_its_words_first(
    kb: KnowledgeBase, write_entry: WriteEntry
):
    write_entry("both", title="Channel panel minutes", body="The channel panel meets monthly.")
    write_entry("channel-only", title="Channel support", body="Channel support for people.")
    write_entry("panel-only", title="Panel notes", body="The panel meets monthly. Panel notes.")
    for n in range(12):
        write_entry(f"filler-{n}", title=f"Schools work {n}", body="Work with schools.")
    update_index(kb)
    with Searcher(kb) as searcher:
        assert ids(searcher, "channel panel")[0] == "both"
        assert set(ids(searcher, "channel panel")) == {"both", "channel-only", "panel-only"}


def test_a_typo_beside_a_matching_word_finds_the_practice(sample: Searcher):
    result = search(sample, "referal triage")
    assert result.hits[0].id == "referral-triage-desk"
    assert result.reranked == (("referal", ("referral",)),)
    assert result.suggestion == "referral triage"


def test_a_typo_is_never_searched_as_a_stop_word(sample: Searcher):
    result = search(sample, "foo")
    assert all("for" not in used for _typed, used in result.corrections)
    assert result.total < len(sample.titles())


def test_an_absent_word_does_not_pull_results_to_another_topic(sample: Searcher):
    # "tram" is in no entry; "team" is, in many. Beside a word that matches, the absent word
    # is not searched as "team": it can only reorder what "triage" finds.
    alone = set(ids(sample, "triage"))
    result = search(sample, "tram triage")
    assert result.corrections == ()
    assert {h.id for h in result.hits} == alone
    # Alone, a confident correction is searched, and said.
    assert search(sample, "tram").corrections == (("tram", ("team",)),)


def test_a_word_held_as_typed_is_not_corrected(sample: Searcher):
    for text in ("trust", "stop triage", "anyone"):
        result = search(sample, text)
        assert result.corrections == () and result.reranked == (), text


def cli_json(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()
    assert main(["--root", str(root), *args]) in (0, 1)
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("sort", ["title", "reviewed"])
def test_sort_orders_after_an_incremental_update_equal_a_rebuild(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sort: str
):
    root = tmp_path / "kb"
    shutil.copytree(SAMPLE_ENTRIES, root / "entries")
    assert main(["--root", str(root), "index"]) == 0
    new = tmp_path / "new.md"
    new.write_text(
        (SAMPLE_ENTRIES / "west-yorkshire" / "gp-practice-referral-pathway.md")
        .read_text(encoding="utf-8")
        .replace("id: gp-practice-referral-pathway", "id: aardvark-referral-pathway")
        .replace("title: ", "title: Aardvark ", 1),
        encoding="utf-8",
    )
    assert main(["--root", str(root), "add", str(new)]) == 0
    query = ["search", "--sort", sort, "--json", "--limit", "100", "--", ""]
    after_add = [h["id"] for h in cli_json(root, capsys, *query)["hits"]]
    assert main(["--root", str(root), "index", "--rebuild"]) == 0
    after_rebuild = [h["id"] for h in cli_json(root, capsys, *query)["hits"]]
    assert after_add == after_rebuild
    assert "aardvark-referral-pathway" in after_add


def _whoosh_private_names() -> set[str]:
    """Every single-underscore name Whoosh's own source uses as an attribute or defines."""
    names: set[str] = set()
    for path in Path(whoosh.__file__).parent.rglob("*.py"):
        with warnings.catch_warnings():  # Whoosh's own source has old escape sequences
            warnings.simplefilter("ignore")
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Attribute):
                name = node.attr
            elif isinstance(node, ast.FunctionDef | ast.ClassDef):
                name = node.name
            if name and name.startswith("_") and not name.startswith("__"):
                names.add(name)
    return names


def test_only_the_fenced_module_names_whoosh_internals():
    """No module but `whoosh_internals` reads a Whoosh underscore attribute or imports a
    private Whoosh name: a Whoosh upgrade then touches one file."""
    private = _whoosh_private_names()
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "whoosh_internals.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = {  # our own private names (self._x, module helpers) are not Whoosh's
            n.attr
            for n in ast.walk(tree)
            if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name)
            and n.value.id in ("self", "cls")
        } | {
            n.name
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
                offenders += [
                    f"{path.name}: import {a.name}" for a in node.names if a.name.startswith("_")
                ]
            if (
                isinstance(node, ast.Attribute)
                and node.attr in private
                and node.attr not in own
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                offenders.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert offenders == []


def _hostile_queries() -> list[str]:
    import random
    import string

    rng = random.Random(11)
    words = " ".join(
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 12)))
        for _ in range(10_000)
    )
    return [
        words,  # 10,000 different unknown words: each may want a spelling lookup
        "referral " * 10_000,
        '"' * 5_001 + "((" * 3_000 + "))" * 10,
        "AND OR NOT - * : force: -",
        "referrals \x1b[31m\x07 \x00 triage\u202e",
        "-" * 4_000,
    ]


@pytest.mark.parametrize("text", _hostile_queries(), ids=range(6))
def test_any_query_answers_promptly_without_a_traceback(
    sample: Searcher, capsys: pytest.CaptureFixture[str], text: str
):
    import time

    started = time.perf_counter()
    code = main(["--root", str(sample.kb.root), "search", "--json", "--", text])
    elapsed = time.perf_counter() - started
    out = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in out.err
    json.loads(out.out)
    assert elapsed < 5.0  # docs/security.md: 10 s for any input
