"""Training the relation classifier (``tcm_relation_model``) from annotated PubTator corpora.

**Candidate pairs come from the pipeline's own mentions**, not the gold ones: every training
document goes through the extraction pipeline up to and including the cue rules
(``tcm_relations``), and each pair :func:`ingest.nlp.relation_model.candidates` yields there is
one example. The classifier therefore learns on the mentions it will see at extraction — model
spans with their boundary errors, dictionary names, the rules' own readings as features — and
a pair whose mention is no gold entity is learnt as "no relation", which is what it is at
extraction. Gold mentions would teach it on cleaner spans than it ever meets.

**Labels** come from the corpora's document-level relations, projected onto sentences: a
pipeline mention takes the ids of the gold mentions of its sort (chemical for an exposure,
disease for a disease or outcome, gene for a target) that it overlaps, and a pair is labelled
by the relation the document states between those ids:

* BioRED (``Train.PubTator``), chemical–disease: ``Negative_Correlation`` → ``treats`` (the
  chemical lowers the disease: treats or protects), ``Positive_Correlation`` → ``causes``
  (raises it: induces or worsens), any other type → ``associated``; chemical–gene:
  ``Negative_Correlation`` → ``inhibits``, ``Positive_Correlation`` → ``activates``, ``Bind``
  → ``binds``, any other → ``associated``; no relation → ``none``.
* BC5CDR (``CDR_TrainingSet``): a ``CID`` pair → ``causes``. BC5CDR annotates nothing but
  chemical-induced disease, so its other chemical–disease pairs are *not causes* but may well
  be treatments: they are left out of the fit (they would teach that a treatment sentence
  states nothing) and count only as negatives when the ``causes`` thresholds are chosen.

A pair whose ids carry both ``treats`` and ``causes`` is left out; so is a pair with a mention
that overlaps a gold mention without an id (what it names is unknown).

**Thresholds** are chosen on out-of-fold predictions (``folds`` document-grouped folds of the
training corpora, never the development files): for each class the least probability at which
the pairs the rules left alone, added with that class, were right at least
:data:`PRECISION_TARGETS` of the time (``causes``: 0.9); the veto of a rule ``causes`` at the
largest ``P(causes)`` below which at least 90 % of the vetoed rule harms were not harms. The
shipped model is then fitted on every training pair. Documents of the ``exclude`` files
(evaluation sets) are left out, and a document in two corpora is read once (the first).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import spacy
from scipy.sparse import csr_matrix  # type: ignore[import-untyped]  # ships no type information
from spacy.language import Language

from ingest.document import Annotation, Document
from ingest.nlp.cues import CueList
from ingest.nlp.mentions import Mention
from ingest.nlp.relation_model import (
    FAMILIES,
    FamilyModel,
    RelationWeights,
    candidates,
)
from ingest.nlp.relations import EXPOSURES, document_lexicon
from ingest.problems import ProblemLog
from ingest.readers import read_documents
from kg.model import EntityKind

# Least held-out precision of a relation the model adds where the rules read nothing: above
# the rules' own held-out precision of each of these classes (treats 0.55, inhibits 0.41,
# activates 0.27 per pair on the out-of-fold BioRED pairs), so an addition is at least as
# likely right as a rule reading. A harm becomes a safety flag, so an added ``causes`` must be
# right nine times in ten.
PRECISION_TARGETS: dict[str, float] = {
    "treats": 0.6,
    "causes": 0.9,
    "inhibits": 0.6,
    "activates": 0.6,
    "binds": 0.6,
}
# A rule harm is vetoed only where at least this share of the vetoed held-out ones were no harm.
VETO_PRECISION = 0.9
# Thresholds resting on fewer held-out predictions than this are not trusted.
MIN_SUPPORT = 5
MIN_FEATURE_COUNT = 2

_GOLD_SORT = {
    "Chemical": "chemical",
    "ChemicalEntity": "chemical",
    "Disease": "disease",
    "DiseaseOrPhenotypicFeature": "disease",
    "GeneOrGeneProduct": "gene",
    "Gene": "gene",
}
_EFFECT_LABELS = {
    "Negative_Correlation": "treats",
    "Positive_Correlation": "causes",
    "CID": "causes",
}
_MOLECULAR_LABELS = {
    "Negative_Correlation": "inhibits",
    "Positive_Correlation": "activates",
    "Bind": "binds",
}
NOT_CAUSES = "not_causes"  # a BC5CDR pair without CID: not a harm, maybe a treatment


def _sort_of(kind: EntityKind) -> str:
    if kind in EXPOSURES:
        return "chemical"
    if kind in (EntityKind.DISEASE, EntityKind.OUTCOME):
        return "disease"
    return "gene"


@dataclass(frozen=True, slots=True)
class Example:
    """One candidate pair of a training document, its features and label."""

    family: str
    features: tuple[str, ...]
    label: str  # a class of the family, or NOT_CAUSES
    corpus: str
    document: int  # index of the document (folds are drawn by document)
    rule: str  # the rules' predicate of the pair ("none" when they read nothing)
    rule_negated: bool


@dataclass
class TrainingSummary:
    """What :func:`collect_examples` read."""

    documents: Counter[str] = field(default_factory=Counter)
    skipped_excluded: int = 0
    skipped_duplicate: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    left_out: Counter[str] = field(default_factory=Counter)


def relation_lines(path: Path) -> dict[str, list[tuple[str, str, str]]]:
    """Document-level relation lines of a PubTator file, by document id: (type, id1, id2).

    The project's reader yields documents and their mentions; relation lines are gold labels,
    not text, and it passes them over, so they are read here. Ids are bare (no prefix).
    """
    out: dict[str, list[tuple[str, str, str]]] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            cells = line.rstrip("\n").split("\t")
            if len(cells) >= 4 and "|" not in cells[0] and not cells[1].lstrip("-").isdigit():
                out.setdefault(f"PMID:{cells[0]}", []).append((cells[1], cells[2], cells[3]))
    return out


def rules_pipeline() -> Language:
    """The extraction pipeline up to the cue rules (``tcm_relations``): what the relation model
    sees when it runs, so components after it (the model itself and later ones) are left out."""
    # Imported here: the pipeline module imports every module of this package (this one too)
    # to register their factories, which build_pipeline does and this must do too.
    from ingest.nlp.pipeline import CONFIG_PATH, _register_factories

    _register_factories()
    config = spacy.util.load_config(CONFIG_PATH)
    names = list(config["nlp"]["pipeline"])
    config["nlp"]["pipeline"] = names[: names.index("tcm_relations") + 1]
    for name in names[names.index("tcm_relations") + 1 :]:
        del config["components"][name]
    nlp: Language = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    return nlp


def _bare(curie: str) -> str:
    return curie.split(":", 1)[-1]


def _gold_ids(mention: Mention, gold: Sequence[Annotation]) -> set[str] | None:
    """Ids of the gold mentions of the mention's sort it overlaps; None where one has no id."""
    sort = _sort_of(mention.kind)
    ids: set[str] = set()
    for g in gold:
        if _GOLD_SORT.get(g.type) == sort and g.start < mention.end and mention.start < g.end:
            if not g.ids:
                return None
            ids.update(_bare(i) for i in g.ids)
    return ids


