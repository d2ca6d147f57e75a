"""Effect direction on trial outcomes: which way a result sentence says an outcome moved.

Three parts, each usable alone:

* **The direction classifier** (:func:`read_effect`, :class:`EffectModel`): given a result
  sentence, the intervention, the outcome and optionally the comparator (each a string to find
  in the sentence or a character span of it), the probability that the outcome was
  *significantly increased*, *significantly decreased* or showed *no significant difference*
  under the intervention compared with the comparator — the three labels of Evidence Inference
  (DeYoung et al. 2020), on which it is trained (:mod:`ingest.nlp.effect_training`,
  ``tcmkg train-effect``). It is a multinomial logistic regression over features written here
  (:func:`features`): cue words and where they stand relative to the outcome, comparatives
  ("higher", "fewer", "reduced" …) and which arm they describe ("lower in the placebo group"),
  the order of the arms around "than" / "compared with" / "versus", p-values on either side of
  0.05, "no significant" and negation, numbers compared as "A% vs B%", and the words around the
  outcome. The weights ship as JSON in ``effect_model/`` and are read with numpy alone.
* **Outcome polarity** (:func:`outcome_polarity`): whether more of an outcome is good
  (survival, remission, response rate, quality of life, bone density …) or bad (pain,
  mortality, HbA1c, blood pressure, adverse events, relapse …); unknown otherwise. Wrappers
  turn it round: "pain relief", "reduction in HbA1c", "progression-free", "time to relapse".
* **Benefit** (:func:`benefit_of`): a direction and a polarity make benefit, null, harm or
  unknown — less pain is a benefit, less survival a harm, no significant difference null.

The ``tcm_effect`` pipeline component (after ``tcm_relations`` and ``tcm_relation_model``) uses
all three on sentences that report a result (a comparison, a p-value, "significant"), and only
where the classifier is at least ``min_probability`` sure:

* an exposure (herb, formula, hospital preparation, compound, drug) and an outcome or disease
  of such a sentence that the relation components left unrelated get a ``treats`` relation
  when the reading is **benefit or null** — never a harm: a harm claim becomes a red safety
  flag, and this component does not trade the precision of harm claims for recall. It adds
  one only where the exposure stands as an arm ("treated with X", "the X group", "X
  supplementation", "between X and placebo") and not as something measured ("glucose
  levels"), the outcome is not a bare abbreviation of one to three capitals, the sentence has
  no harm word ("induced", "developed", "adverse"), and a null reading is written as a null
  comparison ("no significant difference", "similar in both groups", "P = 0.42");
* a rule ``treats`` read as a benefit becomes **harm** where the classifier reads that the
  outcome moved the bad way and the lexicon names it as one of which more is better: "X
  reduced overall survival" (the cue "reduced" reads benefit). Other rule readings are kept:
  on preclinical abstracts a null or harm reading elsewhere in the sentence was more often
  about another outcome than a correction.

It never writes ``causes``, never turns a rule's ``causes`` into ``treats`` or back, and leaves
negated relations as the rules read them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp import direction as dirn
from ingest.nlp.cues import Lexicon
from ingest.nlp.grounding import GroundsMentions, grounded
from ingest.nlp.mentions import Mention, mentions_of
from ingest.nlp.negation import cue_index
from ingest.nlp.outcomes import outcome_phrases
from ingest.nlp.relations import CONDITIONS, EXPOSURES, Relation, confidence
from ingest.nlp.sentences import sentence_bounds
from kg.iri import ungrounded_curie
from kg.model import Direction, EntityKind, Predicate
from kg.names import normalise_name

SHIPPED_MODEL = Path(__file__).with_name("effect_model") / "effect_model.json"
MODEL_FORMAT = "tcmkg-effect-model"


class Effect(StrEnum):
    """How an outcome changed under the intervention against the comparator (EI labels)."""

    INCREASED = "significantly increased"
    DECREASED = "significantly decreased"
    NO_DIFFERENCE = "no significant difference"


class Polarity(StrEnum):
    """Whether more of an outcome is good or bad for the patient."""

    MORE_IS_BETTER = "more_is_better"
    LESS_IS_BETTER = "less_is_better"
    UNKNOWN = "unknown"


# --- outcome polarity -------------------------------------------------------------------------

# Outcomes of which less is better. Stems match the start of a word ("hospitali" matches
# "hospitalisation" and "hospitalization"); entries with a space match as phrases.
_LESS_IS_BETTER = (
    "pain",
    "ache",
    "mortality",
    "death",
    "died",
    "dying",
    "fatalit",
    "hba1c",
    "hemoglobin a1c",
    "haemoglobin a1c",
    "glycated",
    "glycosylated",
    "glucose",
    "glycemia",
    "glycaemia",
    "blood pressure",
    "systolic",
    "diastolic",
    "hypertensi",
    "adverse",
    "side effect",
    "toxicit",
    "complication",
    "relapse",
    "recurren",
    "infection",
    "nausea",
    "vomiting",
    "emesis",
    "fatigue",
    "depressi",
    "anxiety",
    "severity",
    "cholesterol",
    "ldl",
    "triglycerid",
    "hospitali",
    "readmission",
    "hospital stay",
    "stay in hospital",
    "intima",
    "body fat",
    "fat mass",
    "length of stay",
    "exacerbation",
    "fracture",
    "bleeding",
    "blood loss",
    "hemorrhag",
    "haemorrhag",
    "thrombo",
    "stroke",
    "infarction",
    "edema",
    "oedema",
    "inflammat",
    "c-reactive",
    "crp",
    "interleukin",
    "il-6",
    "tnf",
    "creatinine",
    "proteinuria",
    "albuminuria",
    "viral load",
    "progression",
    "disabilit",
    "dyspn",
    "cough",
    "insomnia",
    "delirium",
    "agitation",
    "pruritus",
    "itch",
    "lesion",
    "ulcer",
    "fever",
    "symptom",
    "morbidity",
    "incidence",
    "risk",
    "failure",
    "shivering",
    "hypotension",
    "bradycardia",
    "tachycardia",
    "arrhythmi",
    "distress",
    "discomfort",
    "craving",
    "consumption",
    "rescue",
    "requirement",
    "dropout",
    "withdrawal",
    "insulin resistance",
    "homa-ir",
    "waist",
    # Body weight and BMI are left out: less is better in an obesity trial, worse in a
    # toxicity study.
    "obesity",
    "diarrh",
    "constipation",
    "headache",
    "dizziness",
    "hypoglyc",
    "events",
    "cancer",
    "tumou",
    "tumor",
    "metasta",
    "disease activity",
    "sore throat",
    "postoperative pain",
    "opioid",
    "morphine",
    # trial outcomes as TCM trials report them
    "syndrome",
    "attack",
)
# Outcomes of which more is better.
_MORE_IS_BETTER = (
    "survival",
    "surviv",
    "remission",
    "response",
    "responder",
    "cure",
    "healing",
    "healed",
    "quality of life",
    "qol",
    "bone density",
    "bone mineral density",
    "bmd",
    "recovery",
    "success",
    "efficacy",
    "satisfaction",
    "adherence",
    "compliance",
    "hdl",
    "egfr",
    "glomerular filtration",
    "fev1",
    "lung function",
    "walk",
    "strength",
    "mobility",
    "sleep quality",
    "cognit",
    "memory",
    "mmse",
    "well-being",
    "wellbeing",
    "abstinence",
    "quit",
    "cessation",
    "pregnancy rate",
    "live birth",
    "clinical pregnancy",
    "function",
    "improvement",
    "relief",
    "resolution",
    "ejection fraction",
    "vital capacity",
    "expiratory",
    "physical activity",
    "knowledge",
    "self-efficacy",
    "patency",
    "analgesia",
    "engraftment",
    # "the total effective rate", "markedly effective rate" of TCM trials
    "effective rate",
    "total effective",
    "markedly effective",
)
# Wrappers that turn an outcome round: "reduction in HbA1c", "pain relief", "time to relapse".
_TURNING_PREFIX = re.compile(
    r"\b(?:reduction|reductions|decrease|decline|fall|drop|loss|relief|remission|resolution|"
    r"recovery|improvement|control|freedom|time to|time until|prevention|avoidance|"
    r"absence|free)\s+(?:in|of|from)?\s*(?:the\s+)?",
    re.IGNORECASE,
)
_TURNING_SUFFIX = re.compile(
    r"[\s-]*(?:free|relief|control|remission|resolution|reduction|reductions|improvement|"
    r"lowering|loss)\b",
    re.IGNORECASE,
)


def _has(text: str, terms: Iterable[str]) -> bool:
    return any(re.search(r"(?<![a-z0-9])" + re.escape(term), text) for term in terms)


_NAMED_GOOD = (
    *("hdl", "high-density lipoprotein", "high density lipoprotein", "quality of life"),
    *("survival", "remission", "response rate"),
)


def _base_polarity(text: str) -> Polarity:
    # A named good thing wins over the bad word inside it ("HDL cholesterol", "overall
    # survival of cancer patients", "pain-free walking") only when it is checked first.
    if _has(text, _NAMED_GOOD):
        return Polarity.MORE_IS_BETTER
    if _has(text, _LESS_IS_BETTER):
        return Polarity.LESS_IS_BETTER
    if _has(text, _MORE_IS_BETTER):
        return Polarity.MORE_IS_BETTER
    return Polarity.UNKNOWN


def _turned(polarity: Polarity) -> Polarity:
    return {
        Polarity.MORE_IS_BETTER: Polarity.LESS_IS_BETTER,
        Polarity.LESS_IS_BETTER: Polarity.MORE_IS_BETTER,
        Polarity.UNKNOWN: Polarity.UNKNOWN,
    }[polarity]


def outcome_polarity(outcome: str) -> Polarity:
    """Whether more of ``outcome`` (its name as a paper writes it) is better or worse.

    A lexicon of common trial outcomes (see the module docs); a wrapper before or after the
    name turns it round ("reduction in pain", "pain-free", "time to relapse": more is better).
    "Time to" an outcome that is good ("time to recovery") is better short. Unknown when no
    entry matches.
    """
    text = " ".join(outcome.lower().split())
    if not text:
        return Polarity.UNKNOWN
    wrapper = _TURNING_PREFIX.match(text)
    if wrapper:
        rest = text[wrapper.end() :]
        base = _base_polarity(rest)
        if wrapper.group(0).startswith("time"):
            return _turned(base)
        if base is Polarity.LESS_IS_BETTER:
            return Polarity.MORE_IS_BETTER
        return base
    suffix = None
    for match in _TURNING_SUFFIX.finditer(text):
        suffix = match
    if suffix is not None and suffix.end() == len(text):
        base = _base_polarity(text[: suffix.start()])
        return Polarity.MORE_IS_BETTER if base is Polarity.LESS_IS_BETTER else base
    if "-free" in text or " free " in f" {text} ":
        return Polarity.MORE_IS_BETTER
    return _base_polarity(text)


def benefit_of(effect: Effect, polarity: Polarity) -> Direction:
    """Benefit, null, harm or unknown, from the direction of change and the outcome's polarity.

    No significant difference is null whatever the outcome; a significant change is a benefit
    when it went the good way, a harm when it went the bad way, unknown when the polarity is.
    """
    if effect is Effect.NO_DIFFERENCE:
        return Direction.NULL
    if polarity is Polarity.UNKNOWN:
        return Direction.UNKNOWN
    up = effect is Effect.INCREASED
    good = polarity is Polarity.MORE_IS_BETTER
    return Direction.BENEFIT if up == good else Direction.HARM


# --- features ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'.][a-z0-9]+)*|[<>=≤≥]")
_UP = frozenset(
    {
        "higher",
        "greater",
        "more",
        "increase",
        "increased",
        "increases",
        "increasing",
        "elevated",
        "elevation",
        "longer",
        "larger",
        "raised",
        "rose",
        "enhanced",
        "gain",
        "gained",
        "exceeded",
        "prolonged",
        "faster",
        "highest",
        "most",
        "augmented",
        "boosted",
        "rise",
        "doubled",
        "tripled",
    }
)
_DOWN = frozenset(
    {
        "lower",
        "less",
        "fewer",
        "reduce",
        "reduced",
        "reduces",
        "reducing",
        "reduction",
        "reductions",
        "decrease",
        "decreased",
        "decreases",
        "decreasing",
        "decline",
        "declined",
        "shorter",
        "smaller",
        "lowered",
        "lowering",
        "fell",
        "drop",
        "dropped",
        "diminished",
        "lowest",
        "least",
        "attenuated",
        "suppressed",
        "inhibited",
        "halved",
        "shortened",
        "alleviated",
        "relieved",
    }
)
_GOOD = frozenset(
    {"improved", "improve", "improves", "improvement", "better", "superior", "benefit"}
)
_BAD = frozenset({"worse", "worsened", "worsening", "inferior", "deteriorated", "deterioration"})
_NEGATORS = frozenset({"not", "no", "without", "nor", "neither", "never", "failed", "lack"})
_NULL = re.compile(
    r"\bno (?:statistically )?significant|\bnot (?:statistically )?significant|\bnon-?significant|"
    r"\bdid not (?:differ|change|affect|alter|improve|reduce|increase|decrease|show|reach)|"
    r"\bdid not significantly|\bnot significantly|\bno (?:difference|differences|change|changes|"
    r"effect|effects)\b|\bsimilar\b|\bcomparable\b|\bunchanged\b|\bunaffected\b|\bequivalent\b|"
    r"\bnot differ|\bfailed to|\bnot reach|\bn\.?s\.?(?![a-z])|\bno evidence|\bwere the same\b|"
    r"\bas effective as\b|\bnon-?inferior"
)
_P_VALUE = re.compile(
    r"\bp(?:\s*-?\s*values?)?\s*(?:for [a-z ]{1,20})?(<|>|=|≤|≥|<=|>=|&lt;|&gt;|<\s*or\s*=)\s*"
    r"(0?\.\d+|1(?:\.0+)?|\d(?:\.\d+)?\s*[x×]\s*10\s*[-−]\s*\d+)",
)
_COMPARE_MARKER = re.compile(
    r"(?:\bthan|\bcompared (?:with|to)|\bcomparison (?:with|to)|\bversus|\bvs\.?|\brelative to|"
    r"\bover|\bagainst)\s*"
    r"(?:(?:the|that of|those of|that in|those in|in|with|patients in)\s+){0,2}$"
)
_NUMBERS_VS = re.compile(
    r"(\d+(?:\.\d+)?)\s*%?\s*(?:\([^()]{0,30}\))?\s*(?:vs\.?|versus|and|compared with|to)\s*"
    r"(\d+(?:\.\d+)?)"
)
_CONTROL_WORDS = frozenset(
    {"placebo", "control", "controls", "sham", "usual", "standard", "conventional", "saline"}
)
_STOP = frozenset(
    {
        "the",
        "a",
        "an",
        "of",
        "in",
        "and",
        "or",
        "with",
        "to",
        "for",
        "on",
        "at",
        "by",
        "group",
        "groups",
        "patients",
        "mg",
        "kg",
        "g",
        "ml",
        "day",
        "daily",
        "dose",
        "plus",
        "alone",
        "treatment",
        "therapy",
        "receive",
        "received",
        "receiving",
    }
)
WINDOW = 6  # tokens either side of the outcome read as n-grams


@dataclass(frozen=True, slots=True)
class Token:
    """A lower-cased word of a sentence with its character offsets."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """The lower-cased words (and comparison signs) of ``text`` with their offsets."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text.lower())]


