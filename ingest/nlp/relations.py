"""Relations between two mentions of one sentence.

Which predicate a pair may take depends on the kinds of its mentions:

========================================  ==================  =============================
subject                                   object              predicates
========================================  ==================  =============================
herb, formula, preparation, compound,     disease, outcome    ``treats`` / ``causes``
drug
herb, formula, preparation, compound,     target, pathway     ``inhibits`` / ``activates`` /
drug                                                          ``binds``
herb, formula, preparation                compound            ``contains``
herb, formula, preparation, compound      drug                ``interacts_with``
target, pathway                           disease             ``associated_with``
========================================  ==================  =============================

The subject is the exposure whichever comes first in the sentence. A pair needs a cue (see
:mod:`ingest.nlp.direction` for treats/causes); mere co-occurrence makes no relation. A herb,
formula or organism named only as the source of a compound beside it ("Bilobalide, a
constituent of Ginkgo biloba, inhibits …", "Cryptotanshinone from Salvia miltiorrhiza") takes
no effect or molecular relation there, only ``contains``: the finding is the compound's
(:func:`named_sources`). Its preparation ("the ethanol fraction of X") or part ("the
sclerotium of X") stays its own.

Confidence is a heuristic in [0.05, 0.99]: the cue's strength (0.9 for a cue glued to the
exposure, as in "X-induced Y"; 0.75 for a verb between the two; 0.55 for a therapeutic context
only), minus 0.1 when the pair is more than 60 characters apart and 0.2 beyond 150, minus
0.1 for each other mention between them (at most two), times 0.6 when either mention is
ambiguous, times 0.9 when the sentence is hedged.

Harm claims (``causes``, ``interacts_with``) turn into red safety flags, so the rules read them
narrowly: an interaction needs a cue in its sentence and is not read for a list of herbs against
a list of drugs, a drug that makes a disease model ("cyclophosphamide-treated mice"), a
protection against the drug's own harm, a wanted synergy against cancer cells, the herb a
named compound comes from, or two arms joined by "and"; a null result negates it, and a
warning ("should not be used with warfarin") does not. No harm claim is written from a
question, aim or method sentence (or, for an interaction, a topic title such as "Effects of X
on the pharmacokinetics of Y") unless a finding of the same abstract reports the change
(:func:`drop_asked_harms`).

The ``tcm_relations`` pipeline component puts the relations of every sentence in
``Doc._.tcm_relations``; its ``min_confidence`` drops the weaker ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp import direction as dirn
from ingest.nlp.cues import Cue, CueList, Entry, Lexicon
from ingest.nlp.mentions import Mention, mentions_of
from ingest.nlp.negation import WARNING, CueIndex, cue_index
from ingest.nlp.sentences import sentence_bounds
from ingest.nlp.statements import AIM, METHOD, TITLE, statement_roles
from kg.model import Direction, EntityKind, Predicate
from kg.names import PART_WORDS

K = EntityKind
EXPOSURES = frozenset({K.HERB, K.FORMULA, K.HOSPITAL_PREPARATION, K.COMPOUND, K.DRUG})
CONDITIONS = frozenset({K.DISEASE, K.OUTCOME})
MOLECULAR = frozenset({K.TARGET, K.PATHWAY})
MATERIA = frozenset({K.HERB, K.FORMULA, K.HOSPITAL_PREPARATION})
# A species the vocabulary does not tie to a herb ("Tamarindus indica extract lowered blood
# glucose") is an exposure for treats/causes only: it takes no molecular, composition or
# interaction relation, since a microbe beside a drug is an infection treated, not a
# herb–drug interaction.
EFFECT_EXPOSURES = EXPOSURES | {K.ORGANISM}

MOLECULAR_KINDS = frozenset({"inhibits", "activates", "binds"})
LEXICON: dict[str, Entry] = {
    "inhibits": Entry(
        stems=(
            "inhibit",
            "suppress",
            "downregulat",
            "repress",
            "decreas",
            "reduc",
            "block",
            "attenuat",
            "antagoni",
            "lower",
            "diminish",
            "abolish",
            "impair",
        ),
        phrases=("down regulated", "down regulation", "down regulates", "down regulating"),
    ),
    "activates": Entry(
        stems=(
            "activat",
            "upregulat",
            "increas",
            "enhanc",
            "induc",
            "promot",
            "stimulat",
            "agonis",
            "elevat",
            "potentiat",
        ),
        phrases=("up regulated", "up regulation", "up regulates", "up regulating"),
    ),
    "binds": Entry(stems=("bind", "dock", "affinit"), words=("bound",)),
    "contains": Entry(
        stems=("contain", "constituent", "component", "ingredient", "isolat", "extract", "deriv"),
        words=("from", "principle", "principles", "purified"),
        phrases=(
            *("rich in", "found in", "compound of", "compounds of", "compounds in"),
            *("standardized to", "standardised to"),
        ),
    ),
    "interacts": Entry(
        stems=(
            "interact",
            "coadminist",
            "concomitant",
            "combin",
            "pharmacokinetic",
            "bioavailab",
            "clearance",
            "metabol",
            "potentiat",
        ),
        words=("auc", "cmax"),
        phrases=(
            "co administered",
            "co administration",
            "together with",
            "plasma concentration",
            "plasma concentrations",
            "plasma level",
            "plasma levels",
            "exposure to",
            "levels of",
        ),
    ),
    "associated": Entry(
        stems=(
            "associat",
            "involv",
            "implicat",
            "mediat",
            "contribut",
            "regulat",
            "pathogen",
            "express",
            "correlat",
            "biomarker",
        ),
        words=("role", "roles", "linked", "target", "targets"),
        phrases=("associated with",),
    ),
}


def document_lexicon() -> Lexicon:
    """One lexicon of every cue the relation extractor reads (effect cues first)."""
    return Lexicon({**dirn.LEXICON, **LEXICON})


_CONTAINS = frozenset({"contains"})
_INTERACTS = frozenset({"interacts"})
_ASSOCIATED = frozenset({"associated"})

GLUED_STRENGTH = 0.9
VERB_STRENGTH = 0.75
CONTEXT_STRENGTH = 0.55


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation between two mentions (indices into the document's mention list)."""

    subject: int
    object: int
    predicate: Predicate
    direction: Direction
    negated: bool
    hedged: bool
    sentence: tuple[int, int]
    confidence: float


def confidence(strength: float, gap: int, intervening: int, ambiguous: bool, hedged: bool) -> float:
    """The documented confidence heuristic (see the module docs)."""
    value = strength
    if gap > 150:
        value -= 0.2
    elif gap > 60:
        value -= 0.1
    value -= 0.1 * min(intervening, 2)
    if ambiguous:
        value *= 0.6
    if hedged:
        value *= 0.9
    return round(min(0.99, max(0.05, value)), 2)


def _roles(a: Mention, b: Mention) -> tuple[str, bool] | None:
    """The relation family of a pair and whether ``a`` (the earlier mention) is the subject."""
    ka, kb = a.kind, b.kind
    if ka in EFFECT_EXPOSURES and kb in CONDITIONS:
        return "effect", True
    if kb in EFFECT_EXPOSURES and ka in CONDITIONS:
        return "effect", False
    if ka in EXPOSURES and kb in MOLECULAR:
        return "molecular", True
    if kb in EXPOSURES and ka in MOLECULAR:
        return "molecular", False
    if ka in MATERIA and kb is K.COMPOUND:
        return "contains", True
    if kb in MATERIA and ka is K.COMPOUND:
        return "contains", False
    if kb is K.DRUG and ka in EXPOSURES and ka is not K.DRUG:
        return "interacts", True
    if ka is K.DRUG and kb in EXPOSURES and kb is not K.DRUG:
        return "interacts", False
    if ka in MOLECULAR and kb is K.DISEASE:
        return "associated", True
    if kb in MOLECULAR and ka is K.DISEASE:
        return "associated", False
    return None


def relation_roles(a: Mention, b: Mention) -> tuple[str, bool] | None:
    """The relation family a pair of mentions may take (``effect``, ``molecular``,
    ``contains``, ``interacts``, ``associated``) and whether ``a``, the earlier mention, is its
    subject; None when their kinds allow no predicate (the table of the module docs)."""
    return _roles(a, b)