def pair_label(
    family: str,
    subject_ids: set[str],
    object_ids: set[str],
    relations: dict[frozenset[str], set[str]],
    cid_only: bool,
) -> str | None:
    """The label of a pair from its ids and the document's relations (None: left out)."""
    mapping = _EFFECT_LABELS if family == "effect" else _MOLECULAR_LABELS
    found: set[str] = set()
    for s in subject_ids:
        for o in object_ids:
            for rtype in relations.get(frozenset((s, o)), ()):
                found.add(mapping.get(rtype, "associated"))
    specific = found - {"associated"}
    if len(specific) > 1:
        return None  # the document says two things of the pair
    if specific:
        return specific.pop()
    if cid_only:
        # BC5CDR says only which pairs are harms; any other pair may still be a treatment.
        return NOT_CAUSES if family == "effect" else None
    return "associated" if found else "none"


def collect_examples(
    corpora: Iterable[Path],
    *,
    exclude: Iterable[Path] = (),
    problems: ProblemLog | None = None,
    nlp: Language | None = None,
) -> tuple[list[Example], TrainingSummary]:
    """The candidate pairs of every document of ``corpora`` with their labels."""
    from ingest.nlp.pipeline import make_doc

    log = problems or ProblemLog()
    exclude = list(exclude)
    excluded = {d.id for d in read_documents(exclude, "pubtator", log)} if exclude else set()
    pipeline = nlp or rules_pipeline()
    lexicon = document_lexicon()
    summary = TrainingSummary()
    examples: list[Example] = []
    seen: set[str] = set()
    number = 0
    for corpus in corpora:
        lines = relation_lines(corpus)
        cid_only = all(t == "CID" for rels in lines.values() for t, _, _ in rels)
        documents: list[Document] = []
        for document in read_documents([corpus], "pubtator", log):
            if document.id in excluded:
                summary.skipped_excluded += 1
            elif document.id in seen:
                summary.skipped_duplicate += 1
            else:
                seen.add(document.id)
                documents.append(document)
        docs = pipeline.pipe(
            make_doc(
                pipeline,
                d.text,
                d.publication_types,
                len(d.title) if d.title and d.abstract else None,
            )
            for d in documents
        )
        for document, doc in zip(documents, docs, strict=True):
            number += 1
            summary.documents[corpus.name] += 1
            relations: dict[frozenset[str], set[str]] = {}
            for rtype, x, y in lines.get(document.id, []):
                relations.setdefault(frozenset((x, y)), set()).add(rtype)
            mentions: list[Mention] = doc._.tcm_mentions or []
            rules = {
                (min(r.subject, r.object), max(r.subject, r.object)): r
                for r in doc._.tcm_relations or ()
            }
            cues = CueList(lexicon.scan(doc.text))
            for c in candidates(doc, cues):
                subject_ids = _gold_ids(mentions[c.subject], document.annotations)
                object_ids = _gold_ids(mentions[c.object], document.annotations)
                if subject_ids is None or object_ids is None:
                    summary.left_out["gold mention without id"] += 1
                    continue
                label = pair_label(c.family, subject_ids, object_ids, relations, cid_only)
                if label is None:
                    summary.left_out[f"{c.family} unknown ({corpus.name})"] += 1
                    continue
                rule = rules.get((c.first, c.second))
                summary.labels[f"{c.family}/{label} ({corpus.name})"] += 1
                examples.append(
                    Example(
                        family=c.family,
                        features=c.features,
                        label=label,
                        corpus=corpus.name,
                        document=number,
                        rule="none" if rule is None else rule.predicate.value,
                        rule_negated=rule is not None and rule.negated,
                    )
                )
    return examples, summary


