"""`practicebase init`: a new knowledge base where every command works at once."""

from __future__ import annotations

from foundation_helpers import entry_text

from practicebase.kb import KnowledgeBase
from practicebase.vocabulary import load_vocabulary


def test_init_makes_a_knowledge_base_that_validate_add_index_and_search_use(cli, tmp_path):
    root = tmp_path / "prevent-kb"
    run = cli("init", root)
    assert run.code == 0, run.err
    for name in ("entries", "vocabulary.yaml", ".gitignore", "CONTRIBUTING.md"):
        assert (root / name).exists(), name
    assert "/index/" in (root / ".gitignore").read_text().splitlines()
    assert "practicebase validate" in (root / "CONTRIBUTING.md").read_text()
    # The commented vocabulary changes nothing, and is read without complaint.
    assert load_vocabulary(root) == load_vocabulary(None)

    assert cli("--root", root, "validate").code == 0
    source = tmp_path / "school-liaison-pilot.md"
    source.write_text(entry_text("md", id="school-liaison-pilot"))
    added = cli("--root", root, "add", source)
    assert added.code == 0, added.out
    assert (root / "entries" / "west-midlands" / "school-liaison-pilot.md").is_file()
    assert cli("--root", root, "index").code == 0
    found = cli("--root", root, "search", "school liaison")
    assert found.code == 0 and "school-liaison-pilot" in found.out
    assert KnowledgeBase(root).entries_dir.is_dir()


def test_init_refuses_a_folder_with_other_files_and_changes_nothing(cli, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    run = cli("init", folder)
    assert run.code == 2
    assert "not empty (notes.txt)" in run.err and "not a knowledge base" in run.err
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_init_on_a_knowledge_base_adds_only_what_it_lacks(cli, tmp_path):
    root = tmp_path / "kb"
    (root / "entries").mkdir(parents=True)
    (root / ".gitignore").write_text("mine\n")
    run = cli("init", root)
    assert run.code == 0
    assert (root / ".gitignore").read_text() == "mine\n"
    assert (root / "vocabulary.yaml").is_file() and "kept" in run.out
    again = cli("init", root)
    assert again.code == 0 and "already a knowledge base; nothing to add" in again.out
