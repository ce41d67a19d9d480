"""The word distribution of synthetic entry bodies: real and domain words, then a long tail.

Ranks follow a Zipf-like law (weight 1 / rank**s): function words first, then the
vocabulary of Prevent practice (with British and American spellings and acronyms and their
expansions at mid ranks), then seeded pseudo-words that give the few-thousand-word tail a
real index has to cope with.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass


def split_words(text: str) -> list[str]:
    """The whitespace-separated words of a text block (word lists are kept as text)."""
    return text.split()


FUNCTION_WORDS = split_words(
    """
the of and to a in for with on was were by that this from as at we our it be is are have has had
not or an which their they who all more than after into also each when where would could should
about over between within through across so but new one two three four five six twelve first
other some most any many only them these those its been being can will may did do if per under
before during while because both such very well still often then there what how
"""
)

COMMON_WORDS = split_words(
    """
people work working worked time year years month months week weeks team teams local area areas
support process service services practice approach number week plan planning meeting meetings
officer officers staff role roles lead leads leader manager managers public partner partners
agency agencies case cases record records form forms system systems data information report
reports review reviews risk risks need needs result results change changes issue issues group
groups level levels point points example examples contact contacts time-limited support-led help
helped helping use used using make made making take taken provide provided providing develop
developed developing improve improved improving build built agree agreed identify identified
ensure ensured share shared sharing check checked checks write written understand understanding
feedback consistent consistency quality standard standards clear clearly early quickly better
simple single common current previous regular regularly monthly weekly quarterly national
regional county city town district borough neighbourhood neighborhood centre center organisation
organization organisations organizations behaviour behavior behaviours behaviors programme
program programmes programs defence defense licence license analyse analyze analysed analyzed
recognise recognize recognised recognized prioritise prioritize prioritised prioritized
specialise specialize colour color favour favor labour labor theatre theater practise catalogue
catalog judgement judgment counselling counseling modelling modeling travelling traveling
enrolment enrollment paediatric pediatric fulfil fulfill licensed
"""
)

DOMAIN_WORDS = split_words(
    """
Prevent prevent referral referrals refer referred triage gateway Channel channel panel panels
safeguarding safeguard vulnerable vulnerability vulnerabilities radicalisation radicalization
radicalised radicalized extremism extremist extremists ideology ideologies terrorism terrorist
counter-terrorism police policing force forces constabulary school schools college colleges
university universities teacher teachers pupils students GP GPs doctor doctors nurse nurses
health mental wellbeing hospital NHS council councils authority authorities probation prison
prisons community communities faith religious mosque church youth youths teenagers adolescents
children young adults families parents online internet social media platform platforms training
awareness workshop workshops course courses e-learning briefing briefings assessment evaluation
evaluated outcomes lessons adopt adoption pilot piloted hub designated multi-agency inspection
recommendation recommendations tension tensions hate crime crimes analysis profile profiles
intelligence threat threats concern concerns disclosure consent lawful proportionate governance
strategy strategic board boards coordinator coordinators liaison helpline dashboard dashboards
audit audits survey surveys feedback mentoring mentor intervention interventions diversion
desistance disengagement aftercare resilience employees workforce personnel notification
notifications academy academies constable constables
"""
)

ACRONYMS = split_words(
    """
PCM CTLP WRAP MASH DSL PMAP CTP CTU SPOC DDP VAF MAPPA FTAC CYP ICB HMICFRS CPD PEO DPIA ISA
"""
)

PHRASES = [
    "Prevent Case Management",
    "Counter Terrorism Local Profile",
    "Workshop to Raise Awareness of Prevent",
    "Multi-Agency Safeguarding Hub",
    "Designated Safeguarding Lead",
    "Prevent Multi-Agency Panel",
    "Counter Terrorism Policing",
    "Single Point of Contact",
    "Desistance and Disengagement Programme",
    "Vulnerability Assessment Framework",
    "social media",
    "young people",
    "local authority",
    "mental health",
    "Channel panel",
    "hate crime",
]

TAIL_SIZE = 2800
ZIPF_EXPONENT = 1.05

_ONSETS = split_words(
    """
b c d f g h j k l m n p r s t v w br cl cr dr fl gr pl pr sc sh sl sp st th tr
"""
)
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "io", "ou"]
_CODAS = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "nt", "rk", "ck"]
_SUFFIXES = ["", "", "", "ing", "ed", "er", "ion", "ity", "ment", "al", "ness", "ly"]


@dataclass(frozen=True)
class WordTable:
    """Words in rank order with cumulative Zipf weights for `random.choices`."""

    words: tuple[str, ...]
    cum_weights: tuple[float, ...]

    def sample(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum_weights, k=k)


def _pseudo_words(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    words: list[str] = []
    while len(words) < count:
        syllables = rng.choice((1, 2, 2, 2, 3))
        word = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
        )
        word += rng.choice(_SUFFIXES)
        if 4 <= len(word) <= 14 and word not in taken:
            taken.add(word)
            words.append(word)
    return words


def build_word_table(seed: int) -> WordTable:
    """The ranked vocabulary for bodies: a few thousand words, deterministic for `seed`."""
    rng = random.Random(seed * 7919 + 1)
    ranked: list[str] = list(FUNCTION_WORDS)
    # Interleave common and domain words so the domain's terms sit at realistic mid ranks.
    middle = [w for pair in itertools.zip_longest(COMMON_WORDS, DOMAIN_WORDS) for w in pair if w]
    ranked += middle
    ranked = list(dict.fromkeys(ranked))  # first occurrence keeps its rank
    taken = {w.lower() for w in ranked}
    tail = _pseudo_words(rng, TAIL_SIZE, taken)
    # Acronyms and multi-word expansions spread through the upper tail.
    specials = ACRONYMS + PHRASES
    step = max(1, 600 // len(specials))
    for i, special in enumerate(specials):
        tail.insert(i * step + rng.randrange(step), special)
    ranked += tail
    weights = itertools.accumulate(
        1.0 / (rank**ZIPF_EXPONENT) for rank in range(1, len(ranked) + 1)
    )
    return WordTable(tuple(ranked), tuple(weights))