def _matrix(examples: Sequence[Example], vocabulary: dict[str, int]) -> csr_matrix:
    rows: list[int] = []
    cols: list[int] = []
    for r, example in enumerate(examples):
        for feature in example.features:
            col = vocabulary.get(feature)
            if col is not None:
                rows.append(r)
                cols.append(col)
    return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(examples), len(vocabulary)))


def _fit(examples: Sequence[Example], classes: tuple[str, ...], c: float, seed: int) -> FamilyModel:
    counts = Counter(f for e in examples for f in e.features)
    names = sorted(f for f, n in counts.items() if n >= MIN_FEATURE_COUNT)
    vocabulary = {f: i for i, f in enumerate(names)}
    # Imported here: every module of this package is imported when a pipeline is built, and
    # extraction needs no scikit-learn.
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    y = np.array([classes.index(e.label) for e in examples])
    present = sorted(set(y.tolist()))
    model = LogisticRegression(C=c, max_iter=300, tol=1e-3, random_state=seed)
    model.fit(_matrix(examples, vocabulary), y)
    coef = np.full((len(classes), len(names)), 0.0)
    intercept = np.full(len(classes), -30.0)  # a class never seen is never predicted
    if len(present) == 1:
        intercept[present[0]] = 0.0
    else:
        raw_coef = model.coef_ if len(present) > 2 else np.vstack([-model.coef_, model.coef_])
        raw_icpt = (
            model.intercept_
            if len(present) > 2
            else np.array([-model.intercept_[0], model.intercept_[0]])
        )
        # Binary scikit-learn models keep one row; as a softmax of two that is ±half of it.
        if len(present) == 2:
            raw_coef, raw_icpt = raw_coef / 2, raw_icpt / 2
        for row, cls in enumerate(present):
            coef[cls] = raw_coef[row]
            intercept[cls] = raw_icpt[row]
    return FamilyModel(classes, vocabulary, coef, intercept, {}, -1.0)


def _probabilities(model: FamilyModel, examples: Sequence[Example]) -> npt.NDArray[np.float64]:
    if not examples:
        return np.zeros((0, len(model.classes)))
    return np.vstack([model.probabilities(e.features) for e in examples])


def _threshold(
    scores: Sequence[tuple[float, bool]], target: float
) -> tuple[float, float, int] | None:
    """The least threshold at which the predictions ``(probability, right)`` above it are
    right at least ``target`` of the time, with its precision and support."""
    for t in np.arange(0.30, 1.0, 0.01):
        chosen = [right for p, right in scores if p >= t]
        if len(chosen) >= MIN_SUPPORT and sum(chosen) / len(chosen) >= target:
            return round(float(t), 2), sum(chosen) / len(chosen), len(chosen)
    return None


