"""Negation and hedging cues, by rule (a small NegEx in the spirit of negspacy and medspaCy).

* A **mention** is negated when a negation cue ("no", "without", "absence of", "free of" …)
  comes at most about five words before it in its sentence, with no "but"/"however" between.
* A **relation** is negated when a negation cue ("not", "did not", "failed to" …) sits between
  its two mentions, or just before the first of them ("no X-induced Y was observed"). "No
  significant difference" is a null result, not a negation, and "not only" negates nothing.
* A warning is no negation: in "should not be used concomitantly with warfarin" the "not"
  belongs to a recommendation, which asserts the risk of the combination.
* A **sentence** is hedged when it carries a speculation cue ("may", "might", "suggest",
  "potential", "possibly" …): the claim is offered, not shown.

Cues are found once per document (:class:`CueIndex`, kept in ``Doc._.tcm_cues``) on the
lower-cased text; each question about a mention, pair or sentence is then a binary search over
cue offsets.

The ``tcm_negation`` pipeline component marks the negated mentions of ``Doc._.tcm_mentions``;
``Doc._.tcm_hedged`` (computed on access) holds one hedging flag per sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import replace

from spacy.language import Language
from spacy.tokens import Doc

from ingest.nlp.mentions import mentions_of
from ingest.nlp.sentences import sentence_bounds

_MENTION_NEGATION = re.compile(
    r"\b(?:no|without|absence of|absent|free of|denied|denies|negative for|ruled out|"
    r"neither|nor|lack of|lacked)\b"
)
_TERMINATOR = re.compile(r"\b(?:but|however|although|except|whereas|while)\b|[.;:()\[\]]")
_RELATION_NEGATION = re.compile(
    r"\b(?:not(?! only)|no(?! (?:statistically )?significant)|neither|nor|never|without|"
    r"fail(?:ed|s)? to|unable to|cannot|lack of|lacked|absence of)\b|n't\b"
)
# "should not be (simultaneously) used/taken/combined …": a recommendation against a use; its
# "not" negates no relation.
WARNING = re.compile(
    r"\b(?:should|must|can|could|may)\s+(?:not|never)\s+be\s+(?:\w+\s+){0,2}?"
    r"(?:used|taken|given|combined|co-?administered|coadministered|ingested|prescribed|mixed|"
    r"consumed|administered)\b"
)
_HEDGE = re.compile(
    r"\b(?:may|might|could|possibly|possible|potential|potentially|suggest|suggests|suggested|"
    r"suggesting|likely|unlikely|appear|appears|appeared|seem|seems|hypothes\w*|speculat\w*|"
    r"whether|presumabl\w*|putative\w*|perhaps|probabl\w*|warrant\w*|further stud\w*)\b"
)
# How far (characters, about five words) a negation cue reaches forward to a mention.
MENTION_WINDOW = 40
# How far before the first mention of a pair a negation cue still negates the pair.
RELATION_LEAD = 25


def _spans(pattern: re.Pattern[str], text: str) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    for match in pattern.finditer(text):
        starts.append(match.start())
        ends.append(match.end())
    return starts, ends


def _any_in(starts: list[int], lo: int, hi: int) -> bool:
    i = bisect_left(starts, lo)
    return i < len(starts) and starts[i] < hi


class CueIndex:
    """Negation and hedging cues of one text, by offset."""

    def __init__(self, text: str) -> None:
        self._lower = text.lower()
        self._neg: tuple[list[int], list[int]] | None = None
        self._term: list[int] | None = None
        self._rel: list[int] | None = None
        self._hedge: list[int] | None = None

    # Each cue list is found on first use only: most abstracts need one or two of them.
    @property
    def _neg_spans(self) -> tuple[list[int], list[int]]:
        if self._neg is None:
            self._neg = _spans(_MENTION_NEGATION, self._lower)
        return self._neg

    @property
    def _term_starts(self) -> list[int]:
        if self._term is None:
            self._term = _spans(_TERMINATOR, self._lower)[0]
        return self._term

    @property
    def _rel_starts(self) -> list[int]:
        if self._rel is None:
            warnings = [m.span() for m in WARNING.finditer(self._lower)]
            self._rel = [
                start
                for start in _spans(_RELATION_NEGATION, self._lower)[0]
                if not any(s <= start < e for s, e in warnings)
            ]
        return self._rel

    def negated_within(self, start: int, end: int) -> bool:
        """Whether a relation negation cue ("not", "no", "failed to" …) lies in
        ``text[start:end]``."""
        return _any_in(self._rel_starts, start, end)

    def hedged(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` (a sentence) carries a speculation cue."""
        if self._hedge is None:
            self._hedge = _spans(_HEDGE, self._lower)[0]
        return _any_in(self._hedge, start, end)

    def mention_negated(self, sentence_start: int, start: int) -> bool:
        """Whether the mention starting at ``start`` is negated by a cue shortly before it."""
        starts, ends = self._neg_spans
        i = bisect_left(ends, start + 1) - 1  # the last cue that ends before it
        if i < 0 or starts[i] < sentence_start:
            return False
        cue_end = ends[i]
        if start - cue_end > MENTION_WINDOW:
            return False
        return not _any_in(self._term_starts, cue_end, start)

    def relation_negated(
        self, sentence_start: int, first_start: int, first_end: int, second_start: int
    ) -> bool:
        """Whether a pair is negated: a cue between the mentions, or just before the first."""
        if _any_in(self._rel_starts, first_end, second_start):
            return True
        lead = max(sentence_start, first_start - RELATION_LEAD)
        return _any_in(self._rel_starts, lead, first_start)


def hedged(sentence: str) -> bool:
    """Whether ``sentence`` is speculative."""
    return _HEDGE.search(sentence.lower()) is not None


def mention_negated(sentence: str, offset: int) -> bool:
    """Whether the mention starting at ``offset`` within ``sentence`` is negated."""
    return CueIndex(sentence).mention_negated(0, offset)


def relation_negated(sentence: str, first: tuple[int, int], second_start: int) -> bool:
    """Whether the pair (first mention at ``first``, second starting at ``second_start``) is
    negated within ``sentence``."""
    return CueIndex(sentence).relation_negated(0, first[0], first[1], second_start)


def cue_index(doc: Doc) -> CueIndex:
    """The negation and hedging cues of the document (computed once)."""
    index: CueIndex | None = doc._.tcm_cues
    if index is None:
        index = CueIndex(doc.text)
        doc._.tcm_cues = index
    return index


def _hedged_sentences(doc: Doc) -> list[bool]:
    index = cue_index(doc)
    return [index.hedged(s, e) for s, e in sentence_bounds(doc)]


if not Doc.has_extension("tcm_cues"):
    Doc.set_extension("tcm_cues", default=None)
if not Doc.has_extension("tcm_hedged"):
    Doc.set_extension("tcm_hedged", getter=_hedged_sentences)


class NegationComponent:
    """``tcm_negation``: negated mentions, and which sentences are hedged."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        index = cue_index(doc)
        bounds = sentence_bounds(doc)
        out = []
        for m in mentions_of(doc):
            start = bounds[m.sentence][0] if bounds else 0
            if index.mention_negated(start, m.start):
                m = replace(m, negated=True)
            out.append(m)
        doc._.tcm_mentions = out
        return doc


@Language.factory("tcm_negation")
def make_negation(nlp: Language, name: str) -> NegationComponent:
    """The negation and hedging marker (it needs the mentions before it)."""
    return NegationComponent(nlp, name)
