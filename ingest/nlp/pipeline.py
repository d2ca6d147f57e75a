"""The extraction pipeline: spaCy's blank English tokenizer and sentencizer plus the project's
components, each registered as a spaCy factory.

Components, in pipeline order, and the extension each one fills:

``sentencizer``
    spaCy's rule-based sentence splitter.
``tcm_dictionary`` (:mod:`ingest.nlp.matcher`)
    ``Doc._.tcm_mentions``: dictionary mentions of the vocabulary's names.
``tcm_abbreviations`` (:mod:`ingest.nlp.abbreviations`)
    adds short forms defined in the text, and their later uses, to ``Doc._.tcm_mentions``.
``tcm_negation`` (:mod:`ingest.nlp.negation`)
    marks negated mentions; ``Doc._.tcm_hedged`` (computed on access): one flag per
    sentence.
``tcm_study_design`` (:mod:`ingest.nlp.design`)
    ``Doc._.tcm_study``: design (from ``Doc._.tcm_publication_types`` first), sample size,
    species.
``tcm_relations`` (:mod:`ingest.nlp.relations`)
    ``Doc._.tcm_relations``: relations between mentions of one sentence.

``Span._.tcm_mentions`` gives the mentions inside any span (a sentence, say). The pipeline is
named and versioned (:data:`PIPELINE_NAME`, :data:`PIPELINE_VERSION`); the version goes into
every evidence item the pipeline produces, so evidence from an older extractor can be found
and replaced.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import replace

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from ingest.nlp.abbreviations import expand_abbreviations
from ingest.nlp.cues import CueList
from ingest.nlp.design import StudyInfo, study_info
from ingest.nlp.matcher import DictionaryMatcher, Match, Term
from ingest.nlp.mentions import Mention
from ingest.nlp.negation import CueIndex
from ingest.nlp.relations import Relation, document_lexicon, sentence_relations
from kg.model import EntityKind

PIPELINE_NAME = "tcmkg_extract"
PIPELINE_VERSION = "1.2.0"
METHOD = "tcmkg.extract"

TermSource = Iterable[Term | tuple[str, str, EntityKind]]


def _register_extensions() -> None:
    if not Doc.has_extension("tcm_hedged"):
        Doc.set_extension("tcm_hedged", getter=_hedged_sentences)
    for name in (
        "tcm_mentions",
        "tcm_relations",
        "tcm_study",
        "tcm_sentences",
        "tcm_publication_types",
        "tcm_cues",
        "tcm_title_end",
    ):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    if not Span.has_extension("tcm_mentions"):
        Span.set_extension("tcm_mentions", getter=_span_mentions)


def _hedged_sentences(doc: Doc) -> list[bool]:
    index = cue_index(doc)
    return [index.hedged(s, e) for s, e in sentence_bounds(doc)]


def _span_mentions(span: Span) -> list[Mention]:
    mentions: list[Mention] = span.doc._.tcm_mentions or []
    return [m for m in mentions if m.start >= span.start_char and m.end <= span.end_char]


_register_extensions()


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """Character offsets ``(start, end)`` of the document's sentences (computed once)."""
    bounds: list[tuple[int, int]] | None = doc._.tcm_sentences
    if bounds is None:
        bounds = [(s.start_char, s.end_char) for s in doc.sents] if len(doc) else []
        title_end: int | None = doc._.tcm_title_end
        if title_end:
            # A title without a full stop is still a sentence of its own: split there.
            split: list[tuple[int, int]] = []
            for start, end in bounds:
                if start < title_end < end:
                    split += [(start, title_end), (title_end + 1, end)]
                else:
                    split.append((start, end))
            bounds = [(s, e) for s, e in split if e > s]
        doc._.tcm_sentences = bounds
    return bounds


def cue_index(doc: Doc) -> CueIndex:
    """The negation and hedging cues of the document (computed once)."""
    index: CueIndex | None = doc._.tcm_cues
    if index is None:
        index = CueIndex(doc.text)
        doc._.tcm_cues = index
    return index


def mention_from_match(text: str, match: Match, sentence: int) -> Mention:
    """A mention for a dictionary match; an ambiguous name keeps every candidate, no id."""
    curies = match.curies
    return Mention(
        start=match.start,
        end=match.end,
        text=text[match.start : match.end],
        kind=match.kind,
        ids=curies if len(curies) == 1 else (),
        candidates=curies if len(curies) > 1 else (),
        sentence=sentence,
    )


class DictionaryComponent:
    """``tcm_dictionary``: mentions of vocabulary names (see :mod:`ingest.nlp.matcher`)."""

    def __init__(self, nlp: Language, name: str, use_seed: bool) -> None:
        self.name = name
        self.matcher = DictionaryMatcher(())
        if use_seed:
            from ingest.vocabulary import load_seed

            self.set_terms(load_seed().surface_names())

    def set_terms(self, terms: TermSource) -> None:
        """Replace the dictionary by ``terms``."""
        self.matcher = DictionaryMatcher(terms)

    def __call__(self, doc: Doc) -> Doc:
        bounds = sentence_bounds(doc)
        starts = [s for s, _ in bounds]
        text = doc.text
        doc._.tcm_mentions = [
            mention_from_match(text, m, max(0, bisect_right(starts, m.start) - 1))
            for m in self.matcher.find(text)
        ]
        return doc