Span = tuple[int, int]  # token indices [start, end)


def _span_of_chars(tokens: Sequence[Token], start: int, end: int) -> Span | None:
    inside = [i for i, t in enumerate(tokens) if t.start < end and t.end > start]
    return (inside[0], inside[-1] + 1) if inside else None


def _content(phrase: str) -> list[str]:
    return [
        t.text
        for t in tokenize(phrase)
        if t.text not in _STOP and not t.text.replace(".", "").isdigit() and len(t.text) > 1
    ]


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    # Inflections and plurals of one word ("lmwh"/"lmwhs", "statin"/"statins").
    return (len(a) >= 4 and len(b) >= 4 and (a.startswith(b) or b.startswith(a))) or (
        len(a) >= 6 and len(b) >= 6 and a[:6] == b[:6]
    )


def locate(tokens: Sequence[Token], phrase: str, avoid: Iterable[str] = ()) -> Span | None:
    """Where a phrase (an intervention, comparator or outcome as annotated) stands in a
    sentence: the densest run of the sentence's tokens that match its content words.

    ``avoid`` lists words not to match (those the intervention and comparator share).
    """
    avoided = set(avoid)
    words = [w for w in _content(phrase) if w not in avoided]
    if not words:
        return None
    hits = [i for i, t in enumerate(tokens) if any(_same_word(t.text, w) for w in words)]
    if not hits:
        return None
    runs: list[list[int]] = [[hits[0]]]
    for i in hits[1:]:
        if i - runs[-1][-1] <= 2:
            runs[-1].append(i)
        else:
            runs.append([i])
    best = max(runs, key=len)  # the first of the longest runs
    return best[0], best[-1] + 1


