"""Finding the knowledge base root: --root, $PRACTICEBASE_ROOT, then upwards from the cwd."""

from pathlib import Path

import pytest

from practicebase.cli import main
from practicebase.kb import KnowledgeBaseNotFound, locate


def make_kb(folder: Path) -> Path:
    (folder / "entries").mkdir(parents=True)
    return folder


def test_explicit_root_wins(tmp_path: Path) -> None:
    explicit = make_kb(tmp_path / "a")
    env_root = make_kb(tmp_path / "b")
    kb = locate(explicit, environ={"PRACTICEBASE_ROOT": str(env_root)}, cwd=tmp_path)
    assert kb.root == explicit.resolve()
    assert kb.entries_dir == explicit.resolve() / "entries"
    assert kb.index_dir == explicit.resolve() / "index"


def test_environment_variable_before_working_directory(tmp_path: Path) -> None:
    env_root = make_kb(tmp_path / "env")
    cwd_root = make_kb(tmp_path / "cwd")
    kb = locate(environ={"PRACTICEBASE_ROOT": str(env_root)}, cwd=cwd_root)
    assert kb.root == env_root.resolve()


def test_nearest_folder_upwards(tmp_path: Path) -> None:
    root = make_kb(tmp_path / "kb")
    deep = root / "entries" / "west-midlands"
    deep.mkdir()
    assert locate(environ={}, cwd=deep).root == root.resolve()


def test_not_found_names_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseNotFound, match="no 'entries/' folder"):
        locate(environ={}, cwd=tmp_path)


def test_explicit_root_without_entries_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseNotFound, match="--root"):
        locate(tmp_path, environ={})


def test_cli_reports_missing_root_without_traceback(tmp_path: Path, capsys) -> None:
    status = main(["--root", str(tmp_path / "nowhere"), "validate"])
    captured = capsys.readouterr()
    assert status == 2
    assert "is not a knowledge base" in captured.err
    assert "Traceback" not in captured.err + captured.out