_COORDINATION = re.compile(r"^\W*(?:and|or|plus|with|,)?\W*$", re.IGNORECASE)
# Before a disease named first, words that make it the indication: "patients with Y treated
# with X", "treatment of Y with X", "X for Y".
_INDICATION = re.compile(
    r"(?:(?:patients|subjects|participants|people|children|adults|women|men|those|rats|mice)"
    r"\s+with|(?:treatment|therapy|management)\s+(?:of|for))\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
# A disease that went away when the drug was stopped was caused by it (dechallenge), so a
# benefit word there ("resolved", "reversible") is no treatment.
_DECHALLENGE = re.compile(
    r"discontinu|withdr[ae]w|cessation|stopp|taper|switch(?:ed|ing) from|reducing the dose",
    re.IGNORECASE,
)
_STRONG_HARM = re.compile(
    r"(?:side[ -]effects?|adverse|toxicit|induc|caus|hepatotoxic|nephrotoxic|cardiotoxic)",
    re.IGNORECASE,
)
_ANTI = re.compile(r"\banti-?$", re.IGNORECASE)
# A contrast that hands the sentence to a second verb: "… for A but caused B".
_BUT_THEN = re.compile(
    r"\b(?:but|however|yet|whereas|while)\s+(?:(?:it|also|has|have|had|was|were|\w+ly)\s+)*$"
)
_BY = re.compile(r"\w*\s+by\s+", re.IGNORECASE)
_GLUED_AFTER_NOTE = re.compile(r"^\s*\([^()]{0,40}\)\s*-$")
_CLAUSE_BREAK = re.compile(r"[;:]|\.\s")
_PASSIVE = re.compile(r"\b(?:by|with|after|following|using)\b", re.IGNORECASE)
# Words that may stand right before a verb "induce(s)/induced" whose subject is the exposure
# ("X may induce Y", "X, which induced Y", "X significantly induced Y"). After any other word
# the participle is an adjective naming the agent of a disease model ("alloxan induced diabetic
# rats", "high fat diet induced atherosclerosis", "(TST) induced neuropathic pain"): that agent,
# not the exposure studied in the model, is what induced the disease.
_VERB_LEAD = frozenset(
    {
        "may",
        "might",
        "can",
        "could",
        "would",
        "will",
        "to",
        "which",
        "that",
        "also",
        "not",
        "has",
        "have",
        "had",
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "did",
        "does",
        "do",
        "and",
        "or",
    }
)
_LAST_WORD = re.compile(r"([A-Za-z]+)\W*$")
_INVERSE = re.compile(
    r"\b(?:inverse(?:ly)?|negative(?:ly)?)\s+(?:\w+\s+)?(?:associat|correlat|relat|link)",
    re.IGNORECASE,
)
# An exposure named as a treatment: the cue phrase, then at most a few words before Y.
_FOR_TREATING = re.compile(
    r"\b(?:for|in)\s+the\s+(?:treatment|management|prevention|therapy)\s+of\s+"
    r"(?:[\w-]+\s+){0,3}$",
    re.IGNORECASE,
)
_FREE_OF = re.compile(r"-free\b", re.IGNORECASE)
# An exposure stopped ("cessation of sulphasalazine treatment resulted in improvements in
# fever"): what improved after it was stopped is what it caused, so no benefit is read; a harm
# read there stands ("hypertension persisted after discontinuing licorice").
_STOPPED_BEFORE = re.compile(
    r"\b(?:cessation|discontinuation|withdrawal|interruption|stopping|withdrawing|"
    r"discontinuing|tapering)\s+(?:of\s+)?(?:the\s+)?(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
# An exposure named after "induced by", alone or in a list ("convulsions induced by flurothyl,
# picrotoxin, pentetrazol (PTZ) or bicuculline"), is what induced a condition: no remedy.
_LISTED = r"[^\s,;()]+(?:\s+[^\s,;()]+){0,3}\s*(?:\([^()]{0,30}\)\s*)?"
_INDUCER_BEFORE = re.compile(
    r"\b(?:induced|caused|provoked|evoked|elicited|triggered|precipitated)\s+by\s+"
    rf"(?:(?:the|a|an)\s+)?(?:{_LISTED}(?:,\s*(?:(?:and|or)\s+)?|\b(?:and|or)\s+))*"
    r"(?:[^\s,;()]+\s*\(\s*)?$",
    re.IGNORECASE,
)
_LIST_GOES_ON = re.compile(r"\s*\)?\s*(?:\([^()]{0,30}\)\s*)?(?:,|\band\b|\bor\b)", re.IGNORECASE)
_LAST_SEPARATOR = re.compile(r"(?:\bby|\b(?:and|or))\s+(?:(?:the|a|an)\s+)?$", re.IGNORECASE)


def _an_inducer(text: str, exposure: Mention, sentence: tuple[int, int]) -> bool:
    """Whether ``exposure`` is named as what induced something (see :data:`_INDUCER_BEFORE`).

    The exposure must be in the list after "by": right after it, after "and"/"or", or followed
    by more of the list; in "the PD model induced by MPTP, ME showed a preventative effect" ME
    starts a new clause.
    """
    before = text[max(sentence[0], exposure.start - 120) : exposure.start]
    if not _INDUCER_BEFORE.search(before):
        return False
    return bool(_LAST_SEPARATOR.search(before) or _LIST_GOES_ON.match(text, exposure.end))


# A condition listed among a treatment's drawbacks ("has several drawbacks, including
# hypercalcemia", "side effects such as nausea") is a harm of it, never what it treats.
_DRAWBACK_BEFORE = re.compile(
    r"\b(?:drawbacks?|disadvantages?|side[- ]effects?|adverse (?:effects?|events?|reactions?)|"
    r"complications?|toxicit(?:y|ies))\s*,?\s*(?:including|such as|like|namely|e\.g\.,?)\s+"
    r"(?:[\w-]+\s+){0,3}$",
    re.IGNORECASE,
)
# An exposure that names the kind of the condition right after it ("propofol infusion pain",
# "cocaine withdrawal syndrome"): the pair is one name, not an agent acting on a condition.
_KIND_OF_CONDITION = re.compile(
    r"^[\s-]+(?:infusion|injection|administration|withdrawal|overdose|intoxication|"
    r"poisoning|use|abuse|dependence|exposure)[\s-]+$",
    re.IGNORECASE,
)
# The compound of which the exposure is the parent ("Viramidine, a liver-targeting prodrug of
# ribavirin, … decreasing the risk of hemolytic anemia"): the other compound is the agent.
_PARENT_OF_AGENT = re.compile(
    r"\b(?:prodrug|analogue|analog|derivative|metabolite|precursor)s?\s+of\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_TREATED_MATERIAL = re.compile(
    r"[^.;]{0,60}?\b(?:cells?|animals?|rats?|mice|mouse|cultures?|explants?|slices?|"
    r"tissues?|samples?|plants?|seedlings?)\b",
    re.IGNORECASE,
)
_BENEFIT_NOUN_BEFORE = re.compile(
    r"\b(?:therapeutic|protective|beneficial|ameliorative|ameliorating|curative|preventive|"
    r"preventative|healing|favou?rable|[a-z]+protective|anti-?[a-z]{4,}|hypoglyc(?:a)?emic|"
    r"hypolipid(?:a)?emic|antidiabetic|antihypertensive)\s+(?:effects?|activit(?:y|ies)|"
    r"actions?|roles?|potential|propert(?:y|ies))\s+of\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_ON_CONDITION = re.compile(
    r"^\s*(?:\([^()]{0,40}\)\s*)?(?:[\w-]+\s+){0,3}?(?:on|in|against|for|towards?)\s+"
    r"(?:the\s+|an?\s+)?(?:[\w-]+\s+){0,3}$",
    re.IGNORECASE,
)
# These readings come from a noun phrase, not a verb: a negation anywhere in the sentence
# ("… were not demonstrated", "does not improve the curative effect of X") leaves them out.
_ANY_NEGATION = re.compile(r"\b(?:not|no|neither|nor|failed|fail|without|lack\w*)\b", re.I)
_TOXIC_NOUN = re.compile(r"(?:toxicit(?:y|ies)|poisoning|intoxication)$", re.IGNORECASE)
_OF_AGENT = re.compile(r"\s+(?:of|from)\s+(?:the\s+)?", re.IGNORECASE)
_USED_FOR = re.compile(
    r"\b(?:used|prescribed|indicated|recommended|given|taken)\s+(?:\w+ly\s+)?"
    r"(?:for|against)\s+(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)
# A harm verb followed by the change it caused: "causes a decrease in Y", "resulted in increased
# bone density". The change word, not the verb, says which way Y moved.
_CHANGE_AFTER = re.compile(
    r"\s+(?:(?:a|an|the|significant|significantly|marked|markedly|further|statistically|"
    r"strong|strongly|potent|dose-dependent|clear|clearly|remarkable|[\d.]+-fold)\s+){0,3}"
    r"(?:increas|elevat|enhanc|improv|reduc|decreas|lower|attenuat|inhibit|suppress|protect|"
    r"higher|greater|better|augment|benefi|therapeut|analges|relie)",
    re.IGNORECASE,
)
_ANTI_EFFECT = re.compile(
    r"\s+(?:(?:a|an|the|significant|significantly|marked|strong|potent|dose-dependent|"
    r"statistically)\s+){0,3}anti-?[a-z]{4,}\s+(?:effects?|activit(?:y|ies)|actions?|"
    r"propert(?:y|ies)|responses?)",
    re.IGNORECASE,
)
_AGAINST_IT = re.compile(r"^\s*(?:against|on|in|towards?)\b[^,;()]{0,40}$", re.IGNORECASE)
# A harm stem in words that name no harm: "developing countries", "the development of new
# therapeutic options", "drug development".
_NOT_A_HARM_WORD = re.compile(
    r"develop(?:ing|ed)\s+(?:countr|world|nation|region|econom)|"
    r"development\s+of\s+(?:a\s+|an\s+|new\s+|novel\s+|effective\s+|potential\s+){0,2}"
    r"(?:therap|drug|treatment|option|strateg|agent|vaccine|method|medicine|formulation|"
    r"product|candidate|inhibitor|compound)",
    re.IGNORECASE,
)
# Cell-killing effects on a tumour's cells are what an anticancer agent does: "X induced
# apoptosis in MCF-7 breast cancer cells" is no harm of X.
_CELL_KILLING = re.compile(
    r"apoptos|apoptotic|cell[- ]cycle arrest|growth (?:inhibition|arrest)|autophag|ferroptos|"
    r"pyroptos|necroptos|senescence|anti-?proliferat|cytotoxic(?:ity)? (?:against|to|toward)",
    re.IGNORECASE,
)
# Deaths of a parasite, a pathogen or cells are what an antiparasitic or cytotoxic agent is for:
# "AL caused 100% mortality ... of all adult worms".
_KILLED_ORGANISM = re.compile(
    r"[^.;]{0,80}?\b(?:worms?|parasites?|larvae|bacteria|fungi|insects?|mosquito(?:es)?|"
    r"nematodes?|helminths?|snails?|pathogens?|microbes?|cells)\b",
    re.IGNORECASE,
)
_DEATH_WORDS = ("mortality", "death", "lethality", "killing")
# Harm nouns that stand between a condition named first and the exposure count only when the
# exposure is what they are "of" or "from": "hepatotoxicity of X", not "ameliorate its toxicity
# with supplementation of X".
_HARM_NOUN_TO_EXPOSURE = re.compile(
    r"\s*(?:of|from|by|due to|caused by|associated with|related to|induced by|"
    r"(?:that|which) limits? the use of)\s+"
    r"(?:(?:the|a|an|oral|long-term|chronic|excessive|high-dose|\w+ed)\s+){0,2}$",
    re.IGNORECASE,
)
_HARM_NOUNS = ("toxicit", "toxic", "adverse", "side effect", "hepatotoxic", "nephrotoxic")
# A sentence that reports measurement times or an aim names when an outcome was read, not what
# moved it: "BMI ... determined before (baseline) and after 90 days of X".
_MEASURED = re.compile(
    r"\bbefore\b|\bbaseline\b|\bpre-? ?and post|\b(?:measured|determined|assessed|evaluated|"
    r"recorded|monitored|examined|investigated|compared|to determine|to evaluate|to assess|"
    r"to investigate|to examine|were obtained|was obtained)\b",
    re.IGNORECASE,
)
# Words before "risk of" that say the risk rose: "X increased the risk of Y", "a higher risk".
_RAISED_RISK = re.compile(
    r"\b(?:increas\w*|higher|greater|elevated|raised|rais\w*|excess|doubl\w*|tripl\w*|"
    r"carr\w*|pos\w*|associated\s+with\s+(?:an?\s+)?(?:increas\w*|higher|greater|elevated))"
    r"(?:\s+(?:the|a|an))?\s*$",
    re.IGNORECASE,
)
# Model agents whose names hold a vocabulary name: "Dextran Sodium Sulfate-Induced colitis" is
# not a harm of sodium sulfate (Natrii Sulfas).
_LONGER_AGENT = re.compile(r"\bdextran\s+$", re.IGNORECASE)
# A hyphen-glued word after the condition makes it a modifier of another noun: "tumour-promoting
# DCA", "PD-like symptoms", "cancer-bearing mice".
_CONDITION_MODIFIER = re.compile(r"^-(?!induc|associat|relat|caus|mediat)[a-z]", re.IGNORECASE)
# What may stand between "induced by" and the exposure that induced it ("induced by a low
# molecular weight heparin"); punctuation or a clause word there names another agent first.
_AGENT_BREAK = re.compile(r"[,;:()\[\]]|\b(?:and|or|through|via|in|with|which|that)\b")
# "lead to / result in" whose object is a remedy is a hope, not a harm: "might lead to a new
# promising preventive and therapeutic agent of the ischemic heart disease".
_LEADS_TO_REMEDY = re.compile(
    r"\s+(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,6}?(?:agents?|drugs?|therap(?:y|ies)|"
    r"treatments?|candidates?|options?|strateg(?:y|ies)|remed(?:y|ies)|approach(?:es)?)\s+"
    r"(?:of|for|against|to treat|in the treatment of)\b",
    re.IGNORECASE,
)
# Adverbs that make "induced" the participle of a disease model ("on experimentally induced
# diabetic animal model"), not a verb whose subject is the exposure.
_MODEL_ADVERBS = frozenset(
    {"experimentally", "chemically", "artificially", "surgically", "pharmacologically"}
)
# "after 48 h of induction of arthritis", "following the onset of diabetes": the time of the
# model, not a harm that came after the exposure.
_AFTER_INDUCTION = re.compile(
    r"\s+(?:[\d.]+\s*(?:h|hr|hours?|days?|weeks?|months?|min(?:utes)?)\s+(?:of\s+|after\s+)?)?"
    r"(?:the\s+)?(?:induction|onset|establishment|development|initiation)\b",
    re.IGNORECASE,
)
# A preposition right before "(adverb) induced": the exposure is studied *on* a model ("X on
# induced diabetic rats", "X in experimentally induced colitis").
_ON_A_MODEL = re.compile(r"\b(?:on|in|against|into)\s+(?:\w+ly\s+)?$", re.IGNORECASE)


def _not_a_harm_of_pair(
    text: str,
    a: Mention,
    b: Mention,
    cue_start: int,
    cue_end: int,
    cue_text: str,
    exposure_first: bool,
    sentence: tuple[int, int],
) -> bool:
    """Whether a harm cue between ``a`` and ``b`` says nothing of a harm of the exposure.

    Each test is a way papers put a harm word next to an exposure that did not cause it (see
    the comments on the patterns above). Such a sentence gives the pair no reading at all: a
    later benefit word there is as likely to be another agent's ("p300 protects myocytes from
    doxorubicin-induced apoptosis and reduces heart failure"), and a wrong direction is worse
    than none.
    """
    word = cue_text.lower()
    exposure, condition = (a, b) if exposure_first else (b, a)
    if word.startswith(("lead", "led", "result")) and _LEADS_TO_REMEDY.match(text, cue_end):
        return True
    if _LONGER_AGENT.search(text[max(0, exposure.start - 12) : exposure.start]):
        return True
    if _CONDITION_MODIFIER.match(text[condition.end : condition.end + 3]):
        return True
    if _CELL_KILLING.search(text[cue_start : min(sentence[1], b.end + 40)]):
        return True
    if condition.text.lower() in _DEATH_WORDS and _KILLED_ORGANISM.match(text, condition.end):
        return True
    if (
        not exposure_first
        and word.startswith(_HARM_NOUNS)
        and not _HARM_NOUN_TO_EXPOSURE.fullmatch(text[cue_end : exposure.start])
    ):
        return True
    if word in ("after", "following") and _AFTER_INDUCTION.match(text, cue_end):
        return True  # "… given to the rabbits after 48 h of induction of arthritis": the model
    if word in ("after", "following") and (
        condition.kind is K.OUTCOME or _MEASURED.search(text[sentence[0] : sentence[1]])
    ):
        return True
    if word.startswith("induc"):
        by = _BY.match(text, cue_end)
        if exposure_first:
            if by:
                return True  # "X on Y induced by Z": Z, named after "by", induced Y
            gap = text[a.end : cue_start]
            glued_to_exposure = not gap.strip(" -") or _GLUED_AFTER_NOTE.match(
                gap.rstrip(" -") + "-"
            )
            if glued_to_exposure:
                # "cisplatin-induced nephrotoxicity" is a harm of cisplatin even in a study of
                # what protects against it: the agent of a model is what the harm is of.
                return False
            last = _LAST_WORD.search(gap)
            if last is None or gap.rstrip().endswith(")") or _ON_A_MODEL.search(gap):
                return True
            lead = last.group(1).lower()
            if lead in _MODEL_ADVERBS:
                return True
            return lead not in _VERB_LEAD and not lead.endswith("ly")
        # The condition comes first: "Y induced by X" says X induced it; "diabetes induction",
        # "Y was induced in rats with STZ … X" name the model.
        agent = text[by.end() : exposure.start] if by else ""
        return not (by and len(agent) <= 40 and not _AGENT_BREAK.search(agent))
    return False


_CONCESSIVE = re.compile(r"\b(?:while|whereas|although|though|albeit)\b", re.IGNORECASE)


_PRONOUN = re.compile(r"\s*(?:it|its|they|their|this|these|which|he|she|we)\b", re.IGNORECASE)


def _conceded_to_another_agent(
    text: str,
    exposure: Mention,
    others: Sequence[Mention],
    cues: CueList,
    sentence: tuple[int, int],
) -> bool:
    """Whether a harm of ``exposure`` is only conceded before being put on another agent.

    "while H. perforatum could trigger DILI itself, flupirtine appears to have triggered the
    DILI": the clause of the exposure opens with a concessive word, and the main clause after
    the comma starts with another agent (not a pronoun for the exposure, not a condition)
    and holds an active harm verb; the sentence says the harm is the other agent's.
    """
    clause = re.split(r"[,;:]", text[sentence[0] : exposure.start])[-1]
    if not _CONCESSIVE.search(clause):
        return False
    comma = text.find(",", exposure.end, sentence[1])
    if comma < 0 or _PRONOUN.match(text, comma + 1):
        return False
    head = len(text[comma + 1 :]) - len(text[comma + 1 :].lstrip()) + comma + 1
    first = next((m for m in others if m.start == head), None)
    if first is not None and (
        first.kind not in EXPOSURES or set(first.curies) & set(exposure.curies)
    ):
        return False
    return any(
        dirn.effect_kind(c.kinds) is dirn.CueKind.HARM and not _BY.match(text, c.end)
        for c in cues.within(head, sentence[1])
    )


# The interaction family. A pair of an exposure and a drug is read as an interaction when the
# sentence has an interaction cue; these say when such a sentence states no interaction of the
# pair, or states that there was none.
#
# A list of exposures and a list of drugs in one sentence ("Interactions of herbal medicines,
# such as A, B and C, with drugs including D1 … D11 have been reported") pair each herb with
# some drugs, but the sentence does not say which: only a pair with nothing of either list
# between, and no list word, is read.
_LIST_WORDS = re.compile(r"\b(?:including|includes?|such as|e\.g\.|namely|like|viz)\b", re.I)
# A drug glued to a model participle is the agent of a disease model, not a co-medication:
# "in cyclophosphamide-treated mice", "on cyclosporine A-induced cardiotoxicity".
_MODEL_DRUG = re.compile(
    r"\s?-?\s?(?:induc\w*|(?:treated|exposed|challenged|intoxicated|injected|pretreated|"
    r"resistant)\s+(?:[\w-]+\s+){0,2}?(?:mice|rats?|animals?|rabbits?|dogs?|cells?|groups?|"
    r"models?|hearts?|livers?|kidneys?))",
    re.IGNORECASE,
)
_WORSENS = re.compile(
    r"\b(?:exacerbat|aggravat|worsen|potentiat|enhanc|augment|increas|intensif)\w*", re.I
)
# The exposure shields against the drug's own harm: "Co-administration of N. sativa oil and
# cyclosporine A abrogated the cyclosporine A-induced MDA increase".
_PROTECTS = re.compile(
    r"\b(?:protect|abrogat|attenuat|ameliorat|prevent|revers|alleviat|mitigat|counteract|"
    r"restor|normali[sz]|reduc|decreas|lower|suppress|inhibit|rescu|improv)\w*",
    re.IGNORECASE,
)
# A synergy against cancer cells is the wanted effect of a combination: "synergistically
# enhanced the cytotoxic effect of cisplatin on Panc-1 cells".
_WANTED_SYNERGY = re.compile(
    r"\b(?:synerg\w*|potentiat\w*|enhanc\w*|increas\w*|augment\w*|sensiti[sz]\w*)\s+"
    r"(?:[\w-]+\s+){0,4}?(?:cytotoxic\w*|anti-?tumou?r|anti-?cancer|anti-?neoplastic|"
    r"anti-?proliferat\w*|apoptot\w*|apoptosis|chemosensitiv\w*|tumou?r (?:growth )?"
    r"inhibit\w*|(?:chemotherap\w*|therapeutic|anticancer) (?:effect|efficacy|activity))",
    re.IGNORECASE,
)
# A combination offered as a cancer treatment is wanted too: "HE in combination with Dox serves
# as an effective tool for treating drug-resistant human hepatocellular carcinoma".
_WANTED_COMBINATION = re.compile(
    r"\b(?:effective|promising|novel|useful|potential|beneficial)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:tools?|strateg(?:y|ies)|approach(?:es)?|therap(?:y|ies)|treatments?|options?|"
    r"adjuvants?|regimens?)\b",
    re.IGNORECASE,
)
_CANCER = re.compile(r"cancer|carcinoma|tumou?r|leuk[ae]mia|lymphoma|malignan|neoplas", re.I)
# The exposure is the source of another named substance: "Berberine, the main active component
# of the herbal medicine Rhizoma Coptidis, …", "red ginseng acidic polysaccharide (RGAP) from
# Panax ginseng". What the sentence says of the combination is that substance's.
_SOURCE_OF = re.compile(
    r"\b(?:components?|constituents?|ingredients?|principles?|alkaloids?|compounds?|"
    r"fractions?|polysaccharides?|saponins?|isolated|extracted|derived|purified|obtained)\s+"
    r"(?:\([^()]{0,20}\)\s+)?(?:of|from|in)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}$",
    re.IGNORECASE,
)
# Two agents joined by "and"/"or"/a comma are two arms unless the sentence says they were
# combined: "treatment with P. oleracea extract and valsartan decreased NO metabolite level".
_JOINED = re.compile(
    r"^[\s,]*(?:(?:extract|oil|powder|tea|juice|preparation|treatment|supplementation)s?\s*)?"
    r"(?:,|\band\b|\bor\b|,\s*and\b)\s*$",
    re.IGNORECASE,
)
_COMBINED = re.compile(
    r"co-?\s?administ|co-?\s?treat|co-?\s?ingest|combin|concomitant|concurrent|simultaneous|"
    r"together|\bplus\b|interact|\+",
    re.IGNORECASE,
)


# A herb, formula or organism named as the source of a compound the sentence names beside it
# ("Baicalin from Scutellaria baicalensis attenuated …", "Curcumin, the active component of
# Curcuma longa, inhibited …", "Coptis chinensis alkaloid berberine") is not the agent of what
# the sentence then says: the effect is the compound's, and the plant gets only its
# ``contains`` claim. A whole plant, its part and one of its compounds are different claims.
_SOURCE_NOUN_WORDS = (
    r"components?|constituents?|ingredients?|principles?|compounds?|alkaloids?|"
    r"flavon(?:oid|e)s?|isoflavon(?:oid|e)s?|saponins?|polysaccharides?|glycosides?|"
    r"metabolites?|polyphenols?|phenolics?|terpen(?:oid|e)s?|triterpen(?:oid|e)s?|"
    r"lignans?|coumarins?|anthraquinones?|ginsenosides?|monomers?|molecules?|substances?"
)
_SOURCE_NOUNS = r"(?:" + _SOURCE_NOUN_WORDS + r")"
_SOURCE_PART_WORDS = (
    r"(?:(?:the|dried|fresh|whole|aerial|roots?|rhizomes?|radix|leaf|leaves|seeds?|fruits?|"
    r"barks?|flowers?|stems?|peels?|parts?|plants?|herbs?|traditional|chinese|medicinal|herbal|"
    r"medicine|of)\s+){0,6}"
)
_SOURCE_AFTER_COMPOUND = re.compile(
    r"^\s*(?:\([^()]{0,30}\)\s*)?,?\s*(?:(?:(?:which|that)\s+)?(?:is|was|are|were)\s+)?"
    r"(?:(?:an?|the|one\s+of\s+the)\s+)?(?P<words>(?:[\w-]+\s+){0,5}?)"
    r"(?P<link>(?:isolated|extracted|derived|purified|obtained|separated)\s+from|from|of|in)\s+"
    + _SOURCE_PART_WORDS
    + r"$",
    re.IGNORECASE,
)
_SOURCE_WORD = re.compile(
    r"\b(?:" + _SOURCE_NOUN_WORDS + r"|isolated|extracted|derived|purified|found|present|"
    r"contained)\b",
    re.IGNORECASE,
)
_SOURCE_BEFORE_COMPOUND = re.compile(
    r"^(?:\s*-\s*|\s+)(?:derived|isolated|extracted|sourced)\s+$|"
    r"^(?:\s*['\u2019]s)?\s+(?:(?:main|major|principal|active|bioactive|key|chief)\s+){0,3}"
    + _SOURCE_NOUNS
    + r"\s*,?\s*$",
    re.IGNORECASE,
)
SOURCE_KINDS = MATERIA | {K.ORGANISM}
_OWN_CLAUSE = re.compile(
    r"\s*(?:\([^()]{0,60}\)\s*)?,?\s*(?:which|that)\s+(?:(?:has|have|had|is|are|was|were|"
    r"been|long|widely|traditionally|also|commonly)\s+)*(?:used|prescribed|employed|known\s+as)\b",
    re.IGNORECASE,
)
# "The ethanol fraction of Aralia elata decreased …", "Ethanol extract from Gynostemma …", "the
# sclerotium of Lignosus rhinocerotis": a solvent or a part names the plant's preparation,
# which is the plant's own claim.
_PREPARATION_LINK = re.compile(r"\b(?:extracts?|fractions?|extraction|decoction|infusion)\b", re.I)
_PLANT_PARTS = frozenset(
    {*PART_WORDS, "root", "roots", "leaf", "leaves", "seed", "seeds", "fruit", "fruits", "bark"}
    | {"flower", "flowers", "stem", "stems", "peel", "rhizome", "rhizomes", "sprouts", "oil"}
)


def named_sources(text: str, in_sentence: Sequence[Mention], cues: CueList) -> dict[int, int]:
    """Herbs, formulas and organisms of ``in_sentence`` named there only as the source of a
    compound or drug next to them (the patterns above): their positions, each mapped to the
    position of that compound."""
    sources: dict[int, int] = {}
    for k, m in enumerate(in_sentence):
        if m.kind not in SOURCE_KINDS or _OWN_CLAUSE.match(text, m.end):
            # "… alkaloids of Rhizoma coptidis, which has been used to treat diabetes": the
            # plant is the subject of a clause of its own (a use: "which" after a compound's
            # source is otherwise as often the compound's, "… extracted from turmeric that
            # inhibits cell proliferation").
            continue
        b_pos = next((p for p in range(k - 1, -1, -1) if in_sentence[p].end <= m.start), None)
        if (
            b_pos is not None
            and (before := in_sentence[b_pos]).kind in (K.COMPOUND, K.DRUG)
            and before.text.lower() not in _PLANT_PARTS
            and not _PREPARATION_LINK.search(text[before.start : m.start])
        ):
            link = _SOURCE_AFTER_COMPOUND.match(text[before.end : m.start])
            if (
                link is not None
                and not _effect_between(cues, before.end, m.start)
                and (
                    # A bare "of" names the source ("ginsenoside Rb1 of Panax ginseng"); "of"
                    # after other words ("the effect of") and "in" need a source word.
                    link.group("link").lower() not in ("of", "in")
                    or (link.group("link").lower() == "of" and not link.group("words"))
                    or _SOURCE_WORD.search(text[before.end : m.start])
                )
            ):
                sources[k] = b_pos
                continue
        a_pos = next(
            (p for p in range(k + 1, len(in_sentence)) if in_sentence[p].start >= m.end), None
        )
        if (
            a_pos is not None
            and (after := in_sentence[a_pos]).kind in (K.COMPOUND, K.DRUG)
            and _SOURCE_BEFORE_COMPOUND.match(text[m.end : after.start])
        ):
            sources[k] = a_pos
    return sources


def _effect_between(cues: CueList, start: int, end: int) -> bool:
    return any(_EFFECT_VERBS & set(c.kinds) for c in cues.within(start, end))


def _no_interaction_of_pair(
    text: str,
    exposure: Mention,
    drug: Mention,
    in_sentence: Sequence[Mention],
    sentence: tuple[int, int],
) -> bool:
    """Whether an interaction cue in the sentence says nothing of an interaction of this
    exposure with this drug (see the patterns above)."""
    said = text[sentence[0] : sentence[1]]
    model = _MODEL_DRUG.match(text, drug.end)
    if model and not (
        exposure.end <= drug.start and _WORSENS.search(text[exposure.end : drug.start])
    ):
        # … unless the exposure worsened the drug's harm: "X aggravated cisplatin-induced
        # nephrotoxicity" is an interaction harm.
        return True
    same_drug = [m for m in in_sentence if set(m.curies) & set(drug.curies)]
    for m in same_drug:
        if dirn.glued(text[m.end : m.end + 12]) and _PROTECTS.search(text[sentence[0] : m.start]):
            return True  # "X and D abrogated the D-induced …": protection against D
    if _WANTED_SYNERGY.search(said) or (_WANTED_COMBINATION.search(said) and _CANCER.search(said)):
        return True
    if _SOURCE_OF.search(text[max(sentence[0], exposure.start - 80) : exposure.start]):
        return True
    first, second = (exposure, drug) if exposure.start < drug.start else (drug, exposure)
    if _JOINED.match(text[first.end : second.start]) and not _COMBINED.search(said):
        return True
    # Herbs and formulas make the exposure list: a compound is as often one of the drugs.
    materia = {frozenset(m.curies) for m in in_sentence if m.kind in MATERIA}
    drugs = {frozenset(m.curies) for m in in_sentence if m.kind is K.DRUG}
    if exposure.kind in MATERIA and len(materia) >= 2 and len(drugs) >= 2:
        between = [m for m in in_sentence if first.end <= m.start and m.end <= second.start]
        if any(m.kind in MATERIA or m.kind is K.DRUG for m in between) or _LIST_WORDS.search(
            text[first.end : second.start]
        ):
            return True
    return False


# A null result names the measure that did not move: "No significant difference was observed in
# the Cmax … of CBZ following Nigella sativa treatment"; the interaction is read as negated.
def _null_interaction(cues: CueList, sentence: tuple[int, int], second_start: int) -> bool:
    """Whether a no-difference cue stands in the sentence before the pair's second mention."""
    return any(
        dirn.effect_kind(c.kinds) is dirn.CueKind.NULL
        for c in cues.within(sentence[0], second_start)
    )


# Effect relations further apart than this are left alone: the words between no longer say
# how the two are linked.
MAX_EFFECT_GAP = 150


def _effect_cue(
    text: str,
    a: Mention,
    b: Mention,
    between: Sequence[Mention],
    between_agents: Sequence[Mention],
    exposure_first: bool,
    cues: CueList,
    sentence: tuple[int, int],
) -> tuple[Predicate, Direction, float] | None:
    """The effect predicate, direction and cue strength the words between ``a`` and ``b``
    give the pair, or None. ``between_agents`` are the mentions between them that may be
    agents (not a plant named as the source of a compound)."""
    if b.start - a.end > MAX_EFFECT_GAP:
        return None
    exposure = a if exposure_first else b
    if _FREE_OF.match(text, exposure.end):
        return None  # "ephedra-free supplements": the exposure is what is absent
    before = text[max(sentence[0], exposure.start - 50) : exposure.start]
    if _PARENT_OF_AGENT.search(before):
        return None
    if exposure_first and any(
        set(m.curies) & set(a.curies) and _KIND_OF_CONDITION.match(text[m.end : b.start])
        for m in (a, *between)
    ):
        return None  # "… propofol and remifentanil, a reduction in propofol infusion pain"
    if exposure_first and dirn.glued(text[b.end : b.end + 12]):
        # "X protects against hypertension-induced renal injury": the glued disease is the
        # cause of another, not what X acts on.
        return None
    skip: list[tuple[int, int]] = []
    for m in between:
        if dirn.glued(text[m.end : m.end + 12]):
            skip.append((m.end, m.end + 12))
    if any(
        set(m.curies) & set(b.curies) and _ANTI.search(text[max(0, m.start - 6) : m.start])
        for m in between
    ):
        return None  # "X had an anti-Y effect in Y rats": the nearer "anti-Y" says it
    exposures = [m for m in between_agents if m.kind in EXPOSURES]
    for m in exposures:
        if set(m.curies) & set(a.curies) and b.start - m.end <= 12 and dirn.glued(text[m.end :]):
            return None  # "X … reversed X-induced Y": the pair (X-induced, Y) says it all
    found = cues.within(a.end, b.start)
    # After the exposure, the first verb governs ("X reduced Y"); before it, the verb nearest
    # to it does ("Y, suppressed by Z, was induced by X").
    for cue in found if exposure_first else reversed(found):
        kind = dirn.effect_kind(cue.kinds)
        if kind is None or any(s <= cue.start < e for s, e in skip):
            continue
        gap = text[a.end : cue.start]
        if (
            cue.start - a.end > 2
            and gap.endswith("-")
            and not gap.startswith("-")
            and not _GLUED_AFTER_NOTE.match(gap)
        ):
            # "X in streptozotocin-induced diabetic rats": a participle glued by a hyphen to
            # a word the vocabulary does not know describes that word, not the pair — unless
            # only a note stands between ("X (METH)-induced", "X (50 mg/kg)-induced") or X is
            # glued too, in a list ("X-, Y- and Z-induced").
            continue
        if (
            not exposure_first
            and kind is dirn.CueKind.HARM
            and _CLAUSE_BREAK.search(text[cue.end : b.start])
        ):
            # "Y was induced in rats with streptozotocin; the rats received X": the harm verb
            # governs its own clause, not the exposure named in the next one.
            continue
        if exposure_first and any(
            m.end <= cue.start and not _COORDINATION.match(text[a.end : m.start]) for m in exposures
        ):
            return None  # the cue follows another exposure: "X is used, Y reduced Z"
        if kind is dirn.CueKind.EXPOSURE:
            if exposure_first and _FOR_TREATING.search(text[a.end : b.start]):
                # "X is used for the treatment of Y", "X in the management of Y": X is named
                # as a treatment of Y (a use, which the sentence's role weighs).
                return Predicate.TREATS, Direction.BENEFIT, CONTEXT_STRENGTH
            if exposure_first:
                continue  # "X-treated patients developed Y": the exposure is not the result
            if not _INDICATION.search(text[max(sentence[0], a.start - 30) : a.start]):
                continue  # "Y in patients treated with X" reports an adverse event
            return Predicate.TREATS, Direction.BENEFIT, CONTEXT_STRENGTH
        strength = GLUED_STRENGTH if cue.start - a.end <= 2 else VERB_STRENGTH
        if cue.text.lower() in ("treat", "treating") and _TREATED_MATERIAL.match(text, cue.end):
            continue  # "used to treat diabetic animals", "by treating U937 cells": a method
        anti = _ANTI_EFFECT.match(text, cue.end) if kind is dirn.CueKind.HARM else None
        if anti is not None and exposure_first and _AGAINST_IT.match(text[anti.end() : b.start]):
            # "X produced anti-arthritic effects against … septic arthritis": an effect that
            # opposes the condition named right after it (not one of another clause: "X
            # produces an anti-hypertensive effect … and hepatic hypertrophy occurs").
            return Predicate.TREATS, Direction.BENEFIT, CONTEXT_STRENGTH
        if kind is dirn.CueKind.HARM and _CHANGE_AFTER.match(text, cue.end):
            continue  # "causes a decrease in Y": the change word, read next, decides
        if kind is dirn.CueKind.HARM and _NOT_A_HARM_WORD.match(text, cue.start):
            continue
        if kind is dirn.CueKind.HARM and _INVERSE.search(
            text[max(sentence[0], cue.start - 120) : cue.end]
        ):
            # "X is inversely associated with the risk of Y", "an inverse association between
            # intake of X and the risk of Y": less Y with more X.
            return Predicate.TREATS, Direction.BENEFIT, CONTEXT_STRENGTH
        if kind is dirn.CueKind.HARM and exposure_first and _BY.match(text, cue.end):
            continue  # "X … Y caused by Z": what follows "by" is the cause, not X
        if (
            kind is dirn.CueKind.HARM
            and exposure_first
            and cue.text.lower().startswith("associat")
            and any(m.kind in EXPOSURES and 0 <= m.start - cue.end <= 3 for m in between)
        ):
            # "Serenoa repens associated with Urtica dioica … extracts": a combination of
            # agents, not a harm.
            continue
        if (
            kind is dirn.CueKind.HARM
            and cue.text.lower() == "risk of"
            and not _RAISED_RISK.search(text[max(a.end, cue.start - 40) : cue.start])
        ):
            # "the association between X intake and risk of Y" asks; "X increased the risk
            # of Y", "a higher risk of Y" with X says the risk rose.
            continue
        if kind is dirn.CueKind.HARM and _not_a_harm_of_pair(
            text,
            a,
            b,
            cue.start,
            cue.end,
            cue.text,
            exposure_first,
            sentence,
        ):
            return None
        if kind is dirn.CueKind.HARM:
            if exposure_first and _ANTI.search(text[max(a.end, b.start - 6) : b.start]):
                # "X produced an anti-hypertensive effect": the effect opposes the condition.
                return Predicate.TREATS, Direction.BENEFIT, strength
            by = _BY.match(text, cue.end)
            if (
                not exposure_first
                and by
                and any(
                    c.start >= by.end() and dirn.effect_kind(c.kinds) is dirn.CueKind.EXPOSURE
                    for c in found
                )
            ):
                # "dizziness caused by vestibular disorders were treated with X": what follows
                # "by" is the cause, and X is named as the treatment.
                continue
            if (
                not exposure_first
                and by
                and any(
                    m.start >= by.end()
                    and m.kind in EXPOSURES | CONDITIONS
                    and not set(m.curies) & set(b.curies)
                    and not _COORDINATION.match(text[m.end : b.start])
                    for m in between
                )
            ):
                # "the damage caused by manganese deficiency in maize": another name stands
                # between "by" and X, and that is the cause.
                continue
            return Predicate.CAUSES, Direction.HARM, strength
        if not exposure_first:
            if _DECHALLENGE.search(text[sentence[0] : sentence[1]]):
                return None
            if not _PASSIVE.search(text[cue.end : b.start]):
                continue  # "Y reduced ... X" without "by": X is not what reduced Y
        elif kind is dirn.CueKind.BENEFIT and (
            later := next(
                (
                    c
                    for c in found
                    if c.start > cue.start
                    and _STRONG_HARM.match(c.text)
                    and not any(s <= c.start < e for s, e in skip)
                ),
                None,
            )
        ):
            if any(
                cue.end <= m.start and m.end <= later.start and m.kind in CONDITIONS
                for m in between
            ) and _BUT_THEN.search(text[cue.end : later.start]):
                # "X was effective for A but caused B": the benefit is A's; for B the harm verb
                # after "but" is the one that governs.
                continue
            # "X is effective but limited by side effects, the worst being Y": mixed cues,
            # no reading.
            return None
        return Predicate.TREATS, dirn.direction_of(kind), strength
    if exposure_first and not found and _USED_FOR.search(text[a.end : b.start]):
        # "Chamomile tea is traditionally used for insomnia": a use, no effect verb.
        return Predicate.TREATS, Direction.BENEFIT, CONTEXT_STRENGTH
    if (
        exposure_first
        and all(dirn.effect_kind(c.kinds) in (None, dirn.CueKind.EXPOSURE) for c in found)
        and not exposures
        and _BENEFIT_NOUN_BEFORE.search(text[max(sentence[0], a.start - 60) : a.start])
        and _ON_CONDITION.match(text[a.end : b.start])
        and not _ANY_NEGATION.search(text[sentence[0] : sentence[1]])
    ):
        # "Therapeutic effect of Astragalus membranaceus on diabetic nephropathy", "Beneficial
        # effects of green tea on obesity": a title that names the benefit.
        return Predicate.TREATS, Direction.BENEFIT, VERB_STRENGTH
    if (
        not exposure_first
        and not found
        and _TOXIC_NOUN.search(a.text)
        and _OF_AGENT.fullmatch(text[a.end : b.start])
        and not _ANY_NEGATION.search(text[sentence[0] : sentence[1]])
    ):
        # "Nephrotoxicity of aristolochic acid": the harm is named as the agent's.
        return Predicate.CAUSES, Direction.HARM, VERB_STRENGTH
    return None


# "Ginkgo biloba extract", "garlic alcoholic extract", "Salvia miltiorrhiza aqueous extracts":
# the preparation word right after a herb (at most two words between) names the herb's
# preparation, not a compound it contains.
# Between a herb and the preparation word of its own name: an authority, a part, a short form
# in brackets, a solvent ("Hibiscus sabdariffa L. Aqueous Extract", "Portulaca oleracea (P.
# oleracea) seed hydro-alcoholic extract").
_PREPARATION_OF_HERB = re.compile(r"^[\s-]*(?:\([^()]{1,30}\)\s*)?(?:[A-Za-z0-9.]+[\s-]+){0,4}$")
# A herb's own preparation named before it ("the extract from Folium Uvae ursi", "extracts
# prepared from dried C. sativum"): its cue words tell of no compound the herb contains.
_PREPARATION_BEFORE_HERB = re.compile(
    r"\b(?:extracts?|fractions?|preparations?|decoctions?|infusions?|powders?)\s+"
    r"(?:(?:prepared|obtained|made)\s+)?(?:from|of)\s+(?:the\s+)?(?:dried\s+|fresh\s+)?$",
    re.IGNORECASE,
)
# Cues that tell of a compound's source only when the compound comes first ("Y isolated from
# H", "H-derived Y" is glued and read elsewhere): after a herb, "from" and "derived" belong to
# another phrase ("the synthesis of dopamine from tyrosine").
_SOURCE_WORDS = ("from", "deriv", "extract")
# Extraction solvents and fractions are named beside herbs in the words of composition
# ("ethyl acetate fractions … from dichloromethane extracts of C. sativum") but are no
# constituents.
_SOLVENTS = frozenset(
    {
        *("acetate", "ethyl acetate", "dichloromethane", "ethanol", "methanol", "hexane"),
        *("n-hexane", "chloroform", "butanol", "n-butanol", "acetone", "water", "ether"),
        *("petroleum ether", "dimethyl sulfoxide", "dmso", "ethanolic", "methanolic"),
    }
)
_PREPARATION_WORDS = frozenset({"extract", "extracts", "extraction", "extracted"})
_EFFECT_VERBS = frozenset({"inhibits", "activates", "benefit", "harm"})


def _composition_cue(text: str, cues: CueList, a: Mention, b: Mention) -> bool:
    """Whether a composition cue ("contains", "isolated from", "constituent of" …) stands
    between ``a`` and ``b``, not counting the preparation word of a herb's own name, so that
    "Ginkgo biloba extract versus pentoxifylline" or "garlic extract and sodium selenate"
    state no composition."""
    herb_first = a.kind in MATERIA
    compound = b if herb_first else a
    if compound.text.lower() in _SOLVENTS:
        return False
    own = (
        None if herb_first else _PREPARATION_BEFORE_HERB.search(text, max(0, b.start - 60), b.start)
    )
    for cue in cues.within(a.end, b.start):
        if not _CONTAINS & set(cue.kinds):
            continue
        word = cue.text.lower()
        if herb_first and (
            word.startswith(_SOURCE_WORDS)
            or (word in _PREPARATION_WORDS and _PREPARATION_OF_HERB.match(text[a.end : cue.start]))
        ):
            continue
        if own is not None and cue.start >= own.start():
            continue
        # "its main constituent flavonoids … increase extracellular dopamine": a verb of
        # effect after the cue governs the compound beyond it, which the herb then does not
        # contain.
        return not _effect_between(cues, cue.end, b.start)
    return False


# "Celecoxib is a COX-2 inhibitor", "Tamoxifen, an estrogen receptor antagonist, …": the
# agent named as a member of the target's drug class. The class word comes after the target.
_CLASS_LINK = re.compile(
    r"^\s*(?:\([^()]{1,20}\)\s*)?(?:,\s*|\s+(?:is|was|are|were|acts\s+as|as)\s+)"
    r"(?:(?:an?|the|one)\s+)?(?:(?:potent|selective|specific|novel|known|irreversible|"
    r"reversible|competitive|non-?competitive|highly|orally|active|partial|full|dual|direct|"
    r"strong|weak|well-known|natural|new)\s+){0,3}$",
    re.IGNORECASE,
)
_CLASS_WORD = re.compile(
    r"[\s-]*(?:(?:receptor|channel|kinase)\s+)?(?P<word>inhibitors?|antagonists?|blockers?|"
    r"agonists?|activators?|inducers?|ligands?)\b",
    re.IGNORECASE,
)
# The apposition or the predicate ends after the class word; "aspirin, a P2Y12 receptor
# antagonist and oral anticoagulant" is a list of three drugs.
_CLASS_END = re.compile(
    r"\s*(?:[,.;:)\]]|$)|\s+(?:that|which|was|is|were|are|with|in|at|on|to|for|has|had|"
    r"the|by|\()",
    re.IGNORECASE,
)
_CLASS_KINDS = {
    "inhibitor": "inhibits",
    "antagonist": "inhibits",
    "blocker": "inhibits",
    "agonist": "activates",
    "activator": "activates",
    "inducer": "activates",
    "ligand": "binds",
}


def _named_class(text: str, agent: Mention, target: Mention) -> str | None:
    """The molecular predicate when ``agent`` is named a member of ``target``'s drug class."""
    if not _CLASS_LINK.match(text[agent.end : target.start]):
        return None
    word = _CLASS_WORD.match(text, target.end)
    if word is None or not _CLASS_END.match(text, word.end()):
        return None
    return _CLASS_KINDS[word.group("word").lower().rstrip("s")]


# After the agent: a note, other items of its list ("T3 and T4"), then "and" and the next verb.
_AND_THEN = re.compile(
    r"^\s*(?:\([^()]{0,40}\)\s*)?(?:\s*(?:,\s*(?:and\s+)?|and\s+|or\s+)[\w-]+(?:\s[\w-]+)?)*"
    r"\s*,?\s*(?:and|or|but)\s+(?:\w+ly\s+)?$",
    re.IGNORECASE,
)


def _clause_start(text: str, end: int) -> int:
    """Where the clause holding ``end`` starts: after the last ";", ":" or full stop followed by
    white space before it (searched backwards, not across the whole text before it)."""
    start = max(text.rfind(";", 0, end), text.rfind(":", 0, end)) + 1
    stop = text.rfind(".", 0, max(end - 1, 0))
    while stop >= start and not text[stop + 1].isspace():
        stop = text.rfind(".", 0, stop)
    return stop + 2 if stop >= start else start


def _object_of_earlier_verb(text: str, cues: CueList, agent: Mention, target: Mention) -> bool:
    """Whether ``agent`` is the object of a verb before it and the verb before ``target`` is
    coordinated to that one: in "XYS decreased serum corticosterone and increased BDNF" the
    subject of "increased" is XYS, not corticosterone."""
    after = [c for c in cues.within(agent.end, target.start) if MOLECULAR_KINDS & set(c.kinds)]
    if not after or not _AND_THEN.match(text[agent.end : after[0].start]):
        return False
    start = _clause_start(text, agent.start)
    return any(
        MOLECULAR_KINDS & set(c.kinds) or dirn.effect_kind(c.kinds) is not None
        for c in cues.within(start, agent.start)
    )


def _glued(text: str, cue: Cue) -> bool:
    """Whether ``cue`` is a participle glued to the word before it ("LPS-induced")."""
    return cue.start > 0 and text[cue.start - 1] == "-"


def _molecular_kind(
    text: str, cues: CueList, start: int, end: int, agent_first: bool = True
) -> str | None:
    # The verb nearest the target governs it ("X inhibited A and activated B"); a participle
    # glued to a word by a hyphen ("LPS-induced A") describes that word and is skipped.
    found = [c for c in cues.within(start, end) if not _glued(text, c)]
    for i in range(len(found) - 1, -1, -1):
        for kind in found[i].kinds:
            if kind not in MOLECULAR_KINDS:
                continue
            if kind == "binds" and any("inhibits" in c.kinds for c in found[:i]):
                return "inhibits"  # "X inhibited the binding of NF-kappaB to DNA"
            if _VERB_STOP.search(text, found[i].end, end):
                # "X inhibited A …; however, B and C were unaffected": the verb stops at the
                # clause break, and what follows it is said another way.
                return None
            # A verb governs a noun of change only where the agent is its subject: in "A …
            # counteracted the induction of apoptosis by X" it is another's.
            governed = _verb_on_noun(text, found[:i], found[i]) if agent_first else ""
            return governed if governed != "" else kind
    return None


_VERB_STOP = re.compile(r";|,\s*(?:however|whereas|while|but)\b|\b(?:whereas|but)\b", re.I)
# Between a subject and its verb: adverbs, auxiliaries, its short name in brackets.
_SUBJECT_BEFORE_VERB = re.compile(
    r"^(?:\s*\([^()]{1,30}\))?(?:\s+(?:[\w-]+ly|also|can|could|may|might|did|does|do|has|have|"
    r"had|will|would|further|then|both|each|alone|not))*\s+$",
    re.IGNORECASE,
)
_GLUED_PARTICIPLE = re.compile(r"-[a-z]+ed\b")
_AGENT_LIST = re.compile(r"^(?:\s*(?:,|and|or|as well as|&|with|plus)\s*)*$", re.I)
_BRACKETS = re.compile(r"\([^()]*\)")
_WORD = re.compile(r"[a-z]{3,}")
# "In acetaldehyde-induced HSCs, …": an inducer glued to the model it makes, the phrase closed
# by a comma before any verb, sets the scene and is no verb's subject.
_SETTING_AFTER = re.compile(
    r"^-(?:induced|treated|stimulated|exposed|challenged|activated)\b[^,;]{0,60},", re.I
)


def _nearer_agent(
    text: str, cues: CueList, agent: Mention, target: Mention, between: Sequence[Mention]
) -> bool:
    """Whether another agent stands between ``agent`` and the verb before ``target`` and is
    the verb's subject instead: in "In acetaldehyde-induced HSCs, zinc inhibited the activation
    of p38" zinc inhibits, acetaldehyde makes the model. Agents joined by "and" or commas
    ("Ginsenoside Rb1 and compound K inhibited …") are subjects together."""
    verbs = [
        c
        for c in cues.within(agent.end, target.start)
        if MOLECULAR_KINDS & set(c.kinds) and not _glued(text, c)
    ]
    if not verbs:
        return False
    if _SETTING_AFTER.match(text[agent.end : verbs[0].start]):
        return True
    others = [
        m
        for m in between
        if m.end <= verbs[0].start
        and (_roles(m, target) or ("", False))[0] == "molecular"
        # "by … MTX-induced injury" or "(GlcN)": a modifier or a name in brackets is no
        # subject of its own.
        and not _GLUED_PARTICIPLE.match(text, m.end)
        and not (text[m.start - 1 : m.start] == "(" and text[m.end : m.end + 1] == ")")
    ]
    if not others or not _SUBJECT_BEFORE_VERB.match(text[others[-1].end : verbs[0].start]):
        return False
    # The words from the agent to the last of those, other mentions cut out, must be a list.
    pieces, at = [], agent.end
    for m in between:
        if m.end > others[-1].start:
            break
        pieces.append(text[at : m.start])
        at = max(at, m.end)
    pieces.append(text[at : others[-1].start])
    words = "".join(pieces)
    for _ in range(2):  # brackets that hold no words, as "(1.0 µM)" or "(E(2))", are dropped
        words = _BRACKETS.sub(lambda g: g[0] if _WORD.search(g[0]) else " ", words)
    return not _AGENT_LIST.match(words)


# A noun of change governed by a verb of change: "attenuated the activation of NLRP3" inhibits
# NLRP3, "enhanced the inhibition of A" inhibits A; "reversed the suppression of A" says two
# things at once and is read no way.
_CHANGE_NOUNS = {
    "activation": 1,
    "induction": 1,
    "stimulation": 1,
    "upregulation": 1,
    "up-regulation": 1,
    "inhibition": -1,
    "suppression": -1,
    "downregulation": -1,
    "down-regulation": -1,
    "blockade": -1,
}
_UNDOING_BEFORE = re.compile(
    r"\b(?:revers|restor|prevent|abolish|counteract|antagoniz|antagonis|abrogat|negat)\w*\s+"
    r"(?:the\s+|its\s+|their\s+)?$",
    re.IGNORECASE,
)
_NOUN_ENDING = re.compile(r"(?:ion|ions|ment|ments|ance|ence|ity|ies|ers?|ors?)$", re.I)
_NEXT_OBJECT = re.compile(r"\s(?:and|as well as)\s+(?:the\s+|its\s+|their\s+)?$", re.I)
_VERB_THEN_NOUN = re.compile(r"^\s+(?:the\s+|its\s+|their\s+)?$", re.IGNORECASE)


def _verb_on_noun(text: str, earlier: Sequence[Cue], noun: Cue) -> str | None:
    """The kind a verb right before a noun of change gives the pair (None: no way), or ""
    when ``noun`` is not such a noun governed by a verb."""
    sign = _CHANGE_NOUNS.get(noun.text.lower())
    if sign is None:
        return ""
    if _UNDOING_BEFORE.search(text, max(0, noun.start - 40), noun.start):
        # "prevented the activation of A" inhibits A; "reversed the inhibition of A" restores
        # A, which is no inhibition and not said to be an activation.
        return "inhibits" if sign > 0 else None
    verbs = [c for c in earlier if {"inhibits", "activates"} & set(c.kinds)]
    if not verbs or _NOUN_ENDING.search(verbs[-1].text):
        # "inhibition of PPARγ and activation of AMPK": two nouns, each its own reading
        return ""
    verb = verbs[-1]
    words = text[verb.end : noun.start]
    if not _VERB_THEN_NOUN.match(words) and not (
        # the verb's next object: "blocked the expressions of COX-2 and iNOS and the
        # activation of NF-κB" (no other verb of change between them)
        len(words) <= 80 and _NEXT_OBJECT.search(words) and not _VERB_STOP.search(words)
    ):
        return ""
    if "inhibits" in verb.kinds:
        return "inhibits" if sign > 0 else None
    if "activates" in verb.kinds:
        return "activates" if sign > 0 else "inhibits"
    return ""


# "The inhibitory effect of X on A", "the activation of A by X": the noun before the first
# mention says what the agent does to the target.
_EFFECT_NOUN_BEFORE = re.compile(
    r"\b(?P<noun>inhibitory|suppressive|stimulatory|activating|agonistic|antagonistic|"
    r"inhibition|suppression|activation|stimulation|induction|upregulation|up-regulation|"
    r"downregulation|down-regulation|blockade)\s+(?:(?:effects?|activit(?:y|ies)|actions?|"
    r"role)\s+)?of\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_NOUN_KINDS = {
    "inhibitory": "inhibits",
    "suppressive": "inhibits",
    "antagonistic": "inhibits",
    "inhibition": "inhibits",
    "suppression": "inhibits",
    "downregulation": "inhibits",
    "down-regulation": "inhibits",
    "blockade": "inhibits",
    "stimulatory": "activates",
    "activating": "activates",
    "agonistic": "activates",
    "activation": "activates",
    "stimulation": "activates",
    "induction": "activates",
    "upregulation": "activates",
    "up-regulation": "activates",
}
_ON_TARGET = re.compile(r"^\s*(?:\([^()]{0,30}\)\s*)?on\s+(?:the\s+)?(?:[\w-]+\s+){0,2}$", re.I)
_BY_AGENT = re.compile(
    r"^\s*(?:\([^()]{0,30}\)\s*)?(?:[\w-]+\s+){0,2}?by\s+(?:the\s+)?(?:[\w-]+\s+){0,1}$", re.I
)
# A target followed by its breakdown: "blocking IkappaBalpha degradation" stabilises it.
_BREAKDOWN_AFTER = re.compile(r"\s+(?:degradation|breakdown|ubiquitination|cleavage)\b", re.I)


def _noun_kind(text: str, first: Mention, second: Mention, agent_first: bool) -> str | None:
    """The molecular predicate a nominal phrase gives the pair (see the patterns above)."""
    before = _EFFECT_NOUN_BEFORE.search(text[max(0, first.start - 60) : first.start])
    if before is None:
        return None
    between = text[first.end : second.start]
    if not (_ON_TARGET if agent_first else _BY_AGENT).match(between):
        return None
    return _NOUN_KINDS[before.group("noun").lower()]


def sentence_relations(
    text: str,
    mentions: Sequence[Mention],
    indices: Sequence[int],
    sentence: tuple[int, int],
    hedged: bool,
    negation: CueIndex,
    cues: CueList,
) -> list[Relation]:
    """Relations among the mentions ``indices`` (into ``mentions``) of one sentence.

    ``negation`` and ``cues`` are the document's cue indexes (built once per document).
    """
    found: list[Relation] = []
    in_sentence = [mentions[k] for k in indices]
    sources = named_sources(text, in_sentence, cues)
    for x, i in enumerate(indices):
        a = mentions[i]
        for y in range(x + 1, len(indices)):
            j = indices[y]
            b = mentions[j]
            if set(a.curies) & set(b.curies) or b.start < a.end:
                continue
            roles = _roles(a, b)
            if roles is None:
                continue
            family, a_subject = roles
            if family != "contains" and (x if a_subject else y) in sources:
                continue  # the compound it is named as the source of is the agent
            between = [mentions[k] for k in indices[x + 1 : y]]
            between_agents = [
                m for m, k in zip(between, range(x + 1, y), strict=True) if k not in sources
            ]
            result: tuple[Predicate, Direction, float] | None = None
            if family == "effect":
                result = _effect_cue(text, a, b, between, between_agents, a_subject, cues, sentence)
                exposure = a if a_subject else b
                condition = b if a_subject else a
                if (
                    result is not None
                    and result[0] is Predicate.TREATS
                    and (
                        _STOPPED_BEFORE.search(
                            text[max(sentence[0], exposure.start - 50) : exposure.start]
                        )
                        or _an_inducer(text, exposure, sentence)
                        or _DRAWBACK_BEFORE.search(
                            text[max(sentence[0], condition.start - 80) : condition.start]
                        )
                    )
                ):
                    result = None
                if (
                    result is not None
                    and result[0] is Predicate.CAUSES
                    and _conceded_to_another_agent(
                        text, a if a_subject else b, in_sentence, cues, sentence
                    )
                ):
                    result = None
            elif family == "molecular":
                kind = _molecular_kind(text, cues, a.end, b.start, a_subject)
                if kind is None and not between:
                    kind = _noun_kind(text, a, b, a_subject)
                target = b if a_subject else a
                if kind is not None and _BREAKDOWN_AFTER.match(text, target.end):
                    kind = None  # what acts on a target's breakdown is read no way
                if kind is not None and a_subject and _object_of_earlier_verb(text, cues, a, b):
                    kind = None
                if kind is not None and a_subject and _nearer_agent(text, cues, a, b, between):
                    kind = None
                if kind is None and a_subject and not between:
                    kind = _named_class(text, a, b)
                if kind is not None:
                    result = (Predicate(kind), Direction.UNKNOWN, VERB_STRENGTH)
            elif family == "contains":
                if _composition_cue(text, cues, a, b) or sources.get(x if a_subject else y) == (
                    y if a_subject else x
                ):
                    result = (Predicate.CONTAINS, Direction.UNKNOWN, VERB_STRENGTH)
            elif family == "interacts":
                exposure, drug = (a, b) if a_subject else (b, a)
                if cues.first(sentence[0], sentence[1], _INTERACTS) and not (
                    _no_interaction_of_pair(text, exposure, drug, in_sentence, sentence)
                ):
                    result = (Predicate.INTERACTS_WITH, Direction.UNKNOWN, CONTEXT_STRENGTH + 0.1)
            elif family == "associated" and cues.first(a.end, b.start, _ASSOCIATED):
                result = (Predicate.ASSOCIATED_WITH, Direction.UNKNOWN, CONTEXT_STRENGTH)
            if result is None:
                continue
            predicate, direction, strength = result
            negated = negation.relation_negated(sentence[0], a.start, a.end, b.start)
            if predicate is Predicate.INTERACTS_WITH and not negated:
                negated = _null_interaction(cues, sentence, b.start)
            if negated and direction is not Direction.UNKNOWN:
                direction = Direction.NULL
            subject, obj = (i, j) if a_subject else (j, i)
            found.append(
                Relation(
                    subject=subject,
                    object=obj,
                    predicate=predicate,
                    direction=direction,
                    negated=negated,
                    hedged=hedged,
                    sentence=sentence,
                    confidence=confidence(
                        strength,
                        b.start - a.end,
                        len(between),
                        a.ambiguous or b.ambiguous,
                        hedged,
                    ),
                )
            )
    return found


# A harm read from a question, an aim or a method is what the paper set out to test, not what it
# found: "We evaluated potential pharmacokinetic interactions between IDV and AG", "whether
# these two agents interact", "assessed before and after AG co-administration". Besides the
# sentence roles of ingest.nlp.statements, these cues mark such a sentence for harm claims.
_QUESTION = re.compile(
    r"\bwhether\b|\bbefore and after\b|"
    r"\b(?:we|this study|the (?:present|current) study|this (?:trial|work))\s+(?:\w+\s+)?"
    r"(?:evaluated|investigated|examined|assessed|studied|explored|tested|compared|analy[sz]ed)\b|"
    r"\b(?:was|were) (?:conducted|designed|undertaken|performed|done|carried out) to\b|"
    r"\b(?:was|were) (?:assessed|measured|determined|evaluated|examined|monitored|studied|"
    r"investigated)\b|"
    r"\bto (?:investigate|evaluate|examine|assess|explore|determine|study|ascertain|compare|"
    r"clarify|elucidate)\b",
    re.IGNORECASE,
)
# A title that names a topic ("Effects of X on the pharmacokinetics of Y", "Studies on
# interactions between …") states what was studied, not that an interaction was found.
_TOPIC_TITLE = re.compile(
    r"^\W*(?:[\w-]+[\s:,.]+){0,4}?(?:effects?|influence|impact|evaluation|studies|study|assessment|"
    r"investigation|role)\s+(?:of|on)\b",
    re.IGNORECASE,
)
# A sentence split after an abbreviation ("… herbal products viz. Nigella sativa …") continues
# the one before it and keeps its role.
_ABBREVIATION_END = re.compile(r"\b(?:viz|e\.g|i\.e|cf|vs|approx)\.\s*$", re.IGNORECASE)
# What a result says of an exposure's effect on a drug's kinetics, when the drug is not named
# again: "Oral administration of Nigella sativa resulted in reduction of AUC, Cmax and t1/2".
_KINETICS = re.compile(
    r"\bauc|\bc ?max\b|\bt ?1/2\b|half-?life|bioavailab|clearance|pharmacokinetic|"
    r"plasma (?:\w+ )?(?:concentration|level)|interact",
    re.IGNORECASE,
)
# Words of a null result or a negation in a finding: it does not say the kinetics changed.
_NULL_WORDS = re.compile(
    r"\b(?:similar|comparable|unchanged|unaffected|unaltered|nonsignificant|"
    r"no (?:statistically )?significant|not (?:statistically )?significant\w*|"
    r"no (?:differences?|changes?|effects?))\b",
    re.IGNORECASE,
)
_HARMS = frozenset({Predicate.CAUSES, Predicate.INTERACTS_WITH, Predicate.CONTRAINDICATED_IN})


def question_sentences(doc: Doc) -> list[bool]:
    """One flag per sentence of ``doc``: whether a harm claim read from it is a question, an
    aim or a method rather than a finding (its statement role, or a ``_QUESTION`` cue; a
    sentence split off after an abbreviation keeps the flag of the one before)."""
    text = doc.text
    bounds = sentence_bounds(doc)
    roles = statement_roles(doc)
    flags: list[bool] = []
    for k, ((start, end), role) in enumerate(zip(bounds, roles, strict=True)):
        said = text[start:end]
        flag = role in (AIM, METHOD) or (role != TITLE and _QUESTION.search(said) is not None)
        if not flag and k and flags[k - 1]:
            flag = _ABBREVIATION_END.search(text[bounds[k - 1][0] : bounds[k - 1][1]]) is not None
        flags.append(flag)
    return flags


def _topic_titles(doc: Doc) -> list[bool]:
    text = doc.text
    return [
        role == TITLE and _TOPIC_TITLE.match(text[start:end]) is not None
        for (start, end), role in zip(sentence_bounds(doc), statement_roles(doc), strict=True)
    ]


def _found_elsewhere(
    doc: Doc,
    mentions: Sequence[Mention],
    subject: Mention,
    drug: Mention,
    asked: Sequence[bool],
    topics: Sequence[bool],
) -> bool:
    """Whether a finding sentence of ``doc`` reports the interaction an aim asked about.

    The finding names the ``subject`` (or the ``drug`` and no other herb or formula, when the
    exposure is written in a form not recognised there, as "GBE") and a change in kinetics or a
    warning against co-use, with no negation and no null result.
    """
    text = doc.text
    bounds = sentence_bounds(doc)
    negation = cue_index(doc)
    named: dict[int, set[str]] = {}
    for m in mentions:
        if m.sentence < len(bounds):
            if set(m.curies) & set(subject.curies):
                named.setdefault(m.sentence, set()).add("subject")
            elif set(m.curies) & set(drug.curies):
                named.setdefault(m.sentence, set()).add("drug")
            elif m.kind in MATERIA or m.kind is K.ORGANISM:
                # another herb, or a plant named by its species ("Lepidium sativum alters …")
                named.setdefault(m.sentence, set()).add("other")
    for k, which in named.items():
        if asked[k] or topics[k]:
            continue
        if "subject" not in which and ("drug" not in which or "other" in which):
            continue
        start, end = bounds[k]
        said = text[start:end]
        if (
            (_KINETICS.search(said) or WARNING.search(said.lower()))
            and not negation.negated_within(start, end)
            and not _NULL_WORDS.search(said)
        ):
            return True
    return False


def drop_asked_harms(doc: Doc, relations: Sequence[Relation]) -> list[Relation]:
    """``relations`` without the harm claims read from a question, aim or method sentence (or,
    for an interaction, a topic title), unless a finding of the same abstract says the exposure
    changed a drug's kinetics (an interaction asked and then found)."""
    if not any(r.predicate in _HARMS for r in relations):
        return list(relations)
    bounds = sentence_bounds(doc)
    index = {b: k for k, b in enumerate(bounds)}
    asked = question_sentences(doc)
    topics = _topic_titles(doc)
    mentions = mentions_of(doc)
    kept: list[Relation] = []
    for r in relations:
        k = index.get(r.sentence)
        if r.predicate in _HARMS and k is not None:
            question = asked[k] or (r.predicate is Predicate.INTERACTS_WITH and topics[k])
            if question and not (
                r.predicate is Predicate.INTERACTS_WITH
                and _found_elsewhere(
                    doc, mentions, mentions[r.subject], mentions[r.object], asked, topics
                )
            ):
                continue
        kept.append(r)
    return kept


if not Doc.has_extension("tcm_relations"):
    Doc.set_extension("tcm_relations", default=None)


class RelationComponent:
    """``tcm_relations``: relations between the mentions of each sentence."""

    def __init__(
        self, nlp: Language, name: str, min_confidence: float, min_harm_confidence: float
    ) -> None:
        self.name = name
        self.min_confidence = min_confidence
        self.min_harm_confidence = min_harm_confidence
        self.lexicon = document_lexicon()

    def __call__(self, doc: Doc) -> Doc:
        mentions = mentions_of(doc)
        bounds = sentence_bounds(doc)
        by_sentence: dict[int, list[int]] = {}
        for i, m in enumerate(mentions):
            by_sentence.setdefault(m.sentence, []).append(i)
        relations: list[Relation] = []
        text = doc.text
        negation = cue_index(doc)
        cues = CueList(self.lexicon.scan(text)) if len(mentions) > 1 else CueList([])
        for sentence, indices in by_sentence.items():
            if len(indices) < 2 or sentence >= len(bounds):
                continue
            relations.extend(
                r
                for r in sentence_relations(
                    text,
                    mentions,
                    indices,
                    bounds[sentence],
                    negation.hedged(*bounds[sentence]),
                    negation,
                    cues,
                )
                if r.confidence >= self.min_confidence and self._kept_harm(r)
            )
        doc._.tcm_relations = drop_asked_harms(doc, relations)
        return doc

    def _kept_harm(self, relation: Relation) -> bool:
        # A harm claim becomes a safety flag and lowers a candidate's score, so a wrong one
        # costs more than a missing one: it needs more confidence than other relations. A
        # negated one ("did not cause") says there was no harm and is kept.
        return (
            relation.predicate is not Predicate.CAUSES
            or relation.negated
            or relation.confidence >= self.min_harm_confidence
        )


@Language.factory(
    "tcm_relations", default_config={"min_confidence": 0.0, "min_harm_confidence": 0.45}
)
def make_relations(
    nlp: Language, name: str, min_confidence: float, min_harm_confidence: float
) -> RelationComponent:
    """The relation extractor; relations below ``min_confidence`` are dropped, and ``causes``
    claims (not negated) below ``min_harm_confidence``."""
    return RelationComponent(nlp, name, min_confidence, min_harm_confidence)
