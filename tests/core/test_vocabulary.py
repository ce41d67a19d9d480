"""The packaged vocabularies, and a knowledge base's own vocabulary.yaml extending them."""

from pathlib import Path

import pytest

from practicebase.vocabulary import VocabularyError, load_vocabulary


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
