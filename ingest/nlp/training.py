"""Training the entity recogniser (``tcm_ner``) from annotated PubTator corpora.

The recogniser is a small spaCy model trained from scratch on CPU (no pretrained weights): a
hash-embedding CNN ``tok2vec`` and a transition-based ``ner`` with three labels, the kinds the
dictionary cannot list exhaustively:

``CHEMICAL`` (compound or drug), ``DISEASE`` (disease or phenotype), ``GENE`` (gene or
protein, the graph's Target).

Corpora annotate different types, and a corpus that annotates only some of them must not teach
the model that the others are not entities. Each corpus therefore declares which labels it
annotates (:data:`CORPUS_LABELS`, by the corpus's own type names); in its documents a token
outside every gold mention is *outside* only if it could not be an entity of a label the
corpus leaves out. Tokens that could be (a name of that kind in the shipped dictionary, or, for
genes, a token shaped like a gene symbol) are marked *missing*, so the model is neither
rewarded nor penalised there. NCBI Disease (diseases only) thus says nothing about chemicals
and genes; BC5CDR (chemicals and diseases) nothing about genes.

:func:`build_corpus` turns PubTator files into spaCy ``DocBin`` files (a tenth of the documents
held out for spaCy's choice of the best step); :func:`train` runs spaCy's trainer with
``ner.cfg`` beside this module. ``tcmkg train-ner`` is the command line
(:mod:`tcmkg.commands.train`), and ``ingest/nlp/ner_model/TRAINED.md`` records how the shipped
model was made.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin, Span

from ingest.document import Document
from ingest.nlp.matcher import DictionaryMatcher
from ingest.problems import ProblemLog
from ingest.readers import read_documents
from kg.model import EntityKind

NER_CONFIG = Path(__file__).with_name("ner.cfg")
LABELS = ("CHEMICAL", "DISEASE", "GENE")
# The corpus's type name → the model's label; types not listed are not learnt (organisms,
# variants, cell lines) and their tokens are marked missing, not outside.
TYPE_LABELS: dict[str, str] = {
    "Chemical": "CHEMICAL",
    "ChemicalEntity": "CHEMICAL",
    "Disease": "DISEASE",
    "DiseaseOrPhenotypicFeature": "DISEASE",
    "SpecificDisease": "DISEASE",
    "DiseaseClass": "DISEASE",
    "CompositeMention": "DISEASE",
    "Modifier": "DISEASE",
    "GeneOrGeneProduct": "GENE",
    "Gene": "GENE",
}
# Which labels a corpus annotates, told by the type names found in it: a corpus with any of
# these names annotates every label listed beside it.
CORPUS_LABELS: tuple[tuple[frozenset[str], frozenset[str]], ...] = (
    (frozenset({"GeneOrGeneProduct"}), frozenset(LABELS)),  # BioRED
    (frozenset({"Chemical"}), frozenset({"CHEMICAL", "DISEASE"})),  # BC5CDR
    (frozenset({"SpecificDisease", "DiseaseClass"}), frozenset({"DISEASE"})),  # NCBI Disease
)
_KIND_LABEL = {
    EntityKind.COMPOUND: "CHEMICAL",
    EntityKind.DRUG: "CHEMICAL",
    EntityKind.DISEASE: "DISEASE",
    EntityKind.TARGET: "GENE",
}
# A token shaped like a gene or protein symbol: capitals with digits or a trailing capital run
# (TNF-α, IL6, p53, NF-κB, COX-2, AKT1).
_GENE_SHAPE = re.compile(
    r"^(?:[A-Z][A-Za-z]{0,5}-?[0-9][0-9A-Za-z]*|[A-Z]{2,}[a-z]?|p\d{2,3}|.*[κα-ω].*)$"
)


@dataclass
class CorpusStats:
    """What :func:`build_corpus` read and wrote."""

    documents: int = 0
    skipped_overlap: int = 0  # documents also in an evaluation file, left out of training
    mentions: Counter[str] = field(default_factory=Counter)
    dropped_mentions: int = 0  # gold mentions that do not fall on token boundaries
    missing_tokens: int = 0
    train: int = 0
    dev: int = 0


def corpus_labels(documents: Sequence[Document]) -> frozenset[str]:
    """The labels the documents' corpus annotates (see :data:`CORPUS_LABELS`)."""
    types = {a.type for d in documents for a in d.annotations}
    for names, labels in CORPUS_LABELS:
        if types & names:
            return labels
    return frozenset(TYPE_LABELS[t] for t in types if t in TYPE_LABELS)


def _dictionary_spans(text: str) -> list[tuple[int, int, str]]:
    """Character spans of shipped dictionary names, with the model label of their kind."""
    out = []
    for match in _matcher().find(text):
        label = _KIND_LABEL.get(match.kind)
        if label is not None:
            out.append((match.start, match.end, label))
    return out