def _p_values(text: str) -> list[tuple[int, bool]]:
    """``(offset, significant)`` of every p-value written in ``text`` (lower-case)."""
    found = []
    for m in _P_VALUE.finditer(text):
        op, raw = m.group(1), m.group(2)
        if "10" in raw and ("x" in raw or "×" in raw):
            value = 1e-4  # "2 × 10-5": far below 0.05
        else:
            try:
                value = float(raw)
            except ValueError:
                continue
        if op in ("<", "<=", "≤", "&lt;") or op.startswith("<"):
            significant = value <= 0.05
        elif op in (">", ">=", "≥", "&gt;"):
            significant = False
        else:
            significant = value < 0.05
        found.append((m.start(), significant))
    return found


def _kind(word: str) -> str | None:
    if word in _UP:
        return "up"
    if word in _DOWN:
        return "down"
    if word in _GOOD:
        return "good"
    if word in _BAD:
        return "bad"
    return None


def _sign(kind: str, polarity: Polarity) -> int:
    if kind == "up":
        return 1
    if kind == "down":
        return -1
    if polarity is Polarity.UNKNOWN:
        return 0
    good_up = 1 if polarity is Polarity.MORE_IS_BETTER else -1
    return good_up if kind == "good" else -good_up


def _is_reference(text: str, tokens: Sequence[Token], span: Span | None) -> bool:
    """Whether an arm stands as the reference of a comparison ("than X", "compared with X")."""
    if span is None:
        return False
    # Lower-cased as the marker is written: a sentence may open with "Compared with".
    before = text[max(0, tokens[span[0]].start - 30) : tokens[span[0]].start].lower()
    return _COMPARE_MARKER.search(before) is not None


