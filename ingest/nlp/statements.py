"""What each sentence of an abstract is doing: reporting a result, or stating an aim, background,
method or traditional use.

A relation read from "The aim of this study was to investigate whether X reduces Y" or from
"X has been used in traditional Chinese medicine to treat Y for centuries" is not a finding of
the paper: the first is its question, the second what others say. Such evidence is kept (it
is what the paper says, and a reader may want it) but marked, and scoring weighs it less than
a result (``queries.config.ScoringConfig.statement_factors``).

The role of a sentence comes, in this order, from

1. a cue in the sentence itself — an aim ("the aim of this study", "we investigated
   whether"), traditional use ("traditionally used", "in folk medicine"), background ("has
   been reported to", "previous studies"), a conclusion ("in conclusion", "these results
   suggest");
2. else the heading of the structured-abstract section it lies in, as readers write them
   inline ("BACKGROUND: …", "ETHNOPHARMACOLOGICAL RELEVANCE: …", "RESULTS: …");
3. else the title is a ``title`` (it usually states the finding) and every other sentence a
   ``result``: an unstructured abstract's sentences count fully unless a cue says otherwise.

A sentence cue wins over the heading because structured abstracts put aims under
"BACKGROUND" and results under "CONCLUSIONS" freely; a conclusion counts like a result.
``Doc._.tcm_statements`` (computed on access) holds one role per sentence of
:func:`ingest.nlp.sentences.sentence_bounds`.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from spacy.tokens import Doc

from ingest.nlp.sentences import sentence_bounds

AIM = "aim"
BACKGROUND = "background"
METHOD = "method"
TRADITIONAL_USE = "traditional_use"
RESULT = "result"
CONCLUSION = "conclusion"
TITLE = "title"
ROLES = (TITLE, AIM, BACKGROUND, TRADITIONAL_USE, METHOD, RESULT, CONCLUSION)
"""Every role a sentence can have."""

# Inline headings of structured abstracts ("BACKGROUND: ", "Materials and methods: "): a short
# run of capitalised words at a sentence start, then a colon.
_HEADING = re.compile(r"(?:^|(?<=[.!?]\s)|(?<=\s\s))([A-Z][A-Za-z &/,-]{2,60}?):\s")
_HEADING_ROLES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"ethno|traditional use|folk"), TRADITIONAL_USE),
    (re.compile(r"conclu|interpretation|implication|significance"), CONCLUSION),
    (re.compile(r"aim|objective|purpose|goal|hypothes|question"), AIM),
    # before results: "Main outcome measures" says what was measured, not what was found
    (
        re.compile(
            r"method|design|setting|patient|participant|subject|intervention|measure|"
            r"procedure|material|experimental|approach|study selection|data sources"
        ),
        METHOD,
    ),
    (re.compile(r"result|finding"), RESULT),
    (re.compile(r"background|introduction|context|rationale|importance"), BACKGROUND),
)

_AIM_CUE = re.compile(
    r"\b(?:the (?:main |primary |present |current )?(?:aims?|objectives?|purpose|goals?) of "
    r"(?:this|the present|the current|our) (?:study|work|research|trial|investigation|paper)|"
    r"(?:this|the present|the current|our) (?:study|work|research|trial|investigation) "
    r"(?:aims|aimed|was designed|is designed|sought|seeks|investigat\w+ whether|"
    r"examin\w+ whether|evaluat\w+ whether|tests? whether)|"
    r"we (?:aimed|aim|sought|seek|hypothes\w+|set out|wanted|investigated whether|"
    r"examined whether|evaluated whether|tested whether|asked whether|explored whether)|"
    r"to (?:investigate|evaluate|examine|assess|explore|determine|elucidate|clarify|test) "
    r"(?:whether|if)\b|"
    r"(?:was|were|is|are) (?:conducted|performed|undertaken|carried out|designed) to "
    r"(?:investigate|evaluate|examine|assess|explore|determine|elucidate|clarify|test|compare|"
    r"study)|"
    r"we (?:investigated|evaluated|examined|assessed|explored|studied) the "
    r"(?:possible |potential )?(?:effects?|role|influence|impact) of)",
    re.IGNORECASE,
)
_TRADITIONAL_CUE = re.compile(
    r"\b(?:traditionally (?:been )?used|(?:has|have) (?:long )?been (?:widely )?used "
    r"(?:in|as|for) (?:a )?(?:traditional|folk|ethno\w*|herbal) |"
    r"used (?:in|as) (?:a )?(?:traditional|folk) (?:chinese )?(?:medicine|remed\w+)|"
    r"in (?:traditional|folk|ethno\w*) (?:chinese |korean |japanese |indian )?"
    r"(?:medicine|practice)s? (?:for|to treat|against|as)|folk medicine|folk remed\w+|"
    r"ethnomedic\w*|for centuries|for thousands of years|ancient (?:chinese )?(?:medicine|times))",
    re.IGNORECASE,
)
_BACKGROUND_CUE = re.compile(
    r"\b(?:previous(?:ly)? (?:studies|reports|work|research)|(?:has|have) been "
    r"(?:previously )?(?:reported|shown|demonstrated|suggested|proposed) to|"
    r"(?:is|are) (?:widely|commonly|frequently) used (?:to treat|for|in the treatment)|"
    r"(?:is|are) known to|little is known|remains? (?:unclear|unknown|to be elucidated))",
    re.IGNORECASE,
)
_CONCLUSION_CUE = re.compile(
    r"^\W*(?:in conclusion|in summary|to conclude|taken together|collectively|overall)\b|"
    r"\b(?:these|our|the present) (?:results|findings|data|observations) "
    r"(?:suggest|indicate|demonstrate|show|provide|support|imply|reveal)|\bwe conclude",
    re.IGNORECASE,
)
# Cues that a sentence reports what was found: they keep a result a result even when it also
# mentions what was known ("… as previously reported, X significantly reduced Y").
_FINDING_CUE = re.compile(
    r"\b(?:significant(?:ly)?|p ?[<=>≤] ?0?\.\d|odds ratio|hazard ratio|95 ?% ?ci|"
    r"compared with (?:the )?(?:control|placebo|vehicle|model))",
    re.IGNORECASE,
)


def _cue_role(sentence: str) -> str | None:
    """The role a cue inside the sentence gives it, if any (see the module docs)."""
    if _AIM_CUE.search(sentence):
        return AIM
    if _CONCLUSION_CUE.search(sentence):
        return CONCLUSION
    if _FINDING_CUE.search(sentence):
        return None
    if _TRADITIONAL_CUE.search(sentence):
        return TRADITIONAL_USE
    if _BACKGROUND_CUE.search(sentence):
        return BACKGROUND
    return None


def heading_role(label: str) -> str | None:
    """The role of a structured-abstract heading ("MATERIALS AND METHODS" → method)."""
    folded = label.lower()
    for pattern, role in _HEADING_ROLES:
        if pattern.search(folded):
            return role
    return None


def _headings(text: str) -> tuple[list[int], list[str]]:
    """Offsets where each recognised inline heading starts, and its role."""
    starts: list[int] = []
    roles: list[str] = []
    for match in _HEADING.finditer(text):
        label = match.group(1)
        # A heading is written in capitals or as a short title-case label; a colon after an
        # ordinary clause ("as follows: ") is not one.
        if not (label.isupper() or len(label.split()) <= 4):
            continue
        role = heading_role(label)
        if role is not None:
            starts.append(match.start(1))
            roles.append(role)
    return starts, roles


def statement_roles(doc: Doc) -> list[str]:
    """One role per sentence of ``doc`` (see the module docs for the order of the rules).

    Computed once per document and kept, as the sentence bounds are: the harm rules, the
    consistency step and the evidence writer each ask for them.
    """
    cached: list[str] | None = doc._.tcm_statement_roles
    if cached is not None:
        return cached
    text = doc.text
    bounds = sentence_bounds(doc)
    title_end: int | None = doc._.tcm_title_end
    starts, heading_roles = _headings(text)
    roles: list[str] = []
    for start, end in bounds:
        if title_end and end <= title_end:
            roles.append(TITLE)
            continue
        role = _cue_role(text[start:end])
        if role is None:
            # A heading written inside the sentence (it starts the section) counts too.
            at = bisect_right(starts, end - 1) - 1
            role = heading_roles[at] if at >= 0 else RESULT
        roles.append(role)
    doc._.tcm_statement_roles = roles
    return roles


if not Doc.has_extension("tcm_statement_roles"):
    Doc.set_extension("tcm_statement_roles", default=None)  # the computed roles, once
if not Doc.has_extension("tcm_statements"):
    Doc.set_extension("tcm_statements", getter=statement_roles)
