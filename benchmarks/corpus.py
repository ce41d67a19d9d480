"""A deterministic generator of synthetic knowledge bases of valid practice entries.

`generate_corpus(root, n, seed)` writes `root/entries/<first-force>/<id>.<md|yaml>` files in
both forms, with field values from the packaged vocabulary and ~600-word bodies drawn from
`words.build_word_table`. The same (n, seed) always gives byte-identical files.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from benchmarks.words import WordTable, build_word_table, split_words
from practicebase.entry import RECOMMENDED_SECTIONS
from practicebase.vocabulary import Vocabulary, load_vocabulary

BODY_WORDS = 600
YAML_SHARE = 0.3  # share of entries written in the pure-YAML form

TITLE_HEADS = split_words(
    """
Referral Triage Channel Safeguarding Training Awareness Partnership Community Online Schools
Health Probation Prison Faith Youth Data Information Hate-crime Governance Evaluation Case
Mentoring Diversion Desistance Briefing Helpline Dashboard Audit Resilience Liaison Network
"""
)
TITLE_TAILS = split_words(
    """
pathway desk panel clinic network forum programme program workshop toolkit review pilot
standards hub briefings dashboard audit agreement scheme service model framework project
"""
)
TITLE_QUALIFIERS = [
    "for schools",
    "for GP practices",
    "with local authorities",
    "across the region",
    "for young people",
    "for control room staff",
    "with faith groups",
    "for probation",
    "in the MASH",
    "for universities",
    "online",
    "for partners",
]
TAGS = split_words(
    """