def _distance(span: Span, i: int) -> int:
    if i < span[0]:
        return span[0] - i
    if i >= span[1]:
        return i - span[1] + 1
    return 0


def features(
    text: str,
    intervention: Span | None,
    outcome: Span | None,
    comparator: Span | None = None,
    outcome_name: str = "",
) -> list[str]:
    """The feature names of one (sentence, intervention, comparator, outcome) reading.

    ``text`` is the sentence; the spans are token indices into :func:`tokenize` of it (None
    when the phrase is not in the sentence); ``outcome_name`` gives the polarity when it is
    known (the outcome as annotated, or the mention's text).
    """
    lower = text.lower()
    tokens = tokenize(text)
    words = [t.text for t in tokens]
    out: set[str] = {"bias"}
    polarity = outcome_polarity(outcome_name) if outcome_name else Polarity.UNKNOWN
    out.add(f"pol={polarity.value}")

    # Significance.
    null_cues = list(_NULL.finditer(lower))
    if null_cues:
        out.add("null_cue")
    p_values = _p_values(lower)
    sig = [s for _, s in p_values]
    if any(sig):
        out.add("p_sig")
    if sig and not all(sig):
        out.add("p_ns")
    if sig and all(sig):
        out.add("p_all_sig")
    if sig and not any(sig):
        out.add("p_all_ns")
    if re.search(r"\bsignifican", lower):
        out.add("sig_word")
    if outcome is not None and tokens:
        out_start, out_end = tokens[outcome[0]].start, tokens[outcome[1] - 1].end
        after = [(at, s) for at, s in p_values if at >= out_end]
        if after:
            out.add(f"p_after_out={'sig' if after[0][1] else 'ns'}")
        if null_cues:
            nearest = min(
                min(abs(c.start() - out_start), abs(c.start() - out_end)) for c in null_cues
            )
            out.add("null_near_out" if nearest <= 60 else "null_far_out")

    # Arms: which comes first, which is the reference of the comparison.
    control = next((i for i, w in enumerate(words) if w in _CONTROL_WORDS), None)
    if comparator is None and control is not None:
        comparator = (control, control + 1)
    int_ref = _is_reference(text, tokens, intervention)
    cmp_ref = _is_reference(text, tokens, comparator)
    if intervention is None:
        out.add("no_int")
    if comparator is None:
        out.add("no_cmp")
    if int_ref:
        out.add("int_ref")
    if cmp_ref:
        out.add("cmp_ref")
    order = ""
    if intervention is not None and comparator is not None and intervention != comparator:
        order = "int_first" if intervention[0] < comparator[0] else "cmp_first"
        out.add(order)

    # Direction words: each, and the one nearest the outcome with its setting.
    cues = []
    for i, w in enumerate(words):
        kind = _kind(w)
        if kind is None:
            continue
        negated = any(words[j] in _NEGATORS for j in range(max(0, i - 3), i))
        cues.append((i, kind, negated))
        out.add(f"dir={kind}{'|neg' if negated else ''}")
        out.add(f"dir={kind}|pol={polarity.value}")
    if cues:
        anchor = outcome or intervention
        i, kind, negated = min(cues, key=lambda c: _distance(anchor, c[0])) if anchor else cues[0]
        near = f"near={kind}"
        out.add(near)
        if negated:
            out.add(f"{near}|neg")
        if outcome is not None:
            out.add(f"{near}|{'before' if i < outcome[0] else 'after'}_out")
        out.add(f"{near}|pol={polarity.value}")
        # Which arm the word describes: the first arm named after it ("lower in the placebo
        # group"), else the subject before it ("X reduced …").
        described = ""
        later = [
            (s[0], name)
            for s, name in ((intervention, "int"), (comparator, "cmp"))
            if s is not None and i < s[0] <= i + 10
        ]
        if later:
            first_after = min(later)
            ref = int_ref if first_after[1] == "int" else cmp_ref
            if not ref:
                described = first_after[1]
        if not described:
            earlier = [
                (s[0], name)
                for s, name in ((intervention, "int"), (comparator, "cmp"))
                if s is not None and s[1] <= i
            ]
            if earlier:
                described = max(earlier)[1]
        if described:
            out.add(f"{near}|arm={described}")
        for flag, on in (("int_ref", int_ref), ("cmp_ref", cmp_ref), (order, bool(order))):
            if on:
                out.add(f"{near}|{flag}")
        # The rule reading: the word's direction, turned round when it describes the
        # comparator or the intervention is the reference.
        sign = _sign(kind, polarity)
        if negated:
            sign = 0
        flip = described == "cmp" or (not described and int_ref)
        if sign:
            out.add(f"rule={'up' if (sign > 0) != flip else 'down'}")

    # Numbers compared ("12% vs 8%"): which arm had more.
    numbers = _NUMBERS_VS.search(lower)
    if numbers and order:
        a, b = float(numbers.group(1)), float(numbers.group(2))
        if a != b:
            first_more = a > b
            int_more = first_more if order == "int_first" else not first_more
            out.add(f"nums={'int_more' if int_more else 'int_less'}")

    # Words around the outcome.
    if outcome is not None:
        lo, hi = max(0, outcome[0] - WINDOW), min(len(words), outcome[1] + WINDOW)
        window = [w for k, w in enumerate(words[lo:hi], lo) if not outcome[0] <= k < outcome[1]]
        out.update(f"w:{w}" for w in window)
        out.update(f"b:{x}_{y}" for x, y in pairwise(window))
    out.update(f"s:{w}" for w in words if not w[0].isdigit())
    return sorted(out)


