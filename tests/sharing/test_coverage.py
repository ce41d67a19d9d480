"""The coverage matrix: counts, joint entries, totals, gaps."""

from __future__ import annotations

from practicebase.coverage import build_coverage


def test_joint_entry_counts_for_each_force(vocabulary):
    pairs = [
        (("north-wales", "gwent"), ("channel-pmap", "strategic-leadership")),
        (("gwent",), ("channel-pmap",)),
        (("kent",), ("referrals",)),
    ]
    cov = build_coverage(pairs, vocabulary)
    assert cov.count("north-wales", "channel-pmap") == 1
    assert cov.count("gwent", "channel-pmap") == 2
    assert cov.count("gwent", "strategic-leadership") == 1
    assert cov.count("kent", "channel-pmap") == 0
    # totals count entries, not cells
    assert cov.force_totals["gwent"] == 2
    assert cov.force_totals["north-wales"] == 1
    assert cov.theme_totals["channel-pmap"] == 2
    assert cov.theme_totals["referrals"] == 1
    assert cov.total == 3
    assert cov.theme_force_counts["channel-pmap"] == 2


def test_gaps_and_thin_themes(vocabulary):
    pairs = [(("kent",), ("referrals",)), (("essex",), ("referrals", "online"))]
    cov = build_coverage(pairs, vocabulary, min_forces=2)
    assert "kent" not in cov.forces_without_entries
    assert "west-midlands" in cov.forces_without_entries
    assert len(cov.forces_without_entries) == len(vocabulary.forces) - 2
    assert "referrals" not in cov.thin_themes
    assert "online" in cov.thin_themes  # one force only
    assert cov.themes_with_fewer_forces(3)[:1] == vocabulary.theme_ids()[:1]
    assert cov.forces[: len(vocabulary.forces)] == tuple(f.id for f in vocabulary.forces)
    assert cov.themes[: len(vocabulary.themes)] == vocabulary.theme_ids()


def test_repeated_ids_in_one_entry_count_once_and_unknown_ids_are_kept(vocabulary):
    cov = build_coverage([(("kent", "kent"), ("online", "online", "made-up"))], vocabulary)
    assert cov.count("kent", "online") == 1
    assert cov.force_totals["kent"] == 1
    assert cov.themes[-1] == "made-up"
    assert cov.count("kent", "made-up") == 1
    assert cov.total == 1


def test_empty(vocabulary):
    cov = build_coverage([], vocabulary)
    assert cov.total == 0
    assert len(cov.forces_without_entries) == len(vocabulary.forces)
    assert cov.thin_themes == vocabulary.theme_ids()
