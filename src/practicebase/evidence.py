"""Evidence at a glance: a compact plain-text mark and the "evidence" sort order.

The mark is three ASCII characters, so it reads the same in any terminal, over SSH and in
CSV: the stage of evaluation, the SMS level, then the outcome.

    I3+   independently evaluated, SMS level 3, worked
    L2~   evaluated locally, SMS level 2, promising
    U-x   untested, no SMS level, didn't work

The evidence order puts independently evaluated practice first, then locally evaluated, then
untested; ties go to the higher SMS level (none last), then the outcome (worked, promising,
new-innovative, didn't work, none). "Didn't work" is ordered, never left out: knowing what
failed is the point. No Textual or Rich here: the CLI, the app and the index all use it.
"""

from __future__ import annotations

# Stage id -> (mark letter, rank); stages a local vocabulary adds sort after these as `?`.
STAGE_MARKS = {
    "independently-evaluated": ("I", 0),
    "evaluated-locally": ("L", 1),
    "untested": ("U", 2),
}
# Outcome id -> (mark character, rank); no outcome ranks last.
OUTCOME_MARKS = {
    "worked": ("+", 0),
    "promising": ("~", 1),
    "new-innovative": ("*", 2),
    "didnt-work": ("x", 3),
}
NONE_MARK = "-"
OTHER_MARK = "?"
MARK_WIDTH = 3

# What each character means, for help texts and legends (plain text, one line each).
LEGEND = (
    "stage: I independently evaluated, L evaluated locally, U untested",
    "SMS level: 1-5 (Maryland Scientific Methods Scale), - none",
    "outcome: + worked, ~ promising, * new/innovative, x didn't work, - none",
)


def evidence_mark(stage: str | None, sms_level: int | None, outcome: str | None) -> str:
    """The three-character mark for an entry's evidence, e.g. `I3+` or `U--`."""
    stage_char = STAGE_MARKS[stage][0] if stage in STAGE_MARKS else OTHER_MARK
    if sms_level is None:
        sms_char = NONE_MARK
    elif isinstance(sms_level, int) and 0 <= sms_level <= 9:
        sms_char = str(sms_level)
    else:
        sms_char = OTHER_MARK
    if outcome is None:
        outcome_char = NONE_MARK
    else:
        outcome_char = OUTCOME_MARKS[outcome][0] if outcome in OUTCOME_MARKS else OTHER_MARK
    return stage_char + sms_char + outcome_char


def evidence_rank(stage: str | None, sms_level: int | None, outcome: str | None) -> bytes:
    """A key that sorts entries in evidence order (best first) when compared as bytes;
    the title is the caller's last tie-break."""
    stage_rank = STAGE_MARKS[stage][1] if stage in STAGE_MARKS else len(STAGE_MARKS)
    # Higher SMS first, none last: 5 -> 0 ... 1 -> 4, none (or out of range) -> 9.
    sms_rank = 5 - sms_level if isinstance(sms_level, int) and 1 <= sms_level <= 5 else 9
    if outcome is None:
        outcome_rank = len(OUTCOME_MARKS) + 1
    else:
        outcome_rank = OUTCOME_MARKS[outcome][1] if outcome in OUTCOME_MARKS else len(OUTCOME_MARKS)
    return bytes((stage_rank, sms_rank, outcome_rank))


__all__ = ["LEGEND", "MARK_WIDTH", "evidence_mark", "evidence_rank"]