_MATCHERS: list[DictionaryMatcher] = []


def _matcher() -> DictionaryMatcher:
    # The seed dictionary is built once per process: it takes a second or two.
    if not _MATCHERS:
        from ingest.vocabulary import load_seed

        _MATCHERS.append(DictionaryMatcher(load_seed().surface_names()))
    return _MATCHERS[0]


def labelled_doc(nlp: spacy.language.Language, document: Document, labels: frozenset[str]) -> Doc:
    """``document`` tokenised, with its gold mentions as entities and unknown tokens missing."""
    doc = nlp.make_doc(document.text)
    spans: list[Span] = []
    for ann in sorted(document.annotations, key=lambda a: (a.start, -a.end)):
        label = TYPE_LABELS.get(ann.type)
        span = doc.char_span(ann.start, ann.end, label=label or "", alignment_mode="expand")
        if span is None or label is None or label not in labels:
            continue
        if spans and span.start < spans[-1].end:
            continue  # nested or overlapping gold mentions: the outer one is kept
        spans.append(span)
    taken = {i for s in spans for i in range(s.start, s.end)}
    missing: set[int] = set()
    # Tokens of annotated types this model does not learn (organisms, variants) are missing.
    for ann in document.annotations:
        if ann.type not in TYPE_LABELS:
            span = doc.char_span(ann.start, ann.end, alignment_mode="expand")
            if span is not None:
                missing.update(range(span.start, span.end))
    unannotated = set(LABELS) - labels
    if unannotated:
        for start, end, label in _dictionary_spans(document.text):
            if label in unannotated:
                span = doc.char_span(start, end, alignment_mode="expand")
                if span is not None:
                    missing.update(range(span.start, span.end))
        if "GENE" in unannotated:
            missing.update(t.i for t in doc if _GENE_SHAPE.match(t.text))
    missing -= taken
    doc.set_ents(
        spans,
        missing=[doc[i : i + 1] for i in sorted(missing)],
        default="outside",
    )
    return doc


def build_corpus(
    sources: Iterable[Path],
    out_dir: Path,
    *,
    exclude: Iterable[Path] = (),
    dev_share: float = 0.1,
    seed: int = 0,
    problems: ProblemLog | None = None,
) -> CorpusStats:
    """``train.spacy`` and ``dev.spacy`` in ``out_dir`` from PubTator ``sources``.

    Documents whose id is in any ``exclude`` file (the evaluation sets) are left out, so a
    figure measured on those files stays a development figure of a model that never saw them.
    """
    log = problems or ProblemLog()
    excluded = {d.id for d in read_documents(list(exclude), "pubtator", log)} if exclude else set()
    nlp = spacy.blank("en")
    stats = CorpusStats()
    docs: list[Doc] = []
    for source in sources:
        documents = list(read_documents([source], "pubtator", log))
        labels = corpus_labels(documents)
        for document in documents:
            if document.id in excluded:
                stats.skipped_overlap += 1
                continue
            doc = labelled_doc(nlp, document, labels)
            stats.documents += 1
            stats.mentions.update(e.label_ for e in doc.ents)
            stats.missing_tokens += sum(1 for t in doc if t.ent_iob == 0)
            stats.dropped_mentions += sum(
                1 for a in document.annotations if TYPE_LABELS.get(a.type) in labels
            ) - len(doc.ents)
            docs.append(doc)
    random.Random(seed).shuffle(docs)
    held = max(1, int(len(docs) * dev_share)) if len(docs) > 1 else 0
    out_dir.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs[held:], store_user_data=False).to_disk(out_dir / "train.spacy")
    DocBin(docs=docs[:held] or docs, store_user_data=False).to_disk(out_dir / "dev.spacy")
    stats.train, stats.dev = len(docs) - held, held
    return stats


def train(
    corpus_dir: Path,
    output: Path,
    *,
    max_steps: int = 12000,
    patience: int = 2000,
    eval_frequency: int = 250,
    seed: int = 0,
) -> Path:
    """Train ``ner.cfg`` on ``corpus_dir``'s DocBins; the best model is ``output/model-best``."""
    from spacy.cli.train import train as spacy_train

    overrides = {
        "paths.train": str(corpus_dir / "train.spacy"),
        "paths.dev": str(corpus_dir / "dev.spacy"),
        "training.max_steps": max_steps,
        "training.patience": patience,
        "training.eval_frequency": eval_frequency,
        "training.seed": seed,
        "system.seed": seed,
    }
    spacy_train(NER_CONFIG, output, overrides=overrides)
    return output / "model-best"