class AbbreviationComponent:
    """``tcm_abbreviations``: short forms defined in the text become mentions too."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        mentions: list[Mention] = doc._.tcm_mentions or []
        if mentions:
            starts = [s for s, _ in sentence_bounds(doc)]
            doc._.tcm_mentions = expand_abbreviations(
                doc.text, mentions, lambda at: max(0, bisect_right(starts, at) - 1)
            )
        return doc


class NegationComponent:
    """``tcm_negation``: negated mentions, and which sentences are hedged."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        index = cue_index(doc)
        bounds = sentence_bounds(doc)
        mentions: list[Mention] = doc._.tcm_mentions or []
        out = []
        for m in mentions:
            start = bounds[m.sentence][0] if bounds else 0
            if index.mention_negated(start, m.start):
                m = replace(m, negated=True)
            out.append(m)
        doc._.tcm_mentions = out
        return doc


class StudyDesignComponent:
    """``tcm_study_design``: design, sample size and species of the document."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        types: tuple[str, ...] = doc._.tcm_publication_types or ()
        doc._.tcm_study = study_info(types, doc.text)
        return doc


class RelationComponent:
    """``tcm_relations``: relations between the mentions of each sentence."""

    def __init__(self, nlp: Language, name: str, min_confidence: float) -> None:
        self.name = name
        self.min_confidence = min_confidence
        self.lexicon = document_lexicon()

    def __call__(self, doc: Doc) -> Doc:
        mentions: list[Mention] = doc._.tcm_mentions or []
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
                if r.confidence >= self.min_confidence
            )
        doc._.tcm_relations = relations
        return doc


@Language.factory("tcm_dictionary", default_config={"use_seed": True})
def make_dictionary(nlp: Language, name: str, use_seed: bool) -> DictionaryComponent:
    """Factory of the dictionary matcher; ``use_seed`` loads the bundled seed vocabulary."""
    return DictionaryComponent(nlp, name, use_seed)


@Language.factory("tcm_abbreviations")
def make_abbreviations(nlp: Language, name: str) -> AbbreviationComponent:
    """Factory of the abbreviation expander."""
    return AbbreviationComponent(nlp, name)


@Language.factory("tcm_negation")
def make_negation(nlp: Language, name: str) -> NegationComponent:
    """Factory of the negation and hedging marker."""
    return NegationComponent(nlp, name)


@Language.factory("tcm_study_design")
def make_study_design(nlp: Language, name: str) -> StudyDesignComponent:
    """Factory of the study design, sample size and species reader."""
    return StudyDesignComponent(nlp, name)


@Language.factory("tcm_relations", default_config={"min_confidence": 0.0})
def make_relations(nlp: Language, name: str, min_confidence: float) -> RelationComponent:
    """Factory of the relation extractor; relations below ``min_confidence`` are dropped."""
    return RelationComponent(nlp, name, min_confidence)


def build_pipeline(terms: TermSource | None = None, *, min_confidence: float = 0.0) -> Language:
    """The extraction pipeline; ``terms`` replaces the seed vocabulary as the dictionary."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("tcm_dictionary", config={"use_seed": terms is None})
    nlp.add_pipe("tcm_abbreviations")
    nlp.add_pipe("tcm_negation")
    nlp.add_pipe("tcm_study_design")
    nlp.add_pipe("tcm_relations", config={"min_confidence": min_confidence})
    if terms is not None:
        component = nlp.get_pipe("tcm_dictionary")
        assert isinstance(component, DictionaryComponent)
        component.set_terms(terms)
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = PIPELINE_VERSION
    return nlp


def run(
    nlp: Language,
    text: str,
    publication_types: Iterable[str] = (),
    title_end: int | None = None,
) -> Doc:
    """Run the pipeline on one text, with the record's publication types for the design.

    ``title_end`` is the length of the title within ``text``; the title is then always a
    sentence of its own.
    """
    doc = nlp.make_doc(text)
    doc._.tcm_publication_types = tuple(publication_types)
    doc._.tcm_title_end = title_end
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def pipe(nlp: Language, items: Iterable[tuple[str, tuple[str, ...]]]) -> Iterator[Doc]:
    """Run the pipeline over ``(text, publication_types)`` pairs, streaming."""
    for text, types in items:
        yield run(nlp, text, types)


def study_of(doc: Doc) -> StudyInfo:
    """The study information the pipeline put on ``doc``."""
    study: StudyInfo | None = doc._.tcm_study
    return study if study is not None else StudyInfo()
