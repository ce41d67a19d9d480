"""The fixed query mix, each query written for practicebase and for the FTS5 baseline.

practicebase gets the text a person types (its own query language); FTS5 gets the closest
MATCH expression plus the same field filters applied in SQL. Typos, spelling variants and
acronyms are passed to FTS5 literally: it has no such help, which is part of the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.words import WordTable


@dataclass(frozen=True)
class BenchQuery:
    """One query of the mix: its kind, practicebase text, FTS5 MATCH text and filters."""

    kind: str
    text: str
    fts: str
    filters: tuple[tuple[str, str], ...] = ()


def _same(kind: str, *texts: str) -> list[BenchQuery]:
    return [BenchQuery(kind, t, t) for t in texts]


def query_mix(table: WordTable) -> list[BenchQuery]:
    """At least 50 queries over every kind; rare terms come from the corpus's own tail."""
    rare = [table.words[rank] for rank in (700, 1200, 1800, 2600)]
    mix: list[BenchQuery] = []
    mix += _same(
        "single",
        "referrals",
        "safeguarding",
        "training",
        "schools",
        "probation",
        "dashboard",
        "mentoring",
        "governance",
        "helpline",
        "intelligence",
    )
    mix += _same("rare", *rare)
    mix += _same(
        "several",
        "gp referrals",
        "online radicalisation young people",
        "channel panel training",
        "school safeguarding lead",
        "mental health triage",
        "hate crime data sharing",
        "faith community engagement",
    )
    sentence = "how do other forces get GP practices to make referrals"
    mix.append(BenchQuery("several", sentence, " OR ".join(sentence.split())))
    mix += _same(
        "phrase",
        '"case management"',
        '"social media"',
        '"mental health"',
        '"Channel panel"',
        '"local authority" referrals',
    )
    mix += [
        BenchQuery("or-not", "training OR workshop", "training OR workshop"),
        BenchQuery(
            "or-not", "schools OR colleges OR universities", "schools OR colleges OR universities"
        ),
        BenchQuery("or-not", "referrals NOT online", "referrals NOT online"),
        BenchQuery("or-not", "safeguarding -probation", "safeguarding NOT probation"),
        BenchQuery("or-not", "extremism OR radicalisation", "extremism OR radicalisation"),
        BenchQuery("or-not", "triage NOT gateway", "triage NOT gateway"),
    ]
    mix += [
        BenchQuery("filter", "force:gmp training", "training", (("force", "greater-manchester"),)),
        BenchQuery("filter", "theme:referrals gp", "gp", (("theme", "referrals"),)),
        BenchQuery(
            "filter", "stage:independently-evaluated", "", (("stage", "independently-evaluated"),)
        ),
        BenchQuery("filter", "outcome:didnt-work lessons", "lessons", (("outcome", "didnt-work"),)),
        BenchQuery("filter", "status:pilot", "", (("status", "pilot"),)),
        BenchQuery(
            "filter",
            'force:"West Midlands Police" referrals',
            "referrals",
            (("force", "west-midlands"),),
        ),
        BenchQuery("filter", "audience:children online", "online", (("audience", "children"),)),
        BenchQuery(
            "filter",
            "classification:OFFICIAL-SENSITIVE safeguarding",
            "safeguarding",
            (("classification", "OFFICIAL-SENSITIVE"),),
        ),
    ]
    mix += _same("prefix", "safegu*", "refer*", "radical*", "train*", "comm*", "pro*")
    mix += _same("typo", "safegaurding", "refferals", "radicalisaton", "probaton", "mentorng")
    mix += _same("acronym", "PCM", "CTLP", "MASH", "DSL schools", "WRAP")
    mix += _same(
        "spelling",
        "radicalization",
        "behavior",
        "organization",
        "program",
        "neighborhood policing",
        "defense",
    )
    return mix


TYPED_QUERIES = ("radicalisation refer", "safeguarding schools", "channel panel traini")


def typing_prefixes(typed: str) -> list[BenchQuery]:
    """What a person produces typing `typed` one key at a time (every non-blank prefix).

    FTS5 gets the usual as-you-type translation: the last word as a prefix.
    """
    out: list[BenchQuery] = []
    for i in range(1, len(typed) + 1):
        text = typed[:i]
        if not text.strip():
            continue
        words = text.split()
        fts = " ".join(words) if text.endswith(" ") else " ".join([*words[:-1], words[-1] + "*"])
        out.append(BenchQuery("typing", text, fts))
    return out


def real_text_mix() -> list[BenchQuery]:
    """Queries for the real-text corpus (18F guides: user research, accessibility, agile
    delivery, procurement, engineering): every kind of the synthetic mix, with words those
    pages use."""
    mix: list[BenchQuery] = []
    mix += _same(
        "single",
        "accessibility",
        "research",
        "procurement",
        "agile",
        "privacy",
        "security",
        "prototype",
        "stakeholders",
        "documentation",
        "cloud",
    )
    mix += _same(
        "several",
        "user research interviews",
        "accessibility testing screen reader",
        "agile contract vendor",
        "plain language content",
        "open source code review",
        "how do we recruit participants for usability testing",
    )
    sentence = mix[-1].text
    mix[-1] = BenchQuery("several", sentence, " OR ".join(sentence.split()))
    mix += _same("phrase", '"user research"', '"plain language"', '"open source"')
    mix += [
        BenchQuery("or-not", "privacy OR security", "privacy OR security"),
        BenchQuery("or-not", "research -accessibility", "research NOT accessibility"),
        BenchQuery("or-not", "agile NOT waterfall", "agile NOT waterfall"),
        BenchQuery("filter", "force:cheshire research", "research", (("force", "cheshire"),)),
        BenchQuery("filter", "theme:online design", "design", (("theme", "online"),)),
    ]
    mix += _same("prefix", "access*", "interv*", "proto*", "eng*")
    mix += _same("typo", "accesibility", "reserch", "procurment")
    mix += _same("spelling", "organisation", "behaviour", "prioritise")
    return mix


REAL_TEXT_TYPED = ("user research interv", "accessibility testin", "agile delivery vendo")
