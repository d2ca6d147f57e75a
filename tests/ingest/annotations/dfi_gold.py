"""Hand annotations of real abstracts from ``../shared/data/dfi_pubmed_abstracts``.

``dfi_herbs.tsv`` (written by the project) keeps only ids, offsets, labels and herb names:
the abstracts' text is read at run time from the third-party file through the project's
own table reader, and every offset is checked against it.

Annotation rules:

* **Herb** — every mention of a medicinal plant or herbal drug by name: Latin binomial
  (``Ginkgo biloba``, abbreviated ``G. biloba``; without the botanical authority), English
  or pinyin name (``licorice``, ``St. John's wort``, ``Danshen``). An extract of a herb counts
  as the herb (``Ginkgo biloba`` in "Ginkgo biloba extract"); herb names inside a formula or
  product name (``Fufang Danshen Dripping Pill``) do not; foods (onion, grapefruit) do not.
* **relations** — document-level triples (subject name, predicate, object name) that the
  abstract states plainly, in the extract interface's predicate names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ingest.document import Document
from ingest.problems import ProblemLog
from ingest.readers import read_documents

ANNOTATIONS = Path(__file__).with_name("dfi_herbs.tsv")


@dataclass
class GoldDocument:
    """The gold herb mentions and relations of one abstract, with its text."""

    document: Document
    herbs: list[tuple[int, int]] = field(default_factory=list)
    relations: list[tuple[str, str, str]] = field(default_factory=list)


class AnnotationError(ValueError):
    """An annotation that does not fit the text it annotates."""


def load_gold(corpus: Path, annotations: Path = ANNOTATIONS) -> dict[str, GoldDocument]:
    """The annotated documents by PMID CURIE; raises AnnotationError on any offset mismatch."""
    rows = [
        line.rstrip("\n").split("\t")
        for line in annotations.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    wanted = {f"PMID:{row[0]}" for row in rows}
    documents = {d.id: d for d in read_documents([corpus], "tsv", ProblemLog()) if d.id in wanted}
    gold: dict[str, GoldDocument] = {}
    for number, row in enumerate(rows, 1):
        pmid = f"PMID:{row[0]}"
        if pmid not in documents:
            raise AnnotationError(f"{annotations.name}: row {number}: {pmid} not in {corpus}")
        entry = gold.setdefault(pmid, GoldDocument(documents[pmid]))
        text = entry.document.text
        if row[1] == "entity":
            start, end, surface = int(row[2]), int(row[3]), row[5]
            if text[start:end] != surface:
                raise AnnotationError(
                    f"{annotations.name}: row {number}: {pmid} [{start}:{end}] is "
                    f"{text[start:end]!r}, not {surface!r}"
                )
            entry.herbs.append((start, end))
        elif row[1] == "relation":
            subject, predicate, obj = row[2], row[3], row[4]
            lowered = text.lower()
            if subject.lower() not in lowered or obj.lower() not in lowered:
                raise AnnotationError(f"{annotations.name}: row {number}: names not in {pmid}")
            entry.relations.append((subject.lower(), predicate, obj.lower()))
        else:
            raise AnnotationError(f"{annotations.name}: row {number}: unknown kind {row[1]!r}")
    return gold


@dataclass(frozen=True)
class Score:
    """Precision, recall and F1 from counts."""

    true_positives: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __str__(self) -> str:
        return (
            f"P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}  "
            f"(tp {self.true_positives}, predicted {self.predicted}, gold {self.gold})"
        )


def score_spans(
    gold: Mapping[str, Iterable[tuple[int, int]]],
    predicted: Mapping[str, Iterable[tuple[int, int]]],
    *,
    overlap: bool = False,
) -> Score:
    """Mention-level score: exact offsets, or (``overlap=True``) any shared character."""
    tp = n_pred = n_gold = 0
    for doc_id in set(gold) | set(predicted):
        g = set(gold.get(doc_id, ()))
        p = set(predicted.get(doc_id, ()))
        n_gold += len(g)
        n_pred += len(p)
        if overlap:
            tp += sum(1 for ps, pe in p if any(ps < ge and gs < pe for gs, ge in g))
        else:
            tp += len(g & p)
    return Score(tp, n_pred, n_gold)


def _same_name(a: str, b: str) -> bool:
    return a == b or a in b or b in a


def score_relations(
    gold: Mapping[str, Iterable[tuple[str, str, str]]],
    predicted: Mapping[str, Iterable[tuple[str, str, str]]],
) -> Score:
    """Document-level relation score; names match when one contains the other (any case)."""
    tp = n_pred = n_gold = 0
    for doc_id in gold:
        g = set(gold[doc_id])
        p = {(s.lower(), pr, o.lower()) for s, pr, o in predicted.get(doc_id, ())}
        n_gold += len(g)
        n_pred += len(p)
        tp += sum(
            1
            for gs, gp, go in g
            if any(pp == gp and _same_name(ps, gs) and _same_name(po, go) for ps, pp, po in p)
        )
    return Score(tp, n_pred, n_gold)