def fit_set(examples: Sequence[Example], classes: tuple[str, ...]) -> list[Example]:
    """The examples a model is fitted on: a BC5CDR pair without a CID is fitted as no
    relation, unless the rules read a treatment there (then it is likely one, and left out)."""
    out: list[Example] = []
    for e in examples:
        if e.label == NOT_CAUSES:
            if e.rule != "treats":
                out.append(replace(e, label="none"))
        elif e.label in classes:
            out.append(e)
    return out


def train_family(
    examples: Sequence[Example], family: str, *, folds: int, c: float, seed: int
) -> tuple[FamilyModel, dict[str, Any]]:
    """Fit one family's model with thresholds chosen on its out-of-fold predictions."""
    classes = FAMILIES[family]
    fit_examples = fit_set(examples, classes)
    documents = sorted({e.document for e in examples})
    random.Random(seed).shuffle(documents)
    fold_of = {d: i % folds for i, d in enumerate(documents)}
    held: list[tuple[Example, npt.NDArray[np.float64]]] = []
    for k in range(folds):
        train = [e for e in fit_examples if fold_of[e.document] != k]
        test = [e for e in examples if fold_of[e.document] == k]
        if not train or not test or len({e.label for e in train}) < 2:
            continue
        model = _fit(train, classes, c, seed)
        held.extend(zip(test, _probabilities(model, test), strict=True))
    thresholds: dict[str, float] = {}
    report: dict[str, Any] = {
        "classes": list(classes),
        "pairs": dict(Counter(e.label for e in examples)),
    }
    for label in classes:
        if label not in PRECISION_TARGETS:
            continue
        i = classes.index(label)
        # Only pairs the rules left alone can be added, and a BC5CDR pair without a CID is
        # known not to be a harm but not known to be no treatment.
        scores = [
            (float(p[i]), e.label == label)
            for e, p in held
            if e.rule == "none"
            and int(np.argmax(p)) == i
            and (e.label != NOT_CAUSES or label == "causes")
        ]
        found = _threshold(scores, PRECISION_TARGETS[label])
        positives = sum(1 for e, _ in held if e.rule == "none" and e.label == label)
        if found is None:
            report[label] = {"threshold": None, "held_out_positives": positives}
            continue
        thresholds[label] = found[0]
        report[label] = {
            "threshold": found[0],
            "held_out_precision": round(found[1], 3),
            "held_out_added": found[2],
            "held_out_recall_of_unread": round(
                sum(1 for p, right in scores if right and p >= found[0]) / positives, 3
            )
            if positives
            else None,
        }
    veto = -1.0
    if "causes" in classes:
        i = classes.index("causes")
        rule_harms = [
            (float(p[i]), e.label == "causes")
            for e, p in held
            if e.rule == "causes" and not e.rule_negated
        ]
        for v in np.arange(0.01, 0.51, 0.01):
            vetoed = [is_harm for p, is_harm in rule_harms if p <= v]
            if len(vetoed) >= MIN_SUPPORT and 1 - sum(vetoed) / len(vetoed) >= VETO_PRECISION:
                veto = round(float(v), 2)
        vetoed = [is_harm for p, is_harm in rule_harms if p <= veto]
        report["veto_causes"] = {
            "threshold": veto,
            "held_out_rule_harms": len(rule_harms),
            "held_out_rule_harms_right": sum(h for _, h in rule_harms),
            "held_out_vetoed": len(vetoed),
            "held_out_vetoed_that_were_harms": sum(vetoed),
        }
    final = _fit(fit_examples, classes, c, seed)
    report["features"] = len(final.vocabulary)
    return (
        FamilyModel(final.classes, final.vocabulary, final.coef, final.intercept, thresholds, veto),
        report,
    )


def train_relation_model(
    examples: Sequence[Example], *, folds: int = 5, c: float = 0.5, seed: int = 0
) -> RelationWeights:
    """The relation model of every family with examples (see the module docs)."""
    families: dict[str, FamilyModel] = {}
    reports: dict[str, Any] = {}
    for family in FAMILIES:
        mine = [e for e in examples if e.family == family]
        if len({e.label for e in mine if e.label in FAMILIES[family]}) < 2:
            continue
        families[family], reports[family] = train_family(mine, family, folds=folds, c=c, seed=seed)
    summary: dict[str, Any] = {"folds": folds, "C": c, "seed": seed, "families": reports}
    return RelationWeights(families=families, summary=summary)


__all__ = [
    "NOT_CAUSES",
    "PRECISION_TARGETS",
    "Example",
    "TrainingSummary",
    "collect_examples",
    "pair_label",
    "relation_lines",
    "rules_pipeline",
    "train_family",
    "train_relation_model",
]
