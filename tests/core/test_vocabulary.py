"""The packaged vocabularies, and a knowledge base's own vocabulary.yaml extending them."""

import json
import os
from pathlib import Path

import pytest

from practicebase.vocabulary import CACHE_NAME, VocabularyError, load_vocabulary


def test_packaged_vocabulary_has_every_force_and_theme() -> None:
    vocab = load_vocabulary()
    ids = {f.id for f in vocab.forces}
    assert (
        len(
            [
                i
                for i in ids
                if not i.startswith("ctp")
                and i
                not in {"btp", "northern-ireland", "police-scotland", "civil-nuclear", "mod-police"}
            ]
        )
        == 43
    )
    assert {"ctphq", "ctp-london", "ctp-wales", "btp", "police-scotland"} <= ids
    assert len(vocab.themes) == 22
    assert "case-management" in vocab.theme_ids()


@pytest.mark.parametrize(
    ("label", "force_id"),
    [
        ("GMP", "greater-manchester"),
        ("greater manchester police", "greater-manchester"),
        ("Devon and Cornwall Police", "devon-and-cornwall"),
        ("Hampshire Constabulary", "hampshire"),
        ("the met", None),
        ("Met", "metropolitan"),
        ("west-midlands", "west-midlands"),
    ],
)
def test_forces_resolve_by_id_name_or_alias(label: str, force_id: str | None) -> None:
    assert load_vocabulary().resolve_force(label) == force_id


def test_nearest_values_for_did_you_mean() -> None:
    vocab = load_vocabulary()
    assert vocab.nearest_force("west-midland")[0] == "west-midlands"
    assert vocab.nearest("refferals", vocab.theme_ids()) == ["referrals"]


def test_local_vocabulary_extends_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "vocabulary.yaml").write_text(
        "extra_forces:\n  - {id: jersey, name: States of Jersey Police, aliases: [SOJP]}\n"
        "acronyms:\n  ABC: Always Be Careful\n"
        "extra_themes:\n  - {id: prisons-radicalisation, meaning: test}\n",
        encoding="utf-8",
    )
    vocab = load_vocabulary(tmp_path)
    assert vocab.resolve_force("sojp") == "jersey"
    assert vocab.resolve_force("GMP") == "greater-manchester"
    assert vocab.acronyms["ABC"] == "Always Be Careful"
    assert vocab.acronyms["PCM"] == "Prevent Case Management"
    assert "prisons-radicalisation" in vocab.theme_ids()


def test_broken_local_vocabulary_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "vocabulary.yaml").write_text("forces: [\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="vocabulary.yaml: invalid YAML"):
        load_vocabulary(tmp_path)


# --- the parsed vocabulary cached in index/ ---------------------------------------------------


def _cache(index: Path) -> dict:
    return json.loads((index / CACHE_NAME).read_text(encoding="ascii"))


def test_the_parsed_vocabulary_is_cached_in_index_and_read_back(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    (tmp_path / "vocabulary.yaml").write_text(
        "extra_forces:\n  - {id: jersey, name: States of Jersey Police}\n", encoding="utf-8"
    )
    first = load_vocabulary(tmp_path, cache_dir=index)
    assert first.resolve_force("States of Jersey Police") == "jersey"
    assert load_vocabulary(tmp_path, cache_dir=index) == first
    # What the next process reads is the cache, not the YAML: a change made to the cached
    # data alone shows (the cache is the knowledge base's own derived data, like the index).
    cached = _cache(index)
    cached["data"]["forces"][-1]["name"] = "Jersey (cached)"
    (index / CACHE_NAME).write_text(json.dumps(cached), encoding="ascii")
    assert load_vocabulary(tmp_path, cache_dir=index).force_name("jersey") == "Jersey (cached)"


def test_an_edited_vocabulary_yaml_is_read_again_at_once(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    local = tmp_path / "vocabulary.yaml"
    local.write_text("acronyms:\n  ABC: First meaning\n", encoding="utf-8")
    assert load_vocabulary(tmp_path, cache_dir=index).acronyms["ABC"] == "First meaning"
    stamp = local.stat()
    # Same size, and the modification time set back: the change time still tells.
    local.write_text("acronyms:\n  ABC: Other meaning\n", encoding="utf-8")
    os.utime(local, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert load_vocabulary(tmp_path, cache_dir=index).acronyms["ABC"] == "Other meaning"
    local.unlink()
    assert "ABC" not in load_vocabulary(tmp_path, cache_dir=index).acronyms
    local.write_text("forces: [\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="invalid YAML"):
        load_vocabulary(tmp_path, cache_dir=index)


@pytest.mark.parametrize(
    "damage",
    [
        "",
        "{not json",
        "[]",
        '{"sources": 1, "data": {}}',
        "\x00" * 10,
        "[" * 100_000 + "]" * 100_000,
        "SOURCES-WITH-BAD-DATA",
    ],
)
def test_a_damaged_cache_is_ignored_and_replaced(tmp_path: Path, damage: str) -> None:
    index = tmp_path / "index"
    index.mkdir()
    expected = load_vocabulary(tmp_path, cache_dir=index)
    if damage == "SOURCES-WITH-BAD-DATA":  # the right stamps, data _build cannot use
        damage = json.dumps({"sources": _cache(index)["sources"], "data": {"forces": 7}})
    (index / CACHE_NAME).write_text(damage, encoding="utf-8")
    assert load_vocabulary(tmp_path, cache_dir=index) == expected
    assert _cache(index)["data"]["forces"]  # written afresh


def test_a_cache_that_is_not_a_regular_file_is_never_opened(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    os.mkfifo(index / CACHE_NAME)  # opening it for reading would wait for a writer
    assert load_vocabulary(tmp_path, cache_dir=index) == load_vocabulary(None)


def test_no_index_folder_or_an_unwritable_one_means_no_cache(tmp_path: Path) -> None:
    expected = load_vocabulary(tmp_path)
    assert load_vocabulary(tmp_path, cache_dir=tmp_path / "index") == expected
    assert not (tmp_path / "index").exists()  # the cache never creates index/
    index = tmp_path / "index"
    index.mkdir()
    index.chmod(0o500)
    try:
        if os.access(index, os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        assert load_vocabulary(tmp_path, cache_dir=index) == expected
        assert list(index.iterdir()) == []
    finally:
        index.chmod(0o700)