gp schools universities online social-media training referrals triage channel pcm mash dsl wrap
ctlp data dashboards mentoring youth parents faith probation prisons evaluation audit
"""
)
ROLES = [
    "Prevent Triage Lead",
    "Prevent Engagement Officer",
    "Prevent Coordinator",
    "Channel Panel Coordinator",
    "Safeguarding Partnership Lead",
    "CT Policing Analyst",
]
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
START = date(2023, 1, 1)
SPAN_DAYS = (date(2026, 11, 20) - START).days


@dataclass(frozen=True)
class Corpus:
    """A generated knowledge base: its root and the entry files in generation order."""

    root: Path
    paths: tuple[Path, ...]
    seed: int

    @property
    def entries_dir(self) -> Path:
        return self.root / "entries"


def _slug(text: str) -> str:
    return _SLUG_JUNK.sub("-", text.lower()).strip("-")


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _flow(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def _sentences(words: list[str], rng: random.Random) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        n = rng.randint(8, 22)
        chunk = words[i : i + n]
        i += n
        first = chunk[0]
        chunk[0] = first[:1].upper() + first[1:]
        out.append(" ".join(chunk) + ".")
    return out


def _body(table: WordTable, rng: random.Random, n_words: int) -> str:
    words = table.sample(rng, n_words)
    sentences = _sentences(words, rng)
    sections = list(RECOMMENDED_SECTIONS)
    per = max(1, len(sentences) // len(sections))
    parts: list[str] = []
    for s, heading in enumerate(sections):
        chunk = (
            sentences[s * per : (s + 1) * per] if s < len(sections) - 1 else sentences[s * per :]
        )
        parts.append(f"## {heading}\n")
        if heading == "What we did" and len(chunk) > 3:
            # A short list and some emphasis, as real write-ups have.
            parts.append("\n".join(f"- {line}" for line in chunk[:3]) + "\n")
            chunk = chunk[3:]
        half = max(1, len(chunk) // 2)
        para1, para2 = " ".join(chunk[:half]), " ".join(chunk[half:])
        if heading == "Outcomes" and para1:
            para1 = f"**{rng.randint(10, 95)} %** of cases improved. " + para1
        parts.append(para1 + "\n")
        if para2:
            parts.append(para2 + "\n")
    return "\n".join(parts)


def _pick(rng: random.Random, values: list[str], lo: int, hi: int) -> list[str]:
    return rng.sample(values, rng.randint(lo, min(hi, len(values))))


def entry_text(
    index: int, table: WordTable, vocab: Vocabulary, rng: random.Random
) -> tuple[str, str, str, str]:
    """(id, first force id, form, file text) of synthetic entry number `index`."""
    force_ids = [f.id for f in vocab.forces]
    head = rng.choice(TITLE_HEADS)
    title = f"{head} {rng.choice(TITLE_TAILS)} {rng.choice(TITLE_QUALIFIERS)}"
    entry_id = f"{_slug(title)}-{index:06d}"
    forces = [rng.choice(force_ids)]
    if rng.random() < 0.08:
        forces += [f for f in rng.sample(force_ids, 2) if f not in forces]
    themes = _pick(rng, list(vocab.theme_ids()), 1, 3)
    summary = " ".join(_sentences(table.sample(rng, rng.randint(25, 45)), rng))[:590]
    reviewed = START + timedelta(days=rng.randrange(SPAN_DAYS))
    form = "yaml" if rng.random() < YAML_SHARE else "md"
    fields: list[str] = [
        f"id: {entry_id}",
        f"title: {_q(title)}",
        f"force: {_flow(forces) if len(forces) > 1 else forces[0]}",
        f"themes: {_flow(themes)}",
        f"summary: {_q(summary)}",
        f"stage: {rng.choice(vocab.stages)}",
    ]
    if rng.random() < 0.85:
        fields.append(f"outcome: {rng.choice(vocab.outcomes)}")
    fields.append(f"status: {rng.choice(vocab.statuses)}")
    if rng.random() < 0.6:
        fields.append(f"started: {(reviewed - timedelta(days=rng.randrange(60, 900))).isoformat()}")
    fields.append(f"last_reviewed: {reviewed.isoformat()}")
    if rng.random() < 0.2:
        fields.append(
            f"review_due: {(reviewed + timedelta(days=rng.randrange(90, 540))).isoformat()}"
        )
    role = rng.choice(ROLES)
    fields += [
        "contact:",
        f"  role: {_q(role)}",
        f"  email: {_slug(role).replace('-', '.')}@{forces[0]}.example.police.uk",
    ]
    if rng.random() < 0.7:
        fields.append(f"audience: {_flow(_pick(rng, [t.id for t in vocab.audience], 1, 2))}")
    if rng.random() < 0.7:
        fields.append(f"partners: {_flow(_pick(rng, [t.id for t in vocab.partners], 1, 3))}")
    if rng.random() < 0.5:
        fields.append(f"ideology: {_flow(_pick(rng, [t.id for t in vocab.ideology], 1, 2))}")
    if rng.random() < 0.3:
        recs = [f"CT4-2020-R{rng.randint(1, 12)}" for _ in range(rng.randint(1, 2))]
        fields.append(f"recommendations: {_flow(sorted(set(recs)))}")
    if rng.random() < 0.15:
        fields.append("classification: OFFICIAL-SENSITIVE")
    if rng.random() < 0.3:
        fields.append(f"sms_level: {rng.randint(1, 5)}")
    if rng.random() < 0.5:
        fields.append(f"tags: {_flow(_pick(rng, TAGS, 1, 4))}")
    if rng.random() < 0.3:
        fields += [
            "links:",
            f"  - title: {_q('Guidance ' + str(rng.randint(1, 99)))}",
            f"    url: https://example.org/prevent/{entry_id}",
        ]
    body = _body(table, rng, rng.randint(int(BODY_WORDS * 0.7), int(BODY_WORDS * 1.3)))
    if form == "md":
        text = "---\n" + "\n".join(fields) + "\n---\n\n" + body
    else:
        indented = "\n".join(("  " + line) if line else "" for line in body.splitlines())
        text = "\n".join(fields) + "\nbody: |\n" + indented + "\n"
    return entry_id, forces[0], form, text


def generate_corpus(root: Path, n: int, seed: int = 1) -> Corpus:
    """Write `n` synthetic entries under `root/entries/` (created); deterministic for `seed`."""
    vocab = load_vocabulary()
    table = build_word_table(seed)
    rng = random.Random(seed)
    entries_dir = root / "entries"
    entries_dir.mkdir(parents=True, exist_ok=True)
    made_dirs: set[str] = set()
    paths: list[Path] = []
    for i in range(n):
        entry_id, force, form, text = entry_text(i, table, vocab, rng)
        if force not in made_dirs:
            (entries_dir / force).mkdir(exist_ok=True)
            made_dirs.add(force)
        path = entries_dir / force / f"{entry_id}.{form}"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return Corpus(root=root, paths=tuple(paths), seed=seed)


def extra_entry(folder: Path, number: int, seed: int = 1) -> Path:
    """One more valid entry file in `folder` (outside entries/), for timing `add`."""
    vocab = load_vocabulary()
    table = build_word_table(seed)
    rng = random.Random(seed * 1000003 + number)
    entry_id, _force, form, text = entry_text(900000 + number, table, vocab, rng)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{entry_id}.{form}"
    path.write_text(text, encoding="utf-8")
    return path


def touch_fraction(corpus: Corpus, fraction: float, round_no: int = 1) -> list[Path]:
    """Edit `fraction` of the entries (a sentence appended to the body); returns their paths."""
    rng = random.Random(corpus.seed * 31 + round_no)
    count = max(1, round(len(corpus.paths) * fraction))
    chosen = rng.sample(list(corpus.paths), count)
    for path in chosen:
        text = path.read_text(encoding="utf-8")
        extra = f"Reviewed again in round {round_no} with partners."
        if path.suffix == ".md":
            text = text.rstrip("\n") + "\n\n" + extra + "\n"
        else:
            text = text.rstrip("\n") + "\n\n  " + extra + "\n"
        path.write_text(text, encoding="utf-8")
    return chosen
