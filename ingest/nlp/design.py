"""Study design, sample size and species of a paper.

The design comes from the record's publication types when it has any (PubMed's own indexing
is better than any cue), and otherwise from cues in the title and abstract. Cues are tried
from the strongest design down, so a randomised trial that also used rats stays an RCT; among
preclinical designs the in vivo one wins over cell work, and both over in silico work.

The ``tcm_study_design`` pipeline component reads the record's publication types from
``Doc._.tcm_publication_types`` (set by the caller before the pipeline runs) and puts a
:class:`StudyInfo` in ``Doc._.tcm_study``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from kg.model import StudyDesign


@dataclass(frozen=True, slots=True)
class StudyInfo:
    """What kind of study a paper reports, how many subjects, and in which species."""

    design: StudyDesign = StudyDesign.UNKNOWN
    sample_size: int | None = None
    species: str | None = None
    design_from: str = "none"  # "publication_type", "text" or "none"


# PubMed publication types, strongest first.
_PUBLICATION_TYPES: tuple[tuple[str, StudyDesign], ...] = (
    ("meta-analysis", StudyDesign.META_ANALYSIS),
    ("systematic review", StudyDesign.SYSTEMATIC_REVIEW),
    ("randomized controlled trial", StudyDesign.RCT),
    ("pragmatic clinical trial", StudyDesign.RCT),
    ("equivalence trial", StudyDesign.RCT),
    ("controlled clinical trial", StudyDesign.NON_RANDOMISED_TRIAL),
    ("clinical trial, phase", StudyDesign.NON_RANDOMISED_TRIAL),
    ("clinical trial", StudyDesign.NON_RANDOMISED_TRIAL),
    ("observational study", StudyDesign.COHORT),
    ("case reports", StudyDesign.CASE_REPORT),
    ("review", StudyDesign.REVIEW),
)


@dataclass(frozen=True, slots=True)
class _Cue:
    """Cue words (any one suffices) and phrases (of folded words) for one design."""

    design: StudyDesign
    words: frozenset[str] = frozenset()
    phrases: tuple[str, ...] = ()


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _cue(design: StudyDesign, words: str = "", phrases: tuple[str, ...] = ()) -> _Cue:
    return _Cue(design, _word_set(words), phrases)


# Text cues, strongest design first. The text is folded to lower-case words separated by one
# space ("Meta-Analysis" -> "meta analysis"), so cues are word sets and word sequences: a set
# lookup and a substring test, far cheaper than a regular expression per design.
_TEXT_CUES: tuple[_Cue, ...] = (
    _cue(StudyDesign.META_ANALYSIS, "metaanalysis metaanalyses", ("meta analys",)),
    _cue(StudyDesign.SYSTEMATIC_REVIEW, "", ("systematic review", "systematically review")),
    _cue(
        StudyDesign.RCT,
        "randomized randomised",
        (
            "randomly assigned",
            "randomly allocated",
            "randomly divided",
            "double blind",
            "placebo controlled",
        ),
    ),
    _cue(StudyDesign.CASE_CONTROL, "", ("case control",)),
    _cue(StudyDesign.COHORT, "cohort prospective prospectively retrospective registry"),
    _cue(
        StudyDesign.CASE_REPORT,
        "",
        (
            "case report",
            "we report a",
            "we describe a",
            "we present a",
            "we report an",
            "we describe an",
            "we present an",
            "year old man",
            "year old woman",
            "year old boy",
            "year old girl",
            "year old patient",
        ),
    ),
    _cue(
        StudyDesign.NON_RANDOMISED_TRIAL,
        "crossover nonrandomized nonrandomised",
        (
            "clinical trial",
            "open label",
            "single arm",
            "non randomi",
            "cross over",
            "phase i ",
            "phase ii",
            "phase iii",
            "phase iv",
            "phase 1 ",
            "phase 2 ",
            "phase 3 ",
        ),
    ),
    _cue(
        StudyDesign.ANIMAL,
        "rat rats mice mouse murine rabbit rabbits dog dogs beagle beagles pig pigs piglets "
        "monkey monkeys zebrafish hamster hamsters",
        ("in vivo", "animal model", "guinea pig"),
    ),
    _cue(
        StudyDesign.IN_VITRO,
        "cultured microsomes microsome hepatocytes cells hepg2 hek293 hela a549 huvec huvecs",
        ("in vitro", "cell line", "caco 2", "mcf 7", "raw 264", "raw264"),
    ),
    _cue(
        StudyDesign.IN_SILICO,
        "docking bioinformatics bioinformatic",
        ("network pharmacology", "in silico", "molecular dynamics"),
    ),
    _cue(StudyDesign.REVIEW, "review overview", ("we summarize", "we summarise")),
)
_HUMAN = _word_set(
    "patient patients participant participants volunteer volunteers subjects women men adults "
    "children infants pregnant human humans healthy"
)
_SPECIES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"rat", "rats"}), "rat"),
    (frozenset({"mice", "mouse", "murine"}), "mouse"),
    (frozenset({"rabbit", "rabbits"}), "rabbit"),
    (frozenset({"dog", "dogs", "beagle", "beagles"}), "dog"),
    (frozenset({"pig", "pigs", "piglet", "piglets", "swine"}), "pig"),
    (frozenset({"monkey", "monkeys", "macaque", "macaques"}), "monkey"),
    (frozenset({"zebrafish"}), "zebrafish"),
    (frozenset({"hamster", "hamsters"}), "hamster"),
)
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        (
            *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
            *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"),
            *("seventeen", "eighteen", "nineteen", "twenty"),
        )
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80}
_SUBJECTS = _word_set(
    "patients participants subjects volunteers women men adults children infants individuals "
    "people persons cases smokers outpatients inpatients rats mice rabbits dogs animals pigs "
    "monkeys"
)
_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+|[a-z0-9]+")
_N_EQUALS = re.compile(r"\b[nN]\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)")
MAX_SAMPLE = 10_000_000
# How many words may stand between a count and its noun ("120 consecutive adult patients").
COUNT_REACH = 4


@dataclass(frozen=True, slots=True)
class _Folded:
    """A text as lower-case words: a list, a set, and one space-joined string."""

    tokens: list[str]
    words: frozenset[str]
    joined: str

    @classmethod
    def of(cls, text: str) -> _Folded:
        tokens = _TOKEN.findall(text.lower())
        return cls(tokens, frozenset(tokens), f" {' '.join(tokens)} ")

    def has(self, cue: _Cue) -> bool:
        return not cue.words.isdisjoint(self.words) or any(p in self.joined for p in cue.phrases)


def design_from_publication_types(publication_types: Iterable[str]) -> StudyDesign | None:
    """The strongest design named by PubMed publication types, or None if none names one."""
    names = [p.strip().lower() for p in publication_types]
    for key, design in _PUBLICATION_TYPES:
        if any(name.startswith(key) for name in names):
            return design
    return None


def design_from_text(text: str, folded: _Folded | None = None) -> StudyDesign:
    """The strongest design cued in ``text``; ``other`` for human studies with no cue."""
    words = folded or _Folded.of(text)
    for cue in _TEXT_CUES:
        if words.has(cue):
            return cue.design
    return StudyDesign.OTHER if not _HUMAN.isdisjoint(words.words) else StudyDesign.UNKNOWN


def _as_int(token: str) -> int | None:
    word = token.lower()
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    digits = word.replace(",", "")
    return int(digits) if digits.isdigit() else None


def _plausible(token: str) -> int | None:
    value = _as_int(token)
    if value is None or value == 0 or value > MAX_SAMPLE:
        return None
    # Years ("in 2010 patients") are not counts.
    if 1900 <= value <= 2100 and "," not in token:
        return None
    return value


def sample_size(text: str, folded: _Folded | None = None) -> int | None:
    """The number of subjects reported (the largest count of people or animals), or None."""
    words = folded or _Folded.of(text)
    best: int | None = None
    if not _SUBJECTS.isdisjoint(words.words):
        tokens = words.tokens
        for i, token in enumerate(tokens):
            if token not in _SUBJECTS:
                continue
            for j in range(i - 1, max(-1, i - 1 - COUNT_REACH), -1):
                value = _plausible(tokens[j])
                if value is not None:
                    best = value if best is None else max(best, value)
                    break
    if "=" in text:
        for match in _N_EQUALS.finditer(text):
            value = _plausible(match.group(1))
            if value is not None:
                best = value if best is None else max(best, value)
    return best


_HUMAN_DESIGNS = frozenset(
    {
        StudyDesign.META_ANALYSIS,
        StudyDesign.SYSTEMATIC_REVIEW,
        StudyDesign.RCT,
        StudyDesign.NON_RANDOMISED_TRIAL,
        StudyDesign.COHORT,
        StudyDesign.CASE_CONTROL,
        StudyDesign.CASE_REPORT,
        StudyDesign.OTHER,
    }
)


def species(text: str, design: StudyDesign, folded: _Folded | None = None) -> str | None:
    """The species studied: "human" for clinical designs, else the animal named, else None."""
    if design in _HUMAN_DESIGNS:
        return "human"
    words = folded or _Folded.of(text)
    for names, name in _SPECIES:
        if not names.isdisjoint(words.words):
            return name
    if " guinea pig" in words.joined:
        return "guinea pig"
    if design is StudyDesign.IN_VITRO and "human" in words.words:
        return "human"
    return None


def study_info(publication_types: Iterable[str], text: str) -> StudyInfo:
    """Design (publication types first, else text cues), sample size and species of a paper."""
    folded = _Folded.of(text)
    design = design_from_publication_types(publication_types)
    source = "publication_type"
    if design is None:
        design = design_from_text(text, folded)
        source = "none" if design is StudyDesign.UNKNOWN else "text"
    return StudyInfo(design, sample_size(text, folded), species(text, design, folded), source)


for _name in ("tcm_publication_types", "tcm_study"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def study_of(doc: Doc) -> StudyInfo:
    """The study information the pipeline put on ``doc``."""
    study: StudyInfo | None = doc._.tcm_study
    return study if study is not None else StudyInfo()


class StudyDesignComponent:
    """``tcm_study_design``: design, sample size and species of the document."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        types: tuple[str, ...] = doc._.tcm_publication_types or ()
        doc._.tcm_study = study_info(types, doc.text)
        return doc


@Language.factory("tcm_study_design")
def make_study_design(nlp: Language, name: str) -> StudyDesignComponent:
    """The study design, sample size and species reader."""
    return StudyDesignComponent(nlp, name)