def phrase_features(
    sentence: str, intervention: str, outcome: str, comparator: str = ""
) -> list[str]:
    """:func:`features` of a reading whose arms and outcome are given as annotated strings."""
    tokens = tokenize(sentence)
    shared = set(_content(intervention)) & set(_content(comparator)) if comparator else set()
    return features(
        sentence,
        locate(tokens, intervention, shared),
        locate(tokens, outcome),
        locate(tokens, comparator, shared) if comparator else None,
        outcome_name=outcome,
    )


# --- the model --------------------------------------------------------------------------------


class EffectModelError(ValueError):
    """An effect model file that cannot be read (missing, not JSON, or not of this format)."""


@dataclass(frozen=True, slots=True)
class EffectReading:
    """What the classifier reads: the most likely change and the probability of each."""

    effect: Effect
    probability: float
    probabilities: dict[Effect, float]


class EffectModel:
    """The trained classifier: feature weights per label, read from JSON (numpy only)."""

    def __init__(
        self,
        labels: Sequence[Effect],
        feature_names: Sequence[str],
        coef: np.ndarray[Any, np.dtype[np.float64]],
        intercept: np.ndarray[Any, np.dtype[np.float64]],
        threshold: float,
        trained: dict[str, Any] | None = None,
    ) -> None:
        self.labels = tuple(labels)
        self.index = {name: i for i, name in enumerate(feature_names)}
        self.coef = coef
        self.intercept = intercept
        self.threshold = threshold
        self.trained = trained or {}

    @classmethod
    def load(cls, path: Path | str = "") -> EffectModel:
        """The model at ``path`` ("" is the shipped one); :class:`EffectModelError` if unusable."""
        where = model_file(path)
        try:
            data = json.loads(where.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise EffectModelError(f"{where}: no effect model there") from exc
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise EffectModelError(f"{where}: not a readable effect model ({exc})") from exc
        try:
            if data.get("format") != MODEL_FORMAT:
                raise EffectModelError(f"{where}: not a {MODEL_FORMAT} file")
            labels = [Effect(v) for v in data["labels"]]
            names = [str(n) for n in data["features"]]
            coef = np.asarray(data["coef"], dtype=np.float64)
            intercept = np.asarray(data["intercept"], dtype=np.float64)
            threshold = float(data["threshold"])
        except EffectModelError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise EffectModelError(f"{where}: effect model is damaged ({exc!r})") from exc
        if coef.shape != (len(labels), len(names)) or intercept.shape != (len(labels),):
            raise EffectModelError(
                f"{where}: effect model is damaged (weights {coef.shape} for "
                f"{len(labels)} labels and {len(names)} features)"
            )
        if not np.all(np.isfinite(coef)) or not np.all(np.isfinite(intercept)):
            raise EffectModelError(f"{where}: effect model is damaged (weights not finite)")
        return cls(labels, names, coef, intercept, threshold, data.get("trained"))

    def to_json(self) -> dict[str, Any]:
        """The model as the JSON object :meth:`load` reads."""
        names = sorted(self.index, key=self.index.__getitem__)
        return {
            "format": MODEL_FORMAT,
            "labels": [label.value for label in self.labels],
            "features": names,
            "coef": [[round(float(w), 6) for w in row] for row in self.coef],
            "intercept": [round(float(b), 6) for b in self.intercept],
            "threshold": self.threshold,
            "trained": self.trained,
        }

    def predict(self, feature_names: Iterable[str]) -> EffectReading:
        """The reading of one feature list (features unknown to the model are ignored)."""
        columns = [self.index[f] for f in feature_names if f in self.index]
        scores = self.intercept + self.coef[:, columns].sum(axis=1)
        scores = np.exp(scores - scores.max())
        probs = scores / scores.sum()
        best = int(np.argmax(probs))
        return EffectReading(
            effect=self.labels[best],
            probability=float(probs[best]),
            probabilities={label: float(p) for label, p in zip(self.labels, probs, strict=True)},
        )


_MODELS: dict[str, EffectModel] = {}


def model_file(path: Path | str = "") -> Path:
    """The model file ``path`` names: "" is the shipped one, a directory made by ``tcmkg
    train-effect`` holds it under the shipped file's name."""
    where = Path(path) if path else SHIPPED_MODEL
    return where / SHIPPED_MODEL.name if where.is_dir() else where


def load_model(path: Path | str = "") -> EffectModel:
    """The model at ``path`` ("" is the shipped one), loaded once per process."""
    key = str(path)
    if key not in _MODELS:
        _MODELS[key] = EffectModel.load(path)
    return _MODELS[key]


def read_effect(
    sentence: str,
    intervention: str | tuple[int, int],
    outcome: str | tuple[int, int],
    comparator: str | tuple[int, int] | None = None,
    *,
    model: EffectModel | None = None,
) -> EffectReading:
    """How ``sentence`` says the outcome changed under the intervention.

    Each of intervention, outcome and comparator is either the phrase as a paper or an
    annotator writes it (found in the sentence by its words) or a ``(start, end)`` character
    span of the sentence. ``model`` defaults to the shipped one.
    """
    tokens = tokenize(sentence)

    def span(value: str | tuple[int, int] | None, avoid: Iterable[str] = ()) -> Span | None:
        if value is None:
            return None
        if isinstance(value, tuple):
            return _span_of_chars(tokens, *value)
        return locate(tokens, value, avoid)

    def name(value: str | tuple[int, int]) -> str:
        return value if isinstance(value, str) else sentence[value[0] : value[1]]

    shared: set[str] = set()
    if isinstance(intervention, str) and isinstance(comparator, str):
        shared = set(_content(intervention)) & set(_content(comparator))
    names = features(
        sentence,
        span(intervention, shared),
        span(outcome),
        span(comparator, shared),
        outcome_name=name(outcome),
    )
    return (model or load_model()).predict(names)


# --- the pipeline component -------------------------------------------------------------------

# A sentence reports a result when it gives a statistic or a between-arm difference.
_RESULT_STAT = re.compile(
    r"\bp\s*(?:-?\s*values?)?\s*[<>=≤≥]|\bsignifican|\bno (?:statistically )?(?:significant )?"
    r"differen|\bdid not differ|\bsimilar\b|\bcomparable\b|\b95\s*%|\bconfidence interval|"
    r"\b(?:odds|hazard|risk) ratio|\brelative risk",
    re.IGNORECASE,
)
_RESULT_COMPARISON = re.compile(
    r"\b(?:higher|lower|greater|less|more|fewer|better|worse|increased|decreased|reduced|"
    r"improved|shorter|longer)\b[^.;]*\b(?:than|compared (?:with|to)|versus|vs\b|group|arm)",
    re.IGNORECASE,
)
# Aims, methods and plans name the arms and outcomes of a trial without its result.
_NOT_RESULT = re.compile(
    r"\b(?:aims?|aimed|objectives?|purpose|hypothes\w*|we (?:compared|investigated|evaluated|"
    r"assessed|examined|tested)|to (?:compare|evaluate|assess|investigate|determine|examine|"
    r"test)|were randomi[sz]ed|randomly (?:assigned|allocated)|will be|was measured|were measured|"
    r"primary (?:end ?point|outcome) (?:was|is))\b",
    re.IGNORECASE,
)
# An exposure named right after these words is the comparison's reference arm.
_REFERENCE_BEFORE = re.compile(
    r"(?:\bthan|\bcompared (?:with|to)|\bcomparison (?:with|to)|\bversus|\bvs\.?|\brelative to)"
    r"\s*(?:the|that of|those of|in|in the|with|with the|patients (?:on|receiving|given))?\s*$",
    re.IGNORECASE,
)
# Added pairs may stand further apart than the rules read (trial sentences put the arms, the
# figures and the outcome far apart), but not across a whole long sentence.
MAX_ADDED_GAP = 250
# An added relation is the model's reading, not a cue's: its strength for the confidence
# heuristic of :func:`ingest.nlp.relations.confidence` is the probability times this.
ADDED_STRENGTH = 0.8


def reports_result(sentence: str) -> bool:
    """Whether a sentence reports a trial result (a statistic or a between-arm comparison)."""
    if _NOT_RESULT.search(sentence):
        return False
    return bool(_RESULT_STAT.search(sentence) or _RESULT_COMPARISON.search(sentence))


# Words around a mention that make it another outcome: "relief of pain" and "pain-free" are
# outcomes of which more is better. Words of change ("a decrease in pain") are not among them:
# the classifier reads them as the change of the mention itself.
_NAMING_PREFIX = re.compile(
    r"(?:relief|remission|resolution|recovery|control|time to|free)\s+(?:in|of|from)?\s*"
    r"(?:the\s+)?$",
    re.IGNORECASE,
)
_NAMING_SUFFIX = re.compile(r"[\s-]*(?:free|relief|control|remission|resolution)\b", re.IGNORECASE)


def _polarity_of_mention(text: str, mention: Mention, sentence_start: int) -> Polarity:
    # A disease the vocabulary names is, unless turned round, something of which less is
    # better (its incidence, its severity).
    before = text[max(sentence_start, mention.start - 20) : mention.start]
    prefix = _NAMING_PREFIX.search(before)
    after = _NAMING_SUFFIX.match(text, mention.end)
    phrase = (prefix.group(0) if prefix else "") + mention.text + (after.group(0) if after else "")
    polarity = outcome_polarity(phrase)
    if polarity is Polarity.UNKNOWN and mention.kind is EntityKind.DISEASE:
        return Polarity.MORE_IS_BETTER if (prefix or after) else Polarity.LESS_IS_BETTER
    return polarity


# A null reading is added only where the sentence reports a null comparison in so many words
# ("no significant difference", "did not differ", "similar in both groups", "P = 0.42"); a bare
# "similar to" says two things are alike, not that two arms did not differ.
_NULL_REPORT = re.compile(
    r"\bno (?:statistically )?significant|\bnot (?:statistically )?significant|"
    r"\bnon-?significant|\bdid not (?:significantly |statistically )?differ|\bno differen|"
    r"\bwere not different|\bwas not different|\bp\s*(?:>|=|≥)\s*0?\.(?:0[5-9]|[1-9])|"
    r"\b(?:similar|comparable|unchanged) (?:in|between|among|across|for|with) "
    r"(?:both|the two|all|each|the|groups?)\b",
    re.IGNORECASE,
)
# Harm words a trial result does not need: where one stands, the sentence tells of an agent
# that caused something ("X-induced", "developed", "adverse", "led to"), and this component,
# which writes no harm, adds nothing there. Time words ("after 12 weeks") are not among them.
_HARM_WORDS = Lexicon({"harm": dirn.LEXICON[dirn.CueKind.HARM]})
_TIME_WORDS = frozenset({"after", "following"})


def _harm_words(sentence: str) -> bool:
    return any(c.text.lower() not in _TIME_WORDS for c in _HARM_WORDS.scan(sentence))


def _modifies(text: str, exposure: Mention, condition: Mention) -> bool:
    """Whether the exposure names the kind of the condition rather than an arm: glued to it
    ("gentamicin-ARF", "propofol infusion pain") or to a harm word ("dex-induced")."""
    if dirn.glued(text[exposure.end : exposure.end + 12]):
        return True
    if condition.start >= exposure.end:
        gap = text[exposure.end : condition.start]
        return len(gap.split()) <= 1 and not re.search(r"[,;:()]", gap)
    return False


# An exposure is an arm of the comparison when the sentence names it as given ("treated with
# X", "received X", "X supplementation", "the X group"); a compound named as a measurement
# ("glucose levels", "production of nitric oxide") is an outcome of another arm, not an arm.
_ARM_AFTER = re.compile(
    r"\s*(?:extracts?\s+|\([^()]{0,30}\)\s*)?(?:-?treated|groups?\b|arms?\b|treatment|therapy|"
    r"supplementation|administration|users\b|recipients\b|intake\b|injection|infusion\b|"
    r"monotherapy|regimen|capsules?\b|tablets?\b|granules?\b|decoction|plus\b|\+|"
    r"(?:and|or|vs\.?|versus)\s+(?:\S+\s+){0,2}(?:groups?|arms?)\b)",
    re.IGNORECASE,
)
_ARM_BEFORE = re.compile(
    r"(?:treated with|treatment with|therapy with|receiving|received|given|administration of|"
    r"administered|supplementation (?:with|of)|supplemented with|taking|took|assigned to|"
    r"randomi[sz]ed to|allocated to|use of|users of|plus|combined with|addition of|adding|"
    r"between)"
    r"\s+(?:\S+\s+){0,3}$",
    re.IGNORECASE,
)
_MEASURED_BEFORE = re.compile(
    r"(?:levels?|concentrations?|activit(?:y|ies)|production|content|expression|secretion|"
    r"release|uptake|serum|plasma|urinary|hepatic|tissue|blood)\s+(?:of\s+)?(?:the\s+)?$",
    re.IGNORECASE,
)
_MEASURED_AFTER = re.compile(
    r"\s*(?:\([^()]{0,20}\)\s*)?(?:levels?|concentrations?|production|activit|content|leakage|"
    r"infusion rate|secretion|release|uptake|tolerance|utili[sz]ation|responses?)\b",
    re.IGNORECASE,
)
# One to three capitals name an abbreviation whose meaning the sentence may not give ("PF",
# "OA", "DM"): a guess at its relation is not worth a claim.
_SHORT_FORM = re.compile(r"[A-Z]{1,3}s?")


def _is_arm(text: str, exposure: Mention, sentence_start: int) -> bool:
    """Whether the sentence names ``exposure`` as an arm given to patients or animals."""
    before = text[max(sentence_start, exposure.start - 40) : exposure.start]
    after = text[exposure.end : exposure.end + 40]
    if _MEASURED_BEFORE.search(before) or _MEASURED_AFTER.match(after):
        return False
    return bool(_ARM_AFTER.match(after) or _ARM_BEFORE.search(before))


def _named_polarity(text: str, mention: Mention, sentence_start: int) -> Polarity:
    """The polarity the lexicon gives a mention (no default for diseases)."""
    polarity = _polarity_of_mention(text, mention, sentence_start)
    if outcome_polarity(mention.text) is Polarity.UNKNOWN and mention.kind is EntityKind.DISEASE:
        return Polarity.UNKNOWN
    return polarity


def _with_mentions(
    doc: Doc, mentions: list[Mention], added: list[Mention], relations: list[Relation]
) -> list[Relation]:
    """Merge ``added`` (numbered after ``mentions``) into the document's mentions in offset
    order, and renumber ``relations`` to match."""
    merged = sorted(enumerate([*mentions, *added]), key=lambda item: (item[1].start, item[1].end))
    new_index = {old: new for new, (old, _) in enumerate(merged)}
    doc._.tcm_mentions = [m for _, m in merged]
    return [replace(r, subject=new_index[r.subject], object=new_index[r.object]) for r in relations]


class EffectComponent(GroundsMentions):
    """``tcm_effect``: directions of trial results on outcomes, and the pairs rules missed."""

    def __init__(
        self, nlp: Language, name: str, enabled: bool, model: str, min_probability: float
    ) -> None:
        self.name = name
        self.enabled = enabled
        self.min_probability = min_probability
        # the model file, for the pipeline's version (ingest.nlp.pipeline.pipeline_version)
        self.path = model_file(model)
        self.model = load_model(model) if enabled else None

    def _outcome_mention(self, name: str, start: int, sentence: int) -> Mention:
        """An outcome measure found by :func:`ingest.nlp.outcomes.outcome_phrases`, with the
        vocabulary's id when its name is one, else an ungrounded one (a fuzzy match of a
        measure's words would guess)."""
        grounding = self.grounder.ground(name, EntityKind.OUTCOME)
        mention = Mention(start, start + len(name), name, EntityKind.OUTCOME, sentence=sentence)
        if grounding.how == "normalised" and grounding.kind in CONDITIONS:
            return grounded(mention, grounding)
        return replace(
            mention, ids=(ungrounded_curie(EntityKind.OUTCOME.value, normalise_name(name) or name),)
        )

    def _reading(
        self, doc: Doc, bounds: tuple[int, int], exposure: Mention, condition: Mention
    ) -> tuple[Direction, float] | None:
        if self.model is None:
            return None
        start, end = bounds
        sentence = doc.text[start:end]
        others = [
            m
            for m in mentions_of(doc)
            if m.sentence == exposure.sentence
            and m.kind in EXPOSURES
            and not set(m.curies) & set(exposure.curies)
            and _REFERENCE_BEFORE.search(doc.text[max(start, m.start - 30) : m.start])
        ]
        comparator = (others[0].start - start, others[0].end - start) if others else None
        reading = read_effect(
            sentence,
            (exposure.start - start, exposure.end - start),
            (condition.start - start, condition.end - start),
            comparator,
            model=self.model,
        )
        if reading.probability < self.min_probability:
            return None
        polarity = _polarity_of_mention(doc.text, condition, start)
        direction = benefit_of(reading.effect, polarity)
        if direction is Direction.UNKNOWN:
            return None
        return direction, reading.probability

    def __call__(self, doc: Doc) -> Doc:
        if self.model is None:
            return doc
        relations: list[Relation] = list(doc._.tcm_relations or ())
        mentions = mentions_of(doc)
        bounds = sentence_bounds(doc)
        if not mentions:
            return doc
        text = doc.text
        results: dict[int, bool] = {}

        def is_result(sentence: int) -> bool:
            if sentence not in results:
                s, e = bounds[sentence]
                results[sentence] = reports_result(text[s:e])
            return results[sentence]

        # A pair whose rule harm the relation model vetoed was read and found unclear: adding a
        # treats for it would turn a doubtful harm into a benefit.
        vetoed = doc._.tcm_vetoed if Doc.has_extension("tcm_vetoed") else None
        related: set[tuple[int, int]] = set(vetoed or ())
        out: list[Relation] = []
        for relation in relations:
            related.add(
                (min(relation.subject, relation.object), max(relation.subject, relation.object))
            )
            subject, obj = mentions[relation.subject], mentions[relation.object]
            if (
                relation.predicate is Predicate.TREATS
                and not relation.negated
                and obj.kind in CONDITIONS
                and subject.kind in EXPOSURES
                and is_result(obj.sentence)
                and not _REFERENCE_BEFORE.search(
                    text[max(relation.sentence[0], subject.start - 30) : subject.start]
                )
            ):
                read = self._reading(doc, bounds[obj.sentence], subject, obj)
                if (
                    read is not None
                    and read[0] is Direction.HARM
                    and relation.direction is Direction.BENEFIT
                    and _named_polarity(text, obj, relation.sentence[0]) is Polarity.MORE_IS_BETTER
                ):
                    relation = replace(relation, direction=Direction.HARM)
            out.append(relation)

        hedged_flags = doc._.tcm_hedged
        negation = cue_index(doc)
        by_sentence: dict[int, list[int]] = {}
        for i, m in enumerate(mentions):
            by_sentence.setdefault(m.sentence, []).append(i)

        def add(i: int, exposure: Mention, j: int, condition: Mention, sentence: int) -> bool:
            """Add the classifier's treats of ``exposure`` on ``condition`` where it holds."""
            s_start = bounds[sentence][0]
            first, second = sorted((exposure, condition), key=lambda m: m.start)
            if second.start < first.end or second.start - first.end > MAX_ADDED_GAP:
                return False
            if (
                _modifies(text, exposure, condition)
                or not _is_arm(text, exposure, s_start)
                or _SHORT_FORM.fullmatch(condition.text)
            ):
                return False
            read = self._reading(doc, bounds[sentence], exposure, condition)
            if read is None or read[0] not in (Direction.BENEFIT, Direction.NULL):
                return False  # never a harm from this component
            if read[0] is Direction.NULL and not _NULL_REPORT.search(
                text[s_start : bounds[sentence][1]]
            ):
                return False
            direction, probability = read
            negated = negation.relation_negated(s_start, first.start, first.end, second.start)
            between = [m for m in mentions if m.start >= first.end and m.end <= second.start]
            hedged = bool(hedged_flags[sentence]) if sentence < len(hedged_flags) else False
            out.append(
                Relation(
                    subject=i,
                    object=j,
                    predicate=Predicate.TREATS,
                    direction=Direction.NULL if negated else direction,
                    negated=negated,
                    hedged=hedged,
                    sentence=bounds[sentence],
                    confidence=confidence(
                        probability * ADDED_STRENGTH,
                        second.start - first.end,
                        len(between),
                        exposure.ambiguous or condition.ambiguous,
                        hedged,
                    ),
                )
            )
            related.add((min(i, j), max(i, j)))
            return True

        added: list[Mention] = []
        for sentence, indices in by_sentence.items():
            if sentence >= len(bounds) or not is_result(sentence):
                continue
            s_start, s_end = bounds[sentence]
            if _harm_words(text[s_start:s_end]):
                continue
            arms = [
                i
                for i in indices
                if mentions[i].kind in EXPOSURES
                and not _REFERENCE_BEFORE.search(
                    text[max(s_start, mentions[i].start - 30) : mentions[i].start]
                )
            ]
            if not arms:
                continue
            for i in arms:
                exposure = mentions[i]
                for j in indices:
                    condition = mentions[j]
                    if condition.kind not in CONDITIONS or (min(i, j), max(i, j)) in related:
                        continue
                    if set(exposure.curies) & set(condition.curies):
                        continue
                    add(i, exposure, j, condition, sentence)
            # Outcome measures no mention names ("the angina attack frequency"): a mention
            # only where one of the arms gets a reading on it.
            taken = [(mentions[k].start, mentions[k].end) for k in indices]
            for p_start, p_end in outcome_phrases(text, s_start, s_end, taken):
                outcome = self._outcome_mention(text[p_start:p_end], p_start, sentence)
                j = len(mentions) + len(added)
                if any([add(i, mentions[i], j, outcome, sentence) for i in arms]):
                    added.append(outcome)
        if added:
            out = _with_mentions(doc, mentions, added, out)
        doc._.tcm_relations = out
        return doc


@Language.factory(
    "tcm_effect", default_config={"enabled": True, "model": "", "min_probability": 0.82}
)
def make_effect(
    nlp: Language, name: str, enabled: bool, model: str, min_probability: float
) -> EffectComponent:
    """Effect directions of trial results (``model`` "" is the shipped classifier); a reading
    less probable than ``min_probability`` changes nothing."""
    return EffectComponent(nlp, name, enabled, model, min_probability)
