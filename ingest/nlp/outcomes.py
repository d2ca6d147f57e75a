"""Outcome measures as trial result sentences name them: "the angina attack frequency", "TCM
syndrome scores", "the total effective rate", "the incidence of adverse events".

The vocabulary names a few dozen outcomes (HbA1c, blood pressure, LDL cholesterol …); result
sentences measure hundreds more, and a result whose outcome is not recognised is a result the
graph never holds. This module finds the noun phrase of a measure by its head word (score,
rate, level, incidence, frequency, duration …) and the words that qualify it, without a tagger:
the pipeline has none, and the phrases are regular enough that word lists read them.

It only finds phrases. :mod:`ingest.nlp.effect` decides whether one becomes a mention: only in
a sentence that reports a result, and only for a phrase that takes part in a relation its
classifier reads (a measure with no reading is not worth an entity of its own).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Head words of a measure. A phrase ends in one ("pain scores"), or starts with one followed
# by "of" ("incidence of nausea").
_HEADS = (
    "score|scores|rate|rates|level|levels|index|indices|indexes|"
    "value|values|time|times|duration|frequency|frequencies|incidence|incidences|prevalence|"
    "number|count|counts|volume|volumes|pressure|grade|grades|severity|intensity|stay|"
    "mortality|survival|recurrence|remission|efficacy|effectiveness|symptoms|events|titers|"
    "titres|satisfaction|relapse|"
    "complications|attacks|episodes|loss|gain|risk|consumption|requirement|requirements|"
    "density|thickness|ratio|ratios|output|length|improvement|healing|quality of life"
)
# Words that never qualify a measure: function words, verbs of the result, comparatives,
# arms and study words. A phrase stops at the first of them.
_NOT_QUALIFIER = frozenset(
    {
        *("a", "an", "the", "and", "or", "but", "nor", "of", "in"),
        *("on", "at", "by", "for", "to", "from", "with", "without", "within"),
        *("into", "than", "then", "that", "those", "these", "this", "which", "who"),
        *("whom", "whose", "was", "were", "is", "are", "be", "been", "being"),
        *("had", "has", "have", "having", "did", "do", "does", "not", "no"),
        *(
            "significantly",
            "significant",
            "significance",
            "statistically",
            "higher",
            "lower",
            "greater",
            "less",
            "more",
        ),
        *(
            "fewer",
            "better",
            "worse",
            "increased",
            "decreased",
            "reduced",
            "improved",
            "elevated",
            "raised",
        ),
        *(
            "shorter",
            "longer",
            "smaller",
            "larger",
            "lowered",
            "rose",
            "fell",
            "declined",
            "decline",
        ),
        *(
            "increase",
            "decrease",
            "reduction",
            "compared",
            "comparison",
            "versus",
            "vs",
            "control",
            "controls",
        ),
        *(
            "placebo",
            "sham",
            "group",
            "groups",
            "arm",
            "arms",
            "patients",
            "subjects",
            "participants",
        ),
        *(
            "children",
            "women",
            "men",
            "adults",
            "cases",
            "treated",
            "treatment",
            "treatments",
            "therapy",
        ),
        *(
            "receiving",
            "received",
            "given",
            "after",
            "before",
            "during",
            "following",
            "while",
            "both",
        ),
        *("two", "all", "each", "either", "its", "their", "his", "her", "our"),
        *(
            "respectively",
            "similar",
            "comparable",
            "found",
            "showed",
            "shown",
            "observed",
            "noted",
            "reported",
        ),
        *("demonstrated", "there", "it", "also", "only", "however", "moreover", "overall", "among"),
        *("between", "per", "week", "weeks", "month", "months", "day", "days", "year"),
        *("years", "baseline", "end", "study", "trial", "intervention", "p"),
    }
)
# A qualifier is a word (letters, digits, hyphens, slashes, apostrophes) or a short form in
# capitals with digits ("HbA1c", "IL-6", "TCM").
_WORD = r"[A-Za-z0-9][A-Za-z0-9'/-]*"
_HEAD_AT_END = re.compile(rf"\b(?:{_HEADS})\b", re.IGNORECASE)
_OF_TAIL = re.compile(rf"\s+(?:of|in)\s+((?:{_WORD}\s+){{0,3}}{_WORD})", re.IGNORECASE)
_WORD_BEFORE = re.compile(rf"({_WORD})\s+$")
# Pharmacokinetic measures tell of a drug's level, not of the patient: "no difference in the
# maximum concentration of carbamazepine with Nigella sativa" is not a null of the herb on a
# health outcome.
_KINETIC = re.compile(
    r"\b(?:concentrations?|clearance|area under|auc|cmax|tmax|half-life|distribution|"
    r"bioavailability|absorption|elimination|exposure)\b",
    re.IGNORECASE,
)
# What may follow a measure: the end of the phrase (punctuation, a bracket, the end) or a word
# that cannot continue it. "myocardial risk areas" and "CD34+ cells" run on: not a measure.
_ENDS = re.compile(r"\s*(?:[,;:.)(\[\]]|$)|\s+([A-Za-z]+)\b")
# Heads that name a measure alone ("mortality was lower in …"); other heads need a qualifier
# or an "of" phrase ("the rate" names nothing).
_MEASURE_ALONE = frozenset(
    {"mortality", "survival", "recurrence", "remission", "relapse", "satisfaction"}
)
MAX_QUALIFIERS = 4  # words before the head ("mean 24-h systolic blood pressure")
MAX_TAIL = 4  # words after "of" ("incidence of postoperative nausea and vomiting": 3)


def _qualifies(word: str) -> bool:
    lower = word.lower()
    return lower not in _NOT_QUALIFIER and not lower.replace(".", "").isdigit()


def _tail(text: str, end: int, limit: int) -> int:
    """Where an "of X" after a head ends (``end`` when there is none)."""
    match = _OF_TAIL.match(text, end, limit)
    if match is None:
        return end
    words = list(re.finditer(_WORD, match.group(1)))
    taken = 0
    for word in words[:MAX_TAIL]:
        if not _qualifies(word.group(0)) and word.group(0).lower() not in ("and", "or"):
            break
        taken += 1
    # "and"/"or" never end a phrase ("incidence of nausea and")
    while taken and words[taken - 1].group(0).lower() in ("and", "or"):
        taken -= 1
    if not taken:
        return end
    return match.start(1) + words[taken - 1].end()


def outcome_phrases(
    text: str, start: int, end: int, taken: Sequence[tuple[int, int]] = ()
) -> list[tuple[int, int]]:
    """Character spans of the outcome measures named in ``text[start:end]`` (a sentence).

    A span is a head word with up to :data:`MAX_QUALIFIERS` qualifying words before it and an
    "of"/"in" phrase after it. A phrase that would reach into a ``taken`` span (a mention
    already found: an arm, a disease, a named outcome) is not returned, nor are bare heads
    ("the rate", "levels") that name no measure.
    """
    found: list[tuple[int, int]] = []
    for head in _HEAD_AT_END.finditer(text, start, end):
        first = head.start()
        qualifiers = 0
        while qualifiers < MAX_QUALIFIERS:
            before = _WORD_BEFORE.search(text, start, first)
            if before is None or not _qualifies(before.group(1)):
                break
            first = before.start(1)
            qualifiers += 1
        last = _tail(text, head.end(), end)
        if not qualifiers and last == head.end() and head.group(0).lower() not in _MEASURE_ALONE:
            continue
        ending = _ENDS.match(text, last, end)
        if ending is None or (ending.group(1) and _qualifies(ending.group(1))):
            continue
        if _KINETIC.search(text, first, last):
            continue
        if any(s < last and first < e for s, e in taken):
            continue
        if found and found[-1][1] > first:
            # "the pain score levels": one phrase, the longer reading
            if last - first > found[-1][1] - found[-1][0]:
                found[-1] = (first, last)
            continue
        found.append((first, last))
    return found
